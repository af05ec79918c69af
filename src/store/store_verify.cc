#include "store/store_verify.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "store/mapped_file.h"

namespace rmq::store {

namespace fs = std::filesystem;

namespace {

// A whole file mapped read-only; empty when the file is empty or cannot be mapped.
class ReadOnlyFile {
 public:
  Status Open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return Status::IOError("open " + path + ": " + std::strerror(errno));
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Status::IOError("fstat " + path + ": " + std::strerror(errno));
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) return Status::OK();
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) return Status::IOError("mmap " + path + ": " + std::strerror(errno));
    base_ = static_cast<const char*>(p);
    return Status::OK();
  }
  ~ReadOnlyFile() {
    if (base_ != nullptr) ::munmap(const_cast<char*>(base_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  std::string_view data() const { return base_ ? std::string_view(base_, size_) : std::string_view(); }

 private:
  int fd_ = -1;
  const char* base_ = nullptr;
  size_t size_ = 0;
};

// Mapped files of a directory as (start offset, path), sorted.
std::vector<std::pair<int64_t, std::string>> ListMappedFiles(const std::string& dir) {
  std::vector<std::pair<int64_t, std::string>> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    int64_t offset;
    if (e.is_regular_file(ec) && ParseMappedFileName(e.path().filename().string(), &offset)) {
      out.emplace_back(offset, e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Str(int64_t v) { return std::to_string(v); }

}  // namespace

Status WalkCommitLog(const std::string& root, int64_t from, const CommitLogVisitor& visit,
                     std::vector<std::string>* problems) {
  const std::string dir = root + "/commitlog";
  if (!fs::is_directory(dir)) return Status::NotFound(dir + " is not a directory");
  auto files = ListMappedFiles(dir);
  int64_t expected_start = files.empty() ? 0 : files.front().first;
  for (const auto& [start, path] : files) {
    if (start != expected_start) {
      problems->push_back("commitlog: gap before file " + MappedFileName(start) + " (expected one at " +
                          Str(expected_start) + ")");
    }
    ReadOnlyFile f;
    Status s = f.Open(path);
    if (!s.ok()) return s;
    const std::string_view data = f.data();
    expected_start = start + static_cast<int64_t>(data.size());
    if (from >= expected_start) continue;
    size_t pos = from > start ? static_cast<size_t>(from - start) : 0;
    while (pos < data.size()) {
      const int64_t offset = start + static_cast<int64_t>(pos);
      RecordView view;
      s = DecodeRecord(data.substr(pos), &view);
      if (s.IsNotFound()) break;  // blank: the rest of the file is unused
      if (!s.ok()) {
        // A zero length is where writing stopped; anything else is damage.
        const bool unwritten = data.size() - pos >= 4 && std::all_of(data.begin() + static_cast<ptrdiff_t>(pos),
                                                                      data.begin() + static_cast<ptrdiff_t>(pos) + 4,
                                                                      [](char c) { return c == 0; });
        if (!unwritten) problems->push_back("commitlog offset " + Str(offset) + ": " + s.ToString());
        break;
      }
      if (view.physical_offset != offset) {
        problems->push_back("commitlog offset " + Str(offset) + ": record says PHYSICALOFFSET " +
                            Str(view.physical_offset));
      }
      if (!visit(view, offset)) return Status::OK();
      pos += static_cast<size_t>(view.total_size);
    }
  }
  return Status::OK();
}

Status WalkConsumeQueue(const std::string& root, const std::string& topic, int32_t queue_id, const CqVisitor& visit,
                        std::vector<std::string>* problems) {
  const std::string dir = root + "/consumequeue/" + topic + "/" + std::to_string(queue_id);
  if (!fs::is_directory(dir)) return Status::NotFound(dir + " is not a directory");
  for (const auto& [start, path] : ListMappedFiles(dir)) {
    if (start % kCqStoreUnitSize != 0) {
      problems->push_back("consumequeue " + topic + "/" + std::to_string(queue_id) + ": file " +
                          MappedFileName(start) + " is not on an entry boundary");
      continue;
    }
    ReadOnlyFile f;
    Status s = f.Open(path);
    if (!s.ok()) return s;
    const std::string_view data = f.data();
    const size_t n = data.size() / kCqStoreUnitSize;
    for (size_t i = 0; i < n; ++i) {
      CqEntry e = DecodeCqEntry(data.data() + i * kCqStoreUnitSize);
      if (!IsValidCqEntry(e)) return Status::OK();  // first unwritten entry
      if (!visit(start / kCqStoreUnitSize + static_cast<int64_t>(i), e)) return Status::OK();
    }
  }
  return Status::OK();
}

std::vector<std::pair<std::string, int32_t>> ListConsumeQueues(const std::string& root) {
  std::vector<std::pair<std::string, int32_t>> out;
  std::error_code ec;
  for (const auto& t : fs::directory_iterator(root + "/consumequeue", ec)) {
    if (!t.is_directory(ec)) continue;
    std::error_code ec2;
    for (const auto& q : fs::directory_iterator(t.path(), ec2)) {
      const std::string name = q.path().filename().string();
      int32_t id = 0;
      auto r = std::from_chars(name.data(), name.data() + name.size(), id);
      if (q.is_directory(ec2) && r.ec == std::errc() && r.ptr == name.data() + name.size()) {
        out.emplace_back(t.path().filename().string(), id);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status VerifyStore(const std::string& root, VerifyReport* report) {
  *report = VerifyReport();
  struct Rec {
    std::string topic;
    int32_t queue_id;
    int64_t queue_offset;
    int32_t size;
  };
  std::unordered_map<int64_t, Rec> records;
  int64_t min_offset = -1;
  Status s = WalkCommitLog(root, -1, [&](const RecordView& r, int64_t offset) {
    if (min_offset < 0) min_offset = offset;
    records.emplace(offset, Rec{std::string(r.topic), r.queue_id, r.queue_offset, r.total_size});
    ++report->records;
    return true;
  }, &report->problems);
  if (!s.ok()) return s;
  if (auto files = ListMappedFiles(root + "/commitlog"); !files.empty()) min_offset = files.front().first;

  for (const auto& queue : ListConsumeQueues(root)) {
    // Named references, not a structured binding: clang before 16 (the fuzz build) cannot
    // capture a binding in the lambda below.
    const auto& topic = queue.first;
    const auto& qid = queue.second;
    const std::string where = "consumequeue " + topic + "/" + std::to_string(qid);
    s = WalkConsumeQueue(root, topic, qid, [&](int64_t logical, const CqEntry& e) {
      ++report->cq_entries;
      const std::string at = where + " offset " + Str(logical) + " -> commitlog " + Str(e.commit_log_offset) + ": ";
      if (min_offset >= 0 && e.commit_log_offset < min_offset) {
        ++report->expired;
        return true;
      }
      auto it = records.find(e.commit_log_offset);
      if (it == records.end()) {
        report->problems.push_back(at + "no record starts there");
        return true;
      }
      const Rec& r = it->second;
      if (r.size != e.size) report->problems.push_back(at + "size " + Str(e.size) + " but record has " + Str(r.size));
      if (r.topic != topic) report->problems.push_back(at + "record topic is " + r.topic);
      if (r.queue_id != qid) report->problems.push_back(at + "record queueId is " + Str(r.queue_id));
      if (r.queue_offset != logical) {
        report->problems.push_back(at + "record queueOffset is " + Str(r.queue_offset));
      }
      return true;
    }, &report->problems);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace rmq::store
