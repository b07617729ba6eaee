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
# shellcheck source=sessions_lib.sh
source "$HERE/sessions_lib.sh"

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

# agent_start <member>: the agent against the member's charon.
agent_start() {
  sessions_agent_start "$1" "[strongswan]
vici = \"unix://$(it_charon_dir "$1")/charon.vici\""
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
agent_key = "$(sessions_key_of "$m")"
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

# all_on_m1: m1 holds every client's IKE SA with an installed CHILD SA.
all_on_m1() {
  (($(peers_of m1 installed | grep -cxFf <(printf '%s\n' "${CLIENTS[@]}")) == ${#CLIENTS[@]}))
}

# setup_peers: the members (charon, inner address) and the client's host on the bridge
# (after it_topology_init); no front end, no client connection yet.
setup_peers() {
  local m c
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
}

# connect_clients: the client's charon, one connection per client address straight to m1, every
# IKE SA with its CHILD SA up on m1.
connect_clients() {
  local c conns=()
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

setup() {
  local m
  it_topology_init
  it_host_add front "$FRONT"
  setup_peers
  ikesteer_conf >"$IT_WORK/ikesteer.toml"
  it_ikesteer_start front "$IT_WORK/ikesteer.toml"
  for m in "${MEMBERS[@]}"; do agent_start "$m"; done
  connect_clients
}

check_reports() {
  it_wait_for 10 "ikesteer to show m1's ${#CLIENTS[@]} sessions" reported_sessions_is m1 "${#CLIENTS[@]}"
  it_wait_for 10 "ikesteer to show 0 sessions on m2" reported_sessions_is m2 0
  it_wait_for 10 "ikesteer to show 0 sessions on m3" reported_sessions_is m3 0
  it_log "ikesteer shows the agents' session counts: m1 ${#CLIENTS[@]}, m2 0, m3 0"
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
