#!/usr/bin/env bash
# strongSwan clients are redirected by ikesteer (IPv4) and establish their IKE SA on exactly the
# member ikesteer chose and logged; a client that comes back lands on the same member.
# ikesteer listens on two addresses; each client must get its REDIRECT from the address it
# contacted, and the member must see that address in REDIRECTED_FROM.
#
# Topology (one bridge, documentation addresses):
#   front   203.0.113.1, 203.0.113.2  ikesteer
#   m1..m3  198.51.100.11/.12/.13     strongSwan members, shared identity vpn.cluster.example
#   client  203.0.113.101 ... .106    one strongSwan charon, one connection per address;
#                                     .101-.103 contact 203.0.113.1, .104-.106 203.0.113.2
#
# Usage (as root): redirect_strongswan_v4.sh --ikesteer PATH
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

FRONT=203.0.113.1
FRONT2=203.0.113.2
MEMBERS=(m1 m2 m3)
declare -A MEMBER_V4=([m1]=198.51.100.11 [m2]=198.51.100.12 [m3]=198.51.100.13)
CLIENTS=(203.0.113.101 203.0.113.102 203.0.113.103 203.0.113.104 203.0.113.105 203.0.113.106)

# conn_of <client-address>: the client's connection name (c101 for 203.0.113.101).
conn_of() { echo "c${1##*.}"; }

# front_of <client-address>: the front-end address that client contacts.
front_of() { if ((${1##*.} <= 103)); then echo "$FRONT"; else echo "$FRONT2"; fi; }

setup() {
  it_topology_init
  it_host_add front "$FRONT" "$FRONT2"
  local m c
  for m in "${MEMBERS[@]}"; do
    it_host_add "$m" "${MEMBER_V4[$m]}"
    IT_GW_OF[$m]=${MEMBER_V4[$m]}
    IT_ADDR_OF[$m]=${MEMBER_V4[$m]}
  done
  it_host_add client "${CLIENTS[@]}"
  it_wait_for 5 "the client to reach m1 over the bridge" it_ping client "${MEMBER_V4[m1]}"

  for m in "${MEMBERS[@]}"; do
    it_charon_start "$m" "$(it_member_swanctl_conf)"
  done

  local conf="$IT_WORK/ikesteer.toml"
  {
    it_ikesteer_conf "$FRONT" "$FRONT2"
    for m in "${MEMBERS[@]}"; do
      it_ikesteer_member "$m" "" "${MEMBER_V4[$m]}"
    done
  } >"$conf"
  it_ikesteer_start front "$conf"

  local conns=()
  for c in "${CLIENTS[@]}"; do
    conns+=("$(it_client_conn "$(conn_of "$c")" "$c" "$(front_of "$c")")")
  done
  it_charon_start client "$(it_client_swanctl_conf "${conns[@]}")" "$(it_charon_client_extra)"
}

main() {
  it_init redirect_strongswan_v4 "$@"
  it_need_ikesteer
  setup

  local c used=()
  for c in "${CLIENTS[@]}"; do
    it_connect_and_check front client "$(conn_of "$c")" "$c" "$(front_of "$c")"
    used+=("$IT_LAST_MEMBER")
    it_log "client $c -> $(front_of "$c") -> $IT_LAST_MEMBER (${MEMBER_V4[$IT_LAST_MEMBER]})"
  done

  # Six client addresses over three equal members must not all land on one member. The
  # rendezvous hash is fixed (tests/unit pins it), so this is deterministic for these addresses.
  local distinct
  distinct=$(printf '%s\n' "${used[@]}" | sort -u | wc -l)
  ((distinct >= 2)) || it_fail "all ${#CLIENTS[@]} clients were sent to the same member ${used[0]}"

  # Stickiness: the first client comes back and lands on the same member.
  c=${CLIENTS[0]}
  it_reconnect_sticks front client "$(conn_of "$c")" "$c" "$(front_of "$c")"

  it_ikesteer_finish front
}

main "$@"
