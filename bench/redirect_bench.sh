#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup and start_<server> are called indirectly
# redirect_bench.sh: IKE_SA_INIT REDIRECT throughput, efficiency and latency of ikesteer, the
# yardstick redirector and libreswan's pluto (global-redirect), under the same load.
#
# Builds nothing. Runs as root: everything happens on the loopback of a network namespace it
# creates, one server at a time pinned to SERVER_CPU, the load generator pinned to LOADGEN_CPU.
# Per server and round: a closed-loop run at full speed (DURATION s, WINDOW requests in
# flight) for replies/s and replies per server CPU-second, then an open-loop run at RATE
# requests/s for latency. Then a memory run: ikesteer redirecting MEMORY_CLIENTS distinct
# client addresses, twice over (two disjoint sets), with its RSS before and after each pass.
#
# Usage: bench/redirect_bench.sh [--ikesteer PATH] [--loadgen PATH] [--yardstick PATH]
#                                [--libreswan-root DIR] [--servers "ikesteer yardstick libreswan"]
# Every option is also an environment variable (IKESTEER, LOADGEN, YARDSTICK, LIBRESWAN_ROOT,
# SERVERS), as are DURATION (10), WINDOW (256), RATE (50000), RATE_DURATION (10),
# MEMORY_CLIENTS (1000000), SERVER_CPU (1), LOADGEN_CPU (0), PORT (15500), REPEAT (3 rounds,
# servers interleaved; the table shows medians), QUIET_WAIT (30: up to that many seconds before
# each run waiting for other work to leave the two CPUs) and KEEP (0: 1 keeps the work
# directory with every log). LIBRESWAN_ROOT is an unpacked libreswan .deb; when empty
# the script runs `apt-get download libreswan` into its work directory.
# Exit status: 0 when every run worked and the goals are met, 1 when a goal is missed or a
# server failed, 2 on a set-up error.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IKESTEER=${IKESTEER:-$REPO/build/frontend/ikesteer}
LOADGEN=${LOADGEN:-$REPO/build/bench/ikesteer_loadgen}
YARDSTICK=${YARDSTICK:-$REPO/build/bench/yardstick_redirector}
LIBRESWAN_ROOT=${LIBRESWAN_ROOT:-}
SERVERS=${SERVERS:-ikesteer yardstick libreswan}
DURATION=${DURATION:-10}
WINDOW=${WINDOW:-256}
RATE=${RATE:-50000}
RATE_DURATION=${RATE_DURATION:-10}
MEMORY_CLIENTS=${MEMORY_CLIENTS:-1000000}
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
PORT=${PORT:-15500}
QUIET_WAIT=${QUIET_WAIT:-30}
REPEAT=${REPEAT:-3}
KEEP=${KEEP:-0}
MEMBERS=(198.51.100.11 198.51.100.12 198.51.100.13 198.51.100.14)

# Goals (docs: ikesteer >= 90 % of the yardstick per CPU-second, no invalid reply, p50 <= 60 µs
# at 50,000 requests/s).
GOAL_EFFICIENCY=0.90
GOAL_P50_US=60

while (($#)); do
  case $1 in
    --ikesteer) IKESTEER=$2; shift 2 ;;
    --loadgen) LOADGEN=$2; shift 2 ;;
    --yardstick) YARDSTICK=$2; shift 2 ;;
    --libreswan-root) LIBRESWAN_ROOT=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "redirect_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench/bench_lib.sh
source "$REPO/bench/bench_lib.sh"

[[ $(id -u) == 0 ]] || die "needs root (network namespace, mounts)"
[[ -x $LOADGEN ]] ||
  die "no load generator at $LOADGEN (cmake --build BUILD --target ikesteer_loadgen)"
for s in $SERVERS; do
  case $s in
    ikesteer) [[ -x $IKESTEER ]] || die "no ikesteer at $IKESTEER" ;;
    yardstick) [[ -x $YARDSTICK ]] || die "no yardstick at $YARDSTICK" ;;
    libreswan) ;;
    *) die "unknown server $s (ikesteer, yardstick, libreswan)" ;;
  esac
done

bench_init bench

# ---------------------------------------------------------------------------------------------
# Servers. start_<name> sets SERVER_PID (the process whose /proc/PID/stat is read) and
# SERVER_PORT; every server runs inside $NS pinned to $SERVER_CPU.

start_ikesteer() {
  local conf=$WORK/ikesteer.toml i
  {
    printf '[ike]\nlisten = ["127.0.0.1"]\nports = [%d]\nthreads = 1\n' "$PORT"
    printf 'unsupported_client = "drop"\ninvalid_syntax_reply = false\n\n'
    printf '[cookies]\nenabled = false\n\n[rate_limit]\nreplies_per_second = 0\n\n'
    # Every request is a new client: measure the packet path, not the budget of new IKE SAs.
    printf '[sessions]\nover_budget = "off"\n\n'
    printf '[log]\nlevel = "warn"\n'
    for i in "${!MEMBERS[@]}"; do
      printf '\n[[member]]\nname = "m%d"\naddresses = ["%s"]\n' "$((i + 1))" "${MEMBERS[i]}"
    done
  } >"$conf"
  ip netns exec "$NS" taskset -c "$SERVER_CPU" "$IKESTEER" --config "$conf" \
    >>"$WORK/ikesteer.log" 2>&1 &
  SERVER_PID=$!
  SERVER_PORT=$PORT
  PIDS+=("$SERVER_PID")
}

start_yardstick() {
  local args=() m
  for m in "${MEMBERS[@]}"; do args+=(--member "$m"); done
  ip netns exec "$NS" taskset -c "$SERVER_CPU" "$YARDSTICK" --listen 127.0.0.1 \
    --port "$((PORT + 1))" "${args[@]}" >>"$WORK/yardstick.log" 2>&1 &
  SERVER_PID=$!
  SERVER_PORT=$((PORT + 1))
  PIDS+=("$SERVER_PID")
}

# libreswan conflicts with strongSwan's packages, so pluto runs from the unpacked .deb. It execs
# helpers from the compiled-in /usr/libexec/ipsec: a private mount namespace overlays the
# unpacked usr/libexec there, read-only, leaving the host untouched. Its config, NSS db, control
# socket and run dir live in $WORK. It listens on 127.0.0.1:500 (pluto has no listen-port
# option), which is free inside $NS.
prepare_libreswan() {
  if [[ -z $LIBRESWAN_ROOT ]]; then
    log "libreswan: apt-get download libreswan"
    (cd "$WORK" && apt-get download -q libreswan >/dev/null 2>&1) ||
      die "apt-get download libreswan failed"
    LIBRESWAN_ROOT=$WORK/libreswan
    dpkg-deb -x "$WORK"/libreswan_*.deb "$LIBRESWAN_ROOT"
  fi
  local pluto=$LIBRESWAN_ROOT/usr/libexec/ipsec/pluto
  [[ -x $pluto ]] || die "no pluto in $LIBRESWAN_ROOT"
  if ldd "$pluto" | grep -q 'not found'; then
    die "pluto misses libraries (install .ci/packages/bench.txt):" \
      "$(ldd "$pluto" | grep 'not found' | tr -s ' \t\n' ' ')"
  fi
  local dir=$WORK/pluto
  mkdir -p "$dir/run" "$dir/nss"
  cat >"$dir/ipsec.conf" <<EOF
config setup
	listen=127.0.0.1
	global-redirect=yes
	global-redirect-to=${MEMBERS[0]}
	dnssec-enable=no
EOF
  : >"$dir/ipsec.secrets"
  certutil -N -d "sql:$dir/nss" --empty-password
}

start_libreswan() {
  local dir=$WORK/pluto i
  rm -f "$dir/run/pluto.pid"
  # Default socket buffer: pluto refuses --ike-socket-bufsize above 65535, below the default.
  # shellcheck disable=SC2016  # expanded by the inner sh
  ip netns exec "$NS" unshare -m --propagation private sh -c '
    mount -t overlay overlay -o "ro,lowerdir=$1/usr/libexec:/usr/libexec" /usr/libexec &&
    exec taskset -c "$2" /usr/libexec/ipsec/pluto --nofork --stderrlog \
      --config "$3/ipsec.conf" --ipsecdir "$3" --secretsfile "$3/ipsec.secrets" \
      --rundir "$3/run" --dumpdir "$3/run" --nssdir "$3/nss" --listen 127.0.0.1 \
      --global-redirect yes --global-redirect-to "$4"' \
    sh "$LIBRESWAN_ROOT" "$SERVER_CPU" "$dir" "${MEMBERS[0]}" >>"$WORK/libreswan.log" 2>&1 &
  SERVER_PID=$!
  SERVER_PORT=500
  PIDS+=("$SERVER_PID")
  for ((i = 0; i < 50; i++)); do
    [[ -s $dir/run/pluto.pid ]] && break
    sleep 0.1
  done
  [[ $(cat "$dir/run/pluto.pid" 2>/dev/null) == "$SERVER_PID" ]] ||
    log "libreswan: pid file says $(cat "$dir/run/pluto.pid" 2>/dev/null), expected $SERVER_PID"
}

# ---------------------------------------------------------------------------------------------
# Load



# Runs the load generator with the server's PID and prints its output to stderr. Sets RESULT
# to its RESULT line plus other=<share of the two CPUs used by anything but server and load
# generator>; loopback softirq work that lands on neither process counts as other too (a few
# %). Runs in this shell, in the background, so that a signal stops the script at once.
load() {
  local name=$1 tag=$2 file busy0 busy1 t0 t1 pid other
  shift 2
  file=$WORK/$name-$tag.txt
  [[ $tag == probe* ]] || wait_quiet
  busy0=$(cpu_busy)
  t0=$(date +%s.%N)
  ip netns exec "$NS" taskset -c "$LOADGEN_CPU" "$LOADGEN" --target 127.0.0.1 \
    --port "$SERVER_PORT" --timeout 0.2 --server-pid "$SERVER_PID" "$@" >"$file" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait "$pid" || true
  forget_pid "$pid"
  t1=$(date +%s.%N)
  busy1=$(cpu_busy)
  sed 's/^/    /' "$file" >&2
  RESULT=$(grep '^RESULT ' "$file") || RESULT="RESULT failed=1"
  other=$(awk -v b="$busy1" -v a="$busy0" -v s="$(field "$RESULT" cpu)" \
    -v l="$(field "$RESULT" self_cpu)" -v t1="$t1" -v t0="$t0" \
    'BEGIN { o = (b - a - s - l) / (2 * (t1 - t0)) * 100; printf "%.0f%%", o < 0 ? 0 : o }')
  RESULT+=" other=$other"
}

# Per server: space-separated figures, one per round.
declare -A RPS PER_CPU P50 P90 P99 INVALID LOST OTHER STATUS
run_server() {
  local name=$1 round=$2 probe full rate
  log "== $name, round $round of $REPEAT"
  if ! "start_$name" || ! wait_udp_bound "$name" || ! pin_server; then
    STATUS[$name]=failed
    return
  fi
  load "$name" "probe-$round" --count 1000 --window 16
  probe=$RESULT
  if [[ $(field "$probe" valid) != 1000 ]]; then
    log "$name: the 1000-request probe did not get 1000 valid replies"
    STATUS[$name]=failed
    stop_server
    return
  fi
  log "$name: full speed, $DURATION s, window $WINDOW"
  load "$name" "full-$round" --duration "$DURATION" --window "$WINDOW"
  full=$RESULT
  log "$name: $RATE requests/s, $RATE_DURATION s"
  load "$name" "rate-$round" --duration "$RATE_DURATION" --rate "$RATE"
  rate=$RESULT
  stop_server
  if [[ $full == *failed=1* || $rate == *failed=1* ]]; then
    STATUS[$name]=failed
    return
  fi
  RPS[$name]+=" $(field "$full" rps)"
  PER_CPU[$name]+=" $(field "$full" per_cpu)"
  P50[$name]+=" $(field "$rate" p50)"
  P90[$name]+=" $(field "$rate" p90)"
  P99[$name]+=" $(field "$rate" p99)"
  INVALID[$name]=$((${INVALID[$name]:-0} + $(field "$full" invalid) + $(field "$rate" invalid) +
    $(field "$probe" invalid)))
  LOST[$name]=$((${LOST[$name]:-0} + $(field "$full" lost) + $(field "$rate" lost)))
  OTHER[$name]+=" $(field "$full" other)/$(field "$rate" other)"
  STATUS[$name]=${STATUS[$name]:-ok}
}



read -r load1 _ </proc/loadavg
log "work dir $WORK, namespace $NS, server CPU $SERVER_CPU, load generator CPU $LOADGEN_CPU"
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
  log "WARNING: load average $load1: other work on this machine will skew the figures"
fi

[[ " $SERVERS " == *" libreswan "* ]] && prepare_libreswan
# Rounds interleave the servers so that slow drifts of the machine hit all of them alike.
for ((round = 1; round <= REPEAT; round++)); do
  for s in $SERVERS; do
    [[ ${STATUS[$s]:-ok} == ok ]] && run_server "$s" "$round"
  done
done

# Memory: one ikesteer, two passes of MEMORY_CLIENTS distinct client addresses each.
MEMORY=""
if [[ " $SERVERS " == *" ikesteer "* && ${STATUS[ikesteer]:-} == ok ]]; then
  log "== ikesteer memory: 2 x $MEMORY_CLIENTS distinct client addresses"
  start_ikesteer
  if wait_udp_bound ikesteer; then
    load ikesteer memory1 --addresses "$MEMORY_CLIENTS" --ports 1 --count "$MEMORY_CLIENTS" \
      --window "$WINDOW" --src-base 127.1.0.1
    pass1=$RESULT
    load ikesteer memory2 --addresses "$MEMORY_CLIENTS" --ports 1 --count "$MEMORY_CLIENTS" \
      --window "$WINDOW" --src-base 127.64.0.1
    pass2=$RESULT
    MEMORY="ikesteer RSS: $(field "$pass1" rss_before) kB at start"
    MEMORY+=", $(field "$pass1" rss_after) kB after $MEMORY_CLIENTS clients"
    MEMORY+=", $(field "$pass2" rss_after) kB after $MEMORY_CLIENTS more"
    MEMORY+=" (valid $(field "$pass1" valid) + $(field "$pass2" valid)"
    MEMORY+=", invalid $(($(field "$pass1" invalid) + $(field "$pass2" invalid))))"
  else
    MEMORY="ikesteer memory run failed to start"
  fi
  stop_server
fi

# ---------------------------------------------------------------------------------------------
# Report

echo
printf 'IKE_SA_INIT -> REDIRECT on loopback; server on CPU %s, load generator on CPU %s\n' \
  "$SERVER_CPU" "$LOADGEN_CPU"
printf 'replies/s and per CPU-second: %s s closed loop, window %s; ' "$DURATION" "$WINDOW"
printf 'latency: %s s at %s requests/s\n' "$RATE_DURATION" "$RATE"
printf 'medians of %s interleaved rounds; invalid and lost summed over all runs\n\n' "$REPEAT"
printf '%-10s %10s %14s %17s %8s %8s %8s %8s %6s  %s\n' server replies/s replies/CPU-s \
  "(min..max)" p50_us p90_us p99_us invalid lost other_cpu
failed=0
declare -A M_RPS M_CPU M_P50
for s in $SERVERS; do
  if [[ ${STATUS[$s]:-failed} != ok ]]; then
    printf '%-10s %s (logs: %s)\n' "$s" "${STATUS[$s]:-failed}" "$WORK/$s*"
    failed=1
    continue
  fi
  read -r cpu_median cpu_min cpu_max < <(stats "${PER_CPU[$s]}")
  M_CPU[$s]=$cpu_median
  M_RPS[$s]=$(median "${RPS[$s]}")
  M_P50[$s]=$(median "${P50[$s]}")
  printf '%-10s %10.0f %14.0f %17s %8.1f %8.1f %8.1f %8s %6s %s\n' "$s" "${M_RPS[$s]}" \
    "${M_CPU[$s]}" "($cpu_min..$cpu_max)" "${M_P50[$s]}" "$(median "${P90[$s]}")" \
    "$(median "${P99[$s]}")" "${INVALID[$s]}" "${LOST[$s]}" "${OTHER[$s]}"
done
echo "other_cpu: share of CPUs $SERVER_CPU+$LOADGEN_CPU used by anything else, per round"
echo "(full speed/latency run); more than a few % means other work skewed that round."
echo

goals=0
if [[ ${STATUS[ikesteer]:-} == ok ]]; then
  for other in yardstick libreswan; do
    [[ ${STATUS[$other]:-} == ok ]] || continue
    printf 'ikesteer/%-10s replies/s %s   replies per CPU-second %s\n' "$other" \
      "$(ratio "${M_RPS[ikesteer]}" "${M_RPS[$other]}")" \
      "$(ratio "${M_CPU[ikesteer]}" "${M_CPU[$other]}")"
  done
  if [[ ${STATUS[yardstick]:-} == ok ]]; then
    paired=$(round_ratios "${PER_CPU[ikesteer]}" "${PER_CPU[yardstick]}")
    efficiency=$(median "$paired")
    printf 'ikesteer/yardstick per CPU-second by round: %s (median %s)\n' "$paired" "$efficiency"
  fi
  verdict() {
    if [[ $2 == 1 ]]; then echo "goal met:    $1"; else echo "goal MISSED: $1" && goals=1; fi
  }
  if [[ ${STATUS[yardstick]:-} == ok ]]; then
    verdict ">= 90 % of the yardstick per CPU-second (median of the rounds' ratios)" \
      "$(awk -v e="$efficiency" -v g=$GOAL_EFFICIENCY 'BEGIN { print (e >= g) ? 1 : 0 }')"
  fi
  verdict "zero invalid replies" "$([[ ${INVALID[ikesteer]} == 0 ]] && echo 1 || echo 0)"
  verdict "p50 <= $GOAL_P50_US us at $RATE requests/s" \
    "$(awk -v p="${M_P50[ikesteer]}" -v g=$GOAL_P50_US 'BEGIN { print (p <= g) ? 1 : 0 }')"
fi
[[ -n $MEMORY ]] && printf '%s\n' "$MEMORY"
exit $((failed | goals))
