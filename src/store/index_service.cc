#include "store/index_service.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "common/logging.h"
#include "store/mapped_file_queue.h"

namespace rmq::store {

namespace fs = std::filesystem;

namespace {

constexpr size_t kIndexFileNameLength = 17;        // yyyyMMddHHmmssSSS
constexpr int32_t kTransactionTypeMask = 0xC;      // MessageSysFlag.TRANSACTION_ROLLBACK_TYPE
constexpr int32_t kTransactionRollbackType = 0xC;

bool IsIndexFileName(std::string_view name) {
  if (name.size() != kIndexFileNameLength) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A name that sorts after `last` (two files created in one millisecond, or a clock that went
// back): last + 1 read as a number. Only the order of names matters to readers.
std::string NameAfter(const std::string& last) {
  uint64_t v = 0;
  std::from_chars(last.data(), last.data() + last.size(), v);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%017llu", static_cast<unsigned long long>(v + 1));
  return buf;
}

}  // namespace

std::string IndexFileNameForTime(int64_t millis) {
  std::time_t secs = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02d%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis % 1000));
  return buf;
}

IndexService::IndexService(std::string dir, int32_t hash_slot_num, int32_t index_num, int32_t max_msgs_num_batch)
    : dir_(std::move(dir)),
      hash_slot_num_(hash_slot_num),
      index_num_(index_num),
      max_msgs_num_batch_(max_msgs_num_batch) {}

Status IndexService::Load(bool crashed, int64_t index_checkpoint_timestamp, int64_t commit_log_end) {
  std::error_code exists_ec;
  incomplete_ = !fs::is_directory(dir_, exists_ec);
  Status s = CreateDirs(dir_);
  if (!s.ok()) return s;
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file(ec) || !IsIndexFileName(name)) {
      RMQ_LOG_WARN("ignoring %s in %s", name.c_str(), dir_.c_str());
      continue;
    }
    names.push_back(std::move(name));
  }
  if (ec) return Status::IOError("list " + dir_ + ": " + ec.message());
  std::sort(names.begin(), names.end());

  std::vector<std::shared_ptr<IndexFile>> files;
  size_t i = 0;
  for (; i < names.size(); ++i) {
    const std::string path = dir_ + "/" + names[i];
    auto f = IndexFile::Open(path, hash_slot_num_, index_num_, 0, 0);
    if (!f.ok()) {
      if (f.status().IsIOError()) return f.status();
      RMQ_LOG_WARN("index file %s unusable (%s); it and newer ones are rebuilt", path.c_str(),
                   f.status().ToString().c_str());
      break;
    }
    const IndexHeader& h = (*f)->header();
    if (crashed && h.end_timestamp > index_checkpoint_timestamp) {
      RMQ_LOG_INFO("index file %s is newer than the index checkpoint; it and newer ones are rebuilt", path.c_str());
      break;
    }
    if (h.index_count > 1 && h.end_phy_offset >= commit_log_end) {
      RMQ_LOG_WARN("index file %s indexes offset %lld past the CommitLog end %lld; it and newer ones are rebuilt",
                   path.c_str(), static_cast<long long>(h.end_phy_offset), static_cast<long long>(commit_log_end));
      break;
    }
    files.push_back(std::move(*f));
  }
  // Keep the survivors a prefix, so re-indexing from the newest one's end covers everything.
  if (i < names.size()) incomplete_ = true;
  for (; i < names.size(); ++i) {
    std::error_code rm_ec;
    fs::remove(dir_ + "/" + names[i], rm_ec);
    if (rm_ec) return Status::IOError("remove " + dir_ + "/" + names[i] + ": " + rm_ec.message());
  }
  indexed_through_ = crashed || incomplete_ ? 0 : commit_log_end;
  const int64_t last_ts = files.empty() ? 0 : files.back()->header().end_timestamp;
  last_timestamp_.store(last_ts);
  flushed_timestamp_ = last_ts;
  std::lock_guard<std::mutex> l(mu_);
  files_ = std::move(files);
  return Status::OK();
}

int64_t IndexService::RebuildFrom() const {
  std::lock_guard<std::mutex> l(mu_);
  return std::max(indexed_through_, files_.empty() ? 0 : files_.back()->header().end_phy_offset);
}

std::shared_ptr<IndexFile> IndexService::LastWritableFile() {
  std::shared_ptr<IndexFile> last;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!files_.empty()) last = files_.back();
  }
  if (last && last->reserved() && !last->IsWriteFull()) return last;
  const int64_t now = NowMs();
  if (create_failed_logged_ && now < retry_at_ms_) return nullptr;
  std::shared_ptr<IndexFile> f;
  Status s;
  if (last && !last->IsWriteFull()) {
    s = last->Reserve();  // a file found on disk may be sparse
    if (s.ok()) f = last;
  } else {
    std::string name = IndexFileNameForTime(now);
    if (last && name <= last->FileName()) name = NameAfter(last->FileName());
    s = CreateDirs(dir_);
    if (s.ok()) {
      auto opened = IndexFile::Open(dir_ + "/" + name, hash_slot_num_, index_num_,
                                    last ? last->header().end_phy_offset : 0, last ? last->header().end_timestamp : 0);
      if (opened.ok()) {
        f = *opened;
        std::lock_guard<std::mutex> l(mu_);
        files_.push_back(f);
      } else {
        s = opened.status();
      }
    }
  }
  if (!f) {
    if (!create_failed_logged_) RMQ_LOG_ERROR("cannot create or reserve an index file: %s", s.ToString().c_str());
    create_failed_logged_ = true;
    retry_at_ms_ = now + 1000;
    return nullptr;
  }
  if (create_failed_logged_) RMQ_LOG_INFO("index file %s is writable again", f->path().c_str());
  create_failed_logged_ = false;
  return f;
}

void IndexService::BuildIndex(std::string_view topic, std::string_view properties, int32_t sys_flag,
                              int64_t phy_offset, int64_t store_timestamp) {
  if ((sys_flag & kTransactionTypeMask) == kTransactionRollbackType) return;
  std::shared_ptr<IndexFile> f = LastWritableFile();
  if (!f) return;
  // Java skips offsets below the newest entry's; we also skip that entry's own record, so a
  // rebuild that starts there does not index it twice.
  const IndexHeader& h = f->header();
  const bool indexed_any = h.index_count > 1 || h.end_phy_offset > 0;
  if (phy_offset < h.end_phy_offset || (indexed_any && phy_offset == h.end_phy_offset)) return;

  std::string key(topic);
  key.push_back('#');
  const size_t prefix = key.size();
  auto put = [&](std::string_view k) {
    key.resize(prefix);
    key.append(k);
    if (!f->PutKey(key, phy_offset, store_timestamp)) {
      f = LastWritableFile();  // full: roll to a new file
      if (!f || !f->PutKey(key, phy_offset, store_timestamp)) {
        RMQ_LOG_ERROR("index put failed for CommitLog offset %lld", static_cast<long long>(phy_offset));
        return false;
      }
    }
    write_seq_.fetch_add(1, std::memory_order_release);
    last_timestamp_.store(store_timestamp, std::memory_order_release);
    return true;
  };
  std::string_view value;
  if (FindProperty(properties, kPropertyUniqKeyName, &value) && !value.empty() && !put(value)) return;
  if (!FindProperty(properties, kPropertyKeysName, &value)) return;
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t end = value.find(kIndexKeySeparator, pos);
    if (end == std::string_view::npos) end = value.size();
    if (end > pos && !put(value.substr(pos, end - pos))) return;
    pos = end + 1;
  }
}

QueryOffsetResult IndexService::QueryOffset(std::string_view topic, std::string_view key, int32_t max_num,
                                            int64_t begin, int64_t end) const {
  QueryOffsetResult r;
  const size_t max = static_cast<size_t>(std::max(0, std::min(max_num, max_msgs_num_batch_)));
  std::string full(topic);
  full.push_back('#');
  full.append(key);
  std::vector<std::shared_ptr<IndexFile>> files = Files();
  for (size_t i = files.size(); i > 0; --i) {
    const IndexFile& f = *files[i - 1];
    if (i == files.size()) {
      r.index_last_update_timestamp = f.header().end_timestamp;
      r.index_last_update_phyoffset = f.header().end_phy_offset;
    }
    if (f.IsTimeMatched(begin, end)) f.SelectPhyOffsets(full, max, begin, end, &r.phy_offsets);
    if (f.header().begin_timestamp < begin || r.phy_offsets.size() >= max) break;
  }
  return r;
}

Status IndexService::Flush(int64_t* flushed_timestamp) {
  // Read before syncing: every entry stored at or before this time is in the files synced below.
  const uint64_t seq = write_seq_.load(std::memory_order_acquire);
  const int64_t ts = last_timestamp_.load(std::memory_order_acquire);
  if (seq != flushed_seq_) {
    Status result;
    for (const auto& f : Files()) {
      Status s = f->Flush();
      if (!s.ok()) result = s;
    }
    if (!result.ok()) {
      *flushed_timestamp = flushed_timestamp_;
      return result;
    }
    flushed_seq_ = seq;
    flushed_timestamp_ = ts;
  }
  *flushed_timestamp = flushed_timestamp_;
  return Status::OK();
}

size_t IndexService::FileCount() const {
  std::lock_guard<std::mutex> l(mu_);
  return files_.size();
}

int IndexService::DeleteExpiredFiles(int64_t commit_log_min) {
  std::vector<std::shared_ptr<IndexFile>> doomed;
  {
    std::lock_guard<std::mutex> l(mu_);
    // Only files before the last are read here; the writer no longer touches their headers.
    size_t n = 0;
    while (n + 1 < files_.size() && files_[n]->header().end_phy_offset < commit_log_min) ++n;
    doomed.assign(files_.begin(), files_.begin() + static_cast<std::ptrdiff_t>(n));
    files_.erase(files_.begin(), files_.begin() + static_cast<std::ptrdiff_t>(n));
  }
  int deleted = 0;
  for (auto& f : doomed) {
    Status s = f->Destroy();
    if (!s.ok()) {
      RMQ_LOG_ERROR("deleting index file %s: %s", f->path().c_str(), s.ToString().c_str());
      continue;
    }
    RMQ_LOG_INFO("deleted expired index file %s", f->path().c_str());
    ++deleted;
  }
  return deleted;
}

std::vector<std::shared_ptr<IndexFile>> IndexService::Files() const {
  std::lock_guard<std::mutex> l(mu_);
  return files_;
}

}  // namespace rmq::store
