#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup and start_<variant> are called indirectly
# topology_bench.sh: what regional pools and the topology map cost (issue 13), in one table:
#
#   1. Map load. A generated topology file of PREFIXES (200,000) prefixes, random but
#      reproducible (python3, --seed), each with an order of 1..3 of 4 pools: half IPv4 (512
#      /26s over 127.1.0.0/17, where the load generator's clients are, and random /8../32),
#      half IPv6 /16../64. Per round: the wall and CPU time of
#      `ikesteer --check-config` with the same configuration (8 members in 4 pools) without
#      and with [topology] (the difference is the map's load; goal < 1 s), and ikesteer's
#      start-to-ready time (spawn to the first 200 from GET /readyz, polled every ms) without
#      the map, with it, and with the 1,000-member configuration of part 3.
#   2. Redirects with the map. The load of redirect_bench.sh (ikesteer_loadgen, closed loop,
#      WINDOW in flight, DURATION s; 16,384 client addresses x 4 ports from 127.1.0.1, all
#      inside the map's /26s, so every lookup matches a real entry) against
#        yardstick  bench/yardstick_redirector with the same 8 member addresses
#        nomap      ikesteer, 8 members in 4 pools, no [topology]
#        map        the same with [topology] files = [the 200,000-prefix file]
#      Replies per server CPU-second; map/yardstick (goal >= 0.90) and map/nomap.
#   3. Members at scale:
#        m3         ikesteer, 3 members, no pools, no [topology] (the issue's baseline)
#        m1000      1,000 members in 10 pools of 100, with [topology] files = [a 512-line file:
#                   the same /26s over the clients, each with an order of 1..3 of the 10 pools]
#      m1000/m3 per CPU-second (goal >= 0.90). The small map keeps this part about the member
#      count; part 2 prices the big map.
#   Without a map every client's order is p1..p4, so nomap sends every client to p1's two
#   members. Every member is eligible without a gateway: no probe, so up from the start (as in
#   redirect_bench.sh); each server is measured once its start-up CPU work is done. In round
#   1 of part 1 each ikesteer configuration (with [http]) is asked GET /api/v1/decision for
#   the first, middle and last client address: with a map each must have a matched prefix and
#   a member, never a spill. The measured runs have no [http] (as redirect_bench.sh).
#   Rounds (--runs, 3) run every variant one after the other (nomap map yardstick m3 m1000:
#   each pair compared is adjacent), so each round's ratios are the least exposed to the
#   machine's drifts; the table shows medians (min..max), every round's ratio, and the ratios
#   of the quiet rounds alone (other_cpu <= QUIET_OTHER % in both runs of the pair).
#
# Builds nothing. Runs as root: everything happens on the loopback of a network namespace it
# creates and removes; the server is pinned to SERVER_CPU, the load generator (busy-polling)
# to LOADGEN_CPU. Every load is bounded (DURATION s, 1,000-request probes, 10 s waits).
# About 7 minutes with the defaults on a busy machine (the quiet waits), 11 with --runs 5.
#
# Usage: bench/topology_bench.sh [--runs N] [--duration S] [--prefixes N] [--seed N]
#                                [--ikesteer PATH] [--loadgen PATH] [--yardstick PATH]
# Every option is also an environment variable (RUNS, DURATION, PREFIXES, SEED, IKESTEER,
# LOADGEN, YARDSTICK), as are WINDOW (256), SERVER_CPU (1), LOADGEN_CPU (0), PORT (15600),
# HTTP_PORT (18600), QUIET_WAIT (10: up to that many seconds before each measured run waiting
# for other work to leave the two CPUs), QUIET_OTHER (5: the other_cpu % of a quiet run) and
# KEEP (0: 1 keeps the work directory with the generated files, configurations and logs).
# Packages: .ci/packages/bench.txt (iproute2, util-linux, curl, python3).
# Exit status: 0 when every run worked and the goals are met, 1 when a goal is missed or a
# run failed, 2 on a set-up error.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IKESTEER=${IKESTEER:-$REPO/build/frontend/ikesteer}
LOADGEN=${LOADGEN:-$REPO/build/bench/ikesteer_loadgen}
YARDSTICK=${YARDSTICK:-$REPO/build/bench/yardstick_redirector}
RUNS=${RUNS:-3}
DURATION=${DURATION:-8}
WINDOW=${WINDOW:-256}
PREFIXES=${PREFIXES:-200000}
SEED=${SEED:-13}
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
PORT=${PORT:-15600}
HTTP_PORT=${HTTP_PORT:-18600}
QUIET_WAIT=${QUIET_WAIT:-10}
QUIET_OTHER=${QUIET_OTHER:-5}
KEEP=${KEEP:-0}

# The load generator's defaults: 16,384 addresses from 127.1.0.1 (to 127.1.64.0) x 4 ports.
SRC_BASE=127.1.0.1
SRC_ADDRESSES=16384
SAMPLE_CLIENTS=(127.1.0.1 127.1.32.7 127.1.64.0)  # first, middle, last
GOAL_LOAD_S=1.0
GOAL_RATIO=0.90
VARIANTS=(nomap map yardstick m3 m1000)

while (($#)); do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --prefixes) PREFIXES=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --ikesteer) IKESTEER=$2; shift 2 ;;
    --loadgen) LOADGEN=$2; shift 2 ;;
    --yardstick) YARDSTICK=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "topology_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench/bench_lib.sh
source "$REPO/bench/bench_lib.sh"

[[ $(id -u) == 0 ]] || die "needs root (network namespace)"
[[ $RUNS =~ ^[1-9][0-9]?$ ]] || die "--runs must be 1..99"
[[ $DURATION =~ ^[1-9][0-9]?$ ]] || die "--duration must be 1..99 s"
if ! [[ $PREFIXES =~ ^[0-9]+$ ]] || ((PREFIXES < 1024 || PREFIXES > 2000000)); then
  die "--prefixes must be 1024..2000000"
fi
[[ $SEED =~ ^[0-9]+$ ]] || die "--seed must be a number"
[[ -x $IKESTEER ]] || die "no ikesteer at $IKESTEER (cmake --build BUILD --target ikesteer)"
[[ -x $LOADGEN ]] ||
  die "no load generator at $LOADGEN (cmake --build BUILD --target ikesteer_loadgen)"
[[ -x $YARDSTICK ]] ||
  die "no yardstick at $YARDSTICK (cmake --build BUILD --target yardstick_redirector)"
command -v python3 >/dev/null || die "missing python3 (.ci/packages/bench.txt)"

bench_init topology

# ---------------------------------------------------------------------------------------------
# Files: topology maps and configurations

# gen_map <file> <entries> <seed> <pool>...: <entries> unique prefixes, one line each with an
# order of 1..3 distinct pools: 512 /26s over 127.1.0.0/17 (the load generator's clients), then
# random prefixes, half IPv4 /8../32 and half IPv6 /16../64 (bits past the length cleared).
gen_map() {
  python3 - "$@" <<'EOF'
import ipaddress, random, sys
out, count, seed, pools = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
rng = random.Random(seed)
seen, lines = set(), []
def order():
    k = 1 + rng.getrandbits(16) % min(3, len(pools))
    return " ".join(rng.sample(pools, k))
def add(key, text):
    if key in seen or len(lines) >= count:
        return
    seen.add(key)
    lines.append(f"{text} {order()}")
base = int(ipaddress.IPv4Address("127.1.0.0"))
for i in range(512):
    a = base + (i << 6)
    add((4, a, 26), f"{ipaddress.IPv4Address(a)}/26")
while len(lines) < count:
    v4 = len(lines) < count // 2
    if v4:
        length = 8 + rng.getrandbits(16) % 25
        a = rng.getrandbits(32) & ~((1 << (32 - length)) - 1) & 0xFFFFFFFF
        add((4, a, length), f"{ipaddress.IPv4Address(a)}/{length}")
    else:
        length = 16 + rng.getrandbits(16) % 49
        a = rng.getrandbits(128) & ~((1 << (128 - length)) - 1) & ((1 << 128) - 1)
        add((6, a, length), f"{ipaddress.IPv6Address(a).compressed}/{length}")
with open(out, "w") as f:
    f.write(f"# topology_bench.sh: {count} prefixes, seed {seed}, pools {' '.join(pools)}\n")
    f.write("\n".join(lines) + "\n")
EOF
}

POOLS4=(p1 p2 p3 p4)
POOLS10=(q0 q1 q2 q3 q4 q5 q6 q7 q8 q9)
MEMBERS8=(198.51.100.11 198.51.100.12 198.51.100.13 198.51.100.14 198.51.100.15 198.51.100.16
  198.51.100.17 198.51.100.18)

toml_list() { local s="" x; for x in "$@"; do s+="\"$x\", "; done; echo "[${s%, }]"; }

# conf <variant> <http 0|1>: writes $WORK/<variant>[-http].toml and prints its path.
conf() {
  local v=$1 http=$2 file i p
  file=$WORK/$v.toml
  [[ $http == 1 ]] && file=$WORK/$v-http.toml
  {
    printf '[ike]\nlisten = ["127.0.0.1"]\nports = [%d]\nthreads = 1\n' "$PORT"
    printf 'unsupported_client = "drop"\ninvalid_syntax_reply = false\n\n'
    printf '[cookies]\nenabled = false\n\n[rate_limit]\nreplies_per_second = 0\n\n'
    # Every request is a new client: measure the packet path, not the budget of new IKE SAs.
    printf '[sessions]\nover_budget = "off"\n\n'
    printf '[log]\nlevel = "warn"\n\n'
    [[ $http == 1 ]] && printf '[http]\nlisten = ["127.0.0.1:%d"]\n\n' "$HTTP_PORT"
    case $v in
      nomap | map)
        for i in "${!MEMBERS8[@]}"; do
          printf '[[member]]\nname = "m%d"\naddresses = ["%s"]\npool = "%s"\n\n' \
            "$((i + 1))" "${MEMBERS8[i]}" "${POOLS4[i / 2]}"
        done
        if [[ $v == map ]]; then
          printf '[topology]\ndefault = %s\nfiles = ["map.txt"]\n' "$(toml_list "${POOLS4[@]}")"
        fi
        ;;
      m3)
        for i in 0 1 2; do
          printf '[[member]]\nname = "m%d"\naddresses = ["%s"]\n\n' "$((i + 1))" "${MEMBERS8[i]}"
        done
        ;;
      m1000)
        for ((p = 0; p < 10; p++)); do
          for ((i = 1; i <= 100; i++)); do
            printf '[[member]]\nname = "q%d-%d"\naddresses = ["198.18.%d.%d"]\npool = "q%d"\n\n' \
              "$p" "$i" "$p" "$i" "$p"
          done
        done
        printf '[topology]\ndefault = %s\nfiles = ["map1000.txt"]\n' "$(toml_list "${POOLS10[@]}")"
        ;;
    esac
  } >"$file"
  echo "$file"
}

# ---------------------------------------------------------------------------------------------
# Servers. start_<variant> sets SERVER_PID and SERVER_PORT; the server runs in $NS on SERVER_CPU.

start_ikesteer() {  # <config file> <log name>
  ip netns exec "$NS" taskset -c "$SERVER_CPU" "$IKESTEER" --config "$1" \
    >>"$WORK/$2.log" 2>&1 &
  SERVER_PID=$!
  SERVER_PORT=$PORT
  PIDS+=("$SERVER_PID")
}
start_variant() {  # <variant>
  local args=() m
  if [[ $1 == yardstick ]]; then
    for m in "${MEMBERS8[@]}"; do args+=(--member "$m"); done
    ip netns exec "$NS" taskset -c "$SERVER_CPU" "$YARDSTICK" --listen 127.0.0.1 \
      --port "$((PORT + 1))" "${args[@]}" >>"$WORK/yardstick.log" 2>&1 &
    SERVER_PID=$!
    SERVER_PORT=$((PORT + 1))
    PIDS+=("$SERVER_PID")
  else
    start_ikesteer "$WORK/$1.toml" "$1"
  fi
}

# Waits (10 s at most) until the server's start-up work is done: less than 2 ticks of CPU in
# 0.3 s. ikesteer binds its UDP port before it has built its steering, and a load started
# then would measure the start-up.
wait_idle() {
  local i a b
  for ((i = 0; i < 33; i++)); do
    a=$(awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat" 2>/dev/null) || return 1
    sleep 0.3
    b=$(awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat" 2>/dev/null) || return 1
    ((b - a < 2)) && return 0
  done
  log "$1: still busy 10 s after it bound its port; measuring anyway"
}

# GET http://127.0.0.1:HTTP_PORT<path> in $NS; prints the body, fails on anything but 200.
http_get() {
  in_ns curl -sf --max-time 5 "http://127.0.0.1:$HTTP_PORT$1"
}

# ---------------------------------------------------------------------------------------------
# Part 1: map load

# time_check <config>: "<wall s> <cpu s>" of ikesteer --check-config, pinned to SERVER_CPU.
time_check() {
  local t out rc=0
  t=$(
    TIMEFORMAT='%R %U %S'
    { time taskset -c "$SERVER_CPU" "$IKESTEER" --check-config "$1" >"$WORK/check.out" 2>&1; } 2>&1
  ) || rc=$?
  if ((rc != 0)) || ! read -r -a tt <<<"$t" || [[ ${#tt[@]} != 3 ]]; then
    log "--check-config $1 failed:"
    sed 's/^/    /' "$WORK/check.out" >&2
    return 1
  fi
  awk -v r="${tt[0]}" -v u="${tt[1]}" -v s="${tt[2]}" 'BEGIN { printf "%.3f %.3f\n", r, u + s }'
}

# ready_time <config> <log name> <keep 0|1>: sets READY_S to the seconds from spawning ikesteer
# to the first 200 from /readyz (a poller on LOADGEN_CPU, armed before the spawn, asks every
# ms); then stops the server unless <keep> is 1 (SERVER_PID).
ready_time() {
  local conf=$1 name=$2 stay=$3 armed=$WORK/poller.armed out=$WORK/poller.out t0 t1 poller i
  rm -f "$armed" "$out"
  # shellcheck disable=SC2016
  ip netns exec "$NS" taskset -c "$LOADGEN_CPU" python3 -c '
import socket, sys, time
port, armed, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
req = b"GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
open(armed, "w").close()
deadline = time.time() + 20
while time.time() < deadline:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(req)
            reply = b""
            while chunk := s.recv(4096):
                reply += chunk
        if reply.startswith((b"HTTP/1.0 200", b"HTTP/1.1 200")):
            open(out, "w").write("%.6f\n" % time.time())
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.001)
sys.exit(1)' "$HTTP_PORT" "$armed" "$out" &
  poller=$!
  PIDS+=("$poller")
  for ((i = 0; i < 100; i++)); do [[ -e $armed ]] && break; sleep 0.05; done
  t0=$(date +%s.%N)
  start_ikesteer "$conf" "$name"
  wait "$poller" || true
  forget_pid "$poller"
  if [[ ! -s $out ]] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
    log "$name: no 200 from /readyz within 20 s; log:"
    tail -20 "$WORK/$name.log" >&2
    stop_server
    return 1
  fi
  t1=$(cat "$out")
  [[ $stay == 1 ]] || stop_server
  READY_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

# check_decisions <variant>: on the running <variant> with [http], where the sample clients
# go. With a map each must match a prefix of it and get a member without a spill.
check_decisions() {
  local v=$1 c j ok=0
  for c in "${SAMPLE_CLIENTS[@]}"; do
    j=$(http_get "/api/v1/decision?client=$c") || { log "$v: decision for $c failed"; return 1; }
    log "$v: decision for $c: $(tr -d '\n' <<<"$j" | cut -c1-400)"
    if [[ $v == map || $v == m1000 ]]; then
      python3 -c '
import json, sys
d = json.loads(sys.argv[1])
def find(o, k):
    if isinstance(o, dict):
        if k in o: return o[k]
        for x in o.values():
            r = find(x, k)
            if r is not None: return r
    return None
mp, member, spill = find(d, "matched_prefix"), find(d, "member"), find(d, "spilled_from")
sys.exit(0 if mp and member and not spill else 1)' "$j" ||
        { log "$v: client $c: no matched prefix, no member or a spill"; ok=1; }
    fi
  done
  return $ok
}

# ---------------------------------------------------------------------------------------------
# Parts 2 and 3: redirect rate

# run_load <variant> <tag> <loadgen args...>: sets RESULT (the RESULT line + other=<share of
# the two CPUs used by anything but server and load generator>).
run_load() {
  local name=$1 tag=$2 file busy0 busy1 t0 t1 pid other
  shift 2
  file=$WORK/$name-$tag.txt
  [[ $tag == probe* ]] || wait_quiet
  busy0=$(cpu_busy)
  t0=$(date +%s.%N)
  ip netns exec "$NS" taskset -c "$LOADGEN_CPU" "$LOADGEN" --target 127.0.0.1 \
    --port "$SERVER_PORT" --src-base "$SRC_BASE" --addresses "$SRC_ADDRESSES" --ports 4 \
    --timeout 0.2 --server-pid "$SERVER_PID" "$@" >"$file" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait "$pid" || true
  forget_pid "$pid"
  t1=$(date +%s.%N)
  busy1=$(cpu_busy)
  RESULT=$(grep '^RESULT ' "$file") || { RESULT="RESULT failed=1"; sed 's/^/    /' "$file" >&2; }
  other=$(awk -v b="$busy1" -v a="$busy0" -v s="$(field "$RESULT" cpu)" \
    -v l="$(field "$RESULT" self_cpu)" -v t1="$t1" -v t0="$t0" \
    'BEGIN { o = (b - a - s - l) / (2 * (t1 - t0)) * 100; printf "%.0f%%", o < 0 ? 0 : o }')
  RESULT+=" other=$other"
}

declare -A RPS PER_CPU INVALID LOST OTHER STATUS
run_variant() {  # <variant> <round>
  local v=$1 round=$2 probe full
  if ! start_variant "$v" || ! wait_udp_bound "$v" || ! pin_server || ! wait_idle "$v"; then
    STATUS[$v]=failed
    stop_server
    return
  fi
  run_load "$v" "probe-$round" --count 1000 --window 16
  probe=$RESULT
  if [[ $(field "$probe" valid) != 1000 ]]; then
    log "$v: the 1000-request probe did not get 1000 valid replies"
    STATUS[$v]=failed
    stop_server
    return
  fi
  run_load "$v" "full-$round" --duration "$DURATION" --window "$WINDOW"
  full=$RESULT
  stop_server
  if [[ $full == *failed=1* ]]; then
    STATUS[$v]=failed
    return
  fi
  log "$v round $round: $(field "$full" rps) replies/s, $(field "$full" per_cpu) per CPU-s," \
    "invalid $(field "$full" invalid), lost $(field "$full" lost), other $(field "$full" other)"
  RPS[$v]+=" $(field "$full" rps)"
  PER_CPU[$v]+=" $(field "$full" per_cpu)"
  INVALID[$v]=$((${INVALID[$v]:-0} + $(field "$full" invalid) + $(field "$probe" invalid)))
  LOST[$v]=$((${LOST[$v]:-0} + $(field "$full" lost)))
  OTHER[$v]+=" $(field "$full" other)"
  STATUS[$v]=${STATUS[$v]:-ok}
}

# ---------------------------------------------------------------------------------------------
# Run

read -r load1 load5 load15 _ </proc/loadavg
log "work dir $WORK, namespace $NS, server CPU $SERVER_CPU, load generator CPU $LOADGEN_CPU"
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
  log "WARNING: load average $load1: other work on this machine will skew the figures"
fi

log "generating the topology files ($PREFIXES prefixes, seed $SEED)"
gen_map "$WORK/map.txt" "$PREFIXES" "$SEED" "${POOLS4[@]}"
gen_map "$WORK/map1000.txt" 512 "$SEED" "${POOLS10[@]}"
MAP_V4=$(grep -c '^[0-9.]*/' "$WORK/map.txt" || true)
MAP_V6=$(grep -c '^[0-9a-f:]*:[0-9a-f:]*/' "$WORK/map.txt" || true)
((MAP_V4 + MAP_V6 == PREFIXES)) ||
  die "map.txt has $MAP_V4 IPv4 + $MAP_V6 IPv6 prefixes, not $PREFIXES"
for v in nomap map m3 m1000; do conf "$v" 0 >/dev/null; conf "$v" 1 >/dev/null; done

FAILED=0
# Part 1.
declare -A CHECK_WALL CHECK_CPU READY
LOAD_DIFF="" LOAD_CPU_DIFF=""
for ((round = 1; round <= RUNS; round++)); do
  log "== map load, round $round of $RUNS"
  for v in nomap map; do
    wait_quiet
    if t=$(time_check "$WORK/$v.toml"); then
      read -r w c <<<"$t"
      CHECK_WALL[$v]+=" $w"
      CHECK_CPU[$v]+=" $c"
      log "--check-config $v: $w s wall, $c s CPU"
    else
      FAILED=1
    fi
  done
  if [[ -n ${CHECK_WALL[map]:-} && -n ${CHECK_WALL[nomap]:-} ]]; then
    LOAD_DIFF+=" $(awk -v a="${CHECK_WALL[map]##* }" -v b="${CHECK_WALL[nomap]##* }" \
      'BEGIN { printf "%.3f", a - b }')"
    LOAD_CPU_DIFF+=" $(awk -v a="${CHECK_CPU[map]##* }" -v b="${CHECK_CPU[nomap]##* }" \
      'BEGIN { printf "%.3f", a - b }')"
  fi
  for v in nomap map m1000; do
    wait_quiet
    # Round 1 keeps the server for the decision check.
    if ready_time "$WORK/$v-http.toml" "$v-ready" "$((round == 1 ? 1 : 0))"; then
      READY[$v]+=" $READY_S"
      log "start to ready, $v: $READY_S s"
      if ((round == 1)); then
        check_decisions "$v" || FAILED=1
        stop_server
      fi
    else
      FAILED=1
    fi
  done
done

# Parts 2 and 3.
for ((round = 1; round <= RUNS; round++)); do
  log "== redirect rate, round $round of $RUNS: ${VARIANTS[*]}"
  for v in "${VARIANTS[@]}"; do
    [[ ${STATUS[$v]:-ok} == ok ]] && run_variant "$v" "$round"
  done
done

# ---------------------------------------------------------------------------------------------
# Report

verdicts=()
verdict() {  # <text> <1 met|0 missed>
  if [[ $2 == 1 ]]; then
    verdicts+=("goal met:    $1")
  else
    verdicts+=("goal MISSED: $1")
    FAILED=1
  fi
}
mmm() {  # "<values>" -> "median (min..max)"
  local m lo hi
  [[ -n ${1// /} ]] || { echo "n/a"; return; }
  read -r m lo hi < <(stats "$1")
  echo "$m ($lo..$hi)"
}

echo
printf 'ikesteer topology bench: ikesteer %s\n' \
  "$("$IKESTEER" --version 2>/dev/null | head -1 || echo "$IKESTEER")"
printf 'map: %s prefixes (%s IPv4 /8../32 incl. 512 /26 over the clients, %s IPv6 /16../64),\n' \
  "$PREFIXES" "$MAP_V4" "$MAP_V6"
printf '     orders of 1..3 of 4 pools, seed %s, %s bytes; %s rounds; load average at start %s\n' \
  "$SEED" "$(stat -c %s "$WORK/map.txt")" "$RUNS" "$load1 $load5 $load15"
echo
echo "1. map load (seconds, median (min..max) of $RUNS; --check-config pinned to CPU $SERVER_CPU)"
printf '   %-40s %s\n' "--check-config, no [topology], wall" "$(mmm "${CHECK_WALL[nomap]:-}")"
K=$((PREFIXES / 1000))
printf '   %-40s %s\n' "--check-config, ${K}k-prefix map, wall" "$(mmm "${CHECK_WALL[map]:-}")"
printf '   %-40s %s\n' "--check-config, no [topology], CPU" "$(mmm "${CHECK_CPU[nomap]:-}")"
printf '   %-40s %s\n' "--check-config, ${K}k-prefix map, CPU" "$(mmm "${CHECK_CPU[map]:-}")"
printf '   %-40s %s   per round: %s\n' "map load (wall difference)" "$(mmm "$LOAD_DIFF")" \
  "${LOAD_DIFF# }"
printf '   %-40s %s   per round: %s\n' "map load (CPU difference)" "$(mmm "$LOAD_CPU_DIFF")" \
  "${LOAD_CPU_DIFF# }"
printf '   %-40s %s\n' "start to ready (/readyz), no map" "$(mmm "${READY[nomap]:-}")"
printf '   %-40s %s\n' "start to ready, ${K}k-prefix map" "$(mmm "${READY[map]:-}")"
printf '   %-40s %s\n' "start to ready, 1,000 members + map" "$(mmm "${READY[m1000]:-}")"
if [[ -n ${LOAD_DIFF// /} ]]; then
  d=$(median "$LOAD_DIFF")
  verdict "map load < ${GOAL_LOAD_S} s (median $d s)" \
    "$(awk -v d="$d" -v g=$GOAL_LOAD_S 'BEGIN { print (d < g) ? 1 : 0 }')"
fi
echo
echo "2./3. redirects: ikesteer_loadgen closed loop, window $WINDOW, $DURATION s per run;"
echo "   server on CPU $SERVER_CPU, load generator on CPU $LOADGEN_CPU; medians (min..max)"
printf '   %-10s %-36s %10s %26s %8s %8s  %s\n' variant what replies/s \
  "replies/CPU-s (min..max)" invalid lost "other_cpu per round"
for v in "${VARIANTS[@]}"; do
  case $v in
    yardstick) what="yardstick_redirector, 8 members" ;;
    nomap) what="8 members in 4 pools, no map" ;;
    map) what="8 members in 4 pools, $((PREFIXES / 1000))k map" ;;
    m3) what="3 members, no pools, no map" ;;
    m1000) what="1,000 members in 10 pools, 512 map" ;;
  esac
  if [[ ${STATUS[$v]:-failed} != ok ]]; then
    printf '   %-10s %-36s %s (logs: %s)\n' "$v" "$what" "${STATUS[$v]:-failed}" "$WORK/$v*"
    FAILED=1
    continue
  fi
  read -r cm clo chi < <(stats "${PER_CPU[$v]}")
  printf '   %-10s %-36s %10.0f %26s %8s %8s  %s\n' "$v" "$what" "$(median "${RPS[$v]}")" \
    "$(printf '%.0f (%.0f..%.0f)' "$cm" "$clo" "$chi")" "${INVALID[$v]}" "${LOST[$v]}" \
    "${OTHER[$v]# }"
done
echo "   other_cpu: share of CPUs $SERVER_CPU+$LOADGEN_CPU used by anything else during the run;"
echo "   more than a few % means other work skewed that round."
echo
echo "   ratios of replies per server CPU-second: median of the rounds' ratios (each round)"
ratio_row() {  # <numerator> <denominator> <label> [goal]
  local num=$1 den=$2 r m q="" i
  local -a rs on od
  [[ ${STATUS[$num]:-} == ok && ${STATUS[$den]:-} == ok ]] ||
    { printf '   %-22s n/a\n' "$3"; return; }
  r=$(round_ratios "${PER_CPU[$num]# }" "${PER_CPU[$den]# }")
  m=$(printf '%.3f' "$(median "$r")")
  read -ra rs <<<"$r"
  read -ra on <<<"${OTHER[$num]//%/}"
  read -ra od <<<"${OTHER[$den]//%/}"
  for i in "${!rs[@]}"; do
    ((${on[i]:-100} <= QUIET_OTHER && ${od[i]:-100} <= QUIET_OTHER)) && q+=" ${rs[i]}"
  done
  printf '   %-22s %s  (%s)%s\n' "$3" "$m" "$r" "${4:+  goal >= $4}"
  if [[ -n $q ]]; then
    printf '   %-22s %s  (%s)\n' "  quiet rounds only" "$(printf '%.3f' "$(median "$q")")" "${q# }"
  else
    printf '   %-22s none had other_cpu <= %s %% in both runs\n' "  quiet rounds only" \
      "$QUIET_OTHER"
  fi
  if [[ -n ${4:-} ]]; then
    verdict "$3 >= $4 per CPU-second (median $m)" \
      "$(awk -v m="$m" -v g="$4" 'BEGIN { print (m >= g) ? 1 : 0 }')"
  fi
}
ratio_row map yardstick "map / yardstick" $GOAL_RATIO
ratio_row map nomap "map / nomap"
ratio_row nomap yardstick "nomap / yardstick"
ratio_row m1000 m3 "m1000 / m3" $GOAL_RATIO
for v in "${VARIANTS[@]}"; do
  [[ ${INVALID[$v]:-0} == 0 ]] || verdicts+=("$v: ${INVALID[$v]} invalid replies") FAILED=1
done
echo
printf '%s\n' "${verdicts[@]}"
exit "$FAILED"
