#include "server/persist_queue.h"

#include <doctest/doctest.h>

#include "common/temp_dir.h"
#include "server/file_util.h"

using namespace rmq;
using namespace rmq::server;

namespace {
std::string Read(const std::string& path) {
  std::string text;
  return ReadConfigFile(path, &text).ok() ? text : "<missing>";
}
}  // namespace

TEST_CASE("persist queue: no writer thread until Start; without one a write is on disk at once") {
  TempDir dir;
  PersistQueue q;
  CHECK_FALSE(q.running());
  q.Submit(dir.Path("a.json"), "1");
  CHECK(Read(dir.Path("a.json")) == "1");
}

TEST_CASE("persist queue: Stop by the last holder writes what is queued and joins the thread") {
  TempDir dir;
  PersistQueue q;
  q.Start();
  q.Start();  // a second holder (standalone: broker and NameServer)
  CHECK(q.running());
  for (int i = 0; i < 50; ++i) q.Submit(dir.Path("b.json"), std::to_string(i));
  q.Stop();
  CHECK(q.running());  // one holder left
  q.Stop();
  CHECK_FALSE(q.running());
  CHECK(Read(dir.Path("b.json")) == "49");  // the newest write wins, nothing queued is lost
  q.Stop();  // unbalanced: a no-op
  q.Submit(dir.Path("b.json"), "after");  // after the join: written inline
  CHECK(Read(dir.Path("b.json")) == "after");
}

TEST_CASE("persist queue: Flush waits for the writer; a restart takes writes again") {
  TempDir dir;
  PersistQueue q;
  q.Start();
  q.Submit(dir.Path("c.json"), "x");
  q.Flush();
  CHECK(Read(dir.Path("c.json")) == "x");
  q.Stop();
  q.Start();
  CHECK(q.running());
  q.Submit(dir.Path("c.json"), "y");
  q.Stop();
  CHECK(Read(dir.Path("c.json")) == "y");
}
