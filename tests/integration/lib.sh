# shellcheck shell=bash
# Shared helpers for ikesteer's real-peer integration tests (and examples/lab/lab.sh).
#
# Source it from a bash script that runs as root, then call it_init. Everything runs inside
# network namespaces created here: one "bridge" namespace holding a Linux bridge, and one
# namespace per host, joined to the bridge by a veth pair. Hosts only use documentation
# addresses (198.51.100.0/24, 203.0.113.0/24, 192.0.2.0/24, 2001:db8::/32); every host gets
# on-link routes for all of them, so one L2 segment carries every subnet without a router.
#
# All names carry a per-run prefix (default "ikst<pid>"), so concurrent runs never collide.
# it_init installs an EXIT trap that kills every process started through this library (and,
# as a safety net, anything else still running in our namespaces), deletes the namespaces,
# /etc/netns/<ns> folders and the work folder — also on failure and on SIGINT/SIGTERM.
#
# Environment read:
#   IKESTEER     path of the ikesteer binary (it_init also accepts --ikesteer PATH)
#   IT_KEEP=1    keep the work folder (logs, configs) after the run
#   IT_VERBOSE=1 print the tail of every log even when the test passes
#   IT_LIBRESWAN_DIR  folder with an unpacked libreswan (else fetched with apt-get download)

set -euo pipefail

IT_NAME=""
IT_PREFIX=""
IT_WORK=""
IT_BRIDGE_NS=""
IT_FAILED_MSG=""
IT_T0=""
declare -a IT_PIDS=()        # every background process we started, in start order
declare -a IT_NAMESPACES=()  # every namespace we created
declare -a IT_ETC_NETNS=()   # every /etc/netns/<ns> folder we created
declare -A IT_HOST_NS=()     # host name -> namespace name
declare -A IT_PID_OF=()      # "<host>/<daemon>" -> pid
declare -A IT_LOG_OF=()      # "<host>/<daemon>" -> log file

# The strongSwan plugins every charon loads. Explicit, because the default list includes
# plugins with fixed socket paths under /run (error-notify, lookip) that would collide between
# instances; kdf is required by 5.9.8 for key derivation. No kernel-libipsec: the tests assert
# IKE SAs only.
IT_CHARON_PLUGINS="random nonce openssl pem pkcs1 x509 pubkey kdf curve25519 hmac sha2 sha1 aes gmp socket-default kernel-netlink vici"
IT_PSK="ikesteer-integration-psk-0123456789"
IT_CLUSTER_ID="vpn.cluster.example"

# --------------------------------------------------------------------------- messages

it_now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((t / 1000))
}

it_log() {
  local ms
  ms=$(($(it_now_ms) - IT_T0))
  printf '[%s +%d.%03ds] %s\n' "${IT_NAME:-it}" $((ms / 1000)) $((ms % 1000)) "$*" >&2
}

# it_fail <message>: report and exit non-zero (the EXIT trap dumps logs and cleans up).
it_fail() {
  IT_FAILED_MSG="$*"
  printf '\n%s: FAIL: %s\n' "${IT_NAME:-it}" "$*" >&2
  exit 1
}

# it_skip <message>: exit with ctest's skip code (missing root or tools, not a product bug).
it_skip() {
  printf '%s: SKIP: %s\n' "${IT_NAME:-it}" "$*" >&2
  exit 77
}

# --------------------------------------------------------------------------- setup/cleanup

# it_init <test-name> [--ikesteer PATH] [--prefix PREFIX] [--no-trap]
# Checks prerequisites, creates the work folder and installs the cleanup trap.
# --no-trap is for examples/lab/lab.sh, which keeps the topology running after it exits.
it_init() {
  IT_NAME="$1"
  shift
  IT_T0=$(it_now_ms)
  IT_PREFIX="ikst$$"
  local trap_on=1
  while (($#)); do
    case "$1" in
      --ikesteer) IKESTEER="$2"; shift 2 ;;
      --prefix) IT_PREFIX="$2"; shift 2 ;;
      --no-trap) trap_on=0; shift ;;
      *) it_fail "it_init: unknown argument '$1'" ;;
    esac
  done
  ((EUID == 0)) || it_skip "needs root (network namespaces)"
  local tool
  for tool in ip charon-systemd swanctl; do
    command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool ]] ||
      it_skip "missing $tool (install the packages in .ci/packages/integration.txt)"
  done
  if ((trap_on)); then
    IT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/ikesteer-it.${IT_NAME}.XXXXXX")
    trap it_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
  fi
}

# it_need_ikesteer: the ikesteer binary must exist and be executable.
it_need_ikesteer() {
  [[ -n "${IKESTEER:-}" ]] || it_fail "no ikesteer binary: pass --ikesteer PATH or set IKESTEER"
  [[ -x "$IKESTEER" ]] || it_fail "ikesteer binary '$IKESTEER' is not executable"
}

# it_dump_logs: print the tail of every log we know of (called on failure).
it_dump_logs() {
  local key f
  for key in "${!IT_LOG_OF[@]}"; do
    f=${IT_LOG_OF[$key]}
    [[ -s "$f" ]] || continue
    printf '\n----- %s (%s), last 60 lines -----\n' "$key" "$f" >&2
    tail -n 60 "$f" >&2
  done
}

# it_stop_pid <pid> [grace-seconds]: SIGTERM, wait, then SIGKILL.
it_stop_pid() {
  local pid=$1 grace=${2:-3} i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

it_cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if ((rc != 0 && rc != 77)) || [[ "${IT_VERBOSE:-0}" == 1 ]]; then
    it_dump_logs
  fi
  local i pid ns
  # Our own processes first, newest first, politely.
  for ((i = ${#IT_PIDS[@]} - 1; i >= 0; i--)); do
    it_stop_pid "${IT_PIDS[i]}" 3
  done
  # Safety net: whatever still runs inside a namespace we created was started by this run
  # (e.g. helpers a daemon forked).
  for ns in "${IT_NAMESPACES[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null
    done
  done
  for ns in "${IT_NAMESPACES[@]}"; do
    ip netns delete "$ns" 2>/dev/null
  done
  for i in "${IT_ETC_NETNS[@]}"; do
    rm -rf -- "$i"
  done
  if [[ -n "$IT_WORK" && -d "$IT_WORK" ]]; then
    if [[ "${IT_KEEP:-0}" == 1 ]]; then
      echo "${IT_NAME}: kept work folder $IT_WORK" >&2
    else
      rm -rf -- "$IT_WORK"
    fi
  fi
  if ((rc == 0)); then
    it_log "PASS"
  fi
  exit "$rc"
}

# --------------------------------------------------------------------------- waiting

# it_wait_for <timeout-seconds> <description> <command...>
# Polls the command every 100 ms until it succeeds; fails the test on timeout.
it_wait_for() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$(($(it_now_ms) + timeout * 1000))
  while ! "$@" >/dev/null 2>&1; do
    if (($(it_now_ms) > deadline)); then
      it_fail "timed out after ${timeout}s waiting for $what"
    fi
    sleep 0.1
  done
}

# it_wait_for_daemon <pid> <timeout-seconds> <description> <command...>
# Like it_wait_for, but fails at once if the process <pid> exits meanwhile.
it_wait_for_daemon() {
  local pid=$1 timeout=$2 what=$3
  shift 3
  local deadline=$(($(it_now_ms) + timeout * 1000))
  while ! "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || it_fail "process $pid exited while waiting for $what"
    if (($(it_now_ms) > deadline)); then
      it_fail "timed out after ${timeout}s waiting for $what"
    fi
    sleep 0.1
  done
}

# it_file_has <file> <extended-regex>: true if a line of the file matches.
it_file_has() {
  [[ -f "$1" ]] && grep -Eq -- "$2" "$1"
}

# --------------------------------------------------------------------------- namespaces

# it_ns <host>: the namespace name of a host.
it_ns() {
  local ns=${IT_HOST_NS[$1]:-}
  [[ -n "$ns" ]] || it_fail "unknown host '$1'"
  echo "$ns"
}

# it_exec <host> <command...>: run a command inside the host's namespace.
it_exec() {
  local ns
  ns=$(it_ns "$1")
  shift
  ip netns exec "$ns" "$@"
}

# it_netns_add <namespace>: create a namespace and remember it for cleanup.
it_netns_add() {
  ip netns add "$1" || it_fail "cannot create namespace $1"
  IT_NAMESPACES+=("$1")
  ip -n "$1" link set lo up
}

# it_topology_init: create the bridge namespace (call once, before it_host_add).
it_topology_init() {
  IT_BRIDGE_NS="${IT_PREFIX}-br"
  it_netns_add "$IT_BRIDGE_NS"
  ip -n "$IT_BRIDGE_NS" link add br0 type bridge
  # No STP listening/learning delay: ports forward at once.
  ip -n "$IT_BRIDGE_NS" link set br0 type bridge forward_delay 0 stp_state 0
  ip -n "$IT_BRIDGE_NS" link set br0 up
}

# it_host_add <host> <address>...: create a host namespace on the bridge with the given
# addresses (IPv4 or IPv6, no prefix length). Interface inside the host: eth0.
it_host_add() {
  local host=$1
  shift
  [[ -n "$IT_BRIDGE_NS" ]] || it_fail "it_host_add before it_topology_init"
  local ns="${IT_PREFIX}-${host}"
  local port="v${#IT_HOST_NS[@]}"
  it_netns_add "$ns"
  IT_HOST_NS[$host]=$ns
  # Create the pair inside the bridge namespace and move one end at once: interface names
  # are then local to our namespaces, never visible in the root namespace.
  ip -n "$IT_BRIDGE_NS" link add "$port" type veth peer name eth0 netns "$ns"
  ip -n "$IT_BRIDGE_NS" link set "$port" master br0 up
  # No IPv6 autoconfiguration or DAD on the segment: addresses are usable at once.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
    net.ipv6.conf.eth0.accept_ra=0 net.ipv6.conf.eth0.accept_dad=0
  ip -n "$ns" link set eth0 up
  local a
  for a in "$@"; do
    if [[ "$a" == *:* ]]; then
      ip -n "$ns" -6 addr add "$a/128" dev eth0 nodad
    else
      ip -n "$ns" addr add "$a/32" dev eth0
    fi
  done
  # On-link routes for every documentation prefix: the bridge is one L2 segment.
  local p
  for p in 198.51.100.0/24 203.0.113.0/24 192.0.2.0/24; do
    ip -n "$ns" route add "$p" dev eth0
  done
  ip -n "$ns" -6 route add 2001:db8::/32 dev eth0
}

# it_host_hosts_file <host> <lines...>: give a host its own /etc/hosts (ip netns exec
# bind-mounts /etc/netns/<ns>/* over /etc/*), e.g. to resolve a member's FQDN.
it_host_hosts_file() {
  local host=$1
  shift
  local ns dir
  ns=$(it_ns "$host")
  dir="/etc/netns/$ns"
  mkdir -p "$dir"
  IT_ETC_NETNS+=("$dir")
  {
    printf '127.0.0.1 localhost\n::1 localhost\n'
    printf '%s\n' "$@"
  } >"$dir/hosts"
}

# it_ping <host> <address>: one ping; true if answered.
it_ping() {
  it_exec "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1
}

# --------------------------------------------------------------------------- strongSwan

# it_charon_dir <host>
it_charon_dir() { echo "$IT_WORK/$1/charon"; }

# it_charon_start <host> <swanctl.conf text> [<extra lines for the charon { } section>]
# Starts charon-systemd in the host's namespace with its own strongswan.conf, swanctl folder,
# vici socket and file log, then loads the swanctl configuration.
it_charon_start() {
  local host=$1 swanctl_conf=$2 extra=${3:-}
  local dir ns
  dir=$(it_charon_dir "$host")
  ns=$(it_ns "$host")
  mkdir -p "$dir/swanctl"
  printf '%s\n' "$swanctl_conf" >"$dir/swanctl/swanctl.conf"
  cat >"$dir/strongswan.conf" <<EOF
# generated by tests/integration/lib.sh for host $host
charon {
  load = $IT_CHARON_PLUGINS
  # No routes, virtual IPs or policies outside IKE: the tests assert IKE SAs only.
  install_routes = no
  install_virtual_ip = no
  # Few threads: many instances share two cores.
  threads = 4
  plugins {
    vici {
      socket = unix://$dir/charon.vici
    }
  }
  filelog {
    itlog {
      path = $dir/charon.log
      time_format = %H:%M:%S
      flush_line = yes
      default = 1
      ike = 2
      net = 1
      cfg = 1
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
$extra
}
# charon-systemd reads "charon-systemd" first and falls back to "charon"; keep it off the
# journal (there is none here anyway).
charon-systemd {
  journal {
    default = -1
  }
}
EOF
  : >"$dir/charon.log"
  IT_LOG_OF["$host/charon"]="$dir/charon.log"
  # ip netns exec and env both exec, so $! is charon's own PID (it writes no pid file).
  ip netns exec "$ns" env STRONGSWAN_CONF="$dir/strongswan.conf" SWANCTL_DIR="$dir/swanctl" \
    /usr/sbin/charon-systemd >"$dir/charon.stdout" 2>&1 </dev/null &
  local pid=$!
  IT_PIDS+=("$pid")
  IT_PID_OF["$host/charon"]=$pid
  it_wait_for_daemon "$pid" 10 "charon on $host to answer on vici" it_swanctl "$host" --stats
  it_swanctl "$host" --load-all --file "$dir/swanctl/swanctl.conf" >"$dir/load.out" 2>&1 ||
    { cat "$dir/load.out" >&2; it_fail "swanctl --load-all failed on $host"; }
}

# it_swanctl <host> <swanctl args...>: swanctl against that host's charon.
it_swanctl() {
  local host=$1 dir
  shift
  dir=$(it_charon_dir "$host")
  SWANCTL_DIR="$dir/swanctl" swanctl "$@" --uri "unix://$dir/charon.vici"
}

# it_charon_stop <host>
it_charon_stop() {
  local pid=${IT_PID_OF["$1/charon"]:-}
  [[ -n "$pid" ]] && it_stop_pid "$pid" 5
  unset 'IT_PID_OF['"$1"'/charon]'
}

# it_charon_log <host>: path of that charon's log.
it_charon_log() { echo "$(it_charon_dir "$1")/charon.log"; }

# it_member_swanctl_conf <local-id>: swanctl.conf of a cluster member: one shared responder
# identity, PSK with no ids (any client identity), remote id %any, no uniqueness checks.
it_member_swanctl_conf() {
  local id=${1:-$IT_CLUSTER_ID}
  cat <<EOF
connections {
  cluster {
    version = 2
    proposals = aes128-sha256-x25519, aes256-sha256-modp2048, default
    unique = never
    local {
      auth = psk
      id = $id
    }
    remote {
      auth = psk
      id = %any
    }
  }
}
secrets {
  ike-cluster {
    secret = "$IT_PSK"
  }
}
EOF
}

# it_client_conn <name> <local-address> <remote-address-or-name> [<remote-id>]: one swanctl
# connection block of a client (no CHILD_SA: the IKE SA is what the tests assert).
it_client_conn() {
  local name=$1 local_addr=$2 remote_addr=$3 remote_id=${4:-$IT_CLUSTER_ID}
  cat <<EOF
  $name {
    version = 2
    proposals = aes128-sha256-x25519
    local_addrs = $local_addr
    remote_addrs = $remote_addr
    local {
      auth = psk
      id = $name.clients.example
    }
    remote {
      auth = psk
      id = $remote_id
    }
  }
EOF
}

# it_client_swanctl_conf <connection blocks...>: wrap client connections with the PSK.
it_client_swanctl_conf() {
  printf 'connections {\n'
  printf '%s\n' "$@"
  printf '}\nsecrets {\n  ike-cluster {\n    secret = "%s"\n  }\n}\n' "$IT_PSK"
}

# it_charon_client_extra: strongswan.conf lines for clients: short, bounded retransmissions
# (1 s, 1.2 s, 1.44 s, 1.73 s: gives up after about 6 s instead of minutes).
it_charon_client_extra() {
  cat <<'EOF'
  retransmit_timeout = 1.0
  retransmit_base = 1.2
  retransmit_tries = 3
EOF
}

# it_initiate <host> <connection> [timeout-seconds]: swanctl --initiate of the IKE SA only;
# output in $IT_WORK/<host>/initiate-<connection>.out. Returns swanctl's status.
it_initiate() {
  local host=$1 conn=$2 timeout=${3:-20} out
  out="$IT_WORK/$host/initiate-$conn.out"
  it_swanctl "$host" --initiate --ike "$conn" --timeout "$timeout" >"$out" 2>&1
}

# it_terminate <host> <connection>: close that IKE SA (and wait for the DELETE exchange).
it_terminate() {
  it_swanctl "$1" --terminate --ike "$2" --timeout 10 >/dev/null 2>&1 || true
}

# it_ike_sas <host>: the host's IKE SAs, one per line:
#   "<connection> <state> <local-host> <remote-host> <remote-id>".
it_ike_sas() {
  it_swanctl "$1" --list-sas --raw 2>/dev/null | it_parse_raw_sas
}

# Parses `swanctl --list-sas --raw` output (one "list-sa event {...}" line per IKE SA).
it_parse_raw_sas() {
  local line name state lh rh rid
  while IFS= read -r line; do
    [[ "$line" == *"list-sa event"* ]] || continue
    name=$(sed -nE 's/^list-sa event \{([^ {]+) \{.*/\1/p' <<<"$line")
    state=$(sed -nE 's/.* state=([A-Z_]+) .*/\1/p' <<<"$line")
    lh=$(sed -nE 's/.* local-host=([^ ]+) .*/\1/p' <<<"$line")
    rh=$(sed -nE 's/.* remote-host=([^ ]+) .*/\1/p' <<<"$line")
    rid=$(sed -nE 's/.* remote-id=([^ ]+) .*/\1/p' <<<"$line")
    echo "$name $state $lh $rh $rid"
  done
}

# it_has_established_from <host> <client-address>: true if the host has an ESTABLISHED IKE
# SA whose remote host is that address.
it_has_established_from() {
  it_ike_sas "$1" | awk -v c="$2" '$2 == "ESTABLISHED" && $4 == c { f = 1 } END { exit !f }'
}

# it_count_sas_from <host> <client-address>: number of IKE SAs (any state) with that peer.
it_count_sas_from() {
  it_ike_sas "$1" | awk -v c="$2" '$4 == c { n++ } END { print n + 0 }'
}

# --------------------------------------------------------------------------- ikesteer

# it_ikesteer_start <host> <config-file>: run ikesteer in the host's namespace, stderr to
# $IT_WORK/<host>/ikesteer.log.
it_ikesteer_start() {
  local host=$1 conf=$2 ns log
  it_need_ikesteer
  ns=$(it_ns "$host")
  mkdir -p "$IT_WORK/$host"
  log="$IT_WORK/$host/ikesteer.log"
  IT_LOG_OF["$host/ikesteer"]=$log
  ip netns exec "$ns" "$IKESTEER" --config "$conf" >"$log" 2>&1 </dev/null &
  local pid=$!
  IT_PIDS+=("$pid")
  IT_PID_OF["$host/ikesteer"]=$pid
}

# it_ikesteer_log <host>
it_ikesteer_log() { echo "$IT_WORK/$1/ikesteer.log"; }

# it_ikesteer_alive <host>: fail the test if the daemon exited.
it_ikesteer_alive() {
  local pid=${IT_PID_OF["$1/ikesteer"]:-}
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null ||
    it_fail "ikesteer on $1 is not running (see its log above)"
}

# it_udp_listening <host> <port>: true if something in the host listens on that UDP port.
it_udp_listening() {
  it_exec "$1" ss -Hlun "sport = :$2" | grep -q .
}

# it_ikesteer_stop <host>
it_ikesteer_stop() {
  local pid=${IT_PID_OF["$1/ikesteer"]:-}
  [[ -n "$pid" ]] && it_stop_pid "$pid" 5
}

# --------------------------------------------------------------------------- libreswan
# libreswan conflicts with strongSwan's packages, so it is never installed: the .deb is
# fetched with `apt-get download`, unpacked with `dpkg-deb -x`, and pluto runs from there in
# a private mount namespace where an overlay puts the unpacked usr/libexec over /usr/libexec
# (pluto execs helpers at the compiled-in /usr/libexec/ipsec/). The host is not changed.

IT_LIBRESWAN_ROOT=""

# it_libreswan_fetch: sets IT_LIBRESWAN_ROOT to an unpacked libreswan. Reuses
# $IT_LIBRESWAN_DIR (or $IT_CACHE_DIR/libreswan) if it already holds one.
it_libreswan_fetch() {
  local root=${IT_LIBRESWAN_DIR:-}
  if [[ -z "$root" ]]; then
    if [[ -n "${IT_CACHE_DIR:-}" ]]; then root="$IT_CACHE_DIR/libreswan"; else root="$IT_WORK/libreswan"; fi
  fi
  if [[ ! -x "$root/usr/libexec/ipsec/pluto" ]]; then
    local dl
    dl=$(mktemp -d "${TMPDIR:-/tmp}/ikesteer-it-dl.XXXXXX")
    # _apt must be able to write there, or apt warns and downloads unsandboxed.
    chmod 755 "$dl"
    if ! (cd "$dl" && apt-get download libreswan >"$dl/apt.log" 2>&1); then
      # Package lists may be missing on a fresh machine.
      apt-get update -q >>"$dl/apt.log" 2>&1 || true
      (cd "$dl" && apt-get download libreswan >>"$dl/apt.log" 2>&1) ||
        { cat "$dl/apt.log" >&2; rm -rf "$dl"; it_fail "apt-get download libreswan failed"; }
    fi
    mkdir -p "$root"
    dpkg-deb -x "$dl"/libreswan_*.deb "$root" || { rm -rf "$dl"; it_fail "dpkg-deb -x failed"; }
    rm -rf "$dl"
  fi
  [[ -x "$root/usr/libexec/ipsec/pluto" ]] || it_fail "no pluto in $root"
  local missing
  missing=$(ldd "$root/usr/libexec/ipsec/pluto" | grep 'not found' || true)
  [[ -z "$missing" ]] ||
    it_skip "libreswan's libraries are missing (install .ci/packages/integration.txt): $missing"
  command -v certutil >/dev/null || it_skip "certutil missing (libnss3-tools)"
  IT_LIBRESWAN_ROOT=$root
}

it_pluto_dir() { echo "$IT_WORK/$1/pluto"; }

# it_pluto_start <host> <ipsec.conf conn sections> : start pluto in the host's namespace with
# a private NSS database, secrets file (the cluster PSK for any peer), control socket and log.
it_pluto_start() {
  local host=$1 conns=$2 dir ns
  [[ -n "$IT_LIBRESWAN_ROOT" ]] || it_libreswan_fetch
  dir=$(it_pluto_dir "$host")
  ns=$(it_ns "$host")
  mkdir -p "$dir/nss" "$dir/run"
  certutil -N -d "sql:$dir/nss" --empty-password >/dev/null 2>&1 ||
    it_fail "certutil could not create the NSS database for pluto on $host"
  cat >"$dir/ipsec.conf" <<EOF
config setup
  logfile=$dir/pluto.log
  logappend=no
  plutodebug=none
$conns
EOF
  printf '%%any %%any : PSK "%s"\n' "$IT_PSK" >"$dir/ipsec.secrets"
  : >"$dir/pluto.log"
  IT_LOG_OF["$host/pluto"]="$dir/pluto.log"
  # unshare and sh exec, ip netns exec execs: $! ends up being pluto's PID.
  unshare -m --propagation private sh -c '
      mount -t overlay -o "lowerdir=$1/usr/libexec:/usr/libexec" it-libreswan /usr/libexec &&
      exec ip netns exec "$2" "$1/usr/libexec/ipsec/pluto" --nofork --config "$3/ipsec.conf" \
        --rundir "$3/run" --nssdir "$3/nss" --secretsfile "$3/ipsec.secrets" \
        --ipsecdir "$3" --dumpdir "$3/run"' \
    it-pluto "$IT_LIBRESWAN_ROOT" "$ns" "$dir" >"$dir/pluto.stdout" 2>&1 </dev/null &
  local pid=$!
  IT_PIDS+=("$pid")
  IT_PID_OF["$host/pluto"]=$pid
  IT_LOG_OF["$host/pluto-stdout"]="$dir/pluto.stdout"
  it_wait_for_daemon "$pid" 10 "pluto on $host to open its control socket" \
    test -S "$dir/run/pluto.ctl"
  # Load every conn of the file (auto=add).
  "$IT_LIBRESWAN_ROOT/usr/libexec/ipsec/addconn" --ctlsocket "$dir/run/pluto.ctl" \
    --config "$dir/ipsec.conf" --autoall >"$dir/addconn.out" 2>&1 ||
    { cat "$dir/addconn.out" >&2; it_fail "addconn failed on $host"; }
}

# it_whack <host> <whack args...>
it_whack() {
  local dir
  dir=$(it_pluto_dir "$1")
  shift
  "$IT_LIBRESWAN_ROOT/usr/libexec/ipsec/whack" --ctlsocket "$dir/run/pluto.ctl" "$@"
}

# it_pluto_log <host>
it_pluto_log() { echo "$(it_pluto_dir "$1")/pluto.log"; }
