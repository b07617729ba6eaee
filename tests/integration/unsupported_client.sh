#!/usr/bin/env bash
# A client that does not announce REDIRECT_SUPPORTED (strongSwan with follow_redirects = no)
# must never be redirected (RFC 5685); it gets the configured unsupported_client policy:
#   "no-proposal-chosen": it fails at once with NO_PROPOSAL_CHOSEN;
#   "drop" (switched to with SIGHUP): it gets no answer at all and gives up after its
#   retransmissions.
# A redirect-capable client is the control in both phases: the front end is up and redirects.
#
# Topology:
#   front    203.0.113.1           ikesteer
#   m1, m2   198.51.100.11/.12     strongSwan members
#   legacy   203.0.113.101         strongSwan client, charon.follow_redirects = no
#   capable  203.0.113.102         strongSwan client, defaults (sends REDIRECT_SUPPORTED)
#
# Usage (as root): unsupported_client.sh --ikesteer PATH
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

FRONT=203.0.113.1
MEMBERS=(m1 m2)
declare -A MEMBER_V4=([m1]=198.51.100.11 [m2]=198.51.100.12)
LEGACY=203.0.113.101
CAPABLE=203.0.113.102
CONF=""

write_conf() {
  local m
  {
    IT_UNSUPPORTED_CLIENT=$1 it_ikesteer_conf "$FRONT"
    for m in "${MEMBERS[@]}"; do
      it_ikesteer_member "$m" "" "${MEMBER_V4[$m]}"
    done
  } >"$CONF"
}

setup() {
  it_topology_init
  it_host_add front "$FRONT"
  local m
  for m in "${MEMBERS[@]}"; do
    it_host_add "$m" "${MEMBER_V4[$m]}"
    IT_GW_OF[$m]=${MEMBER_V4[$m]}
    IT_ADDR_OF[$m]=${MEMBER_V4[$m]}
  done
  it_host_add legacy "$LEGACY"
  it_host_add capable "$CAPABLE"
  it_wait_for 5 "the clients to reach the front end" it_ping legacy "$FRONT"

  for m in "${MEMBERS[@]}"; do
    it_charon_start "$m" "$(it_member_swanctl_conf)"
  done
  CONF="$IT_WORK/ikesteer.toml"
  write_conf no-proposal-chosen
  it_ikesteer_start front "$CONF"

  it_charon_start legacy "$(it_client_swanctl_conf "$(it_client_conn legacy "$LEGACY" "$FRONT")")" \
    "$(it_charon_client_extra)
  # Do not send REDIRECT_SUPPORTED (and ignore REDIRECTs).
  follow_redirects = no"
  it_charon_start capable "$(it_client_swanctl_conf "$(it_client_conn capable "$CAPABLE" "$FRONT")")" \
    "$(it_charon_client_extra)"
}

# assert_legacy_untouched: no member ever saw the legacy client, and it was never redirected.
assert_legacy_untouched() {
  local log m
  log=$(it_charon_log legacy)
  ! it_file_has "$log" "redirected to" || it_fail "the legacy client was redirected"
  for m in "${MEMBERS[@]}"; do
    ! it_file_has "$(it_charon_log "$m")" "from $(it_re_escape "$LEGACY")\\[" ||
      it_fail "member $m received packets from the legacy client"
  done
  (($(it_ikesteer_redirect_count front "$LEGACY") == 0)) || it_fail "ikesteer logged a redirect for $LEGACY"
}

phase_no_proposal_chosen() {
  local log t0 ms
  log=$(it_charon_log legacy)
  t0=$(it_now_ms)
  if it_initiate legacy legacy 15; then
    it_fail "the legacy client established an IKE SA through the front end"
  fi
  ms=$(($(it_now_ms) - t0))
  # The client really sent no REDIRECT_SUPPORTED (else this test would prove nothing).
  it_file_has "$log" "generating IKE_SA_INIT request 0 \\[ SA KE No " ||
    it_fail "the legacy client's log shows no IKE_SA_INIT request"
  ! it_file_has "$log" "generating IKE_SA_INIT request 0 \\[.*REDIR_SUP" ||
    it_fail "the legacy client sent REDIRECT_SUPPORTED: follow_redirects = no was not applied"
  it_file_has "$log" "received NO_PROPOSAL_CHOSEN notify error" ||
    it_fail "the legacy client did not receive NO_PROPOSAL_CHOSEN"
  # The answer is immediate: before the client's first retransmission (after 1 s).
  ! it_file_has "$log" "retransmit 1 of request" ||
    it_fail "the legacy client had to retransmit: the NO_PROPOSAL_CHOSEN answer was not immediate"
  it_log "legacy client got NO_PROPOSAL_CHOSEN and gave up after ${ms} ms"
  it_file_has "$(it_ikesteer_log front)" \
    "msg=\"?answered\"? client=$(it_re_escape "$LEGACY") reply=\"?unsupported_client" ||
    it_fail "ikesteer did not log its unsupported_client answer to $LEGACY"
  assert_legacy_untouched
}

phase_drop() {
  local log t0 ms from_front_before from_front
  log=$(it_charon_log legacy)
  from_front_before=$(it_count_lines "$log" "received packet: from $(it_re_escape "$FRONT")\\[")
  t0=$(it_now_ms)
  if it_initiate legacy legacy 20; then
    it_fail "the legacy client established an IKE SA through the front end"
  fi
  ms=$(($(it_now_ms) - t0))
  from_front=$(it_count_lines "$log" "received packet: from $(it_re_escape "$FRONT")\\[")
  ((from_front == from_front_before)) ||
    it_fail "the legacy client received $((from_front - from_front_before)) packets from the front end under policy drop"
  it_file_has "$log" "giving up after 3 retransmits" ||
    it_fail "the legacy client did not time out as expected (no 'giving up after 3 retransmits')"
  # 1 + 1.2 + 1.44 + 1.73 s of retransmission timeouts.
  ((ms >= 4500)) || it_fail "the legacy client gave up after only ${ms} ms: it must have got an answer"
  it_log "legacy client got no answer and gave up after ${ms} ms"
  it_file_has "$(it_ikesteer_log front)" \
    "msg=\"?dropped\"? client=$(it_re_escape "$LEGACY") reason=\"?unsupported_client" ||
    it_fail "ikesteer did not log that it dropped $LEGACY as unsupported_client"
  assert_legacy_untouched
}

main() {
  it_init unsupported_client "$@"
  it_need_ikesteer
  setup

  phase_no_proposal_chosen
  it_connect_and_check front capable capable "$CAPABLE" "$FRONT"
  it_log "control: capable client -> $IT_LAST_MEMBER"

  # Switch the policy at run time, as an operator would.
  write_conf drop
  kill -HUP "${IT_PID_OF[front/ikesteer]}"
  it_wait_for 5 "ikesteer to log its reload" it_file_has "$(it_ikesteer_log front)" 'msg="?reloaded'
  ! it_file_has "$(it_ikesteer_log front)" 'reload failed' || it_fail "ikesteer rejected the reload"

  phase_drop
  it_reconnect_sticks front capable capable "$CAPABLE" "$FRONT"
  it_ikesteer_finish front
}

main "$@"
