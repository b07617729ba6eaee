// The authoritative answer engine: one query in, a verdict out (response bytes or a counted
// drop). No I/O, no clock reads, no allocation; one Authority per server thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/ip_address.hpp"
#include "dns/query.hpp"
#include "dns/response_writer.hpp"
#include "dns/zone_data.hpp"
#include "dns/zone_snapshot.hpp"

namespace ikesteer::dns {

// The member a chooser picks for a client, and how far its pool holds: the length of the
// widest prefix around the client that the topology sends to the same pools (0 without a
// topology or when it holds for every address).
struct StickyChoice {
  std::optional<std::size_t> member;
  unsigned scope_bits = 0;
};

// dns/ cannot see health/: for ClusterPolicy::Sticky and topology answers the authority asks
// this (frontend implements it with the same topology and consistent hashing as IKE
// redirects).
class StickyChooser {
 public:
  virtual ~StickyChooser() = default;
  // `cluster` is the index of the cluster name (in the order given to build_snapshot);
  // `client_or_subnet` is the resolver's address (prefix_bits 32/128) or the EDNS Client
  // Subnet prefix, already masked (prefix_bits <= 24 for IPv4, <= 56 for IPv6). `member` is an
  // index into the members passed to build_snapshot; nullopt, an index out of range or a
  // member that may not be answered (ineligible outside fail-open, or without an address of
  // the queried family) makes the authority fall back to a hash of the same prefix over the
  // candidates (Sticky) or to every candidate (topology).
  virtual StickyChoice choose(std::uint32_t cluster, const IpAddress& client_or_subnet,
                              unsigned prefix_bits) noexcept = 0;
};

struct QueryContext {
  IpAddress source;          // the resolver's address
  bool tcp = false;          // size limit 65535 instead of the EDNS/512 UDP limit
  std::uint64_t random = 0;  // per-query randomness for rotation and weighted choice
};

// Queries we do not answer at all.
#define IKESTEER_DNS_DROP_REASONS(X)                                            \
  X(TooShort, "too_short")     /* shorter than a DNS header: no ID to answer */ \
  X(IsResponse, "is_response") /* QR set: never answer a response (loops) */

// Response codes we send (RFC 1035 §4.1.1, RFC 6891 §9 for BADVERS), with their values.
#define IKESTEER_DNS_RCODES(X) \
  X(NoError, 0, "noerror")     \
  X(FormErr, 1, "formerr")     \
  X(NXDomain, 3, "nxdomain")   \
  X(NotImp, 4, "notimp")       \
  X(Refused, 5, "refused")     \
  X(BadVers, 16, "badvers")

#define IKESTEER_DNS_ENUM_ENTRY(name, ...) name,
enum class DropReason : std::uint8_t { IKESTEER_DNS_DROP_REASONS(IKESTEER_DNS_ENUM_ENTRY) Count };
enum class Rcode : std::uint8_t { IKESTEER_DNS_RCODES(IKESTEER_DNS_ENUM_ENTRY) Count };
#undef IKESTEER_DNS_ENUM_ENTRY

std::string_view to_string(DropReason r) noexcept;
std::string_view to_string(Rcode r) noexcept;
// The wire value (0..4095) of a response code.
std::uint16_t rcode_value(Rcode r) noexcept;

struct AuthorityCounters {
  std::uint64_t received = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(DropReason::Count)> drops{};
  std::array<std::uint64_t, static_cast<std::size_t>(Rcode::Count)> responses{};
  std::uint64_t nodata = 0;       // NOERROR without an answer (counted in responses too)
  std::uint64_t truncated = 0;    // TC set because the answer did not fit
  std::uint64_t fail_open = 0;    // cluster answers given from all members (too few eligible)
  std::uint64_t any_minimal = 0;  // ANY answered with one RRset (RFC 8482)
  std::uint64_t ecs = 0;          // queries with a valid EDNS Client Subnet option
};

struct Verdict {
  bool reply = false;
  DropReason drop = DropReason::Count;  // valid when !reply
  Rcode rcode = Rcode::Count;           // valid when reply
  bool truncated = false;               // TC set
  std::span<const std::byte> bytes;     // the DNS message, a view into the caller's `out`
};

// Our EDNS UDP payload size (DNS flag day 2020) and the floors/ceilings around it.
inline constexpr std::size_t kEdnsUdpSize = 1232;
inline constexpr std::size_t kClassicUdpSize = 512;  // RFC 1035 §4.2.1, RFC 6891 §6.2.5
inline constexpr std::size_t kMaxTcpSize = 65535;    // RFC 1035 §4.2.2 length prefix

class Authority {
 public:
  // Answers one query. The response (without the TCP length prefix) is written into `out`,
  // which should hold kEdnsUdpSize bytes for UDP and kMaxTcpSize for TCP (a smaller `out`
  // lowers the limit; at least kClassicUdpSize is required). Every call increments `received` and
  // exactly one drop or response counter. The snapshot and chooser are only used during the call.
  Verdict answer(std::span<const std::byte> query, const QueryContext& context,
                 const ZoneSnapshot& snapshot, StickyChooser& chooser,
                 std::span<std::byte> out) noexcept;

  const AuthorityCounters& counters() const noexcept { return counters_; }

 private:
  struct Answer;  // the state of one answer() call
  Verdict drop(DropReason reason) noexcept;
  Verdict finish(Answer& a, Rcode rcode) noexcept;
  Rcode resolve(Answer& a) noexcept;
  // Adds the RRset(s) answering the query at `node`; false when they do not fit.
  bool add_data(Answer& a, const ZoneSnapshot::Node& node, std::uint16_t qtype) noexcept;
  bool add_cluster(Answer& a, std::uint32_t cluster, std::uint16_t type) noexcept;
  bool add_addresses(Answer& a, std::span<const IpAddress> addresses, std::uint16_t type,
                     std::uint32_t ttl) noexcept;
  bool add_negative(Answer& a, std::uint32_t zone) noexcept;

  AuthorityCounters counters_;
  Query query_;          // the query being answered; reused to spare a copy per packet
  WireName target_;      // the CNAME target being followed (as configured) ...
  WireName target_key_;  // ... and its lookup key
};

}  // namespace ikesteer::dns
