# shellcheck shell=bash
# Shared by the failover tests (tests/integration/failover_*.sh) and bench/failover_bench.sh:
# a cluster of three strongSwan members with movable service addresses, six strongSwan clients
# connected straight to those addresses (as DNS clients would be) and one that came through
# ikesteer's REDIRECT, ikesteer probing the members on fixed management addresses and moving a
# failed member's address with tests/integration/failover_hook.sh (or adopting it); then one
# member fails and this measures what a user would see.
#
# Topology (one bridge, documentation addresses only, namespaces made by lib.sh):
#   front    198.51.100.2       ikesteer: IKE on 500/4500, DNS on 53 (vpn.cluster.example.,
#                               policy all, TTL 1 s)
#   m1..m3   192.0.2.11..13     management address (probed by ikesteer, never moves)
#            198.51.100.11..13  service address (in ikesteer's member config, given to
#                               clients; moves on failover); charon binds the wildcard, so an
#                               address added later is served at once
#   c1..c6   203.0.113.21..26   strongSwan initiators, two per member (c1 c2 -> m1, c3 c4 -> m2,
#                               c5 c6 -> m3), remote = that member's service address
#   r1       203.0.113.3x       strongSwan initiator whose remote is ikesteer (198.51.100.2);
#                               its address is picked so that ikesteer sends it to m1
#   asker    203.0.113.200..215 asks ikesteer where clients go (ikesteer-ask) and dig
#   prober   203.0.113.250      sends IKE liveness probes to service addresses
# m1 is the member that fails (FO_FAILED).
#
# Clients re-establish by themselves: each has a CHILD_SA with dpd_action = restart (in
# strongSwan 5.9 only a CHILD_SA's dpd_action/close_action make charon set the IKE SA up again),
# dpd_delay 1 s and retransmissions every 0.25 s, given up after
# two (0.75 s without an answer), so a dead peer is noticed 0.75-1.75 s after the last packet
# it answered (measured with an instant move: back on the new owner after 1.4-2.0 s). The kernel
# here has no ESP, so every charon loads kernel-libipsec (ESP in user space over a TUN device);
# the CHILD_SA's traffic selectors are inner addresses on lo that carry no traffic
# (kernel-libipsec refuses selectors that would route the IKE peer itself into the tunnel).
#
# Settings (environment or set before fo_setup):
#   FO_FAULT     kill (SIGKILL m1's charon) | link (m1's bridge port down)      [kill]
#   FO_FAILOVER  least-loaded (a survivor takes the address) | adopt (ikesteer)  [least-loaded]
#   FO_DRIVER    ikesteer (the daemon detects and moves) | manual (this script moves the address
#                with the hook right after the fault, as ikesteer would: release, fencing if
#                that failed, claim on m2; no detection or steering: a baseline for the clients)
#   FO_DPD_DELAY, FO_RETRANSMIT_TIMEOUT, FO_RETRANSMIT_BASE, FO_RETRANSMIT_TRIES: the clients'
#                dead peer detection (defaults 1 s, 0.25 s, 1.0, 2)
#   FO_DEADLINE  seconds the measurement waits for everything after the fault [30]
#   ASK          path of ikesteer-ask (IKESTEER: ikesteer, as in lib.sh)
#
# What ikesteer must log (matched loosely, see FO_RE_*): one line when a member's verdict goes
# down, containing the subsystem (sub=health or mod=health), member=<name> and to=down (or
# state=down / verdict=down), and no check=... (that is one probe's result). This library stamps
# every ikesteer log line with the time it read it (ikesteer's lines carry no time).

FO_LIB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$FO_LIB_HERE/lib.sh"

FO_FRONT=198.51.100.2
FO_MEMBERS=(m1 m2 m3)
declare -A FO_MGMT=([m1]=192.0.2.11 [m2]=192.0.2.12 [m3]=192.0.2.13)
declare -A FO_SERVICE=([m1]=198.51.100.11 [m2]=198.51.100.12 [m3]=198.51.100.13)
FO_CLIENTS=(c1 c2 c3 c4 c5 c6)
declare -A FO_CLIENT_ADDR=([c1]=203.0.113.21 [c2]=203.0.113.22 [c3]=203.0.113.23
  [c4]=203.0.113.24 [c5]=203.0.113.25 [c6]=203.0.113.26)
declare -A FO_HOME=([c1]=m1 [c2]=m1 [c3]=m2 [c4]=m2 [c5]=m3 [c6]=m3)
FO_REDIRECT_CANDIDATES=(203.0.113.30 203.0.113.31 203.0.113.32 203.0.113.33 203.0.113.34
  203.0.113.35 203.0.113.36 203.0.113.37 203.0.113.38 203.0.113.39)
FO_ASKER_ADDRS=()
for ((fo_i = 200; fo_i <= 215; fo_i++)); do FO_ASKER_ADDRS+=("203.0.113.$fo_i"); done
unset fo_i
FO_PROBER=203.0.113.250
# CHILD_SA traffic selectors (on lo, never used for traffic): the members share one, each
# client has its own (its address + 100).
FO_MEMBER_INNER=198.51.100.250
FO_CLUSTER_NAME=vpn.cluster.example.
FO_FAILED=m1
FO_FENCING=1.0
FO_FENCING_MS=1000

FO_FAULT=${FO_FAULT:-kill}
FO_FAILOVER=${FO_FAILOVER:-least-loaded}
FO_DRIVER=${FO_DRIVER:-ikesteer}
FO_DPD_DELAY=${FO_DPD_DELAY:-1}
FO_RETRANSMIT_TIMEOUT=${FO_RETRANSMIT_TIMEOUT:-0.25}
FO_RETRANSMIT_BASE=${FO_RETRANSMIT_BASE:-1.0}
FO_RETRANSMIT_TRIES=${FO_RETRANSMIT_TRIES:-2}
FO_DEADLINE=${FO_DEADLINE:-30}

# Loose patterns for ikesteer's log (extended regular expressions).
FO_RE_HEALTH='(sub|mod)="?health'
FO_RE_DOWN='(to|state|verdict)="?down"?( |$)'

FO_T0=""            # when the fault was made (ms since the epoch)
FO_STAMPED=""       # ikesteer's log, each line prefixed with the ms it was read at
FO_MAP=""           # the hook's member map; its calls are logged in "$FO_MAP.log"
FO_REDIRECT_ADDR="" # r1's address
declare -a FO_M1_ASKERS=()  # asker addresses ikesteer sent to m1 before the fault
declare -A FO_KEYS_BEFORE=()  # client -> its IKE SA (it_ike_sa_keys line) before the fault

# --------------------------------------------------------------------------- prerequisites

# fo_check_tools: skip (exit 77) when something the scenario needs is missing.
fo_check_tools() {
  [[ -c /dev/net/tun ]] || it_skip "no /dev/net/tun (strongSwan's kernel-libipsec needs it)"
  [[ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ]] ||
    it_skip "no kernel-libipsec plugin (package libcharon-extra-plugins)"
  command -v dig >/dev/null || it_skip "missing dig (package bind9-dnsutils)"
  arping -V 2>&1 | grep -q iputils || it_skip "missing iputils' arping (package iputils-arping)"
  it_need_ikesteer
  [[ -n "${ASK:-}" && -x "$ASK" ]] || it_fail "no ikesteer-ask binary: pass --ask PATH or set ASK"
}

# --------------------------------------------------------------------------- configurations

# Every charon here loads kernel-libipsec (before kernel-netlink) to have CHILD_SAs.
IT_CHARON_PLUGINS=${IT_CHARON_PLUGINS/kernel-netlink/kernel-libipsec kernel-netlink}

fo_member_children() {
  cat <<EOF
    children {
      ch {
        local_ts = $FO_MEMBER_INNER/32
        remote_ts = 203.0.113.0/24
        esp_proposals = aes128gcm16
      }
    }
EOF
}

# fo_client_extra <inner-address>: a client connection's DPD and its CHILD_SA, which restarts
# the IKE SA when the peer is found dead or deletes it, and is started when loaded.
fo_client_extra() {
  cat <<EOF
    dpd_delay = ${FO_DPD_DELAY}s
    keyingtries = 0
    children {
      ch {
        local_ts = $1/32
        remote_ts = $FO_MEMBER_INNER/32
        esp_proposals = aes128gcm16
        start_action = start
        dpd_action = restart
        close_action = restart
      }
    }
EOF
}

fo_client_charon_extra() {
  cat <<EOF
  retransmit_timeout = $FO_RETRANSMIT_TIMEOUT
  retransmit_base = $FO_RETRANSMIT_BASE
  retransmit_tries = $FO_RETRANSMIT_TRIES
EOF
}

# fo_inner_of <client-address>: its CHILD_SA selector address (last octet + 100).
fo_inner_of() { echo "${1%.*}.$((${1##*.} + 100))"; }

# fo_ikesteer_conf: ikesteer's configuration for FO_DRIVER and FO_FAILOVER.
fo_ikesteer_conf() {
  local m
  cat <<EOF
# generated by tests/integration/failover_lib.sh
[ike]
listen = ["$FO_FRONT"]
ports = [500, 4500]
threads = 1

[log]
level = "debug"

[dns]
listen = ["$FO_FRONT"]
port = 53
rrl_responses_per_second = 0

[[dns.zone]]
origin = "cluster.example."
ttl = 60
ns = ["ns1.cluster.example."]
records = ["ns1 A $FO_FRONT"]

[dns.zone.soa]
mname = "ns1.cluster.example."
rname = "hostmaster.cluster.example."
serial = 1
refresh = 3600
retry = 600
expire = 86400
minimum = 60

[[dns.cluster]]
name = "$FO_CLUSTER_NAME"
policy = "all"
ttl = 1
ttl_transition = 1
EOF
  if [[ "$FO_DRIVER" == ikesteer ]]; then
    cat <<EOF

[failover]
hook = ["$FO_LIB_HERE/failover_hook.sh", "$FO_MAP"]
fencing = $FO_FENCING
# Test addresses are host routes on one segment (lib.sh adds on-link routes for the prefixes).
ipv4_prefix = 32
ipv6_prefix = 128
EOF
    [[ "$FO_FAILOVER" == adopt ]] && echo 'interface = "eth0"'
  fi
  for m in "${FO_MEMBERS[@]}"; do
    printf '\n[[member]]\nname = "%s"\naddresses = ["%s"]\n' "$m" "${FO_SERVICE[$m]}"
    [[ "$FO_DRIVER" == ikesteer ]] || continue
    cat <<EOF
failover = "$FO_FAILOVER"

  [[member.probe]]
  type = "ike"
  address = "${FO_MGMT[$m]}"
  interval = 0.2
  interval_transition = 0.1
  timeout = 0.3
  rise = 2
  fall = 2
EOF
  done
}

# --------------------------------------------------------------------------- setup

# fo_setup: the whole scenario up to every client having its IKE SA on its home member.
fo_setup() {
  local m c a
  it_topology_init
  it_host_add front "$FO_FRONT"
  for m in "${FO_MEMBERS[@]}"; do
    it_host_add "$m" "${FO_MGMT[$m]}" "${FO_SERVICE[$m]}"
    ip -n "$(it_ns "$m")" addr add "$FO_MEMBER_INNER/32" dev lo
  done
  for c in "${FO_CLIENTS[@]}"; do
    it_host_add "$c" "${FO_CLIENT_ADDR[$c]}"
    ip -n "$(it_ns "$c")" addr add "$(fo_inner_of "${FO_CLIENT_ADDR[$c]}")/32" dev lo
  done
  it_host_add r1 "${FO_REDIRECT_CANDIDATES[@]}"
  it_host_add asker "${FO_ASKER_ADDRS[@]}"
  it_host_add prober "$FO_PROBER"
  it_wait_for 5 "the front end to reach m3 over the bridge" it_ping front "${FO_MGMT[m3]}"

  FO_MAP="$IT_WORK/members.map"
  for m in "${FO_MEMBERS[@]}"; do
    printf '%s %s eth0 %s\n' "$m" "$(it_ns "$m")" "${FO_MGMT[$m]}"
  done >"$FO_MAP"

  for m in "${FO_MEMBERS[@]}"; do
    it_charon_start "$m" "$(it_member_swanctl_conf "$(fo_member_children)")"
  done

  fo_ikesteer_conf >"$IT_WORK/ikesteer.toml"
  it_ikesteer_start front "$IT_WORK/ikesteer.toml"
  fo_stamp_log front
  # Members start unknown to ikesteer's health checks: wait until it steers to each of them.
  it_wait_for 10 "ikesteer to steer clients to every member" fo_steers_to_all

  for c in "${FO_CLIENTS[@]}"; do
    a=${FO_CLIENT_ADDR[$c]}
    it_charon_start "$c" "$(it_client_swanctl_conf "$(it_client_conn "$c" "$a" \
      "${FO_SERVICE[${FO_HOME[$c]}]}" "" "$(fo_client_extra "$(fo_inner_of "$a")")")")" \
      "$(fo_client_charon_extra)"
  done
  fo_start_redirect_client
  for c in "${FO_CLIENTS[@]}"; do
    it_wait_for 20 "client $c to have its IKE SA on ${FO_HOME[$c]}" \
      it_has_established_from "${FO_HOME[$c]}" "${FO_CLIENT_ADDR[$c]}"
  done
  it_wait_for 20 "client r1 ($FO_REDIRECT_ADDR) to have its IKE SA on $FO_FAILED" \
    it_has_established_from "$FO_FAILED" "$FO_REDIRECT_ADDR"
  it_check_redirected_from "$FO_FAILED" "$FO_REDIRECT_ADDR" "$FO_FRONT"
  it_log "all clients have their IKE SAs: c1..c6 on their members, r1 ($FO_REDIRECT_ADDR) on $FO_FAILED via the front end"
}

# fo_start_redirect_client: r1 keeps the first candidate address that ikesteer sends to m1
# (rendezvous hashing is fixed for an address) and connects to the front end.
fo_start_redirect_client() {
  local a ns
  ns=$(it_ns r1)
  FO_REDIRECT_ADDR=""
  for a in "${FO_REDIRECT_CANDIDATES[@]}"; do
    if [[ -z "$FO_REDIRECT_ADDR" && $(fo_redirect_target r1 "$a") == "${FO_SERVICE[$FO_FAILED]}" ]]; then
      FO_REDIRECT_ADDR=$a
    else
      ip -n "$ns" addr del "$a/32" dev eth0
    fi
  done
  [[ -n "$FO_REDIRECT_ADDR" ]] ||
    it_fail "ikesteer sent none of ${FO_REDIRECT_CANDIDATES[*]} to $FO_FAILED"
  ip -n "$ns" addr add "$(fo_inner_of "$FO_REDIRECT_ADDR")/32" dev lo
  it_charon_start r1 "$(it_client_swanctl_conf "$(it_client_conn r1 "$FO_REDIRECT_ADDR" "$FO_FRONT" \
    "" "$(fo_client_extra "$(fo_inner_of "$FO_REDIRECT_ADDR")")")")" "$(fo_client_charon_extra)"
}

# fo_stamp_log <host>: copy ikesteer's log to $FO_STAMPED as it grows, each line prefixed with
# the ms it was read at. tail stops with ikesteer, the loop with tail.
fo_stamp_log() {
  local log pid
  log=$(it_ikesteer_log "$1")
  pid=${IT_PID_OF["$1/ikesteer"]}
  FO_STAMPED="$IT_WORK/$1/ikesteer.stamped.log"
  : >"$FO_STAMPED"
  tail --pid="$pid" -n +1 -F "$log" 2>/dev/null | while IFS= read -r line; do
    t=${EPOCHREALTIME/./}
    printf '%d %s\n' $((t / 1000)) "$line"
  done >>"$FO_STAMPED" &
  IT_PIDS+=("$!")
}

# --------------------------------------------------------------------------- observations

# fo_dns_answer: the A records ikesteer gives for the cluster name (asked from the asker), one
# line, sorted, space-separated.
fo_dns_answer() {
  it_exec asker dig +time=1 +tries=1 +short @"$FO_FRONT" "$FO_CLUSTER_NAME" A 2>/dev/null |
    grep -E '^[0-9.]+$' | sort | paste -sd' ' -
}

fo_dns_lists() { [[ " $(fo_dns_answer) " == *" $1 "* ]]; }
fo_dns_lacks() {
  local got
  got=$(fo_dns_answer)
  [[ -n "$got" && " $got " != *" $1 "* ]]
}
fo_wait_dns_lists() { it_wait_for 10 "ikesteer's DNS to list $1" fo_dns_lists "$1"; }

# fo_redirect_target <host> <client-address>: where ikesteer redirects that client ("" if it
# answered otherwise or not at all).
fo_redirect_target() {
  it_exec "$1" "$ASK" -f "$2" -t 500 "$FO_FRONT" 2>/dev/null | sed -nE 's/^redirect (.*)/\1/p'
}

# fo_steers_to_all: ikesteer redirects some asker address to each member's service address.
fo_steers_to_all() {
  local a m got=" "
  for a in "${FO_ASKER_ADDRS[@]}"; do got+="$(fo_redirect_target asker "$a") "; done
  for m in "${FO_MEMBERS[@]}"; do
    [[ "$got" == *" ${FO_SERVICE[$m]} "* ]] || return 1
  done
}

# fo_find_m1_askers: the asker addresses that ikesteer now sends to the failed member.
fo_find_m1_askers() {
  local a
  FO_M1_ASKERS=()
  for a in "${FO_ASKER_ADDRS[@]}"; do
    [[ $(fo_redirect_target asker "$a") == "${FO_SERVICE[$FO_FAILED]}" ]] && FO_M1_ASKERS+=("$a")
  done
  ((${#FO_M1_ASKERS[@]})) || it_fail "ikesteer sends none of the asker's addresses to $FO_FAILED"
}

# fo_redirects_avoid <address>: every asker address that went to m1 is now sent elsewhere, to
# an address ikesteer knows as a member's.
fo_redirects_avoid() {
  local a got
  for a in "${FO_M1_ASKERS[@]}"; do
    got=$(fo_redirect_target asker "$a")
    [[ -n "$got" && "$got" != "$1" ]] || return 1
  done
}

# fo_ike_answers <address>: one IKE liveness probe from the prober (ikesteer-ask --probe,
# 150 ms: an answer takes about 1 ms here; short, so polling sees a change soon): true if
# answered.
fo_ike_answers() {
  it_exec prober "$ASK" --probe -t 150 "$1" >/dev/null 2>&1
}

# fo_owner_of <address> [<host-to-ignore>]: the host (member or front) that has the address,
# other than the ignored one ("" if none).
fo_owner_of() {
  local h
  for h in front "${FO_MEMBERS[@]}"; do
    [[ "$h" == "${2:-}" ]] && continue
    if it_has_address "$h" "$1"; then
      echo "$h"
      return 0
    fi
  done
}

# fo_answers_from_new_owner <address>: a host other than the failed member has the address and
# it answers an IKE probe there: a member's charon logs the probe, ikesteer (adopt) redirects it.
fo_answers_from_new_owner() {
  local owner
  owner=$(fo_owner_of "$1" "$FO_FAILED")
  [[ -n "$owner" ]] && fo_ike_answers "$1" || return 1
  [[ "$owner" == front ]] && return 0
  it_file_has "$(it_charon_log "$owner")" \
    "received packet: from $(it_re_escape "$FO_PROBER")\\[[0-9]+\\] to $(it_re_escape "$1")\\[500\\]"
}

# fo_survivor_of <client-address>: the member other than the failed one that has an ESTABLISHED
# IKE SA with that client ("" if none).
fo_survivor_of() {
  local m
  for m in "${FO_MEMBERS[@]}"; do
    [[ "$m" == "$FO_FAILED" ]] && continue
    if it_has_established_from "$m" "$1"; then
      echo "$m"
      return 0
    fi
  done
}

# fo_affected_addrs: the addresses of the clients that were on the failed member.
fo_affected_addrs() {
  local c
  for c in "${FO_CLIENTS[@]}"; do
    [[ "${FO_HOME[$c]}" == "$FO_FAILED" ]] && echo "${FO_CLIENT_ADDR[$c]}"
  done
  echo "$FO_REDIRECT_ADDR"
}

# fo_affected_recovered: every client of the failed member has an ESTABLISHED IKE SA with a
# survivor, and says so itself.
fo_affected_recovered() {
  local a c
  for a in $(fo_affected_addrs); do
    [[ -n "$(fo_survivor_of "$a")" ]] || return 1
  done
  for c in "${FO_CLIENTS[@]}" r1; do
    [[ "$c" == r1 || "${FO_HOME[$c]}" == "$FO_FAILED" ]] || continue
    [[ -n "$(it_ike_sa_keys "$c")" ]] || return 1
  done
}

# fo_snapshot_unaffected: remember the IKE SA of every client whose member stays up.
fo_snapshot_unaffected() {
  local c keys
  FO_KEYS_BEFORE=()
  for c in "${FO_CLIENTS[@]}"; do
    [[ "${FO_HOME[$c]}" == "$FO_FAILED" ]] && continue
    keys=$(it_ike_sa_keys "$c")
    [[ $(grep -c . <<<"$keys") == 1 ]] || it_fail "client $c has not exactly one IKE SA: $keys"
    FO_KEYS_BEFORE[$c]=$keys
  done
}

# fo_check_unaffected: those clients still have the very same IKE SA (unique id and SPIs).
fo_check_unaffected() {
  local c keys
  for c in "${!FO_KEYS_BEFORE[@]}"; do
    keys=$(it_ike_sa_keys "$c")
    [[ "$keys" == "${FO_KEYS_BEFORE[$c]}" ]] ||
      it_fail "client $c's IKE SA changed: before [${FO_KEYS_BEFORE[$c]}], now [$(tr '\n' ';' <<<"$keys")]"
  done
}

# fo_down_logged: ikesteer logged the failed member going down after the fault; prints the ms
# the line was read at. The member's verdict counts, not one of its checks (check=...).
fo_down_logged() {
  awk -v t0="$FO_T0" '$1 >= t0' "$FO_STAMPED" | grep -E -- "$FO_RE_HEALTH" |
    grep -E -- "member=\"?$FO_FAILED\"?( |\$)" | grep -E -- "$FO_RE_DOWN" | grep -v ' check=' |
    head -n 1 | awk '{ print $1 }' | grep .
}

# --------------------------------------------------------------------------- the fault

# fo_fault: make the failed member fail (FO_FAULT) and set FO_T0.
fo_fault() {
  FO_T0=$(it_now_ms)
  case "$FO_FAULT" in
    kill)
      kill -KILL "${IT_PID_OF["$FO_FAILED/charon"]}"
      wait "${IT_PID_OF["$FO_FAILED/charon"]}" 2>/dev/null || true
      unset 'IT_PID_OF['"$FO_FAILED"'/charon]'
      ;;
    link) it_link_set "$FO_FAILED" down ;;
    *) it_fail "FO_FAULT must be kill or link" ;;
  esac
  it_log "fault: $FO_FAULT $FO_FAILED"
}

# fo_hook <action> <member> <address>: run the hook as ikesteer does (from the front end).
fo_hook() {
  it_exec front env IKESTEER_ACTION="$1" IKESTEER_MEMBER="$2" IKESTEER_ADDRESS="$3" \
    IKESTEER_PREFIX=32 IKESTEER_INTERFACE=eth0 "$FO_LIB_HERE/failover_hook.sh" "$FO_MAP"
}

# fo_manual_failover: FO_DRIVER=manual: move the failed member's address to m2 right away, the
# way ikesteer would (release; if that fails, wait the fencing time; claim).
fo_manual_failover() {
  local a=${FO_SERVICE[$FO_FAILED]}
  fo_hook release "$FO_FAILED" "$a" 2>/dev/null || sleep "$FO_FENCING"
  fo_hook claim m2 "$a" || it_fail "the hook could not claim $a on m2"
}

# --------------------------------------------------------------------------- measuring

# fo_poll_bg <name> <command...>: in the background, run the command every 50 ms until it
# succeeds (then write the ms to $IT_WORK/t.<name>) or FO_DEADLINE passes.
fo_poll_bg() {
  local name=$1
  shift
  (
    deadline=$((FO_T0 + FO_DEADLINE * 1000))
    while (($(it_now_ms) < deadline)); do
      if "$@" >/dev/null 2>&1; then
        it_now_ms >"$IT_WORK/t.$name.tmp"
        mv "$IT_WORK/t.$name.tmp" "$IT_WORK/t.$name"
        exit 0
      fi
      sleep 0.05
    done
  ) &
  IT_PIDS+=("$!")
}

# fo_elapsed <name>: ms from the fault to when that observation came true ("" if it did not).
fo_elapsed() {
  [[ -s "$IT_WORK/t.$1" ]] && echo $(($(cat "$IT_WORK/t.$1") - FO_T0))
}

# fo_detected: true once the down line was logged (for fo_poll_bg; fo_measure then takes the
# line's own stamp as the detection time).
fo_detected() { fo_down_logged >/dev/null; }

FO_OBSERVATIONS=()
# fo_measure: make the fault, watch what users see, and wait until every observation came
# true or FO_DEADLINE passed. Observations (ms after the fault, via fo_elapsed):
#   detect    ikesteer logs the member down (from the stamped log)
#   dns       the cluster name no longer lists the failed member's address
#   redirect  ikesteer sends the clients it sent there before elsewhere
#   answer    the address answers IKE from its new owner
#   clients   every client of the failed member is ESTABLISHED on a survivor
fo_measure() {
  local a=${FO_SERVICE[$FO_FAILED]} name pending deadline
  if [[ "$FO_DRIVER" == ikesteer ]]; then
    FO_OBSERVATIONS=(detect dns redirect answer clients)
  else
    FO_OBSERVATIONS=(answer clients)
  fi
  rm -f "$IT_WORK"/t.*
  fo_fault
  if [[ "$FO_DRIVER" == ikesteer ]]; then
    fo_poll_bg detect fo_detected
    fo_poll_bg dns fo_dns_lacks "$a"
    fo_poll_bg redirect fo_redirects_avoid "$a"
  fi
  fo_poll_bg answer fo_answers_from_new_owner "$a"
  fo_poll_bg clients fo_affected_recovered
  [[ "$FO_DRIVER" == manual ]] && fo_manual_failover
  deadline=$((FO_T0 + FO_DEADLINE * 1000 + 2000))
  while (($(it_now_ms) < deadline)); do
    pending=0
    for name in "${FO_OBSERVATIONS[@]}"; do
      [[ -s "$IT_WORK/t.$name" ]] || pending=1
    done
    ((pending)) || break
    sleep 0.1
  done
  # The detection time is the stamp of the log line, not when the poller saw it.
  if [[ "$FO_DRIVER" == ikesteer ]] && [[ -s "$IT_WORK/t.detect" ]]; then
    fo_down_logged >"$IT_WORK/t.detect"
  fi
}

# fo_hook_calls <action> [<member>]: the hook's log lines for that action (and member).
fo_hook_calls() {
  [[ -f "$FO_MAP.log" ]] || return 0
  awk -v a="$1" -v m="${2:-}" '$3 == a && (m == "" || $4 == m)' "$FO_MAP.log"
}
