// The ACL 1.0 request signature (mirrors AclSigner / AclUtils.combineRequestContent and the client's
// AclClientRPCHook): Base64(HmacSHA1(secretKey, values of the extFields sorted by key, Signature
// excluded, then the body)). OpenSSL; pure functions, any thread.
#pragma once

#include <string>
#include <string_view>

#include "protocol/ext_fields.h"

namespace rmq::acl {

// extFields keys the signature scheme uses (SessionCredentials).
constexpr std::string_view kAccessKeyField = "AccessKey";
constexpr std::string_view kSignatureField = "Signature";
constexpr std::string_view kSecurityTokenField = "SecurityToken";
// MixAll.UNIQUE_MSG_QUERY_FLAG: 4.9.x brokers leave it out of the signed text, clients sign it.
constexpr std::string_view kUniqueMsgQueryFlag = "_UNIQUE_KEY_QUERY";

// The signed bytes: values of `fields` sorted by key (Java String order), skipping Signature and,
// when `skip_unique_key_query`, _UNIQUE_KEY_QUERY; then `body`.
std::string CombineRequestContent(const protocol::ExtFields& fields, std::string_view body, bool skip_unique_key_query);

// Base64(HmacSHA1(key = secret_key bytes, data)), as AclSigner.calSignature.
std::string CalSignature(std::string_view data, std::string_view secret_key);

// Constant-time comparison of two signatures (CRYPTO_memcmp; lengths compared first).
bool SignatureEquals(std::string_view a, std::string_view b);

}  // namespace rmq::acl
