#include "store/index_file.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/coding.h"
#include "store/store_test_util.h"

namespace rmq::store {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr int32_t kSlots = 8;
constexpr int32_t kEntries = 16;

std::shared_ptr<IndexFile> OpenFile(const std::string& path, int32_t slots = kSlots, int32_t entries = kEntries,
                                    int64_t prev_phy = 0, int64_t prev_ts = 0) {
  auto f = IndexFile::Open(path, slots, entries, prev_phy, prev_ts);
  REQUIRE(f.ok());
  return *f;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteAt(const std::string& path, int64_t pos, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "r+b");
  REQUIRE(f != nullptr);
  std::fseek(f, static_cast<long>(pos), SEEK_SET);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

std::string I32(int32_t v) {
  std::string s;
  PutFixed32(&s, static_cast<uint32_t>(v));
  return s;
}

int64_t EntryPos(int32_t slots, int32_t n) { return kIndexHeaderSize + slots * kIndexSlotSize + n * kIndexEntrySize; }

std::vector<int64_t> Select(const IndexFile& f, const std::string& key, size_t max = 100, int64_t begin = 0,
                            int64_t end = INT64_MAX) {
  std::vector<int64_t> out;
  f.SelectPhyOffsets(key, max, begin, end, &out);
  return out;
}

TEST_CASE("IndexKeyHash is abs(String.hashCode) with MIN_VALUE mapped to 0") {
  CHECK(IndexKeyHash("") == 0);
  CHECK(IndexKeyHash("abc") == 96354);                 // "abc".hashCode()
  CHECK(IndexKeyHash("TopicTest#KEY1") == 1656969516);  // hashCode() == -1656969516
  CHECK(IndexKeyHash("polygenelubricants") == 0);      // hashCode() == Integer.MIN_VALUE
  CHECK(IndexKeyHash("中文") == 646394);                // over UTF-16 units, not bytes
}

TEST_CASE("IndexFileSize matches Java's default 420000040 bytes") {
  CHECK(IndexFileSize(5000000, 20000000) == 420000040LL);
}

TEST_CASE("IndexFile: a new file is sparse, full size, header at Java's positions") {
  TempDir dir;
  const std::string path = dir.Sub("20240101000000000");
  auto f = OpenFile(path, kSlots, kEntries, 500, 1700000000000);
  CHECK(fs::file_size(path) == static_cast<uintmax_t>(IndexFileSize(kSlots, kEntries)));
  CHECK(f->header().begin_phy_offset == 500);
  CHECK(f->header().end_timestamp == 1700000000000);
  REQUIRE(f->PutKey("T#k1", 1000, 1700000005000));
  REQUIRE(f->PutKey("T#k2", 2000, 1700000009000));
  REQUIRE(f->Flush().ok());
  std::string bytes = ReadAll(path);
  IndexHeader h;
  REQUIRE(DecodeIndexHeader(bytes, &h).ok());
  // The first put overwrites begin values, as Java's putKey does.
  CHECK(h.begin_timestamp == 1700000005000);
  CHECK(h.end_timestamp == 1700000009000);
  CHECK(h.begin_phy_offset == 1000);
  CHECK(h.end_phy_offset == 2000);
  CHECK(h.index_count == 3);
  CHECK(h.hash_slot_count >= 1);
  // Entry 1: keyHash, phyOffset, timeDiff (seconds from the old begin), prevIndex.
  const char* e1 = bytes.data() + EntryPos(kSlots, 1);
  CHECK(static_cast<int32_t>(DecodeFixed32(e1)) == IndexKeyHash("T#k1"));
  CHECK(static_cast<int64_t>(DecodeFixed64(e1 + 4)) == 1000);
  CHECK(static_cast<int32_t>(DecodeFixed32(e1 + 12)) == 5);
  CHECK(static_cast<int32_t>(DecodeFixed32(e1 + 16)) == 0);
  // The slot of k2 names entry 2.
  const int64_t slot = kIndexHeaderSize + (IndexKeyHash("T#k2") % kSlots) * kIndexSlotSize;
  CHECK(static_cast<int32_t>(DecodeFixed32(bytes.data() + slot)) == 2);
}

TEST_CASE("IndexFile: lookups walk the chain newest first and filter by key hash") {
  TempDir dir;
  auto f = OpenFile(dir.Sub("f"), /*slots=*/1);  // every key shares one slot
  REQUIRE(f->PutKey("T#a", 100, 1000));
  REQUIRE(f->PutKey("T#b", 200, 1000));
  REQUIRE(f->PutKey("T#a", 300, 1000));
  CHECK(Select(*f, "T#a") == std::vector<int64_t>{300, 100});
  CHECK(Select(*f, "T#b") == std::vector<int64_t>{200});
  CHECK(Select(*f, "T#a", 1) == std::vector<int64_t>{300});
  CHECK(Select(*f, "T#none").empty());
}

TEST_CASE("IndexFile: time range filters entries at 1 s resolution") {
  TempDir dir;
  auto f = OpenFile(dir.Sub("f"));
  REQUIRE(f->PutKey("T#a", 100, 10000));
  REQUIRE(f->PutKey("T#a", 200, 20000));
  REQUIRE(f->PutKey("T#a", 300, 30000));
  CHECK(Select(*f, "T#a", 100, 15000, 25000) == std::vector<int64_t>{200});
  CHECK(Select(*f, "T#a", 100, 0, 9000).empty());
  CHECK(f->IsTimeMatched(0, 50000));
  CHECK(f->IsTimeMatched(15000, 25000));
  CHECK(!f->IsTimeMatched(31000, 50000));
}

TEST_CASE("IndexFile: PutKey fails once maxIndexNum - 1 entries are written") {
  TempDir dir;
  auto f = OpenFile(dir.Sub("f"), kSlots, 4);
  CHECK(f->PutKey("T#a", 1, 1000));
  CHECK(f->PutKey("T#b", 2, 1000));
  CHECK(f->PutKey("T#c", 3, 1000));
  CHECK(f->IsWriteFull());
  CHECK(!f->PutKey("T#d", 4, 1000));
  CHECK(Select(*f, "T#c") == std::vector<int64_t>{3});
}

TEST_CASE("IndexFile: reopening keeps entries and the header") {
  TempDir dir;
  {
    auto f = OpenFile(dir.Sub("f"));
    REQUIRE(f->PutKey("T#a", 100, 5000));
  }
  auto f = OpenFile(dir.Sub("f"), kSlots, kEntries, 999, 999);  // prev values ignored for an old file
  CHECK(f->header().index_count == 2);
  CHECK(f->header().end_phy_offset == 100);
  CHECK(Select(*f, "T#a") == std::vector<int64_t>{100});
}

TEST_CASE("IndexFile corruption: file larger than the dimensions") {
  TempDir dir;
  { std::ofstream(dir.Sub("f")) << std::string(static_cast<size_t>(IndexFileSize(kSlots, kEntries)) + 1, '\0'); }
  CHECK(IndexFile::Open(dir.Sub("f"), kSlots, kEntries, 0, 0).status().IsCorruption());
}

TEST_CASE("IndexFile corruption: indexCount past maxIndexNum") {
  TempDir dir;
  { OpenFile(dir.Sub("f")); }
  WriteAt(dir.Sub("f"), kIndexIndexCountOffset, I32(kEntries + 1));
  CHECK(IndexFile::Open(dir.Sub("f"), kSlots, kEntries, 0, 0).status().IsCorruption());
}

TEST_CASE("IndexFile corruption: short file is extended with zeros") {
  TempDir dir;
  { std::ofstream(dir.Sub("f")) << std::string(10, '\0'); }
  auto f = OpenFile(dir.Sub("f"));
  CHECK(f->header().index_count == 1);
  CHECK(Select(*f, "T#a").empty());
  CHECK(f->PutKey("T#a", 7, 1000));
}

TEST_CASE("IndexFile corruption: slot pointing past indexCount is treated as empty") {
  TempDir dir;
  {
    auto f = OpenFile(dir.Sub("f"), 1);
    REQUIRE(f->PutKey("T#a", 100, 1000));
  }
  WriteAt(dir.Sub("f"), kIndexHeaderSize, I32(9));
  auto f = OpenFile(dir.Sub("f"), 1);
  CHECK(Select(*f, "T#a").empty());
  REQUIRE(f->PutKey("T#a", 200, 1000));  // does not link to the bogus entry
  CHECK(Select(*f, "T#a") == std::vector<int64_t>{200});
}

TEST_CASE("IndexFile corruption: a prevIndex cycle ends the walk") {
  TempDir dir;
  {
    auto f = OpenFile(dir.Sub("f"), 1);
    REQUIRE(f->PutKey("T#a", 100, 1000));
    REQUIRE(f->PutKey("T#a", 200, 1000));
  }
  WriteAt(dir.Sub("f"), EntryPos(1, 1) + 16, I32(2));  // entry 1 -> entry 2 -> entry 1 ...
  auto f = OpenFile(dir.Sub("f"), 1);
  std::vector<int64_t> got = Select(*f, "T#a");
  CHECK(got.size() <= 2);
  CHECK(got.front() == 200);
}

TEST_CASE("IndexFile corruption: negative timeDiff ends the walk") {
  TempDir dir;
  {
    auto f = OpenFile(dir.Sub("f"), 1);
    REQUIRE(f->PutKey("T#a", 100, 1000));
  }
  WriteAt(dir.Sub("f"), EntryPos(1, 1) + 12, I32(-1));
  auto f = OpenFile(dir.Sub("f"), 1);
  CHECK(Select(*f, "T#a").empty());
}

}  // namespace
}  // namespace rmq::store
