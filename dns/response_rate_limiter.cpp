#include "dns/response_rate_limiter.hpp"

#include "dns/name.hpp"
#include "dns/wire.hpp"

namespace ikesteer::dns {
namespace {

PrefixRateLimiterOptions bucket_options(const ResponseRateLimiter::Options& o) {
  return PrefixRateLimiterOptions{
      .rate = o.responses_per_second,
      .burst = o.burst != 0 ? o.burst : o.responses_per_second,
      .v4_prefix = o.ipv4_prefix,
      .v6_prefix = o.ipv6_prefix,
      .buckets = o.buckets,
      .seed = o.seed,
  };
}

}  // namespace

ResponseRateLimiter::ResponseRateLimiter(const Options& options)
    : options_(options), buckets_(bucket_options(options)) {}

void ResponseRateLimiter::reconfigure(const Options& options) noexcept {
  options_ = options;
  buckets_.reconfigure(bucket_options(options));
  limited_ = 0;
}

ResponseRateLimiter::Action ResponseRateLimiter::check(const IpAddress& source,
                                                       TimePoint now) noexcept {
  if (options_.responses_per_second == 0 || buckets_.allow(source, now)) {
    ++counters_.sent;
    return Action::Send;
  }
  // Over budget. Slipping every n-th keeps a legitimate resolver behind a busy prefix able to
  // get its answer over TCP, while a spoofed victim gets at most 1/n small stubs.
  ++limited_;
  if (options_.slip != 0 && limited_ % options_.slip == 0) {
    ++counters_.slipped;
    return Action::Slip;
  }
  ++counters_.dropped;
  return Action::Drop;
}

std::span<const std::byte> slip_response(std::span<std::byte> response) noexcept {
  ByteReader r(response);
  Header h = read_header(r);
  if (!r.ok() || h.qdcount != 1) return {};
  WireName qname;
  read_name(r, response, qname);
  r.skip(4);  // QTYPE, QCLASS
  if (!r.ok()) return {};
  // RFC 1035 §4.1.1: TC set; ANCOUNT, NSCOUNT, ARCOUNT zero.
  h.flags |= flag::kTc;
  response[2] = static_cast<std::byte>(h.flags >> 8);
  response[3] = static_cast<std::byte>(h.flags);
  for (std::size_t i = 6; i < kHeaderSize; ++i) response[i] = std::byte{0};
  return response.first(r.offset());
}

}  // namespace ikesteer::dns
