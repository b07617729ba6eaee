# shellcheck shell=bash
# Shared by the scripts in bench/: messages, a network namespace with the processes started in
# it and their cleanup, CPU accounting, the load generator's RESULT fields, and the tables'
# statistics.
# The scripts set SERVER_CPU, LOADGEN_CPU, QUIET_WAIT and KEEP before calling bench_init.

log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 2; }

# bench_init <name>: makes the work folder WORK (/tmp/ikesteer-<name>.*) and the namespace NS
# with lo up, and installs the trap that stops every PID in PIDS, deletes NS and removes WORK
# (unless KEEP=1), also on failure and on SIGINT/SIGTERM.
bench_init() {
  WORK=$(mktemp -d "/tmp/ikesteer-$1.XXXXXX")
  chmod 755 "$WORK"  # servers that drop privileges read their files here
  NS=ikesteer-$1-$$
  PIDS=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  ip netns add "$NS"
  ip -n "$NS" link set lo up
}

bench_cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  ip netns del "$NS" 2>/dev/null || true
  # shellcheck disable=SC2153  # KEEP is set by the sourcing script
  if [[ $KEEP == 1 ]]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}

# Stops one process we started: SIGTERM, then SIGKILL after 5 s.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Background servers are started with `ip netns exec` directly (not through a function) so that
# $! is the server itself: ip, unshare, sh and taskset all exec.
in_ns() { ip netns exec "$NS" "$@"; }

# server_alive <name>: true while SERVER_PID runs; otherwise logs the tail of $WORK/<name>.log.
server_alive() {
  kill -0 "$SERVER_PID" 2>/dev/null && return 0
  log "$1 exited; log:"
  tail -20 "$WORK/$1.log" >&2
  return 1
}

# wait_udp_bound <name>: waits (10 s at most) until the server's UDP port SERVER_PORT is bound
# in $NS, while it runs.
wait_udp_bound() {
  local i
  for ((i = 0; i < 100; i++)); do
    server_alive "$1" || return 1
    [[ -n $(in_ns ss -Hunl "sport = :$SERVER_PORT") ]] && return 0
    sleep 0.1
  done
  log "$1 did not bind UDP port $SERVER_PORT"
  return 1
}

forget_pid() {
  local keep=() pid
  for pid in "${PIDS[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
  PIDS=("${keep[@]}")
}

stop_server() {
  stop_pid "$SERVER_PID"
  forget_pid "$SERVER_PID"
}

# Puts every thread of the running server back on SERVER_CPU, and checks that they are there.
# Servers may set their own threads' affinity at start (Knot pins its UDP worker n to CPU n,
# the load generator's CPU), which would leave the server measured on the wrong CPU.
pin_server() {
  local t
  taskset -a -p -c "$SERVER_CPU" "$SERVER_PID" >/dev/null || return 1
  for t in /proc/"$SERVER_PID"/task/*; do
    [[ $(sed -n 's/^Cpus_allowed_list:\t//p' "$t/status") == "$SERVER_CPU" ]] ||
      { log "thread ${t##*/} of the server is not on CPU $SERVER_CPU"; return 1; }
  done
}

# Busy seconds of both CPUs so far (user nice system irq softirq steal, /proc/stat).
cpu_busy() {
  awk -v cpus="cpu$SERVER_CPU cpu$LOADGEN_CPU" -v hz="$(getconf CLK_TCK)" '
    BEGIN { n = split(cpus, want, " "); for (i = 1; i <= n; i++) w[want[i]] = 1 }
    ($1 in w) { busy += $2 + $3 + $4 + $7 + $8 + $9 }
    END { printf "%.2f", busy / hz }' /proc/stat
}

# On a shared machine other work on the two CPUs lands in the figures: wait (up to QUIET_WAIT
# s) until they were less than 5 % busy for a second.
wait_quiet() {
  local deadline=$((SECONDS + QUIET_WAIT)) a b
  for (( ; ; )); do
    a=$(cpu_busy)
    sleep 1
    b=$(cpu_busy)
    awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 0.1) }' && return 0
    if ((SECONDS >= deadline)); then
      log "WARNING: CPUs $SERVER_CPU+$LOADGEN_CPU still busy with other work; measuring anyway"
      return 0
    fi
  done
}

# field <line> <name>: the value of `name=value` in a load generator's RESULT line, 0 when
# missing.
field() {
  local v
  v=$(sed -n "s/^RESULT.* $2=\([^ ]*\).*/\1/p" <<<"$1")
  echo "${v:-0}"
}

# Median, minimum and maximum of space-separated numbers.
stats() {
  tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 }
    END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }'
}
median() { stats "$1" | cut -d' ' -f1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
# round_ratios "<a per round>" "<b per round>": a/b for each round, space-separated. Rounds
# run the servers back to back, so a round's ratio is the least exposed to the machine's slow
# drifts; their median is the figure to compare with a goal.
round_ratios() {
  local -a a b
  local i out=""
  read -ra a <<<"$1"
  read -ra b <<<"$2"
  for i in "${!a[@]}"; do out+=" $(ratio "${a[i]}" "${b[i]:-0}")"; done
  echo "${out# }"
}
