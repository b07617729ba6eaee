// CPU time and memory of a process, from /proc, for ikesteer_loadgen's --server-pid.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace ikesteer::bench {

inline std::optional<std::string> read_text(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "re");
  if (f == nullptr) return std::nullopt;
  std::string text;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  return text;
}

// utime + stime of process `pid`, whole thread group: /proc/PID/stat already sums the process's
// threads, including ones that have exited (proc(5), fields 14 and 15).
inline std::optional<double> process_cpu_seconds(int pid) {
  const auto text = read_text("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  const auto paren = text->rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  // After "pid (comm)" comes field 3 (state); utime and stime are fields 14 and 15.
  const char* p = text->c_str() + paren + 1;
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(p, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return std::nullopt;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

inline double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

// A "Key:  N kB" line of /proc/PID/status.
inline std::optional<long> process_status_kb(int pid, std::string_view key) {
  const auto text = read_text("/proc/" + std::to_string(pid) + "/status");
  if (!text) return std::nullopt;
  const auto at = text->find(std::string(key) + ":");
  if (at == std::string::npos) return std::nullopt;
  return std::strtol(text->c_str() + at + key.size() + 1, nullptr, 10);
}

}  // namespace ikesteer::bench
