// Topology files: client prefixes and the pools their clients go to, one prefix a line.
//
//   # comment (a '#' starts one anywhere on a line)
//   192.0.2.0/24      eu-west eu-central     # first pool first
//   2001:db8:100::/40 us-east
//
// A line is a prefix (a bare address is a /32 or /128) and one or more pool names, separated
// by blanks or tabs; blank lines are fine. This is the text parser only: the caller reads the
// file (this module does no I/O).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/prefix_map.hpp"
#include "common/result.hpp"
#include "health/topology.hpp"

namespace ikesteer::health {

inline constexpr std::size_t kMaxTopologyFileErrors = 20;

struct TopologyFileError {
  std::size_t line = 0;  // 1-based
  std::string message;   // "unknown pool 'eu-wset'"
};

struct TopologyFileEntries {
  // Each entry's value is its order's index in the OrderInterner given to the parser.
  std::vector<PrefixMap::Entry> entries;
  std::vector<std::size_t> lines;  // the line of each entry
};

// The pool index of a pool name, or nothing for an unknown pool.
using PoolByName = std::function<std::optional<std::uint16_t>(std::string_view)>;

// Parses a whole file's text. Errors, in line order, up to `max_errors` of them (parsing stops
// there): a bad prefix, a line with no pool, an unknown pool, a pool named twice on one line, a
// prefix listed twice (naming the line of the first; "::ffff:192.0.2.0/120" is 192.0.2.0/24).
// Interns each line's pool order into `orders`; on failure `orders` may have gained orders.
Result<TopologyFileEntries, std::vector<TopologyFileError>> parse_topology_file(
    std::string_view text, const PoolByName& pool_by_name, OrderInterner& orders,
    std::size_t max_errors = kMaxTopologyFileErrors);

}  // namespace ikesteer::health
