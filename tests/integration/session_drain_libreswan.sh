#!/usr/bin/env bash
# Drain with move on libreswan 4.10 members: ikesteer empties m1 of its established sessions
# through m1's agent (ikesteer-agent run with [libreswan]: pluto through whack), each session to
# the member its client would be redirected to now. Real pluto members, real strongSwan and
# libreswan clients, the real agent and ikesteer.
#
# Why every client has its own connection on every member: pluto 4.10 redirects by connection
# name only (`whack --name C --redirect-to GW` sends the REDIRECT to every IKE SA of C); an
# instance of a road-warrior template ("rw[2]") is never such a name, so its IKE SA cannot be
# moved alone (the agent answers daemon_refused). A connection per client (right= its address,
# rightid= its identity) makes each session its own name, which the agent lists as the session
# id. This kernel has no ESP and pluto no userspace fallback: IKE SAs only.
#
# Topology (one bridge, documentation addresses):
#   front       198.51.100.1              ikesteer: IKE, agent reports (UDP 7701), HTTP API (8080)
#   m1, m2, m3  198.51.100.11 .. .13      pluto, connections c101 .. c105 (one per client), each
#                                         with ikesteer-agent run (commands on UDP 7702)
#   client      203.0.113.101 .. .104     one strongSwan charon, connections c101 .. c104
#   lc          203.0.113.105             a libreswan client (accept-redirect=yes), connection c105
#   All clients connect straight to m1.
#
# Checks:
#   1. every agent's reports are admitted; ikesteer shows 5 sessions on m1 and 0 on m2, m3
#   2. POST /api/v1/members/m1/drain?move=sessions is accepted and m1's move ends "empty":
#      no failure, none left, m1's agent reports 0, ikesteer_member_empty{member="m1"} is 1,
#      an event says m1 is empty
#   3. every strongSwan client's IKE SA is ESTABLISHED with the member ikesteer-ask from its
#      address is redirected to (m2 or m3), its log shows one redirect to it; pluto on that
#      member holds the client's connection established, no other member does
#   4. the libreswan client: the same on the members' side; its log shows the redirect to that
#      member and that it goes break-before-make: the old IKE SA is deleted before the client
#      sends its first IKE_SA_INIT to the new member
#
# Usage (as root): session_drain_libreswan.sh --ikesteer PATH --ask PATH --agent PATH
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=sessions_lib.sh
source "$HERE/sessions_lib.sh"

FRONT=198.51.100.1
MEMBERS=(m1 m2 m3)
declare -A MEMBER_V4=([m1]=198.51.100.11 [m2]=198.51.100.12 [m3]=198.51.100.13)
SW_CLIENTS=(203.0.113.101 203.0.113.102 203.0.113.103 203.0.113.104)
LS_CLIENT=203.0.113.105
AGENT_PORT=7701
COMMAND_PORT=7702
HTTP_PORT=8080
TOKEN="session-drain-libreswan-$RANDOM$RANDOM"
AGENT=""
ASK=""

conn_of() { echo "c${1##*.}"; }

# member_conf <member>: one ipsec.conf conn per client, named as the client names it.
member_conf() {
  local c
  for c in "${SW_CLIENTS[@]}" "$LS_CLIENT"; do
    cat <<EOC
conn $(conn_of "$c")
  ikev2=insist
  authby=secret
  left=${MEMBER_V4[$1]}
  leftid=@$IT_CLUSTER_ID
  right=$c
  rightid=@$(conn_of "$c").clients.example
  auto=add
EOC
  done
}

ikesteer_conf() {
  local m
  it_ikesteer_conf "$FRONT"
  cat <<EOF

[health]
agent_listen = ["$FRONT:$AGENT_PORT"]
agent_max_age = 5.0

[http]
listen = ["$FRONT:$HTTP_PORT"]
token = "$TOKEN"

[sessions]
new_ike_sas_per_second = 4
move_timeout = 15.0
EOF
  # No IKE probe: the agents' reports are the members' check (the probe's expected refusal
  # was measured against charon only).
  for m in "${MEMBERS[@]}"; do
    it_ikesteer_member "$m" "" "${MEMBER_V4[$m]}"
    cat <<EOF
agent_key = "$(sessions_key_of "$m")"
agent_commands = "${MEMBER_V4[$m]}:$COMMAND_PORT"
EOF
  done
}

agent_start() {
  sessions_agent_start "$1" "[libreswan]
whack = \"$IT_LIBRESWAN_ROOT/usr/libexec/ipsec/whack\"
ctlsocket = \"$(it_pluto_dir "$1")/run/pluto.ctl\"
timeout = 5.0"
}

# established_on <member> <connection>: pluto there holds an established IKE SA of it.
established_on() {
  it_whack "$1" --showstates |
    grep -qE "^(000 )?#[0-9]+: \"$2\"[ :].* STATE_V2_ESTABLISHED_IKE_SA "
}

# only_on <member> <connection>: established there and on no other member.
only_on() {
  local other
  established_on "$1" "$2" || return 1
  for other in "${MEMBERS[@]}"; do
    [[ "$other" == "$1" ]] && continue
    ! established_on "$other" "$2" || return 1
  done
}

# sw_with <connection> <member-address>: the strongSwan client's IKE SA of that connection is
# ESTABLISHED with that member.
sw_with() {
  it_ike_sas client | awk -v n="$1" -v a="$2" '$1 == n && $2 == "ESTABLISHED" && $4 == a { f = 1 } END { exit !f }'
}

member_of_address() {
  local m
  for m in "${MEMBERS[@]}"; do [[ "${MEMBER_V4[$m]}" == "$1" ]] && echo "$m"; done
  return 0
}

setup() {
  local m c conns=()
  it_libreswan_fetch
  it_topology_init
  it_host_add front "$FRONT"
  for m in "${MEMBERS[@]}"; do it_host_add "$m" "${MEMBER_V4[$m]}"; done
  it_host_add client "${SW_CLIENTS[@]}"
  it_host_add lc "$LS_CLIENT"
  it_wait_for 5 "the clients to reach m1 over the bridge" it_ping client "${MEMBER_V4[m1]}"
  for m in "${MEMBERS[@]}"; do it_pluto_start "$m" "$(member_conf "$m")"; done
  ikesteer_conf >"$IT_WORK/ikesteer.toml"
  it_ikesteer_start front "$IT_WORK/ikesteer.toml"
  for m in "${MEMBERS[@]}"; do agent_start "$m"; done

  for c in "${SW_CLIENTS[@]}"; do
    conns+=("$(it_client_conn "$(conn_of "$c")" "$c" "${MEMBER_V4[m1]}")")
  done
  it_charon_start client "$(it_client_swanctl_conf "${conns[@]}")" "$(it_charon_client_extra)"
  it_pluto_start lc "conn $(conn_of "$LS_CLIENT")
  ikev2=insist
  authby=secret
  left=$LS_CLIENT
  leftid=@$(conn_of "$LS_CLIENT").clients.example
  right=${MEMBER_V4[m1]}
  rightid=@$IT_CLUSTER_ID
  # libreswan announces REDIRECT_SUPPORTED only when told to.
  accept-redirect=yes
  auto=add"
  for c in "${SW_CLIENTS[@]}"; do
    it_initiate client "$(conn_of "$c")" 15 ||
      { cat "$IT_WORK/client/initiate-$(conn_of "$c").out" >&2; it_fail "client $c could not connect to m1"; }
  done
  # whack waits for the exchange; its status reflects the refused Child SA, not the IKE SA.
  it_whack lc --name "$(conn_of "$LS_CLIENT")" --initiate >"$IT_WORK/lc-initiate.out" 2>&1 || true
  for c in "${SW_CLIENTS[@]}" "$LS_CLIENT"; do
    it_wait_for 10 "m1 to hold $c's IKE SA" established_on m1 "$(conn_of "$c")"
  done
  it_log "5 clients (4 strongSwan, 1 libreswan) have their IKE SAs on m1"
}

check_reports() {
  it_wait_for 10 "ikesteer to show m1's 5 sessions" reported_sessions_is m1 5
  it_wait_for 10 "ikesteer to show 0 sessions on m2" reported_sessions_is m2 0
  it_wait_for 10 "ikesteer to show 0 sessions on m3" reported_sessions_is m3 0
  it_log "ikesteer shows the agents' session counts: m1 5, m2 0, m3 0"
}

check_strongswan_clients() {
  local c conn owner m clog n
  clog=$(it_charon_log client)
  for c in "${SW_CLIENTS[@]}"; do
    conn=$(conn_of "$c")
    owner=$(owner_of "$c")
    m=$(member_of_address "$owner")
    [[ "$m" == m2 || "$m" == m3 ]] || it_fail "ikesteer-ask from $c was redirected to '$owner', not to m2 or m3"
    it_wait_for 10 "$conn's IKE SA with its owner $m only" only_on "$m" "$conn"
    it_wait_for 10 "the client's $conn to be ESTABLISHED with $m" sw_with "$conn" "$owner"
    n=$(it_count_lines "$clog" "<$conn\\|[0-9]+> redirected to $(it_re_escape "$owner")\$")
    ((n == 1)) || it_fail "the client's log shows $n redirects of $conn to $owner, expected 1"
    it_log "strongSwan client $conn moved to its owner $m"
  done
}

# The libreswan client goes break-before-make: after the redirect of its IKE SA #N, its log shows
# #N deleted before the new IKE SA's IKE_SA_INIT leaves for the owner.
check_libreswan_client() {
  local conn owner m log redirect old deleted_at init_at
  conn=$(conn_of "$LS_CLIENT")
  owner=$(owner_of "$LS_CLIENT" lc)
  m=$(member_of_address "$owner")
  [[ "$m" == m2 || "$m" == m3 ]] || it_fail "ikesteer-ask from $LS_CLIENT was redirected to '$owner', not to m2 or m3"
  it_wait_for 20 "$conn's IKE SA with its owner $m only" only_on "$m" "$conn"
  log=$(it_pluto_log lc)
  it_log "libreswan client: $(grep -E "\"$conn\" #[0-9]+: " "$log" | sed -E "s/^.*\"$conn\" //" | tr '\n' ';')"
  redirect=$(grep -nE "\"$conn\" #[0-9]+: initiating active session redirect to new gateway \\(address: $(it_re_escape "$owner")\\)" "$log" | head -n 1)
  [[ -n "$redirect" ]] || it_fail "the libreswan client's log does not show the redirect to $owner"
  old=$(sed -nE 's/^.*" (#[0-9]+): initiating active session redirect.*/\1/p' <<<"$redirect")
  deleted_at=$(grep -nE "\"$conn\" $old: deleting state" "$log" | head -n 1 | cut -d: -f1)
  init_at=$(grep -nE "\"$conn\" #[0-9]+: sent IKE_SA_INIT request to $(it_re_escape "$owner"):" "$log" | head -n 1 | cut -d: -f1)
  [[ -n "$deleted_at" && -n "$init_at" ]] ||
    it_fail "the libreswan client's log lacks the deletion of $old or the IKE_SA_INIT to $owner"
  ((deleted_at < init_at)) ||
    it_fail "the libreswan client contacted $owner before deleting $old: not break-before-make"
  it_log "libreswan client $conn moved to its owner $m, break-before-make ($old deleted, then IKE_SA_INIT to $owner)"
}

main() {
  local args=()
  while (($#)); do
    case "$1" in
      --agent) AGENT=$2; shift 2 ;;
      --ask) ASK=$2; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  it_init session_drain_libreswan "${args[@]}"
  [[ -x "$AGENT" && -x "$ASK" ]] || it_fail "pass --agent PATH and --ask PATH"
  command -v jq >/dev/null || it_skip "missing jq"
  command -v curl >/dev/null || it_skip "missing curl"
  setup
  check_reports
  drain_with_move
  check_empty
  check_strongswan_clients
  check_libreswan_client
  it_ikesteer_finish front
}

main "$@"
