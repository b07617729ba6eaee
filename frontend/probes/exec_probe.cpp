#include "frontend/probes/exec_probe.hpp"

#include <string_view>
#include <utility>

namespace ikesteer::frontend {
namespace {

std::string_view first_line(std::string_view text) {
  const std::size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  text = text.substr(start, text.find_first_of("\r\n", start) - start);
  return text.substr(0, text.find_last_not_of(" \t") + 1);
}

}  // namespace

ExecProbe::ExecProbe(uv_loop_t* loop, std::vector<std::string> command, Duration timeout)
    : runner_(loop), command_(std::move(command)), timeout_(timeout) {}

void ExecProbe::run(ProbeCallback done) {
  runner_.run({command_, {}, timeout_}, [done = std::move(done)](ProcessResult r) {
    std::string detail = status_text(r);
    if (const std::string_view line = first_line(r.output); !line.empty())
      detail.append(": ").append(line);
    done({succeeded(r), r.elapsed, std::move(detail)});
  });
}

}  // namespace ikesteer::frontend
