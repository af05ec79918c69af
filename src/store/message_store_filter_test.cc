// GetMessage's record-level filter (the SQL92 hook): records that fail are skipped but still
// advance nextBeginOffset, and a pull that matches nothing is NO_MATCHED_MESSAGE.
#include <doctest/doctest.h>

#include "store/commit_log_record.h"
#include "store/message_store.h"
#include "store/store_test_util.h"

namespace rmq::store {
namespace {

using testing::MakeMessage;
using testing::SmallConfig;
using testing::TempDir;

TEST_CASE("store: record filter skips records but advances the offset") {
  TempDir dir;
  MessageStore store(SmallConfig(dir.path()));
  REQUIRE(store.Open().ok());
  for (int i = 0; i < 6; ++i) {
    auto m = MakeMessage("T", "body" + std::to_string(i));
    m.properties = "a\x01" + std::to_string(i) + "\x02";
    REQUIRE(store.PutMessage(m.View()).status == PutMessageStatus::kPutOk);
  }
  RecordFilter odd = [](std::string_view rec) {
    RecordView v;
    if (!DecodeRecord(rec, &v, false).ok()) return false;
    char last = v.properties.size() >= 2 ? v.properties[v.properties.size() - 2] : '0';
    return (last - '0') % 2 == 1;
  };
  GetMessageResult r = store.GetMessage("T", 0, 0, 32, nullptr, &odd);
  REQUIRE(r.status == GetMessageStatus::kFound);
  CHECK(r.messages.size() == 3);
  CHECK(r.next_begin_offset == 6);
  // max_msg_nums counts matches only.
  r = store.GetMessage("T", 0, 0, 1, nullptr, &odd);
  CHECK(r.messages.size() == 1);
  CHECK(r.next_begin_offset == 2);
  RecordFilter none = [](std::string_view) { return false; };
  r = store.GetMessage("T", 0, 1, 32, nullptr, &none);
  CHECK(r.status == GetMessageStatus::kNoMatchedMessage);
  CHECK(r.next_begin_offset == 6);
  CHECK(r.messages.empty());
  RecordFilter empty;  // an empty function filters nothing
  r = store.GetMessage("T", 0, 0, 32, nullptr, &empty);
  CHECK(r.messages.size() == 6);
  store.Shutdown();
}

}  // namespace
}  // namespace rmq::store
