#!/usr/bin/env bash
# Self-test of cluster_lib.sh with stand-ins for ikesteer (not registered in ctest): an etcd
# cluster of three (put/get, leases, elections, one member killed and restarted), keepalived
# moving a VIP between two hosts when their track command starts failing, an ECMP route
# skipping a dead host, and the audit hook. Prints the figures it measures.
#
# Usage: sudo tests/integration/cluster_lib_selftest.sh [etcd] [vrrp] [ecmp] [audit]
#   (default: all). CL_VRRP_TRACK_MS=200 to test the polled track (a tracked interface).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=cluster_lib.sh
source "$HERE/cluster_lib.sh"

PARTS=("$@")
((${#PARTS[@]})) || PARTS=(etcd vrrp ecmp audit)

it_init cluster_lib_selftest
trap 'echo "ERR at line $LINENO: $BASH_COMMAND" >&2' ERR
it_topology_init
it_host_add e1 192.0.2.21
it_host_add e2 192.0.2.22
it_host_add e3 192.0.2.23
it_host_add f1 192.0.2.11
it_host_add f2 192.0.2.12
it_host_add client 203.0.113.100
it_wait_for 5 "client to reach f2" it_ping client 192.0.2.12

VIP=198.51.100.100
declare -a FIGURES=()
figure() {
  FIGURES+=("$*")
  it_log "FIGURE: $*"
}

# udp_echo <host> <address> <port>: a python3 UDP server answering each datagram with the host's
# name; registered for cleanup. Its pid in ECHO_PID.
udp_echo() {
  local ns
  ns=$(it_ns "$1")
  ip netns exec "$ns" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_IP, 15, 1)  # IP_FREEBIND: the VIP may not be here yet
s.bind((sys.argv[1], int(sys.argv[2])))
name = sys.argv[3].encode()
while True:
    _, peer = s.recvfrom(2048)
    s.sendto(name, peer)
' "$2" "$3" "$1" >"$IT_WORK/echo-$1.log" 2>&1 </dev/null &
  ECHO_PID=$!
  IT_PIDS+=("$ECHO_PID")
}

# udp_ask <client-host> <address> <port> [<sport>]: one datagram from the client (from a given or
# random source port, i.e. a new flow); prints who answered within 200 ms ("" if no one).
udp_ask() {
  it_exec "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", int(sys.argv[3]) if len(sys.argv) > 3 else 0))
s.settimeout(0.2)
s.sendto(b"?", (sys.argv[1], int(sys.argv[2])))
try:
    print(s.recv(100).decode())
except OSError:
    pass
' "${@:2}" 2>/dev/null || true
}

# --------------------------------------------------------------------------- etcd
key_gone() {
  local v
  v=$(cl_etcdctl get --print-value-only "$1") || return 1
  [[ -z "$v" ]]
}

part_etcd() {
  cl_etcd_start e1 e2 e3
  figure "etcd: 3-member cluster healthy ${CL_ETCD_START_MS} ms after start"
  cl_etcdctl put /ikesteer/test hello >/dev/null || it_fail "etcdctl put failed"
  [[ $(cl_etcdctl get --print-value-only /ikesteer/test) == hello ]] || it_fail "etcdctl get"
  # Each member serves the same data.
  local h
  for h in e1 e2 e3; do
    [[ $(ETCDCTL_ENDPOINTS=$(cl_etcd_endpoint "$h") cl_etcdctl get --print-value-only \
      /ikesteer/test) == hello ]] || it_fail "member $h does not serve the value"
  done

  # Leases: the minimum TTL with a 500 ms election timeout.
  local lease ttl
  lease=$(cl_etcdctl lease grant 1 | awk '{ print $2 }')
  ttl=$(cl_etcdctl lease timetolive "$lease" | sed -nE 's/.*remaining\(([0-9-]+)s\).*/\1/p')
  it_log "lease $lease granted with TTL 1: remaining ${ttl}s"
  lease=$(cl_etcdctl lease grant 2 | awk '{ print $2 }')
  cl_etcdctl put --lease="$lease" /ikesteer/ephemeral x >/dev/null
  local t0
  t0=$(it_now_ms)
  it_wait_for 5 "the key of a 2 s lease to expire" key_gone /ikesteer/ephemeral
  figure "etcd: key on a 2 s lease gone $(($(it_now_ms) - t0)) ms after the put"

  # Elections: two campaigners, one leader; kill it, the other wins.
  cl_etcdctl_bg "$IT_WORK/elect-a.out" elect /ikesteer/leader a
  local pa=$CL_LAST_PID
  it_wait_for 5 "campaigner a to lead" it_file_has "$IT_WORK/elect-a.out" '^/ikesteer/leader/'
  cl_etcdctl_bg "$IT_WORK/elect-b.out" elect /ikesteer/leader b
  local pb=$CL_LAST_PID
  sleep 0.5
  ! it_file_has "$IT_WORK/elect-b.out" '^/ikesteer/leader/' || it_fail "two leaders"
  [[ $(cl_etcdctl get --prefix --print-value-only /ikesteer/leader/ | head -n 1) == a ]] ||
    it_fail "the first election key is not a's"
  # SIGKILL: a's lease (60 s default for elect) stays; revoke would be a clean resign. Resign
  # with SIGINT (etcdctl elect resigns on interrupt).
  kill -INT "$pa"
  t0=$(it_now_ms)
  it_wait_for 5 "campaigner b to lead after a resigned" it_file_has "$IT_WORK/elect-b.out" '^/ikesteer/leader/'
  figure "etcd: election handed over $(($(it_now_ms) - t0)) ms after the leader resigned"

  # Kill one member (the raft leader, the worst case): the cluster keeps its quorum.
  local leader
  leader=$(cl_etcd_leader)
  [[ -n "$leader" ]] || it_fail "no raft leader"
  cl_etcd_kill "$leader"
  t0=$(it_now_ms)
  local others=()
  for h in e1 e2 e3; do [[ "$h" == "$leader" ]] || others+=("$h"); done
  CL_ETCDCTL_HOST=${others[0]}
  it_wait_for 10 "the two remaining members to be healthy" cl_etcd_healthy "${others[@]}"
  figure "etcd: raft leader $leader killed, quorum of 2 healthy again after $(($(it_now_ms) - t0)) ms"
  cl_etcdctl put /ikesteer/after-kill yes >/dev/null || it_fail "put failed with 2 of 3 members"
  ! cl_etcd_healthy "$leader" || it_fail "killed member still healthy"
  cl_etcd_restart "$leader"
  [[ $(ETCDCTL_ENDPOINTS=$(cl_etcd_endpoint "$leader") cl_etcdctl get --print-value-only \
    /ikesteer/after-kill) == yes ]] || it_fail "restarted $leader did not catch up"
  it_log "restarted $leader caught up; new raft leader $(cl_etcd_leader)"
  it_wait_for 5 "all members healthy" cl_etcd_healthy
  # Two members down: no quorum, writes fail (bounded by --command-timeout).
  cl_etcd_kill "${others[0]}"
  cl_etcd_kill "${others[1]}"
  CL_ETCDCTL_HOST=$leader
  ! cl_etcdctl --command-timeout=1s put /ikesteer/no-quorum x >/dev/null 2>&1 ||
    it_fail "a write succeeded without a quorum"
  it_stop_pid "$pb" 2
  cl_etcd_stop_all
  CL_ETCDCTL_HOST=""

  cl_ikesteer_cluster_conf --advertise http://192.0.2.11:8080 f1 3 >"$IT_WORK/cluster.toml"
  cat "$IT_WORK/cluster.toml" >&2
  grep -qx 'endpoints = \["http://192.0.2.21:2379", "http://192.0.2.22:2379", "http://192.0.2.23:2379"\]' \
    "$IT_WORK/cluster.toml" || it_fail "endpoints line"
  grep -qx 'lease_ttl = 3.0' "$IT_WORK/cluster.toml" || it_fail "lease_ttl line"
  if python3 -c 'import tomllib' 2>/dev/null; then
    python3 -c 'import sys, tomllib; c = tomllib.load(open(sys.argv[1], "rb"))["cluster"]; assert c["instance"] == "f1" and c["lease_ttl"] == 3.0 and len(c["endpoints"]) == 3 and c["prefix"] == "/ikesteer/" and c["advertise"], c' \
      "$IT_WORK/cluster.toml" || it_fail "the [cluster] table does not parse as expected"
  fi
}


# elapsed_until <timeout-seconds> <description> <command...>: poll every 20 ms; prints the ms
# from $T0 until the command succeeded; fails the test on timeout.
elapsed_until() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((T0 + timeout * 1000))
  while ! "$@" >/dev/null 2>&1; do
    (($(it_now_ms) <= deadline)) || it_fail "timed out after ${timeout}s waiting for $what"
    sleep 0.02
  done
  echo $(($(it_now_ms) - T0))
}

# prober_start <host> <address> <port> <out-file>: a python3 loop in the host that every 20 ms
# sends one datagram from a new socket (a new source port: a new flow) and writes one line per
# datagram when it is answered or 300 ms passed: "<sent-ms> <sport> <who answered | ->".
# Its pid in PROBER_PID.
prober_start() {
  it_exec "$1" python3 -c '
import selectors, socket, sys, time
addr, port, out = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "a", buffering=1)
sel = selectors.DefaultSelector()
pending = {}
nxt = time.time()
while True:
    now = time.time()
    if now >= nxt:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        try:
            s.sendto(b"?", (addr, port))
        except OSError:
            pass
        pending[s] = now
        sel.register(s, selectors.EVENT_READ)
        nxt += 0.02
    for key, _ in sel.select(max(0, min(nxt - time.time(), 0.02))):
        s = key.fileobj
        try:
            who = s.recv(100).decode()
        except OSError:
            continue
        out.write("%d %d %s\n" % (pending[s] * 1000, s.getsockname()[1], who))
        sel.unregister(s); del pending[s]; s.close()
    for s, t in list(pending.items()):
        if time.time() - t > 0.3:
            out.write("%d %d -\n" % (t * 1000, s.getsockname()[1]))
            sel.unregister(s); del pending[s]; s.close()
' "$2" "$3" "$4" >/dev/null 2>&1 </dev/null &
  PROBER_PID=$!
  IT_PIDS+=("$PROBER_PID")
}

# first_answer_after <file> <t0> <who>: ms from t0 to the first datagram sent after t0 that <who>
# answered, if every later one was answered by <who> as well ("" otherwise).
first_answer_after() {
  sort -n "$1" | awk -v t0="$2" -v w="$3" '$1 >= t0 { if ($3 == w) { if (f == "") f = $1 } else f = "" }
    END { if (f != "") print f - t0 }'
}

answers() { [[ "$(udp_ask "$1" "$2" "$3")" == "$4" ]]; }
neigh_is() { [[ "$(cl_neigh_mac "$1" "$2")" == "$3" ]]; }

# --------------------------------------------------------------------------- VRRP
part_vrrp() {
  local mode="vrrp_script, 1 s" t_vip t_mac t_ans mac1 mac2 e1pid
  ((CL_VRRP_TRACK_MS > 0)) && mode="track interface polled every ${CL_VRRP_TRACK_MS} ms"
  mac1=$(cl_mac_of f1)
  mac2=$(cl_mac_of f2)
  # Stand-ins for ikesteer: UDP servers on the VIP (IP_FREEBIND: bound before the VIP is there).
  udp_echo f1 "$VIP" 500
  e1pid=$ECHO_PID
  udp_echo f2 "$VIP" 500
  cl_vrrp_start f1 150 "$VIP" kill -0 "$e1pid"
  cl_vrrp_start f2 100 "$VIP" kill -0 "$ECHO_PID"
  it_wait_for 10 "f1 to hold $VIP" cl_vrrp_is_holder "$VIP" f1 f1 f2
  it_wait_for 5 "the client to reach f1 on $VIP" answers client "$VIP" 500 f1
  [[ $(cl_vrrp_state f2) == BACKUP ]] || it_fail "f2 is $(cl_vrrp_state f2), expected BACKUP"
  [[ $(cl_neigh_mac client "$VIP") == "$mac1" ]] || it_fail "client's ARP entry for $VIP is not f1's"

  # 1. f1's service dies: its track command fails.
  local probes="$IT_WORK/vrrp-probes.txt"
  prober_start client "$VIP" 500 "$probes"
  it_wait_for 5 "the prober to get answers from f1" it_file_has "$probes" ' f1$'
  T0=$(it_now_ms)
  kill -KILL "$e1pid"
  wait "$e1pid" 2>/dev/null || true
  t_vip=$(elapsed_until 10 "f2 to hold $VIP" cl_vrrp_is_holder "$VIP" f2 f1 f2)
  # Gratuitous ARPs moved the client's entry (it never had to ask, it had a valid one).
  t_mac=$(elapsed_until 5 "the client's ARP entry for $VIP to be f2's" neigh_is client "$VIP" "$mac2")
  sleep 1
  t_ans=$(first_answer_after "$probes" "$T0" f2)
  [[ -n "$t_ans" ]] || it_fail "the prober gets no steady answers from f2: $(tail -n 5 "$probes" | tr '\n' ';')"
  figure "VRRP ($mode, advert_int $CL_VRRP_ADVERT_INT): track command failing -> VIP on f2 after $t_vip ms, client ARP entry updated by GARP after $t_mac ms, answers from f2 after $t_ans ms"
  [[ $(cl_vrrp_state f1) == FAULT ]] || it_fail "f1 is $(cl_vrrp_state f1), expected FAULT"

  # 2. f1 comes back (new service, keepalived restarted with it): it preempts.
  udp_echo f1 "$VIP" 500
  cl_vrrp_stop f1
  T0=$(it_now_ms)
  cl_vrrp_start f1 150 "$VIP" kill -0 "$ECHO_PID"
  t_vip=$(elapsed_until 10 "f1 to hold $VIP again" cl_vrrp_is_holder "$VIP" f1 f1 f2)
  t_mac=$(elapsed_until 5 "the client's ARP entry for $VIP to be f1's" neigh_is client "$VIP" "$mac1")
  figure "VRRP: f1's keepalived started again -> VIP back on f1 (preempt) after $t_vip ms, client ARP after $t_mac ms"

  # 3. f1 dies as a host: keepalived SIGKILLed and its link cut. The VIP stays on f1's (dead)
  # interface; f2 takes over when the adverts stop.
  T0=$(it_now_ms)
  cl_vrrp_kill f1
  it_link_set f1 down
  t_vip=$(elapsed_until 10 "f2 to hold $VIP after f1 died" it_has_address f2 "$VIP")
  t_mac=$(elapsed_until 5 "the client's ARP entry for $VIP to be f2's" neigh_is client "$VIP" "$mac2")
  sleep 1
  t_ans=$(first_answer_after "$probes" "$T0" f2)
  [[ -n "$t_ans" ]] || it_fail "the prober gets no steady answers from f2: $(tail -n 5 "$probes" | tr '\n' ';')"
  figure "VRRP: host f1 dead (keepalived SIGKILL + link down) -> VIP on f2 after $t_vip ms (3 x advert_int + skew), client ARP after $t_mac ms, answers after $t_ans ms"
  it_stop_pid "$PROBER_PID" 1
  cl_vrrp_stop f2
  it_link_set f1 up
  ip -n "$(it_ns f1)" addr del "$VIP/32" dev eth0 2>/dev/null || true
}

# --------------------------------------------------------------------------- ECMP
EVIP=198.51.100.200

# last_failure_after <file> <t0>: ms from t0 to the last unanswered datagram sent after t0 (0 if
# none); and the number of them, as "<ms> <count>".
last_failure_after() {
  sort -n "$1" | awk -v t0="$2" '$1 >= t0 && $3 == "-" { l = $1; n++ } END { print (n ? l - t0 : 0), n + 0 }'
}

# ecmp_round <label> <settle-seconds>: both hosts serve, the prober spreads flows over them;
# then f1 dies (its server killed, its link cut) and this measures how long new flows keep
# going to it. Then f1 comes back and this measures when it gets flows again, without and with a
# gratuitous ARP from it.
ecmp_round() {
  local label=$1 settle=$2 probes="$IT_WORK/ecmp-probes-${1// /-}.txt" e1 e2 last n t_back
  udp_echo f1 "$EVIP" 500
  e1=$ECHO_PID
  udp_echo f2 "$EVIP" 500
  e2=$ECHO_PID
  prober_start client "$EVIP" 500 "$probes"
  it_wait_for 5 "flows to reach f1 and f2" bash -c "grep -q ' f1\$' '$probes' && grep -q ' f2\$' '$probes'"
  # Let the client's entries settle as in a running system (REACHABLE, then STALE and confirmed).
  sleep "$settle"
  it_log "ECMP ($label): neighbour entries before the fault: $(it_exec client ip neigh show dev eth0 | tr '\n' ';')"
  T0=$(it_now_ms)
  local pre
  pre=$(awk -v t0="$T0" '$1 < t0 && $3 == "-"' "$probes" | wc -l)
  it_log "ECMP ($label): $pre flows lost while both hosts were alive"
  kill -KILL "$e1"
  wait "$e1" 2>/dev/null || true
  it_link_set f1 down
  # Done when no flow failed in the last 2 s (bounded: 80 s).
  local deadline=$((T0 + 80000))
  while :; do
    read -r last n < <(last_failure_after "$probes" "$T0")
    (($(it_now_ms) - T0 - last > 2500)) && break
    (($(it_now_ms) < deadline)) || it_fail "ECMP ($label): new flows still fail 80 s after f1 died"
    sleep 0.2
  done
  figure "ECMP ($label): dead host skipped for new flows after $last ms ($n of the flows started meanwhile, one every 20 ms, were lost); client's entry for f1: $(it_exec client ip neigh show 192.0.2.11 dev eth0)"

  # f1 returns: link up, server again. Its client entry is FAILED: no flow is sent its way
  # until something changes it.
  it_link_set f1 up
  udp_echo f1 "$EVIP" 500
  T0=$(it_now_ms)
  sleep 3
  if awk -v t0="$T0" '$1 >= t0 && $3 == "f1" { f = 1 } END { exit !f }' "$probes"; then
    figure "ECMP ($label): returned host gets flows again by itself"
  else
    figure "ECMP ($label): returned host gets no flows within 3 s (client entry: $(it_exec client ip neigh show 192.0.2.11 dev eth0))"
  fi
  T0=$(it_now_ms)
  cl_ecmp_announce f1
  it_log "cl_ecmp_announce took $(($(it_now_ms) - T0)) ms"
  t_back=$(elapsed_until 5 "flows to reach f1 again after its gratuitous ARP" \
    bash -c "awk -v t0=$T0 '\$1 >= t0 && \$3 == \"f1\" { f = 1 } END { exit !f }' '$probes'")
  figure "ECMP ($label): after a gratuitous ARP from the returned host, flows reach it after $t_back ms"
  it_stop_pid "$PROBER_PID" 1
  it_stop_pid "$ECHO_PID" 1
  it_stop_pid "$e2" 1
}

part_ecmp() {
  cl_ecmp_route client "$EVIP" f1 f2
  it_log "client route: $(it_exec client ip route show "$EVIP/32" | tr '\n' ' ')"
  # L4 hash: flows of the same addresses go both ways.
  local sp got=" " nh
  for sp in 40000 40001 40002 40003 40004 40005 40006 40007; do
    got+="$(cl_ecmp_nexthop client "$EVIP" udp "$sp" 500) "
  done
  [[ "$got" == *" 192.0.2.11 "* && "$got" == *" 192.0.2.12 "* ]] ||
    it_fail "the L4 hash does not spread flows over both next hops:$got"
  if [[ "${CL_SELFTEST_ECMP_DEFAULT:-0}" == 1 ]]; then
    ecmp_round default-timers 2
    # A FAILED entry stays: clear it for the next round.
    it_exec client ip neigh flush dev eth0
  fi
  # shellcheck disable=SC2086 # "<reachable-ms> <retrans-ms> <probes>"
  cl_ecmp_neigh_fast client ${CL_SELFTEST_NEIGH:-}
  it_exec client ip neigh flush dev eth0
  ecmp_round "fast-timers ${CL_SELFTEST_NEIGH:-1000 200 2}" 3
}

# --------------------------------------------------------------------------- audit
# call_hook <hook> <host> <action> <address> <member> <instance> <lease> <revision>: run the hook
# from the host's namespace with the environment ikesteer gives it; prints its exit status.
call_hook() {
  local rc=0
  it_exec "$2" env IKESTEER_ACTION="$3" IKESTEER_ADDRESS="$4" IKESTEER_PREFIX=32 \
    IKESTEER_MEMBER="$5" IKESTEER_INTERFACE=eth0 IKESTEER_INSTANCE="$6" \
    IKESTEER_FENCING_LEASE="$7" IKESTEER_FENCING_REVISION="$8" "$1" || rc=$?
  echo "$rc"
}

part_audit() {
  local log="$IT_WORK/audit.log" hook a=198.51.100.11 out rc
  hook=$(cl_audit_hook "$log")
  [[ -x "$hook" ]] || it_fail "cl_audit_hook wrote no executable hook"
  # f1 leads (revision 10), moves m1's address to m2; f2 takes over (revision 25) and moves it
  # back; then f1, deposed without knowing, still claims with revision 10.
  [[ $(call_hook "$hook" f1 release "$a" m1 f1 694d8a1b2c3d4e5f 10) == 0 ]] || it_fail "hook failed"
  [[ $(call_hook "$hook" f1 claim "$a" m2 f1 694d8a1b2c3d4e5f 10) == 0 ]] || it_fail "hook failed"
  sleep 0.01
  call_hook "$hook" f2 release "$a" m2 f2 694d8a1b2c3d4e70 25 >/dev/null
  call_hook "$hook" f2 claim "$a" m1 f2 694d8a1b2c3d4e70 25 >/dev/null
  cat "$log" >&2
  [[ $(wc -l <"$log") == 4 ]] || it_fail "audit log has $(wc -l <"$log") lines, expected 4"
  awk 'NR == 4 && $2 == "claim" && $3 == "198.51.100.11" && $4 == "m1" && $5 == "f2" &&
    $6 == "694d8a1b2c3d4e70" && $7 == 25 && $8 == 0 { ok = 1 } END { exit !ok }' "$log" ||
    it_fail "unexpected audit line: $(sed -n 4p "$log")"
  cl_audit_check "$log"
  [[ $(cl_audit_claims_of "$log" "$a") == 2 ]] || it_fail "cl_audit_claims_of: $(cl_audit_claims_of "$log" "$a")"
  [[ $(cl_audit_claims_of "$log" 198.51.100.12) == 0 ]] || it_fail "cl_audit_claims_of of another address"

  sleep 0.01
  call_hook "$hook" f1 claim "$a" m2 f1 694d8a1b2c3d4e5f 10 >/dev/null
  out=$( (cl_audit_check "$log") 2>&1) && it_fail "cl_audit_check passed a claim from a deposed leader"
  grep -q 'claim with revision 10 after a claim with revision 25' <<<"$out" ||
    it_fail "cl_audit_check said: $out"
  it_log "cl_audit_check refuses the late claim: $(grep FAIL <<<"$out")"

  # A claim without a fencing revision (as today's ikesteer runs the hook) is refused too.
  : >"$log"
  it_exec f1 env IKESTEER_ACTION=claim IKESTEER_ADDRESS="$a" IKESTEER_MEMBER=m2 "$hook"
  out=$( (cl_audit_check "$log") 2>&1) && it_fail "cl_audit_check passed a claim without a revision"
  grep -q 'without a fencing revision' <<<"$out" || it_fail "cl_audit_check said: $out"

  # Wrapping a real hook: its exit status is passed on and logged; a failed claim does not count.
  # shellcheck disable=SC2016 # expanded by the inner sh
  hook=$(cl_audit_hook "$IT_WORK/audit2.log" /bin/sh -c 'echo "inner hook: $IKESTEER_ACTION $0" >&2; exit 3' "arg with space")
  rc=$(call_hook "$hook" f1 claim "$a" m2 f1 1 30 2>"$IT_WORK/inner.err")
  [[ "$rc" == 3 ]] || it_fail "wrapped hook exit status $rc, expected 3"
  grep -qx 'inner hook: claim arg with space' "$IT_WORK/inner.err" || it_fail "inner hook argv/env: $(cat "$IT_WORK/inner.err")"
  [[ $(cl_audit_claims_of "$IT_WORK/audit2.log" "$a") == 0 ]] || it_fail "a failed claim was counted"
  cl_audit_check "$IT_WORK/audit2.log"
  figure "audit: hook lines, revision order check, failed claims not counted: ok"
}

for p in "${PARTS[@]}"; do
  case "$p" in
    etcd) part_etcd ;;
    vrrp) part_vrrp ;;
    ecmp) part_ecmp ;;
    audit) part_audit ;;
    *) it_fail "unknown part $p" ;;
  esac
done

printf '\nFigures:\n' >&2
printf '  %s\n' "${FIGURES[@]}" >&2
