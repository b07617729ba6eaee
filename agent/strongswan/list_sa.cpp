#include "agent/strongswan/list_sa.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "common/result.hpp"

namespace ikesteer::agent::strongswan {
namespace {

std::optional<std::uint64_t> decimal(std::string_view text) noexcept {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::size_t count_sections(const vici::Section* section) {
  std::size_t n = 0;
  if (section == nullptr) return n;
  for (const vici::Element& e : section->elements)
    if (e.kind == vici::Element::Kind::Section) ++n;
  return n;
}

// One IKE SA's section: a Session, nullopt when it is not one to move, or what is wrong with it.
Result<std::optional<Session>, std::string> read_ike_sa(const std::string& name,
                                                        const vici::Section& sa) {
  const auto state = sa.value("state");
  const auto version = sa.value("version");
  if (!state || !version) return fail(std::string("no state or version"));
  if (*state != "ESTABLISHED" || *version != "2") return std::optional<Session>();

  const auto id = sa.value("uniqueid");
  if (!id || !is_ike_sa_id(*id)) return fail(std::string("no valid uniqueid"));
  const auto host = sa.value("remote-host");
  const auto address = host ? IpAddress::parse(*host) : std::nullopt;
  if (!address) return fail(std::string("no valid remote-host"));
  // Optional: the session is listed without it, but cannot then be told apart by address.
  const auto local = sa.value("local-host");
  const auto local_address = local ? IpAddress::parse(*local) : std::nullopt;
  const auto peer_id = sa.value("remote-id");
  if (!peer_id) return fail(std::string("no remote-id"));
  const auto established = sa.value("established");
  const auto seconds = established ? decimal(*established) : std::nullopt;
  if (!seconds) return fail(std::string("no valid established time"));
  // charon matches a redirect's peer-id against the EAP identity when there is one.
  const auto eap_id = sa.value("remote-eap-id");
  const auto xauth_id = sa.value("remote-xauth-id");

  return std::optional<Session>(Session{
      .id = std::string(*id),
      .name = name,
      .peer_address = *address,
      .local_address = local_address,
      .peer_id = std::string(*peer_id),
      .peer_eap_id = std::string(eap_id ? *eap_id : xauth_id.value_or("")),
      .established_seconds = *seconds,
      .child_sas = count_sections(sa.section("child-sas")),
  });
}

}  // namespace

bool is_ike_sa_id(std::string_view text) noexcept {
  const auto value = decimal(text);
  return value && *value >= 1 && *value <= INT32_MAX && text.front() != '0';
}

void read_list_sa_event(const vici::Section& event, SessionList& into) {
  for (const vici::Element& e : event.elements) {
    if (e.kind != vici::Element::Kind::Section) continue;
    auto read = read_ike_sa(e.name, e.section);
    if (!read)
      into.malformed.push_back("IKE SA '" + e.name + "': " + read.error());
    else if (*read)
      into.sessions.push_back(std::move(**read));
    else
      ++into.skipped;
  }
}

}  // namespace ikesteer::agent::strongswan
