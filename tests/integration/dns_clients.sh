#!/usr/bin/env bash
# shellcheck disable=SC2034  # DNS_* settings are read by dns_lib.sh
# ikesteer as the authoritative server of vpn.example., checked with the two DNS clients
# operators use, dig (BIND 9.18) and kdig (Knot 3.2), reading what they print: status line,
# flags, sections, EDNS pseudo-section, transport.
#
# ikesteer runs on the host's loopback (127.0.0.1 and ::1, a free high port for DNS and one for
# IKE) with three members: m1, m2 active, m3 drained. Names:
#   gw.vpn.example.      cluster, policy "all"       -> m1, m2 (A and AAAA), TTL 30
#   one.vpn.example.     cluster, "weighted" count 1 -> one of m1, m2
#   sticky.vpn.example.  cluster, "sticky"           -> depends on the client (ECS) subnet
#   front.vpn.example.   cluster, "frontend"         -> ikesteer's IKE addresses (127.0.0.1, ::1)
#   m1..m3.vpn.example.  member names                -> that member's addresses (m3's too:
#                                                       a drained member keeps its name)
#   ns1 A, www CNAME gw, info TXT                    static records
# For each of dig and kdig: UDP and TCP over IPv4 and IPv6 (dig also three queries on one
# TCP connection), +edns (version 0 echoed; version 1 gets BADVERS) and +noedns (no OPT back),
# +norec, ECS (+subnet) echoed with a non-zero scope for the sticky name (same subnet, same
# answer) and scope 0 for the "all" name, ANY (one RRset or an RFC 8482 HINFO), out-of-zone
# names (REFUSED, no AA), NODATA and NXDOMAIN (SOA in authority, negative TTL = SOA minimum 60),
# query-name case kept in the question (dig only: kdig lowercases what it sends), CNAME followed
# inside the zone, static records and TTLs, AA on every answer and RA never, member names, the
# frontend name; and over 48 cluster answers for 8 client subnets the drained member never
# appears. At the end ikesteer must stop on SIGTERM with status 0 (lib.sh it_ikesteer_finish).
#
# Usage (as root): dns_clients.sh --ikesteer PATH
#        dns_clients.sh --peer knot|gdnsd   (validates this script against a static server
#                                           serving the same names; ikesteer-only checks skip)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=dns_lib.sh
source "$HERE/dns_lib.sh"

DNS_STATE=([m3]=drain)
DNS_CLUSTERS='
[[dns.cluster]]
name = "one.vpn.example."
policy = "weighted"
count = 1
ttl = 30
ttl_transition = 5
fail_open_min = 1

[[dns.cluster]]
name = "sticky.vpn.example."
policy = "sticky"
count = 1
ttl = 30
ttl_transition = 5
fail_open_min = 1

[[dns.cluster]]
name = "front.vpn.example."
policy = "frontend"
ttl = 30
ttl_transition = 5
fail_open_min = 1'
# IKE listens on both loopback addresses: the "frontend" name answers them.
IKE_LISTEN=(127.0.0.1 ::1)
# What a static server serves instead (one address each; no "front").
DNS_STATIC_CLUSTERS="one:1 sticky:1"

SOA_RDATA="ns1.vpn.example. hostmaster.vpn.example. 1 3600 600 86400 60"
ELIGIBLE_V4=""
ELIGIBLE_V6=""
DRAINED_V4=${DNS_V4[m3]}
DRAINED_V6=${DNS_V6[m3]}

# check_ttls <section> <type> <ttl>: every record of that type carries that TTL.
check_ttls() {
  local bad
  bad=$(dns_section "$1" | awk -v t="$2" -v ttl="$3" '$4 == t && $2 != ttl')
  [[ -z "$bad" ]] || dns_fail "$1 $2 records with a TTL other than $3: $bad"
}

# check_negative <name> <status>: NXDOMAIN or NODATA as a user reads it: that status, AA, empty
# answer, the zone's SOA in the authority section with TTL min(SOA TTL, minimum) = 60.
check_negative() {
  dns_expect "$2" qr aa '!ra'
  (($(dns_count ANSWER) == 0)) || dns_fail "$1: answer section not empty"
  dns_expect_rdata AUTHORITY SOA "$SOA_RDATA" vpn.example.
  check_ttls AUTHORITY SOA 60
}

# no_drained_member: the current output carries m3's addresses nowhere in its records.
no_drained_member() {
  local recs
  recs=$(dns_section ANSWER; dns_section ADDITIONAL)
  ! grep -Eq "(^| )($(it_re_escape "$DRAINED_V4")|$(it_re_escape "$DRAINED_V6"))\$" <<<"$recs" ||
    dns_fail "drained member m3 in the answer"
}

# subset_of_eligible <type>: the A/AAAA answer is not empty and only holds eligible members.
subset_of_eligible() {
  local got want a
  got=$(dns_rdata ANSWER "$1")
  [[ -n "$got" ]] || dns_fail "no $1 record in the answer"
  if [[ "$1" == A ]]; then want=$ELIGIBLE_V4; else want=$ELIGIBLE_V6; fi
  for a in $got; do
    grep -qxF "$a" <<<"$want" || dns_fail "$a is not an eligible member's address"
  done
}

# checks <tool>: every check with one client. S: the server options for that client.
checks() {
  local tool=$1 p=$DNS_PORT
  local -a S4=(@127.0.0.1 -p "$p") S6=(@::1 -p "$p")

  # A over UDP (IPv4): both active members, TTL 30, authoritative, no recursion offered.
  dns_q "$tool" "${S4[@]}" gw.vpn.example. A
  dns_expect NOERROR qr aa rd '!ra'
  [[ $(dns_transport) == UDP ]] || dns_fail "not over UDP"
  dns_expect_rdata ANSWER A "$ELIGIBLE_V4" gw.vpn.example.
  check_ttls ANSWER A 30
  it_log "$tool: gw A over UDP -> $(dns_rdata ANSWER A | tr '\n' ' ')"

  # AAAA over UDP (IPv6 transport).
  dns_q "$tool" "${S6[@]}" gw.vpn.example. AAAA
  dns_expect NOERROR qr aa
  dns_expect_rdata ANSWER AAAA "$ELIGIBLE_V6" gw.vpn.example.
  check_ttls ANSWER AAAA 30

  # TCP, both families.
  dns_q "$tool" "${S4[@]}" +tcp gw.vpn.example. A
  dns_expect NOERROR qr aa
  [[ $(dns_transport) == TCP ]] || dns_fail "+tcp: not over TCP"
  dns_expect_rdata ANSWER A "$ELIGIBLE_V4" gw.vpn.example.
  dns_q "$tool" "${S6[@]}" +tcp m2.vpn.example. AAAA
  dns_expect NOERROR qr aa
  [[ $(dns_transport) == TCP ]] || dns_fail "+tcp: not over TCP"
  dns_expect_rdata ANSWER AAAA "${DNS_V6[m2]}"
  # Several queries on one TCP connection (dig +keepopen reuses its socket), in order.
  if [[ "$tool" == dig ]]; then
    dns_q dig "${S4[@]}" +tcp +keepopen gw.vpn.example. A m1.vpn.example. A nosuch.vpn.example. A
    local statuses
    statuses=$(sed -nE 's/^;; ->>HEADER<<- .*status: ([A-Z]+),.*/\1/p' <<<"$DNS_OUT" | paste -sd' ' -)
    [[ "$statuses" == "NOERROR NOERROR NXDOMAIN" ]] ||
      dns_fail "three queries on one TCP connection: statuses '$statuses', expected NOERROR NOERROR NXDOMAIN"
  fi
  it_log "$tool: TCP over 127.0.0.1 and ::1 ok"

  # EDNS: an OPT in the query gets one back (version 0); none without.
  dns_q "$tool" "${S4[@]}" +edns=0 gw.vpn.example. A
  dns_expect NOERROR aa
  dns_has_opt || dns_fail "+edns: no OPT pseudo-section in the response"
  grep -Eqi '^;+ (EDNS: )?version: 0' <<<"$DNS_OUT" || dns_fail "+edns: not EDNS version 0"
  dns_q "$tool" "${S4[@]}" +noedns gw.vpn.example. A
  dns_expect NOERROR aa
  ! dns_has_opt || dns_fail "+noedns: the response carries an OPT record"
  dns_expect_rdata ANSWER A "$ELIGIBLE_V4"
  # An unknown EDNS version gets BADVERS (RFC 6891 6.1.3).
  if [[ "$tool" == dig ]]; then
    dns_q "$tool" "${S4[@]}" +edns=1 +noednsnegotiation gw.vpn.example. A
  else
    dns_q "$tool" "${S4[@]}" +edns=1 gw.vpn.example. A
  fi
  [[ $(dns_status) == BADVERS ]] || dns_fail "+edns=1: status $(dns_status), expected BADVERS"

  # +norec: RD is not set and not echoed; the answer is the same authoritative one.
  dns_q "$tool" "${S4[@]}" +norec gw.vpn.example. A
  dns_expect NOERROR qr aa '!rd' '!ra'
  dns_expect_rdata ANSWER A "$ELIGIBLE_V4"

  # ECS: the sticky name's answer depends on the client subnet, so the option comes back with
  # the same address and source prefix and a non-zero scope; the "all" name does not depend
  # on it: scope 0.
  local ecs
  dns_q "$tool" "${S4[@]}" +subnet=203.0.113.0/24 sticky.vpn.example. A
  dns_expect NOERROR qr aa
  subset_of_eligible A
  ecs=$(dns_ecs)
  if dns_ikesteer_only "ECS echoed with a non-zero scope for a sticky name"; then
    [[ "$ecs" =~ ^203\.0\.113\.0/24/([0-9]+)$ ]] || dns_fail "ECS not echoed as 203.0.113.0/24/<scope>: '$ecs'"
    ((BASH_REMATCH[1] > 0 && BASH_REMATCH[1] <= 32)) || dns_fail "sticky name: ECS scope ${BASH_REMATCH[1]}, expected 1..32"
    it_log "$tool: sticky +subnet=203.0.113.0/24 -> $(dns_rdata ANSWER A | tr '\n' ' ')(ECS $ecs)"
  fi
  local first
  first=$(dns_rdata ANSWER A)
  local _
  for _ in 1 2 3; do
    dns_q "$tool" "${S4[@]}" +subnet=203.0.113.0/24 sticky.vpn.example. A
    [[ "$(dns_rdata ANSWER A)" == "$first" ]] ||
      dns_fail "sticky name: same subnet, different answer ($(dns_rdata ANSWER A | tr '\n' ' ') vs $first)"
  done
  dns_q "$tool" "${S4[@]}" +subnet=203.0.113.0/24 gw.vpn.example. A
  dns_expect_rdata ANSWER A "$ELIGIBLE_V4"
  # (gdnsd does this for static data too; Knot 3.2 without its geoip module ignores ECS.)
  if [[ "$DNS_PEER" == gdnsd ]] || dns_ikesteer_only "ECS echoed with scope 0 for a policy 'all' name"; then
    [[ "$(dns_ecs)" == 203.0.113.0/24/0 ]] || dns_fail "policy all: ECS '$(dns_ecs)', expected 203.0.113.0/24/0"
  fi

  # ANY: a minimal answer (RFC 8482): one RRset of the name, or one synthesized HINFO.
  dns_q "$tool" "${S4[@]}" gw.vpn.example. ANY
  dns_expect NOERROR qr aa
  local sets
  sets=$(dns_section ANSWER | awk '{ print tolower($1), $4 }' | sort -u)
  [[ $(grep -c . <<<"$sets") == 1 ]] || dns_fail "ANY: more than one RRset in the answer: $(tr '\n' ';' <<<"$sets")"
  case "$sets" in
    "gw.vpn.example. A") dns_expect_rdata ANSWER A "$ELIGIBLE_V4" ;;
    "gw.vpn.example. AAAA") dns_expect_rdata ANSWER AAAA "$ELIGIBLE_V6" ;;
    "gw.vpn.example. HINFO")
      [[ $(dns_count ANSWER) == 1 ]] || dns_fail "ANY: more than one HINFO"
      dns_rdata ANSWER HINFO | grep -q '^"RFC8482"' || dns_fail "ANY: HINFO is not RFC8482"
      ;;
    *) dns_fail "ANY: unexpected answer RRset '$sets'" ;;
  esac
  it_log "$tool: ANY -> $sets ($(dns_count ANSWER) records)"

  # A name outside the zone: REFUSED, not authoritative, nothing in the answer.
  dns_q "$tool" "${S4[@]}" www.example.com. A
  dns_expect REFUSED qr '!aa'
  (($(dns_count ANSWER) == 0)) || dns_fail "REFUSED with records in the answer"
  dns_q "$tool" "${S4[@]}" example. SOA
  dns_expect REFUSED '!aa'

  # NODATA (existing names, missing types) and NXDOMAIN (missing names, also below a cluster
  # name): SOA in authority.
  dns_q "$tool" "${S4[@]}" gw.vpn.example. MX
  check_negative gw.vpn.example NOERROR
  dns_q "$tool" "${S4[@]}" ns1.vpn.example. AAAA
  check_negative ns1.vpn.example NOERROR
  dns_q "$tool" "${S4[@]}" nosuch.vpn.example. A
  check_negative nosuch.vpn.example NXDOMAIN
  dns_q "$tool" "${S4[@]}" x.gw.vpn.example. AAAA
  check_negative x.gw.vpn.example NXDOMAIN

  # The query name's case comes back as sent (DNS 0x20 resolvers reject anything else).
  # kdig lowercases every name before sending it, so only dig can show this.
  if [[ "$tool" == dig ]]; then
    dns_q "$tool" "${S4[@]}" GW.Vpn.eXample. A
    dns_expect NOERROR aa
    [[ "$(dns_qname)" == GW.Vpn.eXample. ]] || dns_fail "question section shows '$(dns_qname)', sent GW.Vpn.eXample."
    dns_expect_rdata ANSWER A "$ELIGIBLE_V4" gw.vpn.example.
    dns_q "$tool" "${S4[@]}" NoSuch.VPN.example. A
    [[ "$(dns_qname)" == NoSuch.VPN.example. ]] || dns_fail "question section shows '$(dns_qname)', sent NoSuch.VPN.example."
    check_negative NoSuch.VPN.example NXDOMAIN
  fi

  # CNAME in the zone is followed: the alias and the target's addresses in one answer.
  dns_q "$tool" "${S4[@]}" www.vpn.example. A
  dns_expect NOERROR qr aa
  dns_expect_rdata ANSWER CNAME gw.vpn.example. www.vpn.example.
  dns_expect_rdata ANSWER A "$ELIGIBLE_V4" gw.vpn.example.
  dns_q "$tool" "${S4[@]}" www.vpn.example. CNAME
  dns_expect NOERROR aa
  dns_expect_rdata ANSWER CNAME gw.vpn.example. www.vpn.example.

  # Static records, apex SOA and NS.
  dns_q "$tool" "${S4[@]}" ns1.vpn.example. A
  dns_expect NOERROR aa
  dns_expect_rdata ANSWER A 203.0.113.53
  check_ttls ANSWER A 300
  dns_q "$tool" "${S4[@]}" info.vpn.example. TXT
  dns_expect NOERROR aa
  dns_expect_rdata ANSWER TXT '"ikesteer test zone"'
  dns_q "$tool" "${S4[@]}" vpn.example. SOA
  dns_expect NOERROR aa
  dns_expect_rdata ANSWER SOA "$SOA_RDATA"
  dns_q "$tool" "${S4[@]}" vpn.example. NS
  dns_expect NOERROR aa
  dns_expect_rdata ANSWER NS ns1.vpn.example.

  # Member names: each member's own addresses, with the zone's TTL; other types NODATA. The
  # drained m3 keeps its name (operators reach it by name); it only leaves cluster answers.
  local m
  for m in "${DNS_MEMBERS[@]}"; do
    dns_q "$tool" "${S4[@]}" "$m.vpn.example." A
    dns_expect NOERROR aa
    dns_expect_rdata ANSWER A "${DNS_V4[$m]}"
    check_ttls ANSWER A 300
    dns_q "$tool" "${S4[@]}" "$m.vpn.example." AAAA
    dns_expect NOERROR aa
    dns_expect_rdata ANSWER AAAA "${DNS_V6[$m]}"
    dns_q "$tool" "${S4[@]}" "$m.vpn.example." TXT
    check_negative "$m.vpn.example" NOERROR
  done

  # Weighted, count 1: exactly one eligible address.
  dns_q "$tool" "${S4[@]}" one.vpn.example. A
  dns_expect NOERROR aa
  subset_of_eligible A
  [[ $(dns_count ANSWER) == 1 ]] || dns_fail "weighted count 1: $(dns_count ANSWER) records"

  # The "frontend" name: the addresses ikesteer's IKE side listens on, per family.
  if dns_ikesteer_only "policy frontend answers the [ike] listen addresses"; then
    dns_q "$tool" "${S4[@]}" front.vpn.example. A
    dns_expect NOERROR aa
    dns_expect_rdata ANSWER A 127.0.0.1
    check_ttls ANSWER A 30
    dns_q "$tool" "${S4[@]}" front.vpn.example. AAAA
    dns_expect NOERROR aa
    dns_expect_rdata ANSWER AAAA ::1
  fi

  # The drained member, over many queries and client subnets, never in a cluster answer.
  local n=0 name type net
  for net in 192.0.2 198.51.100 203.0.113 10.1.2 10.9.8 172.16.5 100.64.1 192.168.7; do
    for name in gw one sticky; do
      for type in A AAAA; do
        dns_q "$tool" "${S4[@]}" +subnet="$net.0/24" "$name.vpn.example." "$type"
        dns_expect NOERROR aa
        subset_of_eligible "$type"
        no_drained_member
        n=$((n + 1))
      done
    done
  done
  it_log "$tool: $n cluster answers over 8 client subnets, m3 (drained) in none"
}

main() {
  dns_init dns_clients "$@"
  DNS_PORT=$(dns_free_port)
  IKE_PORT=$(dns_free_port)
  ELIGIBLE_V4=$(for m in $(dns_eligible); do echo "${DNS_V4[$m]}"; done)
  ELIGIBLE_V6=$(for m in $(dns_eligible); do echo "${DNS_V6[$m]}"; done)
  dns_server_start ""

  local tool
  for tool in dig kdig; do
    checks "$tool"
    it_log "$tool: every check passed"
  done

  [[ "$DNS_PEER" == ikesteer ]] && it_ikesteer_finish ikesteer
  return 0
}

main "$@"
