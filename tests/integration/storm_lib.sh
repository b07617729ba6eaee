# shellcheck shell=bash
# Shared by tests/integration/new_client_budget.sh and bench/storm_bench.sh: a storm of new
# clients at ikesteer's front end (every client of a dead member coming back at once), with
# real strongSwan clients and members, and what the members saw of it.
#
# Topology (one bridge, documentation addresses only, namespaces made by lib.sh):
#   front    198.51.100.1                ikesteer, 2 IKE loops (the budget is shared by both),
#                                        HTTP metrics on 8080
#   m1..mK   198.51.100.11 ..            strongSwan members (PSK), charon file log with ms
#   client   203.0.113.101 .. (N)        one strongSwan charon, one connection (an IKE SA) per
#                                        address, remote = the front end; strongSwan's DEFAULT
#                                        retransmission timers (4 s, then × 1.8, 5 tries: it
#                                        sends at 0, 4, 11.2, 24.2, 47.5, 89.5 s and gives up
#                                        at 165 s) and no jitter (5.9.8's default)
#
# Settings (set before storm_setup):
#   STORM_CLIENTS     N clients                                     [15]
#   STORM_MEMBERS     K members                                     [2]
#   STORM_BUDGET      sessions.new_ike_sas_per_second               [5]
#   STORM_MODE        sessions.over_budget: off | drop | cookie     [drop]
#
# storm_run starts every client's IKE SA at the same moment (N swanctl --initiate in parallel)
# and waits for each to end; storm_measure then reads, from the members' logs, when each
# client's IKE SA was established.

STORM_FRONT=198.51.100.1
STORM_HTTP_PORT=8080
STORM_CLIENTS=${STORM_CLIENTS:-15}
STORM_MEMBERS=${STORM_MEMBERS:-2}
STORM_BUDGET=${STORM_BUDGET:-5}
STORM_MODE=${STORM_MODE:-drop}
STORM_ADDRESSES=()

storm_member_v4() { echo "198.51.100.$((10 + ${1#m}))"; }
storm_conn_of() { echo "c${1##*.}"; }

storm_ikesteer_conf() {
  local i
  it_ikesteer_conf "$STORM_FRONT" | sed 's/^threads = 1$/threads = 2/'
  cat <<EOF

[http]
listen = ["$STORM_FRONT:$STORM_HTTP_PORT"]

[sessions]
new_ike_sas_per_second = $STORM_BUDGET
over_budget = "$STORM_MODE"
EOF
  for ((i = 1; i <= STORM_MEMBERS; i++)); do
    it_ikesteer_member "m$i" "" "$(storm_member_v4 "m$i")"
  done
}

storm_setup() {
  local i c conns=()
  STORM_ADDRESSES=()
  for ((i = 0; i < STORM_CLIENTS; i++)); do STORM_ADDRESSES+=("203.0.113.$((101 + i))"); done
  it_topology_init
  it_host_add front "$STORM_FRONT"
  for ((i = 1; i <= STORM_MEMBERS; i++)); do it_host_add "m$i" "$(storm_member_v4 "m$i")"; done
  it_host_add client "${STORM_ADDRESSES[@]}"
  it_wait_for 5 "the client to reach the front end" it_ping client "$STORM_FRONT"
  for ((i = 1; i <= STORM_MEMBERS; i++)); do
    # Milliseconds in the log's time stamps: when each IKE SA was established.
    it_charon_start "m$i" "$(it_member_swanctl_conf)" '  filelog { itlog { time_add_ms = yes } }'
  done
  storm_ikesteer_conf >"$IT_WORK/ikesteer.toml"
  it_ikesteer_start front "$IT_WORK/ikesteer.toml"
  for c in "${STORM_ADDRESSES[@]}"; do
    conns+=("$(it_client_conn "$(storm_conn_of "$c")" "$c" "$STORM_FRONT")")
  done
  # No it_charon_client_extra: the clients keep strongSwan's default retransmission timers.
  # A vici initiate holds one of charon's threads until its IKE SA is up (or given up), so
  # the client charon needs more than its default 16 for N initiates at once.
  it_charon_start client "$(it_client_swanctl_conf "${conns[@]}")" \
    "  threads = $((STORM_CLIENTS + 16))"
}

# storm_run: every client initiates at once; returns when each has succeeded or given up.
# Sets STORM_T0 (ms since midnight, the members' log clock) and STORM_FAILED.
storm_run() {
  local c pids=() pid
  STORM_T0=$(storm_ms_of "$(date +%H:%M:%S.%3N)")
  for c in "${STORM_ADDRESSES[@]}"; do
    it_swanctl client --initiate --ike "$(storm_conn_of "$c")" --timeout 200 \
      >"$IT_WORK/initiate-$c.out" 2>&1 &
    pids+=("$!")
  done
  STORM_FAILED=0
  for pid in "${pids[@]}"; do wait "$pid" || STORM_FAILED=$((STORM_FAILED + 1)); done
}

# storm_ms_of <HH:MM:SS.mmm>: milliseconds since midnight (a storm must not span midnight).
storm_ms_of() {
  awk -F'[:.]' '{ printf "%d\n", (($1 * 60 + $2) * 60 + $3) * 1000 + $4 }' <<<"$1"
}

# storm_measure: writes $IT_WORK/established.ms (ms after STORM_T0 that each client's IKE SA
# was established on a member, sorted) and sets STORM_ESTABLISHED, STORM_MAX_PER_SECOND (the
# most established in any 1-s window) and STORM_ALL_MS (the last one).
storm_measure() {
  local i
  for ((i = 1; i <= STORM_MEMBERS; i++)); do
    # "12:34:56.789 09[IKE] <cluster|3> IKE_SA cluster[3] established between
    #  198.51.100.11[vpn.cluster.example]...203.0.113.101[c101.clients.example]"
    grep -E 'IKE_SA .* established between ' "$(it_charon_log "m$i")" |
      sed -nE 's/^([0-9:.]+) .*\.\.\.([0-9.]+)\[.*/\1 \2/p'
  done | sort -u -k2,2 | while read -r t _; do
    echo $(($(storm_ms_of "$t") - STORM_T0))
  done | sort -n >"$IT_WORK/established.ms"
  STORM_ESTABLISHED=$(wc -l <"$IT_WORK/established.ms")
  STORM_ALL_MS=$(tail -n 1 "$IT_WORK/established.ms")
  STORM_MAX_PER_SECOND=$(awk '
    { t[NR] = $1 }
    END {
      best = 0; i = 1
      for (j = 1; j <= NR; j++) {
        while (t[j] - t[i] >= 1000) i++
        if (j - i + 1 > best) best = j - i + 1
      }
      print best
    }' "$IT_WORK/established.ms")
}

# storm_metric <name{labels}>: a sample of ikesteer's /metrics (empty if absent).
storm_metric() {
  it_exec front curl -sS --max-time 5 "http://$STORM_FRONT:$STORM_HTTP_PORT/metrics" |
    awk -v k="$1" '$1 == k { print $2 }'
}

# storm_waves: established per second after the start, "second:count" pairs.
storm_waves() {
  awk '{ n[int($1 / 1000)]++ } END { for (s in n) print s ":" n[s] }' "$IT_WORK/established.ms" |
    sort -n | tr '\n' ' '
}
