#!/usr/bin/env bash
# The agent daemon (`ikesteer-agent run`) on a real strongSwan member, reporting to a real
# ikesteer and answering signed commands (tests/integration/agent_protocol.py plays ikesteer's
# command side).
#
# Topology (one bridge, documentation addresses):
#   front    198.51.100.1             ikesteer: agent reports on :7701, HTTP API on :8080; the
#                                     test's commands leave from here, a report observer on :7709
#   m1, m2   198.51.100.11/.12        strongSwan members, shared identity vpn.cluster.example;
#                                     m1 runs the agent (commands on 198.51.100.11:7702)
#   client   203.0.113.101 ... .124   one strongSwan charon, one IKE SA per address, all to m1
#
# Checks:
#   1. --check-config: ok for the test's file; a bad file -> file:line:col: key, exit 1
#   2. ikesteer admits the agent's reports (ikesteer_agent_reports_total{result="admitted"}
#      grows) and shows what they say in /api/v1/members/m1 (agent: up, capacity, load; drain
#      written to the state file -> draining); a report carries sessions=24, signed
#   3. a signed list, paged, returns exactly the sessions swanctl --list-sas shows on m1
#   4. a signed move: result=ok, the client's IKE SA moves to m2 (swanctl on m2 and m1)
#   5. no reply and counted: unsigned, wrong key; refused with a signed reply and counted:
#      the same datagram again (replayed), time 100 s off (stale), another member's name
#   6. m1's charon killed: the agent keeps running, logs the outage once, reports carry no
#      sessions= and a list fails with daemon_unreachable; charon back: the agent logs that it
#      answers, a list works again
#   7. SIGTERM: the agent exits 0 and logs that it stops
#
# Usage (as root): agent_daemon.sh --agent PATH --ikesteer PATH
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

FRONT=198.51.100.1
declare -A MEMBER_V4=([m1]=198.51.100.11 [m2]=198.51.100.12)
CLIENT_COUNT=24
CLIENTS=()
for ((i = 101; i < 101 + CLIENT_COUNT; i++)); do CLIENTS+=("203.0.113.$i"); done
MOVED=203.0.113.102
KEY=00112233445566778899aabbccddeeff0011223344556677
COMMANDS="${MEMBER_V4[m1]}:7702"
OBSERVER="$FRONT:7709"
AGENT=""
AGENT_PID=""
AGENT_LOG=""
PROTOCOL=(python3 "$HERE/agent_protocol.py")

conn_of() { echo "c${1##*.}"; }

# protocol <args...>: agent_protocol.py in the front namespace, to m1's agent, with m1's key.
protocol() {
  local what=$1
  shift
  it_exec front "${PROTOCOL[@]}" "$what" --to "$COMMANDS" --key "$KEY" "$@"
}

# api <path>: GET from ikesteer's HTTP API.
api() {
  it_exec front curl -sS --noproxy '*' --max-time 5 "http://$FRONT:8080$1"
}

admitted_reports() {
  api /metrics | sed -nE 's/^ikesteer_agent_reports_total\{result="admitted"\} ([0-9]+)$/\1/p'
}

# admitted_above <n>: true once ikesteer has admitted more than n reports.
admitted_above() {
  local n
  n=$(admitted_reports)
  [[ -n "$n" ]] && ((n > $1))
}

# member_is <jq-expression>: true if /api/v1/members/m1 satisfies it.
member_is() {
  api /api/v1/members/m1 | jq -e "$1" >/dev/null
}

# one_report: the next report the agent sends to the observer, MAC checked (at most 5 s).
one_report() {
  it_exec front "${PROTOCOL[@]}" report --listen "$OBSERVER" --key "$KEY" --wait 5
}

agent_logged() { it_file_has "$AGENT_LOG" "$1"; }

# sas <host>: "<unique-id> <state> <remote-host> <remote-id>" of each IKE SA (IKE SAs only here,
# no CHILD SAs), from one swanctl call and one awk: lib.sh's it_ike_sas runs sed per field, too
# slow for 24 SAs polled in a loop.
sas() {
  it_swanctl "$1" --list-sas --raw 2>/dev/null | awk '
    function field(line, key) {
      if (!match(line, "[{ ]" key "=[^ ]+ ")) return ""
      return substr(line, RSTART + length(key) + 2, RLENGTH - length(key) - 3)
    }
    /list-sa event/ {
      line = $0 " "
      print field(line, "uniqueid"), field(line, "state"), field(line, "remote-host"),
            field(line, "remote-id")
    }'
}

# swanctl_view <host>: "<unique-id> <remote-host> <remote-id>" of each ESTABLISHED IKE SA, sorted.
swanctl_view() {
  sas "$1" | awk '$2 == "ESTABLISHED" { print $1, $3, $4 }' | sort
}

# established_from <host> <client-address>: the host's ESTABLISHED IKE SA ids with that client.
established_from() {
  sas "$1" | awk -v c="$2" '$2 == "ESTABLISHED" && $3 == c { print $1 }'
}

all_connected() {
  (($(swanctl_view m1 | wc -l) == CLIENT_COUNT))
}

write_agent_config() {
  local dir=$IT_WORK/m1/agent
  mkdir -p "$dir"
  printf '%s\n' "$KEY" >"$dir/agent.key"
  chmod 600 "$dir/agent.key"
  cat >"$dir/agent.toml" <<EOF
member = "m1"
key_file = "$dir/agent.key"
report_to = ["$FRONT:7701", "$OBSERVER"]
report_interval = 0.5
state_file = "$dir/state"
capacity = 200
load = 0.25
command_listen = ["$COMMANDS"]
command_max_skew = 30

[strongswan]
vici = "unix://$(it_charon_dir m1)/charon.vici"
timeout = 2.0
EOF
}

start_agent() {
  local conf=$IT_WORK/m1/agent/agent.toml out
  out=$("$AGENT" run --config "$conf" --check-config 2>&1) || it_fail "--check-config refused $conf: $out"
  [[ "$out" == "$conf: ok" ]] || it_fail "--check-config printed: $out"
  AGENT_LOG=$IT_WORK/m1/agent/agent.log
  IT_LOG_OF["m1/agent"]=$AGENT_LOG
  # ip netns exec execs: $! is the agent's own PID (it_exec, a function, would fork a subshell).
  ip netns exec "$(it_ns m1)" "$AGENT" run --config "$conf" >"$AGENT_LOG" 2>&1 </dev/null &
  AGENT_PID=$!
  IT_PIDS+=("$AGENT_PID")
  it_wait_for_daemon "$AGENT_PID" 5 "the agent to start" agent_logged 'msg="?started'
  it_wait_for_daemon "$AGENT_PID" 5 "the agent to listen for commands" it_udp_listening m1 7702
}

check_bad_config() {
  local bad=$IT_WORK/bad-agent.toml out rc=0
  printf 'member = "m1"\nkey_file = "%s"\nreport_to = ["%s"]\nreport_interval = 0\n[strongswan]\n' \
    "$IT_WORK/m1/agent/agent.key" "$FRONT:7701" >"$bad"
  out=$("$AGENT" run --config "$bad" --check-config 2>&1) || rc=$?
  ((rc != 0)) || it_fail "--check-config accepted a bad file: $out"
  [[ "$out" == "$bad:4:19: report_interval: must be 0.1..3600 seconds (got 0)" ]] ||
    it_fail "--check-config on a bad file printed: $out"
  it_log "--check-config on a bad file: exit $rc: $out"
}

setup() {
  it_topology_init
  it_host_add front "$FRONT"
  local m c conns=()
  for m in m1 m2; do it_host_add "$m" "${MEMBER_V4[$m]}"; done
  it_host_add client "${CLIENTS[@]}"
  it_wait_for 5 "the client to reach m1 over the bridge" it_ping client "${MEMBER_V4[m1]}"
  for m in m1 m2; do it_charon_start "$m" "$(it_member_swanctl_conf)"; done
  for c in "${CLIENTS[@]}"; do
    conns+=("$(it_client_conn "$(conn_of "$c")" "$c" "${MEMBER_V4[m1]}")")
  done
  it_charon_start client "$(it_client_swanctl_conf "${conns[@]}")" "$(it_charon_client_extra)"
  for c in "${CLIENTS[@]}"; do
    it_initiate client "$(conn_of "$c")" 15 ||
      { cat "$IT_WORK/client/initiate-$(conn_of "$c").out" >&2; it_fail "client $c could not connect to m1"; }
  done
  it_wait_for 10 "m1 to hold every client's IKE SA" all_connected

  local conf=$IT_WORK/front/ikesteer.toml
  mkdir -p "$IT_WORK/front"
  {
    it_ikesteer_conf "$FRONT"
    cat <<EOF

[health]
agent_listen = ["$FRONT:7701"]
agent_max_age = 3.0

[http]
listen = ["$FRONT:8080"]
EOF
    it_ikesteer_member m1 "" "${MEMBER_V4[m1]}"
    printf 'agent_key = "%s"\n' "$KEY"
    it_ikesteer_member m2 "" "${MEMBER_V4[m2]}"
  } >"$conf"
  it_ikesteer_start front "$conf"
  write_agent_config
  start_agent
}

check_reports() {
  local first report
  it_wait_for 10 "ikesteer to admit a report" admitted_above 0
  it_wait_for 10 "ikesteer to show m1's agent" member_is '.reason | startswith("agent: state=up")'
  first=$(admitted_reports)
  it_wait_for 5 "ikesteer to admit more reports" admitted_above "$first"
  member_is '.state == "up" and .reported_capacity == 200 and .reported_load == 0.25' ||
    it_fail "ikesteer shows for m1: $(api /api/v1/members/m1)"
  echo drain >"$IT_WORK/m1/agent/state"
  it_wait_for 5 "ikesteer to show m1 draining" member_is '.state == "draining" and .reason == "agent: drain"'
  echo up >"$IT_WORK/m1/agent/state"
  it_wait_for 5 "ikesteer to show m1 up again" member_is '.state == "up"'
  report=$(one_report) || it_fail "no report reached the observer: $report"
  [[ "$report" =~ ^IKESTEER-AGENT/2\ member=m1\ .*\ state=up\ .*sessions=$CLIENT_COUNT\ mac= ]] ||
    it_fail "the report does not say up with $CLIENT_COUNT sessions: $report"
  it_log "ikesteer admitted $(admitted_reports) reports; m1 drained and back; $report"
}


check_list() {
  local out
  out=$(protocol list-all --member m1) || it_fail "list-all failed: $out"
  [[ "$(head -n 1 <<<"$out")" =~ ^pages=([0-9]+)\ sessions=$CLIENT_COUNT$ ]] ||
    it_fail "the listing does not announce $CLIENT_COUNT sessions: $(head -n 1 <<<"$out")"
  ((BASH_REMATCH[1] >= 2)) || it_fail "$CLIENT_COUNT sessions fit in one page: no paging tested"
  [[ "$(tail -n +2 <<<"$out" | sort)" == "$(swanctl_view m1)" ]] ||
    it_fail "the agent's listing differs from swanctl --list-sas on m1:
agent:
$(tail -n +2 <<<"$out" | sort)
swanctl:
$(swanctl_view m1)"
  it_log "list: $(head -n 1 <<<"$out"), the same sessions as swanctl shows"
}

moved_over() {
  [[ -n "$(established_from m2 "$MOVED")" && -z "$(sas m1 | awk -v c="$MOVED" '$3 == c')" ]]
}

check_move() {
  local id out
  id=$(established_from m1 "$MOVED")
  [[ "$id" =~ ^[0-9]+$ ]] || it_fail "no IKE SA id for $MOVED on m1"
  out=$(protocol command --member m1 --move "$id" "${MEMBER_V4[m2]}") ||
    it_fail "no reply to the move: $out"
  [[ "$(head -n 1 <<<"$out")" =~ ^IKESTEER-REPLY/1\ member=m1\ seq=[0-9]+\ time=[0-9]+\ result=ok$ ]] ||
    it_fail "the move's reply: $out"
  it_wait_for 20 "$MOVED's IKE SA on m2, and none on m1" moved_over
  it_file_has "$(it_charon_log client)" "<$(conn_of "$MOVED")\\|[0-9]+> redirected to $(it_re_escape "${MEMBER_V4[m2]}")\$" ||
    it_fail "the client's log does not show $(conn_of "$MOVED") redirected to ${MEMBER_V4[m2]}"
  out=$(protocol list-all --member m1) || it_fail "list-all after the move failed: $out"
  [[ "$(head -n 1 <<<"$out")" == *" sessions=$((CLIENT_COUNT - 1))" ]] ||
    it_fail "after the move the agent lists: $(head -n 1 <<<"$out")"
  it_log "move of #$id: $(head -n 1 <<<"$out" | tr -d '\n'); $MOVED is on m2"
}

# refusal_logged <reason> <count>: the agent's last refusal line names the reason and counts it.
refusal_logged() {
  grep -E "msg=\"command (refused|dropped)\" reason=$1 " "$AGENT_LOG" | tail -n 1 |
    grep -qE " refused_$1=$2( |\$)"
}

check_refusals() {
  local out saved=$IT_WORK/front/list-command
  out=$(protocol command --member m1 --list --unsigned --wait 1) && it_fail "an unsigned command got a reply: $out"
  it_wait_for 2 "the agent to log the unsigned command" refusal_logged malformed 1
  out=$(it_exec front "${PROTOCOL[@]}" command --to "$COMMANDS" --key "${KEY/0/f}" --member m1 --list --wait 1) &&
    it_fail "a command with the wrong key got a reply: $out"
  it_wait_for 2 "the agent to log the wrongly signed command" refusal_logged bad_mac 1

  out=$(protocol command --member m1 --list --save "$saved") || it_fail "no reply to a list: $out"
  [[ "$out" == *" result=ok "* ]] || it_fail "the list's reply: $out"
  out=$(protocol resend "$saved") || it_fail "no reply to the replayed command"
  [[ "$(head -n 1 <<<"$out")" == *" result=refused reason=replayed" ]] || it_fail "the replay's reply: $out"
  it_wait_for 2 "the agent to log the replay" refusal_logged replayed 1

  out=$(protocol command --member m1 --list --time-offset -100) || it_fail "no reply to a stale command"
  [[ "$(head -n 1 <<<"$out")" == *" result=refused reason=stale" ]] || it_fail "the stale command's reply: $out"
  it_wait_for 2 "the agent to log the stale command" refusal_logged stale 1

  out=$(protocol command --member m2 --list) || it_fail "no reply to a command for m2"
  [[ "$(head -n 1 <<<"$out")" =~ ^IKESTEER-REPLY/1\ member=m2\ .*\ result=refused\ reason=unknown_member$ ]] ||
    it_fail "the reply to a command for m2: $out"
  it_wait_for 2 "the agent to log the command for m2" refusal_logged unknown_member 1
  grep -E 'msg="command refused" reason=unknown_member ' "$AGENT_LOG" | tail -n 1 |
    grep -qE ' refused_malformed=1 refused_bad_mac=1 refused_unknown_member=1 refused_replayed=1 refused_stale=1$' ||
    it_fail "the agent's counts: $(grep -E 'reason=unknown_member' "$AGENT_LOG" | tail -n 1)"
  it_log "refusals: $(tail -n 1 "$AGENT_LOG")"
}

check_charon_restart() {
  local out report
  it_charon_stop m1
  it_wait_for 5 "the agent to log the outage" agent_logged 'msg="the IKE daemon does not answer'
  report=$(one_report) || it_fail "no report during the outage"
  [[ "$report" != *" sessions="* ]] || it_fail "a report during the outage counts sessions: $report"
  out=$(protocol command --member m1 --list) || it_fail "no reply to a list during the outage"
  [[ "$(head -n 1 <<<"$out")" == *" result=failed reason=daemon_unreachable" ]] ||
    it_fail "a list during the outage: $out"
  kill -0 "$AGENT_PID" 2>/dev/null || it_fail "the agent exited when charon did"
  (($(it_count_lines "$AGENT_LOG" 'the IKE daemon does not answer') == 1)) ||
    it_fail "the agent logged the outage more than once"

  it_charon_start m1 "$(it_member_swanctl_conf)"
  it_wait_for 5 "the agent to log that charon answers" agent_logged 'msg="the IKE daemon answers again'
  out=$(protocol list-all --member m1) || it_fail "a list after charon's restart failed: $out"
  [[ "$(head -n 1 <<<"$out")" =~ ^pages=1\ sessions=[0-9]+$ ]] || it_fail "list after the restart: $out"
  report=$(one_report) || it_fail "no report after the outage"
  [[ "$report" == *" sessions="* ]] || it_fail "a report after the outage counts no sessions: $report"
  it_log "charon restarted: the agent lists again ($(head -n 1 <<<"$out"))"
}

check_stop() {
  local rc=0 i
  kill -TERM "$AGENT_PID"
  for ((i = 0; i < 50; i++)); do
    kill -0 "$AGENT_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$AGENT_PID" 2>/dev/null && it_fail "the agent still runs 5 s after SIGTERM"
  wait "$AGENT_PID" || rc=$?
  ((rc == 0)) || it_fail "the agent exited with status $rc after SIGTERM"
  agent_logged 'msg="?stopping"? signal=SIGTERM' || it_fail "the agent did not log that it stops"
  ! agent_logged 'ERROR: (Address|Leak|Memory)Sanitizer|runtime error:' ||
    it_fail "the agent logged a sanitizer report"
  it_ikesteer_finish front
}

main() {
  local args=()
  while (($#)); do
    case "$1" in
      --agent) AGENT=$2; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  it_init agent_daemon "${args[@]}"
  [[ -x "$AGENT" ]] || it_fail "no ikesteer-agent binary: pass --agent PATH"
  local tool
  for tool in jq curl python3; do
    command -v "$tool" >/dev/null || it_skip "missing $tool"
  done
  setup
  check_bad_config
  check_reports
  check_list
  check_move
  check_refusals
  check_charon_restart
  check_stop
}

main "$@"
