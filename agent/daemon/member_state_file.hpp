// The state an operator gives this member by writing a word into the state file (`echo drain >
// /run/ikesteer-agent.state`): up, drain, maintenance or down. Read before every report.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "health/agent_report.hpp"

namespace ikesteer::agent::daemon {

class MemberStateFile {
 public:
  explicit MemberStateFile(std::string path) : path_(std::move(path)) {}

  // The file's first word; up when there is no file (or no path). A word that is not a state
  // counts as up and is logged once, until the file says something else.
  health::AgentState read();

 private:
  std::string path_;
  std::optional<std::string> complained_about_;  // the word last logged as not a state
};

}  // namespace ikesteer::agent::daemon
