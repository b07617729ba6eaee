#!/usr/bin/env bash
# http_bench.sh: does the operator HTTP side slow the packet path? The redirect rate of one
# ikesteer (one event loop, the whole process pinned to SERVER_CPU, [http] enabled) measured by
# the redirect benchmark's load generator at full speed, without and with HTTP load:
#   none     no HTTP client at all
#   limited  wrk asking GET /api/v1/status at about HTTP_RATE requests/s over HTTP_CONNECTIONS
#            connections, plus SSE_CLIENTS dashboard streams (GET /api/v1/stream) held open
#   max      the same, with wrk as fast as it can go
# Rounds interleave the modes (REPEAT rounds; the order turns each round). The table shows the
# median redirect rate per mode and the median of each round's ratio to that round's `none`;
# the goal is a ratio >= 0.95 (the redirect rate drops by at most 5 %).
#
# The HTTP clients run on LOADGEN_CPU beside the redirect load generator (there is no third
# CPU). So that they take little CPU from it, the SSE clients, and wrk in `limited`, run at
# nice 10 (the table shows whether they still reach their rate); wrk in `max` runs at nice 0 and
# so also slows the load generator. The table shows the CPU the server's packet loop and its
# other threads (HTTP, main) used, to tell the two effects apart.
#
# Builds nothing. Runs as root on the loopback of a network namespace it creates; every client
# stops by itself (DURATION + 3 s at most). Exit 0 when the goal is met for every mode with HTTP
# load, 1 when not or when a run failed, 2 on a set-up error.
#
# Usage: bench/http_bench.sh [--ikesteer PATH] [--loadgen PATH] [--modes "none limited max"]
# Environment: IKESTEER, LOADGEN, MODES as the options; WRK (wrk), DURATION (10 s), WINDOW
# (256), REPEAT (3), HTTP_RATE (1000 requests/s for `limited`), HTTP_CONNECTIONS (8),
# SSE_CLIENTS (200), SERVER_CPU (1), LOADGEN_CPU (0), PORT (15600, UDP), HTTP_PORT (18090),
# QUIET_WAIT (30), KEEP (0; 1 keeps the work folder with every log).
# Packages: wrk (.ci/packages/dashboard.txt), python3 (the SSE clients, bench/sse_clients.py).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IKESTEER=${IKESTEER:-$REPO/build/frontend/ikesteer}
LOADGEN=${LOADGEN:-$REPO/build/bench/ikesteer_loadgen}
WRK=${WRK:-wrk}
MODES=${MODES:-none limited max}
DURATION=${DURATION:-10}
WINDOW=${WINDOW:-256}
REPEAT=${REPEAT:-3}
HTTP_RATE=${HTTP_RATE:-1000}
HTTP_CONNECTIONS=${HTTP_CONNECTIONS:-8}
SSE_CLIENTS=${SSE_CLIENTS:-200}
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
PORT=${PORT:-15600}
HTTP_PORT=${HTTP_PORT:-18090}
QUIET_WAIT=${QUIET_WAIT:-30}
KEEP=${KEEP:-0}
GOAL_RATIO=0.95

while (($#)); do
  case $1 in
    --ikesteer) IKESTEER=$2; shift 2 ;;
    --loadgen) LOADGEN=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "http_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench/bench_lib.sh
source "$REPO/bench/bench_lib.sh"

[[ $(id -u) == 0 ]] || die "needs root (network namespace)"
[[ -x $IKESTEER ]] || die "no ikesteer at $IKESTEER"
[[ -x $LOADGEN ]] ||
  die "no load generator at $LOADGEN (cmake --build BUILD --target ikesteer_loadgen)"
command -v "$WRK" >/dev/null || die "no wrk (apt-get install wrk)"
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=python3
for m in $MODES; do
  [[ $m == none || $m == limited || $m == max ]] || die "unknown mode $m (none, limited, max)"
done
[[ " $MODES " == *" none "* ]] || die "the modes must include none (the baseline)"
((DURATION >= 1 && DURATION <= 120 && REPEAT >= 1 && REPEAT <= 10 && HTTP_RATE >= 1)) ||
  die "DURATION 1..120 s, REPEAT 1..10, HTTP_RATE >= 1"
((SSE_CLIENTS >= 0 && SSE_CLIENTS <= 1000 && HTTP_CONNECTIONS >= 1 && HTTP_CONNECTIONS <= 100)) ||
  die "SSE_CLIENTS 0..1000, HTTP_CONNECTIONS 1..100"

bench_init http

# ---------------------------------------------------------------------------------------------
# The server: one event loop, no cookies or rate limits (as in redirect_bench.sh), [http] on.

{
  printf '[ike]\nlisten = ["127.0.0.1"]\nports = [%d]\nthreads = 1\n' "$PORT"
  printf 'unsupported_client = "drop"\n\n[cookies]\nenabled = false\n\n'
  printf '[rate_limit]\nreplies_per_second = 0\n\n[log]\nlevel = "warn"\n\n'
  printf '[sessions]\nover_budget = "off"\n\n'  # new clients unpaced: measure the packet path
  printf '[http]\nlisten = ["127.0.0.1:%d"]\nmax_connections = %d\n' "$HTTP_PORT" \
    $((SSE_CLIENTS + HTTP_CONNECTIONS + 16))
  for i in 1 2 3 4; do
    printf '\n[[member]]\nname = "m%d"\naddresses = ["198.51.100.1%d"]\n' "$i" "$i"
  done
} >"$WORK/ikesteer.toml"
ip netns exec "$NS" taskset -c "$SERVER_CPU" "$IKESTEER" --config "$WORK/ikesteer.toml" \
  >>"$WORK/ikesteer.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
for ((i = 0; i < 100; i++)); do
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$WORK/ikesteer.log" >&2; die "ikesteer exited"; }
  in_ns curl -fs -o /dev/null "http://127.0.0.1:$HTTP_PORT/readyz" 2>/dev/null &&
    [[ -n $(in_ns ss -Hunl "sport = :$PORT") ]] && break
  sleep 0.1
done
((i < 100)) || die "ikesteer did not get ready (log: $WORK/ikesteer.log)"

# wrk waits this many ms before each request on each connection: about HTTP_RATE requests/s.
cat >"$WORK/delay.lua" <<'EOF'
local ms = 0
function init(args) ms = tonumber(args[1]) or 0 end
function delay() return ms end
EOF
DELAY_MS=$(((HTTP_CONNECTIONS * 1000 + HTTP_RATE / 2) / HTTP_RATE))

# CPU ticks of each of the server's threads: "tid ticks" lines.
thread_ticks() {
  local f
  for f in /proc/"$SERVER_PID"/task/*/stat; do
    awk -v tid="$(basename "$(dirname "$f")")" '{ print tid, $14 + $15 }' "$f" 2>/dev/null
  done
}

# CPU seconds of the busiest thread (the packet loop) and of all the others, between two
# thread_ticks listings.
split_cpu() {
  awk -v hz="$(getconf CLK_TCK)" 'NR == FNR { before[$1] = $2; next }
    { d = $2 - before[$1]; total += d; if (d > top) top = d }
    END { printf "%.2f %.2f\n", top / hz, (total - top) / hz }' "$1" "$2"
}

# ---------------------------------------------------------------------------------------------
# One run: the HTTP load of the mode (if any), and the redirect load generator at full speed.

declare -A RPS CPU_LOOP CPU_OTHER HTTP_RPS HTTP_P50 HTTP_P99 SSE_OK SSE_EVENTS INVALID RATIOS
FAILED=0
run_mode() {
  local mode=$1 round=$2 tag="$1-$2" wrk_pid="" sse_pid="" result
  wait_quiet
  if [[ $mode != none ]]; then
    if ((SSE_CLIENTS > 0)); then
      ip netns exec "$NS" taskset -c "$LOADGEN_CPU" nice -n 10 \
        "$PYTHON" "$REPO/bench/sse_clients.py" --port "$HTTP_PORT" --clients "$SSE_CLIENTS" \
        --duration $((DURATION + 3)) \
        >"$WORK/sse-$tag.txt" 2>&1 &
      sse_pid=$!
      PIDS+=("$sse_pid")
    fi
    local script=() niceness=0
    [[ $mode == limited ]] && script=(-s "$WORK/delay.lua") niceness=10
    ip netns exec "$NS" taskset -c "$LOADGEN_CPU" nice -n "$niceness" "$WRK" -t 1 \
      -c "$HTTP_CONNECTIONS" \
      -d $((DURATION + 2))s --latency "${script[@]}" \
      "http://127.0.0.1:$HTTP_PORT/api/v1/status" ${script:+"$DELAY_MS"} \
      >"$WORK/wrk-$tag.txt" 2>&1 &
    wrk_pid=$!
    PIDS+=("$wrk_pid")
    sleep 1  # the streams connect and get their snapshots; wrk is up to speed
  fi
  thread_ticks >"$WORK/ticks-$tag-0"
  ip netns exec "$NS" taskset -c "$LOADGEN_CPU" "$LOADGEN" --target 127.0.0.1 --port "$PORT" \
    --timeout 0.2 --server-pid "$SERVER_PID" --duration "$DURATION" --window "$WINDOW" \
    >"$WORK/loadgen-$tag.txt" 2>&1 || true
  thread_ticks >"$WORK/ticks-$tag-1"
  for pid in $wrk_pid $sse_pid; do
    wait "$pid" || true
    forget_pid "$pid"
  done
  result=$(grep '^RESULT ' "$WORK/loadgen-$tag.txt") || result="RESULT failed=1"
  if [[ $(field "$result" valid) == 0 ]]; then
    log "$tag: the load generator failed:"
    tail -5 "$WORK/loadgen-$tag.txt" >&2
    FAILED=1
    return
  fi
  RPS[$mode]+=" $(field "$result" rps)"
  INVALID[$mode]=$((${INVALID[$mode]:-0} + $(field "$result" invalid)))
  read -r loop other < <(split_cpu "$WORK/ticks-$tag-0" "$WORK/ticks-$tag-1")
  CPU_LOOP[$mode]+=" $loop"
  CPU_OTHER[$mode]+=" $other"
  local line
  line="$mode: $(field "$result" rps) redirects/s, server CPU loop ${loop} s + other ${other} s"
  if [[ $mode != none ]]; then
    local wrk_rps p50 p99 sse
    wrk_rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$WORK/wrk-$tag.txt")
    p50=$(awk '$1 == "50%" { print $2 }' "$WORK/wrk-$tag.txt")
    p99=$(awk '$1 == "99%" { print $2 }' "$WORK/wrk-$tag.txt")
    HTTP_RPS[$mode]+=" ${wrk_rps:-0}"
    HTTP_P50[$mode]=${p50:-?}
    HTTP_P99[$mode]=${p99:-?}
    line+=", wrk ${wrk_rps:-?} requests/s (p50 ${p50:-?}, p99 ${p99:-?})"
    if [[ -n $sse_pid ]]; then
      sse=$(grep '^RESULT ' "$WORK/sse-$tag.txt") || sse="RESULT failed=1"
      SSE_OK[$mode]+=" $(field "$sse" snapshots)/$(field "$sse" connected)"
      SSE_EVENTS[$mode]+=" $(field "$sse" events)"
      line+=", $(field "$sse" snapshots) of $SSE_CLIENTS streams live"
      line+=" ($(field "$sse" events) events, $(field "$sse" bytes) bytes)"
    fi
    [[ -n $wrk_rps ]] || { log "$tag: wrk failed:"; tail -5 "$WORK/wrk-$tag.txt" >&2; FAILED=1; }
  fi
  log "$line"
}

read -r load1 _ </proc/loadavg
log "work dir $WORK, namespace $NS, server CPU $SERVER_CPU, load generators CPU $LOADGEN_CPU"
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
  log "WARNING: load average $load1: other work on this machine will skew the figures"
fi
read -ra modes <<<"$MODES"
for ((round = 1; round <= REPEAT; round++)); do
  order=("${modes[@]}")
  ((round % 2 == 0)) && mapfile -t order < <(printf '%s\n' "${modes[@]}" | tac)
  declare -A this=()
  for mode in "${order[@]}"; do
    log "== round $round of $REPEAT: $mode"
    before=$(wc -w <<<"${RPS[$mode]:-}")
    run_mode "$mode" "$round"
    if (($(wc -w <<<"${RPS[$mode]:-}") > before)); then
      this[$mode]=$(tr ' ' '\n' <<<"${RPS[$mode]}" | tail -1)
    fi
  done
  for mode in "${modes[@]}"; do
    [[ $mode != none && -n ${this[$mode]:-} && -n ${this[none]:-} ]] &&
      RATIOS[$mode]+=" $(ratio "${this[$mode]}" "${this[none]}")"
  done
  unset this
done

# ---------------------------------------------------------------------------------------------
# Report

echo
printf 'IKE_SA_INIT -> REDIRECT at full speed (window %s, %s s per run), ikesteer with one loop\n' \
  "$WINDOW" "$DURATION"
printf 'on CPU %s; load generator, wrk and %s SSE clients on CPU %s; medians of %s rounds\n' \
  "$SERVER_CPU" "$SSE_CLIENTS" "$LOADGEN_CPU" "$REPEAT"
printf 'limited: wrk -t 1 -c %s, %s ms between requests per connection (~%s requests/s),' \
  "$HTTP_CONNECTIONS" "$DELAY_MS" "$HTTP_RATE"
printf ' nice 10\nmax: wrk -t 1 -c %s as fast as it goes, nice 0' "$HTTP_CONNECTIONS"
printf '; SSE clients at nice 10 with either\n\n'
printf '%-8s %12s %7s %20s %11s %11s %10s %10s %10s  %s\n' mode redirects/s ratio "(round ratios)" \
  loop_cpu_s other_cpu_s http_req/s p50 p99 "SSE live/connected"
goals=0
for mode in "${modes[@]}"; do
  [[ -n ${RPS[$mode]:-} ]] || { printf '%-8s failed (logs: %s)\n' "$mode" "$WORK"; continue; }
  r="1.000" rounds=""
  if [[ $mode != none ]]; then
    r=$(median "${RATIOS[$mode]:-0}")
    rounds="(${RATIOS[$mode]# })"
  fi
  printf '%-8s %12.0f %7s %20s %11s %11s %10s %10s %10s  %s\n' "$mode" "$(median "${RPS[$mode]}")" \
    "$r" "$rounds" "$(median "${CPU_LOOP[$mode]}")" "$(median "${CPU_OTHER[$mode]}")" \
    "$(median "${HTTP_RPS[$mode]:-0}")" "${HTTP_P50[$mode]:--}" "${HTTP_P99[$mode]:--}" \
    "${SSE_OK[$mode]:--}"
done
echo "loop_cpu_s / other_cpu_s: CPU seconds of the packet loop / of the server's other threads"
printf '(HTTP, main) during the run; invalid replies:'
for m in "${modes[@]}"; do printf ' %s=%s' "$m" "${INVALID[$m]:-0}"; done
echo
echo
for mode in "${modes[@]}"; do
  [[ $mode == none ]] && continue
  r=$(median "${RATIOS[$mode]:-0}")
  if awk -v r="$r" -v g=$GOAL_RATIO 'BEGIN { exit !(r >= g) }'; then
    echo "goal met:    $mode: the redirect rate with HTTP load is $r of without (>= $GOAL_RATIO)"
  else
    echo "goal MISSED: $mode: the redirect rate with HTTP load is $r of without (< $GOAL_RATIO)"
    goals=1
  fi
done
for m in "${modes[@]}"; do ((${INVALID[$m]:-0} == 0)) || goals=1; done
exit $((FAILED | goals))
