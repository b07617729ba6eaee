#!/usr/bin/env bash
# ikesteer's [failover] hook in the failover tests and benchmark: moves a member's service
# address between the network namespaces of tests/integration/lib.sh, as an operator's hook
# would move it between machines.
#
# Usage, as the hook's argv in ikesteer's configuration:
#   hook = ["/path/to/failover_hook.sh", "/path/to/members.map"]
# ikesteer runs it in its own namespace with
#   IKESTEER_ACTION     claim | release
#   IKESTEER_ADDRESS    the service address to move
#   IKESTEER_PREFIX     its prefix length
#   IKESTEER_MEMBER     the member that gets (claim) or gives up (release) the address
#   IKESTEER_INTERFACE  ikesteer's own [failover] interface: not used here, the member's
#                       interface comes from the map
# The map file has one line per member: "<member> <namespace> <interface> <management-address>"
# ('#' starts a comment). Each call appends one line to "<map file>.log":
#   "<start-ms> <end-ms> <action> <member> <address> <exit-status> <what happened>"
# (milliseconds since the epoch), which the tests read to check fencing.
#
# release: the member must answer a ping on its management address within 300 ms from here,
#          or the hook fails (exit 1: "cannot reach it to release it"); then the address is
#          deleted from the member (already gone is fine).
# claim:   the address is added to the member (already there is fine) and announced with
#          three gratuitous ARPs (iputils arping -U, one per second, the first at once) or, for
#          IPv6, with an unsolicited neighbour advertisement.
# Exit status: 0 done, 1 the member is unreachable or a command failed, 2 bad call.
set -uo pipefail

map=${1:-}
action=${IKESTEER_ACTION:-}
address=${IKESTEER_ADDRESS:-}
prefix=${IKESTEER_PREFIX:-}
member=${IKESTEER_MEMBER:-}
start_ms=$((${EPOCHREALTIME/./} / 1000))

# finish <status> <message>: log the call and exit.
finish() {
  local end_ms=$((${EPOCHREALTIME/./} / 1000))
  [[ -n "$map" ]] && printf '%s %s %s %s %s %s %s\n' "$start_ms" "$end_ms" "${action:--}" \
    "${member:--}" "${address:--}" "$1" "$2" >>"$map.log"
  ((${1} == 0)) || echo "failover_hook: $2" >&2
  exit "$1"
}

[[ -n "$map" && -r "$map" ]] || finish 2 "usage: failover_hook.sh MAP-FILE (unreadable: '$map')"
[[ "$action" == claim || "$action" == release ]] || finish 2 "IKESTEER_ACTION is '$action'"
[[ -n "$address" && "$prefix" =~ ^[0-9]+$ && -n "$member" ]] ||
  finish 2 "IKESTEER_ADDRESS, IKESTEER_PREFIX and IKESTEER_MEMBER are required"

read -r ns ifname mgmt < <(awk -v m="$member" '!/^[[:space:]]*#/ && $1 == m { print $2, $3, $4; exit }' "$map")
[[ -n "${mgmt:-}" ]] || finish 2 "member '$member' is not in $map"

family=-4
[[ "$address" == *:* ]] && family=-6

# present: the address is on the member's interface (any prefix length); prints "addr/plen".
present() {
  ip -n "$ns" "$family" -o addr show dev "$ifname" |
    awk -v a="$address" '{ split($4, p, "/"); if (p[1] == a) { print $4; exit } }'
}

case "$action" in
  release)
    ping -n -q -c 1 -W 0.3 "$mgmt" >/dev/null 2>&1 ||
      finish 1 "$member ($mgmt) does not answer: cannot release $address there"
    current=$(present)
    if [[ -n "$current" ]]; then
      ip -n "$ns" addr del "$current" dev "$ifname" || finish 1 "ip addr del $current failed in $ns"
      finish 0 "released"
    fi
    finish 0 "released (was not there)"
    ;;
  claim)
    if [[ -z "$(present)" ]]; then
      if [[ $family == -6 ]]; then
        ip -n "$ns" -6 addr add "$address/$prefix" dev "$ifname" nodad ||
          finish 1 "ip addr add $address/$prefix failed in $ns"
      else
        ip -n "$ns" addr add "$address/$prefix" dev "$ifname" ||
          finish 1 "ip addr add $address/$prefix failed in $ns"
      fi
    fi
    if [[ $family == -6 ]]; then
      # One unsolicited NA (RFC 4861 §7.2.6) to all nodes, override flag set, with our MAC.
      mac=$(ip -n "$ns" -o link show dev "$ifname" | sed -nE 's|.* link/ether ([0-9a-f:]+) .*|\1|p')
      ip netns exec "$ns" na6 -i "$ifname" -s "$address" -d ff02::1 -t "$address" -o -E "$mac" \
        >/dev/null 2>&1 || finish 1 "na6 could not announce $address (package ipv6toolkit)"
    else
      # iputils arping sends the first one at once and then waits a second between them: run
      # it detached, so the hook returns now. Its output stays off ikesteer's pipes.
      ip netns exec "$ns" setsid arping -q -U -c 3 -I "$ifname" "$address" \
        </dev/null >/dev/null 2>&1 &
    fi
    finish 0 "claimed"
    ;;
esac
