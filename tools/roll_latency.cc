// roll_latency: worst CommitLog::Append latency across file rolls, with the next file created
// at the roll (as before AllocateMappedFileService) and prepared in the background.
//   build/tools/roll_latency [dir] [file_mib] [rolls] [record_bytes]
// Appends records into `dir` (default: a fresh directory under /tmp, removed afterwards) until
// the CommitLog rolled `rolls` times, for each mode, and prints per mode: the slowest rolling
// append, the median rolling append, and the slowest and p99.9 of the other appends (us).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "store/commit_log.h"

namespace {

using rmq::store::AppendResult;
using rmq::store::CommitLog;
using rmq::store::MessageToStore;

struct Stats {
  std::vector<double> roll_us;
  std::vector<double> other_us;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

bool Run(const std::string& dir, int64_t file_size, int rolls, size_t record, bool preallocate, Stats* st) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  CommitLog log(dir, file_size);
  if (!log.Load().ok()) return false;
  if (preallocate) log.StartPreallocation();
  std::string body(record, 'x');
  MessageToStore m;
  m.topic = "RollLatency";
  m.body = body;
  m.born_host.ip[0] = 127;
  m.store_host.ip[0] = 127;
  int64_t qo = 0;
  size_t files = 0;
  while (true) {
    AppendResult r;
    auto t0 = std::chrono::steady_clock::now();
    rmq::Status s = log.Append(&m, 1, qo++, 1, &r);
    auto t1 = std::chrono::steady_clock::now();
    if (!s.ok()) {
      std::fprintf(stderr, "append: %s\n", s.ToString().c_str());
      return false;
    }
    double us = std::chrono::duration<double, std::micro>(t1 - t0).count();
    size_t now_files = log.file_queue()->Files().size();
    // The very first append creates the first file in both modes; it is not a roll.
    if (now_files > files && files > 0) {
      st->roll_us.push_back(us);
    } else if (files > 0) {
      st->other_us.push_back(us);
    }
    files = now_files;
    if (static_cast<int>(st->roll_us.size()) >= rolls) break;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "";
  const int64_t file_mib = argc > 2 ? std::atoll(argv[2]) : 64;
  const int rolls = argc > 3 ? std::atoi(argv[3]) : 8;
  const size_t record = argc > 4 ? static_cast<size_t>(std::atoll(argv[4])) : 1024;
  bool temp = dir.empty();
  if (temp) {
    char tmpl[] = "/tmp/rmqd-roll-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 2;
    dir = tmpl;
  }
  std::printf("CommitLog files of %lld MiB, %d rolls, %zu-byte bodies\n", static_cast<long long>(file_mib), rolls,
              record);
  std::printf("%-26s %12s %12s %12s %12s\n", "mode", "roll max", "roll median", "other max", "other p99.9");
  int rc = 0;
  for (bool pre : {false, true}) {
    Stats st;
    if (!Run(dir + "/commitlog", file_mib * 1024 * 1024, rolls, record, pre, &st)) {
      rc = 1;
      break;
    }
    std::printf("%-26s %10.1fus %10.1fus %10.1fus %10.1fus\n", pre ? "prepared in background" : "created at the roll",
                Percentile(st.roll_us, 1.0), Percentile(st.roll_us, 0.5), Percentile(st.other_us, 1.0),
                Percentile(st.other_us, 0.999));
  }
  std::error_code ec;
  if (temp) {
    std::filesystem::remove_all(dir, ec);
  } else {
    std::filesystem::remove_all(dir + "/commitlog", ec);
  }
  return rc;
}
