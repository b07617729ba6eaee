#!/usr/bin/env bash
# A storm of new clients at the front end, with real strongSwan peers: the scenario of
# tests/integration/storm_lib.sh (N clients on one charon with strongSwan's DEFAULT
# retransmission timers, all initiating at the same moment through ikesteer's REDIRECT to K
# members), once per mode of the budget of new IKE SAs and run, each in fresh namespaces:
#   none     over_budget = "off": new clients are not paced
#   drop     over_budget = "drop"
#   cookie   over_budget = "cookie"
# and prints per run, from the members' logs (time stamps with ms):
#   max1s    the most IKE SAs the members established in any 1-s window
#   all_ms   ms from the start until the last client's IKE SA was established
#   failed   clients whose swanctl --initiate failed (gave up)
#   waves    established per second after the start ("second:count")
#
# Usage (root; builds nothing):
#   bench/storm_bench.sh [--runs N] [--clients N] [--members K] [--budget R] [--modes "none drop cookie"]
#   IKESTEER=... overrides the binary (default build/frontend/ikesteer); KEEP=1 keeps work folders.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"
# shellcheck source=../tests/integration/storm_lib.sh
source "$ROOT/tests/integration/storm_lib.sh"

RUNS=1
CLIENTS=60
MEMBERS=3
BUDGET=10
MODES="none drop cookie"
KEEP=${KEEP:-0}
IKESTEER=${IKESTEER:-$ROOT/build/frontend/ikesteer}
while (($#)); do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --members) MEMBERS=$2; shift 2 ;;
    --budget) BUDGET=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
((EUID == 0)) || { echo "needs root (network namespaces)" >&2; exit 2; }
export IKESTEER

# one_run <mode> <n>: the storm in fresh namespaces (a subshell: lib.sh's trap removes them).
one_run() {
  local mode=$1 n=$2 over
  case "$mode" in none) over=off ;; *) over=$mode ;; esac
  (
    # shellcheck disable=SC2034 # read by lib.sh's cleanup
    IT_KEEP=$KEEP
    it_init "storm_bench_${mode}_$n" --prefix "stb$$${mode:0:1}$n"
    STORM_CLIENTS=$CLIENTS STORM_MEMBERS=$MEMBERS STORM_BUDGET=$BUDGET STORM_MODE=$over
    storm_setup
    storm_run
    storm_measure
    printf '%-6s %3d %5d %7d %6d %6s %s\n' "$mode" "$n" "$STORM_MAX_PER_SECOND" "$STORM_ALL_MS" \
      "$STORM_FAILED" \
      "$(storm_metric 'ikesteer_ike_over_budget_total{action="drop"}')/$(storm_metric 'ikesteer_ike_over_budget_total{action="cookie"}')" \
      "$(storm_waves)" >&3
    it_ikesteer_finish front
  ) 3>&1 2>"/tmp/storm_bench_$$.log" || {
    tail -n 30 "/tmp/storm_bench_$$.log" >&2
    echo "run $mode $n failed (its log is above)" >&2
    exit 1
  }
}

echo "storm: $CLIENTS strongSwan clients (one charon, default retransmission timers: 4 s x 1.8^n, 5 tries, no jitter), $MEMBERS members, budget $BUDGET/s (burst $BUDGET), ikesteer with 2 IKE loops"
printf '%-6s %3s %5s %7s %6s %6s %s\n' mode run max1s all_ms failed drop/cookie "waves (second:established)"
for ((run = 1; run <= RUNS; run++)); do
  for mode in $MODES; do one_run "$mode" "$run"; done
done
rm -f "/tmp/storm_bench_$$.log"
