#!/usr/bin/env bash
# The work after the answer does not hold up the next webhook: with one FastCGI process
# per program and Kommo slow to give a lead, the next webhook is answered while that
# work still waits for Kommo, and the work queued meanwhile is done too.
. "$(dirname "$0")/lib.sh"
kzs_setup 1
requests_for() {
	cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null |
		jqb -r --argjson l "$1" 'select(.request_name | test("ref \($l)-")) | .request_id' | wc -l
}
slow_lead_answered() { calls kommo GET /api/v4/leads/1301; }

fixture_lead 1301
fixture_lead 1302
fault kommo GET /api/v4/leads/1301 1 delay 5000
post_kommo_hook "$(kommo_status_body 1301)"
check_eq "first webhook answered" "$STATUS $BODY" "200 accepted 1 of 1"
post_kommo_hook "$(kommo_status_body 1302)"
check_eq "second webhook answered by the same (only) process" "$STATUS $BODY" "200 accepted 1 of 1"
# The fake logs a call when it answers it: Kommo has not answered the slow read yet.
check_eq "...while the first job still waits for Kommo's slow answer" "$(slow_lead_answered)" 0
both_sent() { [ "$(requests_for 1301)" = 1 ] && [ "$(requests_for 1302)" = 1 ]; }
wait_until "both deals got their request, without a cron drain" both_sent
check_eq "the slow read was answered once" "$(slow_lead_answered)" 1
wait_until "nothing left queued, without a cron drain" queue_is_empty
