#include "server/persist_queue.h"

#include "common/logging.h"
#include "server/file_util.h"

namespace rmq::server {

PersistQueue& PersistQueue::Default() {
  static PersistQueue* q = new PersistQueue;  // never destroyed: writes may come from static teardown
  return *q;
}

void PersistQueue::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (holders_++ > 0) return;
  stopping_ = false;
  alive_ = true;
  thread_ = std::thread([this] { Run(); });
}

void PersistQueue::Stop() {
  std::thread t;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (holders_ == 0 || --holders_ > 0) return;
    stopping_ = true;
    t = std::move(thread_);
  }
  cv_.notify_all();
  t.join();  // Run drains pending_ before it returns
}

bool PersistQueue::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alive_;
}

void PersistQueue::Submit(const std::string& path, std::string data) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (alive_) {
      pending_[path] = std::move(data);
      cv_.notify_all();
      return;
    }
  }
  Write(path, data);  // no writer thread: durable before returning
}

void PersistQueue::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return pending_.empty() && !writing_; });
}

void PersistQueue::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return !pending_.empty() || stopping_; });
    if (pending_.empty()) break;  // stopping, and everything queued is written
    auto it = pending_.begin();
    std::string path = it->first, data = std::move(it->second);
    pending_.erase(it);
    writing_ = true;
    lock.unlock();
    Write(path, data);
    lock.lock();
    writing_ = false;
    if (pending_.empty()) idle_cv_.notify_all();
  }
  alive_ = false;  // under mu_: a later Submit writes inline, never into a queue nobody drains
  idle_cv_.notify_all();
}

void PersistQueue::Write(const std::string& path, const std::string& data) {
  Status s = WriteFileAtomically(path, data);
  std::lock_guard<std::mutex> lock(failing_mu_);
  // A full disk fails every periodic write (consumer offsets every 5 s): one line when a file
  // starts failing, one when it is written again.
  if (!s.ok() && failing_.insert(path).second) {
    RMQ_LOG_ERROR("persisting %s (the old file is kept; logged once until a write succeeds): %s", path.c_str(),
                  s.ToString().c_str());
  } else if (s.ok() && failing_.erase(path) > 0) {
    RMQ_LOG_INFO("persisting %s succeeds again", path.c_str());
  }
}

void PersistAsync(const std::string& path, std::string data) { PersistQueue::Default().Submit(path, std::move(data)); }

void FlushPersistQueue() { PersistQueue::Default().Flush(); }

}  // namespace rmq::server
