// ikesteer: IKEv2 REDIRECT front end for a loose cluster of VPN gateways.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "frontend/config/config_loader.hpp"
#include "frontend/config/demo_config.hpp"
#include "frontend/config/topology_loader.hpp"
#include "frontend/daemon/daemon.hpp"

namespace {

constexpr const char* kDefaultConfig = "/etc/ikesteer/ikesteer.toml";

void print_errors(const ikesteer::frontend::ConfigErrors& errors) {
  for (const std::string& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ikesteer::frontend;
  CLI::App app("ikesteer: IKEv2 REDIRECT front end for a loose cluster of VPN gateways");
  std::string config_path = kDefaultConfig;
  std::string check_path;
  bool demo = false;
  app.add_option("-c,--config", config_path, "configuration file")->capture_default_str();
  app.add_option("--check-config", check_path, "validate FILE, print every problem, and exit");
  app.add_flag("--demo", demo, "run the embedded loopback demo configuration");
  app.set_version_flag("--version", IKESTEER_VERSION);
  CLI11_PARSE(app, argc, argv);

  if (!check_path.empty()) {
    auto config = load_config(check_path);
    if (!config) {
      print_errors(config.error());
      return 1;
    }
    const auto& map = config->topology.map;
    std::printf("%s: ok (%zu members in %zu pools, %zu topology prefixes)\n", check_path.c_str(),
                config->members.size(), pool_names(config->members).size(),
                map ? map->prefixes().size() : std::size_t{0});
    return 0;
  }
  auto config = demo ? parse_config(kDemoConfig, kDemoConfigName) : load_config(config_path);
  if (!config) {
    print_errors(config.error());
    return 1;
  }
  return run_daemon(
      {demo ? std::string() : config_path, std::move(config).value(), IKESTEER_VERSION});
}
