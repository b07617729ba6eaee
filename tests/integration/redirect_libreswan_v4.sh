#!/usr/bin/env bash
# A libreswan 4.10 client (accept-redirect=yes) is redirected by ikesteer and establishes its
# IKE SA on exactly the strongSwan member ikesteer chose and logged; it comes back to the same
# member. libreswan cannot be installed next to strongSwan, so lib.sh fetches and unpacks it
# and runs pluto in a private mount namespace. This kernel has no ESP, and libreswan has no
# userspace fallback, so only the IKE SA is asserted (the members have no CHILD_SA config and
# answer the client's Child SA with TS_UNACCEPTABLE, which keeps the IKE SA).
#
# Topology:
#   front   203.0.113.1              ikesteer
#   m1..m3  198.51.100.11/.12/.13    strongSwan members
#   client  203.0.113.101, .102      one pluto, connections c101 and c102
#
# Usage (as root): redirect_libreswan_v4.sh --ikesteer PATH
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

FRONT=203.0.113.1
MEMBERS=(m1 m2 m3)
declare -A MEMBER_V4=([m1]=198.51.100.11 [m2]=198.51.100.12 [m3]=198.51.100.13)
CLIENTS=(203.0.113.101 203.0.113.102)

conn_of() { echo "c${1##*.}"; }

# pluto_conn <name> <left>: one ipsec.conf conn that reaches the cluster through the front end.
pluto_conn() {
  cat <<EOF
conn $1
  ikev2=insist
  authby=secret
  left=$2
  leftid=@$1.clients.example
  right=$FRONT
  rightid=@$IT_CLUSTER_ID
  # libreswan announces REDIRECT_SUPPORTED only when told to.
  accept-redirect=yes
  auto=add
EOF
}

setup() {
  it_libreswan_fetch
  it_topology_init
  it_host_add front "$FRONT"
  local m c
  for m in "${MEMBERS[@]}"; do
    it_host_add "$m" "${MEMBER_V4[$m]}"
    IT_ADDR_OF[$m]=${MEMBER_V4[$m]}
  done
  it_host_add client "${CLIENTS[@]}"
  it_wait_for 5 "the client to reach m1 over the bridge" it_ping client "${MEMBER_V4[m1]}"

  for m in "${MEMBERS[@]}"; do
    it_charon_start "$m" "$(it_member_swanctl_conf)"
  done

  local conf="$IT_WORK/ikesteer.toml"
  {
    it_ikesteer_conf "$FRONT"
    for m in "${MEMBERS[@]}"; do
      it_ikesteer_member "$m" "" "${MEMBER_V4[$m]}"
    done
  } >"$conf"
  it_ikesteer_start front "$conf"

  local conns=""
  for c in "${CLIENTS[@]}"; do
    conns+=$(pluto_conn "$(conn_of "$c")" "$c")$'\n'
  done
  it_pluto_start client "$conns"
}

# libreswan_connect_and_check <client-address>: whack --initiate and check what a user would
# look at; sets IT_LAST_MEMBER.
libreswan_connect_and_check() {
  local c=$1 conn plog member addr n before lbefore m
  conn=$(conn_of "$c")
  plog=$(it_pluto_log client)
  before=$(it_ikesteer_redirect_count front "$c")
  lbefore=$(it_count_lines "$plog" "\"$conn\" #[0-9]+: initiating IKE_SA_INIT redirect to new gateway")
  # whack waits for the exchange; its status reflects the rejected Child SA, not the IKE SA.
  it_whack client --name "$conn" --initiate >"$IT_WORK/client/whack-$conn.out" 2>&1 || true

  n=$(it_ikesteer_redirect_count front "$c")
  ((n == before + 1)) || it_fail "client $c: ikesteer logged $((n - before)) redirects for it, expected 1"
  member=$(it_ikesteer_field front "$c" member)
  [[ -n "$member" && -n "${IT_ADDR_OF[$member]:-}" ]] ||
    it_fail "client $c: ikesteer logged unknown member '$member'"
  addr=${IT_ADDR_OF[$member]}
  [[ "$(it_ikesteer_field front "$c" gateway)" == "$addr" ]] ||
    it_fail "client $c: ikesteer logged gateway $(it_ikesteer_field front "$c" gateway), expected $addr"

  # pluto's own account: it followed one more redirect, to that address, and established.
  n=$(it_count_lines "$plog" "\"$conn\" #[0-9]+: initiating IKE_SA_INIT redirect to new gateway")
  ((n == lbefore + 1)) || it_fail "client $c: pluto logged $((n - lbefore)) new redirects, expected 1"
  it_file_has "$plog" "\"$conn\" #[0-9]+: initiating IKE_SA_INIT redirect to new gateway \\(address: $(it_re_escape "$addr")\\)" ||
    it_fail "client $c: pluto's log does not show the redirect to $addr"
  it_wait_for 5 "pluto to log the IKE SA of $conn as established" \
    it_file_has "$plog" "\"$conn\" #[0-9]+: initiator established IKE SA"

  # The chosen member has the IKE SA, ESTABLISHED, with the client's address and identity.
  it_wait_for 5 "member $member to have an ESTABLISHED IKE SA from $c" it_has_established_from "$member" "$c"
  it_ike_sas "$member" | awk -v c="$c" -v id="$conn.clients.example" \
    '$2 == "ESTABLISHED" && $4 == c && $5 == id { f = 1 } END { exit !f }' ||
    it_fail "client $c: member $member's IKE SA does not carry the identity $conn.clients.example"
  it_check_redirected_from "$member" "$c" "$FRONT"
  for m in "${MEMBERS[@]}"; do
    [[ "$m" == "$member" ]] && continue
    (($(it_count_sas_from "$m" "$c") == 0)) ||
      it_fail "client $c: member $m also has an IKE SA with it (ikesteer chose $member)"
  done
  IT_LAST_MEMBER=$member
}

main() {
  it_init redirect_libreswan_v4 "$@"
  it_need_ikesteer
  setup

  local c first
  for c in "${CLIENTS[@]}"; do
    libreswan_connect_and_check "$c"
    it_log "libreswan client $c -> $IT_LAST_MEMBER (${MEMBER_V4[$IT_LAST_MEMBER]})"
  done

  # Stickiness: the first client comes back and lands on the same member. libreswan keeps the
  # redirect target in the connection (a plain --terminate/--initiate goes straight to the
  # member), so the connection is deleted and loaded again, as a client restart would.
  c=${CLIENTS[0]}
  first=$(it_ikesteer_field front "$c" member)
  it_pluto_readd client "$(conn_of "$c")"
  it_wait_for 10 "member $first to delete the IKE SA of $c" it_no_sas_from "$first" "$c"
  libreswan_connect_and_check "$c"
  [[ "$IT_LAST_MEMBER" == "$first" ]] ||
    it_fail "libreswan client $c reconnected to $IT_LAST_MEMBER, first time it was on $first"
  it_log "libreswan client $c reconnected -> $IT_LAST_MEMBER again"

  it_ikesteer_finish front
}

main "$@"
