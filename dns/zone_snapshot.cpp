// build_snapshot: validates the configured zones, cluster names and member state, and lays
// them out flat for lookups that do not allocate. Start-up / state-change code: it allocates
// and reports every problem it finds.
#include "dns/zone_snapshot.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <utility>

#include "common/hash.hpp"
#include "dns/wire.hpp"
#include "dns/zone_data.hpp"

namespace ikesteer::dns {
namespace {

constexpr std::uint64_t kIndexSeed = 0x646e732d6e6f6465ULL;  // "dns-node"
constexpr std::uint32_t kMaxTtl = 0x7fffffff;                // RFC 2181 §8
constexpr std::size_t kMaxCharacterString = 255;             // RFC 1035 §3.3

std::string key_of(const WireName& name) {
  WireName lower = name;
  to_lower(lower);
  return std::string(reinterpret_cast<const char*>(lower.data.data()), lower.size);
}

std::span<const std::byte> key_wire(const std::string& key) {
  return std::as_bytes(std::span(key.data(), key.size()));
}

std::string text_of(const WireName& name) {
  return name_to_text(name.wire());
}

void put16(std::vector<std::byte>& out, std::uint16_t v) {
  out.push_back(static_cast<std::byte>(v >> 8));
  out.push_back(static_cast<std::byte>(v));
}
void put32(std::vector<std::byte>& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v));
}
void put_wire(std::vector<std::byte>& out, std::span<const std::byte> wire) {
  out.insert(out.end(), wire.begin(), wire.end());
}

struct Token {
  std::string text;
  bool quoted = false;
};

// Zone-file-like tokens (RFC 1035 §5.1): whitespace separated, "quoted strings" in which a
// backslash escapes the next character, ';' starts a comment.
std::optional<std::vector<Token>> tokenize(std::string_view line) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c == ' ' || c == '\t') {
      ++i;
    } else if (c == ';') {
      break;
    } else if (c == '"') {
      Token t{{}, true};
      ++i;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        t.text.push_back(line[i++]);
      }
      if (i == line.size()) return std::nullopt;  // unterminated
      ++i;
      out.push_back(std::move(t));
    } else {
      Token t;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') t.text.push_back(line[i++]);
      out.push_back(std::move(t));
    }
  }
  return out;
}

std::optional<std::uint32_t> parse_ttl(const std::string& s) {
  if (s.empty() || s.size() > 10 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const std::uint64_t v = std::stoull(s);
  if (v > kMaxTtl) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

struct RRsetBuild {
  std::uint32_t ttl = 0;
  std::vector<std::vector<std::byte>> rdata;
};

struct NodeBuild {
  std::uint32_t zone = kNone;
  std::map<std::uint16_t, RRsetBuild> rrsets;  // by type: sorted, as the snapshot wants
  std::uint32_t cluster = kNone;
  std::uint32_t member = kNone;
};

struct ZoneBuild {
  WireName apex;
  std::string label;  // for messages: "zone vpn.example."
};

class Builder {
 public:
  std::vector<std::string> errors;
  std::vector<ZoneBuild> zones;
  std::map<std::string, NodeBuild> nodes;
  std::map<std::string, std::uint32_t> pools;  // pool name -> ZoneSnapshot::Member::pool
  ZoneSnapshot snap;

  void error(std::string message) { errors.push_back(std::move(message)); }

  // The deepest configured zone containing `name`, or kNone.
  std::uint32_t zone_of(const WireName& name) const {
    std::uint32_t best = kNone;
    for (std::uint32_t z = 0; z < zones.size(); ++z) {
      if (is_subdomain(name.wire(), zones[z].apex) &&
          (best == kNone || zones[z].apex.labels > zones[best].apex.labels))
        best = z;
    }
    return best;
  }

  NodeBuild& node(const WireName& name, std::uint32_t zone) {
    NodeBuild& n = nodes[key_of(name)];
    n.zone = zone;
    return n;
  }

  void add_rdata(const std::string& where, NodeBuild& n, std::uint16_t type, std::uint32_t ttl,
                 std::vector<std::byte> rdata) {
    auto [it, fresh] = n.rrsets.try_emplace(type);
    RRsetBuild& set = it->second;
    if (fresh) {
      set.ttl = ttl;
    } else if (set.ttl != ttl) {
      // RFC 2181 §5.2: the records of an RRset share one TTL.
      return error(where + ": TTL " + std::to_string(ttl) + " differs from the RRset's " +
                   std::to_string(set.ttl) + " (RFC 2181 §5.2)");
    }
    // RFC 2181 §5: an RRset has no duplicate records; drop repeats.
    if (std::find(set.rdata.begin(), set.rdata.end(), rdata) == set.rdata.end())
      set.rdata.push_back(std::move(rdata));
  }

  void add_zone(const ZoneSpec& spec) {
    auto origin = name_from_text(spec.origin);
    const std::string label = "zone \"" + spec.origin + "\"";
    if (!origin) return error(label + ": origin: " + origin.error());
    if (std::any_of(zones.begin(), zones.end(),
                    [&](const ZoneBuild& z) { return names_equal(z.apex.wire(), origin->wire()); }))
      return error(label + ": configured twice");
    if (spec.ttl > kMaxTtl) error(label + ": ttl above 2147483647 (RFC 2181 §8)");
    zones.push_back({*origin, label});
    ZoneSnapshot::Zone zone;
    zone.apex = *origin;
    zone.ttl = spec.ttl;
    zone.negative_ttl = std::min(spec.soa.minimum, spec.ttl);
    snap.zones.push_back(zone);
  }

  // Apex SOA and NS, then the records (after all zones exist, so that a record can be checked
  // against deeper zones).
  void fill_zone(std::uint32_t z, const ZoneSpec& spec) {
    const ZoneBuild& zone = zones[z];
    NodeBuild& apex = node(zone.apex, z);
    auto mname = name_from_text(spec.soa.mname);
    auto rname = name_from_text(spec.soa.rname);
    if (!mname) error(zone.label + ": soa.mname: " + mname.error());
    if (!rname) error(zone.label + ": soa.rname: " + rname.error());
    if (mname && rname) {
      // RFC 1035 §3.3.13.
      std::vector<std::byte> rdata;
      put_wire(rdata, mname->wire());
      put_wire(rdata, rname->wire());
      for (std::uint32_t v :
           {spec.soa.serial, spec.soa.refresh, spec.soa.retry, spec.soa.expire, spec.soa.minimum})
        put32(rdata, v);
      add_rdata(zone.label, apex, rrtype::kSoa, spec.ttl, std::move(rdata));
    }
    if (spec.ns.empty()) error(zone.label + ": no NS names (RFC 1034 §4.2.1)");
    for (const auto& ns : spec.ns) {
      auto target = name_from_text(ns);
      if (!target) {
        error(zone.label + ": ns \"" + ns + "\": " + target.error());
        continue;
      }
      std::vector<std::byte> rdata;
      put_wire(rdata, target->wire());
      add_rdata(zone.label, apex, rrtype::kNs, spec.ttl, std::move(rdata));
    }
    for (std::size_t i = 0; i < spec.records.size(); ++i)
      add_record(z, spec,
                 zone.label + ": record " + std::to_string(i + 1) + " \"" + spec.records[i] + "\"",
                 spec.records[i]);
  }

  void add_record(std::uint32_t z, const ZoneSpec& spec, const std::string& where,
                  const std::string& line) {
    const WireName& origin = zones[z].apex;
    auto tokens = tokenize(line);
    if (!tokens) return error(where + ": unterminated quoted string");
    auto& t = *tokens;
    std::size_t at = 0;
    if (t.size() < 3) return error(where + ": expected \"<owner> [ttl] <TYPE> <rdata>\"");
    auto owner = name_from_text(t[at++].text, &origin);
    if (!owner) return error(where + ": owner: " + owner.error());
    std::uint32_t ttl = spec.ttl;
    if (auto explicit_ttl = parse_ttl(t[at].text)) {
      ttl = *explicit_ttl;
      ++at;
    } else if (!t[at].text.empty() && t[at].text[0] >= '0' && t[at].text[0] <= '9') {
      return error(where + ": bad TTL \"" + t[at].text + "\"");
    }
    if (at < t.size() && t[at].text == "IN") ++at;
    if (at + 1 >= t.size()) return error(where + ": missing type or data");
    const std::string type = t[at++].text;
    const std::vector<Token> data(t.begin() + static_cast<std::ptrdiff_t>(at), t.end());
    if (zone_of(*owner) != z)
      return error(where + ": owner " + text_of(*owner) + " is outside " + zones[z].label +
                   (zone_of(*owner) == kNone ? "" : " (it belongs to a deeper zone)"));
    const bool at_apex = names_equal(owner->wire(), origin.wire());
    auto single = [&](const char* what) -> const std::string* {
      if (data.size() != 1 || data[0].quoted) {
        error(where + ": " + what + " takes one value");
        return nullptr;
      }
      return &data[0].text;
    };
    std::vector<std::byte> rdata;
    std::uint16_t rrtype = 0;
    if (type == "A" || type == "AAAA") {
      const bool v4 = type == "A";
      const std::string* text = single(v4 ? "A" : "AAAA");
      if (text == nullptr) return;
      auto address = IpAddress::parse(*text);
      if (!address || address->is_v4() != v4)
        return error(where + ": bad " + (v4 ? "IPv4" : "IPv6") + " address \"" + *text + "\"");
      put_wire(rdata, address->bytes());
      rrtype = v4 ? rrtype::kA : rrtype::kAaaa;
    } else if (type == "NS" || type == "CNAME") {
      const std::string* text = single(type.c_str());
      if (text == nullptr) return;
      auto target = name_from_text(*text, &origin);
      if (!target) return error(where + ": target: " + target.error());
      put_wire(rdata, target->wire());
      rrtype = type == "NS" ? rrtype::kNs : rrtype::kCname;
      if (rrtype == rrtype::kNs && !at_apex)
        return error(where + ": NS below the apex would be a delegation (not supported)");
      if (rrtype == rrtype::kCname && at_apex)
        return error(where + ": CNAME at the apex (RFC 1034 §3.6.2: no other data with it)");
    } else if (type == "TXT") {
      // RFC 1035 §3.3.14: one or more <character-string>s.
      for (const auto& piece : data) {
        if (piece.text.size() > kMaxCharacterString)
          return error(where + ": TXT string longer than 255 octets");
        rdata.push_back(static_cast<std::byte>(piece.text.size()));
        put_wire(rdata, std::as_bytes(std::span(piece.text.data(), piece.text.size())));
      }
      rrtype = rrtype::kTxt;
    } else {
      return error(where + ": type \"" + type + "\" not supported (A AAAA NS CNAME TXT)");
    }
    add_rdata(where, node(*owner, z), rrtype, ttl, std::move(rdata));
  }

  void add_member(const MemberView& member) {
    const std::string where = "member \"" + member.name + "\"";
    ZoneSnapshot::Member out;
    out.weight = member.weight;
    out.pool =
        pools.try_emplace(member.pool, static_cast<std::uint32_t>(pools.size())).first->second;
    if (!(member.weight > 0) || !std::isfinite(member.weight))
      error(where + ": weight must be a positive number");
    if (member.addresses.size() > kMaxAddressesPerMember)
      error(where + ": more than " + std::to_string(kMaxAddressesPerMember) + " addresses");
    for (const auto& a : member.addresses)
      out.addresses[a.is_v4() ? kFamilyV4 : kFamilyV6].push_back(a);
    snap.members.push_back(std::move(out));
    auto label = name_from_text(member.name);
    if (!label || label->labels != 1)
      return error(where + ": name must be one DNS label" +
                   (label ? std::string() : ": " + label.error()));
  }

  void add_member_names(const std::vector<ZoneSpec>& specs, const std::vector<MemberView>& ms) {
    for (std::uint32_t z = 0; z < zones.size(); ++z) {
      if (!specs[z].member_names) continue;
      for (std::uint32_t m = 0; m < ms.size(); ++m) {
        auto name = name_from_text(ms[m].name, &zones[z].apex);
        // Bad names are reported by add_member.
        if (!name || name->labels != zones[z].apex.labels + 1 || zone_of(*name) != z) continue;
        NodeBuild& n = node(*name, z);
        if (n.member != kNone) error("member \"" + ms[m].name + "\": name used by another member");
        n.member = m;
      }
    }
  }

  void add_cluster(const ClusterNameSpec& spec, const std::vector<MemberView>& members,
                   const std::vector<IpAddress>& frontend) {
    const std::string where = "cluster \"" + spec.name + "\"";
    auto name = name_from_text(spec.name);
    if (!name) return error(where + ": " + name.error());
    const std::uint32_t z = zone_of(*name);
    if (z == kNone) return error(where + ": not inside any configured zone");
    if (spec.ttl > kMaxTtl || spec.ttl_transition > kMaxTtl)
      error(where + ": ttl above 2147483647 (RFC 2181 §8)");
    if (spec.ttl_transition > spec.ttl) error(where + ": ttl_transition above ttl");
    if (spec.policy == ClusterPolicy::Weighted && spec.count == 0)
      error(where + ": count must be at least 1");
    if (spec.policy == ClusterPolicy::Frontend && frontend.empty())
      error(where + ": policy frontend but no frontend addresses");
    NodeBuild& n = node(*name, z);
    if (n.cluster != kNone) return error(where + ": configured twice");
    n.cluster = static_cast<std::uint32_t>(snap.clusters.size());

    // The members the name may answer with.
    std::vector<bool> allowed(members.size(), spec.pools.empty() && spec.members.empty());
    for (const std::string& pool : spec.pools) {
      bool found = false;
      for (std::size_t m = 0; m < members.size(); ++m)
        if (members[m].pool == pool) allowed[m] = found = true;
      if (!found) error(where + ": no member in pool \"" + pool + "\"");
    }
    for (const std::string& wanted : spec.members) {
      const auto m = std::find_if(members.begin(), members.end(),
                                  [&](const MemberView& v) { return v.name == wanted; });
      if (m == members.end())
        error(where + ": no member named \"" + wanted + "\"");
      else
        allowed[static_cast<std::size_t>(m - members.begin())] = true;
    }

    ZoneSnapshot::Cluster c;
    c.policy = spec.policy;
    c.count = spec.count;
    c.topology = spec.topology;
    const bool transitioning = std::any_of(members.begin(), members.end(),
                                           [](const MemberView& m) { return m.transitioning; });
    c.ttl = transitioning ? spec.ttl_transition : spec.ttl;
    for (std::size_t f : {kFamilyV4, kFamilyV6}) {
      std::vector<std::uint32_t> eligible, all;
      for (std::uint32_t m = 0; m < snap.members.size(); ++m) {
        if (!allowed[m] || snap.members[m].addresses[f].empty()) continue;
        all.push_back(m);
        if (members[m].eligible) eligible.push_back(m);
      }
      c.fail_open[f] = eligible.size() < spec.fail_open_min && all.size() > eligible.size();
      c.candidates[f] = c.fail_open[f] ? all : eligible;
      c.is_candidate[f].assign(snap.members.size(), false);
      for (std::uint32_t m : c.candidates[f]) c.is_candidate[f][m] = true;
    }
    snap.clusters.push_back(std::move(c));
  }

  // RFC 1034 §3.6.2: a CNAME owner has no other data; and a CNAME chain inside our zones must
  // end (a loop would only bounce resolvers).
  void check_nodes() {
    for (const auto& [key, n] : nodes) {
      const std::string where = "name " + name_to_text(key_wire(key));
      const bool cname = n.rrsets.count(rrtype::kCname) != 0;
      const bool addresses = n.rrsets.count(rrtype::kA) != 0 || n.rrsets.count(rrtype::kAaaa) != 0;
      if (cname && (n.rrsets.size() > 1 || n.cluster != kNone || n.member != kNone))
        error(where + ": CNAME and other data (RFC 1034 §3.6.2)");
      else if (addresses && n.cluster != kNone)
        error(where + ": static A/AAAA records on a cluster name");
      else if (addresses && n.member != kNone)
        error(where + ": static A/AAAA records on a member name");
      else if (n.cluster != kNone && n.member != kNone)
        error(where + ": both a cluster name and a member name");
      if (cname) check_chain(key);
    }
  }

  void check_chain(const std::string& start) {
    std::string key = start;
    for (std::size_t steps = 0; steps <= nodes.size(); ++steps) {
      auto it = nodes.find(key);
      if (it == nodes.end()) return;
      auto cname = it->second.rrsets.find(rrtype::kCname);
      if (cname == it->second.rrsets.end()) return;
      const auto& target = cname->second.rdata.front();
      std::string next(target.size(), '\0');
      std::transform(target.begin(), target.end(), next.begin(),
                     [](std::byte b) { return static_cast<char>(to_lower(b)); });
      key = std::move(next);
    }
    error("name " + name_to_text(key_wire(start)) + ": CNAME loop");
  }

  // Empty non-terminals (RFC 8020 §2): every name between an owner and its apex exists, so
  // a query for it is NODATA, not NXDOMAIN.
  void add_empty_non_terminals() {
    std::vector<std::pair<std::string, std::uint32_t>> missing;
    for (const auto& [key, n] : nodes) {
      const auto wire = key_wire(key);
      const std::size_t apex_size = zones[n.zone].apex.size;
      for (std::size_t at = 1 + std::to_integer<std::size_t>(wire[0]); wire.size() - at > apex_size;
           at += 1 + std::to_integer<std::size_t>(wire[at]))
        missing.emplace_back(key.substr(at), n.zone);
    }
    for (auto& [key, zone] : missing) nodes[key].zone = zone;
  }

  void flatten() {
    for (const auto& [key, n] : nodes) {
      ZoneSnapshot::Node out;
      out.key = key;
      out.zone = n.zone;
      out.cluster = n.cluster;
      out.member = n.member;
      out.first_rrset = static_cast<std::uint32_t>(snap.rrsets.size());
      for (const auto& [type, set] : n.rrsets) {
        if (type == rrtype::kCname) out.cname = static_cast<std::uint32_t>(snap.rrsets.size());
        if (type == rrtype::kSoa)
          snap.zones[n.zone].soa = static_cast<std::uint32_t>(snap.rrsets.size());
        snap.rrsets.push_back({type, set.ttl, static_cast<std::uint32_t>(snap.records.size()),
                               static_cast<std::uint32_t>(set.rdata.size())});
        for (const auto& rdata : set.rdata) snap.records.push_back({rdata});
      }
      out.rrset_count = static_cast<std::uint32_t>(snap.rrsets.size()) - out.first_rrset;
      snap.nodes.push_back(std::move(out));
    }
    std::size_t slots = 1;
    while (slots < 2 * snap.nodes.size()) slots *= 2;
    snap.index.assign(slots, 0);
    for (std::uint32_t i = 0; i < snap.nodes.size(); ++i) {
      std::size_t at = hash_bytes(key_wire(snap.nodes[i].key), kIndexSeed) & (slots - 1);
      while (snap.index[at] != 0) at = (at + 1) & (slots - 1);
      snap.index[at] = i + 1;
    }
  }
};

}  // namespace

const ZoneSnapshot::Node* ZoneSnapshot::find(std::span<const std::byte> key) const noexcept {
  if (index.empty()) return nullptr;
  const std::size_t mask = index.size() - 1;
  for (std::size_t at = hash_bytes(key, kIndexSeed) & mask;; at = (at + 1) & mask) {
    const std::uint32_t slot = index[at];
    if (slot == 0) return nullptr;
    const Node& n = nodes[slot - 1];
    if (n.key.size() == key.size() && std::equal(key.begin(), key.end(), key_wire(n.key).begin()))
      return &n;
  }
}

const ZoneSnapshot::RRset* ZoneSnapshot::rrset(const Node& n, std::uint16_t type) const noexcept {
  for (const RRset& s : rrsets_of(n))
    if (s.type == type) return &s;
  return nullptr;
}

Result<std::shared_ptr<const ZoneSnapshot>, std::vector<std::string>> build_snapshot(
    const std::vector<ZoneSpec>& zones, const std::vector<ClusterNameSpec>& clusters,
    const std::vector<MemberView>& members, const std::vector<IpAddress>& frontend_addresses) {
  Builder b;
  if (members.size() > kMaxMembers)
    b.error("more than " + std::to_string(kMaxMembers) + " members");
  for (const auto& z : zones) b.add_zone(z);
  if (!b.errors.empty()) return fail(std::move(b.errors));
  for (std::uint32_t z = 0; z < zones.size(); ++z) b.fill_zone(z, zones[z]);
  for (const auto& m : members) b.add_member(m);
  b.add_member_names(zones, members);
  for (const auto& c : clusters) b.add_cluster(c, members, frontend_addresses);
  b.check_nodes();
  if (!b.errors.empty()) return fail(std::move(b.errors));
  b.add_empty_non_terminals();
  for (const auto& a : frontend_addresses)
    b.snap.frontend[a.is_v4() ? kFamilyV4 : kFamilyV6].push_back(a);
  b.flatten();
  return std::shared_ptr<const ZoneSnapshot>(std::make_shared<ZoneSnapshot>(std::move(b.snap)));
}

}  // namespace ikesteer::dns
