// [topology] and the members' pools → Config::pools and Config::topology, its map built from
// the inline networks and the prefix files (read here; paths relative to the configuration
// file's folder). Problems in the TOML are reported at their line and key, problems in a
// prefix file at `file:line`.
#pragma once

#include <toml++/toml.h>

#include "common/toml_fields.hpp"
#include "frontend/config/config.hpp"

namespace ikesteer::frontend {

// Every pool, in order of first appearance among the members: a pool's index is its position.
std::vector<std::string> pool_names(const std::vector<MemberConfig>& members);

// The keys of [topology] (default, files, network).
std::vector<toml_fields::Field> topology_fields(Config::Topology& t, toml_fields::Errors& errors);

// After the members are read: collects the pools and builds the map. `root` is the whole
// configuration (for the lines of [topology]'s keys).
void build_topology(const toml::table& root, Config& config, toml_fields::Errors& errors);

}  // namespace ikesteer::frontend
