#!/usr/bin/env bash
# shellcheck disable=SC2317  # cleanup and start_<server> are called indirectly
# dns_bench.sh: authoritative DNS throughput, efficiency and latency of ikesteer, gdnsd and
# Knot DNS serving the same names, under the same dnsperf load, and of the yardstick
# (bench/yardstick_dns_responder: every query answered REFUSED by one recvmmsg/sendmmsg thread,
# the kernel's price of a datagram in and out; no server can do less).
#
# Builds nothing. Runs as root: everything happens on the loopback of a network namespace it
# creates, one server at a time pinned to SERVER_CPU (all its threads), dnsperf pinned to
# LOADGEN_CPU. The zone vpn.example. is the one of tests/integration/dns_clients.sh:
#   gw   cluster of m1..m3 (A and AAAA, TTL 30): ikesteer policy "all" from live member state;
#        gdnsd a DYNA multifo!gw resource (health-checked plugin answer, service type "up");
#        Knot static A/AAAA records
#   www  CNAME gw;  ns1 A;  info TXT;  m1..m3 A/AAAA (member names)
# The query file mixes them: gw A 30 %, gw AAAA 10 %, www A 10 %, ns1 A 10 %, info TXT 5 %,
# m1..m3 A/AAAA 10 %, 25 % names that do not exist (NXDOMAIN), 1000 lines in a fixed order.
# Per server and round: dnsperf at full speed (DURATION s, CLIENTS sockets, OUTSTANDING queries
# in flight) for queries/s and queries per server CPU-second (utime+stime of /proc/PID/stat
# over the run), then dnsperf -Q RATE (RATE_DURATION s, -v per-query times) for p50/p90/p99.
# Every run must get only NOERROR and NXDOMAIN, in the proportions of the query file.
#
# Usage: bench/dns_bench.sh [--ikesteer PATH] [--yardstick PATH]
#                           [--servers "ikesteer gdnsd knot yardstick"]
# Every option is also an environment variable (IKESTEER, YARDSTICK, SERVERS), as are DURATION (10),
# RATE (20000), RATE_DURATION (10), CLIENTS (1), OUTSTANDING (100), SERVER_CPU (1),
# LOADGEN_CPU (0), REPEAT (3 rounds, servers interleaved; the table shows medians),
# QUIET_WAIT (30: up to that many seconds before each run waiting for other work to leave the
# two CPUs) and KEEP (0: 1 keeps the work directory with every log).
# Bounded: about REPEAT x servers x (DURATION + RATE_DURATION + 5) s plus the quiet waits.
# Exit status: 0 when every run worked, 1 when a server failed or answered wrongly, 2 on a
# set-up error.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IKESTEER=${IKESTEER:-$REPO/build/frontend/ikesteer}
YARDSTICK=${YARDSTICK:-$REPO/build/bench/yardstick_dns_responder}
SERVERS=${SERVERS:-ikesteer gdnsd knot yardstick}
DURATION=${DURATION:-10}
RATE=${RATE:-20000}
RATE_DURATION=${RATE_DURATION:-10}
CLIENTS=${CLIENTS:-1}
OUTSTANDING=${OUTSTANDING:-100}
SERVER_CPU=${SERVER_CPU:-1}
LOADGEN_CPU=${LOADGEN_CPU:-0}
QUIET_WAIT=${QUIET_WAIT:-30}
REPEAT=${REPEAT:-3}
KEEP=${KEEP:-0}
# Share of NXDOMAIN answers the query file must produce (25 %), and the tolerance.
NX_SHARE=25
NX_TOLERANCE=2

while (($#)); do
  case $1 in
    --ikesteer) IKESTEER=$2; shift 2 ;;
    --yardstick) YARDSTICK=$2; shift 2 ;;
    --servers) SERVERS=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "dns_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench/bench_lib.sh
source "$REPO/bench/bench_lib.sh"
# The members, zone and cluster name of the DNS integration tests, and ikesteer's configuration
# for them (dns_ikesteer_conf): the benchmark serves exactly what the tests check.
# shellcheck source=tests/integration/dns_lib.sh
source "$REPO/tests/integration/dns_lib.sh"

[[ $(id -u) == 0 ]] || die "needs root (network namespace)"
command -v dnsperf >/dev/null || die "no dnsperf (install .ci/packages/dns.txt)"
command -v dig >/dev/null || die "no dig (install .ci/packages/dns.txt)"
for s in $SERVERS; do
  case $s in
    ikesteer) [[ -x $IKESTEER ]] || die "no ikesteer at $IKESTEER" ;;
    gdnsd) command -v gdnsd >/dev/null || die "no gdnsd (install .ci/packages/dns.txt)" ;;
    knot) command -v knotd >/dev/null || die "no knotd (install .ci/packages/dns.txt)" ;;
    yardstick) [[ -x $YARDSTICK ]] || die "no yardstick at $YARDSTICK" ;;
    *) die "unknown server $s (ikesteer, gdnsd, knot, yardstick)" ;;
  esac
done

bench_init dnsbench

# ---------------------------------------------------------------------------------------------
# Zone and queries

# The static part of the zone, as a zone file (Knot, gdnsd).
static_zone() {
  local m
  cat <<'EOF'
$TTL 300
@ SOA ns1.vpn.example. hostmaster.vpn.example. 1 3600 600 86400 60
@ NS ns1.vpn.example.
ns1 A 203.0.113.53
www CNAME gw
info TXT "ikesteer test zone"
EOF
  for m in "${DNS_MEMBERS[@]}"; do printf '%s A %s\n%s AAAA %s\n' "$m" "${DNS_V4[$m]}" "$m" "${DNS_V6[$m]}"; done
}

# 1000 queries in a fixed pseudo-random order (awk's rand with a fixed seed).
make_queries() {
  awk -v nx="$NX_SHARE" 'BEGIN {
    srand(7)
    for (i = 0; i < 1000; i++) {
      r = i % 100
      if (r < 30) q = "gw.vpn.example A"
      else if (r < 40) q = "gw.vpn.example AAAA"
      else if (r < 50) q = "www.vpn.example A"
      else if (r < 60) q = "ns1.vpn.example A"
      else if (r < 65) q = "info.vpn.example TXT"
      else if (r < 75) q = sprintf("m%d.vpn.example %s", i % 3 + 1, (i % 2) ? "A" : "AAAA")
      else q = sprintf("nx%d.vpn.example A", i)
      print rand() "\t" q
    } }' | sort -k1,1g | cut -f2 >"$WORK/queries.txt"
}

# ---------------------------------------------------------------------------------------------
# Servers. start_<name> sets SERVER_PID (the process whose /proc/PID/stat is read) and
# SERVER_PORT; every server runs inside $NS pinned to $SERVER_CPU, on 127.0.0.1.

start_ikesteer() {
  local conf=$WORK/ikesteer.toml
  SERVER_PORT=5301
  # ike.threads = 1: one DNS UDP thread for 127.0.0.1, like the peers' one UDP thread.
  DNS_LISTEN=(127.0.0.1) IKE_LISTEN=(127.0.0.1)
  IKE_PORT=15500 DNS_PORT=$SERVER_PORT DNS_LOG_LEVEL=warn dns_ikesteer_conf >"$conf"
  ip netns exec "$NS" taskset -c "$SERVER_CPU" "$IKESTEER" --config "$conf" \
    >>"$WORK/ikesteer.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
}

start_gdnsd() {
  local dir=$WORK/gdnsd m v4="" v6=""
  SERVER_PORT=5302
  mkdir -p "$dir/zones"
  for m in "${DNS_MEMBERS[@]}"; do
    v4+="${v4:+, }${DNS_V4[$m]}"
    v6+="${v6:+, }${DNS_V6[$m]}"
  done
  cat >"$dir/config" <<EOF
options => {
  listen => [ 127.0.0.1 ]
  dns_port => $SERVER_PORT
  udp_threads => 1
  tcp_threads => 1
  run_dir => $dir/run
  state_dir => $dir/state
}
plugins => {
  multifo => {
    service_types => up
    gw => {
      addrs_v4 => [ $v4 ]
      addrs_v6 => [ $v6 ]
    }
  }
}
EOF
  { static_zone; echo 'gw 30 DYNA multifo!gw'; } >"$dir/zones/vpn.example"
  ip netns exec "$NS" taskset -c "$SERVER_CPU" gdnsd -c "$dir" start >>"$WORK/gdnsd.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
}

start_knot() {
  local dir=$WORK/knot m
  SERVER_PORT=5303
  mkdir -p "$dir"
  {
    static_zone
    for m in "${DNS_MEMBERS[@]}"; do printf 'gw 30 A %s\ngw 30 AAAA %s\n' "${DNS_V4[$m]}" "${DNS_V6[$m]}"; done
  } >"$dir/vpn.example.zone"
  cat >"$dir/knot.conf" <<EOF
server:
    rundir: $dir
    listen: 127.0.0.1@$SERVER_PORT
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: $dir
log:
  - target: stderr
    any: warning
zone:
  - domain: vpn.example.
    file: $dir/vpn.example.zone
    journal-content: none
    zonefile-sync: -1
EOF
  ip netns exec "$NS" taskset -c "$SERVER_CPU" knotd -c "$dir/knot.conf" >>"$WORK/knot.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
}

start_yardstick() {
  SERVER_PORT=5304
  ip netns exec "$NS" taskset -c "$SERVER_CPU" "$YARDSTICK" --listen 127.0.0.1 \
    --port "$SERVER_PORT" >>"$WORK/yardstick.log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
}

# dig inside the namespace against the running server.
ask() { in_ns dig +time=1 +tries=1 @127.0.0.1 -p "$SERVER_PORT" "$@"; }

# Waits until the server answers the zone's SOA, then checks the answers the benchmark relies
# on (a server answering fast but wrong would win).
wait_ready() {
  local name=$1 i out want
  for ((i = 0; i < 100; i++)); do
    server_alive "$name" || return 1
    if [[ $name == yardstick ]]; then
      ask vpn.example. SOA 2>/dev/null | grep -q 'status: REFUSED' && return 0
    # (dig +short prints its errors on stdout too: look for the SOA itself.)
    elif [[ $(ask +short vpn.example. SOA 2>/dev/null) == "ns1.vpn.example. "* ]]; then
      break
    fi
    sleep 0.1
  done
  ((i < 100)) || { log "$name does not answer on port $SERVER_PORT"; return 1; }
  want=$(printf '%s\n' "${DNS_V4[@]}" | sort | paste -sd' ' -)
  out=$(ask +short gw.vpn.example. A | sort | paste -sd' ' -)
  [[ $out == "$want" ]] || { log "$name: gw A = '$out', expected '$want'"; return 1; }
  want=$(printf '%s\n' gw.vpn.example. "${DNS_V4[@]}" | sort | paste -sd' ' -)
  out=$(ask +short www.vpn.example. A | sort | paste -sd' ' -)
  # gdnsd 3 does not chase CNAMEs inside its zone: its answer is the CNAME alone.
  [[ $out == "$want" || ($name == gdnsd && $out == gw.vpn.example.) ]] ||
    { log "$name: www A = '$out', expected '$want'"; return 1; }
  out=$(ask nx1.vpn.example. A | sed -nE 's/.*status: ([A-Z]+),.*/\1/p')
  [[ $out == NXDOMAIN ]] || { log "$name: nx1 A status '$out', expected NXDOMAIN"; return 1; }
  return 0
}

# ---------------------------------------------------------------------------------------------
# Load

# CPU seconds (utime + stime, all threads) of a process so far.
proc_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
    "/proc/$1/stat"
}

# CPU seconds (user + system) of this shell's finished children so far, from bash's `times`
# (run in this shell, not a subshell: after `wait`, dnsperf's own CPU time is in there).
children_cpu() {
  times >"$WORK/times"
  awk 'END { t = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] }
    printf "%.2f", t }' "$WORK/times"
}



# dnsperf_run <name> <tag> <dnsperf args...>: one dnsperf run (in the background of this shell,
# so that a signal stops the script at once). Sets R_* from its statistics, R_CPU to the
# server's CPU seconds over the run and R_OTHER to the share of the two CPUs used by anything
# but server and dnsperf (loopback softirq work on neither process counts too, a few %).
dnsperf_run() {
  local name=$1 tag=$2 file cpu0 cpu1 busy0 busy1 t0 t1 pid self0 self1
  shift 2
  file=$WORK/$name-$tag.txt
  wait_quiet
  busy0=$(cpu_busy)
  cpu0=$(proc_cpu "$SERVER_PID")
  children_cpu >"$WORK/self0"
  t0=$(date +%s.%N)
  ip netns exec "$NS" taskset -c "$LOADGEN_CPU" dnsperf -s 127.0.0.1 -p "$SERVER_PORT" -d "$WORK/queries.txt" \
    "$@" >"$file" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  wait "$pid" || true
  forget_pid "$pid"
  t1=$(date +%s.%N)
  children_cpu >"$WORK/self1"
  self0=$(<"$WORK/self0")
  self1=$(<"$WORK/self1")
  cpu1=$(proc_cpu "$SERVER_PID")
  busy1=$(cpu_busy)
  R_CPU=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')
  R_DONE=$(sed -nE 's/^ *Queries completed: *([0-9]+).*/\1/p' "$file")
  R_LOST=$(sed -nE 's/^ *Queries lost: *([0-9]+).*/\1/p' "$file")
  R_QPS=$(sed -nE 's/^ *Queries per second: *([0-9.]+).*/\1/p' "$file")
  R_RCODES=$(sed -nE 's/^ *Response codes: *//p' "$file")
  R_OTHER=$(awk -v b="$busy1" -v a="$busy0" -v s="$R_CPU" -v l="$self1" -v l0="$self0" \
    -v t1="$t1" -v t0="$t0" '
    BEGIN { o = (b - a - s - (l - l0)) / (2 * (t1 - t0)) * 100; printf "%.0f%%", (o < 0 ? 0 : o) }')
  grep -E '^ *(Queries|Response|Average|Latency|Run time)' "$file" | sed 's/^/    /' >&2
  [[ -n $R_DONE && -n $R_QPS ]] || { log "$name: dnsperf printed no statistics"; return 1; }
  rcodes_ok "$name" "$R_RCODES"
}

# rcodes_ok <name> <"NOERROR n (x%), NXDOMAIN m (y%)">: only those two, NXDOMAIN near 25 %
# (the yardstick: REFUSED only).
rcodes_ok() {
  local other nx
  if [[ $1 == yardstick ]]; then
    [[ $2 =~ ^REFUSED\ [0-9]+\ \(100\.00%\)$ ]] || { log "$1: response codes $2"; return 1; }
    return 0
  fi
  other=$(tr ',' '\n' <<<"$2" | grep -vE '^ *(NOERROR|NXDOMAIN) ' | grep . || true)
  [[ -z $other ]] || { log "$1: unexpected response codes: $other"; return 1; }
  nx=$(sed -nE 's/.*NXDOMAIN [0-9]+ \(([0-9.]+)%\).*/\1/p' <<<"$2")
  awk -v n="${nx:-0}" -v w=$NX_SHARE -v t=$NX_TOLERANCE 'BEGIN { exit !(n >= w - t && n <= w + t) }' ||
    { log "$1: ${nx:-0} % NXDOMAIN, expected $NX_SHARE % (response codes: $2)"; return 1; }
}

# Percentiles (µs) of dnsperf -v per-query lines "> NOERROR name type 0.000123".
latency_percentiles() {
  awk '$1 == ">" { print $NF * 1e6 }' "$1" | sort -g | awk '{ v[NR] = $1 }
    END { if (NR == 0) { print "0 0 0 0"; exit }
          printf "%.1f %.1f %.1f %d\n", v[int(NR * 0.50) + 1], v[int(NR * 0.90) + 1],
            v[int(NR * 0.99) + 1], NR }'
}

# Per server: space-separated figures, one per round.
declare -A QPS PER_CPU P50 P90 P99 LOST OTHER STATUS
run_server() {
  local name=$1 round=$2 p50 p90 p99 n
  log "== $name, round $round of $REPEAT"
  if ! "start_$name" || ! wait_ready "$name" || ! pin_server; then
    STATUS[$name]=failed
    stop_server
    return
  fi
  log "$name: full speed, $DURATION s, $CLIENTS clients, $OUTSTANDING outstanding"
  if ! dnsperf_run "$name" "full-$round" -l "$DURATION" -c "$CLIENTS" -q "$OUTSTANDING"; then
    STATUS[$name]=failed
    stop_server
    return
  fi
  QPS[$name]+=" $R_QPS"
  PER_CPU[$name]+=" $(awk -v d="$R_DONE" -v c="$R_CPU" 'BEGIN { printf "%.0f", (c > 0 ? d / c : 0) }')"
  LOST[$name]=$((${LOST[$name]:-0} + R_LOST))
  OTHER[$name]+=" $R_OTHER"
  log "$name: $R_QPS q/s, $R_DONE queries in $R_CPU server CPU-s"
  log "$name: $RATE queries/s, $RATE_DURATION s (per-query times)"
  if ! dnsperf_run "$name" "rate-$round" -l "$RATE_DURATION" -Q "$RATE" -c "$CLIENTS" -v; then
    STATUS[$name]=failed
    stop_server
    return
  fi
  read -r p50 p90 p99 n < <(latency_percentiles "$WORK/$name-rate-$round.txt")
  log "$name: $n per-query times, p50 $p50 us, p90 $p90 us, p99 $p99 us"
  P50[$name]+=" $p50"
  P90[$name]+=" $p90"
  P99[$name]+=" $p99"
  LOST[$name]=$((${LOST[$name]:-0} + R_LOST))
  OTHER[$name]+="/$R_OTHER"
  STATUS[$name]=${STATUS[$name]:-ok}
  stop_server
}



read -r load1 _ </proc/loadavg
log "work dir $WORK, namespace $NS, server CPU $SERVER_CPU, dnsperf CPU $LOADGEN_CPU"
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
  log "WARNING: load average $load1: other work on this machine will skew the figures"
fi
make_queries

# Rounds interleave the servers so that slow drifts of the machine hit all of them alike.
for ((round = 1; round <= REPEAT; round++)); do
  for s in $SERVERS; do
    [[ ${STATUS[$s]:-ok} == ok ]] && run_server "$s" "$round"
  done
done

# ---------------------------------------------------------------------------------------------
# Report

echo
printf 'Authoritative DNS on loopback (UDP); server on CPU %s, dnsperf on CPU %s\n' \
  "$SERVER_CPU" "$LOADGEN_CPU"
printf 'queries/s and per server CPU-second: %s s at full speed (%s clients, %s outstanding); ' \
  "$DURATION" "$CLIENTS" "$OUTSTANDING"
printf 'latency: %s s at %s queries/s\n' "$RATE_DURATION" "$RATE"
printf 'query mix: cluster name 40 %%, static names 35 %%, NXDOMAIN 25 %%; medians of %s rounds\n\n' \
  "$REPEAT"
printf '%-9s %10s %12s %17s %8s %8s %8s %6s  %s\n' server queries/s q/CPU-s "(min..max)" \
  p50_us p90_us p99_us lost other_cpu
failed=0
declare -A M_QPS M_CPU M_P50 M_P90
for s in $SERVERS; do
  if [[ ${STATUS[$s]:-failed} != ok ]]; then
    printf '%-9s %s (logs: %s)\n' "$s" "${STATUS[$s]:-failed}" "$WORK/$s*"
    failed=1
    continue
  fi
  read -r cpu_median cpu_min cpu_max < <(stats "${PER_CPU[$s]}")
  M_CPU[$s]=$cpu_median
  M_QPS[$s]=$(median "${QPS[$s]}")
  M_P50[$s]=$(median "${P50[$s]}")
  M_P90[$s]=$(median "${P90[$s]}")
  printf '%-9s %10.0f %12.0f %17s %8.1f %8.1f %8.1f %6s %s\n' "$s" "${M_QPS[$s]}" \
    "${M_CPU[$s]}" "($cpu_min..$cpu_max)" "${M_P50[$s]}" "${M_P90[$s]}" \
    "$(median "${P99[$s]}")" "${LOST[$s]}" "${OTHER[$s]}"
done
echo "other_cpu: share of CPUs $SERVER_CPU+$LOADGEN_CPU used by anything but the server and"
echo "dnsperf, per round (full speed/latency run); more than a few % means that round is skewed."
echo
if [[ ${STATUS[ikesteer]:-} == ok ]]; then
  for other in gdnsd knot yardstick; do
    [[ ${STATUS[$other]:-} == ok ]] || continue
    printf 'ikesteer/%-9s queries/s %s   per CPU-second %s   p50 %s   p90 %s\n' "$other" \
      "$(ratio "${M_QPS[ikesteer]}" "${M_QPS[$other]}")" \
      "$(ratio "${M_CPU[ikesteer]}" "${M_CPU[$other]}")" \
      "$(ratio "${M_P50[ikesteer]}" "${M_P50[$other]}")" \
      "$(ratio "${M_P90[ikesteer]}" "${M_P90[$other]}")"
  done
  for other in gdnsd knot yardstick; do
    [[ ${STATUS[$other]:-} == ok ]] || continue
    rounds=$(round_ratios "${PER_CPU[ikesteer]}" "${PER_CPU[$other]}")
    printf 'ikesteer/%-9s per CPU-second by round: %s (median %s)\n' "$other" "$rounds" \
      "$(median "$rounds")"
  done
fi
exit "$failed"
