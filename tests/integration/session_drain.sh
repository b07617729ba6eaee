#!/usr/bin/env bash
# Drain with move: ikesteer empties a member of its established sessions through the member's
# agent (ikesteer-agent run, over strongSwan's VICI), paced, each session to the member its
# client would be redirected to now. Real strongSwan members and clients, the real agent.
#
# Topology (one bridge, documentation addresses):
#   front       198.51.100.1              ikesteer: IKE, agent reports (UDP 7701), HTTP API (8080)
#   m1, m2, m3  198.51.100.11 .. .13      strongSwan members, each with ikesteer-agent run
#                                         (commands on UDP 7702)
#   client      203.0.113.101 .. .124     one strongSwan charon, one connection (an IKE SA with
#                                         one CHILD SA) per address, all straight to m1
#
# Checks:
#   1. every agent's reports are admitted; ikesteer shows 24 sessions on m1 and 0 on m2, m3
#   2. POST /api/v1/members/m1/drain?move=sessions (bearer token) is accepted
#   3. the moves are paced: at most the budget (4 per second, plus the bucket's burst) were
#      requested at every moment ikesteer was sampled, so the drain takes at least
#      (24 - burst) / 4 seconds
#   4. m1 ends "empty": ikesteer's API says so, the metric ikesteer_member_empty{member="m1"} is
#      1, m1's agent reports 0 sessions, the event log says m1 is empty, and nothing failed
#   5. every client has an ESTABLISHED IKE SA with an INSTALLED CHILD SA on the member that
#      ikesteer-ask, sent from the client's address, is redirected to after the drain (its hash
#      owner among m2 and m3), none left on m1 or the other member; all 24 client connections
#      are up (none lost), no authentication failed, each client log shows one redirect
#
# Usage (as root): session_drain.sh --ikesteer PATH --ask PATH --agent PATH
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

FRONT=198.51.100.1
MEMBERS=(m1 m2 m3)
declare -A MEMBER_V4=([m1]=198.51.100.11 [m2]=198.51.100.12 [m3]=198.51.100.13)
# bench/drain_bench.sh sources this file and sets these three.
SD_CLIENTS=${SD_CLIENTS:-24}
MOVES_PER_SECOND=${SD_RATE:-4}
SD_CLIENT_TIMERS=${SD_CLIENT_TIMERS:-fast} # fast: it_charon_client_extra; default: strongSwan's
CLIENTS=()
for ((i = 101; i < 101 + SD_CLIENTS; i++)); do CLIENTS+=("203.0.113.$i"); done
MEMBER_INNER=10.99.0.1
AGENT_PORT=7701
COMMAND_PORT=7702
HTTP_PORT=8080
TOKEN="session-drain-$RANDOM$RANDOM"
AGENT=""
ASK=""
IT_CHARON_PLUGINS=${IT_CHARON_PLUGINS/kernel-netlink/kernel-libipsec kernel-netlink}

conn_of() { echo "c${1##*.}"; }
inner_of() { echo "10.98.0.${1##*.}"; }
key_of() { printf '%064x' "$((${1#m} * 7919))"; }

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

# client_charon_extra: the client's retransmission timers, and a second log with milliseconds
# (bench/drain_bench.sh times each move from it).
client_charon_extra() {
  [[ "$SD_CLIENT_TIMERS" == fast ]] && it_charon_client_extra
  cat <<EOF
  filelog {
    ms {
      path = $(it_charon_dir client)/charon-ms.log
      time_format = %H:%M:%S
      time_add_ms = yes
      ike_name = yes
      default = 1
      ike = 1
    }
  }
EOF
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
new_ike_sas_per_second = $MOVES_PER_SECOND
move_timeout = 15.0
EOF
  for m in "${MEMBERS[@]}"; do
    it_ikesteer_member "$m" "" "${MEMBER_V4[$m]}"
    cat <<EOF
agent_key = "$(key_of "$m")"
agent_commands = "${MEMBER_V4[$m]}:$COMMAND_PORT"

  [[member.probe]]
  type = "ike"
  interval = 0.5
  timeout = 0.5
  rise = 1
  fall = 2
EOF
  done
}

# agent_start <member>: ikesteer-agent run in the member's namespace, against its charon.
agent_start() {
  local m=$1 dir="$IT_WORK/$1/agent"
  mkdir -p "$dir"
  key_of "$m" >"$dir/agent.key"
  cat >"$dir/agent.toml" <<EOF
member = "$m"
key_file = "$dir/agent.key"
report_to = ["$FRONT:$AGENT_PORT"]
report_interval = 0.5
command_listen = ["${MEMBER_V4[$m]}:$COMMAND_PORT"]

[strongswan]
vici = "unix://$(it_charon_dir "$m")/charon.vici"
EOF
  "$AGENT" run --config "$dir/agent.toml" --check-config >"$dir/check.out" 2>&1 ||
    { cat "$dir/check.out" >&2; it_fail "ikesteer-agent --check-config refused $dir/agent.toml"; }
  ip netns exec "$(it_ns "$m")" "$AGENT" run --config "$dir/agent.toml" >"$dir/agent.log" 2>&1 </dev/null &
  IT_PIDS+=("$!")
  IT_PID_OF["$m/agent"]=$!
  IT_LOG_OF["$m/agent"]="$dir/agent.log"
}

api() { it_exec front curl -sS --max-time 5 "$@"; }
member_json() { api "http://$FRONT:$HTTP_PORT/api/v1/members/$1"; }
metric() {
  api "http://$FRONT:$HTTP_PORT/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}

reported_sessions_is() {
  [[ "$(member_json "$1" | jq -r '.sessions.count')" == "$2" ]]
}

# all_on_m1: m1 holds every client's IKE SA with an installed CHILD SA.
all_on_m1() {
  (($(peers_of m1 installed | grep -cxFf <(printf '%s\n' "${CLIENTS[@]}")) == ${#CLIENTS[@]}))
}

setup() {
  local m c conns=()
  it_topology_init
  it_host_add front "$FRONT"
  for m in "${MEMBERS[@]}"; do
    it_host_add "$m" "${MEMBER_V4[$m]}"
    ip -n "$(it_ns "$m")" addr add "$MEMBER_INNER/32" dev lo
  done
  it_host_add client "${CLIENTS[@]}"
  for c in "${CLIENTS[@]}"; do
    ip -n "$(it_ns client)" addr add "$(inner_of "$c")/32" dev lo
  done
  it_wait_for 5 "the client to reach m1 over the bridge" it_ping client "${MEMBER_V4[m1]}"
  for m in "${MEMBERS[@]}"; do
    it_charon_start "$m" "$(it_member_swanctl_conf "$(member_children)")"
  done
  ikesteer_conf >"$IT_WORK/ikesteer.toml"
  it_ikesteer_start front "$IT_WORK/ikesteer.toml"
  for m in "${MEMBERS[@]}"; do agent_start "$m"; done

  for c in "${CLIENTS[@]}"; do
    conns+=("$(it_client_conn "$(conn_of "$c")" "$c" "${MEMBER_V4[m1]}" "" "$(client_children "$c")")")
  done
  it_charon_start client "$(it_client_swanctl_conf "${conns[@]}")" "$(client_charon_extra)"
  for c in "${CLIENTS[@]}"; do
    it_swanctl client --initiate --ike "$(conn_of "$c")" --child ch --timeout 15 \
      >"$IT_WORK/initiate-$c.out" 2>&1 ||
      { cat "$IT_WORK/initiate-$c.out" >&2; it_fail "client $c could not connect to m1"; }
  done
  it_wait_for 20 "m1 to hold every client's IKE SA with its CHILD SA" all_on_m1
  it_log "${#CLIENTS[@]} clients have their IKE and CHILD SAs on m1"
}

check_reports() {
  it_wait_for 10 "ikesteer to show m1's ${#CLIENTS[@]} sessions" reported_sessions_is m1 "${#CLIENTS[@]}"
  it_wait_for 10 "ikesteer to show 0 sessions on m2" reported_sessions_is m2 0
  it_wait_for 10 "ikesteer to show 0 sessions on m3" reported_sessions_is m3 0
  it_log "ikesteer shows the agents' session counts: m1 ${#CLIENTS[@]}, m2 0, m3 0"
}

# drain_with_move: asks for the drain and samples the moves requested until m1 is empty.
# Writes "<ms since the request> <requested>" lines to $IT_WORK/requested.samples.
drain_with_move() {
  local out t0 now state requested
  out=$(api -X POST -H "Authorization: Bearer $TOKEN" -w ' %{http_code}' \
    "http://$FRONT:$HTTP_PORT/api/v1/members/m1/drain?move=sessions")
  [[ "$out" == *" 200" ]] || it_fail "drain?move=sessions of m1 was not accepted: $out"
  t0=$(it_now_ms)
  : >"$IT_WORK/requested.samples"
  while :; do
    now=$(it_now_ms)
    ((now - t0 < 60000)) || it_fail "m1 was not empty 60 s after the drain: $(member_json m1)"
    requested=$(metric "ikesteer_session_moves_total{member=\"m1\",result=\"requested\"}")
    printf '%d %s\n' $((now - t0)) "${requested:-0}" >>"$IT_WORK/requested.samples"
    state=$(member_json m1 | jq -r '.sessions.move.state')
    [[ "$state" == empty ]] && break
    sleep 0.25
  done
  DRAIN_MS=$(($(it_now_ms) - t0))
  it_log "m1 empty $DRAIN_MS ms after the drain: $(member_json m1 | jq -c '.sessions')"
}

check_paced() {
  local burst=$MOVES_PER_SECOND ms n worst=""
  while read -r ms n; do
    # A token bucket of one second's budget: requested(t) <= burst + rate * t (+1 for the
    # sample's own rounding).
    ((n * 1000 <= (burst + 1) * 1000 + MOVES_PER_SECOND * ms)) ||
      worst="$worst; $n requested after $ms ms"
  done <"$IT_WORK/requested.samples"
  [[ -z "$worst" ]] || it_fail "moves were not paced at $MOVES_PER_SECOND/s:$worst"
  ((DRAIN_MS >= (${#CLIENTS[@]} - burst - 1) * 1000 / MOVES_PER_SECOND)) ||
    it_fail "m1 was emptied in $DRAIN_MS ms: faster than the budget allows"
  it_log "paced: $(tail -n 1 "$IT_WORK/requested.samples" | cut -d' ' -f2) moves requested over $DRAIN_MS ms at $MOVES_PER_SECOND/s"
}

check_empty() {
  local j
  j=$(member_json m1)
  jq -e '.sessions.move.failed == 0 and .sessions.move.left == 0' <<<"$j" >/dev/null ||
    it_fail "m1's move ended with failures or sessions left: $j"
  it_wait_for 5 "m1's agent to report 0 sessions" reported_sessions_is m1 0
  [[ "$(metric 'ikesteer_member_empty{member="m1"}')" == 1 ]] ||
    it_fail "ikesteer_member_empty{member=\"m1\"} is not 1"
  api "http://$FRONT:$HTTP_PORT/api/v1/events" | jq -e '[.. | strings | select(test("m1 is empty"))] | length >= 1' >/dev/null ||
    it_fail "no event says that m1 is empty"
}

# owner_of <client-address>: the member address ikesteer-ask is redirected to from there.
owner_of() {
  it_exec client "$ASK" --from "$1" "$FRONT" | sed -nE 's/^redirect (.*)$/\1/p'
}

# peers_of <member> [installed]: the remote addresses of the member's IKE SAs (with
# "installed": only ESTABLISHED ones carrying an INSTALLED CHILD SA), one per line. One
# swanctl call per member, however many clients.
peers_of() {
  it_swanctl "$1" --list-sas --raw 2>/dev/null |
    if [[ "${2:-}" == installed ]]; then
      grep -F " state=ESTABLISHED " | grep -F " state=INSTALLED "
    else
      cat
    fi | sed -nE 's/.* remote-host=([^ ]+) .*/\1/p' | sort -u
}

declare -A OWNER_OF=()
# all_on_owners: every client's IKE and CHILD SA is on its owner (OWNER_OF), and no other member
# holds an IKE SA of it; otherwise says which client is not, and fails.
all_on_owners() {
  local m c
  declare -A installed=() any=()
  for m in "${MEMBERS[@]}"; do
    for c in $(peers_of "$m" installed); do installed["$m $c"]=1; done
    for c in $(peers_of "$m"); do any["$m $c"]=1; done
  done
  for c in "${CLIENTS[@]}"; do
    [[ -n "${installed["${OWNER_OF[$c]} $c"]:-}" ]] ||
      { echo "$c has no IKE SA with an installed CHILD SA on its owner ${OWNER_OF[$c]}"; return 1; }
    for m in "${MEMBERS[@]}"; do
      [[ "$m" == "${OWNER_OF[$c]}" || -z "${any["$m $c"]:-}" ]] ||
        { echo "$m still holds an IKE SA of $c (owner ${OWNER_OF[$c]})"; return 1; }
    done
  done
}

check_sessions_on_owners() {
  local c owner m other clog up why
  clog=$(it_charon_log client)
  declare -A count=()
  for c in "${CLIENTS[@]}"; do
    owner=$(owner_of "$c")
    m=""
    for other in m2 m3; do [[ "${MEMBER_V4[$other]}" == "$owner" ]] && m=$other; done
    [[ -n "$m" ]] || it_fail "ikesteer-ask from $c was redirected to '$owner', not to m2 or m3"
    OWNER_OF[$c]=$m
    count[$m]=$((${count[$m]:-0} + 1))
  done
  local deadline=$(($(it_now_ms) + 15000))
  until why=$(all_on_owners); do
    (($(it_now_ms) < deadline)) || it_fail "15 s after m1 was empty, not every client is on its owner only: $why"
    sleep 0.2
  done
  # One redirect per connection in the client's log, no more (one pass over the log).
  why=$(sed -nE 's/.*<(c[0-9]+)\|[0-9]+> redirected to .*/\1/p' "$clog" | sort | uniq -c |
    awk -v n="${#CLIENTS[@]}" '$1 != 1 { print $2 " was redirected " $1 " times" } END { if (NR != n) print NR " connections redirected, expected " n }')
  [[ -z "$why" ]] || it_fail "the client's log: $why"
  up=$(it_ike_sas client | awk '$2 == "ESTABLISHED"' | wc -l)
  ((up == ${#CLIENTS[@]})) || it_fail "the client has $up ESTABLISHED IKE SAs, expected ${#CLIENTS[@]}"
  ! it_file_has "$clog" "AUTHENTICATION_FAILED|authentication of .* failed" ||
    it_fail "an authentication failed in the client's log"
  it_log "every session is on its hash owner: m2 ${count[m2]:-0}, m3 ${count[m3]:-0}; none on m1"
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
  it_init session_drain "${args[@]}"
  [[ -x "$AGENT" && -x "$ASK" ]] || it_fail "pass --agent PATH and --ask PATH"
  command -v jq >/dev/null || it_skip "missing jq"
  command -v curl >/dev/null || it_skip "missing curl"
  setup
  check_reports
  drain_with_move
  check_paced
  check_empty
  check_sessions_on_owners
  it_ikesteer_finish front
}

# Sourced by bench/drain_bench.sh for its functions: run only when executed.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then main "$@"; fi
