// Authoritative answers (RFC 1034 §4.3.2 algorithm, restricted to our zones: no recursion, no
// delegations, no wildcards), negative answers with the SOA (RFC 2308), EDNS (RFC 6891) with
// Client Subnet (RFC 7871), minimal ANY (RFC 8482).
#include "dns/authority.hpp"

#include <algorithm>
#include <cassert>

#include "common/hash.hpp"

namespace ikesteer::dns {
namespace {

#define IKESTEER_DNS_NAME_ENTRY(name, ...) #name,
#define IKESTEER_DNS_TEXT_ENTRY(name, text) text,
constexpr std::string_view kDropNames[] = {IKESTEER_DNS_DROP_REASONS(IKESTEER_DNS_TEXT_ENTRY)};
#undef IKESTEER_DNS_TEXT_ENTRY
#define IKESTEER_DNS_TEXT_ENTRY(name, value, text) text,
constexpr std::string_view kRcodeNames[] = {IKESTEER_DNS_RCODES(IKESTEER_DNS_TEXT_ENTRY)};
#undef IKESTEER_DNS_TEXT_ENTRY
#define IKESTEER_DNS_VALUE_ENTRY(name, value, text) value,
constexpr std::uint16_t kRcodeValues[] = {IKESTEER_DNS_RCODES(IKESTEER_DNS_VALUE_ENTRY)};
#undef IKESTEER_DNS_VALUE_ENTRY
#undef IKESTEER_DNS_NAME_ENTRY

// Query types answered with an error before any lookup.
struct QtypeRule {
  std::uint16_t qtype;
  Rcode rcode;
};
constexpr QtypeRule kQtypeRules[] = {
    {rrtype::kOpt, Rcode::FormErr},   // RFC 6891 §6.1.1: a pseudo-RR, never queried
    {rrtype::kTsig, Rcode::FormErr},  // RFC 8945 §5.1: a TSIG is not a question
    {rrtype::kTkey, Rcode::NotImp},   // RFC 2930: no key negotiation here
    {rrtype::kIxfr, Rcode::Refused},  // RFC 5936 §4.2: transfers are not offered
    {rrtype::kAxfr, Rcode::Refused}, {rrtype::kMailb, Rcode::NotImp},  // RFC 1035 §3.2.3, obsolete
    {rrtype::kMaila, Rcode::NotImp},
};

constexpr std::size_t kOptFixedSize = 11;     // root owner + TYPE CLASS TTL RDLENGTH
constexpr std::size_t kEcsFixedSize = 4 + 4;  // option header + FAMILY, SOURCE, SCOPE
constexpr unsigned kEcsMaxV4 = 24;            // we never use more of a client subnet than
constexpr unsigned kEcsMaxV6 = 56;            // this (RFC 7871 §11.1: privacy)
// Copied from the query: opcode and RD (RFC 1035 §4.1.1), CD (RFC 4035 §3.1.6).
constexpr std::uint16_t kFlagsFromQuery = 0x7800 | flag::kRd | flag::kCd;

std::size_t family_of(std::uint16_t type) noexcept {
  return type == rrtype::kA ? kFamilyV4 : kFamilyV6;
}

// A uniform double in [0, 1) from 53 bits of `x`.
double unit_interval(std::uint64_t x) noexcept {
  return static_cast<double>(x >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace

std::string_view to_string(DropReason r) noexcept {
  return kDropNames[static_cast<std::size_t>(r)];
}
std::string_view to_string(Rcode r) noexcept {
  return kRcodeNames[static_cast<std::size_t>(r)];
}
std::uint16_t rcode_value(Rcode r) noexcept {
  return kRcodeValues[static_cast<std::size_t>(r)];
}

struct Authority::Answer {
  const QueryContext& context;
  const ZoneSnapshot& snap;
  StickyChooser& chooser;
  ResponseWriter writer;
  bool owner_is_question = true;  // else target_ (inside a CNAME chain)
  std::uint8_t ecs_scope = 0;     // RFC 7871 §7.2.1 SCOPE PREFIX-LENGTH of the answer
  bool question = false;          // the question was parsed and written
  ResponseWriter::Mark after_question{};
  bool truncated = false;
};

Verdict Authority::drop(DropReason reason) noexcept {
  ++counters_.drops[static_cast<std::size_t>(reason)];
  return Verdict{false, reason, Rcode::Count, false, {}};
}

Verdict Authority::answer(std::span<const std::byte> query, const QueryContext& context,
                          const ZoneSnapshot& snapshot, StickyChooser& chooser,
                          std::span<std::byte> out) noexcept {
  assert(out.size() >= kClassicUdpSize);
  ++counters_.received;
  // RFC 1035 §4.1.1: without a full header there is no ID to answer to.
  if (query.size() < kHeaderSize) return drop(DropReason::TooShort);
  ByteReader r(query);
  query_.header = read_header(r);
  // Answering a response invites loops between servers (and reflection).
  if (query_.header.is_response()) return drop(DropReason::IsResponse);

  const std::uint16_t flags = flag::kQr | (query_.header.flags & kFlagsFromQuery);
  Answer a{context, snapshot, chooser, ResponseWriter(out, kClassicUdpSize)};
  a.writer.begin(query_.header.id, flags);
  // RFC 1035 §4.1.1 (RFC 6895 §2.2): opcodes other than QUERY are not implemented; the reply
  // is the header alone, as we do not know what the rest means.
  if (query_.header.opcode() != kOpcodeQuery) return finish(a, Rcode::NotImp);
  if (!parse_query_body(query, query_)) return finish(a, Rcode::FormErr);

  const Edns& edns = query_.edns;
  // RFC 6891 §6.2.5: a smaller advertised size means 512. We send at most our own size,
  // which keeps responses below the fragmentation threshold (DNS flag day 2020).
  const std::size_t udp_limit =
      edns.present ? std::clamp<std::size_t>(edns.udp_size, kClassicUdpSize, kEdnsUdpSize)
                   : kClassicUdpSize;
  a.writer = ResponseWriter(out, context.tcp ? kMaxTcpSize : udp_limit);
  a.writer.begin(query_.header.id, flags);
  if (edns.present) {
    a.writer.reserve(kOptFixedSize +
                     (edns.subnet.present ? kEcsFixedSize + edns.subnet.address_wire.size() : 0));
  }
  // Fits: header, a 255-octet name and an OPT with ECS are far below 512 octets.
  a.question = a.writer.question(query_.qname, query_.qtype, query_.qclass);
  a.after_question = a.writer.mark();
  if (edns.subnet.present) ++counters_.ecs;
  // RFC 6891 §6.1.3: a version we do not implement gets BADVERS, with an OPT of our version.
  if (edns.present && edns.version > 0) return finish(a, Rcode::BadVers);
  return finish(a, resolve(a));
}

Rcode Authority::resolve(Answer& a) noexcept {
  // Only the IN class is served (CH "version.bind" and friends are refused).
  if (query_.qclass != kClassIn) return Rcode::Refused;
  for (const auto& rule : kQtypeRules)
    if (rule.qtype == query_.qtype) return rule.rcode;

  const ZoneSnapshot& snap = a.snap;
  ResponseWriter& w = a.writer;
  const WireName* key = &query_.qname_lower;
  a.owner_is_question = true;
  for (std::size_t chain = 0;; ++chain) {
    const ZoneSnapshot::Node* node = snap.find(key->wire());
    if (node == nullptr) {
      // The closest existing ancestor tells the zone (every name between an owner and its
      // apex exists as an empty non-terminal).
      std::uint32_t zone = kNone;
      for (std::size_t skip = 1; skip <= key->labels && zone == kNone; ++skip)
        if (const auto* up = snap.find(key->suffix(skip))) zone = up->zone;
      if (zone == kNone) {
        // Not ours: REFUSED for the query name (RFC 8906 §3.1.4.1, no AA); a CNAME chain
        // leaving our zones ends here with what we have (RFC 1034 §4.3.2 step 3a).
        return chain == 0 ? Rcode::Refused : Rcode::NoError;
      }
      w.set_flags(w.flags() | flag::kAa);
      // RFC 6604 §3: the RCODE is that of the last name in the chain.
      if (!add_negative(a, zone)) a.truncated = true;
      return Rcode::NXDomain;
    }
    w.set_flags(w.flags() | flag::kAa);
    const bool follow =
        node->cname != kNone && query_.qtype != rrtype::kCname && query_.qtype != rrtype::kAny;
    if (!follow) {
      const auto before = w.count(Section::Answer);
      if (!add_data(a, *node, query_.qtype)) {
        a.truncated = true;
        return Rcode::NoError;
      }
      if (w.count(Section::Answer) == before) {
        // NODATA (RFC 2308 §2.2): NOERROR, no answer for this name, SOA in authority.
        ++counters_.nodata;
        if (!add_negative(a, node->zone)) a.truncated = true;
      }
      return Rcode::NoError;
    }
    // RFC 1034 §4.3.2 step 3a: the CNAME, then restart at its target, boundedly.
    const ZoneSnapshot::RRset& cname = snap.rrsets[node->cname];
    const std::span<const std::byte> target = snap.records_of(cname)[0].rdata;
    const bool added = a.owner_is_question
                           ? w.add(Section::Answer, static_cast<std::uint16_t>(kHeaderSize),
                                   rrtype::kCname, cname.ttl, target)
                           : w.add(Section::Answer, target_, rrtype::kCname, cname.ttl, target);
    if (!added) {
      a.truncated = true;
      return Rcode::NoError;
    }
    if (chain + 1 >= kMaxCnameChain) return Rcode::NoError;  // the resolver carries on
    ByteReader tr(target);
    read_name(tr, target, target_);
    target_key_ = target_;
    to_lower(target_key_);
    key = &target_key_;
    a.owner_is_question = false;
  }
}

bool Authority::add_addresses(Answer& a, std::span<const IpAddress> addresses, std::uint16_t type,
                              std::uint32_t ttl) noexcept {
  for (const auto& address : addresses) {
    const bool added = a.owner_is_question
                           ? a.writer.add(Section::Answer, static_cast<std::uint16_t>(kHeaderSize),
                                          type, ttl, address.bytes())
                           : a.writer.add(Section::Answer, target_, type, ttl, address.bytes());
    if (!added) return false;
  }
  return true;
}

bool Authority::add_data(Answer& a, const ZoneSnapshot::Node& node, std::uint16_t qtype) noexcept {
  const ZoneSnapshot& snap = a.snap;
  std::uint16_t type = qtype;
  if (qtype == rrtype::kAny) {
    // RFC 8482 §4.1: ANY gets one RRset of the name: the addresses of a cluster or member name
    // (A when there are IPv4 ones), else the static RRset of the lowest type; none: NODATA.
    ++counters_.any_minimal;
    if (node.cluster != kNone) {
      const auto& c = snap.clusters[node.cluster];
      const bool v4 = c.policy == ClusterPolicy::Frontend ? !snap.frontend[kFamilyV4].empty()
                                                          : !c.candidates[kFamilyV4].empty();
      type = v4 ? rrtype::kA : rrtype::kAaaa;
    } else if (node.member != kNone) {
      type = snap.members[node.member].addresses[kFamilyV4].empty() ? rrtype::kAaaa : rrtype::kA;
    } else if (node.rrset_count != 0) {
      type = snap.rrsets[node.first_rrset].type;
    } else {
      return true;
    }
  }
  if (type == rrtype::kA || type == rrtype::kAaaa) {
    if (node.cluster != kNone) return add_cluster(a, node.cluster, type);
    if (node.member != kNone) {
      return add_addresses(a, snap.members[node.member].addresses[family_of(type)], type,
                           snap.zones[node.zone].ttl);
    }
  }
  const ZoneSnapshot::RRset* set = snap.rrset(node, type);
  if (set == nullptr) return true;
  for (const auto& record : snap.records_of(*set)) {
    const bool added = a.owner_is_question
                           ? a.writer.add(Section::Answer, static_cast<std::uint16_t>(kHeaderSize),
                                          type, set->ttl, record.rdata)
                           : a.writer.add(Section::Answer, target_, type, set->ttl, record.rdata);
    if (!added) return false;
  }
  return true;
}

bool Authority::add_cluster(Answer& a, std::uint32_t cluster, std::uint16_t type) noexcept {
  const ZoneSnapshot& snap = a.snap;
  const ZoneSnapshot::Cluster& c = snap.clusters[cluster];
  const std::size_t family = family_of(type);
  if (c.policy == ClusterPolicy::Frontend)
    return add_addresses(a, snap.frontend[family], type, c.ttl);
  const auto& candidates = c.candidates[family];
  if (candidates.empty()) return true;  // NODATA
  if (c.fail_open[family]) ++counters_.fail_open;
  auto member_addresses = [&](std::uint32_t m) {
    return std::span<const IpAddress>(snap.members[m].addresses[family]);
  };

  // Who asks: the client subnet when the resolver sent one (RFC 7871 §7.1.3: at most our own
  // prefix length of it; SOURCE 0 means "do not use"), else the resolver's address.
  const ClientSubnet& ecs = query_.edns.subnet;
  IpAddress client = a.context.source;
  unsigned bits = client.is_v4() ? 32 : 128;
  const bool subnet = ecs.present && ecs.source_prefix > 0;
  if (subnet) {
    bits =
        std::min<unsigned>(ecs.source_prefix, ecs.family == kEcsFamilyV4 ? kEcsMaxV4 : kEcsMaxV6);
    client = ecs.address.masked(bits);
  }
  if (c.policy == ClusterPolicy::Sticky) {
    // The answer depends on every bit of the prefix (the member's hash is over it).
    if (subnet) a.ecs_scope = static_cast<std::uint8_t>(bits);
    std::optional<std::size_t> chosen = a.chooser.choose(cluster, client, bits).member;
    if (!chosen || *chosen >= snap.members.size() || !c.is_candidate[family][*chosen])
      chosen = candidates[hash_bytes(client.bytes(), bits) % candidates.size()];
    return add_addresses(a, member_addresses(static_cast<std::uint32_t>(*chosen)), type, c.ttl);
  }

  // By topology: the candidates in the pool of the chooser's member. The answer then holds
  // for the chooser's scope, not just for this client's prefix.
  std::optional<std::uint32_t> pool;
  if (c.topology) {
    const StickyChoice choice = a.chooser.choose(cluster, client, bits);
    if (choice.member && *choice.member < snap.members.size() &&
        c.is_candidate[family][*choice.member])
      pool = snap.members[*choice.member].pool;
    if (subnet) a.ecs_scope = static_cast<std::uint8_t>(std::min(choice.scope_bits, bits));
  }
  auto in_pool = [&](std::uint32_t m) { return !pool || snap.members[m].pool == *pool; };
  const std::size_t n = candidates.size();
  if (c.policy == ClusterPolicy::All) {
    // Every candidate, the list rotated by the query's randomness (round-robin without
    // shared state between threads).
    const std::size_t start = a.context.random % n;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint32_t m = candidates[(start + i) % n];
      if (in_pool(m) && !add_addresses(a, member_addresses(m), type, c.ttl)) return false;
    }
    return true;
  }
  // Weighted: `count` members drawn by weight without replacement; each draw picks a
  // remaining member with probability weight / remaining weight.
  std::array<bool, kMaxMembers> taken{};
  double remaining = 0;
  std::size_t left = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (in_pool(candidates[i])) {
      remaining += snap.members[candidates[i]].weight;
      ++left;
    } else {
      taken[i] = true;
    }
  }
  const std::size_t k = std::min<std::size_t>(c.count, left);
  for (std::size_t draw = 0; draw < k; ++draw) {
    double x =
        unit_interval(mix64(a.context.random + 0x9e3779b97f4a7c15ULL * (draw + 1))) * remaining;
    std::size_t pick = n;
    for (std::size_t i = 0; i < n; ++i) {
      if (taken[i]) continue;
      pick = i;  // rounding can leave x >= 0 after the last one: take the last
      x -= snap.members[candidates[i]].weight;
      if (x < 0) break;
    }
    taken[pick] = true;
    remaining -= snap.members[candidates[pick]].weight;
    if (!add_addresses(a, member_addresses(candidates[pick]), type, c.ttl)) return false;
  }
  return true;
}

bool Authority::add_negative(Answer& a, std::uint32_t zone) noexcept {
  // RFC 2308 §3: the zone's SOA in the authority section, its TTL the negative-caching TTL.
  const ZoneSnapshot::Zone& z = a.snap.zones[zone];
  const ZoneSnapshot::RRset& soa = a.snap.rrsets[z.soa];
  return a.writer.add(Section::Authority, z.apex, rrtype::kSoa, z.negative_ttl,
                      a.snap.records_of(soa)[0].rdata);
}

Verdict Authority::finish(Answer& a, Rcode rcode) noexcept {
  ResponseWriter& w = a.writer;
  if (a.truncated) {
    // RFC 2181 §9: what did not fit is left out whole and TC tells the resolver to use TCP;
    // we keep just the question (and OPT), as partial answers would be cached as complete.
    w.rollback(a.after_question);
    w.set_flags(w.flags() | flag::kTc);
    ++counters_.truncated;
  }
  const std::uint16_t value = rcode_value(rcode);
  w.set_flags(static_cast<std::uint16_t>((w.flags() & ~flag::kRcodeMask) | (value & 0xf)));
  if (a.question && query_.edns.present) {
    // RFC 6891 §7: an OPT only in answer to one. RFC 7871 §7.2.1: ECS echoed with FAMILY,
    // SOURCE PREFIX-LENGTH and ADDRESS as sent and our SCOPE PREFIX-LENGTH.
    std::array<std::byte, kEcsFixedSize + 16> option{};
    std::size_t option_size = 0;
    const ClientSubnet& ecs = query_.edns.subnet;
    if (ecs.present && rcode != Rcode::BadVers) {
      const std::size_t length = 4 + ecs.address_wire.size();
      const std::uint8_t head[8] = {0,
                                    static_cast<std::uint8_t>(kOptionClientSubnet),
                                    static_cast<std::uint8_t>(length >> 8),
                                    static_cast<std::uint8_t>(length),
                                    static_cast<std::uint8_t>(ecs.family >> 8),
                                    static_cast<std::uint8_t>(ecs.family),
                                    ecs.source_prefix,
                                    a.ecs_scope};
      for (std::size_t i = 0; i < 8; ++i) option[i] = static_cast<std::byte>(head[i]);
      std::copy(ecs.address_wire.begin(), ecs.address_wire.end(), option.begin() + 8);
      option_size = 8 + ecs.address_wire.size();
    }
    // The room was reserved before the answer, so this fits. RFC 6891 §6.1.3: the OPT TTL
    // carries the upper 8 bits of the 12-bit RCODE (BADVERS 16 = 1 << 4).
    const bool added =
        w.opt(static_cast<std::uint16_t>(kEdnsUdpSize), static_cast<std::uint8_t>(value >> 4),
              std::span(option).first(option_size));
    assert(added);
    (void)added;
  }
  ++counters_.responses[static_cast<std::size_t>(rcode)];
  return Verdict{true, DropReason::Count, rcode, a.truncated, w.finish(a.question ? 1 : 0)};
}

}  // namespace ikesteer::dns
