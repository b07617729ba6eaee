// The embedded configuration of `ikesteer --demo`: loopback only, three members with
// documentation addresses, one of them an FQDN identity, debug logs so every decision shows,
// DNS for vpn.example on port 10053 (53 is often taken by a local resolver), and the operator
// side (dashboard, API, metrics) on http://127.0.0.1:8080/ with a demo token.
#pragma once

#include <string_view>

namespace ikesteer::frontend {

inline constexpr std::string_view kDemoConfigName = "(embedded demo)";

inline constexpr std::string_view kDemoConfig = R"toml(
[ike]
listen = ["127.0.0.1", "::1"]
ports = [500, 4500]
threads = 1

[log]
level = "debug"

[http]
listen = ["127.0.0.1:8080"]
token = "demo-token"

[sessions]
new_ike_sas_per_second = 20

[dns]
listen = ["127.0.0.1", "::1"]
port = 10053

[[dns.zone]]
origin = "vpn.example."
ns = ["ns1.vpn.example."]
records = ["ns1 A 127.0.0.1", "www CNAME gw"]
[dns.zone.soa]
mname = "ns1.vpn.example."
rname = "hostmaster.vpn.example."

[[dns.cluster]]
name = "gw.vpn.example."
policy = "all"

[[dns.cluster]]
name = "sticky.vpn.example."
policy = "sticky"

[[dns.cluster]]
name = "vpn.vpn.example."
policy = "frontend"

[[member]]
name = "m1"
addresses = ["198.51.100.11", "2001:db8::11"]

[[member]]
name = "m2"
addresses = ["198.51.100.12", "2001:db8::12"]
weight = 2.0

[[member]]
name = "m3"
addresses = ["198.51.100.13"]
gateway = "m3.vpn.example"
)toml";

}  // namespace ikesteer::frontend
