#!/usr/bin/env bash
# Reference ikesteer member agent: reports this member's state, load and capacity to ikesteer
# over UDP, in protocol IKESTEER-AGENT/1 (examples/agent/README.md, health/agent_report.hpp).
# Needs bash >= 5 and the openssl command.
set -euo pipefail
export LC_ALL=C  # "." as the decimal point in the load

usage() {
  cat <<'EOF'
Usage: ikesteer-agent.sh [options]
  -m, --member NAME       this member's name in ikesteer's config      (IKESTEER_AGENT_MEMBER)
  -k, --key HEX           the member's agent_key, hex, >= 16 bytes     (IKESTEER_AGENT_KEY)
      --key-file FILE     read the key from FILE instead               (IKESTEER_AGENT_KEY_FILE)
  -t, --target HOST:PORT  where ikesteer listens (agent_listen); IPv6 as [addr]:port; repeat
                          the option to report to several ikesteer hosts (IKESTEER_AGENT_TARGET,
                          space-separated)
  -s, --state STATE       up | drain | maintenance | down (default up)  (IKESTEER_AGENT_STATE)
      --state-file FILE   if FILE exists, its first word is the state: change it while the
                          agent runs, e.g. echo drain > FILE          (IKESTEER_AGENT_STATE_FILE)
  -l, --load LOAD         0..1, or "auto" = 1-minute load average / CPUs, capped at 1
                          (default: not sent)                           (IKESTEER_AGENT_LOAD)
  -c, --capacity N        new clients per second (default: not sent)   (IKESTEER_AGENT_CAPACITY)
  -i, --interval SECONDS  between reports (default 1)                  (IKESTEER_AGENT_INTERVAL)
      --once              send one report and exit
      --print             print the reports on stdout instead of sending them
  -h, --help
EOF
}

die() {
  echo "ikesteer-agent: $*" >&2
  exit 2
}

member=${IKESTEER_AGENT_MEMBER:-}
key=${IKESTEER_AGENT_KEY:-}
key_file=${IKESTEER_AGENT_KEY_FILE:-}
read -r -a targets <<<"${IKESTEER_AGENT_TARGET:-}"
state=${IKESTEER_AGENT_STATE:-up}
state_file=${IKESTEER_AGENT_STATE_FILE:-}
load=${IKESTEER_AGENT_LOAD:-}
capacity=${IKESTEER_AGENT_CAPACITY:-}
interval=${IKESTEER_AGENT_INTERVAL:-1}
once=false
print=false
cli_targets=()

while (($#)); do
  case $1 in
    -m | --member) member=${2?}; shift ;;
    -k | --key) key=${2?}; shift ;;
    --key-file) key_file=${2?}; shift ;;
    -t | --target) cli_targets+=("${2?}"); shift ;;
    -s | --state) state=${2?}; shift ;;
    --state-file) state_file=${2?}; shift ;;
    -l | --load) load=${2?}; shift ;;
    -c | --capacity) capacity=${2?}; shift ;;
    -i | --interval) interval=${2?}; shift ;;
    --once) once=true ;;
    --print) print=true ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done
((${#cli_targets[@]})) && targets=("${cli_targets[@]}")

[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash >= 5 (EPOCHREALTIME)"
command -v openssl >/dev/null || die "needs the openssl command"
if [[ -n $key_file ]]; then
  read -r key <"$key_file" || die "cannot read $key_file"
fi
key=${key,,}
[[ $member =~ ^[A-Za-z0-9_.-]{1,63}$ ]] || die "--member: 1..63 characters of [A-Za-z0-9_.-]"
[[ $key =~ ^([0-9a-f]{2}){16,}$ ]] || die "--key: hex, at least 16 bytes"
[[ -z $capacity || $capacity =~ ^[0-9]{1,10}$ && $capacity -le 4294967295 ]] ||
  die "--capacity: 0..4294967295"
[[ -z $load || $load == auto || $load =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] ||
  die "--load: 0..1 (e.g. 0.35) or auto"
[[ $interval =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--interval: seconds"
$print || ((${#targets[@]})) || die "--target is required (or --print)"
for target in "${targets[@]}"; do
  [[ $target =~ ^(\[[0-9A-Fa-f:.]+\]|[^]:[]+):[0-9]+$ ]] || die "--target: host:port or [ipv6]:port"
done

valid_state() { [[ $1 =~ ^(up|drain|maintenance|down)$ ]]; }
valid_state "$state" || die "--state: up, drain, maintenance or down"

current_state() {
  local word=
  if [[ -n $state_file && -r $state_file ]]; then
    read -r word _ <"$state_file" || true
    if valid_state "$word"; then
      echo "$word"
      return
    fi
    echo "ikesteer-agent: ignoring $state_file: not a state: ${word:-(empty)}" >&2
  fi
  echo "$state"
}

current_load() {
  if [[ $load != auto ]]; then
    echo "$load"
    return
  fi
  local one _
  read -r one _ </proc/loadavg
  awk -v l="$one" -v n="$(nproc)" 'BEGIN { v = l / n; if (v > 1) v = 1; printf "%.2f\n", v }'
}

# Sets `line` to the next report. seq: the unix time in microseconds, so it keeps growing
# across agent restarts; forced up by one if the clock steps back while the agent runs.
last_seq=0
make_report() {
  local now=$EPOCHREALTIME
  local seq=$((10#${now//[.,]/}))
  ((seq > last_seq)) || seq=$((last_seq + 1))
  last_seq=$seq
  line="IKESTEER-AGENT/1 member=$member seq=$seq time=${now%[.,]*} state=$(current_state)"
  [[ -z $load ]] || line+=" load=$(current_load)"
  [[ -z $capacity ]] || line+=" capacity=$capacity"
  local mac
  mac=$(printf '%s' "$line" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key")
  mac=${mac##* }
  [[ $mac =~ ^[0-9a-f]{64}$ ]] || die "openssl did not produce an HMAC-SHA256"
  line+=" mac=$mac"
}

# One write per datagram: bash's /dev/udp/HOST/PORT opens a connected UDP socket.
send() {
  local target host port ok=true
  for target in "${targets[@]}"; do
    host=${target%:*}
    host=${host#[}
    host=${host%]}
    port=${target##*:}
    if ! printf '%s\n' "$line" 2>/dev/null >"/dev/udp/$host/$port"; then
      echo "ikesteer-agent: cannot send to $target" >&2
      ok=false
    fi
  done
  $ok
}

while :; do
  make_report
  if $print; then
    echo "$line"
  elif ! send && $once; then
    exit 1
  fi
  $once && exit 0
  sleep "$interval"
done
