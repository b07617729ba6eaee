#!/usr/bin/env bash
# Failover times with real strongSwan peers: runs the scenario of
# tests/integration/failover_lib.sh (three members, six clients on the members' service
# addresses, one through ikesteer's REDIRECT) RUNS times, each in fresh namespaces, and prints
# per run and as median / max, in ms after the fault:
#   detect    ikesteer logs the failed member down
#   dns       the cluster name (dig @front) no longer lists its address
#   redirect  ikesteer-ask gets the clients that went there sent elsewhere
#   answer    the address answers an IKE probe from its new owner
#   clients   every client that was on the failed member is ESTABLISHED on a survivor
# The observations are polled (every 50 ms; an unanswered IKE probe waits 150 ms), so they are
# late by up to ~0.2 s; detect is the time ikesteer's log line was read.
#
# With --keepalived it also measures, the same number of times, keepalived 2.2.7 moving the same
# address between two namespaces (VRRP, default timers: advert_int 1 s, priorities 150/100)
# when the master fails the same way (link: its port goes down; kill: SIGKILL to every
# keepalived process of the master): the time until the address answers an IKE probe from the
# backup's charon.
#
# Usage (root; builds nothing):
#   bench/failover_bench.sh [--runs N] [--fault kill|link] [--failover least-loaded|adopt]
#                           [--driver ikesteer|manual] [--keepalived]
#   IKESTEER=... ASK=... override the binaries (default build/frontend/ikesteer, build/tools/ikesteer-ask);
#   FO_DPD_DELAY, FO_RETRANSMIT_TIMEOUT, FO_RETRANSMIT_BASE, FO_RETRANSMIT_TRIES tune the
#   clients (failover_lib.sh); KEEP=1 keeps every run's work folder; QUIET_WAIT (s, default 20)
#   bounds the wait for idle CPUs before each run.
# --driver manual moves the address with the hook right after the fault, without ikesteer's
# detection: what is left is the clients' own dead peer detection and reconnection.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench_lib.sh
source "$ROOT/bench/bench_lib.sh"
# shellcheck source=../tests/integration/failover_lib.sh
source "$ROOT/tests/integration/failover_lib.sh"

RUNS=10
MAX_RUNS=50
KEEPALIVED=0
IKESTEER=${IKESTEER:-$ROOT/build/frontend/ikesteer}
ASK=${ASK:-$ROOT/build/tools/ikesteer-ask}
KEEP=${KEEP:-0}
QUIET_WAIT=${QUIET_WAIT:-20}
# wait_quiet (bench_lib.sh) watches both CPUs.
# shellcheck disable=SC2034
SERVER_CPU=0 LOADGEN_CPU=1

while (($#)); do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --fault) FO_FAULT=$2; shift 2 ;;
    --failover) FO_FAILOVER=$2; shift 2 ;;
    --driver) FO_DRIVER=$2; shift 2 ;;
    --keepalived) KEEPALIVED=1; shift ;;
    *) die "unknown argument '$1' (see the header of $0)" ;;
  esac
done
[[ "$RUNS" =~ ^[0-9]+$ ]] || die "--runs must be a number"
((RUNS >= 1 && RUNS <= MAX_RUNS)) || die "--runs must be 1..$MAX_RUNS"
[[ "$FO_FAULT" == kill || "$FO_FAULT" == link ]] || die "--fault must be kill or link"
[[ "$FO_FAILOVER" == least-loaded || "$FO_FAILOVER" == adopt ]] ||
  die "--failover must be least-loaded or adopt"
[[ "$FO_DRIVER" == ikesteer || "$FO_DRIVER" == manual ]] || die "--driver must be ikesteer or manual"
[[ "$FO_DRIVER" == ikesteer || "$FO_FAILOVER" == least-loaded ]] ||
  die "--driver manual moves addresses to members only (least-loaded)"
((KEEPALIVED == 0)) || command -v keepalived >/dev/null || die "keepalived is not installed"
((EUID == 0)) || die "needs root (network namespaces)"

RESULTS=$(mktemp -d /tmp/ikesteer-failover-bench.XXXXXX)
trap 'rm -rf "$RESULTS"' EXIT
trap 'exit 130' INT TERM

# one_run <n>: the scenario in fresh namespaces (a subshell: lib.sh's trap removes them when it
# ends); appends "<observation> <ms>" lines to $RESULTS/ikesteer.
one_run() {
  (
    # shellcheck disable=SC2034 # read by lib.sh's cleanup
    IT_KEEP=$KEEP
    it_init "failover_bench_r$1" --prefix "fob$$r$1"
    fo_check_tools
    fo_setup
    fo_find_m1_askers
    fo_measure
    for name in "${FO_OBSERVATIONS[@]}"; do echo "$name $(fo_elapsed "$name")"; done >"$RESULTS/run"
  ) 2>"$RESULTS/run.log" || {
    tail -n 40 "$RESULTS/run.log" >&2
    die "run $1 failed (its log is above)"
  }
}

# --------------------------------------------------------------------------- keepalived

KA_VIP=198.51.100.11

ka_conf() {
  cat <<EOF
global_defs {
  router_id $1
}
vrrp_instance cluster {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority $2
  advert_int 1
  virtual_ipaddress {
    $KA_VIP/32 dev eth0
  }
}
EOF
}

ka_start() {
  local host=$1 prio=$2 dir="$IT_WORK/$1/keepalived" pid
  mkdir -p "$dir"
  ka_conf "$host" "$prio" >"$dir/keepalived.conf"
  # shellcheck disable=SC2034 # lib.sh prints it on failure
  IT_LOG_OF["$host/keepalived"]="$dir/keepalived.log"
  ip netns exec "$(it_ns "$host")" keepalived -n -l -D -G --vrrp -f "$dir/keepalived.conf" \
    -p "$dir/keepalived.pid" -r "$dir/vrrp.pid" >"$dir/keepalived.log" 2>&1 </dev/null &
  pid=$!
  IT_PIDS+=("$pid")
  IT_PID_OF["$host/keepalived"]=$pid
}

# ka_answers_from <host>: the VIP answers an IKE probe and that host's charon got it.
ka_answers_from() {
  fo_ike_answers "$KA_VIP" && it_file_has "$(it_charon_log "$1")" \
    "received packet: from $(it_re_escape "$FO_PROBER")\\[[0-9]+\\] to $(it_re_escape "$KA_VIP")\\[500\\]"
}

# ka_run <n>: k1 (priority 150) and k2 (100) share the VIP, each with a charon; k1 fails.
ka_run() {
  (
    # shellcheck disable=SC2034 # read by lib.sh's cleanup
    IT_KEEP=$KEEP
    it_init "failover_bench_ka$1" --prefix "fob$$k$1"
    fo_check_tools
    it_topology_init
    it_host_add k1 192.0.2.21
    it_host_add k2 192.0.2.22
    it_host_add prober "$FO_PROBER"
    it_wait_for 5 "k1 to reach k2" it_ping k1 192.0.2.22
    it_charon_start k1 "$(it_member_swanctl_conf)"
    it_charon_start k2 "$(it_member_swanctl_conf)"
    ka_start k1 150
    ka_start k2 100
    it_wait_for 20 "k1 to hold $KA_VIP as VRRP master" it_has_address k1 "$KA_VIP"
    it_wait_for 5 "$KA_VIP to answer from k1" ka_answers_from k1
    sleep 2 # past keepalived's second round of gratuitous ARPs (vrrp_garp_master_delay 5 s)
    FO_T0=$(it_now_ms)
    if [[ "$FO_FAULT" == link ]]; then
      it_link_set k1 down
    else
      # Stop them all first: killing the parent alone makes its VRRP child (PR_SET_PDEATHSIG)
      # shut down cleanly and hand over at once, which is not a crash.
      pids=()
      for pid in $(ip netns pids "$(it_ns k1)"); do
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == keepalived ]] && pids+=("$pid")
      done
      kill -STOP "${pids[@]}"
      kill -KILL "${pids[@]}"
    fi
    it_wait_for $((FO_DEADLINE)) "$KA_VIP to answer from k2" ka_answers_from k2
    echo "answer $(($(it_now_ms) - FO_T0))" >"$RESULTS/run"
  ) 2>"$RESULTS/run.log" || {
    tail -n 40 "$RESULTS/run.log" >&2
    die "keepalived run $1 failed (its log is above)"
  }
}

# --------------------------------------------------------------------------- report

# table <results-file-prefix> <observations...>: per run, then median and max.
table() {
  local prefix=$1 i o line vals
  shift
  printf '%-8s' run
  for o in "$@"; do printf ' %9s' "$o"; done
  printf '\n'
  for ((i = 1; i <= RUNS; i++)); do
    printf '%-8s' "$i"
    for o in "$@"; do
      line=$(awk -v o="$o" '$1 == o { print $2 }' "$RESULTS/$prefix.$i")
      printf ' %9s' "${line:--}"
    done
    printf '\n'
  done
  for stat in median max; do
    printf '%-8s' "$stat"
    for o in "$@"; do
      vals=$(cat "$RESULTS/$prefix".* | awk -v o="$o" '$1 == o && $2 != "" { printf "%s ", $2 }')
      if [[ -z "$vals" ]]; then
        printf ' %9s' -
      elif [[ $stat == median ]]; then
        printf ' %9s' "$(median "$vals")"
      else
        printf ' %9s' "$(stats "$vals" | cut -d' ' -f3)"
      fi
    done
    printf '\n'
  done
}

log "ikesteer: $IKESTEER; fault $FO_FAULT, failover $FO_FAILOVER, driver $FO_DRIVER, $RUNS runs"
log "clients: dpd_delay ${FO_DPD_DELAY}s, retransmit timeout ${FO_RETRANSMIT_TIMEOUT}s base $FO_RETRANSMIT_BASE tries $FO_RETRANSMIT_TRIES"
observations=()
for ((run = 1; run <= RUNS; run++)); do
  wait_quiet
  one_run "$run"
  mv "$RESULTS/run" "$RESULTS/ikesteer.$run"
  log "run $run: $(tr '\n' ' ' <"$RESULTS/ikesteer.$run")"
done
mapfile -t observations < <(awk '{ print $1 }' "$RESULTS/ikesteer.1")

if ((KEEPALIVED)); then
  log "keepalived $(keepalived --version 2>&1 | head -n 1 | awk '{ print $2 }'): fault $FO_FAULT on the VRRP master, $RUNS runs"
  for ((run = 1; run <= RUNS; run++)); do
    wait_quiet
    ka_run "$run"
    mv "$RESULTS/run" "$RESULTS/keepalived.$run"
    log "keepalived run $run: $(cat "$RESULTS/keepalived.$run")"
  done
fi

echo
echo "ikesteer failover ($FO_FAULT, $FO_FAILOVER, driver $FO_DRIVER): ms after the fault"
table ikesteer "${observations[@]}"
if ((KEEPALIVED)); then
  echo
  echo "keepalived VRRP ($FO_FAULT on the master, default timers): ms after the fault"
  table keepalived answer
fi
