#include "frontend/config/topology_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "health/pool_selector.hpp"
#include "health/topology_file.hpp"

namespace ikesteer::frontend {
namespace {

using namespace toml_fields;

Apply prefix_list(std::vector<IpPrefix>& out) {
  return [&out](const toml::node& n) -> Reason {
    const toml::array* a = n.as_array();
    if (!a || a->empty()) return "must be a non-empty array of prefixes (\"192.0.2.0/24\")";
    std::vector<IpPrefix> parsed;
    for (const toml::node& item : *a) {
      const auto s = item.value_exact<std::string>();
      if (!s) return "must be an array of prefixes (\"192.0.2.0/24\")";
      auto prefix = IpPrefix::parse(*s);
      if (!prefix) return "\"" + *s + "\": " + prefix.error();
      parsed.push_back(*prefix);
    }
    out = std::move(parsed);
    return std::nullopt;
  };
}

// Where an entry of the map came from, for "listed twice" errors.
struct Origin {
  std::string where;  // "topology.network[2]" or "networks.txt:17"
};

// Pool names -> indexes; problems named at the key's line.
class PoolOrders {
 public:
  PoolOrders(const std::vector<std::string>& pools, Errors& errors) : errors_(errors) {
    for (std::size_t i = 0; i < pools.size(); ++i)
      index_.emplace(pools[i], static_cast<std::uint16_t>(i));
  }

  std::optional<std::uint16_t> index(std::string_view name) const {
    const auto it = index_.find(std::string(name));
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }

  // The order of `names` interned, or nothing after reporting why at `at`/`key`.
  std::optional<std::uint32_t> intern(const std::vector<std::string>& names,
                                      const toml::source_region& at, const std::string& key) {
    std::vector<std::uint16_t> order;
    bool ok = !names.empty();
    if (names.empty()) errors_.add(at, key, "must name at least one pool");
    for (const std::string& name : names) {
      const auto pool = index(name);
      if (!pool) {
        errors_.add(at, key, "no member is in pool \"" + name + "\"");
        ok = false;
      } else if (std::find(order.begin(), order.end(), *pool) != order.end()) {
        errors_.add(at, key, "pool \"" + name + "\" named twice");
        ok = false;
      } else {
        order.push_back(*pool);
      }
    }
    if (!ok) return std::nullopt;
    return interner.intern(order);
  }

  health::OrderInterner interner;

 private:
  std::unordered_map<std::string, std::uint16_t> index_;
  Errors& errors_;
};

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

}  // namespace

std::vector<std::string> pool_names(const std::vector<MemberConfig>& members) {
  std::vector<std::string> pools;
  std::unordered_set<std::string_view> seen;
  for (const MemberConfig& m : members)
    if (seen.insert(m.pool).second) pools.push_back(m.pool);
  return pools;
}

std::vector<Field> topology_fields(Config::Topology& t, Errors& errors) {
  auto network_fields = [](Config::Topology::Network& n, const std::string&) {
    return std::vector<Field>{{"prefixes", prefix_list(n.prefixes)},
                              {"pools", string_list(n.pools)}};
  };
  return {{"default", string_list(t.default_pools)},
          {"files", string_list(t.files)},
          {"network", table_array(t.networks, "topology.network", {"prefixes", "pools"},
                                  network_fields, errors)}};
}

void build_topology(const toml::table& root, Config& config, Errors& errors) {
  const std::vector<std::string> pools = pool_names(config.members);
  if (pools.size() > health::kMaxPools) {
    errors.add(root.source(), "member",
               "at most " + std::to_string(health::kMaxPools) + " pools (got " +
                   std::to_string(pools.size()) + ")");
    return;
  }

  if (!config.topology.enabled) return;

  PoolOrders orders(pools, errors);
  const Config::Topology& t = config.topology;
  const toml::node* table = root.get("topology");
  const toml::source_region at = table ? table->source() : root.source();
  std::optional<std::uint32_t> default_order;
  if (t.default_pools.empty()) {
    std::vector<std::uint16_t> every(pools.size());
    for (std::size_t i = 0; i < every.size(); ++i) every[i] = static_cast<std::uint16_t>(i);
    default_order = orders.interner.intern(every);
  } else {
    const toml::node* key = root.at_path("topology.default").node();
    default_order = orders.intern(t.default_pools, key ? key->source() : at, "topology.default");
  }

  std::vector<PrefixMap::Entry> entries;
  std::vector<Origin> origins;
  const toml::array* networks = root.at_path("topology.network").as_array();
  for (std::size_t i = 0; i < t.networks.size(); ++i) {
    const std::string key = "topology.network[" + std::to_string(i) + "]";
    const toml::node* n = networks && i < networks->size() ? networks->get(i) : nullptr;
    const toml::node* pools_key = n && n->as_table() ? n->as_table()->get("pools") : nullptr;
    const auto order =
        orders.intern(t.networks[i].pools, pools_key ? pools_key->source() : at, key + ".pools");
    if (!order) continue;
    for (const IpPrefix& p : t.networks[i].prefixes) {
      entries.push_back({p, *order});
      origins.push_back({key});
    }
  }

  const std::filesystem::path base = std::filesystem::path(errors.file()).parent_path();
  const health::PoolByName pool_by_name = [&orders](std::string_view name) {
    return orders.index(name);
  };
  for (const std::string& file : t.files) {
    const std::filesystem::path path = base / file;
    const auto text = read_file(path);
    if (!text) {
      const toml::node* key = root.at_path("topology.files").node();
      errors.add(key ? key->source() : at, "topology.files", "cannot read " + path.string());
      continue;
    }
    auto parsed = health::parse_topology_file(*text, pool_by_name, orders.interner);
    if (!parsed) {
      for (const health::TopologyFileError& e : parsed.error())
        errors.add_elsewhere(path.string() + ":" + std::to_string(e.line) + ": " + e.message);
      continue;
    }
    for (std::size_t i = 0; i < parsed->entries.size(); ++i) {
      entries.push_back(parsed->entries[i]);
      origins.push_back({path.string() + ":" + std::to_string(parsed->lines[i])});
    }
  }
  if (!errors.empty() || !default_order) return;

  // One prefix in two places (two files, or a file and the inline table): name both.
  std::vector<std::size_t> by_prefix(entries.size());
  for (std::size_t i = 0; i < by_prefix.size(); ++i) by_prefix[i] = i;
  std::sort(by_prefix.begin(), by_prefix.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(entries[a].prefix, a) < std::tie(entries[b].prefix, b);
  });
  std::size_t duplicates = 0;
  for (std::size_t k = 1; k < by_prefix.size() && duplicates < health::kMaxTopologyFileErrors;
       ++k) {
    const std::size_t first = by_prefix[k - 1], second = by_prefix[k];
    if (entries[first].prefix != entries[second].prefix) continue;
    errors.add_elsewhere(origins[second].where + ": prefix " + entries[second].prefix.to_string() +
                         " is listed twice (first at " + origins[first].where + ")");
    ++duplicates;
  }
  if (duplicates != 0) return;

  auto map = health::Topology::build(orders.interner.orders(), std::move(entries), *default_order,
                                     pools.size());
  if (!map) {
    errors.add(at, "topology", map.error());
    return;
  }
  config.topology.map = std::make_shared<const health::Topology>(std::move(*map));
}

}  // namespace ikesteer::frontend
