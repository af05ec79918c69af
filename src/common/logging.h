// Minimal leveled logging to stderr, one line per call, with a timestamp.
#pragma once

#include <cstdarg>

namespace rmq {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };
void SetLogLevel(LogLevel level);
void Log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace rmq

#define RMQ_LOG_DEBUG(...) ::rmq::Log(::rmq::LogLevel::kDebug, __VA_ARGS__)
#define RMQ_LOG_INFO(...) ::rmq::Log(::rmq::LogLevel::kInfo, __VA_ARGS__)
#define RMQ_LOG_WARN(...) ::rmq::Log(::rmq::LogLevel::kWarn, __VA_ARGS__)
#define RMQ_LOG_ERROR(...) ::rmq::Log(::rmq::LogLevel::kError, __VA_ARGS__)

// Our own invariants only; never for bytes read from the network or disk.
#define RMQ_CHECK(cond)                                                              \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      ::rmq::Log(::rmq::LogLevel::kError, "check failed %s:%d: %s", __FILE__, __LINE__, #cond); \
      __builtin_trap();                                                              \
    }                                                                                \
  } while (0)
