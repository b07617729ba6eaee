#include "agent/daemon/agent_config.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "tests/unit/frontend/temp_dir.hpp"

using namespace ikesteer;
using namespace ikesteer::agent::daemon;
using ikesteer::frontend::test::TempDir;

namespace {

constexpr std::string_view kKeyHex = "00112233445566778899aabbccddeeff";

struct Files {
  TempDir dir{"ikesteer-agent-config"};
  std::string key = dir.file("agent.key");
  Files() { std::ofstream(key) << kKeyHex << "\n"; }
};

// A valid configuration with `extra` lines appended to its top level.
std::string config_with(const Files& files, std::string_view extra = "") {
  return "member = \"m1\"\n"
         "key_file = \"" +
         files.key +
         "\"\n"
         "report_to = [\"198.51.100.1:7701\"]\n" +
         std::string(extra) + "\n[strongswan]\n";
}

std::vector<std::string> errors_of(std::string_view text) {
  auto parsed = parse_agent_config(text, "a.toml");
  REQUIRE_FALSE(parsed.has_value());
  return parsed.error();
}

// The one error of `text`, which must start with `prefix` (file:line:col: key:).
void check_error(std::string_view text, const std::string& prefix) {
  const auto errors = errors_of(text);
  REQUIRE(errors.size() == 1);
  INFO(errors[0]);
  CHECK(errors[0].starts_with(prefix));
}

}  // namespace

TEST_CASE("the smallest configuration: defaults for everything else") {
  const Files files;
  const auto config = parse_agent_config(config_with(files), "a.toml");
  REQUIRE(config.has_value());
  CHECK(config->member == "m1");
  CHECK(config->key.size() == 16);
  CHECK(config->key[1] == std::byte{0x11});
  REQUIRE(config->report_to.size() == 1);
  CHECK(config->report_to[0].to_string() == "198.51.100.1:7701");
  CHECK(config->report_interval == std::chrono::milliseconds(1000));
  CHECK(config->state_file.empty());
  CHECK_FALSE(config->capacity.has_value());
  CHECK(config->load == LoadSource::None);
  CHECK(config->command_listen.empty());
  CHECK(config->command_max_skew == std::chrono::seconds(30));
  REQUIRE(std::holds_alternative<StrongswanConfig>(config->backend));
  CHECK(std::get<StrongswanConfig>(config->backend).vici == "unix:///var/run/charon.vici");
  CHECK(std::get<StrongswanConfig>(config->backend).timeout == std::chrono::milliseconds(5000));
}

TEST_CASE("every key set") {
  const Files files;
  const std::string text =
      "member = \"gw-1.example_2\"\n"
      "key_file = \"" +
      files.key +
      "\"\n"
      "report_to = [\"198.51.100.1:7701\", \"[2001:db8::1]:7701\"]\n"
      "report_interval = 0.5\n"
      "state_file = \"/run/s\"\n"
      "capacity = 250\n"
      "load = 0.25\n"
      "command_listen = [\"198.51.100.11:7702\"]\n"
      "command_max_skew = 10\n"
      "[strongswan]\n"
      "vici = \"unix:///tmp/charon.vici\"\n"
      "timeout = 2\n";
  const auto config = parse_agent_config(text, "a.toml");
  REQUIRE(config.has_value());
  CHECK(config->member == "gw-1.example_2");
  REQUIRE(config->report_to.size() == 2);
  CHECK(config->report_to[1].to_string() == "[2001:db8::1]:7701");
  CHECK(config->report_interval == std::chrono::milliseconds(500));
  CHECK(config->state_file == "/run/s");
  CHECK(config->capacity == 250u);
  CHECK(config->load == LoadSource::Fixed);
  CHECK(config->fixed_load == 0.25);
  REQUIRE(config->command_listen.size() == 1);
  CHECK(config->command_listen[0].port == 7702);
  CHECK(config->command_max_skew == std::chrono::seconds(10));
  CHECK(std::get<StrongswanConfig>(config->backend).vici == "unix:///tmp/charon.vici");
  CHECK(std::get<StrongswanConfig>(config->backend).timeout == std::chrono::milliseconds(2000));

  const auto automatic = parse_agent_config(config_with(files, "load = \"auto\""), "a.toml");
  REQUIRE(automatic.has_value());
  CHECK(automatic->load == LoadSource::Auto);
}

TEST_CASE("the example holds every key and only the key file is missing here") {
  std::ifstream in(IKESTEER_AGENT_EXAMPLE_CONFIG);
  REQUIRE(in);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto errors = errors_of(text);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].starts_with("a.toml:5:12: key_file: cannot read /etc/ikesteer/agent.key"));
}

TEST_CASE("each value error names file, line, column and key") {
  const Files files;
  // Line 4 is the first of `extra`.
  const struct {
    std::string extra;
    std::string prefix;
  } cases[] = {
      {"colour = 1", "a.toml:4:1: colour: unknown key"},
      {"report_interval = 0", "a.toml:4:19: report_interval: must be 0.1..3600 seconds (got 0)"},
      {"report_interval = \"1\"", "a.toml:4:19: report_interval: must be a number of seconds"},
      {"state_file = \"\"", "a.toml:4:14: state_file: must be a non-empty file name"},
      {"capacity = -1", "a.toml:4:12: capacity: must be 0..4294967295 (got -1)"},
      {"load = 1.5", "a.toml:4:8: load: must be \"auto\" or a number 0..1"},
      {"load = \"high\"", "a.toml:4:8: load: must be \"auto\" or a number 0..1"},
      {"command_listen = [\"0.0.0.0:7702\"]",
       "a.toml:4:18: command_listen: must name specific addresses, not 0.0.0.0"},
      {"command_listen = [\"198.51.100.11\"]",
       "a.toml:4:18: command_listen: not an \"address:port\""},
      {"command_listen = []", "a.toml:4:18: command_listen: must be a non-empty array"},
      {"command_listen = [\"198.51.100.11:7702\", \"198.51.100.11:7702\"]",
       "a.toml:4:18: command_listen: duplicate 198.51.100.11:7702"},
      {"command_max_skew = 0", "a.toml:4:20: command_max_skew: must be 1..3600 (got 0)"},
      {"command_max_skew = 1.5", "a.toml:4:20: command_max_skew: must be an integer"},
  };
  for (const auto& c : cases) {
    INFO(c.extra);
    check_error(config_with(files, c.extra), c.prefix);
  }
}

TEST_CASE("member, key file and report_to") {
  const Files files;
  const std::string key_line = "key_file = \"" + files.key + "\"\n";
  const std::string backend = "[strongswan]\n";
  check_error("member = \"m 1\"\n" + key_line + "report_to = [\"198.51.100.1:7701\"]\n" + backend,
              "a.toml:1:10: member: must be 1..63 characters");
  check_error("member = \"" + std::string(64, 'm') + "\"\n" + key_line +
                  "report_to = [\"198.51.100.1:7701\"]\n" + backend,
              "a.toml:1:10: member: must be 1..63 characters");
  check_error(key_line + "report_to = [\"198.51.100.1:7701\"]\n" + backend,
              "a.toml:1:1: member: is required");
  check_error("member = \"m1\"\nreport_to = [\"198.51.100.1:7701\"]\n" + backend,
              "a.toml:1:1: key_file: is required");
  check_error("member = \"m1\"\n" + key_line + backend, "a.toml:1:1: report_to: is required");
  check_error("member = \"m1\"\n" + key_line + "report_to = [\"[2001:db8::1]\"]\n" + backend,
              "a.toml:3:13: report_to: not an \"address:port\"");
  check_error("member = \"m1\"\n" + key_line + "report_to = \"198.51.100.1:7701\"\n" + backend,
              "a.toml:3:13: report_to: must be a non-empty array");
}

TEST_CASE("the key file: readable, hex, at least 16 bytes") {
  const Files files;
  const std::string head = "member = \"m1\"\nkey_file = \"";
  const std::string tail = "\"\nreport_to = [\"198.51.100.1:7701\"]\n[strongswan]\n";
  check_error(head + files.dir.file("none") + tail, "a.toml:2:12: key_file: cannot read " +
                                                        files.dir.file("none") +
                                                        ": No such file or directory");
  const std::string bad = files.dir.file("bad.key");
  for (const std::string content : {"00112233445566778899aabbccddee", "not hex at all, not at all",
                                    "00112233445566778899aabbccddeeff0"}) {
    INFO(content);
    std::ofstream(bad) << content;
    check_error(head + bad + tail, "a.toml:2:12: key_file: " + bad +
                                       " must hold an even number (>= 32) of hex digits");
  }
  CHECK(parse_hex_key(" 00112233445566778899AABBCCDDEEFF\r\n").has_value());
}

TEST_CASE("the IKE daemon: exactly one of [strongswan] and [libreswan]") {
  const Files files;
  const std::string head =
      "member = \"m1\"\nkey_file = \"" + files.key + "\"\nreport_to = [\"198.51.100.1:7701\"]\n";
  check_error(head,
              "a.toml:1:1: strongswan: the member's IKE daemon is required: one of "
              "[strongswan], [libreswan]");
  check_error(head + "[strongswan]\n[libreswan]\n",
              "a.toml:4:1: strongswan: only one of [strongswan], [libreswan] may be given");
  check_error(head + "[libreswan]\n[strongswan]\n",
              "a.toml:5:1: strongswan: only one of [strongswan], [libreswan] may be given");
}

TEST_CASE("[strongswan]: charon's VICI socket") {
  const Files files;
  const std::string head =
      "member = \"m1\"\nkey_file = \"" + files.key + "\"\nreport_to = [\"198.51.100.1:7701\"]\n";
  check_error(head + "strongswan = 1\n", "a.toml:4:14: strongswan: must be a table");
  check_error(head + "[strongswan]\nvici = \"/var/run/charon.vici\"\n",
              "a.toml:5:8: strongswan.vici: must be \"unix:///path/of/charon.vici\"");
  check_error(head + "[strongswan]\ntimeout = 0\n",
              "a.toml:5:11: strongswan.timeout: must be 0.1..600 seconds (got 0)");
  check_error(head + "[strongswan]\nsocket = \"unix:///x\"\n",
              "a.toml:5:1: strongswan.socket: unknown key");
}

TEST_CASE("[libreswan]: pluto through whack, defaults where libreswan 4.10 puts them") {
  const Files files;
  const std::string head =
      "member = \"m1\"\nkey_file = \"" + files.key + "\"\nreport_to = [\"198.51.100.1:7701\"]\n";
  const auto defaults = parse_agent_config(head + "[libreswan]\n", "a.toml");
  REQUIRE(defaults.has_value());
  REQUIRE(std::holds_alternative<LibreswanConfig>(defaults->backend));
  const LibreswanConfig& d = std::get<LibreswanConfig>(defaults->backend);
  CHECK(d.whack == "/usr/libexec/ipsec/whack");
  CHECK(d.ctlsocket == "/run/pluto/pluto.ctl");
  CHECK(d.timeout == std::chrono::milliseconds(5000));

  const auto set = parse_agent_config(head +
                                          "[libreswan]\n"
                                          "whack = \"/opt/libreswan/whack\"\n"
                                          "ctlsocket = \"/var/run/pluto/pluto.ctl\"\n"
                                          "timeout = 2.5\n",
                                      "a.toml");
  REQUIRE(set.has_value());
  const LibreswanConfig& c = std::get<LibreswanConfig>(set->backend);
  CHECK(c.whack == "/opt/libreswan/whack");
  CHECK(c.ctlsocket == "/var/run/pluto/pluto.ctl");
  CHECK(c.timeout == std::chrono::milliseconds(2500));

  check_error(head + "libreswan = \"whack\"\n", "a.toml:4:13: libreswan: must be a table");
  check_error(head + "[libreswan]\nwhack = \"\"\n",
              "a.toml:5:9: libreswan.whack: must be a non-empty file name");
  check_error(head + "[libreswan]\nctlsocket = 1\n",
              "a.toml:5:13: libreswan.ctlsocket: must be a non-empty file name");
  check_error(head + "[libreswan]\ntimeout = 601\n",
              "a.toml:5:11: libreswan.timeout: must be 0.1..600 seconds (got 601)");
  check_error(head + "[libreswan]\nvici = \"unix:///x\"\n",
              "a.toml:5:1: libreswan.vici: unknown key");
}

TEST_CASE("every problem at once, in file order; a syntax error alone") {
  const auto errors = errors_of("member = \"\"\nload = 2\ncolour = 1\n");
  REQUIRE(errors.size() == 6);
  CHECK(errors[0].starts_with("a.toml:1:1: key_file: is required"));
  CHECK(errors[3].starts_with("a.toml:1:10: member:"));
  CHECK(errors[4].starts_with("a.toml:2:8: load:"));
  CHECK(errors[5].starts_with("a.toml:3:1: colour: unknown key"));
  const auto syntax = errors_of("member = \n");
  REQUIRE(syntax.size() == 1);
  CHECK(syntax[0].starts_with("a.toml:1:"));
  CHECK(syntax[0].find("(syntax)") != std::string::npos);
}

TEST_CASE("a missing configuration file") {
  const auto loaded = load_agent_config("/nonexistent/agent.toml");
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().at(0) ==
        "/nonexistent/agent.toml: cannot open the configuration file: No such file or directory");
}
