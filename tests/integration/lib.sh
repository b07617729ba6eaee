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
#   IT_LIBRESWAN_DIR  folder with an unpacked libreswan to use as is
#   IT_CACHE_DIR      where to keep the libreswan fetched with apt-get download between runs
#                     (ctest sets the build folder); without either, each run fetches it anew

set -euo pipefail

IT_NAME=""
IT_PREFIX=""
IT_WORK=""
IT_BRIDGE_NS=""
IT_REMOVE_ETC_NETNS=0
IT_T0=""
declare -a IT_PIDS=()        # every background process we started, in start order
declare -a IT_NAMESPACES=()  # every namespace we created
declare -a IT_ETC_NETNS=()   # every /etc/netns/<ns> folder we created
declare -a IT_TMP_PATHS=()   # other temporary files and folders to remove
declare -A IT_HOST_NS=()     # host name -> namespace name
declare -A IT_PID_OF=()      # "<host>/<daemon>" -> pid
declare -A IT_LOG_OF=()      # "<host>/<daemon>" -> log file
declare -A IT_PORT_OF=()     # host name -> its veth port on the bridge (in $IT_BRIDGE_NS)

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
  printf '\n%s: FAIL: %s\n' "${IT_NAME:-it}" "$*" >&2
  exit 1
}

# it_skip <message>: exit with ctest's skip code (missing root or tools, not a product bug).
it_skip() {
  printf '%s: SKIP: %s\n' "${IT_NAME:-it}" "$*" >&2
  exit 77
}

# --------------------------------------------------------------------------- setup/cleanup

# it_init <test-name> [--ikesteer PATH] [--prefix PREFIX] [--work DIR] [--no-trap]
# Checks prerequisites, creates the work folder (a new temporary one unless --work) and
# installs the cleanup trap. --no-trap is for callers that tear down themselves.
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
      --work) IT_WORK="$2"; shift 2 ;;
      *) it_fail "it_init: unknown argument '$1'" ;;
    esac
  done
  ((EUID == 0)) || it_skip "needs root (network namespaces)"
  local tool
  for tool in ip charon-systemd swanctl; do
    command -v "$tool" >/dev/null 2>&1 || [[ -x /usr/sbin/$tool ]] ||
      it_skip "missing $tool (install the packages in .ci/packages/integration.txt)"
  done
  if [[ -n "$IT_WORK" ]]; then
    mkdir -p "$IT_WORK"
  else
    IT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/ikesteer-it.${IT_NAME}.XXXXXX")
  fi
  if ((trap_on)); then
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
  it_teardown
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

# it_teardown: stop every process we started and delete every namespace and /etc/netns
# folder we created.
it_teardown() {
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
  for i in "${IT_TMP_PATHS[@]}"; do
    rm -rf -- "$i"
  done
  # /etc/netns itself only if this run created it (and nothing else is in it now).
  ((IT_REMOVE_ETC_NETNS)) && rmdir /etc/netns 2>/dev/null
  IT_PIDS=()
  IT_NAMESPACES=()
  IT_ETC_NETNS=()
  IT_TMP_PATHS=()
  return 0
}

# it_state_save <file>: write what it_teardown needs, for a later process (examples/lab).
it_state_save() {
  {
    declare -p IT_PIDS IT_NAMESPACES IT_ETC_NETNS IT_REMOVE_ETC_NETNS IT_HOST_NS IT_PID_OF \
      IT_LOG_OF IT_PREFIX IT_WORK IT_BRIDGE_NS
  } | sed -E -e 's/^declare -- /declare -g /' -e 's/^declare -([aAix]+) /declare -g\1 /' >"$1"
}

# it_state_load <file>: read what it_state_save wrote.
it_state_load() {
  # shellcheck source=/dev/null
  source "$1"
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

# it_re_escape <text>: the text as a literal in an extended regular expression.
it_re_escape() {
  # "[" is last in the bracket so that "[." is never read as a collating symbol.
  sed -E 's/[]$*.^()+?{}|\\[]/\\&/g' <<<"$1"
}

# it_count_lines <file> <extended-regex>: number of matching lines (0 if no file).
it_count_lines() {
  if [[ -f "$1" ]]; then grep -cE -- "$2" "$1" || true; else echo 0; fi
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
  IT_PORT_OF[$host]=$port
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
  [[ -d /etc/netns ]] || IT_REMOVE_ETC_NETNS=1
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

# it_link_set <host> up|down: bring the host's port on the bridge up or down, as pulling its
# cable would (the host keeps its addresses and processes; its eth0 loses the carrier).
it_link_set() {
  local port=${IT_PORT_OF[$1]:-}
  [[ -n "$port" ]] || it_fail "unknown host '$1'"
  ip -n "$IT_BRIDGE_NS" link set "$port" "$2"
}

# it_has_address <host> <address>: true if the address is configured in the host (any
# interface, any prefix length).
it_has_address() {
  local plen=32
  [[ "$2" == *:* ]] && plen=128
  [[ -n $(it_exec "$1" ip -o addr show to "$2/$plen" 2>/dev/null) ]]
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
      # Prefix lines with the IKE SA's connection name and unique id, e.g. "<c1|1>".
      ike_name = yes
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
  it_wait_for_daemon "$pid" 10 "charon on $host to answer on vici" \
    timeout 3 env SWANCTL_DIR="$dir/swanctl" swanctl --stats --uri "unix://$dir/charon.vici"
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

# it_member_swanctl_conf [<extra lines>]: swanctl.conf of a cluster member: the shared
# responder identity $IT_CLUSTER_ID, PSK with no ids (any client identity), remote id %any, no
# uniqueness checks. Extra lines go into the connection (e.g. a children section).
# shellcheck disable=SC2120 # the argument is optional
it_member_swanctl_conf() {
  local id=$IT_CLUSTER_ID extra=${1:-}
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
$extra
  }
}
secrets {
  ike-cluster {
    secret = "$IT_PSK"
  }
}
EOF
}

# it_client_conn <name> <local-address> <remote-address-or-name> [<remote-id>] [<extra lines>]:
# one swanctl connection block of a client (no CHILD_SA unless the extra lines, which go into
# the connection, add one: the IKE SA is what the tests assert).
it_client_conn() {
  local name=$1 local_addr=$2 remote_addr=$3 remote_id=${4:-$IT_CLUSTER_ID} extra=${5:-}
  cat <<EOF
  $name {
    version = 2
    proposals = aes128-sha256-x25519
    # Keep each client on its one address (it would announce the others with MOBIKE).
    mobike = no
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
$extra
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
#   "<connection> <state> <local-host> <remote-host> <remote-id> <unique-id>".
it_ike_sas() {
  it_swanctl "$1" --list-sas --raw 2>/dev/null | it_parse_raw_sas
}

# Parses `swanctl --list-sas --raw` output (one "list-sa event {...}" line per IKE SA). Only
# the IKE SA's own fields count: its CHILD_SAs (state, uniqueid, ...) are cut off first.
it_parse_raw_sas() {
  local line name state lh rh rid uid
  while IFS= read -r line; do
    [[ "$line" == *"list-sa event"* ]] || continue
    line="${line%% child-sas \{*} "
    name=$(sed -nE 's/^list-sa event \{([^ {]+) \{.*/\1/p' <<<"$line")
    state=$(sed -nE 's/.* state=([A-Z_]+) .*/\1/p' <<<"$line")
    lh=$(sed -nE 's/.* local-host=([^ ]+) .*/\1/p' <<<"$line")
    rh=$(sed -nE 's/.* remote-host=([^ ]+) .*/\1/p' <<<"$line")
    rid=$(sed -nE 's/.* remote-id=([^ ]+) .*/\1/p' <<<"$line")
    uid=$(sed -nE 's/.*[{ ]uniqueid=([0-9]+) .*/\1/p' <<<"$line")
    echo "$name $state $lh $rh $rid $uid"
  done
}

# it_ike_sa_keys <host>: the host's ESTABLISHED IKE SAs with what identifies each one, one per
# line: "<connection> <unique-id> <initiator-spi> <responder-spi> <remote-host>". An IKE SA
# that was torn down and set up again differs in all but the connection and the remote host.
it_ike_sa_keys() {
  local line
  it_swanctl "$1" --list-sas --raw 2>/dev/null | while IFS= read -r line; do
    line="${line%% child-sas \{*} "
    [[ "$line" == "list-sa event "* && "$line" == *" state=ESTABLISHED "* ]] || continue
    sed -nE 's/^list-sa event \{([^ {]+) \{uniqueid=([0-9]+) .* remote-host=([^ ]+) .* initiator-spi=([0-9a-f]+) responder-spi=([0-9a-f]+) .*/\1 \2 \4 \5 \3/p' <<<"$line"
  done
}

# it_has_established_from <host> <client-address>: true if the host has an ESTABLISHED IKE
# SA whose remote host is that address.
it_has_established_from() {
  it_ike_sas "$1" | awk -v c="$2" '$2 == "ESTABLISHED" && $4 == c { f = 1 } END { exit !f }'
}

# it_no_sas_from <host> <client-address>: true if the host has no IKE SA with that peer.
it_no_sas_from() {
  (($(it_count_sas_from "$1" "$2") == 0))
}

# it_count_sas_from <host> <client-address>: number of IKE SAs (any state) with that peer.
it_count_sas_from() {
  it_ike_sas "$1" | awk -v c="$2" '$4 == c { n++ } END { print n + 0 }'
}

# --------------------------------------------------------------------------- ikesteer

# it_ikesteer_conf <listen-address>... : the common part of a test configuration (TOML):
# listens on the given addresses, ports 500 and 4500, one event loop, debug log (ikesteer logs
# every redirect decision at debug level). $IT_UNSUPPORTED_CLIENT selects the policy for
# clients without REDIRECT_SUPPORTED (default "no-proposal-chosen").
it_ikesteer_conf() {
  local a list=""
  for a in "$@"; do list+="${list:+, }\"$a\""; done
  cat <<EOF
# generated by tests/integration/lib.sh
[ike]
listen = [$list]
ports = [500, 4500]
threads = 1
unsupported_client = "${IT_UNSUPPORTED_CLIENT:-no-proposal-chosen}"

[log]
level = "debug"
EOF
}

# it_ikesteer_member <name> <gateway> <address>... : one [[member]] table (gateway "" = the
# member's address in the client's family).
it_ikesteer_member() {
  local name=$1 gateway=$2 a list=""
  shift 2
  for a in "$@"; do list+="${list:+, }\"$a\""; done
  cat <<EOF

[[member]]
name = "$name"
addresses = [$list]
gateway = "$gateway"
EOF
}

# it_ikesteer_field <host> <client-address> <field>: a field of the last "redirected" line
# ikesteer logged for that client (empty if none). Log lines look like
#   level=debug sub=ike msg=redirected client=203.0.113.101 member=m2 gateway=198.51.100.12 ...
it_ikesteer_field() {
  local log
  log=$(it_ikesteer_log "$1")
  grep -E "msg=\"?redirected\"? .*client=$(it_re_escape "$2")( |\$)" "$log" 2>/dev/null | tail -n 1 |
    sed -nE "s/.* $3=(\"?)([^ \"]+)\\1( .*|\$)/\\2/p"
}

# it_ikesteer_redirect_count <host> <client-address>: "redirected" lines logged for a client.
it_ikesteer_redirect_count() {
  local log
  log=$(it_ikesteer_log "$1")
  grep -cE "msg=\"?redirected\"? .*client=$(it_re_escape "$2")( |\$)" "$log" 2>/dev/null || true
}

# it_ikesteer_start <host> <config-file>: run ikesteer in the host's namespace, stderr to
# $IT_WORK/<host>/ikesteer.log.
it_ikesteer_start() {
  local host=$1 conf=$2 ns log
  it_need_ikesteer
  ns=$(it_ns "$host")
  mkdir -p "$IT_WORK/$host"
  log="$IT_WORK/$host/ikesteer.log"
  IT_LOG_OF["$host/ikesteer"]=$log
  "$IKESTEER" --check-config "$conf" >"$IT_WORK/$host/check-config.out" 2>&1 ||
    { cat "$IT_WORK/$host/check-config.out" >&2; it_fail "ikesteer --check-config rejected $conf"; }
  ip netns exec "$ns" "$IKESTEER" --config "$conf" >"$log" 2>&1 </dev/null &
  local pid=$!
  IT_PIDS+=("$pid")
  IT_PID_OF["$host/ikesteer"]=$pid
  it_wait_for_daemon "$pid" 10 "ikesteer on $host to log that it listens" \
    it_file_has "$log" 'msg="?listening'
  it_wait_for_daemon "$pid" 5 "ikesteer on $host to bind UDP 500" it_udp_listening "$host" 500
}

# it_ikesteer_log <host>
it_ikesteer_log() { echo "$IT_WORK/$1/ikesteer.log"; }

# it_ikesteer_alive <host>: fail the test if the daemon exited.
it_ikesteer_alive() {
  local pid=${IT_PID_OF["$1/ikesteer"]:-}
  if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
    it_fail "ikesteer on $1 is not running (see its log above)"
  fi
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

# it_ikesteer_finish <host>: stop ikesteer with SIGTERM as an operator would and check that it
# exits at once with status 0 and logged no sanitizer report (CI runs ASan+UBSan builds).
it_ikesteer_finish() {
  local host=$1 pid log rc=0 i
  pid=${IT_PID_OF["$host/ikesteer"]:-}
  log=$(it_ikesteer_log "$host")
  [[ -n "$pid" ]] || it_fail "ikesteer was not started on $host"
  kill -0 "$pid" 2>/dev/null || it_fail "ikesteer on $host exited before the end of the test"
  kill -TERM "$pid"
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    it_fail "ikesteer on $host still runs 5 s after SIGTERM"
  fi
  wait "$pid" || rc=$?
  unset 'IT_PID_OF['"$host"'/ikesteer]'
  ! it_file_has "$log" 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' ||
    it_fail "ikesteer on $host logged a sanitizer report"
  ((rc == 0)) || it_fail "ikesteer on $host exited with status $rc after SIGTERM"
  it_file_has "$log" 'msg="?stopping' || it_fail "ikesteer on $host did not log that it stops"
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
    IT_TMP_PATHS+=("$dl")
    # _apt must be able to write there, or apt warns and downloads unsandboxed.
    chmod 755 "$dl"
    if ! (cd "$dl" && apt-get download libreswan >"$dl/apt.log" 2>&1); then
      # Package lists may be missing on a fresh machine.
      apt-get update -q >>"$dl/apt.log" 2>&1 || true
      (cd "$dl" && apt-get download libreswan >>"$dl/apt.log" 2>&1) ||
        { cat "$dl/apt.log" >&2; it_fail "apt-get download libreswan failed"; }
    fi
    # Unpack beside the target and rename, so an interrupted run leaves no half tree behind.
    mkdir -p "$(dirname "$root")"
    rm -rf "$root.partial"
    IT_TMP_PATHS+=("$root.partial")
    dpkg-deb -x "$dl"/libreswan_*.deb "$root.partial" || it_fail "dpkg-deb -x of libreswan failed"
    rm -rf "$root"
    mv "$root.partial" "$root"
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
  # shellcheck disable=SC2016 # $1..$3 are the inner shell's arguments
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

# it_whack <host> <whack args...> (at most 20 s)
it_whack() {
  local dir
  dir=$(it_pluto_dir "$1")
  shift
  # whack waits for the exchange it started; bound it.
  timeout 20 "$IT_LIBRESWAN_ROOT/usr/libexec/ipsec/whack" --ctlsocket "$dir/run/pluto.ctl" "$@"
}

# it_pluto_readd <host> <conn>: delete a connection (and its SAs) and load it again from the
# configuration file, as restarting the client would.
it_pluto_readd() {
  local dir
  dir=$(it_pluto_dir "$1")
  it_whack "$1" --name "$2" --delete >/dev/null 2>&1 || true
  "$IT_LIBRESWAN_ROOT/usr/libexec/ipsec/addconn" --ctlsocket "$dir/run/pluto.ctl" \
    --config "$dir/ipsec.conf" "$2" >"$dir/addconn-$2.out" 2>&1 ||
    { cat "$dir/addconn-$2.out" >&2; it_fail "addconn $2 failed on $1"; }
}

# it_pluto_log <host>
it_pluto_log() { echo "$(it_pluto_dir "$1")/pluto.log"; }

# --------------------------------------------------------------------------- assertions

# What the tests expect of each member, filled by the test script:
#   IT_GW_OF[member]    the redirect target as ikesteer logs it and the client reports it
#                       ("redirected to <gateway>"): an address or an FQDN
#   IT_ADDR_OF[member]  the address the client's IKE SA must end up with
declare -A IT_GW_OF=()
declare -A IT_ADDR_OF=()
IT_LAST_MEMBER=""

# it_connect_and_check <front-host> <client-host> <connection> <client-address> <front-address>
# A strongSwan client initiates the connection (whose remote is the front end) and this checks
# everything a user would look at; sets IT_LAST_MEMBER to the member it ended up on.
#   1. ikesteer logged exactly one new redirect for the client, to a known member, with that
#      member's gateway;
#   2. the client's log shows exactly one new "redirected to <gateway>";
#   3. the client has an ESTABLISHED IKE SA of that connection with the member's address;
#   4. the member has an ESTABLISHED IKE SA with the client's address and logged that the
#      client came from the front end (REDIRECTED_FROM);
#   5. no other member has any IKE SA with the client's address.
it_connect_and_check() {
  local front=$1 client=$2 conn=$3 c=$4 front_addr=$5
  local clog member gw addr m n before client_before from_front_re from_front_before
  clog=$(it_charon_log "$client")
  before=$(it_ikesteer_redirect_count "$front" "$c")
  client_before=$(it_count_lines "$clog" "<$conn\\|[0-9]+> redirected to ")
  from_front_re="<$conn\\|[0-9]+> received packet: from $(it_re_escape "$front_addr")\\[500\\] to $(it_re_escape "$c")\\[500\\]"
  from_front_before=$(it_count_lines "$clog" "$from_front_re")
  it_initiate "$client" "$conn" 15 ||
    { cat "$IT_WORK/$client/initiate-$conn.out" >&2; it_fail "client $c ($conn): swanctl --initiate failed"; }

  n=$(it_ikesteer_redirect_count "$front" "$c")
  ((n == before + 1)) || it_fail "client $c: ikesteer logged $((n - before)) redirects for it, expected 1"
  member=$(it_ikesteer_field "$front" "$c" member)
  [[ -n "$member" && -n "${IT_ADDR_OF[$member]:-}" ]] ||
    it_fail "client $c: ikesteer logged unknown member '$member'"
  gw=$(it_ikesteer_field "$front" "$c" gateway)
  [[ "$gw" == "${IT_GW_OF[$member]}" ]] ||
    it_fail "client $c: ikesteer logged gateway '$gw' for $member, expected ${IT_GW_OF[$member]}"
  addr=${IT_ADDR_OF[$member]}

  # The REDIRECT came from the very address the client had contacted.
  n=$(it_count_lines "$clog" "$from_front_re")
  ((n == from_front_before + 1)) ||
    it_fail "client $c: its log shows $((n - from_front_before)) new packets from ${front_addr}[500], expected 1 (the front end must answer from the address it was sent to)"
  n=$(it_count_lines "$clog" "<$conn\\|[0-9]+> redirected to ")
  ((n == client_before + 1)) ||
    it_fail "client $c: its charon log shows $((n - client_before)) new redirects, expected 1"
  it_file_has "$clog" "<$conn\\|[0-9]+> redirected to $(it_re_escape "$gw")\$" ||
    it_fail "client $c: its charon log does not show 'redirected to $gw'"

  it_ike_sas "$client" |
    awk -v n="$conn" -v a="$addr" '$1 == n && $2 == "ESTABLISHED" && $4 == a { f = 1 } END { exit !f }' ||
    it_fail "client $c: no ESTABLISHED IKE SA of $conn with $addr; client has: $(it_ike_sas "$client" | tr '\n' ';')"

  it_has_established_from "$member" "$c" ||
    it_fail "client $c: member $member has no ESTABLISHED IKE SA from $c; it has: $(it_ike_sas "$member" | tr '\n' ';')"
  it_check_redirected_from "$member" "$c" "$front_addr"

  for m in "${!IT_ADDR_OF[@]}"; do
    [[ "$m" == "$member" ]] && continue
    (($(it_count_sas_from "$m" "$c") == 0)) ||
      it_fail "client $c: member $m also has an IKE SA with it (ikesteer chose $member)"
  done
  IT_LAST_MEMBER=$member
}

# it_check_redirected_from <member-host> <client-address> <front-address>: the member's IKE SA
# with the client was set up with REDIRECTED_FROM naming the front-end address the client had
# contacted (the member logs "<1> client got redirected from <address>" for that IKE SA,
# before the SA has a connection name).
it_check_redirected_from() {
  local member=$1 c=$2 front_addr=$3 uid
  uid=$(it_ike_sas "$member" | awk -v c="$c" '$2 == "ESTABLISHED" && $4 == c { print $6 }' | tail -n 1)
  [[ -n "$uid" ]] || it_fail "member $member has no ESTABLISHED IKE SA from $c"
  it_file_has "$(it_charon_log "$member")" \
    "<([^|>]*\\|)?$uid> client got redirected from $(it_re_escape "$front_addr")\$" ||
    it_fail "member $member did not log REDIRECTED_FROM $front_addr for the IKE SA of $c (#$uid)"
}

# it_reconnect_sticks <front-host> <client-host> <connection> <client-address> <front-address>
# Closes the client's IKE SA, waits until its member dropped it, connects again and checks
# that the client lands on the same member.
it_reconnect_sticks() {
  local front=$1 client=$2 conn=$3 c=$4 front_addr=$5 was
  was=$(it_ikesteer_field "$front" "$c" member)
  it_terminate "$client" "$conn"
  it_wait_for 5 "member $was to delete the IKE SA of $c" it_no_sas_from "$was" "$c"
  it_connect_and_check "$front" "$client" "$conn" "$c" "$front_addr"
  [[ "$IT_LAST_MEMBER" == "$was" ]] ||
    it_fail "client $c reconnected to $IT_LAST_MEMBER, first time it was on $was"
  it_log "client $c reconnected -> $IT_LAST_MEMBER again"
}
