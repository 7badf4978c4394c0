#!/usr/bin/env bash
# A burst's tail goes out at the pace, not at the next cron line: one `kzsctl drain`
# (the cron line) keeps working while jobs are due within its run ([limits]
# cron_drain_seconds), waits for the job another process holds instead of ending, and
# a second one meanwhile ends at once. A contract job takes its Zoho turn before it
# reads Kommo: a job that cannot send in a run reads nothing, so each lead is read once.
. "$(dirname "$0")/lib.sh"
kzs_setup 2

LEADS=$(seq 1601 1621)
# Zoho's pace well below the burst (its tail waits a minute), short after-answer work.
kzs_conf_set limits zoho_calls_per_minute 12
kzs_conf_set limits after_answer_seconds 6
kzs_conf_set limits cron_drain_seconds 150
for lead in $LEADS; do fixture_lead "$lead"; done

# sent_per_lead: "LEAD COUNT" for every lead that got a Zoho Sign request.
sent_per_lead() {
	cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null |
		jqb -r '.request_name | capture("ref (?<l>[0-9]+)-").l' | sort | uniq -c | awk '{ print $2, $1 }'
}
# reads_per_lead: "LEAD COUNT" for every lead Kommo was asked for (GET /api/v4/leads/ID).
reads_per_lead() {
	jq -r 'select(.service == "kommo" and .method == "GET") | .path
		| capture("^/api/v4/leads/(?<l>[0-9]+)([?]|$)").l' "$FAKE_DIR/calls.jsonl" |
		sort | uniq -c | awk '{ print $2, $1 }'
}
once_each() { for lead in $LEADS; do echo "$lead 1"; done; }
all_sent() { [ "$(sent_per_lead | wc -l)" = "$(echo "$LEADS" | wc -l)" ]; }
fault_taken() { ! [ -s "$FAKE_DIR/faults" ]; }

# The first deal's after-answer work holds its job while Kommo is slow to give the lead:
# the cron run starts when nothing is due, but a job is held.
fault kommo GET /api/v4/leads/1601 1 delay 2000
post_kommo_hook "$(kommo_status_body 1601)"
check_eq "the first deal accepted" "$STATUS" 200
wait_until "its work is under way (Kommo holds the read)" fault_taken
kzsctl drain >"$T/cron.out" &
CRON=$!
sleep 0.5 # a cron run that ends when nothing is due has ended by now

# The burst: every deal accepted, the after-answer work does what its time allows.
for lead in $(seq 1602 1621); do
	post_kommo_hook "$(kommo_status_body "$lead")"
	[ "$STATUS" = 200 ] || break
done
check_eq "the burst of 20 deals accepted" "$STATUS" 200

second=$(KZS_CONFIG=$T/kzs.conf timeout 20 "$KZS_OUT/deploy/kzsctl" drain 2>>"$T/kzsctl.log"; echo "rc=$?")
check_eq "a second kzsctl drain meanwhile ends at once, saying why" "$second" \
	"another drain is running; this one leaves the work to it
rc=0"

wait "$CRON"
check_eq "the cron run ended well" "$?" 0
check_match "the cron run says what it did" "$(cat "$T/cron.out")" '^ran [1-9][0-9]* job\(s\)$'
# No second cron run from here: what was not sent by now would wait for it.
wait_within 30 "every deal got its request within the one cron run" all_sent
check_eq "exactly one request per deal" "$(sent_per_lead)" "$(once_each)"
check_eq "each lead read once from Kommo: no read cut off by a time box and done again" \
	"$(reads_per_lead)" "$(once_each)"
wait_until "nothing left queued" queue_is_empty
check_eq "the lock file of the cron run, in the state folder" "$(ls "$T/state/drain-cron")" "$T/state/drain-cron"
