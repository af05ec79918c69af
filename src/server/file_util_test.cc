#include "server/file_util.h"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/temp_dir.h"

namespace rmq::server {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("file_util: a write that hits a full disk keeps the old file and leaves no temp file") {
  TempDir dir;
  const std::string path = dir.Sub("topics.json");
  REQUIRE(WriteFileAtomically(path, "{\"old\":1}").ok());
  // The temp file lands on /dev/full: every write fails with ENOSPC, as on a full disk.
  REQUIRE(::symlink("/dev/full", (path + ".tmp").c_str()) == 0);
  Status s = WriteFileAtomically(path, std::string(100000, 'x'));
  CHECK(s.IsIOError());
  CHECK(Slurp(path) == "{\"old\":1}");
  CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(path + ".tmp")));
  // Space back: the next write goes through.
  CHECK(WriteFileAtomically(path, "{\"new\":2}").ok());
  CHECK(Slurp(path) == "{\"new\":2}");
}

}  // namespace rmq::server
