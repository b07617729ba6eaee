#include "agent/daemon/member_state_file.hpp"

#include <array>
#include <fstream>

#include "common/log.hpp"

namespace ikesteer::agent::daemon {
namespace {

constexpr std::array kStates = {health::AgentState::Up, health::AgentState::Drain,
                                health::AgentState::Maintenance, health::AgentState::Down};

}  // namespace

health::AgentState MemberStateFile::read() {
  if (path_.empty()) return health::AgentState::Up;
  std::ifstream in(path_);
  std::string word;
  if (!in) return health::AgentState::Up;
  in >> word;
  for (const health::AgentState s : kStates) {
    if (word == health::to_string(s)) {
      complained_about_.reset();
      return s;
    }
  }
  if (complained_about_ != word) {
    complained_about_ = word;
    log(LogLevel::Warn, "agent", "the state file holds no state: reporting up",
        {{"file", path_}, {"word", word}});
  }
  return health::AgentState::Up;
}

}  // namespace ikesteer::agent::daemon
