#!/usr/bin/env bash
# Failback without a second cut, with real strongSwan members, clients and agents: m1 fails, its
# service address moves to m2 and m1's clients set up their IKE SAs again on m2 at that address;
# when m1 is back, ikesteer must first move those sessions off the address (through m2's agent,
# paced, never to m1) and only then release the address home. Topology and helpers:
# failover_lib.sh (members, clients, hook, probes) and sessions_lib.sh (agents, API).
#
#   front     198.51.100.2                 ikesteer (IKE, DNS, agent reports on 7701, API 8080)
#   m1..m3    192.0.2.11..13 (management: probes, agent commands on 7702, never moves)
#             198.51.100.11..13 (service addresses; m1's has failover = "member:m2")
#   c1 c2 c7 c8 -> m1's service address, c3 c4 -> m2's, c5 c6 -> m3's (dpd_delay 1 s);
#   r1 through the front end's REDIRECT to m1
#
# Steps: every agent reports; m1's charon is SIGKILLed; its address moves to m2 and m1's clients
# are ESTABLISHED again on m2 at 198.51.100.11; m1's charon is started again (same config);
# after failback_hold (2 s) ikesteer moves m2's sessions on that address, then releases it.
#
# Checks:
#   1. ikesteer's log (its events), after the failback began, in this order: "address
#      move_sessions started" (holder m2), "moving N sessions of m2 on 198.51.100.11 before it
#      goes home to m1", "no session of m2 is left on 198.51.100.11: N sessions moved, 0 failed",
#      "address move_sessions succeeded", then "address release started" (holder m2); N is the
#      number of m2's IKE SAs on 198.51.100.11 before the failback; the hook's release on m2
#      ran after the failback began; /api/v1/events has the same order
#   2. every affected client's own log, after the failback began, shows exactly one REDIRECT
#      (to 198.51.100.12 or .13, never .11), and no sign of a lost IKE SA (no retransmission, no
#      DPD restart, no new IKE_SA_INIT to 198.51.100.11); its IKE SA is then ESTABLISHED with
#      m2's or m3's own address, seen on both sides, and none is left on m1's address
#   3. m1 has 198.51.100.11 again (m2 not), ikesteer's own verify of the claim succeeded, and
#      it answers IKE there (m1's charon logs the
#      probe); the clients of m2 and m3 kept their very IKE SAs throughout
# Printed: the time from the failback's start (the move job) to the release, and the sessions
# moved.
#
# Usage (as root): failback_moves.sh --ikesteer PATH --agent PATH --ask PATH
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=failover_lib.sh
source "$HERE/failover_lib.sh"
# shellcheck source=sessions_lib.sh
source "$HERE/sessions_lib.sh"

# Two more clients on m1 (four direct ones, plus r1 through the front end).
FO_CLIENTS=(c1 c2 c3 c4 c5 c6 c7 c8)
FO_CLIENT_ADDR+=([c7]=203.0.113.27 [c8]=203.0.113.28)
FO_HOME+=([c7]=m1 [c8]=m1)
# Read by failover_lib.sh.
# shellcheck disable=SC2034
FO_FAULT="kill" FO_FAILOVER="least-loaded" FO_DRIVER="ikesteer" FO_DEADLINE=30

# sessions_lib.sh's names: agents take commands on the management addresses.
# shellcheck disable=SC2034
FRONT=$FO_FRONT
declare -A MEMBER_V4=()
# shellcheck disable=SC2034
for m in "${FO_MEMBERS[@]}"; do MEMBER_V4[$m]=${FO_MGMT[$m]}; done
unset m
AGENT_PORT=7701
COMMAND_PORT=7702
HTTP_PORT=8080
TOKEN="failback-moves-$RANDOM$RANDOM"
AGENT=""
MOVES_PER_SECOND=4
FAILBACK_HOLD=2.0
HOME_ADDR=${FO_SERVICE[$FO_FAILED]}

# failover_lib.sh's configuration with the agents, the API, the session budget and failback.
eval "fb_base_ikesteer_conf() $(declare -f fo_ikesteer_conf | sed 1d)"
fo_ikesteer_conf() {
  local m
  fb_base_ikesteer_conf | awk -v hold="$FAILBACK_HOLD" -v port="$COMMAND_PORT" \
    -v k1="$(sessions_key_of m1)" -v k2="$(sessions_key_of m2)" -v k3="$(sessions_key_of m3)" \
    -v a1="${FO_MGMT[m1]}" -v a2="${FO_MGMT[m2]}" -v a3="${FO_MGMT[m3]}" '
    /^name = "/ { member = $3 }
    # m1 fails over to m2, the others (which do not fail here) to the least loaded.
    /^failover = / && member == "\"m1\"" { print "failover = \"member:m2\""; next }
    { print }
    /^fencing = / {
      print "failback = \"auto\""
      print "failback_hold = " hold
      print "failback_move_timeout = 30.0"
    }
    /^name = "m[123]"$/ {
      n = substr($3, 3, 1)
      key = (n == 1 ? k1 : n == 2 ? k2 : k3)
      addr = (n == 1 ? a1 : n == 2 ? a2 : a3)
      print "agent_key = \"" key "\""
      print "agent_commands = \"" addr ":" port "\""
    }'
  cat <<EOF

[health]
agent_listen = ["$FO_FRONT:$AGENT_PORT"]
agent_max_age = 5.0

[http]
listen = ["$FO_FRONT:$HTTP_PORT"]
token = "$TOKEN"

[sessions]
new_ike_sas_per_second = $MOVES_PER_SECOND
move_timeout = 3.0
EOF
}

# A member with agent_key is down without its agent's reports: fo_setup's ikesteer gets the
# agents at once (the members' charons run by then).
eval "fb_base_ikesteer_start() $(declare -f it_ikesteer_start | sed 1d)"
it_ikesteer_start() {
  local m
  fb_base_ikesteer_start "$@"
  for m in "${FO_MEMBERS[@]}"; do
    sessions_agent_start "$m" "[strongswan]
vici = \"unix://$(it_charon_dir "$m")/charon.vici\""
  done
}

# --------------------------------------------------------------------------- observations

# on_home_addr <member>: the client addresses of the member's ESTABLISHED IKE SAs whose local
# address is m1's service address, one per line, sorted.
on_home_addr() {
  it_ike_sas "$1" | awk -v a="$HOME_ADDR" '$2 == "ESTABLISHED" && $3 == a { print $4 }' | sort
}

on_m2_and_answers() {
  [[ $(fo_owner_of "$HOME_ADDR") == m2 ]] && fo_ike_answers "$HOME_ADDR"
}

m2_has_on_home_addr() { on_home_addr m2 | grep -qxF "$1"; }

# one_sa_with <client> <address>: the client's only IKE SA is ESTABLISHED with that address.
one_sa_with() {
  local sas
  sas=$(it_ike_sas "$1")
  [[ $(grep -c . <<<"$sas") == 1 ]] && awk -v a="$2" '$2 == "ESTABLISHED" && $4 == a { f = 1 } END { exit !f }' <<<"$sas"
}

# client_of <address>: the client host (c1.., r1) with that address.
client_of() {
  local c
  for c in "${FO_CLIENTS[@]}"; do
    [[ "${FO_CLIENT_ADDR[$c]}" == "$1" ]] && { echo "$c"; return 0; }
  done
  [[ "$1" == "$FO_REDIRECT_ADDR" ]] && echo r1
}

# stamped_after <ms>: ikesteer's stamped log lines from that ms on, numbered ("<n> <ms> line").
stamped_after() {
  awk -v t0="$1" '$1 >= t0 { print NR " " $0 }' "$FO_STAMPED"
}

# first_line <ms> <extended-regex>...: the first stamped line from <ms> on that matches every
# regex, as "<n> <ms> line" ("" if none).
first_line() {
  local t0=$1 out
  shift
  out=$(stamped_after "$t0")
  while (($#)); do
    out=$(grep -E -- "$1" <<<"$out" || true)
    shift
  done
  head -n 1 <<<"$out"
}

A_RE=$(it_re_escape "$HOME_ADDR")
RE_ADDR="address=\"?$A_RE\"?( |\$)"
RE_M2='holder="?m2"?( |$)'

# has_line <ms> <extended-regex>...: such a line was logged from <ms> on.
has_line() { [[ -n "$(first_line "$@")" ]]; }

released_home() {
  [[ -n "$(first_line "$FB_T0" 'msg="?address release started' "$RE_ADDR" "$RE_M2")" ]]
}

# home_again: m1 holds its address again, m2 does not, and it answers IKE from m1's charon.
home_again() {
  it_has_address m1 "$HOME_ADDR" && ! it_has_address m2 "$HOME_ADDR" &&
    fo_ike_answers "$HOME_ADDR" &&
    it_file_has "$(it_charon_log m1)" \
      "received packet: from $(it_re_escape "$FO_PROBER")\\[[0-9]+\\] to $A_RE\\[500\\]"
}

# client_settled <client>: exactly one ESTABLISHED IKE SA, with m2's or m3's own address.
client_settled() {
  local sas
  sas=$(it_ike_sas "$1")
  [[ $(grep -c . <<<"$sas") == 1 ]] &&
    awk -v a="${FO_SERVICE[m2]}" -v b="${FO_SERVICE[m3]}" \
      '$2 == "ESTABLISHED" && ($4 == a || $4 == b) { f = 1 } END { exit !f }' <<<"$sas"
}

all_settled() {
  local c
  for c in "${AFFECTED_CLIENTS[@]}"; do client_settled "$c" || return 1; done
}

# A client that lost its IKE SA: its retransmissions (DPD or other) gave up, the peer deleted
# it, or it set it up again towards the old address (dpd_action/close_action = restart). A
# REDIRECT also logs "restarting CHILD_SA" and deletes the old IKE SA, but the client sends that
# DELETE itself and initiates towards the new gateway. Seen in the failover phase of this very
# test (the script checks that they match there).
LOST_RE="giving up after [0-9]+ retransmits|received DELETE for IKE_SA|initiating IKE_SA [^ ]+ to $A_RE\$"

# --------------------------------------------------------------------------- the test

main() {
  local args=() c a n t line sas
  while (($#)); do
    case "$1" in
      --agent) AGENT=$2; shift 2 ;;
      --ask) ASK=$2; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  it_init failback_moves "${args[@]}"
  [[ -n "$AGENT" && -x "$AGENT" ]] || it_fail "pass --agent PATH (ikesteer-agent)"
  command -v jq >/dev/null || it_skip "missing jq"
  command -v curl >/dev/null || it_skip "missing curl"
  fo_check_tools
  fo_setup
  it_wait_for 15 "ikesteer to show m1's 5 sessions" reported_sessions_is m1 5
  it_wait_for 15 "ikesteer to show m2's 2 sessions" reported_sessions_is m2 2
  fo_snapshot_unaffected
  it_log "agents report: m1 5, m2 2, m3 $(member_json m3 | jq -r '.sessions.count')"

  # ----- the fault: m1's address goes to m2, its clients come back there
  FO_T0=$(it_now_ms)
  fo_fault
  it_wait_for 15 "$HOME_ADDR to move to m2 and answer IKE there" on_m2_and_answers
  for c in c1 c2 c7 c8; do
    it_wait_for 20 "client $c to be ESTABLISHED on m2 at $HOME_ADDR" \
      m2_has_on_home_addr "${FO_CLIENT_ADDR[$c]}"
  done
  it_wait_for 20 "client r1 to be ESTABLISHED again" fo_affected_recovered
  # Settled: the same sessions on the address for a second (no stragglers from the failover).
  sas=""
  for ((n = 0; n < 20; n++)); do
    a=$(on_home_addr m2)
    [[ "$a" == "$sas" ]] && break
    sas=$a
    sleep 1
  done
  AFFECTED_CLIENTS=()
  for a in $sas; do
    c=$(client_of "$a")
    [[ -n "$c" ]] || it_fail "m2 has an IKE SA on $HOME_ADDR from an unknown peer $a"
    AFFECTED_CLIENTS+=("$c")
    it_wait_for 10 "client $c to hold exactly one IKE SA (ESTABLISHED, with $HOME_ADDR)" one_sa_with "$c" "$HOME_ADDR"
  done
  ((${#AFFECTED_CLIENTS[@]} >= 4)) ||
    it_fail "only ${#AFFECTED_CLIENTS[@]} sessions on m2 at $HOME_ADDR: $sas"
  it_log "after the failover: m2 holds ${#AFFECTED_CLIENTS[@]} sessions on $HOME_ADDR (${AFFECTED_CLIENTS[*]}); took $(($(it_now_ms) - FO_T0)) ms"
  fo_check_unaffected
  # The patterns for a lost IKE SA do match what the failover did to m1's direct clients.
  for c in c1 c2 c7 c8; do
    if ! grep -qE "giving up after [0-9]+ retransmits" "$(it_charon_log "$c")" ||
      ! grep -qE "initiating IKE_SA [^ ]+ to $A_RE\$" "$(it_charon_log "$c")"; then
      it_fail "client $c's log does not show the loss at the failover the way this test looks for it"
    fi
  done

  # ----- the failback: m1's charon again, same configuration
  declare -gA LOG_FROM=()
  for c in "${AFFECTED_CLIENTS[@]}"; do
    LOG_FROM[$c]=$(($(wc -l <"$(it_charon_log "$c")") + 1))
  done
  FB_T0=$(it_now_ms)
  it_charon_start m1 "$(it_member_swanctl_conf "$(fo_member_children)")"
  it_log "m1's charon is running again"
  it_wait_for 60 "ikesteer to release $HOME_ADDR from m2" released_home
  it_wait_for 20 "$HOME_ADDR to be on m1 again and answer IKE there" home_again
  it_ikesteer_alive front

  # 1. the order of ikesteer's lines
  local l_start l_moving l_empty l_ok l_release n_start n_moving n_empty n_ok n_release total moved
  l_start=$(first_line "$FB_T0" 'msg="?address move_sessions started' "$RE_ADDR" "$RE_M2")
  l_moving=$(first_line "$FB_T0" "moving [0-9]+ sessions of m2 on $A_RE before it goes home to m1")
  l_empty=$(first_line "$FB_T0" "no session of m2 is left on $A_RE: [0-9]+ sessions moved, [0-9]+ failed")
  l_ok=$(first_line "$FB_T0" 'msg="?address move_sessions (succeeded|failed)' "$RE_ADDR")
  l_release=$(first_line "$FB_T0" 'msg="?address release started' "$RE_ADDR" "$RE_M2")
  for line in l_start l_moving l_empty l_ok l_release; do
    [[ -n "${!line}" ]] || it_fail "ikesteer did not log ${line#l_} for $HOME_ADDR after the failback began"
  done
  n_start=${l_start%% *} n_moving=${l_moving%% *} n_empty=${l_empty%% *} n_ok=${l_ok%% *}
  n_release=${l_release%% *}
  ((n_start < n_moving && n_moving < n_empty && n_empty < n_ok && n_ok < n_release)) ||
    it_fail "ikesteer's lines are out of order (move start $n_start, listing $n_moving, empty $n_empty, result $n_ok, release $n_release)"
  [[ "$l_ok" == *succeeded* ]] || it_fail "the move job did not succeed: $l_ok"
  total=$(sed -nE 's/.*moving ([0-9]+) sessions of m2 .*/\1/p' <<<"$l_moving")
  moved=$(sed -nE 's/.*: ([0-9]+) sessions moved, ([0-9]+) failed.*/\1 \2/p' <<<"$l_empty")
  [[ "$total" == "${#AFFECTED_CLIENTS[@]}" ]] ||
    it_fail "the job listed $total sessions of m2 on $HOME_ADDR, m2 had ${#AFFECTED_CLIENTS[@]}"
  [[ "$moved" == "$total 0" ]] || it_fail "not every session moved: $l_empty"
  # Never m1: the batch lines name the targets.
  ! stamped_after "$FB_T0" | grep -E "moved [0-9]+ sessions of m2:.* to m1[,;]" ||
    it_fail "ikesteer moved a session of m2 to m1"
  # The hook's release on m2 came after the job had found the address empty.
  t=$(awk -v a="$HOME_ADDR" -v t0="$FB_T0" '$3 == "release" && $4 == "m2" && $5 == a && $1 >= t0 { print $1; exit }' "$FO_MAP.log")
  [[ -n "$t" ]] || it_fail "the hook never released $HOME_ADDR on m2 after the failback began"
  local t_start
  t_start=$(awk '{ print $2 }' <<<"$l_start")
  # (ikesteer's line order above is the proof of "after"; the stamps are when this script read
  # the lines, so they only bound the figures printed below.)
  # The same order in the API's events.
  api "http://$FO_FRONT:$HTTP_PORT/api/v1/events?after=0" >"$IT_WORK/events.json"
  jq -e --arg a "$HOME_ADDR" '
    [.. | objects | select(has("message")) ] as $e
    | ($e | map(.message) | index("address move_sessions started")) as $s
    | ($e | map(.message | test("^no session of m2 is left on " + $a)) | index(true)) as $empty
    | ($e | map(.message == "address release started") | rindex(true)) as $r
    | $s != null and $empty != null and $r != null and $s < $empty and $empty < $r' \
    "$IT_WORK/events.json" >/dev/null ||
    it_fail "/api/v1/events does not show move start < address empty < release: $(jq -c '[.. | objects | select(has("message")) | .message]' "$IT_WORK/events.json")"

  # 2. the clients: one REDIRECT each, no lost IKE SA, then on m2's or m3's own address
  it_wait_for 15 "every affected client to have one ESTABLISHED IKE SA on m2's or m3's own address" all_settled
  declare -A count=()
  local retransmits=0
  for c in "${AFFECTED_CLIENTS[@]}"; do
    local clog after redirects where owner
    clog=$(it_charon_log "$c")
    after=$(tail -n +"${LOG_FROM[$c]}" "$clog")
    redirects=$(grep -cE "redirected to " <<<"$after" || true)
    ((redirects == 1)) || it_fail "client $c's log shows $redirects redirects after the failback began: $(grep -E 'redirect' <<<"$after" | tr '\n' ';')"
    grep -qE "redirected to (${FO_SERVICE[m2]//./\\.}|${FO_SERVICE[m3]//./\\.})( |\$)" <<<"$after" ||
      it_fail "client $c was not redirected to m2's or m3's own address: $(grep -E 'redirected to' <<<"$after")"
    ! grep -E -- "$LOST_RE" <<<"$after" >"$IT_WORK/$c.lost" ||
      it_fail "client $c's log shows a lost IKE SA after the failback began: $(head -n 3 "$IT_WORK/$c.lost" | tr '\n' ';')"
    retransmits=$((retransmits + $(grep -cE "retransmit [0-9]+ of request" <<<"$after" || true)))
    where=$(it_ike_sas "$c" | awk '$2 == "ESTABLISHED" { print $4 }')
    owner=""
    for m in m2 m3; do [[ "${FO_SERVICE[$m]}" == "$where" ]] && owner=$m; done
    a=$( [[ "$c" == r1 ]] && echo "$FO_REDIRECT_ADDR" || echo "${FO_CLIENT_ADDR[$c]}")
    it_ike_sas "$owner" | awk -v c="$a" -v l="$where" '$2 == "ESTABLISHED" && $4 == c && $3 == l { f = 1 } END { exit !f }' ||
      it_fail "$owner has no ESTABLISHED IKE SA from $c ($a) on its own address $where"
    count[$owner]=$((${count[$owner]:-0} + 1))
    it_log "client $c: one REDIRECT, now ESTABLISHED with $owner at $where"
  done
  [[ -z "$(on_home_addr m2)" ]] || it_fail "m2 still holds IKE SAs on $HOME_ADDR: $(on_home_addr m2)"
  [[ -z "$(it_ike_sas m1)" ]] || it_fail "m1 holds IKE SAs (nothing should be moved there): $(it_ike_sas m1)"

  # 3. the address is home and answers there; everybody else kept their IKE SA
  home_again || it_fail "$HOME_ADDR is not on m1 (or does not answer IKE there)"
  # ikesteer's own check after the claim (an IKE probe to the address) says so too.
  it_wait_for 10 "ikesteer to log that $HOME_ADDR answers IKE on m1 again" \
    has_line "$FB_T0" 'msg="?address verify succeeded' "$RE_ADDR" 'holder="?m1"?( |$)'
  fo_check_unaffected

  it_log "failback: move job started $((t_start - FB_T0)) ms after m1's charon started; release $((t - t_start)) ms after the job started ($((t - FB_T0)) ms after m1 came back)"
  it_log "sessions moved: $total of $total (m2 ${count[m2]:-0}, m3 ${count[m3]:-0}, m1 0), none failed, no client lost its IKE SA ($retransmits retransmissions in their logs)"
  it_ikesteer_finish front
}

main "$@"
