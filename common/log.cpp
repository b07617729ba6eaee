#include "common/log.hpp"

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace ikesteer {
namespace {

std::atomic<LogLevel> g_level{LogLevel::Info};
const bool g_journal = std::getenv("JOURNAL_STREAM") != nullptr;

std::string_view level_name(LogLevel l) {
  switch (l) {
    case LogLevel::Debug:
      return "debug";
    case LogLevel::Info:
      return "info";
    case LogLevel::Warn:
      return "warn";
    case LogLevel::Error:
      return "error";
  }
  return "?";
}

// sd-daemon(3) priority prefixes.
std::string_view journal_prefix(LogLevel l) {
  switch (l) {
    case LogLevel::Debug:
      return "<7>";
    case LogLevel::Info:
      return "<6>";
    case LogLevel::Warn:
      return "<4>";
    case LogLevel::Error:
      return "<3>";
  }
  return "";
}

// Values with spaces, quotes or '=' are quoted so the line stays machine-readable.
void append_value(std::string& out, std::string_view v) {
  bool plain = !v.empty();
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      plain = false;
  if (plain) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  }
  out += '"';
}

}  // namespace

void set_log_level(LogLevel level) noexcept {
  g_level.store(level, std::memory_order_relaxed);
}

bool log_enabled(LogLevel level) noexcept {
  return level >= g_level.load(std::memory_order_relaxed);
}

void log(LogLevel level, std::string_view subsystem, std::string_view message,
         std::initializer_list<LogField> fields) {
  log(level, subsystem, message, std::span<const LogField>(fields.begin(), fields.size()));
}

void log(LogLevel level, std::string_view subsystem, std::string_view message,
         std::span<const LogField> fields) {
  if (!log_enabled(level)) return;
  std::string line;
  line.reserve(128);
  if (g_journal) line += journal_prefix(level);
  line += "level=";
  line += level_name(level);
  line += " sub=";
  line += subsystem;
  line += " msg=";
  append_value(line, message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    append_value(line, value);
  }
  line += '\n';
  // One write per line so lines from several threads never interleave.
  static std::mutex m;
  std::lock_guard lock(m);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

bool LogRateLimit::allow(std::chrono::steady_clock::time_point now) {
  if (now - window_ >= std::chrono::seconds(1)) {
    if (suppressed_ > 0)
      log(LogLevel::Warn, "log", "suppressed packet-path log lines",
          {{"count", std::to_string(suppressed_)}});
    window_ = now;
    used_ = 0;
    suppressed_ = 0;
  }
  if (used_ < per_second_) {
    ++used_;
    return true;
  }
  ++suppressed_;
  return false;
}

}  // namespace ikesteer
