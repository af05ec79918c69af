#include "common/logging.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <sys/time.h>

namespace rmq {

static std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

void Log(LogLevel level, const char* fmt, ...) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  static const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  char line[2048];
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  localtime_r(&tv.tv_sec, &t);
  int n = snprintf(line, sizeof(line), "%04d-%02d-%02d %02d:%02d:%02d.%03d %-5s ", t.tm_year + 1900,
                   t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, int(tv.tv_usec / 1000),
                   kNames[static_cast<int>(level)]);
  va_list ap;
  va_start(ap, fmt);
  int m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
  va_end(ap);
  size_t len = n + (m < 0 ? 0 : (m > int(sizeof(line)) - n - 2 ? int(sizeof(line)) - n - 2 : m));
  line[len++] = '\n';
  fwrite(line, 1, len, stderr);
}

}  // namespace rmq
