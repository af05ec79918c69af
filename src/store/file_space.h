// ReserveFileSpace: makes the filesystem back every byte of a mapped file before it is written.
//
// CommitLog, ConsumeQueue and IndexFile files are written through MAP_SHARED mappings. A store
// into a page of a sparse file that the filesystem cannot back (disk full) is a SIGBUS, which no
// caller can turn into an answer. So a file is reserved (fallocate mode 0) when it is created,
// before anything stores into it, and a reservation that fails is an error status the writer
// can answer with ("disk full") instead of a fault.
//
// Filesystems without fallocate (EOPNOTSUPP) keep the old sparse behaviour; that is logged
// once per process.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace rmq::store {

// Reserves [offset, offset + len) of the open file `fd` (named `path` in messages). OK when
// reserved, or when the filesystem cannot reserve (see above). On failure an IOError; it is a
// no-space error (IsNoSpace) when the disk or quota is full.
Status ReserveFileSpace(int fd, int64_t offset, int64_t len, const std::string& path);

// An IOError that IsNoSpace recognises.
Status NoSpaceError(const std::string& what);
// Whether `s` says the disk (or quota) had no room.
bool IsNoSpace(const Status& s);

// Test seam: replaces the fallocate call. The function returns 0 or an errno value. Null
// restores the real call. Not thread-safe against concurrent reservations.
using FallocateFn = int (*)(int fd, int64_t offset, int64_t len);
void SetFallocateForTest(FallocateFn fn);

}  // namespace rmq::store
