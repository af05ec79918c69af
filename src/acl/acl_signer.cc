#include "acl/acl_signer.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <vector>

namespace rmq::acl {

namespace {

// UTF-8 -> UTF-16 code units, so keys compare in Java's String.compareTo order.
std::u16string Utf16(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t n;
    if (c < 0x80) { cp = c; n = 1; }
    else if ((c >> 5) == 6) { cp = c & 0x1f; n = 2; }
    else if ((c >> 4) == 14) { cp = c & 0x0f; n = 3; }
    else if ((c >> 3) == 30) { cp = c & 0x07; n = 4; }
    else { cp = 0xfffd; n = 1; }
    if (i + n > s.size()) { cp = 0xfffd; n = s.size() - i; }
    for (size_t k = 1; k < n && n > 1; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += n;
  }
  return out;
}

}  // namespace

std::string CombineRequestContent(const protocol::ExtFields& fields, std::string_view body, bool skip_unique_key_query) {
  std::vector<std::pair<std::u16string, const std::pair<std::string, std::string>*>> sorted;
  sorted.reserve(fields.size());
  for (const auto& kv : fields.items()) {
    if (kv.first == kSignatureField) continue;
    if (skip_unique_key_query && kv.first == kUniqueMsgQueryFlag) continue;
    sorted.emplace_back(Utf16(kv.first), &kv);
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [key, kv] : sorted) out += kv->second;
  out.append(body.data(), body.size());
  return out;
}

std::string CalSignature(std::string_view data, std::string_view secret_key) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), secret_key.data(), static_cast<int>(secret_key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_len);
  std::string b64(4 * ((mac_len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), mac, static_cast<int>(mac_len));
  b64.resize(static_cast<size_t>(n));
  return b64;
}

bool SignatureEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace rmq::acl
