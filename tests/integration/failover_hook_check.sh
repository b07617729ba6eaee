#!/usr/bin/env bash
# tests/integration/failover_hook.sh on its own, for IPv4 and IPv6: it moves an address
# between two namespaces, a third host's neighbour cache follows at once (gratuitous ARP /
# unsolicited NA) so the address answers from its new owner, claims and releases can be
# repeated, a release on an unreachable member fails without touching it, and bad calls are
# refused. Every call is logged with its times next to the map file.
#
# Topology: front 198.51.100.2 / 2001:db8::2 (runs the hook, as ikesteer would), members a and
# b (management 192.0.2.11/.12, 2001:db8::11/12), client c (203.0.113.21, 2001:db8::21); the
# address that moves: 198.51.100.50 or 2001:db8::50, first on a.
#
# Usage (as root): failover_hook_check.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

MAP=""

# hook <action> <member> <address> <prefix>: run the hook from the front end.
hook() {
  it_exec front env IKESTEER_ACTION="$1" IKESTEER_MEMBER="$2" IKESTEER_ADDRESS="$3" \
    IKESTEER_PREFIX="$4" IKESTEER_INTERFACE=eth0 "$HERE/failover_hook.sh" "$MAP" 2>/dev/null
}

mac_of() { ip -n "$(it_ns "$1")" -o link show dev eth0 | sed -nE 's|.* link/ether ([0-9a-f:]+) .*|\1|p'; }

# neighbour_is <address> <member>: the client's neighbour entry for the address has that
# member's MAC.
neighbour_is() {
  it_exec c ip neigh show "$1" | grep -q " lladdr $(mac_of "$2") "
}

# check_family <address> <prefix>
check_family() {
  local a=$1 plen=$2 t0 n
  it_has_address a "$a" || it_fail "$a is not on a at the start"
  it_wait_for 5 "c to reach $a on a" it_ping c "$a"
  neighbour_is "$a" a || it_fail "c's neighbour entry for $a is not a's MAC"

  t0=$(it_now_ms)
  hook release a "$a" "$plen" || it_fail "release of $a on a failed"
  ! it_has_address a "$a" || it_fail "$a is still on a after the release"
  hook claim b "$a" "$plen" || it_fail "claim of $a on b failed"
  it_has_address b "$a" || it_fail "$a is not on b after the claim"
  # The announcement, not a new resolution, must update c's entry: look before any traffic.
  it_wait_for 2 "c's neighbour entry for $a to show b's MAC" neighbour_is "$a" b
  it_ping c "$a" || it_fail "c cannot reach $a on b"
  it_log "$a: a -> b, c's neighbour entry updated and reachable after $(($(it_now_ms) - t0)) ms"

  # Repeated calls change nothing and succeed.
  hook claim b "$a" "$plen" || it_fail "a second claim of $a on b failed"
  hook release a "$a" "$plen" || it_fail "a release of $a where it is not failed"
  n=$(it_exec b ip -o addr show to "$a" | grep -c .)
  ((n == 1)) || it_fail "$a is on b $n times"

  # A member that cannot be reached is not released: exit 1, nothing changes there.
  it_link_set b down
  local rc=0
  hook release b "$a" "$plen" || rc=$?
  ((rc == 1)) || it_fail "release on an unreachable member exited $rc, expected 1"
  it_has_address b "$a" || it_fail "the failed release removed $a from b"
  it_link_set b up
  it_wait_for 5 "b to be reachable again" it_ping front "$(awk '$1 == "b" { print $4 }' "$MAP")"
  hook release b "$a" "$plen" || it_fail "release of $a on b failed"
  hook claim a "$a" "$plen" || it_fail "claim of $a back on a failed"
  it_wait_for 2 "c's neighbour entry for $a to show a's MAC again" neighbour_is "$a" a
}

main() {
  it_init failover_hook_check "$@"
  arping -V 2>&1 | grep -q iputils || it_skip "missing iputils' arping (package iputils-arping)"
  command -v na6 >/dev/null || it_skip "missing na6 (package ipv6toolkit)"
  it_topology_init
  it_host_add front 198.51.100.2 2001:db8::2
  it_host_add a 192.0.2.11 2001:db8::11 198.51.100.50 2001:db8::50
  it_host_add b 192.0.2.12 2001:db8::12
  it_host_add c 203.0.113.21 2001:db8::21
  MAP="$IT_WORK/members.map"
  printf '# member namespace interface management-address\n' >"$MAP"
  printf 'a %s eth0 %s\nb %s eth0 %s\n' "$(it_ns a)" 192.0.2.11 "$(it_ns b)" 192.0.2.12 >>"$MAP"
  check_family 198.51.100.50 32
  sed -i -e 's/192\.0\.2\.11/2001:db8::11/' -e 's/192\.0\.2\.12/2001:db8::12/' "$MAP"
  check_family 2001:db8::50 128

  # Bad calls: exit 2.
  local rc=0
  hook claim nosuch 198.51.100.50 32 || rc=$?
  ((rc == 2)) || it_fail "a member missing from the map: exit $rc, expected 2"
  rc=0
  hook move a 198.51.100.50 32 || rc=$?
  ((rc == 2)) || it_fail "an unknown action: exit $rc, expected 2"

  # Every call was logged: "<start-ms> <end-ms> <action> <member> <address> <status> ...".
  n=$(grep -cE '^[0-9]{13} [0-9]{13} (claim|release|move) [a-z]+ [0-9a-f.:]+ [0-9] ' "$MAP.log")
  ((n == 16)) || it_fail "the hook logged $n calls, expected 16: $(cat "$MAP.log")"
}

main "$@"
