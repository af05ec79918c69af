// libFuzzer target for the message encodings rmqd reads from requests: SEND_BATCH_MESSAGE's body
// (DecodeBatchBody; each item's properties looked up), a properties string (PropertiesView), and
// offset message ids (DecodeOffsetMessageId, as VIEW_MESSAGE_BY_ID and QUERY_MESSAGE receive them).
// Every view DecodeBatchBody returns must lie inside the input.
// Built by tools/run_fuzz.sh (make fuzz); excluded from the normal build.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/message.h"

using namespace rmq::protocol;

namespace {

bool Inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void LookUpAll(std::string_view props) {
  PropertiesView v(props);
  std::string_view out;
  for (const char* k : {kPropertyKeys, kPropertyTags, kPropertyDelayTimeLevel, kPropertyUniqClientMessageIdKeyidx,
                        kPropertyCluster, kPropertyRealTopic, kPropertyTransactionPrepared}) {
    if (v.Get(k, &out) && !Inside(out, props)) {
      fprintf(stderr, "message_fuzz: property value outside the string\n");
      abort();
    }
  }
  // Java's HashMap round trip: every pair it keeps is a well-formed pair of the input, and the
  // encoding holds exactly those pairs (no separator after the last).
  rmq::PropertyMap m = rmq::PropertyMap::Parse(props);
  std::string enc = m.Encode();
  if (m.size() > props.size() / 3 + 1 || enc.size() > props.size() || (!enc.empty() && enc.back() == kPropertySeparator) ||
      rmq::PropertyMap::Parse(enc).size() != m.size()) {
    fprintf(stderr, "message_fuzz: PropertyMap round trip broke\n");
    abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<BatchItem> items;
  if (DecodeBatchBody(in, &items)) {
    for (const BatchItem& item : items) {
      if (!Inside(item.body, in) || !Inside(item.properties, in)) {
        fprintf(stderr, "message_fuzz: batch item outside the body\n");
        abort();
      }
      LookUpAll(item.properties);
    }
  }
  LookUpAll(in);
  std::string host;
  int64_t offset = 0;
  (void)DecodeOffsetMessageId(in, &host, &offset);
  return 0;
}
