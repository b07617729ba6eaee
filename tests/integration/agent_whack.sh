#!/usr/bin/env bash
# ikesteer-agent against real libreswan 4.10 members through whack (no ikesteer involved): it
# lists a member's established IKE SAs as `whack --showstates` shows them and moves clients to
# another member with `whack --name CONN --redirect-to GW` (RFC 5685 REDIRECT in INFORMATIONAL).
# libreswan cannot be installed next to strongSwan: lib.sh unpacks it and runs pluto in a private
# mount namespace. This kernel has no ESP and pluto no userspace fallback: IKE SAs only.
#
# Topology (one bridge, documentation addresses):
#   m1, m2  198.51.100.11/.12   pluto, shared identity vpn.cluster.example; both have the
#                               road-warrior template "rw"; m1 also has one connection per
#                               known client: "c102" and "c103"
#   sc      203.0.113.101, .102 strongSwan client: c101 (lands on m1's "rw", instance rw[N]) and
#                               c102 (lands on m1's "c102")
#   lc      203.0.113.103       libreswan client c103 (accept-redirect=yes), on m1's "c103"
#
# Checks (what pluto 4.10 does, see agent/libreswan/whack_redirect.hpp):
#   1. `sessions` on m1 lists the three IKE SAs with the ids (connection names) and count
#      `whack --showstates` shows, the clients' addresses and identities, no CHILD SA
#   2. `move --session c102` (strongSwan client) exits 0 with matches=1; the client's IKE SA is
#      then ESTABLISHED with m2 and gone from m1 (make-before-break); the others stay as they were
#   3. `move --session c103` (libreswan client): the same (the client deletes the old IKE SA
#      first, then connects to m2)
#   4. `move --session rw[N]` exits 1: pluto matches connection names only, never instances
#      ("no active tunnels found"); the client stays on m1
#   5. `move` to a gateway list is refused before whack runs (pluto would spread the list)
#
# Usage (as root): agent_whack.sh --agent PATH
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

declare -A MEMBER_V4=([m1]=198.51.100.11 [m2]=198.51.100.12)
AGENT=""

# member_conf <host>: ipsec.conf conns of a member.
member_conf() {
  local c
  cat <<EOC
conn rw
  ikev2=insist
  authby=secret
  left=${MEMBER_V4[$1]}
  leftid=@$IT_CLUSTER_ID
  right=%any
  rightid=%any
  auto=add
EOC
  [[ $1 == m1 ]] || return 0
  for c in 102 103; do
    cat <<EOC
conn c$c
  ikev2=insist
  authby=secret
  left=${MEMBER_V4[m1]}
  leftid=@$IT_CLUSTER_ID
  right=203.0.113.$c
  rightid=@c$c.clients.example
  auto=add
EOC
  done
}

# agent <host> <args...>: ikesteer-agent against that host's pluto.
agent() {
  local host=$1
  shift
  "$AGENT" "$@" --whack "$IT_LIBRESWAN_ROOT/usr/libexec/ipsec/whack" \
    --ctlsocket "$(it_pluto_dir "$host")/run/pluto.ctl"
}

# sessions_json <host>: the agent's JSON listing (nothing on stderr).
sessions_json() {
  local err="$IT_WORK/sessions-$1.err"
  agent "$1" sessions --json 2>"$err" || { cat "$err" >&2; it_fail "ikesteer-agent sessions failed on $1"; }
  [[ ! -s "$err" ]] || { cat "$err" >&2; it_fail "ikesteer-agent sessions complained on $1"; }
}

# established <host>: "<serial> <connection>" of each established IKE SA pluto shows, sorted by
# connection; an instance shows as rw[N].
established() {
  it_whack "$1" --showstates |
    sed -nE 's/^(000 )?#([0-9]+): "([^"]+)"(\[[0-9]+\])?[ :].* STATE_V2_ESTABLISHED_IKE_SA .*/\2 \3\4/p' |
    sort -k2
}

# session_of <json> <client-address>: the id of that client's session.
session_of() {
  jq -r --arg c "$2" '.sessions[] | select(.peer_address == $c) | .id' <<<"$1"
}

# on_member <host> <client-address>: the agent lists a session of that client on the host.
on_member() {
  [[ -n "$(session_of "$(sessions_json "$1")" "$2")" ]]
}

# sc_with <connection> <member-address>: the strongSwan client's IKE SA of that connection is
# ESTABLISHED with that member.
sc_with() {
  it_ike_sas sc | awk -v n="$1" -v a="$2" '$1 == n && $2 == "ESTABLISHED" && $4 == a { f = 1 } END { exit !f }'
}

# count_is <n> <command...>: the command prints n lines.
count_is() {
  local n=$1
  shift
  (($("$@" | wc -l) == n))
}

moved_over() {
  on_member m2 "$1" && ! on_member m1 "$1"
}

setup() {
  it_libreswan_fetch
  it_topology_init
  local m
  for m in m1 m2; do it_host_add "$m" "${MEMBER_V4[$m]}"; done
  it_host_add sc 203.0.113.101 203.0.113.102
  it_host_add lc 203.0.113.103
  it_wait_for 5 "the clients to reach m1 over the bridge" it_ping sc "${MEMBER_V4[m1]}"
  for m in m1 m2; do it_pluto_start "$m" "$(member_conf "$m")"; done

  it_charon_start sc "$(it_client_swanctl_conf \
    "$(it_client_conn c101 203.0.113.101 "${MEMBER_V4[m1]}")" \
    "$(it_client_conn c102 203.0.113.102 "${MEMBER_V4[m1]}")")" "$(it_charon_client_extra)"
  it_pluto_start lc "conn c103
  ikev2=insist
  authby=secret
  left=203.0.113.103
  leftid=@c103.clients.example
  right=${MEMBER_V4[m1]}
  rightid=@$IT_CLUSTER_ID
  # libreswan announces REDIRECT_SUPPORTED only when told to.
  accept-redirect=yes
  auto=add"

  local c
  for c in c101 c102; do
    it_initiate sc "$c" 15 || { cat "$IT_WORK/sc/initiate-$c.out" >&2; it_fail "sc: $c could not connect to m1"; }
  done
  # whack waits for the exchange; its status reflects the refused Child SA, not the IKE SA.
  it_whack lc --name c103 --initiate >"$IT_WORK/lc/initiate-c103.out" 2>&1 || true
}

check_listing() {
  local json ids n
  it_wait_for 10 "m1 to hold three established IKE SAs" count_is 3 established m1
  json=$(sessions_json m1)
  n=$(jq '.sessions | length' <<<"$json")
  ((n == 3)) || it_fail "the agent lists $n sessions on m1, expected 3: $json"
  ids=$(jq -r '.sessions[].id' <<<"$json" | sort)
  [[ "$ids" == "$(established m1 | awk '{ print $2 }' | sort)" ]] ||
    it_fail "the agent's ids on m1 differ from whack --showstates:
agent:
$ids
whack:
$(established m1)"
  [[ "$(session_of "$json" 203.0.113.101)" =~ ^rw\[[0-9]+\]$ ]] ||
    it_fail "c101's session on m1 is not an instance of rw: $json"
  [[ "$(session_of "$json" 203.0.113.102)" == c102 && "$(session_of "$json" 203.0.113.103)" == c103 ]] ||
    it_fail "c102 and c103 are not listed under their connections on m1: $json"
  jq -e '[.sessions[] | select(.peer_id == "\(.peer_address | sub("203.0.113."; "c")).clients.example"
      and .child_sas == 0 and .established_seconds >= 0 and .established_seconds < 60)] | length == 3' \
    <<<"$json" >/dev/null || it_fail "the agent's sessions on m1 lack identities or times: $json"
  jq -e '.skipped == 0 and .malformed == []' <<<"$json" >/dev/null ||
    it_fail "the agent skipped or refused IKE SAs on m1: $json"
  it_log "the agent lists on m1: $(jq -r '[.sessions[] | "\(.id)=\(.peer_address)"] | join(" ")' <<<"$json")"
}

# move_and_check <connection> <client-address>: move that connection's IKE SA from m1 to m2.
move_and_check() {
  local conn=$1 c=$2 out others_before others_after
  others_before=$(established m1 | grep -v " $conn\$")
  out=$(agent m1 move --session "$conn" --gateway "${MEMBER_V4[m2]}" 2>&1) ||
    it_fail "ikesteer-agent move --session $conn failed: $out"
  [[ "$out" == *"matches=1"* ]] || it_fail "ikesteer-agent move did not report one match: $out"
  it_log "move $conn: $out"
  it_wait_for 20 "$c's IKE SA on m2 and none on m1" moved_over "$c"
  others_after=$(established m1)
  [[ "$others_after" == "$others_before" ]] ||
    it_fail "moving $conn changed the other IKE SAs on m1:
before:
$others_before
after:
$others_after"
}

check_move_strongswan_client() {
  move_and_check c102 203.0.113.102
  it_wait_for 10 "the strongSwan client's c102 to be established with m2" sc_with c102 "${MEMBER_V4[m2]}"
  ! sc_with c102 "${MEMBER_V4[m1]}" || it_fail "the strongSwan client still has c102 with m1"
  it_file_has "$(it_charon_log sc)" "<c102\\|[0-9]+> redirected to $(it_re_escape "${MEMBER_V4[m2]}")\$" ||
    it_fail "the strongSwan client's log does not show c102 redirected to ${MEMBER_V4[m2]}"
  it_log "strongSwan client c102 moved to m2"
}

check_move_libreswan_client() {
  local log
  move_and_check c103 203.0.113.103
  log=$(it_pluto_log lc)
  it_file_has "$log" "\"c103\" #[0-9]+: initiating active session redirect to new gateway \\(address: $(it_re_escape "${MEMBER_V4[m2]}")\\)" ||
    it_fail "the libreswan client's log does not show the redirect to ${MEMBER_V4[m2]}"
  it_wait_for 10 "the libreswan client to hold one established IKE SA" count_is 1 established lc
  it_log "libreswan client c103 moved to m2: $(grep -E '"c103" #[0-9]+: (initiating active|IKE SA expired|initiator established)' "$log" | sed -E 's/^.*"c103" //' | tr '\n' ';')"
}

check_instance_refused() {
  local id out rc=0 before
  id=$(session_of "$(sessions_json m1)" 203.0.113.101)
  before=$(established m1)
  out=$(agent m1 move --session "$id" --gateway "${MEMBER_V4[m2]}" 2>&1) || rc=$?
  ((rc == 1)) || it_fail "move of instance $id exited $rc: $out"
  [[ "$out" == *"no active tunnels found for connection \"$id\""* ]] ||
    it_fail "move of instance $id does not show pluto's answer: $out"
  sleep 1
  [[ "$(established m1)" == "$before" ]] || it_fail "move of instance $id changed m1's IKE SAs"
  sc_with c101 "${MEMBER_V4[m1]}" || it_fail "c101 left m1"
  it_log "instance $id: exit $rc: $out"
}

check_gateway_list_refused() {
  local out rc=0
  out=$(agent m1 move --session rw --gateway "${MEMBER_V4[m2]},198.51.100.13" 2>&1) || rc=$?
  ((rc == 1)) && [[ "$out" == *"is not one IP address or DNS name"* ]] ||
    it_fail "move to a gateway list was not refused: exit $rc: $out"
  sc_with c101 "${MEMBER_V4[m1]}" || it_fail "c101 left m1"
}

main() {
  local args=()
  while (($#)); do
    case "$1" in
      --agent) AGENT=$2; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  it_init agent_whack "${args[@]}"
  [[ -x "$AGENT" ]] || it_fail "no ikesteer-agent binary: pass --agent PATH"
  command -v jq >/dev/null || it_skip "missing jq"
  setup
  check_listing
  check_move_strongswan_client
  check_move_libreswan_client
  check_instance_refused
  check_gateway_list_refused
}

main "$@"
