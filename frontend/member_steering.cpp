#include "frontend/member_steering.hpp"

#include <algorithm>
#include <stdexcept>

namespace ikesteer::frontend {
namespace {

health::Selector make_selector(const Config& config, unsigned threads) {
  std::vector<health::SelectorMember> members;
  for (const MemberConfig& m : config.members) {
    // Capacity is per process; each loop's selector bounds its own share (rounded up, so a
    // small capacity is never rounded down to "unlimited").
    const std::uint32_t capacity =
        m.capacity == 0 ? 0 : std::max<std::uint32_t>(1, (m.capacity + threads - 1) / threads);
    members.push_back({m.name, m.weight, capacity, is_eligible(m)});
  }
  health::SelectorOptions options;
  options.load_factor = config.steering.load_factor;
  options.window = std::chrono::seconds(config.steering.load_window);
  options.load_floor = (config.steering.load_floor + threads - 1) / threads;
  auto selector = health::Selector::create(std::move(members), options);
  if (!selector)
    throw std::invalid_argument("steering: " + std::string(to_string(selector.error())));
  return std::move(selector).value();
}

// RFC 5685 §4: the identity is an IPv4 or IPv6 address or an FQDN. By default a client is
// sent to the member's address in its own family, else to the member's first address.
redirect::GatewayIdentity target_for(const MemberConfig& m, IpFamily family) {
  if (!m.gateway.empty()) {
    if (auto ip = IpAddress::parse(m.gateway)) return redirect::GatewayIdentity::address(*ip);
    if (auto fqdn = redirect::GatewayIdentity::fqdn(m.gateway)) return *fqdn;
    throw std::invalid_argument("member " + m.name + ": bad gateway " + m.gateway);
  }
  auto same = std::find_if(m.addresses.begin(), m.addresses.end(),
                           [&](const IpAddress& a) { return a.family() == family; });
  return redirect::GatewayIdentity::address(same != m.addresses.end() ? *same
                                                                      : m.addresses.front());
}

}  // namespace

bool is_eligible(const MemberConfig& member) noexcept {
  return member.state == OperatorState::Active;
}

MemberSteering::MemberSteering(std::shared_ptr<const Config> config, unsigned threads,
                               const MemberSteering* previous)
    : config_(std::move(config)), selector_(make_selector(*config_, std::max(1u, threads))) {
  for (const MemberConfig& m : config_->members)
    targets_.push_back({target_for(m, IpFamily::V4), target_for(m, IpFamily::V6)});
  if (previous) selector_.carry_load_from(previous->selector_);
}

std::optional<redirect::GatewayIdentity> MemberSteering::select(
    const IpAddress& client, const std::optional<IpAddress>& avoid, TimePoint now) noexcept {
  std::optional<std::size_t> avoid_member;
  if (avoid) {
    const auto& members = config_->members;
    for (std::size_t i = 0; i < members.size() && !avoid_member; ++i)
      if (std::find(members[i].addresses.begin(), members[i].addresses.end(), *avoid) !=
          members[i].addresses.end())
        avoid_member = i;
  }
  const unsigned prefix =
      client.is_v4() ? config_->steering.ipv4_prefix : config_->steering.ipv6_prefix;
  const IpAddress key = client.masked(prefix);
  const health::Pick pick = selector_.pick(key.bytes(), avoid_member, now);
  if (!pick.member) {
    last_.reset();
    return std::nullopt;
  }
  last_ = Decision{*pick.member, pick.reason};
  return identity(*pick.member, client.family());
}

const redirect::GatewayIdentity& MemberSteering::identity(std::size_t member,
                                                          IpFamily client) const noexcept {
  return client == IpFamily::V4 ? targets_[member].for_v4 : targets_[member].for_v6;
}

std::string describe(const redirect::GatewayIdentity& identity) {
  const auto v = identity.value();
  switch (identity.type()) {
    case redirect::GatewayIdType::Ipv4:
      return IpAddress::v4(v.first<4>()).to_string();
    case redirect::GatewayIdType::Ipv6:
      return IpAddress::v6(v.first<16>()).to_string();
    case redirect::GatewayIdType::Fqdn:
      return std::string(reinterpret_cast<const char*>(v.data()), v.size());
  }
  return "?";
}

}  // namespace ikesteer::frontend
