#include "store/page_warmer.h"

#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "common/temp_dir.h"

namespace rmq::store {

TEST_CASE("PageWarmer: warms ahead of the writer without changing a byte") {
  TempDir dir;
  auto f = MappedFile::Open(dir.path() + "/00000000000000000000", 0, 1 << 20);
  REQUIRE(f.ok());
  std::shared_ptr<MappedFile> file = *f;
  PageWarmer warmer(256 << 10);
  const std::string rec(1000, 'x');
  REQUIRE(file->Append(rec));
  warmer.Advance(file, file->write_position());
  warmer.WaitIdle();
  if (!warmer.enabled() || warmer.warmed_bytes() == 0) {
    MESSAGE("MADV_POPULATE_WRITE unavailable on this kernel; warming is off");
  } else {
    CHECK(warmer.warmed_bytes() >= (256 << 10) - 4096);
  }
  // Contents: the record, then zeros up to the end of the warmed range.
  std::string_view all = file->WholeFile();
  CHECK(all.substr(0, rec.size()) == rec);
  CHECK(all.find_first_not_of('\0', rec.size()) == std::string_view::npos);
  // Writing continues across the warmed boundary; asking again extends, never re-warms.
  const int64_t before = warmer.warmed_bytes();
  for (int i = 0; i < 300; ++i) {
    REQUIRE(file->Append(rec));
    warmer.Advance(file, file->write_position());
  }
  warmer.WaitIdle();
  CHECK(warmer.warmed_bytes() <= (1 << 20));
  CHECK(warmer.warmed_bytes() >= before);
  CHECK(file->WholeFile().substr(300 * rec.size(), rec.size()) == rec);
}

TEST_CASE("PageWarmer: stops at the end of the file and with the file gone") {
  TempDir dir;
  auto f = MappedFile::Open(dir.path() + "/00000000000000000000", 0, 64 << 10);
  REQUIRE(f.ok());
  std::shared_ptr<MappedFile> file = *f;
  PageWarmer warmer(1 << 20);  // more than the file
  warmer.Advance(file, 0);
  warmer.WaitIdle();
  CHECK(warmer.warmed_bytes() <= (64 << 10));
  const int64_t w = warmer.warmed_bytes();
  warmer.Advance(file, 100);  // nothing left to ask for
  warmer.WaitIdle();
  CHECK(warmer.warmed_bytes() == w);
  file.reset();  // the warmer holds no reference once idle; destroying it must not hang
}

}  // namespace rmq::store
