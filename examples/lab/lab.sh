#!/usr/bin/env bash
# A small ikesteer lab in network namespaces, for a human to play with: ikesteer in front of
# three strongSwan members and one strongSwan client, IPv4 and IPv6. It reuses the helpers
# of the integration tests (tests/integration/lib.sh). Needs root.
#
#   lab.sh up [--ikesteer PATH]   bring the lab up (state and logs in $LAB_DIR)
#   lab.sh connect [4|6]          the client connects through the front end (IPv4 default)
#   lab.sh disconnect [4|6]       the client closes that IKE SA
#   lab.sh status                 IKE SAs of the client and every member, ikesteer's last lines
#   lab.sh reload                 SIGHUP ikesteer after you edited $LAB_DIR/ikesteer.toml
#   lab.sh down                   stop everything and delete the namespaces
#
# Addresses (documentation ranges only, inside the lab's namespaces):
#   front   203.0.113.1    2001:db8::1     ikesteer
#   m1..m3  198.51.100.1N  2001:db8::1N    strongSwan members (identity vpn.cluster.example)
#   client  203.0.113.101  2001:db8::101   strongSwan client, connections lab4 and lab6
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../../tests/integration/lib.sh
source "$REPO/tests/integration/lib.sh"

LAB_DIR=${LAB_DIR:-/run/ikesteer-lab}
STATE="$LAB_DIR/state.sh"
PREFIX=ikslab
FRONT4=203.0.113.1
FRONT6=2001:db8::1
CLIENT4=203.0.113.101
CLIENT6=2001:db8::101
MEMBERS=(m1 m2 m3)

die() {
  echo "lab.sh: $*" >&2
  exit 1
}

# find_ikesteer: --ikesteer PATH, $IKESTEER, or the first build*/frontend/ikesteer of the repo.
find_ikesteer() {
  if [[ -n "${IKESTEER:-}" ]]; then return; fi
  local f
  for f in "$REPO"/build/frontend/ikesteer "$REPO"/build*/frontend/ikesteer; do
    if [[ -x "$f" ]]; then IKESTEER=$f; return; fi
  done
  die "no ikesteer binary found: build it (cmake --build build --target ikesteer) or pass --ikesteer PATH"
}

lab_up() {
  [[ ! -e "$STATE" ]] || die "the lab is already up ($STATE); run: $0 down"
  while (($#)); do
    case "$1" in
      --ikesteer) IKESTEER=$2; shift 2 ;;
      *) die "unknown argument '$1'" ;;
    esac
  done
  find_ikesteer
  # it_init's trap tears everything down again if any step below fails.
  it_init lab --prefix "$PREFIX" --work "$LAB_DIR"
  it_need_ikesteer
  it_topology_init
  it_host_add front "$FRONT4" "$FRONT6"
  local m i=1
  for m in "${MEMBERS[@]}"; do
    it_host_add "$m" "198.51.100.1$i" "2001:db8::1$i"
    i=$((i + 1))
  done
  it_host_add client "$CLIENT4" "$CLIENT6"
  for m in "${MEMBERS[@]}"; do
    it_charon_start "$m" "$(it_member_swanctl_conf)"
  done
  {
    it_ikesteer_conf "$FRONT4" "$FRONT6"
    i=1
    for m in "${MEMBERS[@]}"; do
      it_ikesteer_member "$m" "" "198.51.100.1$i" "2001:db8::1$i"
      i=$((i + 1))
    done
  } >"$LAB_DIR/ikesteer.toml"
  it_ikesteer_start front "$LAB_DIR/ikesteer.toml"
  it_charon_start client "$(it_client_swanctl_conf \
    "$(it_client_conn lab4 "$CLIENT4" "$FRONT4")" "$(it_client_conn lab6 "$CLIENT6" "$FRONT6")")"
  it_state_save "$STATE"
  trap - EXIT INT TERM
  cat <<EOF
The lab is up (prefix $PREFIX, files in $LAB_DIR).
  $0 connect 4        # client $CLIENT4 -> ikesteer $FRONT4 -> a member
  $0 status
  ip netns exec ${PREFIX}-client bash      # a shell on the client
  ikesteer log:  $LAB_DIR/front/ikesteer.log   config: $LAB_DIR/ikesteer.toml ($0 reload)
  charon logs:   $LAB_DIR/<host>/charon/charon.log
  swanctl:       swanctl --list-sas --uri unix://$LAB_DIR/m1/charon/charon.vici
  $0 down
EOF
}

load_state() {
  [[ -e "$STATE" ]] || die "the lab is not up (no $STATE)"
  IT_NAME=lab
  IT_T0=$(it_now_ms)
  it_state_load "$STATE"
}

lab_down() {
  if [[ ! -e "$STATE" ]]; then
    echo "lab.sh: the lab is not up"
    return 0
  fi
  load_state
  # Only stop recorded PIDs that still run inside the lab's namespaces (a PID could have been
  # reused since "up"); it_teardown then kills whatever else is left in the namespaces.
  local pid keep=()
  for pid in "${IT_PIDS[@]}"; do
    if [[ " ${IT_NAMESPACES[*]} " == *" $(ip netns identify "$pid" 2>/dev/null) "* ]]; then
      keep+=("$pid")
    fi
  done
  IT_PIDS=("${keep[@]}")
  it_teardown
  rm -rf -- "$LAB_DIR"
  echo "lab.sh: the lab is down"
}

conn_for() {
  case "${1:-4}" in
    4) echo lab4 ;;
    6) echo lab6 ;;
    *) die "address family must be 4 or 6" ;;
  esac
}

lab_connect() {
  load_state
  local conn
  conn=$(conn_for "${1:-4}")
  if it_initiate client "$conn" 15; then
    grep -E "<$conn\|[0-9]+> (redirected to|IKE_SA .* established)" "$(it_charon_log client)" | tail -n 2
  else
    cat "$IT_WORK/client/initiate-$conn.out"
    die "connect failed"
  fi
}

lab_disconnect() {
  load_state
  it_terminate client "$(conn_for "${1:-4}")"
}

lab_status() {
  load_state
  local h
  for h in client "${MEMBERS[@]}"; do
    echo "== $h: IKE SAs (connection state local remote remote-id)"
    it_ike_sas "$h" | sed 's/^/   /'
  done
  echo "== ikesteer (last 10 lines of $(it_ikesteer_log front))"
  tail -n 10 "$(it_ikesteer_log front)" | sed 's/^/   /'
}

lab_reload() {
  load_state
  kill -HUP "${IT_PID_OF[front/ikesteer]}"
  sleep 0.3
  tail -n 3 "$(it_ikesteer_log front)"
}

main() {
  local cmd=${1:-}
  shift || true
  case "$cmd" in
    up) lab_up "$@" ;;
    down) lab_down ;;
    connect) lab_connect "$@" ;;
    disconnect) lab_disconnect "$@" ;;
    status) lab_status ;;
    reload) lab_reload ;;
    *) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 2 ;;
  esac
}

main "$@"
