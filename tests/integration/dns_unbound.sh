#!/usr/bin/env bash
# shellcheck disable=SC2034  # DNS_* settings are read by dns_lib.sh
# A real recursive resolver (unbound 1.17) in front of ikesteer: clients that ask their
# resolver get the cluster's member addresses, and when a member is drained (SIGHUP with a new
# configuration) the answer through the resolver changes within the cluster TTL.
#
# Topology (one bridge, documentation addresses, namespaces made by lib.sh):
#   auth      192.0.2.53     ikesteer, DNS on port 53, IKE on port 500
#   resolver  192.0.2.1      unbound, stub-zone vpn.example. -> 192.0.2.53, use-caps-for-id
#                            (0x20: it rejects answers whose question case differs)
#   client    203.0.113.10   dig @192.0.2.1
# Members m1, m2 active, m3 in maintenance; gw.vpn.example. policy "all", TTL 2 s.
#
# Checks: through unbound, gw A = m1+m2 with RA set, AA clear, TTL <= 2; a member name and a
# missing name (NXDOMAIN with SOA) come through; after m2 is drained, ikesteer answers m1 alone
# within 1 s, unbound within TTL + that reload time (+1.1 s: unbound counts whole seconds, and
# the polling interval), and never flips
# back; the time it took is printed.
#
# Usage (as root): dns_unbound.sh --ikesteer PATH
#        dns_unbound.sh --peer knot|gdnsd   (validates this script; the drain is a zone reload)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=dns_lib.sh
source "$HERE/dns_lib.sh"

AUTH=192.0.2.53
RESOLVER=192.0.2.1
CLIENT=203.0.113.10
CLUSTER_TTL=2
CLUSTER_TTL_TRANSITION=1
DNS_STATE=([m3]=maintenance)

unbound_start() {
  local dir="$IT_WORK/resolver" ns
  ns=$(it_ns resolver)
  mkdir -p "$dir"
  cat >"$dir/unbound.conf" <<EOF
server:
    interface: $RESOLVER
    port: 53
    access-control: 203.0.113.0/24 allow
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$dir"
    pidfile: "$dir/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    log-servfail: yes
    do-ip6: no
    module-config: "iterator"
    # DNS 0x20: random query-name case, answers must echo it.
    use-caps-for-id: yes
    # Answers straight from the cache as long as their TTL lasts, never beyond.
    prefetch: no
    serve-expired: no
    cache-min-ttl: 0
stub-zone:
    name: "vpn.example."
    stub-addr: $AUTH
    stub-prime: no
remote-control:
    control-enable: no
EOF
  unbound-checkconf "$dir/unbound.conf" >"$dir/checkconf.out" 2>&1 ||
    { cat "$dir/checkconf.out" >&2; it_fail "unbound-checkconf rejected the configuration"; }
  IT_LOG_OF["resolver/unbound"]="$dir/unbound.log"
  ip netns exec "$ns" unbound -d -c "$dir/unbound.conf" >"$dir/unbound.log" 2>&1 </dev/null &
  local pid=$!
  IT_PIDS+=("$pid")
  IT_PID_OF["resolver/unbound"]=$pid
  it_wait_for_daemon "$pid" 10 "unbound to answer vpn.example. SOA" resolver_answers_soa
}

# resolver_answers_soa: the client gets the zone's SOA through unbound.
resolver_answers_soa() {
  [[ $(it_exec client dig +time=1 +tries=1 +short @"$RESOLVER" vpn.example. SOA 2>/dev/null) == "ns1.vpn.example. "* ]]
}

# ask <server> <name> <type>: dig from the client namespace; output in DNS_OUT.
ask() {
  DNS_CMD="dig @$1 $2 $3 (from the client namespace)"
  DNS_OUT=$(it_exec client timeout 5 dig +time=1 +tries=1 @"$1" "$2" "$3" 2>&1) || DNS_OUT+=$'\n(dig failed)'
  printf '\n$ %s\n%s\n' "$DNS_CMD" "$DNS_OUT" >>"$IT_WORK/queries.log"
}

# answer_set: the A records of the last answer, space-separated, sorted ("" if none).
answer_set() { dns_rdata ANSWER A | paste -sd' ' -; }

main() {
  DNS_TOOLS="dig unbound unbound-checkconf" dns_init dns_unbound "$@"

  it_topology_init
  it_host_add auth "$AUTH"
  it_host_add resolver "$RESOLVER"
  it_host_add client "$CLIENT"
  it_wait_for 5 "the client to reach the resolver over the bridge" it_ping client "$RESOLVER"

  DNS_LISTEN=("$AUTH")
  IKE_LISTEN=("$AUTH")
  DNS_PORT=53
  IKE_PORT=500
  dns_server_start "$(it_ns auth)"
  unbound_start

  local both="${DNS_V4[m1]} ${DNS_V4[m2]}" one="${DNS_V4[m1]}"

  # Through the resolver: the active members, a recursive (RA) non-authoritative answer whose
  # TTL is at most the cluster TTL.
  ask "$RESOLVER" gw.vpn.example. A
  dns_expect NOERROR qr rd ra '!aa'
  [[ "$(answer_set)" == "$both" ]] || dns_fail "through unbound: gw A is '$(answer_set)', expected '$both'"
  local ttl
  ttl=$(dns_section ANSWER | awk '$4 == "A" { print $2; exit }')
  ((ttl <= CLUSTER_TTL)) || dns_fail "through unbound: TTL $ttl > cluster TTL $CLUSTER_TTL"
  it_log "client -> unbound: gw.vpn.example A = $both (TTL $ttl)"

  ask "$RESOLVER" m2.vpn.example. AAAA
  dns_expect NOERROR ra '!aa'
  dns_expect_rdata ANSWER AAAA "${DNS_V6[m2]}"
  ask "$RESOLVER" www.vpn.example. A
  dns_expect NOERROR ra
  dns_expect_rdata ANSWER CNAME gw.vpn.example.
  [[ "$(answer_set)" == "$both" ]] || dns_fail "through unbound: www -> gw A is '$(answer_set)'"
  ask "$RESOLVER" nosuch.vpn.example. A
  dns_expect NXDOMAIN ra
  dns_expect_rdata AUTHORITY SOA "ns1.vpn.example. hostmaster.vpn.example. 1 3600 600 86400 60"

  # Warm the cache right before the change, so the resolver holds an answer that is (almost)
  # a full TTL old when the member goes.
  ask "$RESOLVER" gw.vpn.example. A
  [[ "$(answer_set)" == "$both" ]] || dns_fail "through unbound: gw A is '$(answer_set)' before the drain"

  DNS_STATE[m2]=drain
  local t0 t_auth="" t_res="" now got
  t0=$(it_now_ms)
  dns_server_reload
  it_log "m2 drained ($DNS_PEER reloaded); polling ikesteer and unbound every 100 ms"
  while :; do
    now=$(it_now_ms)
    if [[ -z "$t_auth" ]]; then
      ask "$AUTH" gw.vpn.example. A
      got=$(answer_set)
      if [[ "$got" == "$one" ]]; then
        t_auth=$((now - t0))
        it_log "$DNS_PEER answers $one alone after ${t_auth} ms"
      elif [[ "$got" != "$both" ]]; then
        dns_fail "$DNS_PEER answered '$got' during the change"
      fi
    fi
    ask "$RESOLVER" gw.vpn.example. A
    got=$(answer_set)
    if [[ "$got" == "$one" ]]; then
      t_res=$((now - t0))
      [[ -n "$t_auth" ]] || t_auth=$t_res
      break
    fi
    [[ "$got" == "$both" ]] || dns_fail "unbound answered '$got' during the change"
    ((now - t0 < 15000)) || dns_fail "unbound still answers '$got' 15 s after the drain"
    sleep 0.1
  done
  it_log "unbound answers $one alone after ${t_res} ms (cluster TTL ${CLUSTER_TTL} s)"
  ((t_auth <= 1000)) || it_fail "$DNS_PEER took ${t_auth} ms to apply the drain (limit 1000 ms)"
  # unbound keeps time in whole seconds: an entry may live up to 1 s past its TTL; +100 ms for
  # the polling interval.
  ((t_res <= t_auth + CLUSTER_TTL * 1000 + 1100)) ||
    it_fail "unbound changed ${t_res} ms after the drain: more than TTL ${CLUSTER_TTL} s after ikesteer (${t_auth} ms)"

  # It stays changed, also once the new answer's TTL has run out and unbound asked again.
  local i
  for ((i = 0; i < 6; i++)); do
    sleep 0.5
    ask "$RESOLVER" gw.vpn.example. A
    [[ "$(answer_set)" == "$one" ]] || dns_fail "unbound flipped back to '$(answer_set)' after the drain"
  done

  # unbound logged no SERVFAIL (e.g. a 0x20 case mismatch or a malformed answer from ikesteer).
  ! it_file_has "$IT_WORK/resolver/unbound.log" 'SERVFAIL|error' ||
    it_fail "unbound logged errors: $(grep -E 'SERVFAIL|error' "$IT_WORK/resolver/unbound.log" | head -n 3)"

  [[ "$DNS_PEER" == ikesteer ]] && it_ikesteer_finish ikesteer
  return 0
}

main "$@"
