# shellcheck shell=bash
# Cluster mode test helpers: several ikesteer front ends sharing state in an etcd cluster, their
# own address moved by keepalived (VRRP) or spread by an ECMP route, and an audit of the failover
# hook's claims. Source it after lib.sh (and after it_init and it_topology_init have run before
# any cl_* function is called); every process started here is registered in IT_PIDS, every log
# in IT_LOG_OF, so lib.sh's cleanup stops them and dumps the logs on failure.
#
#   etcd       cl_etcd_start <host>...     one member per host namespace (its first IPv4 address
#                                          on eth0), client http://<addr>:2379, peer :2380
#              cl_etcd_endpoints           the client URLs, comma-separated
#              cl_etcdctl <args...>        etcdctl (API 3) against all members, from
#                                          $CL_ETCDCTL_HOST (default: the first member's host)
#              cl_etcdctl_bg <out> <args...>  the same in the background (elect, watch, lease
#                                          keep-alive); its pid in CL_LAST_PID and IT_PIDS
#              cl_etcd_kill <host>         SIGKILL that member
#              cl_etcd_stop <host>         SIGTERM that member (and wait)
#              cl_etcd_stop_all
#              cl_etcd_restart <host>      stop it if it runs, start it again on its data dir
#              cl_etcd_healthy [<host>...] `etcdctl endpoint health` passes on those (or all)
#              cl_etcd_leader              the host whose member is the raft leader
#   ikesteer   cl_ikesteer_cluster_conf [--advertise URL] [--prefix P] <instance> <lease-ttl>
#                                          [<endpoint>...]: the [cluster] table
#   VRRP       cl_vrrp_start <host> <priority> <vip> <track-command...>
#              cl_vrrp_stop <host>, cl_vrrp_kill <host>
#              cl_vrrp_holder <vip> <host>...  the host that has the VIP ("" if none)
#              cl_vrrp_describe <vip> <host>...  states, track interfaces, VIP (for messages)
#              cl_vrrp_state <host>        MASTER, BACKUP, FAULT... as keepalived last logged it
#              cl_vrrp_track_changed_at <host> <0|1> <since-ms>  when the track poller
#                                          (CL_VRRP_TRACK_MS) saw the command succeed/fail
#   ECMP       cl_ecmp_route <client-host> <vip> <host>...
#              cl_ecmp_neigh_fast <client-host>   neighbour timers that skip a dead next hop fast
#              cl_ecmp_nexthop <client-host> <vip> <proto> <sport> <dport>  the next hop the
#                                          kernel picks for that flow
#   audit      cl_audit_hook <log> [<hook argv>...]  write a failover hook that logs each call
#                                          (and runs the real hook); prints its path
#              cl_audit_check <log>        fail unless claims never go back to an older revision
#              cl_audit_claims_of <log> <address>  number of successful claims of the address
#
# Tools: etcd and etcdctl (etcd-server, etcd-client), keepalived, python3 for stand-ins;
# .ci/packages/integration.txt.

# --------------------------------------------------------------------------- etcd
#
# Test timings: heartbeat 100 ms, election timeout 500 ms (etcd requires election >= 5 x
# heartbeat). etcd refuses lease TTLs below ceil(1.5 x election ticks x heartbeat) = ceil(0.75 s)
# = 1 s with these (it silently raises a shorter TTL to that minimum). --pre-vote keeps a member
# that comes back from a partition from deposing a healthy leader (the default from 3.5 on).
CL_ETCD_HEARTBEAT_MS=${CL_ETCD_HEARTBEAT_MS:-100}
CL_ETCD_ELECTION_MS=${CL_ETCD_ELECTION_MS:-500}
CL_ETCD_START_TIMEOUT=${CL_ETCD_START_TIMEOUT:-15}
CL_ETCDCTL_HOST=${CL_ETCDCTL_HOST:-}
CL_LAST_PID=""
declare -a CL_ETCD_HOSTS=()    # in the order given to cl_etcd_start
declare -A CL_ETCD_ADDR=()     # host -> its member's address
CL_ETCD_CLUSTER=""             # --initial-cluster
CL_ETCD_TOKEN=""

# cl_host_ipv4 <host>: the first IPv4 address on the host's eth0.
cl_host_ipv4() {
  it_exec "$1" ip -4 -o addr show dev eth0 | awk '{ split($4, a, "/"); print a[1]; exit }'
}

# cl_etcd_endpoints: the members' client URLs, comma-separated.
cl_etcd_endpoints() {
  local h out=""
  for h in "${CL_ETCD_HOSTS[@]}"; do out+="${out:+,}http://${CL_ETCD_ADDR[$h]}:2379"; done
  echo "$out"
}

# cl_etcd_endpoint <host>: one member's client URL.
cl_etcd_endpoint() { echo "http://${CL_ETCD_ADDR[$1]}:2379"; }

# cl_etcdctl <args...>: etcdctl (API 3) against every member, from $CL_ETCDCTL_HOST. Dial and
# command timeouts are short so that a dead member never hangs a test (2 s per command; give
# --command-timeout=... to change it). Set ETCDCTL_ENDPOINTS to talk to fewer members.
cl_etcdctl() {
  it_exec "${CL_ETCDCTL_HOST:-${CL_ETCD_HOSTS[0]}}" env ETCDCTL_API=3 \
    ETCDCTL_ENDPOINTS="${ETCDCTL_ENDPOINTS:-$(cl_etcd_endpoints)}" \
    etcdctl --dial-timeout=1s --command-timeout=2s "$@"
}

# cl_etcdctl_bg <output-file> <args...>: cl_etcdctl in the background (stdout and stderr to the
# file), for commands that run until stopped: `elect <name> <proposal>`, `watch`,
# `lease keep-alive`. Its pid (etcdctl's own: ip netns exec and env exec) goes to CL_LAST_PID and
# IT_PIDS; stop it with it_stop_pid.
cl_etcdctl_bg() {
  local out=$1 ns
  shift
  ns=$(it_ns "${CL_ETCDCTL_HOST:-${CL_ETCD_HOSTS[0]}}")
  ip netns exec "$ns" env ETCDCTL_API=3 \
    ETCDCTL_ENDPOINTS="${ETCDCTL_ENDPOINTS:-$(cl_etcd_endpoints)}" etcdctl --dial-timeout=1s "$@" \
    >"$out" 2>&1 </dev/null &
  CL_LAST_PID=$!
  IT_PIDS+=("$CL_LAST_PID")
}

# cl_etcd_healthy [<host>...]: `endpoint health` passes for those members (default: all), i.e.
# each answers a linearizable read (which needs a quorum and a leader).
cl_etcd_healthy() {
  local h eps=""
  (($#)) || set -- "${CL_ETCD_HOSTS[@]}"
  for h in "$@"; do eps+="${eps:+,}$(cl_etcd_endpoint "$h")"; done
  ETCDCTL_ENDPOINTS=$eps cl_etcdctl endpoint health >/dev/null 2>&1
}

# cl_etcd_launch <host>: start (or start again) the member of that host.
cl_etcd_launch() {
  local host=$1 ns dir addr log
  ns=$(it_ns "$host")
  addr=${CL_ETCD_ADDR[$host]}
  dir="$IT_WORK/$host"
  log="$dir/etcd.log"
  mkdir -p "$dir/etcd"
  chmod 700 "$dir/etcd"
  IT_LOG_OF["$host/etcd"]=$log
  # The member listens on its namespace's address only (and loopback for a local etcdctl).
  # --initial-cluster-state is only read with an empty data dir; a restart reuses the data.
  ip netns exec "$ns" etcd --name "$host" --data-dir "$dir/etcd" \
    --listen-client-urls "http://$addr:2379,http://127.0.0.1:2379" \
    --advertise-client-urls "http://$addr:2379" \
    --listen-peer-urls "http://$addr:2380" --initial-advertise-peer-urls "http://$addr:2380" \
    --initial-cluster "$CL_ETCD_CLUSTER" --initial-cluster-token "$CL_ETCD_TOKEN" \
    --initial-cluster-state new \
    --heartbeat-interval "$CL_ETCD_HEARTBEAT_MS" --election-timeout "$CL_ETCD_ELECTION_MS" \
    --pre-vote=true --logger zap --log-outputs stderr --log-level info \
    >>"$log" 2>&1 </dev/null &
  local pid=$!
  IT_PIDS+=("$pid")
  IT_PID_OF["$host/etcd"]=$pid
}

# cl_etcd_start <host>...: an etcd cluster with one member per host (hosts already made with
# it_host_add; each member uses the host's first IPv4 address on eth0). Waits until every
# member is healthy (CL_ETCD_START_TIMEOUT, 15 s) and logs how long that took.
cl_etcd_start() {
  (($#)) || it_fail "cl_etcd_start: no hosts"
  command -v etcd >/dev/null || it_skip "missing etcd (package etcd-server)"
  command -v etcdctl >/dev/null || it_skip "missing etcdctl (package etcd-client)"
  local h addr t0
  CL_ETCD_HOSTS=("$@")
  CL_ETCD_CLUSTER=""
  CL_ETCD_TOKEN="${IT_PREFIX}-etcd"
  for h in "$@"; do
    addr=$(cl_host_ipv4 "$h")
    [[ -n "$addr" ]] || it_fail "cl_etcd_start: host $h has no IPv4 address on eth0"
    CL_ETCD_ADDR[$h]=$addr
    CL_ETCD_CLUSTER+="${CL_ETCD_CLUSTER:+,}$h=http://$addr:2380"
  done
  t0=$(it_now_ms)
  for h in "$@"; do cl_etcd_launch "$h"; done
  cl_etcd_wait_healthy "$CL_ETCD_START_TIMEOUT" "$@"
  CL_ETCD_START_MS=$(($(it_now_ms) - t0))
  it_log "etcd cluster of $# members healthy after ${CL_ETCD_START_MS} ms: $(cl_etcd_endpoints)"
}

# cl_etcd_wait_healthy <timeout-seconds> <host>...: wait until those members are healthy;
# fails at once if one of their processes exits.
cl_etcd_wait_healthy() {
  local timeout=$1 h deadline
  shift
  deadline=$(($(it_now_ms) + timeout * 1000))
  while ! cl_etcd_healthy "$@"; do
    for h in "$@"; do
      kill -0 "${IT_PID_OF["$h/etcd"]:-0}" 2>/dev/null ||
        it_fail "etcd on $h exited while waiting for the cluster (see $IT_WORK/$h/etcd.log)"
    done
    (($(it_now_ms) <= deadline)) ||
      it_fail "timed out after ${timeout}s waiting for etcd on $* to be healthy"
    sleep 0.1
  done
}

# cl_etcd_kill <host>: SIGKILL that member (a crash: nothing is flushed or handed over).
cl_etcd_kill() {
  local pid=${IT_PID_OF["$1/etcd"]:-}
  [[ -n "$pid" ]] || it_fail "cl_etcd_kill: no etcd running on $1"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset 'IT_PID_OF['"$1"'/etcd]'
}

# cl_etcd_stop <host>: SIGTERM that member and wait (5 s, then SIGKILL).
cl_etcd_stop() {
  local pid=${IT_PID_OF["$1/etcd"]:-}
  [[ -n "$pid" ]] || return 0
  it_stop_pid "$pid" 5
  unset 'IT_PID_OF['"$1"'/etcd]'
}

# cl_etcd_stop_all: stop every member.
cl_etcd_stop_all() {
  local h
  for h in "${CL_ETCD_HOSTS[@]}"; do cl_etcd_stop "$h"; done
}

# cl_etcd_restart <host>: stop the member if it runs, start it again on its data dir and wait
# until it is healthy (it catches up from the leader).
cl_etcd_restart() {
  cl_etcd_stop "$1"
  cl_etcd_launch "$1"
  cl_etcd_wait_healthy "$CL_ETCD_START_TIMEOUT" "$1"
}

# cl_etcd_leader: the host whose member is the raft leader ("" if none answers).
cl_etcd_leader() {
  local h id lead
  for h in "${CL_ETCD_HOSTS[@]}"; do
    # "endpoint status -w fields" prints "MemberID" : n and "Leader" : n per endpoint.
    read -r id lead < <(ETCDCTL_ENDPOINTS=$(cl_etcd_endpoint "$h") cl_etcdctl endpoint status \
      -w fields 2>/dev/null | awk -F' : ' '/"MemberID"/ { m = $2 } /"Leader"/ { l = $2 }
        END { print m, l }') || true
    if [[ -n "${id:-}" && "$id" == "${lead:-}" ]]; then
      echo "$h"
      return 0
    fi
  done
}

# --------------------------------------------------------------------------- ikesteer config

# cl_ikesteer_cluster_conf [--advertise URL] [--prefix PREFIX] <instance> <lease-ttl-seconds>
#                          [<endpoint-url>...]
# Prints the [cluster] table of an instance's configuration; endpoints default to every etcd
# member started by cl_etcd_start.
cl_ikesteer_cluster_conf() {
  local advertise="" prefix="/ikesteer/"
  while [[ "${1:-}" == --* ]]; do
    case "$1" in
      --advertise) advertise=$2; shift 2 ;;
      --prefix) prefix=$2; shift 2 ;;
      *) it_fail "cl_ikesteer_cluster_conf: unknown option $1" ;;
    esac
  done
  local instance=$1 ttl=$2 e list=""
  shift 2
  if ((!$#)); then
    local eps
    IFS=, read -r -a eps <<<"$(cl_etcd_endpoints)"
    set -- "${eps[@]}"
  fi
  # A TOML float either way (lease_ttl = 3 would be an integer).
  [[ "$ttl" == *.* ]] || ttl="$ttl.0"
  for e in "$@"; do list+="${list:+, }\"$e\""; done
  cat <<EOF

[cluster]
instance = "$instance"
endpoints = [$list]
prefix = "$prefix"
lease_ttl = $ttl
EOF
  [[ -z "$advertise" ]] || printf 'advertise = "%s"\n' "$advertise"
}

# --------------------------------------------------------------------------- instances
#
# The ikesteer instances of a scenario, as the scripts declare them: CL_INSTANCES (names, in
# order), CL_FRONT[name] (its address; the API listens on :8080), CL_DEAD[name] set while one is
# down for good. The API is asked from CL_API_HOST's namespace (default: the instance's own,
# which works with its link down).
declare -a CL_INSTANCES=()
declare -A CL_FRONT=() CL_DEAD=()
CL_API_HOST=${CL_API_HOST:-}

# cl_api <instance> <path>: GET the instance's API (3 s at most).
cl_api() { it_exec "${CL_API_HOST:-$1}" curl -sf -m 3 "http://${CL_FRONT[$1]}:8080$2"; }
# cl_cluster_field <instance> <jq filter>: a field of its /api/v1/cluster.
cl_cluster_field() { cl_api "$1" /api/v1/cluster | jq -r "$2"; }
# cl_live: the instances not marked dead, one per line.
cl_live() {
  local f
  for f in "${CL_INSTANCES[@]}"; do [[ -n "${CL_DEAD[$f]:-}" ]] || echo "$f"; done
}
# cl_leader_agreed: prints the leader when every live instance names the same one, it is live
# and acting, and each sees every live instance's record.
cl_leader_agreed() {
  local f leader="" l n
  n=$(cl_live | wc -l)
  for f in $(cl_live); do
    l=$(cl_cluster_field "$f" .leader) || return 1
    [[ -n "$l" && (-z "$leader" || "$l" == "$leader") ]] || return 1
    leader=$l
    (($(cl_cluster_field "$f" '.instances | length') >= n)) || return 1
  done
  [[ -z "${CL_DEAD[$leader]:-}" && $(cl_cluster_field "$leader" .acting) == true ]] || return 1
  echo "$leader"
}
# cl_acting_instance: prints the live instance that acts (fails if none does).
cl_acting_instance() {
  local f
  for f in $(cl_live); do
    [[ $(cl_cluster_field "$f" .acting 2>/dev/null) == true ]] && { echo "$f"; return 0; }
  done
  return 1
}
# cl_wait_ms <timeout-ms> <command...>: prints the ms until the command succeeded (polled every
# 20 ms); nothing if it did not within the timeout.
cl_wait_ms() {
  local limit=$1 t0 now
  shift
  t0=$(it_now_ms)
  while :; do
    if "$@" >/dev/null 2>&1; then
      echo $(($(it_now_ms) - t0))
      return 0
    fi
    now=$(it_now_ms)
    ((now - t0 < limit)) || return 0
    sleep 0.02
  done
}

# --------------------------------------------------------------------------- VRRP (keepalived)
#
# One keepalived per host namespace, VRRP only (-P), in the foreground (-n) with its own pid
# files (-p/-r/-c: the defaults under /run would collide), logging to the console (-l -D, no
# syslog: -G) into $IT_WORK/<host>/keepalived.log (Debian's build has no -g/--log-file).
# VRRPv3 multicast (224.0.0.18) on eth0; the bridge floods it. VRRPv3 takes a fractional
# advert_int (centiseconds); v2 would round it to whole seconds.
# A vrrp_script's interval is whole seconds (2.2.7 refuses 0.2), so the track command is run at
# most once a second: a failing command puts the instance into FAULT within ~1 s, it drops the
# VIP and sends a priority-0 advert, and the backup takes over after its skew time.
# CL_VRRP_TRACK_MS=N (N > 0) instead polls the track command every N ms from a shell loop here
# that sets an interface of its own (cltrack, a veth) up or down, which keepalived tracks (track_interface,
# told by netlink at once), for sub-second takeovers. Not a track_file: keepalived learns of
# that file's changes by inotify, which a machine that has used up its inotify instances lacks.
CL_VRRP_ID=${CL_VRRP_ID:-51}
CL_VRRP_ADVERT_INT=${CL_VRRP_ADVERT_INT:-0.3}
CL_VRRP_TRACK_MS=${CL_VRRP_TRACK_MS:-0}
CL_VRRP_TRACK_TIMEOUT=${CL_VRRP_TRACK_TIMEOUT:-1}
CL_VRRP_TRACK_FALL=${CL_VRRP_TRACK_FALL:-1}  # failures in a row before the instance is FAULT
CL_VRRP_PREEMPT=${CL_VRRP_PREEMPT:-1}  # 0: nopreempt (a returning higher priority stays backup)

# cl_vrrp_start <host> <priority> <vip> <track-command...>
# Starts keepalived in the host with one vrrp_instance on eth0 holding <vip>/32 (or /128) while
# the track command succeeds (it runs in the host's namespace, e.g. `kill -0 <pid>` or
# `curl -sf -m 0.5 http://127.0.0.1:8080/readyz`). Both instances start as BACKUP; the higher
# priority wins and takes the VIP back when it returns (unless CL_VRRP_PREEMPT=0). Settings:
# CL_VRRP_ID (virtual_router_id, 51), CL_VRRP_ADVERT_INT (0.3 s), CL_VRRP_TRACK_MS (0: a
# vrrp_script every second), CL_VRRP_TRACK_TIMEOUT (1 s), CL_VRRP_TRACK_FALL (1: the first
# failure of the track command puts the instance into FAULT; more ride out a loaded machine's
# slow answers). A success clears FAULT at once (rise 1). On becoming master keepalived
# sends gratuitous ARPs (IPv6: unsolicited NAs) at once, and again 1 s later.
cl_vrrp_start() {
  local host=$1 prio=$2 vip=$3
  shift 3
  (($#)) || it_fail "cl_vrrp_start: no track command"
  command -v keepalived >/dev/null || [[ -x /usr/sbin/keepalived ]] ||
    it_skip "missing keepalived (package keepalived)"
  local ns dir plen=32 track_conf track_ref
  ns=$(it_ns "$host")
  dir="$IT_WORK/$host/keepalived"
  mkdir -p "$dir"
  [[ "$vip" == *:* ]] && plen=128
  # The track command, quoted as given, in a script of its own: keepalived splits a script
  # line itself and runs it without a shell.
  {
    echo '#!/bin/bash'
    printf '%q ' "$@"
    echo
  } >"$dir/track.sh"
  chmod 755 "$dir/track.sh"
  if ((CL_VRRP_TRACK_MS > 0)); then
    # A veth pair (kernels without the dummy module have veth: the tests' links are veths);
    # cltrack is down until the poller's first success (as init_fail does for a vrrp_script).
    ip -n "$ns" link show cltrack >/dev/null 2>&1 ||
      ip -n "$ns" link add cltrack type veth peer name cltrack-peer
    ip -n "$ns" link set cltrack-peer up
    ip -n "$ns" link set cltrack down
    track_conf=""
    track_ref="track_interface {
    cltrack
  }"
  else
    track_conf="vrrp_script cl_track {
  script \"$dir/track.sh\"
  interval 1
  timeout $CL_VRRP_TRACK_TIMEOUT
  fall $CL_VRRP_TRACK_FALL
  rise 1
  init_fail
}"
    track_ref="track_script {
    cl_track
  }"
  fi
  cat >"$dir/keepalived.conf" <<EOF
# generated by tests/integration/cluster_lib.sh for host $host
global_defs {
  router_id $host
  script_user root
  enable_script_security
  vrrp_version 3
  # Gratuitous ARPs/NAs: 5 at once on becoming master, 5 more 1 s later.
  vrrp_garp_master_delay 1
  vrrp_garp_master_repeat 5
  vrrp_garp_interval 0.01
  vrrp_gna_interval 0.01
}

$track_conf

vrrp_instance cl_vip {
  state BACKUP
  interface eth0
  virtual_router_id $CL_VRRP_ID
  priority $prio
  advert_int $CL_VRRP_ADVERT_INT
$( ((CL_VRRP_PREEMPT)) || echo "  nopreempt")
  virtual_ipaddress {
    $vip/$plen dev eth0
  }
  $track_ref
}
EOF
  ip netns exec "$ns" keepalived -t -f "$dir/keepalived.conf" >"$dir/config-test.out" 2>&1 ||
    { cat "$dir/config-test.out" >&2; it_fail "keepalived -t rejected $dir/keepalived.conf"; }
  : >"$dir/keepalived.log"
  # shellcheck disable=SC2034 # read by lib.sh's it_dump_logs
  IT_LOG_OF["$host/keepalived"]="$dir/keepalived.log"
  # ip netns exec execs: $! is keepalived's parent process; with -n it stays in the foreground
  # and its VRRP child dies with it (SIGTERM: the child drops the VIP first).
  ip netns exec "$ns" keepalived -n -l -D -G -P -f "$dir/keepalived.conf" \
    -p "$dir/keepalived.pid" -r "$dir/vrrp.pid" -c "$dir/checkers.pid" \
    >>"$dir/keepalived.log" 2>&1 </dev/null &
  local pid=$!
  IT_PIDS+=("$pid")
  IT_PID_OF["$host/keepalived"]=$pid
  if ((CL_VRRP_TRACK_MS > 0)); then
    cl_vrrp_poller "$host" &
    IT_PIDS+=("$!")
    IT_PID_OF["$host/vrrp-poller"]=$!
  fi
  it_wait_for_daemon "$pid" 5 "keepalived on $host to start its VRRP instance" \
    it_file_has "$dir/keepalived.log" '\(cl_vip\) Entering (BACKUP|FAULT|MASTER) STATE'
}

# cl_vrrp_poller <host>: run the host's track command every CL_VRRP_TRACK_MS ms; when its
# verdict (0 ok, 1 failed CL_VRRP_TRACK_FALL times in a row) changes, set the host's cltrack
# interface up (0) or down (1) and append "<ms> <verdict>" to track.changes
# (cl_vrrp_track_changed_at); each failed poll adds "<ms> rc=<exit code> after <ms> ms" to
# track.failures (cl_vrrp_describe shows the last). Runs in the background.
cl_vrrp_poller() {
  local dir="$IT_WORK/$1/keepalived" ns last=1 now failures=0
  ns=$(it_ns "$1")
  local sleep_s
  sleep_s=$(printf '0.%03d' "$CL_VRRP_TRACK_MS")
  ((CL_VRRP_TRACK_MS < 1000)) || sleep_s=$((CL_VRRP_TRACK_MS / 1000))
  local rc started
  while :; do
    started=$(it_now_ms)
    rc=0
    timeout "$CL_VRRP_TRACK_TIMEOUT" ip netns exec "$ns" "$dir/track.sh" >/dev/null 2>&1 || rc=$?
    if ((rc == 0)); then
      now=0 failures=0
    else
      echo "$started rc=$rc after $(($(it_now_ms) - started)) ms" >>"$dir/track.failures"
      now=$last
      ((++failures < CL_VRRP_TRACK_FALL)) || now=1
    fi
    if [[ "$now" != "$last" ]]; then
      if ((now == 0)); then ip -n "$ns" link set cltrack up; else ip -n "$ns" link set cltrack down; fi
      last=$now
      echo "$(it_now_ms) $now" >>"$dir/track.changes"
    fi
    sleep "$sleep_s"
  done
}

# cl_vrrp_track_changed_at <host> <verdict> <since-ms>: when (ms) the poller of the host
# (CL_VRRP_TRACK_MS > 0) first wrote that verdict (0 ok, 1 failed) at or after since-ms ("" if
# not yet).
cl_vrrp_track_changed_at() {
  awk -v v="$2" -v t="$3" '$1 >= t && $2 == v { print $1; exit }' \
    "$IT_WORK/$1/keepalived/track.changes" 2>/dev/null
}

# cl_vrrp_stop <host>: stop keepalived politely (it drops the VIP and sends a priority-0
# advert, so the backup takes over at once).
cl_vrrp_stop() {
  local pid=${IT_PID_OF["$1/keepalived"]:-} poller=${IT_PID_OF["$1/vrrp-poller"]:-}
  [[ -n "$poller" ]] && it_stop_pid "$poller" 1
  [[ -n "$pid" ]] && it_stop_pid "$pid" 5
  unset 'IT_PID_OF['"$1"'/keepalived]' 'IT_PID_OF['"$1"'/vrrp-poller]'
}

# cl_vrrp_kill <host>: SIGKILL keepalived and its VRRP child (a crash: the VIP stays on the
# host's interface, adverts stop; the backup takes over after 3 x advert_int + skew).
cl_vrrp_kill() {
  local pid child
  pid=${IT_PID_OF["$1/keepalived"]:-}
  [[ -n "$pid" ]] || it_fail "cl_vrrp_kill: no keepalived running on $1"
  # The VRRP child first: it gets SIGTERM when its parent dies (and would then drop the VIP
  # and hand over cleanly, which is not a crash).
  child=$(ps -o pid= --ppid "$pid" 2>/dev/null | tr '\n' ' ')
  # shellcheck disable=SC2086 # a list of pids
  kill -KILL $child 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset 'IT_PID_OF['"$1"'/keepalived]'
}

# cl_vrrp_state <host>: the state keepalived last logged for the instance (MASTER, BACKUP,
# FAULT; "" before the first).
cl_vrrp_state() {
  sed -nE 's/.*\(cl_vip\) Entering ([A-Z]+) STATE.*/\1/p' "$IT_WORK/$1/keepalived/keepalived.log" |
    tail -n 1
}

# cl_vrrp_describe <vip> <host>...: each host's keepalived state, its track interface and
# whether it has the VIP, for failure messages ("f1 FAULT track=DOWN; f2 BACKUP track=UP VIP").
cl_vrrp_describe() {
  local vip=$1 h out=""
  shift
  for h in "$@"; do
    if [[ -n "${IT_PID_OF["$h/keepalived"]:-}" ]]; then out+="$h $(cl_vrrp_state "$h")"
    else out+="$h (no keepalived)"
    fi
    out+=" track=$(ip -n "$(it_ns "$h")" -br link show cltrack 2>/dev/null | awk '{ print $2 }')"
    [[ -s "$IT_WORK/$h/keepalived/track.failures" ]] &&
      out+=" (last failed poll at $(tail -n 1 "$IT_WORK/$h/keepalived/track.failures"))"
    it_has_address "$h" "$vip" && out+=" VIP"
    out+="; "
  done
  echo "${out%; }"
}

# cl_vrrp_holder <vip> <host>...: prints the host that has the VIP ("" if none); fails if more
# than one has it.
cl_vrrp_holder() {
  local vip=$1 h found=""
  shift
  for h in "$@"; do
    if it_has_address "$h" "$vip"; then
      [[ -z "$found" ]] || it_fail "both $found and $h have $vip"
      found=$h
    fi
  done
  echo "$found"
}

# cl_vrrp_is_holder <vip> <host> <hosts...>: true if <host> is the only one of <hosts> with the
# VIP (for it_wait_for).
cl_vrrp_is_holder() {
  local vip=$1 want=$2
  shift 2
  [[ "$(cl_vrrp_holder "$vip" "$@")" == "$want" ]]
}

# cl_neigh_mac <host> <address>: the MAC the host's neighbour table has for the address ("" if
# none or not valid).
cl_neigh_mac() {
  it_exec "$1" ip neigh show "$2" dev eth0 |
    awk '$NF != "FAILED" && $NF != "INCOMPLETE" {
      for (i = 1; i < NF; i++) if ($i == "lladdr") { print $(i + 1); exit } }'
}

# cl_mac_of <host>: the MAC of the host's eth0.
cl_mac_of() {
  it_exec "$1" cat /sys/class/net/eth0/address
}

# --------------------------------------------------------------------------- ECMP
#
# The client reaches the VIP over a multipath route through every host (each has the VIP on its
# loopback, so it accepts packets for it; arp_ignore=1 keeps it from answering ARP for it on
# eth0; the test kernel has no dummy interfaces). With fib_multipath_hash_policy=1 the kernel
# hashes on the 5-tuple (L4), so each UDP source port is its own flow; with
# fib_multipath_use_neigh=1 it skips a next hop whose neighbour entry is INCOMPLETE or FAILED (no
# entry, STALE, DELAY and PROBE count as good). A dead host is therefore skipped only once the
# client's entry for it has gone through STALE -> DELAY -> PROBE -> FAILED, which needs traffic
# towards it; with Linux's defaults that is 15-45 s (reachable) + 5 s
# (delay) + 3 x 1 s (probes), measured 37 s. cl_ecmp_neigh_fast shortens those timers.
#
# A FAILED entry is not probed again while the route avoids it: a host that returns is used again
# only once the client's entry changes, e.g. when the host sends an ARP (a gratuitous ARP, or any
# request to the client) — see cl_ecmp_announce.

# cl_ecmp_route <client-host> <vip> <host>...: the multipath route on the client and the VIP on
# the loopback of each host.
cl_ecmp_route() {
  local client=$1 vip=$2 h nh=() fam=-4 plen=32 ns
  shift 2
  (($# >= 1)) || it_fail "cl_ecmp_route: no hosts"
  [[ "$vip" == *:* ]] && fam=-6 plen=128
  for h in "$@"; do
    ns=$(it_ns "$h")
    if [[ $fam == -6 ]]; then
      ip -n "$ns" -6 addr add "$vip/128" dev lo nodad
      nh+=(nexthop via "$(it_exec "$h" ip -6 -o addr show dev eth0 scope global |
        awk '{ split($4, a, "/"); print a[1]; exit }')" dev eth0)
    else
      ip -n "$ns" addr add "$vip/32" dev lo
      # Never answer ARP for the VIP (it is not on eth0) nor use it as an ARP source.
      ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
      nh+=(nexthop via "$(cl_host_ipv4 "$h")" dev eth0)
    fi
  done
  ns=$(it_ns "$client")
  ip netns exec "$ns" sysctl -qw net.ipv4.fib_multipath_hash_policy=1 \
    net.ipv4.fib_multipath_use_neigh=1 net.ipv6.fib_multipath_hash_policy=1 >/dev/null 2>&1 ||
    ip netns exec "$ns" sysctl -qw net.ipv4.fib_multipath_hash_policy=1 \
      net.ipv4.fib_multipath_use_neigh=1
  ip -n "$ns" "$fam" route replace "$vip/$plen" "${nh[@]}"
}

# cl_ecmp_neigh_fast <client-host> [<reachable-ms> [<retrans-ms> [<probes>]]]: neighbour timers
# on the client's eth0 that find a dead next hop fast: an entry stays REACHABLE 0.5-1.5 x
# <reachable-ms> (default 1000) after its last confirmation, then STALE; the next packet to it
# moves it to DELAY and, as delay_first_probe_time is 0 here (whole seconds, default 5;
# CL_ECMP_DELAY_PROBE), straight on to PROBE: <probes> unicast ARPs (default 2) <retrans-ms>
# apart (default 200), then FAILED. Measured with a new flow every 20 ms: a dead host is skipped
# after 0.7-1.6 s with the defaults here, 0.2 s with 500 100 1 (which marks a live host FAILED
# after one lost ARP reply: and a FAILED host stays unused until it sends an ARP).
cl_ecmp_neigh_fast() {
  local client=$1 reach=${2:-1000} retrans=${3:-200} probes=${4:-2}
  it_exec "$client" sysctl -qw \
    net.ipv4.neigh.eth0.base_reachable_time_ms="$reach" \
    net.ipv4.neigh.eth0.delay_first_probe_time="${CL_ECMP_DELAY_PROBE:-0}" \
    net.ipv4.neigh.eth0.retrans_time_ms="$retrans" \
    net.ipv4.neigh.eth0.ucast_solicit="$probes" \
    net.ipv4.neigh.eth0.mcast_solicit="$probes"
}

# cl_ecmp_nexthop <client-host> <vip> <proto> <sport> <dport>: the next hop the kernel picks for
# that flow from the client (its gateway address).
cl_ecmp_nexthop() {
  it_exec "$1" ip route get "$2" ipproto "$3" sport "$4" dport "$5" 2>/dev/null |
    sed -nE 's/.* via ([^ ]+) .*/\1/p'
}

# cl_ecmp_announce <host>: a gratuitous ARP from the host's eth0 address, which makes the others'
# existing neighbour entries for it STALE (valid) again: a returning host is used again at once.
# arping waits a second after sending: it runs in the background (registered for cleanup).
cl_ecmp_announce() {
  local ns
  ns=$(it_ns "$1")
  ip netns exec "$ns" arping -q -U -c 1 -I eth0 "$(cl_host_ipv4 "$1")" </dev/null >/dev/null 2>&1 &
  IT_PIDS+=("$!")
}

# --------------------------------------------------------------------------- audit of claims
#
# The failover hook as ikesteer runs it in cluster mode gets, besides IKESTEER_ACTION,
# IKESTEER_ADDRESS, IKESTEER_PREFIX, IKESTEER_MEMBER and IKESTEER_INTERFACE, the instance that
# runs it (IKESTEER_INSTANCE) and its fencing token: the lease it holds leadership with
# (IKESTEER_FENCING_LEASE) and the revision it became leader at (IKESTEER_FENCING_REVISION,
# increasing from one leader to the next).
#
# Audit log, one line per hook call, appended when the call ends:
#   <start-ms> <action> <address> <member> <instance> <lease> <revision> <exit-status>
# ("-" for a variable that was not set).

# cl_audit_hook <log> [<real hook argv>...]: writes an executable hook script next to the log
# (<log>.hook.sh) and prints its path. Each call appends its line to <log>; with a real hook
# (e.g. failover_hook.sh and its map file) the script runs it with the same environment and
# exits with its status, which the line records; without one it just succeeds.
cl_audit_hook() {
  local log=$1 hook="$1.hook.sh"
  shift
  {
    echo '#!/bin/bash'
    echo '# generated by tests/integration/cluster_lib.sh (cl_audit_hook)'
    printf 'log=%q\n' "$log"
    printf 'real=('
    (($#)) && printf '%q ' "$@"
    printf ')\n'
    cat <<'EOF'
start_ms=$((${EPOCHREALTIME/./} / 1000))
rc=0
if ((${#real[@]})); then
  "${real[@]}" || rc=$?
fi
# One write of one short line with O_APPEND: concurrent calls never interleave.
printf '%s %s %s %s %s %s %s %s\n' "$start_ms" "${IKESTEER_ACTION:--}" "${IKESTEER_ADDRESS:--}" \
  "${IKESTEER_MEMBER:--}" "${IKESTEER_INSTANCE:--}" "${IKESTEER_FENCING_LEASE:--}" \
  "${IKESTEER_FENCING_REVISION:--}" "$rc" >>"$log"
exit "$rc"
EOF
  } >"$hook"
  chmod 755 "$hook"
  : >>"$log"
  echo "$hook"
}

# cl_audit_claims_of <log> <address>: the number of successful claims of the address.
cl_audit_claims_of() {
  [[ -f "$1" ]] || { echo 0; return 0; }
  awk -v a="$2" '$2 == "claim" && $3 == a && $8 == 0 { n++ } END { print n + 0 }' "$1"
}

# cl_audit_check <log>: fails the test (printing the log in time order) if, in time order, a
# successful claim carries an older fencing revision than an earlier successful claim (a
# deposed leader moved an address after its successor had), or a claim carries no numeric
# revision. Releases are listed but not judged (a deposed leader must not run them either, but
# a late release is not an overlap).
cl_audit_check() {
  local log=$1 bad
  [[ -f "$log" ]] || it_fail "cl_audit_check: no audit log $log"
  bad=$(sort -s -n -k1,1 "$log" | awk '
    $2 != "claim" || $8 != 0 { next }
    $7 !~ /^[0-9]+$/ { printf "claim without a fencing revision: %s\n", $0; next }
    max != "" && $7 + 0 < max + 0 {
      printf "claim with revision %s after a claim with revision %s (%s): %s\n",
        $7, max, maxline, $0
      next
    }
    max == "" || $7 + 0 > max + 0 { max = $7; maxline = $0 }')
  if [[ -n "$bad" ]]; then
    {
      echo "audit log $log (time order):"
      sort -s -n -k1,1 "$log" | sed 's/^/  /'
    } >&2
    it_fail "claims overlap: $bad"
  fi
}
