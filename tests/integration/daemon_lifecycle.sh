#!/usr/bin/env bash
# The daemon as an operator runs it, on loopback with a real UDP socket:
#   --check-config reports every problem as file:line:col key: reason, and passes a good file;
#   started as root with process.user it binds, then runs as that user;
#   cookies (threshold 0 = always) are asked for and honoured by a real exchange;
#   SIGHUP with a member drained moves only that member's clients;
#   SIGHUP with a broken file keeps the running configuration;
#   SIGTERM stops it cleanly with a counter summary.
# Usage: daemon_lifecycle.sh --ikesteer PATH --ask PATH
set -euo pipefail

while (($#)); do
  case $1 in
    --ikesteer) ikesteer=$2; shift 2 ;;
    --ask) ask=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ $(id -u) == 0 ]] || { echo "needs root (privilege drop)"; exit 77; }

work=$(mktemp -d /tmp/ikesteer-lifecycle.XXXXXX)
chmod 755 "$work"
daemon=""
cleanup() {
  [[ -n $daemon ]] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
  if [[ ${failed:-0} == 1 ]]; then echo "--- daemon log"; cat "$work/log" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { failed=1; echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

port=$((20000 + RANDOM % 20000))
write_config() {  # $1 = state of m2, $2 = extra text
  cat >"$work/ikesteer.toml" <<TOML
[ike]
listen = ["127.0.0.1"]
ports = [$port]
threads = 2
[cookies]
threshold = 0
[process]
user = "nobody"
[[member]]
name = "m1"
addresses = ["198.51.100.11"]
[[member]]
name = "m2"
addresses = ["198.51.100.12"]
state = "$1"
[[member]]
name = "m3"
addresses = ["198.51.100.13"]
$2
TOML
}

# --- --check-config
write_config active 'weight = 0'
if out=$("$ikesteer" --check-config "$work/ikesteer.toml" 2>&1); then fail "a bad file passed"; fi
[[ $out == "$work/ikesteer.toml:19:10: member[2].weight: must be > 0"* ]] ||
  fail "unexpected --check-config output: $out"
pass "--check-config names file:line:col and key: $out"
write_config active ""
out=$("$ikesteer" --check-config "$work/ikesteer.toml") || fail "good file refused: $out"
pass "--check-config accepts a good file: $out"

# --- start, privilege drop
"$ikesteer" --config "$work/ikesteer.toml" 2>"$work/log" &
daemon=$!
for _ in $(seq 50); do grep -q msg=listening "$work/log" && break; sleep 0.1; done
grep -q msg=listening "$work/log" || fail "daemon did not start"
uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$daemon/status")
[[ $uid == "65534 65534 65534 65534" ]] || fail "still running as uid $uid"
pass "bound UDP $port as root, now runs as nobody (uid $uid)"

# --- where 40 clients go (cookies on: every answer needs a cookie round trip first)
declare -A before=()
for i in $(seq 10 49); do
  before[$i]=$("$ask" 127.0.0.1 --port "$port" --from "127.0.0.$i") || fail "client 127.0.0.$i: ${before[$i]}"
done
members=$(printf '%s\n' "${before[@]}" | sort -u | wc -l)
((members == 3)) || fail "40 clients used $members members, expected all 3"
pass "40 clients spread over 3 members, each after a COOKIE round trip"
sleep 1.2  # counters are published once a second
kill -HUP "$daemon"  # a reload also makes the next counter line current
for _ in $(seq 30); do grep -q msg=reloaded "$work/log" && break; sleep 0.1; done

# --- drain m2 by reload: only m2's clients move
write_config drain ""
kill -HUP "$daemon"
for _ in $(seq 30); do (($(grep -c msg=reloaded "$work/log") >= 2)) && break; sleep 0.1; done
(($(grep -c msg=reloaded "$work/log") >= 2)) || fail "no reload logged"
moved=0 stayed=0
for i in "${!before[@]}"; do
  now=$("$ask" 127.0.0.1 --port "$port" --from "127.0.0.$i") || fail "client 127.0.0.$i after reload: $now"
  [[ $now == "redirect 198.51.100.12" ]] && fail "client 127.0.0.$i still sent to drained m2"
  if [[ ${before[$i]} == "redirect 198.51.100.12" ]]; then
    moved=$((moved + 1))
  else
    [[ $now == "${before[$i]}" ]] || fail "client 127.0.0.$i of ${before[$i]} moved to $now"
    stayed=$((stayed + 1))
  fi
done
((moved > 0)) || fail "m2 had no clients to move"
pass "drain by SIGHUP: m2's $moved clients moved, the other $stayed stayed put"

# --- a broken file on reload keeps the running configuration
echo 'this is not toml = = =' >>"$work/ikesteer.toml"
kill -HUP "$daemon"
for _ in $(seq 30); do grep -q "reload failed" "$work/log" && break; sleep 0.1; done
grep -q "msg=\"reload failed, keeping the running configuration\"" "$work/log" ||
  fail "bad reload not reported"
grep -q "ikesteer.toml:2[0-9]:" "$work/log" || fail "bad reload does not name file:line"
for i in 10 11 12; do
  now=$("$ask" 127.0.0.1 --port "$port" --from "127.0.0.$i") || fail "no answer after a bad reload"
  [[ $now != "redirect 198.51.100.12" ]] || fail "bad reload undid the drain"
done
pass "a broken file on SIGHUP is logged with its position and the daemon keeps serving"

# --- SIGTERM: clean exit with a counter summary
kill -TERM "$daemon"
status=0
wait "$daemon" || status=$?
daemon=""
((status == 0)) || fail "exit status $status after SIGTERM"
summary=$(grep 'sub=ike msg=counters' "$work/log" | tail -n 1)
[[ $summary == *reply.cookie=* && $summary == *reply.redirect=* ]] ||
  fail "no cookie/redirect counters in: $summary"
pass "SIGTERM: exit 0, $summary"
