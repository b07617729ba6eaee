# shellcheck shell=bash
# The ikesteer side of the session tests (session_drain*.sh): the members' agents, ikesteer's
# API and metrics, a drain with move=sessions of m1 and what "empty" must look like. Sourced
# after lib.sh; the test sets FRONT, MEMBER_V4, AGENT, ASK, AGENT_PORT, COMMAND_PORT, HTTP_PORT
# and TOKEN (and AGENT_REPORT_TO, an array of "address:port", when the agents report to more
# than $FRONT:$AGENT_PORT).

# sessions_key_of <member>: the member's agent key (hex), the same in ikesteer's configuration.
sessions_key_of() { printf '%064x' "$((${1#m} * 7919))"; }

# sessions_agent_start <member> <backend table>: ikesteer-agent run in the member's namespace,
# reporting to ikesteer and taking its commands; the table names the member's IKE daemon.
sessions_agent_start() {
  local m=$1 backend=$2 dir="$IT_WORK/$1/agent" to report_to=""
  for to in "${AGENT_REPORT_TO[@]:-$FRONT:$AGENT_PORT}"; do report_to+="${report_to:+, }\"$to\""; done
  mkdir -p "$dir"
  sessions_key_of "$m" >"$dir/agent.key"
  cat >"$dir/agent.toml" <<EOF
member = "$m"
key_file = "$dir/agent.key"
report_to = [$report_to]
report_interval = 0.5
command_listen = ["${MEMBER_V4[$m]}:$COMMAND_PORT"]

$backend
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

# owner_of <client-address> [<host>]: the member address ikesteer-ask, run on that host
# (default: client), is redirected to from that address.
owner_of() {
  it_exec "${2:-client}" "$ASK" --from "$1" "$FRONT" | sed -nE 's/^redirect (.*)$/\1/p'
}
