#!/usr/bin/env bash
# shellcheck disable=SC2317  # the conditions polled are called indirectly
# cluster_bench.sh: what cluster mode ([cluster], etcd) costs, in one run, with a three-member
# etcd cluster in network namespaces (tests/integration/cluster_lib.sh: heartbeat 100 ms,
# election 500 ms):
#
#   rate      The redirect rate of one ikesteer (one IKE loop, the whole process pinned to
#             SERVER_CPU, the load generator of redirect_bench.sh on LOADGEN_CPU, on the
#             loopback of its namespace, 4 members without probes) with the same binary and the
#             same configuration in three modes, one after the other in each round:
#               off       no [cluster] table (etcd runs all the same)
#               leader    [cluster]: this instance alone under its prefix, so it leads and acts
#               follower  [cluster]: under a prefix another instance (rp) already leads
#             Redirects/s and per CPU-second of ikesteer (every thread: the etcd session and
#             mirror threads run on the same CPU), and each round's ratio to that round's off.
#   takeover  Three instances (f1..f3, IKE probes every 0.2 s, fall 2) and three strongSwan
#             members (m1..m3) whose service addresses move with the failover hook of the tests
#             (failover_hook.sh, wrapped by cl_audit_hook so each call's start is recorded).
#             Per run: kill -9 of the leader and, at the same moment, of m1's charon; then, in ms
#             after the kill: an instance acting (polled: /api/v1/cluster of each live instance,
#             one poll every ~20 ms), the first hook call (the release from m1) and the first
#             claim of m1's address. Then the killed instance and m1 start again and m1's address
#             goes home (failback_hold 1 s) before the next run. RUNS runs with --lease-ttl
#             (2 s), then RUNS runs with lease_ttl 5 (the default) unless --no-ttl5.
#   writes    Steady state: the three instances up, every member up, nothing changing. Over
#             --steady seconds (60): etcd's revision delta (endpoint status, header.revision),
#             the instances' ikesteer_cluster_etcd_writes_total deltas, and every key written
#             (etcdctl watch --prefix on the cluster's prefix). Then the same with an
#             ikesteer-agent on every member reporting load = "auto" (load average per CPU)
#             every second, unless --no-agents.
# Ends with one table. Expectations: on/off ratio ~1.0 (the packet path does not touch etcd);
# takeover within lease_ttl + ~0.5 s (etcd checks for expired leases every 500 ms); no writes
# in steady state (lease keep-alives do not change the revision).
#
# Builds nothing. Runs as root; every process runs in namespaces it creates on one bridge with
# documentation addresses, every load is bounded (DURATION s per rate run; takeover waits are
# bounded by lease_ttl + 10 s), everything is stopped and removed at the end (lib.sh's trap).
# A default run (--runs 3) takes about 5 minutes.
#
# Usage: bench/cluster_bench.sh [--runs N] [--duration S] [--lease-ttl S] [--steady S]
#                               [--parts "rate takeover writes"] [--no-ttl5] [--no-agents]
# Environment: IKESTEER (build/frontend/ikesteer), LOADGEN (build/bench/ikesteer_loadgen),
# AGENT (build/agent/ikesteer-agent), RUNS (3), DURATION (8), WINDOW (256), LEASE_TTL (2),
# STEADY (60), SERVER_CPU (1), LOADGEN_CPU (0), QUIET_WAIT (5: up to that many seconds before
# each rate run waiting for other work to leave the two CPUs), KEEP (0; 1 keeps the work
# folder with every log).
# Packages: .ci/packages/integration.txt (etcd-server, etcd-client, strongSwan, curl, jq).
# Exit status: 0 when every part ran, 1 when a run failed, 2 on a set-up error.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench_lib.sh
source "$ROOT/bench/bench_lib.sh"
# shellcheck source=../tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"
# shellcheck source=../tests/integration/cluster_lib.sh
source "$ROOT/tests/integration/cluster_lib.sh"

IKESTEER=${IKESTEER:-$ROOT/build/frontend/ikesteer}
LOADGEN=${LOADGEN:-$ROOT/build/bench/ikesteer_loadgen}
AGENT=${AGENT:-$ROOT/build/agent/ikesteer-agent}
RUNS=${RUNS:-3}
DURATION=${DURATION:-8}
WINDOW=${WINDOW:-256}
LEASE_TTL=${LEASE_TTL:-2}
STEADY=${STEADY:-60}
PARTS=${PARTS:-rate takeover writes}
TTL5=1
AGENTS=1
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
QUIET_WAIT=${QUIET_WAIT:-5}
KEEP=${KEEP:-0}

while (($#)); do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --lease-ttl) LEASE_TTL=$2; shift 2 ;;
    --steady) STEADY=$2; shift 2 ;;
    --parts) PARTS=$2; shift 2 ;;
    --no-ttl5) TTL5=0; shift ;;
    --no-agents) AGENTS=0; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
# in_range <value> <min> <max>: an integer within the bounds.
in_range() { [[ $1 =~ ^[0-9]+$ ]] && (($1 >= $2 && $1 <= $3)); }
in_range "$RUNS" 1 20 || die "--runs must be 1..20"
in_range "$DURATION" 1 60 || die "--duration must be 1..60 s"
in_range "$STEADY" 5 600 || die "--steady must be 5..600 s"
in_range "$LEASE_TTL" 2 60 ||
  die "--lease-ttl must be 2..60 (whole seconds: etcd grants whole-second leases)"
for p in $PARTS; do
  [[ $p == rate || $p == takeover || $p == writes ]] || die "unknown part $p (rate takeover writes)"
done
has_part() { [[ " $PARTS " == *" $1 "* ]]; }
((EUID == 0)) || die "needs root (network namespaces)"
[[ -x $IKESTEER ]] || die "no ikesteer at $IKESTEER"
has_part rate && { [[ -x $LOADGEN ]] || die "no load generator at $LOADGEN"; }
if has_part writes && ((AGENTS)) && [[ ! -x $AGENT ]]; then
  log "no ikesteer-agent at $AGENT: the writes part runs without agents"
  AGENTS=0
fi
for tool in etcd etcdctl jq curl; do
  command -v "$tool" >/dev/null || die "missing $tool (.ci/packages/integration.txt)"
done

# ---------------------------------------------------------------------------------------------
# Topology: one bridge, documentation addresses.

TOKEN=cluster-bench-token
FAILED=0
CL_INSTANCES=(f1 f2 f3)
CL_FRONT=([f1]=198.51.100.1 [f2]=198.51.100.2 [f3]=198.51.100.3)
MEMBERS=(m1 m2 m3)
declare -A MGMT=([m1]=192.0.2.11 [m2]=192.0.2.12 [m3]=192.0.2.13)
declare -A SERVICE=([m1]=198.51.100.11 [m2]=198.51.100.12 [m3]=198.51.100.13)
RATE_MEMBERS=(198.51.100.11 198.51.100.12 198.51.100.13 198.51.100.14)
RATE_PORT=15700
RATE_HTTP=18095
PREFIX=/ikesteer/
AGENT_PORT=7701

# shellcheck disable=SC2034 # read by lib.sh's cleanup
IT_KEEP=$KEEP
it_init cluster_bench --prefix "icb$$"
it_topology_init
it_host_add e1 192.0.2.21
it_host_add e2 192.0.2.22
it_host_add e3 192.0.2.23
it_host_add rb 192.0.2.31  # the rate part's measured instance (IKE on its loopback)
it_host_add rp 192.0.2.32  # the rate part's leader for the follower mode
it_wait_for 5 "the bridge to carry packets" it_ping rb 192.0.2.21
log "work folder $IT_WORK"
read -r load1 _ </proc/loadavg
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
  log "WARNING: load average $load1: other work on this machine will skew the figures"
fi
t0=$(it_now_ms)
cl_etcd_start e1 e2 e3
log "etcd: 3 members healthy after $(($(it_now_ms) - t0)) ms"

# forget <pid>: drop a process we stopped or killed from the cleanup list (its PID may be reused).
forget() {
  local keep=() p
  for p in "${IT_PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  IT_PIDS=("${keep[@]}")
}

etcd_revision() {
  ETCDCTL_ENDPOINTS=$(cl_etcd_endpoint e1) cl_etcdctl endpoint status -w json |
    jq -r '.[0].Status.header.revision'
}

# ---------------------------------------------------------------------------------------------
# Part 1: redirect rate, cluster mode off / leader / follower.

rate_conf() {  # <mode> <instance>
  local mode=$1 name=$2 i
  printf '[ike]\nlisten = ["127.0.0.1"]\nports = [%d]\nthreads = 1\n' "$RATE_PORT"
  printf 'unsupported_client = "drop"\ninvalid_syntax_reply = false\n\n'
  printf '[cookies]\nenabled = false\n\n[rate_limit]\nreplies_per_second = 0\n\n'
  printf '[sessions]\nover_budget = "off"\n\n[log]\nlevel = "warn"\n\n'
  printf '[http]\nlisten = ["127.0.0.1:%d"]\n' "$RATE_HTTP"
  case $mode in
    leader) cl_ikesteer_cluster_conf --prefix /bench-rate-leader/ "$name" "$LEASE_TTL" ;;
    follower) cl_ikesteer_cluster_conf --prefix /bench-rate-follower/ "$name" "$LEASE_TTL" ;;
  esac
  for i in "${!RATE_MEMBERS[@]}"; do
    printf '\n[[member]]\nname = "m%d"\naddresses = ["%s"]\n' "$((i + 1))" "${RATE_MEMBERS[i]}"
  done
}

rate_cluster() { it_exec "$1" curl -sf -m 1 "http://127.0.0.1:$RATE_HTTP/api/v1/cluster"; }

# role_is <host> <role>: the rate part's instance on <host> is off (no cluster), leader
# (acting) or follower (synced, not acting, rp leads).
role_is() {
  local j
  [[ $2 == off ]] && return 0
  j=$(rate_cluster "$1") || return 1
  case $2 in
    leader) [[ $(jq -r .acting <<<"$j") == true ]] ;;
    follower) [[ $(jq -r '"\(.leader) \(.acting) \(.etcd.synced)"' <<<"$j") == "rp false true" ]] ;;
  esac
}

# start_rate_instance <host> <mode> <cpu> <role>: ikesteer in <host>'s namespace pinned to <cpu>
# with the <mode> configuration; waits until its UDP port is bound and it has <role> (off,
# leader, follower). Sets STARTED_PID (not a subshell: the process must be ours to wait for).
start_rate_instance() {
  local host=$1 mode=$2 cpu=$3 role=$4 conf pid i
  conf="$IT_WORK/$host-$mode.toml"
  rate_conf "$mode" "$host" >"$conf"
  "$IKESTEER" --check-config "$conf" >"$IT_WORK/$host-check.out" 2>&1 ||
    { cat "$IT_WORK/$host-check.out" >&2; die "ikesteer refused $conf"; }
  ip netns exec "$(it_ns "$host")" taskset -c "$cpu" "$IKESTEER" --config "$conf" \
    >>"$IT_WORK/$host.log" 2>&1 </dev/null &
  pid=$!
  IT_PIDS+=("$pid")
  IT_LOG_OF["$host/ikesteer"]="$IT_WORK/$host.log"
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$IT_WORK/$host.log" >&2; die "ikesteer on $host exited"; }
    if [[ -n $(it_exec "$host" ss -Hunl "sport = :$RATE_PORT") ]] && role_is "$host" "$role"; then
      STARTED_PID=$pid
      return 0
    fi
    sleep 0.1
  done
  die "ikesteer on $host ($mode) not ready in 15 s (log: $IT_WORK/$host.log)"
}

declare -A R_RPS R_CPU R_RATIO R_INVALID R_OTHER
RATE_MODES=(off leader follower)
rate_run() {  # <mode> <round>
  local mode=$1 round=$2 file="$IT_WORK/rate-$1-$2.txt" busy0 busy1 t0 t1 result other lg
  start_rate_instance rb "$mode" "$SERVER_CPU" "$mode"
  SERVER_PID=$STARTED_PID
  pin_server || die "cannot pin ikesteer to CPU $SERVER_CPU"
  wait_quiet
  busy0=$(cpu_busy)
  t0=$(date +%s.%N)
  ip netns exec "$(it_ns rb)" taskset -c "$LOADGEN_CPU" "$LOADGEN" --target 127.0.0.1 \
    --port "$RATE_PORT" --timeout 0.2 --server-pid "$SERVER_PID" --duration "$DURATION" \
    --window "$WINDOW" >"$file" 2>&1 &
  lg=$!
  IT_PIDS+=("$lg")
  wait "$lg" || true
  forget "$lg"
  t1=$(date +%s.%N)
  busy1=$(cpu_busy)
  # The role held during the whole run (a follower that took over would not be one).
  role_is rb "$mode" || { log "rate $mode round $round: rb was not $mode at the end"; FAILED=1; }
  it_stop_pid "$SERVER_PID" 5
  forget "$SERVER_PID"
  result=$(grep '^RESULT ' "$file") || result="RESULT failed=1"
  if [[ $(field "$result" valid) == 0 ]]; then
    log "rate $mode round $round: the load generator failed:"
    tail -5 "$file" >&2
    FAILED=1
    return 1
  fi
  other=$(awk -v b="$busy1" -v a="$busy0" -v s="$(field "$result" cpu)" \
    -v l="$(field "$result" self_cpu)" -v t1="$t1" -v t0="$t0" \
    'BEGIN { o = (b - a - s - l) / (2 * (t1 - t0)) * 100; printf "%.0f%%", o < 0 ? 0 : o }')
  R_RPS[$mode]+=" $(field "$result" rps)"
  R_CPU[$mode]+=" $(field "$result" per_cpu)"
  R_INVALID[$mode]=$((${R_INVALID[$mode]:-0} + $(field "$result" invalid)))
  R_OTHER[$mode]+=" $other"
  log "rate $mode round $round: $(field "$result" rps) redirects/s," \
    "$(field "$result" per_cpu) per CPU-second (ikesteer $(field "$result" cpu) CPU-s)," \
    "invalid $(field "$result" invalid), lost $(field "$result" lost), other CPU $other"
}

part_rate() {
  local round mode peer last
  log "== rate: off / leader / follower, $RUNS rounds of $DURATION s each"
  # rp leads /bench-rate-follower/ through every mode (the same background for all).
  start_rate_instance rp follower "$LOADGEN_CPU" leader
  peer=$STARTED_PID
  for ((round = 1; round <= RUNS; round++)); do
    declare -A this=()
    for mode in "${RATE_MODES[@]}"; do
      if rate_run "$mode" "$round"; then
        this[$mode]=$(tr ' ' '\n' <<<"${R_CPU[$mode]}" | tail -1)
      fi
    done
    for mode in leader follower; do
      [[ -n ${this[$mode]:-} && -n ${this[off]:-} ]] &&
        R_RATIO[$mode]+=" $(ratio "${this[$mode]}" "${this[off]}")"
    done
    unset this
  done
  it_stop_pid "$peer" 5
  forget "$peer"
}

# ---------------------------------------------------------------------------------------------
# Parts 2 and 3: three instances, three strongSwan members, the audited failover hook.

TTL=$LEASE_TTL
WITH_AGENTS=0
AUDIT=""
HOOK=""

front_conf() {  # <instance>
  local self=$1 m
  cat <<EOF
# generated by bench/cluster_bench.sh
[ike]
listen = ["${CL_FRONT[$self]}"]
threads = 1

[log]
level = "info"

[http]
listen = ["${CL_FRONT[$self]}:8080"]
token = "$TOKEN"

[failover]
hook = ["$HOOK"]
fencing = 1.0
failback = "auto"
failback_hold = 1.0
ipv4_prefix = 32
ipv6_prefix = 128
EOF
  if ((WITH_AGENTS)); then
    printf '\n[health]\nagent_listen = ["%s:%d"]\nagent_max_age = 5.0\n' "${CL_FRONT[$self]}" "$AGENT_PORT"
  fi
  cl_ikesteer_cluster_conf --advertise "http://${CL_FRONT[$self]}:8080" "$self" "$TTL"
  for m in "${MEMBERS[@]}"; do
    cat <<EOF

[[member]]
name = "$m"
addresses = ["${SERVICE[$m]}"]
failover = "least-loaded"
EOF
    ((WITH_AGENTS)) && printf 'agent_key = "%s"\n' "$(agent_key "$m")"
    cat <<EOF

  [[member.probe]]
  type = "ike"
  address = "${MGMT[$m]}"
  interval = 0.2
  interval_transition = 0.1
  timeout = 0.3
  rise = 2
  fall = 2
EOF
  done
}

agent_key() { printf '%064x' "$((${1#m} * 7919))"; }

member_state_on() { cl_api "$1" "/api/v1/members/$2" | jq -r .state; }
# all_home: every member up on every live instance, each service address on its own member only.
all_home() {
  local f m h
  for f in $(cl_live); do
    for m in "${MEMBERS[@]}"; do [[ $(member_state_on "$f" "$m") == up ]] || return 1; done
  done
  for m in "${MEMBERS[@]}"; do
    for h in "${MEMBERS[@]}"; do
      if [[ $h == "$m" ]]; then it_has_address "$h" "${SERVICE[$m]}" || return 1
      else ! it_has_address "$h" "${SERVICE[$m]}" || return 1; fi
    done
  done
}
# quiet_hook <ms>: no hook call started in the last <ms>.
quiet_hook() {
  local last
  last=$(sort -n -k1,1 "$AUDIT" | tail -1 | awk '{ print $1 }')
  [[ -z $last ]] || (($(it_now_ms) - last > $1))
}
steady() { cl_leader_agreed >/dev/null && all_home && quiet_hook 1000; }

# audit_after <ms> <action> <address>: the first successful call at or after ms.
audit_after() {
  sort -n -k1,1 "$AUDIT" | awk -v t="$1" -v a="$2" -v addr="$3" \
    '$1 >= t && $2 == a && $3 == addr && $8 == 0 { print; exit }'
}

# http_port_free <instance>: nothing listens on its API port. ikesteer's HTTP listening socket
# is inherited by the processes it runs (hooks, exec probes: no FD_CLOEXEC), so after a stop
# the port stays taken while, e.g., failover_hook.sh's arping still runs (up to ~3 s).
http_port_free() { [[ -z $(it_exec "$1" ss -Htln "sport = :8080") ]]; }
PORT_WAITS=""
start_front() {  # <instance>
  local f=$1 log="$IT_WORK/$1/ikesteer.log" waited
  mkdir -p "$IT_WORK/$f"
  if ! http_port_free "$f"; then
    log "$f: ${CL_FRONT[$f]}:8080 still taken after the stop: $(it_exec "$f" ss -Htlnp "sport = :8080" |
      grep -o 'users:.*')"
    waited=$(cl_wait_ms 10000 http_port_free "$f")
    [[ -n $waited ]] || it_fail "${CL_FRONT[$f]}:8080 still taken 10 s after $f stopped"
    PORT_WAITS+=" $f:${waited}ms"
  fi
  [[ -s $log ]] && mv "$log" "$log.$(date +%s%N)"
  front_conf "$f" >"$IT_WORK/$f.toml"
  it_ikesteer_start "$f" "$IT_WORK/$f.toml"
}
stop_front() {
  local pid=${IT_PID_OF["$1/ikesteer"]:-}
  [[ -n $pid ]] || return 0
  it_stop_pid "$pid" 5
  forget "$pid"
  unset 'IT_PID_OF['"$1"'/ikesteer]'
}

# (Re)start every instance with the current TTL and WITH_AGENTS, one at a time (a rolling
# restart), then wait for one leader and every member home.
restart_fronts() {
  local f
  for f in "${CL_INSTANCES[@]}"; do
    stop_front "$f"
    start_front "$f"
  done
  it_wait_for 30 "one leader seen by every instance, every member up and home" steady
}

FRONTS_UP=0
setup_fronts() {
  ((FRONTS_UP)) && return 0
  local m f map="$IT_WORK/members.map"
  for f in "${CL_INSTANCES[@]}"; do it_host_add "$f" "${CL_FRONT[$f]}"; done
  for m in "${MEMBERS[@]}"; do it_host_add "$m" "${MGMT[$m]}" "${SERVICE[$m]}"; done
  for m in "${MEMBERS[@]}"; do printf '%s %s eth0 %s\n' "$m" "$(it_ns "$m")" "${MGMT[$m]}"; done >"$map"
  AUDIT="$IT_WORK/claims.audit"
  HOOK=$(cl_audit_hook "$AUDIT" "$ROOT/tests/integration/failover_hook.sh" "$map")
  for m in "${MEMBERS[@]}"; do it_charon_start "$m" "$(it_member_swanctl_conf)"; done
  # Every service address starts on its member (as an operator's machines would hold them).
  for m in "${MEMBERS[@]}"; do it_has_address "$m" "${SERVICE[$m]}" || it_fail "no ${SERVICE[$m]} on $m"; done
  TTL=$LEASE_TTL
  restart_fronts
  FRONTS_UP=1
}

declare -A T_LEAD T_FIRST T_CLAIM
takeover_run() {  # <ttl> <run>
  local ttl=$1 run=$2 leader kill_ms lead_ms new first claim pid charon
  it_wait_for 30 "steady state before takeover run $run" steady
  leader=$(cl_leader_agreed)
  pid=${IT_PID_OF["$leader/ikesteer"]}
  charon=${IT_PID_OF["m1/charon"]}
  kill_ms=$(it_now_ms)
  kill -KILL "$pid" "$charon"
  CL_DEAD[$leader]=1
  lead_ms=$(cl_wait_ms $(((ttl + 10) * 1000)) cl_acting_instance)
  new=$(cl_acting_instance) || new="none"
  local deadline=$((kill_ms + (ttl + 10) * 1000))
  while [[ -z $(audit_after "$kill_ms" claim "${SERVICE[m1]}") ]] && (($(it_now_ms) < deadline)); do
    sleep 0.05
  done
  first=$(sort -n -k1,1 "$AUDIT" | awk -v t="$kill_ms" '$1 >= t { print; exit }')
  claim=$(audit_after "$kill_ms" claim "${SERVICE[m1]}")
  wait "$pid" 2>/dev/null || true
  wait "$charon" 2>/dev/null || true
  forget "$pid"
  forget "$charon"
  unset 'IT_PID_OF['"$leader"'/ikesteer]' 'IT_PID_OF[m1/charon]'
  if [[ -z $lead_ms || -z $claim ]]; then
    log "takeover ttl $ttl run $run: no instance acted (${lead_ms:-never}) or no claim within $((ttl + 10)) s"
    cat "$AUDIT" >&2
    FAILED=1
  else
    T_LEAD[$ttl]+=" $lead_ms"
    T_FIRST[$ttl]+=" $(($(awk '{ print $1 }' <<<"$first") - kill_ms))"
    T_CLAIM[$ttl]+=" $(($(awk '{ print $1 }' <<<"$claim") - kill_ms))"
    log "takeover ttl $ttl s run $run: $leader killed with m1's charon; $new acts after" \
      "$lead_ms ms; first hook call after $(($(awk '{ print $1 }' <<<"$first") - kill_ms)) ms" \
      "($(awk '{ print $2, $3, $4, $5 }' <<<"$first")); first claim of m1's address after" \
      "$(($(awk '{ print $1 }' <<<"$claim") - kill_ms)) ms ($(awk '{ print $4, $5 }' <<<"$claim"))"
  fi
  # Back to three instances and m1 at home.
  it_charon_start m1 "$(it_member_swanctl_conf)"
  start_front "$leader"
  unset 'CL_DEAD[$leader]'
}

TTLS=("$LEASE_TTL")
((TTL5)) && ((LEASE_TTL != 5)) && TTLS+=(5)
part_takeover() {
  local ttl run
  setup_fronts
  for ttl in "${TTLS[@]}"; do
    if ((ttl != TTL)); then
      log "restarting the instances with lease_ttl $ttl"
      TTL=$ttl
      restart_fronts
    fi
    log "== takeover: lease_ttl $ttl s, $RUNS runs"
    for ((run = 1; run <= RUNS; run++)); do takeover_run "$ttl" "$run"; done
  done
  it_wait_for 30 "steady state after the takeover runs" steady
}

# Writes in steady state.
declare -A W_REV W_COUNTER W_KEYS W_ROLE
writes_total() {  # <instance>
  cl_api "$1" /metrics | awk '$1 == "ikesteer_cluster_etcd_writes_total" { print $2 }'
}
steady_window() {  # <label>
  local label=$1 rev0 rev1 f c0 c1 watch_pid out="$IT_WORK/watch-$1.json" per="" sum=0
  declare -A before=()
  it_wait_for 30 "steady state before the $label window" steady
  sleep 3  # the last verdicts and records written after the last change
  cl_etcdctl_bg "$out" watch --prefix "$PREFIX" -w json
  watch_pid=$CL_LAST_PID
  sleep 0.5
  rev0=$(etcd_revision)
  for f in "${CL_INSTANCES[@]}"; do before[$f]=$(writes_total "$f"); done
  log "== writes ($label): ${STEADY} s of steady state from revision $rev0"
  sleep "$STEADY"
  rev1=$(etcd_revision)
  for f in "${CL_INSTANCES[@]}"; do
    c1=$(writes_total "$f")
    c0=${before[$f]}
    per+=" $f=$((c1 - c0))"
    sum=$((sum + c1 - c0))
  done
  sleep 0.5
  it_stop_pid "$watch_pid" 2
  forget "$watch_pid"
  W_REV[$label]=$((rev1 - rev0))
  W_COUNTER[$label]="$sum (${per# })"
  W_ROLE[$label]=$(cl_leader_agreed || echo none)
  # Every key written in the window, with its count (value sizes summed).
  W_KEYS[$label]=$(jq -r --argjson r0 "$rev0" --argjson r1 "$rev1" \
    '.Events[]? | select(.kv.mod_revision > $r0 and .kv.mod_revision <= $r1) |
     "\(if .type == 1 or .type == "DELETE" then "DELETE" else "PUT" end) \(.kv.key | @base64d)"' "$out" 2>/dev/null |
    sort | uniq -c | awk '{ printf "%s%s %s x%d", (NR > 1 ? ", " : ""), $2, $3, $1 }')
  log "writes ($label): revision +${W_REV[$label]}, writes_total +$sum (${per# });" \
    "keys: ${W_KEYS[$label]:-none}"
}

agents_start() {
  local m dir report=""
  for f in "${CL_INSTANCES[@]}"; do report+="${report:+, }\"${CL_FRONT[$f]}:$AGENT_PORT\""; done
  for m in "${MEMBERS[@]}"; do
    dir="$IT_WORK/$m/agent"
    mkdir -p "$dir"
    agent_key "$m" >"$dir/agent.key"
    chmod 600 "$dir/agent.key"
    cat >"$dir/agent.toml" <<EOF
member = "$m"
key_file = "$dir/agent.key"
report_to = [$report]
report_interval = 1.0
load = "auto"

[strongswan]
vici = "unix://$(it_charon_dir "$m")/charon.vici"
EOF
    ip netns exec "$(it_ns "$m")" "$AGENT" run --config "$dir/agent.toml" >"$dir/agent.log" 2>&1 </dev/null &
    IT_PIDS+=("$!")
    IT_PID_OF["$m/agent"]=$!
    IT_LOG_OF["$m/agent"]="$dir/agent.log"
  done
}
agents_reporting() {
  local f m
  for f in "${CL_INSTANCES[@]}"; do
    for m in "${MEMBERS[@]}"; do
      cl_api "$f" "/api/v1/members/$m" | jq -e '.reported_load != null' >/dev/null || return 1
    done
  done
}

part_writes() {
  setup_fronts
  steady_window probes
  if ((AGENTS)); then
    log "restarting the instances with agent_listen and the members' agent keys; agents on m1..m3"
    WITH_AGENTS=1
    agents_start
    restart_fronts
    it_wait_for 20 "every instance to take every member's agent reports" agents_reporting
    steady_window agents
  fi
}

# ---------------------------------------------------------------------------------------------
# Run

T_START=$(it_now_ms)
has_part rate && part_rate
has_part takeover && part_takeover
has_part writes && part_writes
ELAPSED=$((($(it_now_ms) - T_START) / 1000))

# ---------------------------------------------------------------------------------------------
# Report

echo
echo "cluster_bench: etcd 3.4 x3 (heartbeat ${CL_ETCD_HEARTBEAT_MS} ms, election ${CL_ETCD_ELECTION_MS} ms)" \
  "in namespaces; $(nproc) CPUs; $ELAPSED s"
if has_part rate; then
  echo
  printf 'Redirect rate: one IKE loop on CPU %s, load generator on CPU %s, %s s closed loop' \
    "$SERVER_CPU" "$LOADGEN_CPU" "$DURATION"
  printf ' (window %s), %s rounds off -> leader -> follower; medians (min..max)\n' "$WINDOW" "$RUNS"
  printf '%-9s %12s %22s %14s %22s %20s %8s  %s\n' mode redirects/s "(min..max)" per_CPU-s \
    "(min..max)" "ratio to off" invalid "other_cpu per round"
  for mode in "${RATE_MODES[@]}"; do
    [[ -n ${R_RPS[$mode]:-} ]] || { printf '%-9s failed\n' "$mode"; continue; }
    read -r rm rlo rhi < <(stats "${R_RPS[$mode]}")
    read -r cm clo chi < <(stats "${R_CPU[$mode]}")
    r="1.000" rounds=""
    if [[ $mode != off ]]; then r=$(median "${R_RATIO[$mode]:-0}"); rounds="(${R_RATIO[$mode]# })"; fi
    printf '%-9s %12.0f %22s %14.0f %22s %6s %-13s %8s  %s\n' "$mode" "$rm" "($rlo..$rhi)" "$cm" \
      "($clo..$chi)" "$r" "$rounds" "${R_INVALID[$mode]:-0}" "${R_OTHER[$mode]# }"
  done
  echo "ratio to off: per CPU-second, each round's against that round's off; the median and each round"
fi
if has_part takeover; then
  echo
  echo "Takeover: kill -9 of the leader and of m1's charon at 0; ms after the kill, min / median / max of $RUNS runs"
  printf '%-10s %-22s %-22s %-22s\n' lease_ttl "new leader acting" "first hook call" "first claim"
  for ttl in "${TTLS[@]}"; do
    [[ -n ${T_LEAD[$ttl]:-} ]] || { printf '%-10s failed\n' "$ttl s"; continue; }
    row=()
    for v in "${T_LEAD[$ttl]}" "${T_FIRST[$ttl]}" "${T_CLAIM[$ttl]}"; do
      read -r md lo hi < <(stats "$v")
      row+=("$lo / $md / $hi")
    done
    printf '%-10s %-22s %-22s %-22s\n' "$ttl s" "${row[@]}"
    printf '%-10s runs: acting%s; claim%s\n' "" "${T_LEAD[$ttl]}" "${T_CLAIM[$ttl]}"
  done
  echo "(acting is polled every ~20 ms per live instance, so late by up to ~60 ms; the hook"
  echo " calls are the audit's own start times: the first is the release of m1's address)"
fi
if has_part writes; then
  echo
  echo "etcd writes in steady state over $STEADY s (3 instances, 3 members up, no operator action)"
  printf '%-8s %-8s %10s %12s %-24s  %s\n' members leader revisions per_minute "writes_total (f1 f2 f3)" \
    "keys written"
  for label in probes agents; do
    [[ -n ${W_REV[$label]:-} ]] || continue
    printf '%-8s %-8s %10s %12s %-24s  %s\n' "$label" "${W_ROLE[$label]}" "+${W_REV[$label]}" \
      "$(awk -v d="${W_REV[$label]}" -v s="$STEADY" 'BEGIN { printf "%.1f", d * 60 / s }')" \
      "${W_COUNTER[$label]}" "${W_KEYS[$label]:-none}"
  done
  ((AGENTS)) || echo "(agents: skipped)"
  echo "probes: IKE probes only; agents: plus ikesteer-agent on every member, load = \"auto\" every 1 s"
fi
if [[ -n $PORT_WAITS ]]; then
  echo
  echo "note: an instance's API port was still held by a process it had started (a hook's"
  echo "child inherits ikesteer's HTTP listening socket); restarts waited:$PORT_WAITS"
fi
exit "$FAILED"
