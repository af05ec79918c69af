// PersistQueue: the writer behind PersistAsync (file_util.h). Config files (topics.json,
// consumerOffset.json, subscriptionGroup.json, delayOffset.json, timerProgress.json,
// kvConfig.json) are queued here and written crash-safely (WriteFileAtomically) on one writer
// thread, so the event loop never waits for fsync. A newer write to a path replaces a queued one.
//
// Who owns the thread: the controllers. BrokerController and NamesrvController each call Start()
// first thing in their Start and Stop() in their Shutdown (standalone runs both in one process:
// the thread runs while either holds it). Stop() by the last holder writes everything still
// queued and joins the thread. Without a running thread (unit tests, tools, after the last Stop)
// a write happens at once on the caller's thread, so nothing queued is ever lost. Thread-safe.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace rmq::server {

class PersistQueue {
 public:
  // The queue PersistAsync / FlushPersistQueue use (one per process, never destroyed).
  static PersistQueue& Default();

  // The first Start starts the writer thread; the matching last Stop drains and joins it.
  void Start();
  void Stop();
  bool running() const;

  void Submit(const std::string& path, std::string data);
  // Blocks until every queued write has reached disk.
  void Flush();

 private:
  void Run();
  // Writes one file (no lock held) and logs a change between failing and succeeding.
  void Write(const std::string& path, const std::string& data);

  mutable std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::map<std::string, std::string> pending_;
  std::mutex failing_mu_;
  std::set<std::string> failing_;  // paths whose latest write failed
  std::thread thread_;
  int holders_ = 0;
  bool alive_ = false;  // the writer thread takes submissions (set by Start, cleared by Run on exit)
  bool stopping_ = false;
  bool writing_ = false;
};

}  // namespace rmq::server
