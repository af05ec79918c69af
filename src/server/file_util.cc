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

