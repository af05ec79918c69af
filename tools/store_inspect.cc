// store_inspect: read-only views of an rmqd / Java RocketMQ store directory.
//
//   store_inspect commitlog <storeDir> [--from OFF] [--count N]
//   store_inspect cq <storeDir> <topic> <queueId>
//   store_inspect index <storeDir>
//   store_inspect checkpoint <storeDir>
//   store_inspect verify <storeDir>        exit 0 when consistent, 1 with one line per problem
//
// The walking and checking live in src/store/store_verify.cc; this file only prints.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/coding.h"
#include "store/index_file.h"
#include "store/index_service.h"
#include "store/store_checkpoint.h"
#include "store/store_verify.h"

using namespace rmq;
using namespace rmq::store;

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: store_inspect commitlog <storeDir> [--from OFF] [--count N]\n"
               "       store_inspect cq <storeDir> <topic> <queueId>\n"
               "       store_inspect index <storeDir>\n"
               "       store_inspect checkpoint <storeDir>\n"
               "       store_inspect verify <storeDir>\n");
  return 2;
}

bool ParseI64(std::string_view s, int64_t* v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Printable form of a property value: control bytes become '?'.
std::string Printable(std::string_view v) {
  std::string out(v);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return out;
}

int PrintProblems(const std::vector<std::string>& problems) {
  for (const auto& p : problems) std::printf("PROBLEM %s\n", p.c_str());
  return problems.empty() ? 0 : 1;
}

int CommitLogCmd(const std::string& root, int argc, char** argv) {
  int64_t from = -1;
  int64_t count = INT64_MAX;
  for (int i = 0; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    int64_t* dst = flag == "--from" ? &from : flag == "--count" ? &count : nullptr;
    if (dst == nullptr || !ParseI64(argv[i + 1], dst)) return Usage();
  }
  if (argc % 2 != 0) return Usage();
  std::vector<std::string> problems;
  int64_t n = 0;
  Status s = WalkCommitLog(root, from, [&](const RecordView& r, int64_t offset) {
    if (n >= count) return false;
    ++n;
    std::string_view keys, tags;
    FindProperty(r.properties, "KEYS", &keys);
    FindProperty(r.properties, "TAGS", &tags);
    std::printf("offset=%" PRId64 " size=%d topic=%s queueId=%d queueOffset=%" PRId64 " storeTimestamp=%" PRId64
                " tags=%s keys=%s bodyLength=%zu\n",
                offset, r.total_size, Printable(r.topic).c_str(), r.queue_id, r.queue_offset, r.store_timestamp,
                Printable(tags).c_str(), Printable(keys).c_str(), r.body.size());
    return true;
  }, &problems);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  return PrintProblems(problems);
}

int CqCmd(const std::string& root, const std::string& topic, const char* qid_text) {
  int64_t qid;
  if (!ParseI64(qid_text, &qid) || qid < 0 || qid > INT32_MAX) return Usage();
  std::vector<std::string> problems;
  Status s = WalkConsumeQueue(root, topic, static_cast<int32_t>(qid), [](int64_t logical, const CqEntry& e) {
    std::printf("queueOffset=%" PRId64 " commitLogOffset=%" PRId64 " size=%d tagsCode=%" PRId64 "\n", logical,
                e.commit_log_offset, e.size, e.tags_code);
    return true;
  }, &problems);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  return PrintProblems(problems);
}

int IndexCmd(const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root + "/index", ec)) names.push_back(e.path().filename().string());
  if (ec) {
    std::fprintf(stderr, "cannot list %s/index: %s\n", root.c_str(), ec.message().c_str());
    return 1;
  }
  std::sort(names.begin(), names.end());
  int64_t total = 0;
  for (const auto& name : names) {
    const std::string path = root + "/index/" + name;
    char buf[kIndexHeaderSize];
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? ::pread(fd, buf, sizeof(buf), 0) : -1;
    if (fd >= 0) ::close(fd);
    IndexHeader h;
    if (got != static_cast<ssize_t>(sizeof(buf)) || !DecodeIndexHeader(std::string_view(buf, sizeof(buf)), &h).ok()) {
      std::printf("%s: unreadable header\n", name.c_str());
      continue;
    }
    const int64_t entries = h.index_count > 0 ? h.index_count - 1 : 0;
    total += entries;
    std::printf("%s: beginTimestamp=%" PRId64 " endTimestamp=%" PRId64 " beginPhyOffset=%" PRId64
                " endPhyOffset=%" PRId64 " hashSlotCount=%d indexCount=%d entries=%" PRId64 " fileSize=%ju\n",
                name.c_str(), h.begin_timestamp, h.end_timestamp, h.begin_phy_offset, h.end_phy_offset,
                h.hash_slot_count, h.index_count, entries, static_cast<uintmax_t>(fs::file_size(path, ec)));
  }
  std::printf("files=%zu entries=%" PRId64 "\n", names.size(), total);
  return 0;
}

int CheckpointCmd(const std::string& root) {
  const std::string path = root + "/checkpoint";
  char buf[40] = {};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::fprintf(stderr, "open %s: %s\n", path.c_str(), std::strerror(errno));
    return 1;
  }
  ssize_t n = ::pread(fd, buf, sizeof(buf), 0);
  ::close(fd);
  auto field = [&](size_t at) { return n >= static_cast<ssize_t>(at + 8) ? static_cast<int64_t>(DecodeFixed64(buf + at)) : 0; };
  std::printf("physicMsgTimestamp=%" PRId64 "\nlogicsMsgTimestamp=%" PRId64 "\nindexMsgTimestamp=%" PRId64
              "\nmasterFlushedOffset=%" PRId64 "\nconfirmPhyOffset=%" PRId64 "\n",
              field(kCheckpointPhysicOffset), field(kCheckpointLogicsOffset), field(kCheckpointIndexOffset),
              field(24), field(32));
  return 0;
}

int VerifyCmd(const std::string& root) {
  VerifyReport r;
  Status s = VerifyStore(root, &r);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  int rc = PrintProblems(r.problems);
  std::printf("records=%" PRId64 " cqEntries=%" PRId64 " expired=%" PRId64 " problems=%zu: %s\n", r.records,
              r.cq_entries, r.expired, r.problems.size(), r.ok() ? "consistent" : "INCONSISTENT");
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return Usage();
  const std::string_view cmd = argv[1];
  const std::string root = argv[2];
  if (cmd == "commitlog") return CommitLogCmd(root, argc - 3, argv + 3);
  if (cmd == "cq" && argc == 5) return CqCmd(root, argv[3], argv[4]);
  if (cmd == "index" && argc == 3) return IndexCmd(root);
  if (cmd == "checkpoint" && argc == 3) return CheckpointCmd(root);
  if (cmd == "verify" && argc == 3) return VerifyCmd(root);
  return Usage();
}
