#!/usr/bin/env bash
# ikesteer-agent against a real strongSwan charon over VICI (no ikesteer involved): it lists the
# member's established IKE SAs as swanctl does, and moves one client's IKE SA to another member
# with a REDIRECT (RFC 5685, INFORMATIONAL); the client follows make-before-break.
#
# Topology (one bridge, documentation addresses):
#   m1, m2   198.51.100.11/.12        strongSwan members, shared identity vpn.cluster.example
#   client   203.0.113.101 ... .103   one strongSwan charon, one connection (an IKE SA with one
#                                     CHILD SA) per address, all straight to m1
#
# Checks:
#   1. `ikesteer-agent sessions` on m1 lists exactly the three clients: the ids, addresses and
#      identities `swanctl --list-sas` shows on m1, one CHILD SA each (JSON and text output)
#   2. `ikesteer-agent move --session <id of .102> --gateway 198.51.100.12` exits 0; then .102
#      has an ESTABLISHED IKE SA with an INSTALLED CHILD SA on m2 and none on m1, the client's log
#      shows "redirected to 198.51.100.12", the agent lists it on m2; the two other clients keep
#      the very same IKE SAs (ids and SPIs) on m1
#   3. `move` of an id m1 does not have exits non-zero with charon's error
#
# Usage (as root): agent_vici.sh --agent PATH
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

declare -A MEMBER_V4=([m1]=198.51.100.11 [m2]=198.51.100.12)
CLIENTS=(203.0.113.101 203.0.113.102 203.0.113.103)
MOVED=203.0.113.102
# CHILD SA selectors: inner addresses on lo that carry no traffic (kernel-libipsec refuses
# selectors that would route the IKE peer itself into the tunnel). Both members have the same.
MEMBER_INNER=10.99.0.1
AGENT=""
# This kernel has no ESP: every charon here loads kernel-libipsec (before kernel-netlink) to
# have CHILD SAs, as failover_lib.sh does.
IT_CHARON_PLUGINS=${IT_CHARON_PLUGINS/kernel-netlink/kernel-libipsec kernel-netlink}

# conn_of <client-address>: the client's connection name (c101 for 203.0.113.101).
conn_of() { echo "c${1##*.}"; }

member_children() {
  cat <<EOF
    children {
      ch {
        local_ts = $MEMBER_INNER/32
        remote_ts = 10.98.0.0/24
        esp_proposals = aes128gcm16
      }
    }
EOF
}

# inner_of <client-address>: its CHILD SA selector address (10.98.0.101 for 203.0.113.101).
inner_of() { echo "10.98.0.${1##*.}"; }

# client_children <client-address>
client_children() {
  cat <<EOF
    children {
      ch {
        local_ts = $(inner_of "$1")/32
        remote_ts = $MEMBER_INNER/32
        esp_proposals = aes128gcm16
      }
    }
EOF
}

# agent <host> <args...>: ikesteer-agent in the host's namespace, against that host's charon.
agent() {
  local host=$1
  shift
  it_exec "$host" "$AGENT" "$@" --vici "unix://$(it_charon_dir "$host")/charon.vici"
}

# sessions_json <host>: the agent's JSON listing (nothing on stderr).
sessions_json() {
  local err="$IT_WORK/sessions-$1.err"
  agent "$1" sessions --json 2>"$err" || { cat "$err" >&2; it_fail "ikesteer-agent sessions failed on $1"; }
  [[ ! -s "$err" ]] || { cat "$err" >&2; it_fail "ikesteer-agent sessions complained on $1"; }
}

# swanctl_view <host>: "<unique-id> <remote-host> <remote-id>" of each ESTABLISHED IKE SA, sorted.
swanctl_view() {
  it_ike_sas "$1" | awk '$2 == "ESTABLISHED" { print $6, $4, $5 }' | sort
}

# agent_view <json>: the same three fields from the agent's listing, sorted.
agent_view() {
  jq -r '.sessions[] | "\(.id) \(.peer_address) \(.peer_id)"' <<<"$1" | sort
}

# child_installed_from <host> <client-address>: the host's IKE SA with that client is
# ESTABLISHED and carries an INSTALLED CHILD SA.
child_installed_from() {
  it_swanctl "$1" --list-sas --raw 2>/dev/null |
    grep -F " remote-host=$2 " | grep -F " state=ESTABLISHED " | grep -qF " state=INSTALLED "
}

moved_over() {
  child_installed_from m2 "$MOVED" && it_no_sas_from m1 "$MOVED"
}

setup() {
  it_topology_init
  local m c conns=()
  for m in m1 m2; do
    it_host_add "$m" "${MEMBER_V4[$m]}"
    ip -n "$(it_ns "$m")" addr add "$MEMBER_INNER/32" dev lo
  done
  it_host_add client "${CLIENTS[@]}"
  for c in "${CLIENTS[@]}"; do
    ip -n "$(it_ns client)" addr add "$(inner_of "$c")/32" dev lo
  done
  it_wait_for 5 "the client to reach m1 over the bridge" it_ping client "${MEMBER_V4[m1]}"
  for m in m1 m2; do
    it_charon_start "$m" "$(it_member_swanctl_conf "$(member_children)")"
  done
  for c in "${CLIENTS[@]}"; do
    conns+=("$(it_client_conn "$(conn_of "$c")" "$c" "${MEMBER_V4[m1]}" "" "$(client_children "$c")")")
  done
  it_charon_start client "$(it_client_swanctl_conf "${conns[@]}")" "$(it_charon_client_extra)"
  for c in "${CLIENTS[@]}"; do
    it_swanctl client --initiate --ike "$(conn_of "$c")" --child ch --timeout 15 \
      >"$IT_WORK/initiate-$c.out" 2>&1 ||
      { cat "$IT_WORK/initiate-$c.out" >&2; it_fail "client $c could not connect to m1"; }
  done
  for c in "${CLIENTS[@]}"; do
    it_wait_for 10 "m1 to hold $c's IKE SA with its CHILD SA" child_installed_from m1 "$c"
  done
}

check_listing() {
  local json text c n
  json=$(sessions_json m1)
  n=$(jq '.sessions | length' <<<"$json")
  ((n == ${#CLIENTS[@]})) || it_fail "the agent lists $n sessions on m1, expected ${#CLIENTS[@]}: $json"
  [[ "$(agent_view "$json")" == "$(swanctl_view m1)" ]] ||
    it_fail "the agent's sessions on m1 differ from swanctl --list-sas:
agent:
$(agent_view "$json")
swanctl:
$(swanctl_view m1)"
  for c in "${CLIENTS[@]}"; do
    jq -e --arg c "$c" --arg id "$(conn_of "$c").clients.example" \
      '[.sessions[] | select(.peer_address == $c and .peer_id == $id and .name == "cluster"
        and .child_sas == 1 and .established_seconds >= 0)] | length == 1' <<<"$json" >/dev/null ||
      it_fail "the agent does not list $c as expected on m1: $json"
  done
  jq -e '.skipped == 0 and .malformed == []' <<<"$json" >/dev/null ||
    it_fail "the agent skipped or refused IKE SAs on m1: $json"
  # The text form: one line per session, with the same ids, addresses and identities.
  text=$(agent m1 sessions) || it_fail "ikesteer-agent sessions (text) failed on m1"
  [[ "$(sed -nE 's/^id=([0-9]+) name=cluster peer=([^ ]+) local=198\.51\.100\.11 identity=([^ ]+) .* child-sas=1$/\1 \2 \3/p' \
    <<<"$text" | sort)" == "$(agent_view "$json")" ]] ||
    it_fail "the agent's text listing on m1 does not match its JSON: $text"
  it_log "the agent lists on m1: $(agent_view "$json" | tr '\n' ';')"
}

check_move() {
  local json id out stayed_before stayed_after clog n
  json=$(sessions_json m1)
  id=$(jq -r --arg c "$MOVED" '.sessions[] | select(.peer_address == $c) | .id' <<<"$json")
  [[ "$id" =~ ^[0-9]+$ ]] || it_fail "no session id for $MOVED on m1: $json"
  stayed_before=$(it_ike_sa_keys m1 | grep -vF " $MOVED" | sort)
  clog=$(it_charon_log client)

  out=$(agent m1 move --session "$id" --gateway "${MEMBER_V4[m2]}" 2>&1) ||
    it_fail "ikesteer-agent move --session $id failed: $out"
  [[ "$out" == *"matches=1"* ]] || it_fail "ikesteer-agent move did not report one match: $out"
  it_log "move: $out"

  it_wait_for 20 "$MOVED's IKE and CHILD SA on m2, and none on m1" moved_over
  it_file_has "$clog" "<$(conn_of "$MOVED")\\|[0-9]+> redirected to $(it_re_escape "${MEMBER_V4[m2]}")\$" ||
    it_fail "the client's log does not show $(conn_of "$MOVED") redirected to ${MEMBER_V4[m2]}"
  n=$(it_count_lines "$clog" "> redirected to ")
  ((n == 1)) || it_fail "the client's log shows $n redirects, expected 1"
  it_ike_sas client |
    awk -v n="$(conn_of "$MOVED")" -v a="${MEMBER_V4[m2]}" \
      '$1 == n && $2 == "ESTABLISHED" && $4 == a { f = 1 } END { exit !f }' ||
    it_fail "the client has no ESTABLISHED IKE SA of $(conn_of "$MOVED") with m2: $(it_ike_sas client | tr '\n' ';')"

  # The others were not disturbed: the very same IKE SAs (ids and SPIs) on m1.
  stayed_after=$(it_ike_sa_keys m1 | sort)
  [[ "$stayed_after" == "$stayed_before" ]] ||
    it_fail "the other clients' IKE SAs on m1 changed:
before:
$stayed_before
after:
$stayed_after"

  json=$(sessions_json m2)
  jq -e --arg c "$MOVED" '[.sessions[] | select(.peer_address == $c and .child_sas == 1)]
    | length == 1' <<<"$json" >/dev/null || it_fail "the agent does not list $MOVED on m2: $json"
  json=$(sessions_json m1)
  (($(jq '.sessions | length' <<<"$json") == ${#CLIENTS[@]} - 1)) ||
    it_fail "the agent lists on m1 after the move: $json"
  it_log "$MOVED moved to m2; $(jq -r '[.sessions[].peer_address] | join(" ")' <<<"$json") still on m1"
}

check_unknown_id() {
  local out rc=0
  out=$(agent m1 move --session 999999 --gateway "${MEMBER_V4[m2]}" 2>&1) || rc=$?
  ((rc != 0)) || it_fail "move of an unknown session exited 0: $out"
  [[ "$out" == *"no matching SAs to redirect found"* ]] ||
    it_fail "move of an unknown session does not show charon's error: $out"
  it_log "unknown session: exit $rc: $out"
}

main() {
  local args=()
  while (($#)); do
    case "$1" in
      --agent) AGENT=$2; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  it_init agent_vici "${args[@]}"
  [[ -x "$AGENT" ]] || it_fail "no ikesteer-agent binary: pass --agent PATH"
  command -v jq >/dev/null || it_skip "missing jq"
  setup
  check_listing
  check_move
  check_unknown_id
}

main "$@"
