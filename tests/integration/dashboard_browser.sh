#!/usr/bin/env bash
# The dashboard in a real browser: the daemon on loopback with an [http] table and three members
# whose exec probes test for files this script controls; headless Chromium (driven over the
# DevTools protocol by dashboard_browser.py) loads the page and checks that
#   - the member table shows m1, m2 and m3, all up, and the event stream is live;
#   - m2 shown down when its probe target goes away (the file is removed), and m3 shown
#     draining after POST /api/v1/members/m3/drain with the bearer token: both without a reload,
#     each with its event in the timeline;
#   - without EventSource the page polls and shows the same;
#   - the pool table (m1 and m2 in pool east, m3 in west) shows each pool's eligible members
#     and east's redirects, and follows both changes (east 1 of 2, west 0 of 1);
#   - the page asks nothing of any other origin, throws nothing and logs no error;
#   - in cluster mode (the same configuration with a [cluster] table, one etcd on loopback) the
#     header's cluster line says this instance leads and acts and etcd is reachable, then, once
#     etcd is stopped, that etcd is unreachable and the instance no longer acts (a leader cut
#     off acts until its lease could run out), without a reload.
# Screenshots go to the artifacts folder (default: the work folder): dashboard_before.png (all
# up), dashboard_after.png and dashboard_cluster.png; their paths are printed.
# Usage: dashboard_browser.sh --ikesteer PATH --ask PATH [--artifacts DIR]
# Needs chromium, python3-websocket and etcd (.ci/packages/dashboard.txt); exits 77 without them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
artifacts=""
while (($#)); do
  case $1 in
    --ikesteer) ikesteer=$2; shift 2 ;;
    --ask) ask=$2; shift 2 ;;
    --artifacts) artifacts=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v chromium >/dev/null || { echo "SKIP: chromium is not installed"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
command -v etcd >/dev/null || { echo "SKIP: etcd is not installed"; exit 77; }
# Debian's python3, where python3-websocket is (a python3 earlier in PATH may not have it).
python=/usr/bin/python3
[[ -x $python ]] || python=python3
"$python" -c 'import websocket' 2>/dev/null ||
  { echo "SKIP: python3-websocket is not installed"; exit 77; }

work=$(mktemp -d /tmp/ikesteer-dashboard.XXXXXX)
artifacts=${artifacts:-$work}
mkdir -p "$artifacts"
daemon=""
etcd_pid=""
cleanup() {
  local pid
  for pid in ${clients:-} $daemon $etcd_pid; do
    if kill "$pid" 2>/dev/null; then wait "$pid" 2>/dev/null || true; fi
  done
  if [[ ${failed:-0} == 1 ]]; then
    echo "--- daemon log (tail)"; tail -n 40 "$work/log" 2>/dev/null
    echo "--- chromium log (tail)"; tail -n 20 "$work/chromium.log" 2>/dev/null
    [[ -z $etcd_pid ]] || { echo "--- etcd log (tail)"; tail -n 20 "$work/etcd.log" 2>/dev/null; }
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { failed=1; echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# Free loopback ports for IKE (UDP) and HTTP (TCP).
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    [[ -z $(ss -Hlnut "sport = :$p") ]] && { echo "$p"; return; }
  done
  fail "no free port"
}
ike_port=$(free_port)
http_port=$(free_port)
token="dashboard-test-$RANDOM$RANDOM"

{
  cat <<TOML
[ike]
listen = ["127.0.0.1"]
ports = [$ike_port]
threads = 1
[http]
listen = ["127.0.0.1:$http_port"]
token = "$token"
[health]
interval = 0.2
interval_down = 0.2
interval_transition = 0.2
rise = 1
fall = 1
[failover]
hook = ["/bin/true"]
hook_timeout = 1.0
fencing = 0.5
[topology]
default = ["east", "west"]
TOML
  for i in 1 2 3; do
    touch "$work/m$i-up"
    cat <<TOML
[[member]]
name = "m$i"
addresses = ["198.51.100.1$i"]
pool = "$([[ $i == 3 ]] && echo west || echo east)"
failover = "$([[ $i == 2 ]] && echo member:m1 || echo none)"
[[member.probe]]
type = "exec"
command = ["/bin/sh", "-c", "test -e $work/m$i-up"]
TOML
  done
} >"$work/ikesteer.toml"
out=$("$ikesteer" --check-config "$work/ikesteer.toml" 2>&1) || fail "config refused: $out"

url="http://127.0.0.1:$http_port/"
# start_daemon <config>: the daemon, ready (/readyz) within 10 s.
start_daemon() {
  "$ikesteer" --config "$1" >/dev/null 2>>"$work/log" &
  daemon=$!
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "${url}readyz" 2>/dev/null && return 0
    kill -0 "$daemon" 2>/dev/null || fail "the daemon exited"
    sleep 0.1
  done
  fail "the daemon is not ready on $url"
}
start_daemon "$work/ikesteer.toml"
pass "daemon ready: IKE on 127.0.0.1:$ike_port, dashboard on $url"

# Clients, so the page has decisions to explain and a chart to draw: ten at once, then one
# every 0.2 s (for at most 60 s) while the browser looks.
for i in $(seq 10 19); do
  "$ask" 127.0.0.1 --port "$ike_port" --from "127.0.0.$i" >/dev/null || fail "client 127.0.0.$i"
done
pass "10 clients redirected"
for i in $(seq 20 319); do
  "$ask" 127.0.0.1 --port "$ike_port" --from "127.0.$((i / 250)).$((i % 250 + 2))" >/dev/null 2>&1
  sleep 0.2
done >/dev/null 2>&1 &
clients=$!

status=0
"$python" "$here/dashboard_browser.py" --url "$url" --members m1,m2,m3 --work "$work" \
  --before "$artifacts/dashboard_before.png" --after "$artifacts/dashboard_after.png" \
  --step m2=down "rm -f '$work/m2-up'" \
  --step m3=draining "curl -fsS -o /dev/null -X POST -H 'Authorization: Bearer $token' \
      -H 'Content-Type: application/json' -d '{\"reason\":\"browser test\"}' \
      ${url}api/v1/members/m3/drain" \
  --pools "east=2 of 2,west=1 of 1" --pools-after "east=1 of 2,west=0 of 1" || status=$?
((status == 77)) && { echo "SKIP: the browser could not be started"; exit 77; }
((status == 0)) || fail "the browser checks failed (exit $status)"
pass "the page showed m1..m3 up, then m2 down and m3 draining without a reload, and its pools"

# Cluster mode: the same configuration on one etcd (client and peer ports on loopback).
kill "$daemon" && { wait "$daemon" 2>/dev/null || true; }
daemon=""
etcd_port=$(free_port)
peer_port=$(free_port)
etcd --name dash --data-dir "$work/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" \
  --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "dash=http://127.0.0.1:$peer_port" >"$work/etcd.log" 2>&1 &
etcd_pid=$!
for _ in $(seq 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$etcd_port/health" 2>/dev/null && break
  kill -0 "$etcd_pid" 2>/dev/null || fail "etcd exited"
  sleep 0.1
done
{
  cat "$work/ikesteer.toml"
  printf '[cluster]\ninstance = "d1"\nendpoints = ["http://127.0.0.1:%s"]\nlease_ttl = 2.0\n' \
    "$etcd_port"
} >"$work/cluster.toml"
out=$("$ikesteer" --check-config "$work/cluster.toml" 2>&1) || fail "config refused: $out"
start_daemon "$work/cluster.toml"
pass "daemon ready in cluster mode (etcd on 127.0.0.1:$etcd_port)"
status=0
"$python" "$here/dashboard_browser.py" --url "$url" --work "$work" \
  --after "$artifacts/dashboard_cluster.png" \
  --cluster "instance d1 (leader, acting) · etcd reachable" \
  --cluster-after "kill $etcd_pid" \
  "etcd UNREACHABLE: answering from the last shared state, not acting" || status=$?
((status == 77)) && { echo "SKIP: the browser could not be started"; exit 77; }
((status == 0)) || fail "the browser checks of the cluster line failed (exit $status)"
pass "the cluster line showed d1 leading with etcd reachable, then etcd unreachable, not acting"
echo "screenshots: $artifacts/dashboard_before.png $artifacts/dashboard_after.png $artifacts/dashboard_cluster.png"
