#include "server/file_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "server/config.h"

namespace rmq::server {

Status WriteFileAtomically(const std::string& path, const std::string& data) {
  std::error_code ec;
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Status::IOError("open " + tmp + ": " + strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string err = strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());  // a full disk: the old file stays, and the partial copy gives its blocks back
      return Status::IOError("write " + tmp + ": " + err);
    }
    off += static_cast<size_t>(n);
  }
  // Some filesystems report a full disk only here (delayed allocation, NFS): never rename a copy
  // that may not be whole over the old file.
  int rc = ::fsync(fd);
  int err = rc != 0 ? errno : 0;
  if (::close(fd) != 0 && rc == 0) {
    rc = -1;
    err = errno;
  }
  if (rc != 0) {
    ::unlink(tmp.c_str());
    return Status::IOError("sync " + tmp + ": " + strerror(err));
  }
  if (std::filesystem::exists(p, ec)) std::filesystem::copy_file(p, path + ".bak", std::filesystem::copy_options::overwrite_existing, ec);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::IOError("rename " + tmp + ": " + strerror(errno));
  return Status::OK();
}

Status ReadConfigFile(const std::string& path, std::string* out) {
  Status s = ReadFileToString(path, out);
  if (s.ok() && !out->empty()) return s;
  return ReadFileToString(path + ".bak", out);
}

}  // namespace rmq::server

// The background writer behind PersistAsync: one thread, one map of pending writes.
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/logging.h"

namespace rmq::server {

namespace {

class PersistQueue {
 public:
  static PersistQueue& Get() {
    static PersistQueue* q = new PersistQueue;  // lives for the process; its thread is detached
    return *q;
  }

  void Submit(const std::string& path, std::string data) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_[path] = std::move(data);
    if (!started_) {
      started_ = true;
      std::thread([this] { Run(); }).detach();
    }
    cv_.notify_all();
  }

  void Flush() {
    std::unique_lock<std::mutex> lock(mu_);
    idle_cv_.wait(lock, [this] { return pending_.empty() && !writing_; });
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return !pending_.empty(); });
      auto it = pending_.begin();
      std::string path = it->first, data = std::move(it->second);
      pending_.erase(it);
      writing_ = true;
      lock.unlock();
      Status s = WriteFileAtomically(path, data);
      lock.lock();
      // A full disk fails every periodic write (consumer offsets every 5 s): one line when a file
      // starts failing, one when it is written again.
      if (!s.ok() && failing_.insert(path).second) {
        RMQ_LOG_ERROR("persisting %s (the old file is kept; logged once until a write succeeds): %s", path.c_str(),
                      s.ToString().c_str());
      } else if (s.ok() && failing_.erase(path) > 0) {
        RMQ_LOG_INFO("persisting %s succeeds again", path.c_str());
      }
      writing_ = false;
      if (pending_.empty()) idle_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::map<std::string, std::string> pending_;
  std::set<std::string> failing_;  // paths whose latest write failed
  bool started_ = false;
  bool writing_ = false;
};

}  // namespace

void PersistAsync(const std::string& path, std::string data) { PersistQueue::Get().Submit(path, std::move(data)); }

void FlushPersistQueue() { PersistQueue::Get().Flush(); }

}  // namespace rmq::server
