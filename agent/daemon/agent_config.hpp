// The agent daemon's configuration (`ikesteer-agent run --config FILE`): TOML in, one validated
// AgentConfig out. Every problem is reported at once as `file:line:col: key: reason`, unknown
// keys are errors, nothing invalid is replaced by a default. The key file is read here too, so
// that --check-config refuses exactly what a start refuses.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/daemon/udp_endpoint.hpp"
#include "common/result.hpp"

namespace ikesteer::agent::daemon {

// [strongswan]: charon over its VICI socket.
struct StrongswanConfig {
  std::string vici = "unix:///var/run/charon.vici";
  std::chrono::milliseconds timeout{5000};  // bound on each call to charon
};

// [libreswan]: pluto through its command-line client whack (run, never through a shell).
struct LibreswanConfig {
  std::string whack = "/usr/libexec/ipsec/whack";
  std::string ctlsocket = "/run/pluto/pluto.ctl";
  std::chrono::milliseconds timeout{5000};  // bound on each whack run
};

// The member's IKE daemon: exactly one table of the configuration names it (kBackendTables in
// agent_config.cpp).
using BackendConfig = std::variant<StrongswanConfig, LibreswanConfig>;

enum class LoadSource : std::uint8_t {
  None,   // no load= in reports
  Auto,   // the 1-minute load average per online CPU, clamped to 0..1
  Fixed,  // AgentConfig::fixed_load
};

struct AgentConfig {
  std::string member;
  std::string key_file;
  std::vector<std::byte> key;  // the key file's content, decoded
  std::vector<UdpEndpoint> report_to;
  std::chrono::milliseconds report_interval{1000};
  std::string state_file;  // empty: always up
  std::optional<std::uint32_t> capacity;
  LoadSource load = LoadSource::None;
  double fixed_load = 0;
  std::vector<UdpEndpoint> command_listen;  // empty: no commands taken
  std::chrono::seconds command_max_skew{30};
  BackendConfig backend;
};

using AgentConfigErrors = std::vector<std::string>;

// source_name: the file path, for error messages and for nothing else.
Result<AgentConfig, AgentConfigErrors> parse_agent_config(std::string_view toml_text,
                                                          std::string_view source_name);
Result<AgentConfig, AgentConfigErrors> load_agent_config(const std::string& path);

// The key file's text as a key: hex digits (either case), at least 16 bytes, surrounding
// whitespace ignored (a trailing newline). Empty when it is not.
std::optional<std::vector<std::byte>> parse_hex_key(std::string_view text);

}  // namespace ikesteer::agent::daemon
