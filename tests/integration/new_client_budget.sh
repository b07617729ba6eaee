#!/usr/bin/env bash
# The budget of new IKE SAs at the front end: a burst of real strongSwan clients that all
# initiate at once through ikesteer's REDIRECT (tests/integration/storm_lib.sh: 15 clients on
# one charon with strongSwan's default retransmission timers, 2 members, ikesteer with 2 IKE
# loops sharing the budget), with new_ike_sas_per_second = 5 and over_budget = "drop".
#
# Checks:
#   1. every client ends up with its IKE SA ESTABLISHED (swanctl --initiate succeeds), and the
#      members together logged 15 established IKE SAs, one per client
#   2. in no 1-s window did the members establish more than the budget plus its burst (5 + 5)
#   3. ikesteer_ike_over_budget_total{action="drop"} moved, and no request got a COOKIE
#
# Usage (as root): new_client_budget.sh --ikesteer PATH
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
# shellcheck source=storm_lib.sh
source "$HERE/storm_lib.sh"

STORM_CLIENTS=15
STORM_MEMBERS=2
STORM_BUDGET=5
STORM_MODE=drop

main() {
  it_init new_client_budget "$@"
  command -v curl >/dev/null || it_skip "missing curl"
  storm_setup
  storm_run
  storm_measure
  it_log "established: $STORM_ESTABLISHED of $STORM_CLIENTS, failed $STORM_FAILED, most in 1 s: $STORM_MAX_PER_SECOND, all after $STORM_ALL_MS ms; per second: $(storm_waves)"
  ((STORM_FAILED == 0)) || it_fail "$STORM_FAILED clients could not set up their IKE SA"
  ((STORM_ESTABLISHED == STORM_CLIENTS)) ||
    it_fail "the members established $STORM_ESTABLISHED IKE SAs, expected $STORM_CLIENTS"
  ((STORM_MAX_PER_SECOND <= 2 * STORM_BUDGET)) ||
    it_fail "the members established $STORM_MAX_PER_SECOND IKE SAs within 1 s, more than the budget ($STORM_BUDGET/s) plus its burst ($STORM_BUDGET)"
  local dropped cookies
  dropped=$(storm_metric 'ikesteer_ike_over_budget_total{action="drop"}')
  cookies=$(storm_metric 'ikesteer_ike_over_budget_total{action="cookie"}')
  ((${dropped:-0} > 0)) || it_fail "ikesteer_ike_over_budget_total{action=\"drop\"} did not move"
  ((${cookies:-0} == 0)) || it_fail "over_budget = \"drop\" sent $cookies COOKIEs"
  it_log "over budget: $dropped dropped, 0 COOKIEs"
  it_ikesteer_finish front
}

main "$@"
