// Structured log lines on stderr: `level=info sub=ike msg="..." key=value ...`. Under systemd
// (JOURNAL_STREAM set) each line starts with its syslog priority, so journald files it right.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace ikesteer {

enum class LogLevel : std::uint8_t { Debug, Info, Warn, Error };

using LogField = std::pair<std::string_view, std::string_view>;

void set_log_level(LogLevel level) noexcept;
bool log_enabled(LogLevel level) noexcept;
void log(LogLevel level, std::string_view subsystem, std::string_view message,
         std::initializer_list<LogField> fields = {});
// The same with fields put together at run time.
void log(LogLevel level, std::string_view subsystem, std::string_view message,
         std::span<const LogField> fields);

// For the packet path: at most `per_second` lines, then one line saying how many were
// suppressed. One instance per thread.
class LogRateLimit {
 public:
  explicit LogRateLimit(unsigned per_second) : per_second_(per_second) {}
  bool allow(std::chrono::steady_clock::time_point now);

 private:
  unsigned per_second_;
  std::chrono::steady_clock::time_point window_{};
  unsigned used_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace ikesteer
