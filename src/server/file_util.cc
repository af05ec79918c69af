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
      return Status::IOError("write " + tmp + ": " + err);
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
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
