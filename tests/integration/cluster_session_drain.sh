#!/usr/bin/env bash
# Cluster mode, drain with move through a follower: session_drain.sh's members, agents and
# clients (sourced for its functions), in front of them two ikesteer instances sharing state in
# a three-member etcd (cluster_lib.sh). The drain is asked of the instance that does NOT lead;
# it writes the move request to etcd and the leader runs the moves through the agents.
#
#   e1..e3      192.0.2.21 .. .23         etcd (client :2379, peer :2380)
#   f1, f2      198.51.100.1, .2          ikesteer, [cluster] lease_ttl 2: IKE, agent reports
#                                         (UDP 7701), HTTP API (8080); both with every member's
#                                         agent_key and agent_commands
#   m1, m2, m3  198.51.100.11 .. .13      strongSwan members with ikesteer-agent run, reporting
#                                         to both instances (report_to takes a list), commands
#                                         on UDP 7702 (from whichever instance leads)
#   client      203.0.113.101 .. .112     12 strongSwan connections, all established on m1
#
# Checks:
#   1. one leader, named alike by both instances; both ready and showing the agents' counts
#      (m1 12, m2 0, m3 0)
#   2. POST /api/v1/members/m1/drain?move=sessions on the follower answers 200, and etcd holds
#      <prefix>moves/m1
#   3. the leader runs the job (its /api/v1/moves lists m1), paced at the budget, until m1 is
#      empty (session_drain's check_paced and check_empty, on the leader)
#   4. only the leader acted: the follower's /api/v1/moves is empty, its m1 has no move job and
#      every ikesteer_agent_commands_total of it is 0
#   5. both instances redirect every client (ikesteer-ask from its address) to the same member,
#      and every session is there and nowhere else, none lost, one redirect each
#      (session_drain's check_sessions_on_owners)
#   6. a second drain with move through the follower, of m3 (where about half the sessions went):
#      the leader moves them all to m2, and m1's finished job is left as it was (not started
#      over by the new request: same start, same counts)
#   7. undrains of m1 and m3 through the follower remove the requests from etcd (nothing under
#      <prefix>moves/) and both instances show them up again; both stop cleanly
#
# Usage (as root): cluster_session_drain.sh --ikesteer PATH --ask PATH --agent PATH
set -euo pipefail
SD_CLIENTS=${SD_CLIENTS:-12}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=session_drain.sh
source "$HERE/session_drain.sh"  # lib.sh, sessions_lib.sh, the members and clients
# shellcheck source=cluster_lib.sh
source "$HERE/cluster_lib.sh"

TTL=2
PREFIX=/ikesteer/
INSTANCES=(f1 f2)
declare -A FRONT_OF=([f1]=198.51.100.1 [f2]=198.51.100.2)
AGENT_REPORT_TO=()
for f in "${INSTANCES[@]}"; do AGENT_REPORT_TO+=("${FRONT_OF[$f]}:$AGENT_PORT"); done
ON=f1

# on <instance> <command...>: sessions_lib.sh's and session_drain.sh's functions (api, metric,
# member_json, owner_of, ikesteer_conf, check_*) against that instance.
on() {
  local ON=$1 FRONT=${FRONT_OF[$1]}
  shift
  "$@"
}
api() { it_exec "$ON" curl -sS --max-time 5 "$@"; }

post() {  # post <instance> <path>: prints "<body> <status>"
  on "$1" api -X POST -H "Authorization: Bearer $TOKEN" -w ' %{http_code}' \
    "http://${FRONT_OF[$1]}:$HTTP_PORT$2" || true
}
cluster_field() { on "$1" api "http://${FRONT_OF[$1]}:$HTTP_PORT/api/v1/cluster" | jq -r "$2"; }
moves_of() { on "$1" api "http://${FRONT_OF[$1]}:$HTTP_PORT/api/v1/moves"; }
move_requests() { cl_etcdctl get "${PREFIX}moves/" --prefix --keys-only | sed '/^$/d'; }
no_move_request() { [[ -z "$(move_requests)" ]]; }
state_on_is() { [[ $(on "$1" member_json "$2" | jq -r .state) == "$3" ]]; }

# leader_agreed: both instances name the same leader, which acts; prints it.
leader_agreed() {
  local f l leader=""
  for f in "${INSTANCES[@]}"; do
    l=$(cluster_field "$f" .leader) || return 1
    [[ -n "$l" && (-z "$leader" || "$l" == "$leader") ]] || return 1
    leader=$l
  done
  [[ -n "${FRONT_OF[$leader]:-}" && $(cluster_field "$leader" .acting) == true ]] || return 1
  echo "$leader"
}

# drain_through <follower> <leader>: the drain asked of the follower; samples the leader's job
# (requested moves, for check_paced) until m1 is empty. Sets, in ms from the follower's answer:
# JOB_MS (the leader's job for m1 first seen), FIRST_MOVE_MS (its first move request seen; both
# when the API answer came, so at most one poll late), FIRST_REDIRECT_MS (the first REDIRECT in
# the client's log, to the ms) and DRAIN_MS (m1 empty).
drain_through() {
  local follower=$1 leader=$2 out t0 answer_tod now requested state
  out=$(post "$follower" /api/v1/members/m1/drain?move=sessions)
  t0=$(it_now_ms)
  answer_tod=$(date +%H:%M:%S.%3N)
  [[ "$out" == *" 200" ]] || it_fail "the follower $follower did not accept drain?move=sessions of m1: $out"
  JOB_MS="" FIRST_MOVE_MS=""
  : >"$IT_WORK/requested.samples"
  while :; do
    now=$(it_now_ms)
    ((now - t0 < 60000)) || it_fail "m1 was not empty 60 s after the drain: $(moves_of "$leader")"
    read -r requested state < <(moves_of "$leader" |
      jq -r '[.moves[] | select(.member == "m1" and .address == null)][0] |
        "\(.requested // 0) \(.state // "none")"')
    printf '%d %s\n' $((now - t0)) "$requested" >>"$IT_WORK/requested.samples"
    now=$(it_now_ms)
    [[ -n "$JOB_MS" || "$state" == none ]] || JOB_MS=$((now - t0))
    [[ -n "$FIRST_MOVE_MS" || "$requested" == 0 ]] || FIRST_MOVE_MS=$((now - t0))
    [[ "$state" == empty ]] && break
    sleep 0.02
  done
  DRAIN_MS=$(($(it_now_ms) - t0))
  [[ -n "$FIRST_MOVE_MS" ]] || it_fail "m1 became empty on $leader without a move: $(moves_of "$leader")"
  # charon-ms.log: "<HH:MM:SS.mmm> ... <cN|k> redirected to ..." (local time, as date's).
  FIRST_REDIRECT_MS=$(awk -v t0="$answer_tod" '
    function ms(t,  p) { split(t, p, /[:.]/); return ((p[1] * 60 + p[2]) * 60 + p[3]) * 1000 + p[4] }
    / redirected to / { d = ms($1) - ms(t0); if (d >= 0) { print d; exit } }' \
    "$(it_charon_dir client)/charon-ms.log")
  it_log "2. the follower $follower answered 200; from then: the leader $leader's job seen after $JOB_MS ms, its first move request after $FIRST_MOVE_MS ms, the first REDIRECT at a client after ${FIRST_REDIRECT_MS:-?} ms, m1 empty after $DRAIN_MS ms"
}

job_state_is() {  # <instance> <member> <state>: its drain job for the member is in that state
  [[ $(moves_of "$1" | jq -r --arg m "$2" '.moves[] | select(.member == $m and .address == null) |
    .state') == "$3" ]]
}

# m1_job_of <instance>: its drain job for m1 (start, counts), compact.
m1_job_of() {
  moves_of "$1" | jq -c '.moves[] | select(.member == "m1" and .address == null) |
    {started_at, state, total, requested, moved, failed}'
}

# only_leader_acted <follower>: no move job and no agent command on the follower.
only_leader_acted() {
  local f=$1 sent
  [[ $(moves_of "$f" | jq '.moves | length') == 0 ]] ||
    it_fail "the follower $f has move jobs: $(moves_of "$f")"
  [[ $(on "$f" member_json m1 | jq -c .sessions.move) == null ]] ||
    it_fail "the follower $f shows a move job for m1: $(on "$f" member_json m1 | jq -c .sessions)"
  sent=$(on "$f" api "http://${FRONT_OF[$f]}:$HTTP_PORT/metrics" |
    awk '$1 ~ /^ikesteer_agent_commands_total[{ ]/ { n += $2; k++ } END { print k + 0, n + 0 }')
  [[ "$sent" != "0 "* ]] || it_fail "the follower $f has no ikesteer_agent_commands_total metric"
  [[ "$sent" == *" 0" ]] || it_fail "the follower $f sent agent commands: $sent (series, total)"
}

# same_owner_everywhere: ikesteer-ask from each client's address is redirected to the same
# member by both instances.
same_owner_everywhere() {
  local c f first r
  for c in "${CLIENTS[@]}"; do
    first=""
    for f in "${INSTANCES[@]}"; do
      r=$(on "$f" owner_of "$c")
      [[ -n "$r" ]] || it_fail "$f gives $c no redirect"
      [[ -z "$first" || "$r" == "$first" ]] || it_fail "$c is redirected to $first by f1 but to $r by $f"
      first=$r
    done
  done
}

main() {
  local args=() f m leader follower
  while (($#)); do
    case "$1" in
      --agent) AGENT=$2; shift 2 ;;
      --ask) ASK=$2; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  it_init cluster_session_drain "${args[@]}"
  [[ -x "$AGENT" && -x "$ASK" ]] || it_fail "pass --agent PATH and --ask PATH"
  for tool in etcd etcdctl jq curl; do
    command -v "$tool" >/dev/null || it_skip "missing $tool (.ci/packages/integration.txt)"
  done

  it_topology_init
  it_host_add e1 192.0.2.21
  it_host_add e2 192.0.2.22
  it_host_add e3 192.0.2.23
  for f in "${INSTANCES[@]}"; do it_host_add "$f" "${FRONT_OF[$f]}"; done
  setup_peers
  cl_etcd_start e1 e2 e3
  for f in "${INSTANCES[@]}"; do
    {
      on "$f" ikesteer_conf
      cl_ikesteer_cluster_conf --advertise "http://${FRONT_OF[$f]}:$HTTP_PORT" --prefix "$PREFIX" \
        "$f" "$TTL"
    } >"$IT_WORK/$f.toml"
    it_ikesteer_start "$f" "$IT_WORK/$f.toml"
  done
  for m in "${MEMBERS[@]}"; do agent_start "$m"; done
  connect_clients

  # 1. one leader; both instances see the agents
  it_wait_for 15 "one leader, named by f1 and f2" leader_agreed
  leader=$(leader_agreed)
  follower=$([[ "$leader" == f1 ]] && echo f2 || echo f1)
  for f in "${INSTANCES[@]}"; do
    it_wait_for 10 "$f to be ready" on "$f" api -f "http://${FRONT_OF[$f]}:$HTTP_PORT/readyz"
    it_wait_for 10 "$f to show m1's ${#CLIENTS[@]} sessions" on "$f" reported_sessions_is m1 "${#CLIENTS[@]}"
    it_wait_for 10 "$f to show 0 sessions on m2" on "$f" reported_sessions_is m2 0
    it_wait_for 10 "$f to show 0 sessions on m3" on "$f" reported_sessions_is m3 0
    for m in "${MEMBERS[@]}"; do it_wait_for 10 "$f to show $m up" state_on_is "$f" "$m" up; done
  done
  it_log "1. leader $leader, follower $follower; both show m1 ${#CLIENTS[@]} sessions, m2 0, m3 0"

  # 2, 3. the drain through the follower, run by the leader
  drain_through "$follower" "$leader"
  [[ $(move_requests) == "${PREFIX}moves/m1" ]] ||
    it_fail "etcd's move requests are not just m1's: '$(move_requests)'"
  on "$leader" check_paced
  on "$leader" check_empty
  it_wait_for 5 "$follower to show m1's 0 sessions too" on "$follower" reported_sessions_is m1 0
  it_log "3. the leader's job: $(moves_of "$leader" | jq -c '.moves[] | {member, state, requested, moved, failed}')"

  # 4. the follower did nothing but write the request
  only_leader_acted "$follower"
  it_log "4. the follower $follower has no move job and sent no agent command"

  # 5. every session where both instances would send its client
  local t5
  t5=$(it_now_ms)
  same_owner_everywhere
  on "$leader" check_sessions_on_owners
  it_log "5. f1 and f2 redirect every client to the member its session was moved to ($(($(it_now_ms) - t5)) ms of checks)"

  # 6. a second request (m3) while m1's is still there: the leader runs it, and m1's finished
  # job is left as it is (not started over: no new list or move, its record kept)
  local m1_job m3_clients=() c
  m1_job=$(m1_job_of "$leader")
  for c in "${CLIENTS[@]}"; do [[ "${OWNER_OF[$c]}" == m3 ]] && m3_clients+=("$c"); done
  ((${#m3_clients[@]} > 0)) || it_fail "no session went to m3: nothing to move from it"
  out=$(post "$follower" /api/v1/members/m3/drain?move=sessions)
  [[ "$out" == *" 200" ]] || it_fail "the follower $follower did not accept drain?move=sessions of m3: $out"
  it_wait_for 30 "the leader's job for m3 to be empty" job_state_is "$leader" m3 empty
  for c in "${CLIENTS[@]}"; do OWNER_OF[$c]=m2; done
  local deadline=$(($(it_now_ms) + 15000)) why
  until why=$(all_on_owners); do
    (($(it_now_ms) < deadline)) || it_fail "15 s after m3 was empty, not every client is on m2 only: $why"
    sleep 0.2
  done
  [[ $(m1_job_of "$leader") == "$m1_job" ]] ||
    it_fail "m1's finished job changed when m3's move was asked: was $m1_job, now $(m1_job_of "$leader")"
  [[ $(move_requests | paste -sd' ') == "${PREFIX}moves/m1 ${PREFIX}moves/m3" ]] ||
    it_fail "etcd's move requests are not m1's and m3's: '$(move_requests)'"
  it_log "6. drain?move of m3 through $follower: the leader moved its ${#m3_clients[@]} sessions to m2; m1's finished job untouched"

  # 7. undrain through the follower
  for m in m1 m3; do
    out=$(post "$follower" "/api/v1/members/$m/undrain")
    [[ "$out" == *" 200" ]] || it_fail "the follower $follower did not accept the undrain of $m: $out"
  done
  it_wait_for 5 "etcd to hold no move request" no_move_request
  for f in "${INSTANCES[@]}"; do
    for m in m1 m3; do it_wait_for 5 "$f to show $m up" state_on_is "$f" "$m" up; done
  done
  only_leader_acted "$follower"
  it_log "7. undrain of m1 and m3 through $follower: no move request left in etcd, both up on f1 and f2"

  for f in "${INSTANCES[@]}"; do it_ikesteer_finish "$f"; done
}

main "$@"
