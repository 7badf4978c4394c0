#!/usr/bin/env bash
# A burst's tail goes out at the pace, not at the next cron line: one `kzsctl drain
# --watch` (the cron line), started before the burst, takes the jobs as they come and
# fall due within its run ([limits] cron_drain_seconds), and a second drain meanwhile
# ends at once. A contract job takes its Zoho turn before it reads Kommo: a job that
# cannot send in a run reads nothing, so each lead is read once.
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
all_done() { [ "$(sent_per_lead | wc -l)" = "$(echo "$LEADS" | wc -l)" ] && queue_is_empty; }

# The cron line's run starts while nothing is queued; the burst comes after it.
(KZS_CONFIG=$T/kzs.conf exec "$KZS_OUT/deploy/kzsctl" drain --watch >"$T/cron.out" 2>>"$T/kzsctl.log") &
CRON=$!
sleep 1 # a run that ended on finding nothing queued has ended by now

# The burst: every deal accepted, the after-answer work does what its time allows.
for lead in $LEADS; do
	post_kommo_hook "$(kommo_status_body "$lead")"
	[ "$STATUS" = 200 ] || break
done
check_eq "the burst of $(echo "$LEADS" | wc -l) deals accepted" "$STATUS" 200

second=$(KZS_CONFIG=$T/kzs.conf timeout 20 "$KZS_OUT/deploy/kzsctl" drain 2>>"$T/kzsctl.log"; echo "rc=$?")
check_eq "a second kzsctl drain meanwhile ends at once, saying why" "$second" \
	"another drain is running; this one leaves the work to it
rc=0"

# No second cron run: what the one run does not send would wait for the next cron line.
wait_within 150 "every deal got its request, nothing left queued, within the one cron run" all_done
kill -TERM "$CRON"
wait "$CRON"
check_eq "the cron run, told to stop (SIGTERM), ended well" "$?" 0
check_match "...saying what it did" "$(cat "$T/cron.out")" '^ran [1-9][0-9]* job\(s\)$'
check_eq "exactly one request per deal" "$(sent_per_lead)" "$(once_each)"
check_eq "each lead read once from Kommo: no read cut off by a time box and done again" \
	"$(reads_per_lead)" "$(once_each)"
check_eq "the lock file of the cron run, in the state folder" "$(ls "$T/state/drain-cron")" "$T/state/drain-cron"
