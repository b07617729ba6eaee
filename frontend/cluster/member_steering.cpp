#include "frontend/cluster/member_steering.hpp"

#include <algorithm>
#include <stdexcept>

namespace ikesteer::frontend {
namespace {

health::Selector make_selector(const Config& config, const ClusterState& cluster,
                               unsigned threads) {
  std::vector<health::SelectorMember> members;
  for (std::size_t i = 0; i < config.members.size(); ++i) {
    const MemberConfig& m = config.members[i];
    const MemberStatus& status = cluster.members[i];
    // Capacity is per process; each loop's selector bounds its own share (rounded up, so a
    // small capacity is never rounded down to "unlimited"). The agent's word beats config.
    const std::uint32_t total = status.capacity.value_or(m.capacity);
    const std::uint32_t capacity =
        total == 0 ? 0 : std::max<std::uint32_t>(1, (total + threads - 1) / threads);
    members.push_back({m.name, m.weight, capacity, steerable(status), status.load});
  }
  health::SelectorOptions options;
  options.load_factor = config.steering.load_factor;
  options.window = std::chrono::seconds(config.steering.load_window);
  options.load_floor = (config.steering.load_floor + threads - 1) / threads;
  options.load_margin = config.steering.load_margin;
  auto selector = health::Selector::create(std::move(members), options);
  if (!selector)
    throw std::invalid_argument("steering: " + std::string(to_string(selector.error())));
  return std::move(selector).value();
}

// RFC 5685 §4: the identity is an IPv4 or IPv6 address or an FQDN. By default a client is
// sent to the member's address in its own family, else to the member's first address; a member
// known by host name whose name has not resolved yet is named by that host name.
redirect::GatewayIdentity target_for(const MemberConfig& m, const MemberStatus& status,
                                     IpFamily family) {
  const std::string& gateway = m.gateway.empty() && status.addresses.empty() ? m.host : m.gateway;
  if (!gateway.empty()) {
    if (auto ip = IpAddress::parse(gateway)) return redirect::GatewayIdentity::address(*ip);
    if (auto fqdn = redirect::GatewayIdentity::fqdn(gateway)) return *fqdn;
    throw std::invalid_argument("member " + m.name + ": bad gateway " + gateway);
  }
  const auto& addresses = status.addresses;
  auto same = std::find_if(addresses.begin(), addresses.end(),
                           [&](const IpAddress& a) { return a.family() == family; });
  return redirect::GatewayIdentity::address(same != addresses.end() ? *same : addresses.front());
}

}  // namespace

MemberSteering::MemberSteering(std::shared_ptr<const Config> config,
                               std::shared_ptr<const ClusterState> cluster, unsigned threads,
                               const MemberSteering* previous)
    : config_(std::move(config)),
      cluster_(std::move(cluster)),
      selector_(make_selector(*config_, *cluster_, std::max(1u, threads))) {
  for (std::size_t i = 0; i < config_->members.size(); ++i) {
    const MemberConfig& m = config_->members[i];
    const MemberStatus& status = cluster_->members[i];
    targets_.push_back({target_for(m, status, IpFamily::V4), target_for(m, status, IpFamily::V6)});
  }
  if (previous) selector_.carry_load_from(previous->selector_);
}

std::optional<redirect::GatewayIdentity> MemberSteering::select(
    const IpAddress& client, const std::optional<IpAddress>& avoid, TimePoint now) noexcept {
  std::optional<std::size_t> avoid_member;
  if (avoid) {
    const auto& members = cluster_->members;
    for (std::size_t i = 0; i < members.size() && !avoid_member; ++i)
      if (std::find(members[i].addresses.begin(), members[i].addresses.end(), *avoid) !=
          members[i].addresses.end())
        avoid_member = i;
  }
  const IpAddress steering_key = key(client);
  const health::Pick pick = selector_.pick(steering_key.bytes(), avoid_member, now);
  if (!pick.member) {
    last_.reset();
    return std::nullopt;
  }
  last_ = Decision{*pick.member, pick.reason};
  return identity(*pick.member, client.family());
}

IpAddress MemberSteering::key(const IpAddress& client) const noexcept {
  return client.masked(client.is_v4() ? config_->steering.ipv4_prefix
                                      : config_->steering.ipv6_prefix);
}

std::vector<std::size_t> MemberSteering::rank(const IpAddress& client) const {
  return selector_.rank(key(client).bytes());
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
