#include <doctest/doctest.h>

#include "common/temp_dir.h"
#include "server/coalesced_persist.h"
#include "server/file_util.h"

using namespace rmq;
using namespace rmq::server;

TEST_CASE("coalesced persist: many changes, one encode per PersistIfDirty") {
  TempDir dir;
  int encodes = 0;
  int value = 0;
  CoalescedPersist p(dir.Path("x.json"), [&] {
    ++encodes;
    return std::to_string(value);
  });
  CHECK_FALSE(p.PersistIfDirty());  // clean: nothing written
  CHECK(encodes == 0);
  for (value = 1; value <= 1000; ++value) p.MarkDirty();
  CHECK(encodes == 0);
  CHECK(p.PersistIfDirty());
  CHECK(encodes == 1);
  CHECK_FALSE(p.dirty());
  CHECK_FALSE(p.PersistIfDirty());
  CHECK(encodes == 1);
  FlushPersistQueue();
  std::string text;
  REQUIRE(ReadConfigFile(dir.Path("x.json"), &text).ok());
  CHECK(text == "1001");
}

TEST_CASE("coalesced persist: PersistNow writes even when clean and clears the mark") {
  TempDir dir;
  CoalescedPersist p(dir.Path("y.json"), [] { return std::string("now"); });
  p.MarkDirty();
  p.PersistNow();
  CHECK_FALSE(p.dirty());
  CHECK(p.writes() == 1);
  p.PersistNow();
  CHECK(p.writes() == 2);
  FlushPersistQueue();
  std::string text;
  REQUIRE(ReadConfigFile(dir.Path("y.json"), &text).ok());
  CHECK(text == "now");
}

TEST_CASE("coalesced persist: Changed writes on the leading edge, then coalesces within the tick") {
  TempDir dir;
  int encodes = 0;
  CoalescedPersist p(dir.Path("z.json"), [&] {
    ++encodes;
    return std::string("z");
  });
  p.Changed();  // never written: at once
  CHECK(encodes == 1);
  CHECK_FALSE(p.dirty());
  for (int i = 0; i < 100; ++i) p.Changed();  // same tick: marked only
  CHECK(encodes == 1);
  CHECK(p.dirty());
  CHECK(p.PersistIfDirty());
  CHECK(encodes == 2);
}
