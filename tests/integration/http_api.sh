#!/usr/bin/env bash
# The operator HTTP API of a running daemon, over real HTTP on loopback (no root needed):
#   /healthz, /readyz, status and members JSON, a member going down and up as its exec probe's
#   target disappears and comes back;
#   writes: 401 without credentials, 403 with a wrong token, a drain with the right token that
#   changes the member's state and is an event with who/what/why, undrain, weight;
#   bad JSON and wrong types -> 400, an unknown member -> 404, an oversized body -> 413, and the
#   daemon unaffected; a slow client that never finishes its request is cut off by
#   read_timeout; decisions, counters, rates, addresses; `promtool check metrics` on the live
#   /metrics; a second daemon without a token is read-only (403); SIGTERM exits 0.
# Usage: http_api.sh --ikesteer PATH [--ask PATH]
# Tools: curl, jq, python3, promtool (Debian: prometheus); see .ci/packages/integration.txt.
set -euo pipefail

ikesteer="" ask=""
while (($#)); do
  case $1 in
    --ikesteer) ikesteer=$2; shift 2 ;;
    --ask) ask=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x $ikesteer ]] || { echo "usage: $0 --ikesteer PATH [--ask PATH]" >&2; exit 2; }
for tool in curl jq python3 promtool; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

work=$(mktemp -d /tmp/ikesteer-http.XXXXXX)
daemons=()
cleanup() {
  local pid
  for pid in "${daemons[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  if [[ ${failed:-0} == 1 ]]; then
    echo "--- daemon log"
    cat "$work/log" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { failed=1; echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

ike_port=$((20000 + RANDOM % 20000))
http_port=$((20000 + RANDOM % 20000))
[[ $http_port != "$ike_port" ]] || http_port=$((ike_port + 1))
token="integration-$RANDOM$RANDOM-token"
base="http://127.0.0.1:$http_port"

# write_config <file> <ike port> <http port> <token>
write_config() {
  cat >"$1" <<TOML
[ike]
listen = ["127.0.0.1"]
ports = [$2]
threads = 1
[health]
interval = 0.2
interval_down = 0.2
interval_transition = 0.1
timeout = 2.0
rise = 1
fall = 1
[http]
listen = ["127.0.0.1:$3"]
token = "$4"
max_connections = 16
max_body_bytes = 1024
read_timeout = 1.0
write_timeout = 5.0
[[member]]
name = "m1"
addresses = ["198.51.100.11"]
[[member.probe]]
type = "exec"
command = ["/bin/sh", "-c", "test -e $work/m1-up"]
[[member]]
name = "m2"
addresses = ["198.51.100.12"]
[[member.probe]]
type = "exec"
command = ["/bin/sh", "-c", "test -e $work/m2-up"]
[[member]]
name = "m3"
addresses = ["198.51.100.13"]
TOML
}

# req <method> <path> [curl arguments...]: sets $code and $body ($work/headers has the headers).
code="" body=""
req() {
  local method=$1 path=$2
  shift 2
  body=$(curl -sS --noproxy '*' --max-time 5 -X "$method" -D "$work/headers" \
    -o - -w '\n%{http_code}' "$@" "$base$path") || fail "curl $method $path failed"
  code=${body##*$'\n'}
  body=${body%$'\n'*}
}
auth=(-H "Authorization: Bearer $token")
# expect <status> <what>: the last request's status.
expect() { [[ $code == "$1" ]] || fail "$2: status $code, expected $1: $body"; }
# check <jq expression> <what>: true for the last body.
check() { jq -e "$1" >/dev/null <<<"$body" || fail "$2: jq '$1' is false for: $body"; }
# member_field <name> <jq path>
member_field() { curl -sS --noproxy '*' --max-time 5 "$base/api/v1/members/$1" | jq -r "$2"; }
# wait_member <name> <state>: up to 10 s.
wait_member() {
  local _
  for _ in $(seq 100); do
    [[ $(member_field "$1" .state) == "$2" ]] && return 0
    sleep 0.1
  done
  fail "member $1 did not become $2 (is $(member_field "$1" .state))"
}

# --- config and start
touch "$work/m1-up" "$work/m2-up"
write_config "$work/ikesteer.toml" "$ike_port" "$http_port" "$token"
out=$("$ikesteer" --check-config "$work/ikesteer.toml" 2>&1) ||
  fail "the daemon refuses the [http] config: $out"
"$ikesteer" --config "$work/ikesteer.toml" 2>"$work/log" &
daemon=$!
daemons+=("$daemon")
for _ in $(seq 100); do
  curl -sf --noproxy '*' --max-time 1 "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || fail "daemon exited"
  sleep 0.1
done
req GET /healthz
expect 200 "/healthz"
[[ $body == ok* ]] || fail "/healthz body: $body"
for _ in $(seq 100); do
  req GET /readyz
  [[ $code == 200 ]] && break
  sleep 0.1
done
expect 200 "/readyz after the first verdicts"
pass "/healthz 200 ok, /readyz 200 once every member has a verdict"

# --- status and members
req GET /api/v1/status
expect 200 "status"
[[ $(grep -i '^content-type:' "$work/headers") == *application/json* ]] || fail "status not JSON"
check '.version | type == "string" and length > 0' "status version"
check '.ready == true and .writable == true' "status ready/writable"
check '.members.total == 3 and .members.up == 3' "status member counts"
check '.uptime_seconds >= 0 and (.started | test("^[0-9-]+T[0-9:.]+Z$"))' "status times"
check '.totals | has("ike_received") and has("redirects") and has("probes_ok")' "status totals"
req GET /api/v1/members
expect 200 "members"
check '[.members[].name] == ["m1", "m2", "m3"]' "member names"
check '.members[0] | .state == "up" and .checks[0].check == "exec" and .checks[0].state == "up"
       and .checks[0].ok > 0 and (.checks[0].latency_ms | type == "number")' "m1 and its check"
check '.members[2] | .reason == "no checks" and .addresses == ["198.51.100.13"]' "m3"
check 'all(.members[]; has("weight") and has("capacity") and has("reported_load")
       and has("operator_state") and has("since") and has("redirects") and has("moved_away"))' \
  "member fields"
req GET /api/v1/members/nope
expect 404 "unknown member"
pass "status and members JSON"

# --- a probe target disappears and comes back
rm "$work/m1-up"
wait_member m1 down
reason=$(member_field m1 .reason)
[[ $reason == *exec* ]] || fail "m1 down for a reason that does not name the check: $reason"
req GET /api/v1/status
check '.members.down == 1' "status counts a down member"
touch "$work/m1-up"
wait_member m1 up
pass "m1 went down when its probe target disappeared ($reason) and came back"

# --- auth
req POST /api/v1/members/m2/drain -d '{"reason":"x"}'
expect 401 "drain without credentials"
grep -qi '^www-authenticate: Bearer' "$work/headers" || fail "401 without WWW-Authenticate: Bearer"
req POST /api/v1/members/m2/drain -H "Authorization: Bearer wrong-$token" -d '{"reason":"x"}'
expect 403 "drain with a wrong token"
check '.error | type == "string"' "403 error body"
[[ $(member_field m2 .state) == up ]] || fail "a refused drain changed m2"
pass "writes: 401 with WWW-Authenticate without a token, 403 with a wrong one, nothing changed"

# --- drain, with who/what/why in the events
req GET /api/v1/events
last=$(jq -r .last <<<"$body")
req POST /api/v1/members/m2/drain "${auth[@]}" -H 'Content-Type: application/json' \
  -d '{"reason":"kernel update, ticket 42"}'
expect 200 "drain"
check '.ok == true and .member == "m2" and .action == "drain"' "drain answer"
wait_member m2 draining
[[ $(member_field m2 .operator_state) == drain ]] || fail "m2's operator state is not drain"
req GET "/api/v1/events?after=$last"
expect 200 "events"
check 'any(.events[]; .subject == "m2" and (.fields.who // "" | contains("127.0.0.1"))
       and (.fields.action // .message | contains("drain"))
       and (.fields.why // .message | contains("kernel update, ticket 42")))' \
  "an event for the drain with who/what/why"
check 'any(.events[]; .kind == "member_state" and .subject == "m2"
       and (.fields.to // .message | contains("draining")))' "m2's state change event"
check 'all(.events[]; .id > '"$last"')' "events after N"
req GET /metrics
expect 200 "metrics"
grep -qx 'ikesteer_member_state{member="m2",state="draining"} 1' <<<"$body" ||
  fail "metrics do not show m2 draining"
pass "drain with the right token: m2 draining, event with who=127.0.0.1, what and why"

req POST /api/v1/members/m2/undrain "${auth[@]}"
expect 200 "undrain (no body)"
wait_member m2 up
req POST /api/v1/members/m3/weight "${auth[@]}" -d '{"weight": 2.5, "reason": "bigger box"}'
expect 200 "weight"
for _ in $(seq 50); do [[ $(member_field m3 .weight) == 2.5 ]] && break; sleep 0.1; done
[[ $(member_field m3 .weight) == 2.5 ]] || fail "m3's weight is $(member_field m3 .weight)"
pass "undrain without a body, weight 2.5"

# --- bad requests
req POST /api/v1/members/m2/drain "${auth[@]}" -d '{"reason": '
expect 400 "bad JSON"
check '.error | startswith("body: not JSON")' "bad JSON message"
req POST /api/v1/members/m2/drain "${auth[@]}" -d '{"reason": 42}'
expect 400 "reason of the wrong type"
check '.error == "body: \"reason\" must be a string, not number"' "wrong type message"
req POST /api/v1/members/m3/weight "${auth[@]}" -d '{"weight": "heavy"}'
expect 400 "weight of the wrong type"
req POST /api/v1/members/ghost/drain "${auth[@]}" -d '{}'
expect 404 "drain of an unknown member"
check '.error | type == "string"' "404 error body"
req POST /api/v1/members/m2/reboot "${auth[@]}"
expect 404 "unknown action"
req GET "/api/v1/events?after=x"
expect 400 "bad event id"
[[ $(member_field m2 .state) == up ]] || fail "a bad request changed m2"
pass "bad JSON and wrong types 400, unknown member and action 404, nothing changed"

head -c 4096 /dev/zero | tr '\0' 'x' >"$work/big"
req POST /api/v1/members/m2/drain "${auth[@]}" --data-binary "@$work/big"
expect 413 "oversized body"
req GET /api/v1/status
expect 200 "status after an oversized body"
[[ $(member_field m2 .state) == up ]] || fail "an oversized request changed m2"
pass "a 4096-byte body (max_body_bytes 1024) is 413 and the daemon answers on"

# --- a slow client is cut off by read_timeout (1 s)
elapsed=$(python3 - "$http_port" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: slow\r\nX-Never: ends")  # no end of headers
s.settimeout(10)
start = time.monotonic()
try:
    while s.recv(4096):
        pass
except socket.timeout:
    print("never")
    sys.exit(0)
print("%.2f" % (time.monotonic() - start))
EOF
)
[[ $elapsed != never ]] || fail "the server kept a slow client's connection for 10 s"
python3 -c "import sys; sys.exit(0 if float('$elapsed') < 2.5 else 1)" ||
  fail "the slow client was cut off after ${elapsed}s, expected ~1 s"
req GET /healthz
expect 200 "/healthz after a slow client"
pass "a client that never finishes its request is cut off after ${elapsed}s (read_timeout 1.0)"

# --- steering views
if [[ -n $ask ]]; then
  for i in $(seq 10 19); do
    "$ask" 127.0.0.1 --port "$ike_port" --from "127.0.0.$i" >/dev/null ||
      fail "client 127.0.0.$i got no redirect"
  done
  sleep 1.5  # counters are published once a second
  req GET /api/v1/decisions
  check '(.decisions | length) > 0 and all(.decisions[]; .member != "" and .reason != "")' \
    "recent decisions"
  req GET /api/v1/counters
  check '.ike.replies.redirect >= 10 and (.redirects | add) >= 10' "redirect counters"
fi
req GET "/api/v1/decision?client=203.0.113.7"
expect 200 "decision"
check '(.member | IN("m1", "m2", "m3")) and .reason == "hash_owner" and (.ranking | length) == 3' \
  "decision for 203.0.113.7"
req GET "/api/v1/decision?client=2001:db8::7"
expect 200 "decision for an IPv6 client"
req GET "/api/v1/decision?client=not-an-address"
expect 400 "decision for a bad address"
req GET /api/v1/counters
check '.ike.drops | has("malformed") and has("rate_limited")' "IKE drops by name"
check '.dns.responses | has("nxdomain")' "DNS rcodes by name"
check '.health.probes_ok > 0' "health counters"
req GET /api/v1/rates
check '(.points | length) > 0 and all(.points[]; has("redirects") and has("dns_queries"))' "rates"
req GET /api/v1/addresses
check '[.addresses[].address] | sort == ["198.51.100.11", "198.51.100.12", "198.51.100.13"]' \
  "addresses"
check 'all(.addresses[]; .holder == .home)' "every address at home"
pass "decision, decisions, counters, rates and addresses"

# --- metrics
req GET /metrics
expect 200 "metrics"
[[ $(grep -i '^content-type:' "$work/headers") == *"version=0.0.4"* ]] ||
  fail "metrics content type: $(grep -i '^content-type:' "$work/headers")"
printf '%s\n' "$body" >"$work/metrics"
promtool check metrics <"$work/metrics" >"$work/promtool" 2>&1 ||
  fail "promtool check metrics: $(cat "$work/promtool")"
for family in ikesteer_build_info ikesteer_ike_received_total ikesteer_ike_replies_total \
  ikesteer_ike_drops_total ikesteer_redirects_total ikesteer_dns_queries_total \
  ikesteer_dns_responses_total ikesteer_dns_drops_total ikesteer_dns_rrl_total \
  ikesteer_member_state ikesteer_member_transitioning ikesteer_probe_results_total \
  ikesteer_probe_latency_seconds ikesteer_address_owner ikesteer_agent_reports_total \
  ikesteer_start_time_seconds; do
  grep -q "^# TYPE $family " "$work/metrics" || fail "no $family in /metrics"
done
grep -qE '^ikesteer_probe_results_total\{member="m1",check="exec",result="failed"\} [1-9]' \
  "$work/metrics" || fail "m1's failed probes are not counted"
pass "promtool check metrics passes on the live /metrics ($(grep -vc '^#' "$work/metrics") series)"

# --- a daemon without a token is read-only
ro_ike=$((ike_port + 2)) ro_http=$((http_port + 2))
write_config "$work/read-only.toml" "$ro_ike" "$ro_http" ""
"$ikesteer" --config "$work/read-only.toml" 2>"$work/read-only.log" &
daemons+=("$!")
base_rw=$base
base="http://127.0.0.1:$ro_http"
for _ in $(seq 100); do
  curl -sf --noproxy '*' --max-time 1 "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
req POST /api/v1/members/m2/drain "${auth[@]}" -d '{}'
expect 403 "drain on a read-only API"
check '.error == "read-only: no api token configured"' "read-only message"
req GET /api/v1/status
check '.writable == false' "status of a read-only API"
base=$base_rw
pass "without a token the API is read-only (403)"

# --- SIGTERM
kill -TERM "$daemon"
status=0
wait "$daemon" || status=$?
daemons=("${daemons[@]:1}")
((status == 0)) || fail "exit status $status after SIGTERM"
pass "SIGTERM: exit 0 with the HTTP side running"
