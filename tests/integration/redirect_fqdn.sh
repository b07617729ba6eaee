#!/usr/bin/env bash
# Members whose redirect gateway is an FQDN (RFC 5685 type 3): ikesteer sends the name, the
# strongSwan client resolves it itself (here through its namespace's own /etc/hosts: ip netns
# exec bind-mounts /etc/netns/<ns>/hosts over /etc/hosts) and ends up on that member.
# Each member's name resolves to that member only, so landing on the right member proves that
# the name in the REDIRECT was the one configured for the member ikesteer chose.
#
# Topology:
#   front   203.0.113.1                         ikesteer
#   m1..m3  198.51.100.11/.12/.13               gateway = "mN.vpn.example"
#   client  203.0.113.101 ... .106              hosts file: mN.vpn.example -> 198.51.100.1N
#
# Usage (as root): redirect_fqdn.sh --ikesteer PATH
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

FRONT=203.0.113.1
MEMBERS=(m1 m2 m3)
declare -A MEMBER_V4=([m1]=198.51.100.11 [m2]=198.51.100.12 [m3]=198.51.100.13)
CLIENTS=(203.0.113.101 203.0.113.102 203.0.113.103 203.0.113.104 203.0.113.105 203.0.113.106)

conn_of() { echo "c${1##*.}"; }

setup() {
  it_topology_init
  it_host_add front "$FRONT"
  local m c hosts=()
  for m in "${MEMBERS[@]}"; do
    it_host_add "$m" "${MEMBER_V4[$m]}"
    IT_GW_OF[$m]="$m.vpn.example"
    IT_ADDR_OF[$m]=${MEMBER_V4[$m]}
    hosts+=("${MEMBER_V4[$m]} $m.vpn.example")
  done
  it_host_add client "${CLIENTS[@]}"
  # Must exist before the client's charon starts: ip netns exec sets up the bind mount then.
  it_host_hosts_file client "${hosts[@]}"
  it_exec client getent ahostsv4 m2.vpn.example | grep -q "^${MEMBER_V4[m2]//./\\.} " ||
    it_fail "m2.vpn.example does not resolve to ${MEMBER_V4[m2]} in the client's namespace"

  for m in "${MEMBERS[@]}"; do
    it_charon_start "$m" "$(it_member_swanctl_conf)"
  done

  local conf="$IT_WORK/ikesteer.toml"
  {
    it_ikesteer_conf "$FRONT"
    for m in "${MEMBERS[@]}"; do
      it_ikesteer_member "$m" "$m.vpn.example" "${MEMBER_V4[$m]}"
    done
  } >"$conf"
  it_ikesteer_start front "$conf"

  local conns=()
  for c in "${CLIENTS[@]}"; do
    conns+=("$(it_client_conn "$(conn_of "$c")" "$c" "$FRONT")")
  done
  it_charon_start client "$(it_client_swanctl_conf "${conns[@]}")" "$(it_charon_client_extra)"
}

main() {
  it_init redirect_fqdn "$@"
  it_need_ikesteer
  setup

  local c used=()
  for c in "${CLIENTS[@]}"; do
    it_connect_and_check front client "$(conn_of "$c")" "$c" "$FRONT"
    used+=("$IT_LAST_MEMBER")
    it_log "client $c -> $IT_LAST_MEMBER (${IT_GW_OF[$IT_LAST_MEMBER]} = ${MEMBER_V4[$IT_LAST_MEMBER]})"
  done
  # The hash is fixed: for these six addresses m2 (the example of the configuration reference)
  # gets at least one client, and more than one member is used.
  printf '%s\n' "${used[@]}" | grep -qx m2 || it_fail "no client was sent to m2.vpn.example"
  (($(printf '%s\n' "${used[@]}" | sort -u | wc -l) >= 2)) ||
    it_fail "all clients were sent to ${used[0]}"

  it_ikesteer_finish front
}

main "$@"
