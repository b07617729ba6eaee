// ikesteer-agent: the member side of ikesteer. The daemon reports this member to ikesteer and
// answers its commands (list the sessions, move one); two one-shot commands do the same by hand
// against the local strongSwan charon (VICI) or libreswan pluto (whack).
//   ikesteer-agent run --config FILE [--check-config]
//   ikesteer-agent sessions [--vici unix:///path/charon.vici] [--json]
//   ikesteer-agent move --session ID --gateway ADDRESS [--vici ...]
//   (sessions, move: --whack PATH and/or --ctlsocket PATH instead of --vici: libreswan)
// Exit status: run: 0 after SIGTERM or SIGINT (--check-config: the file is valid), 1 a bad
// configuration or a failed start. sessions, move: 0 done; 1 the IKE daemon could not be asked,
// or refused (move: unless it reports success with at least one match).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "agent/daemon/agent_config.hpp"
#include "agent/daemon/agent_loop.hpp"
#include "agent/libreswan/whack_client.hpp"
#include "agent/session.hpp"
#include "agent/strongswan/charon_client.hpp"

namespace {

using namespace ikesteer::agent;
using libreswan::WhackClient;
using libreswan::WhackOptions;
using strongswan::CharonClient;
using strongswan::CharonOptions;

void error(const std::string& message) {
  std::fprintf(stderr, "ikesteer-agent: %s\n", message.c_str());
}

// A value for a key=value line: quoted, with escapes, when it holds anything but printable
// ASCII other than space, quote, backslash and '=' (identities may be DNs with spaces).
std::string field(std::string_view v) {
  bool plain = !v.empty();
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '\\' || c == '=') plain = false;
  }
  if (plain) return std::string(v);
  std::string out = "\"";
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out + '"';
}

std::string session_line(const Session& s) {
  std::string line =
      "id=" + field(s.id) + " name=" + field(s.name) + " peer=" + s.peer_address.to_string();
  if (s.local_address) line += " local=" + s.local_address->to_string();
  line += " identity=" + field(s.peer_id);
  if (!s.peer_eap_id.empty()) line += " eap-identity=" + field(s.peer_eap_id);
  line += " established=" + std::to_string(s.established_seconds) + "s";
  line += " child-sas=" + std::to_string(s.child_sas);
  return line;
}

nlohmann::json session_json(const Session& s) {
  nlohmann::json j = {{"id", s.id},
                      {"name", s.name},
                      {"peer_address", s.peer_address.to_string()},
                      {"peer_id", s.peer_id}};
  if (s.local_address) j["local_address"] = s.local_address->to_string();
  if (!s.peer_eap_id.empty()) j["peer_eap_id"] = s.peer_eap_id;
  j["established_seconds"] = s.established_seconds;
  j["child_sas"] = s.child_sas;
  return j;
}

int list_sessions(const SessionBackend& backend, bool json) {
  const auto listed = backend.list_sessions();
  if (!listed) {
    error("cannot list IKE SAs: " + listed.error());
    return 1;
  }
  for (const std::string& problem : listed->malformed) error("ignored " + problem);
  if (json) {
    nlohmann::json out = {{"sessions", nlohmann::json::array()},
                          {"skipped", listed->skipped},
                          {"malformed", listed->malformed}};
    for (const Session& s : listed->sessions) out["sessions"].push_back(session_json(s));
    // Identities are octet strings: never throw on one that is not UTF-8.
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    for (const Session& s : listed->sessions) std::printf("%s\n", session_line(s).c_str());
  }
  return 0;
}

int move_session(const SessionBackend& backend, const std::string& daemon, const std::string& id,
                 const std::string& gateway) {
  const auto reply = backend.redirect(id, gateway);
  if (!reply) {
    const bool answered = reply.error().failure != RedirectFailure::DaemonUnreachable;
    error((answered ? daemon + " refused to redirect session " : "cannot move session ") + id +
          ": " + reply.error().message);
    return 1;
  }
  const std::string matches = " (matches=" + std::to_string(reply->matches) + ")";
  // The daemon answers once it has queued the REDIRECT; the client moves after that.
  std::printf("session %s: %s redirects it to %s%s\n", id.c_str(), daemon.c_str(), gateway.c_str(),
              matches.c_str());
  return 0;
}

int run_daemon(const std::string& config_path, bool check_only) {
  const auto config = daemon::load_agent_config(config_path);
  if (!config) {
    for (const std::string& e : config.error()) std::fprintf(stderr, "%s\n", e.c_str());
    return 1;
  }
  if (check_only) {
    std::printf("%s: ok\n", config_path.c_str());
    return 0;
  }
  return daemon::run_agent(*config);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "ikesteer-agent: the member side of ikesteer. `run` is the daemon: it reports this "
      "member's state, load and sessions to ikesteer and answers its signed commands (list the "
      "sessions, move one). `sessions` and `move` do the same by hand against strongSwan's "
      "charon over VICI or libreswan's pluto through whack (a move is an RFC 5685 redirect).");
  app.require_subcommand(1);
  CharonOptions options;
  WhackOptions whack;
  std::int64_t timeout_ms = options.timeout.count();
  const auto add_charon_options = [&](CLI::App* command) {
    command->add_option("--vici", options.vici_uri, "charon's VICI socket (unix://PATH)")
        ->capture_default_str();
    command->add_option("--whack", whack.whack, "libreswan: whack's path (instead of --vici)");
    command->add_option("--ctlsocket", whack.ctlsocket,
                        "libreswan: pluto's control socket (instead of --vici)");
    command->add_option("--timeout-ms", timeout_ms, "bound on each exchange with the daemon")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{600000}))
        ->capture_default_str();
  };

  bool json = false;
  CLI::App* sessions =
      app.add_subcommand("sessions", "list the established IKE SAs (IKEv2) charon holds");
  add_charon_options(sessions);
  sessions->add_flag("--json", json, "print JSON instead of one key=value line per session");

  std::string id;
  std::string gateway;
  CLI::App* move = app.add_subcommand(
      "move", "ask charon to redirect one IKE SA to another gateway (exit 0 when it does)");
  add_charon_options(move);
  move->add_option("--session", id, "the session's id, as `sessions` prints it")->required();
  move->add_option("--gateway", gateway, "where the client goes: an IP address or a DNS name")
      ->required();

  std::string config_path;
  bool check_config = false;
  CLI::App* run = app.add_subcommand(
      "run", "the daemon: report to ikesteer and answer its commands (see examples/agent)");
  run->add_option("-c,--config", config_path, "the agent's TOML configuration")->required();
  run->add_flag("--check-config", check_config,
                "validate the configuration (and read the key file), print every problem, exit");

  CLI11_PARSE(app, argc, argv);
  if (*run) return run_daemon(config_path, check_config);
  options.timeout = std::chrono::milliseconds(timeout_ms);
  whack.timeout = options.timeout;
  const CLI::App* chosen = *sessions ? sessions : move;
  const bool libreswan = chosen->count("--whack") + chosen->count("--ctlsocket") > 0;
  const CharonClient charon(options);
  const WhackClient pluto(whack);
  const SessionBackend& backend = libreswan ? static_cast<const SessionBackend&>(pluto) : charon;
  if (*sessions) return list_sessions(backend, json);
  return move_session(backend, libreswan ? "pluto" : "charon", id, gateway);
}
