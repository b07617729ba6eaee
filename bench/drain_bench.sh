#!/usr/bin/env bash
# Drain with move, timed, with real strongSwan peers: the scenario of
# tests/integration/session_drain.sh (three members with ikesteer-agent, N clients with IKE and
# CHILD SAs on m1, POST .../m1/drain?move=sessions) run RUNS times in fresh namespaces. Per run:
#   drain     ms from the drain request until ikesteer says m1 is empty (every session moved
#             and gone from m1, as the agent's list shows)
#   p50, p90, max   per client, ms from the REDIRECT it received (INFORMATIONAL, RFC 5685) to
#             its new IKE SA established on the new member (the client's own log, in ms)
#   late      clients that took more than 2 s for that
#   lost      clients without an ESTABLISHED IKE SA at the end (the run fails if any)
# The clients keep strongSwan's default retransmission timers (4 s × 1.8ⁿ) unless
# --fast-timers, so a new member's reply that a client drops shows as a ~4 s late move.
#
# Usage (root; builds nothing):
#   bench/drain_bench.sh [--runs N] [--clients N] [--rate MOVES_PER_SECOND] [--fast-timers]
#   IKESTEER=... AGENT=... ASK=... override the binaries (default build/frontend/ikesteer,
#   build/agent/ikesteer-agent, build/tools/ikesteer-ask); KEEP=1 keeps every run's folder.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench_lib.sh
source "$ROOT/bench/bench_lib.sh"

RUNS=3
SD_CLIENTS=60
SD_RATE=20
SD_CLIENT_TIMERS=default
IKESTEER=${IKESTEER:-$ROOT/build/frontend/ikesteer}
AGENT_BIN=${AGENT:-$ROOT/build/agent/ikesteer-agent}
ASK_BIN=${ASK:-$ROOT/build/tools/ikesteer-ask}
KEEP=${KEEP:-0}
while (($#)); do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --clients) SD_CLIENTS=$2; shift 2 ;;
    --rate) SD_RATE=$2; shift 2 ;;
    --fast-timers) SD_CLIENT_TIMERS=fast; shift ;;
    *) die "unknown argument '$1' (see the header of $0)" ;;
  esac
done
[[ "$RUNS" =~ ^[0-9]+$ ]] && ((RUNS >= 1 && RUNS <= 20)) || die "--runs must be 1..20"
[[ "$SD_CLIENTS" =~ ^[0-9]+$ ]] && ((SD_CLIENTS >= 1 && SD_CLIENTS <= 150)) ||
  die "--clients must be 1..150"
[[ "$SD_RATE" =~ ^[0-9]+$ ]] && ((SD_RATE >= 1)) || die "--rate must be a positive integer"
for bin in "$IKESTEER" "$AGENT_BIN" "$ASK_BIN"; do [[ -x "$bin" ]] || die "no binary $bin"; done
export SD_CLIENTS SD_RATE SD_CLIENT_TIMERS
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/drain_bench.XXXXXX")

# move_times <client-ms-log>: one line per client, ms from "redirected to" to its second IKE SA
# established (the new one). The new SA's line may come a moment before the redirect's own
# (another thread logs it): such a move counts as 0 ms.
move_times() {
  awk '
    function ms(t,  p) { split(t, p, /[:.]/); return ((p[1] * 60 + p[2]) * 60 + p[3]) * 1000 + p[4] }
    match($0, /<c[0-9]+\|/) {
      conn = substr($0, RSTART + 1, RLENGTH - 2)
      if ($0 ~ /> redirected to / && !(conn in start)) start[conn] = ms($1)
      else if ($0 ~ / established between / && ++n[conn] == 2) done[conn] = ms($1)
    }
    END { for (c in done) if (c in start) { d = done[c] - start[c]; print (d < 0 ? 0 : d) } }' "$1"
}

# one_run <n>: the scenario up to m1 empty and every client checked; results in $RESULTS/run.
one_run() {
  (
    # shellcheck disable=SC2034 # read by lib.sh's cleanup
    IT_KEEP=$KEEP
    # shellcheck source=../tests/integration/session_drain.sh
    source "$ROOT/tests/integration/session_drain.sh"
    AGENT=$AGENT_BIN
    ASK=$ASK_BIN
    it_init "drain_bench$1" --ikesteer "$IKESTEER" --prefix "drb$$r$1"
    setup
    check_reports
    drain_with_move
    check_sessions_on_owners
    local times
    times=$(move_times "$(it_charon_dir client)/charon-ms.log" | tr '\n' ' ')
    {
      echo "drain $DRAIN_MS"
      stats "$times" | awk '{ print "p50", $1 }'
      tr ' ' '\n' <<<"$times" | grep -v '^$' | sort -n |
        awk '{ v[NR] = $1 } END { i = int(NR * 0.9 + 0.5); if (i < 1) i = 1; print "p90", v[i]; print "max", v[NR] }'
      tr ' ' '\n' <<<"$times" | awk '$1 > 2000 { n++ } END { print "late", n + 0 }'
      echo "moves $(wc -w <<<"$times")"
      echo "lost 0"
    } >"$RESULTS/run"
  ) 2>"$RESULTS/run.log" || {
    tail -n 40 "$RESULTS/run.log" >&2
    die "run $1 failed (its log is above)"
  }
}

log "ikesteer: $IKESTEER; $SD_CLIENTS clients on m1, moves at $SD_RATE/s, client timers $SD_CLIENT_TIMERS, $RUNS runs"
for ((run = 1; run <= RUNS; run++)); do
  one_run "$run"
  mv "$RESULTS/run" "$RESULTS/drain.$run"
  log "run $run: $(tr '\n' ' ' <"$RESULTS/drain.$run")"
done

echo
echo "drain with move: $SD_CLIENTS sessions, $SD_RATE moves/s, client timers $SD_CLIENT_TIMERS (ms)"
printf '%-8s' run
for o in drain p50 p90 max late moves; do printf ' %8s' "$o"; done
printf '\n'
for ((i = 1; i <= RUNS; i++)); do
  printf '%-8s' "$i"
  for o in drain p50 p90 max late moves; do
    printf ' %8s' "$(awk -v o="$o" '$1 == o { print $2 }' "$RESULTS/drain.$i")"
  done
  printf '\n'
done
rm -rf "$RESULTS"
