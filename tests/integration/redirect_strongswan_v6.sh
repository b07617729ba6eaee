#!/usr/bin/env bash
# Like redirect_strongswan_v4.sh, all over IPv6: ikesteer listens on 2001:db8::1 and redirects
# with an IPv6 gateway identity (RFC 5685 type 2). Members also have IPv4 addresses in the
# configuration: a client that came over IPv6 must be sent to the member's IPv6 address.
# Clients are hashed on their /64 (steering.ipv6_prefix default), so clients in one /64 share a
# member and the test spreads clients over several /64s.
#
# Topology:
#   front   2001:db8::1                      ikesteer
#   m1..m3  2001:db8::11/12/13               strongSwan members (+198.51.100.11.. in config only)
#   client  2001:db8:0:N::101 (N = 1..6),    one charon, one connection per address
#           2001:db8:0:1::202                same /64 as the first client
#
# Usage (as root): redirect_strongswan_v6.sh --ikesteer PATH
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

FRONT=2001:db8::1
MEMBERS=(m1 m2 m3)
declare -A MEMBER_V6=([m1]=2001:db8::11 [m2]=2001:db8::12 [m3]=2001:db8::13)
declare -A MEMBER_V4=([m1]=198.51.100.11 [m2]=198.51.100.12 [m3]=198.51.100.13)
CLIENTS=(2001:db8:0:1::101 2001:db8:0:2::101 2001:db8:0:3::101 2001:db8:0:4::101
  2001:db8:0:5::101 2001:db8:0:6::101)
NEIGHBOUR=2001:db8:0:1::202 # same /64 as CLIENTS[0]

# conn_of <client-address>: connection name, e.g. c1_101 for 2001:db8:0:1::101.
conn_of() {
  local a=$1
  local net=${a#2001:db8:0:}
  echo "c${net%%::*}_${a##*::}"
}

setup() {
  it_topology_init
  it_host_add front "$FRONT"
  local m c
  for m in "${MEMBERS[@]}"; do
    it_host_add "$m" "${MEMBER_V6[$m]}"
    IT_GW_OF[$m]=${MEMBER_V6[$m]}
    IT_ADDR_OF[$m]=${MEMBER_V6[$m]}
  done
  it_host_add client "${CLIENTS[@]}" "$NEIGHBOUR"
  it_wait_for 5 "the client to reach m1 over IPv6" it_ping client "${MEMBER_V6[m1]}"

  for m in "${MEMBERS[@]}"; do
    it_charon_start "$m" "$(it_member_swanctl_conf)"
  done

  local conf="$IT_WORK/ikesteer.toml"
  {
    it_ikesteer_conf "$FRONT"
    for m in "${MEMBERS[@]}"; do
      # IPv4 first on purpose: the family of the client, not the order, picks the address.
      it_ikesteer_member "$m" "" "${MEMBER_V4[$m]}" "${MEMBER_V6[$m]}"
    done
  } >"$conf"
  it_ikesteer_start front "$conf"

  local conns=()
  for c in "${CLIENTS[@]}" "$NEIGHBOUR"; do
    conns+=("$(it_client_conn "$(conn_of "$c")" "$c" "$FRONT")")
  done
  it_charon_start client "$(it_client_swanctl_conf "${conns[@]}")" "$(it_charon_client_extra)"
}

main() {
  it_init redirect_strongswan_v6 "$@"
  it_need_ikesteer
  setup

  local c used=()
  for c in "${CLIENTS[@]}"; do
    it_connect_and_check front client "$(conn_of "$c")" "$c" "$FRONT"
    used+=("$IT_LAST_MEMBER")
    it_log "client $c -> $IT_LAST_MEMBER (${MEMBER_V6[$IT_LAST_MEMBER]})"
  done
  local distinct
  distinct=$(printf '%s\n' "${used[@]}" | sort -u | wc -l)
  ((distinct >= 2)) || it_fail "all ${#CLIENTS[@]} clients (six /64s) were sent to ${used[0]}"

  # Another address in the first client's /64 is the same client for steering.
  it_connect_and_check front client "$(conn_of "$NEIGHBOUR")" "$NEIGHBOUR" "$FRONT"
  [[ "$IT_LAST_MEMBER" == "${used[0]}" ]] ||
    it_fail "$NEIGHBOUR went to $IT_LAST_MEMBER, but ${CLIENTS[0]} (same /64) went to ${used[0]}"
  it_log "client $NEIGHBOUR (same /64) -> $IT_LAST_MEMBER too"

  c=${CLIENTS[0]}
  it_reconnect_sticks front client "$(conn_of "$c")" "$c" "$FRONT"

  it_ikesteer_finish front
}

main "$@"
