#!/usr/bin/env bash
# Member failover with real strongSwan peers: one member (m1) fails while every client has its
# IKE SA, and ikesteer must notice, stop steering to it, and get its service address served
# again; the clients that were on it must come back on a survivor by themselves, and nobody
# else may be disturbed. Topology and measurements: failover_lib.sh.
#
# Modes:
#   kill   m1's charon gets SIGKILL; failover "least-loaded": the hook releases the address
#          on m1 (reachable, so that works) and claims it on a survivor
#   link   m1's bridge port goes down; the release fails (m1 cannot be reached), so ikesteer
#          must wait `fencing` (1 s) before the claim
#   adopt  m1's charon gets SIGKILL; failover "adopt": the hook releases the address on m1 and
#          ikesteer adds it to its own interface, then redirects whoever comes there
#
# Checks, after the fault:
#   a. ikesteer logs m1 going down (a health line with member=m1 and to=down)
#   b. the cluster name no longer lists 198.51.100.11 and ikesteer redirects the clients it
#      sent to m1 elsewhere (asked with ikesteer-ask from those clients' addresses)
#   c. 198.51.100.11 answers an IKE probe from its new owner (a survivor; ikesteer for adopt)
#   d. m1's clients (c1, c2, and r1 that came through the front end) have an ESTABLISHED IKE SA
#      on a survivor, seen on the survivor's side
#   e. the four other clients keep the very same IKE SA (unique id and SPIs)
#   link: the claim came at least `fencing` after the failed release (the hook's own stamps)
# and ikesteer stops cleanly on SIGTERM. The times are printed.
#
# Usage (as root): failover.sh --ikesteer PATH --ask PATH --mode kill|link|adopt
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=failover_lib.sh
source "$HERE/failover_lib.sh"

# Generous bounds for a shared 2-core machine; the measured times are printed.
LIMIT_DETECT_MS=3000
LIMIT_STEER_MS=5000
LIMIT_CLIENTS_MS=15000

check_hook_calls() {
  local a=${FO_SERVICE[$FO_FAILED]} release claim rel_end claim_start
  release=$(fo_hook_calls release "$FO_FAILED" | head -n 1)
  [[ -n "$release" ]] || it_fail "ikesteer did not run the hook to release $a on $FO_FAILED"
  rel_end=$(awk '{ print $2 }' <<<"$release")
  if [[ "$FO_FAULT" == link ]]; then
    [[ $(awk '{ print $6 }' <<<"$release") == 1 ]] ||
      it_fail "the release on an unreachable $FO_FAILED should have failed: $release"
  else
    [[ $(awk '{ print $6 }' <<<"$release") == 0 ]] || it_fail "the release failed: $release"
  fi
  if [[ "$FO_FAILOVER" == adopt ]]; then
    [[ -z "$(fo_hook_calls claim)" ]] ||
      it_fail "adopt: ikesteer ran the hook to claim: $(fo_hook_calls claim)"
    return 0
  fi
  claim=$(fo_hook_calls claim | awk -v a="$a" '$5 == a' | head -n 1)
  [[ -n "$claim" ]] || it_fail "ikesteer did not run the hook to claim $a"
  [[ $(awk '{ print $4 }' <<<"$claim") != "$FO_FAILED" ]] ||
    it_fail "ikesteer claimed $a on the failed member: $claim"
  [[ $(awk '{ print $6 }' <<<"$claim") == 0 ]] || it_fail "the claim failed: $claim"
  claim_start=$(awk '{ print $1 }' <<<"$claim")
  ((claim_start >= rel_end)) || it_fail "the claim started before the release ended"
  if [[ "$FO_FAULT" == link ]]; then
    ((claim_start - rel_end >= FO_FENCING_MS)) ||
      it_fail "the claim came $((claim_start - rel_end)) ms after the failed release, before fencing (${FO_FENCING_MS} ms)"
    # Nobody else served the address before that either.
    (($(cat "$IT_WORK/t.answer") >= rel_end + FO_FENCING_MS)) ||
      it_fail "$a answered from a new owner $(($(cat "$IT_WORK/t.answer") - rel_end)) ms after the failed release, before fencing"
    it_log "fencing: release failed, claim $((claim_start - rel_end)) ms later (fencing ${FO_FENCING_MS} ms)"
  fi
}

main() {
  local mode="" args=() a owner t name
  while (($#)); do
    case "$1" in
      --mode) mode=$2; shift 2 ;;
      --ask) ASK=$2; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  case "$mode" in
    kill) FO_FAULT=kill FO_FAILOVER=least-loaded ;;
    link) FO_FAULT=link FO_FAILOVER=least-loaded ;;
    adopt) FO_FAULT=kill FO_FAILOVER=adopt ;;
    *) echo "usage: failover.sh --ikesteer PATH --ask PATH --mode kill|link|adopt" >&2; exit 2 ;;
  esac
  FO_DRIVER=ikesteer
  it_init "failover_$mode" "${args[@]}"
  fo_check_tools
  fo_setup

  # Before: m1 is steered to and serves its address.
  a=${FO_SERVICE[$FO_FAILED]}
  for t in "${FO_MEMBERS[@]}"; do fo_wait_dns_lists "${FO_SERVICE[$t]}"; done
  fo_find_m1_askers
  fo_ike_answers "$a" || it_fail "$a does not answer an IKE probe before the fault"
  [[ $(fo_owner_of "$a") == "$FO_FAILED" ]] || it_fail "$a is not on $FO_FAILED before the fault"
  fo_snapshot_unaffected
  it_log "before: DNS $(fo_dns_answer); ikesteer sends ${FO_M1_ASKERS[*]} to $FO_FAILED"

  fo_measure
  for name in "${FO_OBSERVATIONS[@]}"; do
    it_log "$name: $(fo_elapsed "$name") ms after the fault"
  done
  it_ikesteer_alive front

  # a. detection
  t=$(fo_elapsed detect)
  [[ -n "$t" ]] ||
    it_fail "ikesteer did not log $FO_FAILED going down (expected a line matching '$FO_RE_HEALTH' + 'member=$FO_FAILED' + '$FO_RE_DOWN')"
  ((t <= LIMIT_DETECT_MS)) || it_fail "detection took $t ms (limit $LIMIT_DETECT_MS)"
  # b. steering
  for name in dns redirect; do
    t=$(fo_elapsed "$name")
    [[ -n "$t" ]] || it_fail "$name still steers to $FO_FAILED ${FO_DEADLINE} s after the fault"
    ((t <= LIMIT_STEER_MS)) || it_fail "$name took $t ms to stop steering to $FO_FAILED"
  done
  fo_dns_lacks "$a" || it_fail "the DNS answer lists $a again: $(fo_dns_answer)"
  fo_redirects_avoid "$a" || it_fail "ikesteer redirects to $a again"
  # c. the address is served by its new owner
  [[ -n "$(fo_elapsed answer)" ]] || it_fail "$a does not answer IKE from a new owner"
  owner=$(fo_owner_of "$a" "$FO_FAILED")
  if [[ "$FO_FAILOVER" == adopt ]]; then
    [[ "$owner" == front ]] || it_fail "adopt: $a is on '$owner', not on ikesteer's interface"
  else
    [[ "$owner" == m2 || "$owner" == m3 ]] || it_fail "$a is on '$owner', not on a survivor"
  fi
  [[ "$FO_FAULT" == link ]] || ! it_has_address "$FO_FAILED" "$a" ||
    it_fail "$a is still on $FO_FAILED (reachable, the release should have removed it)"
  check_hook_calls
  # d. m1's clients are back, on a survivor
  t=$(fo_elapsed clients)
  [[ -n "$t" ]] || it_fail "not every client of $FO_FAILED is back on a survivor after ${FO_DEADLINE} s"
  ((t <= LIMIT_CLIENTS_MS)) || it_fail "m1's clients took $t ms to come back"
  for t in $(fo_affected_addrs); do
    it_log "client $t is on $(fo_survivor_of "$t") now"
  done
  # e. nobody else noticed
  fo_check_unaffected

  it_ikesteer_finish front
}

main "$@"
