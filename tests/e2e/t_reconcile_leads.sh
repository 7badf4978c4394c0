#!/usr/bin/env bash
# "kzsctl reconcile --leads": deals that entered the trigger stage while Kommo's webhook
# was lost are found through GET /api/v4/leads and sent, once; deals that already have a
# request, deals in other stages and deals older than the look-back are left alone.
. "$(dirname "$0")/lib.sh"
kzs_setup
lift_pacing

now=$(date +%s)
# lead_at ID UPDATED_AT [STATUS] [CONTACT]: a lead as Kommo lists it, last changed then.
lead_at() {
	fixture_lead "$1" "${3:-}" "" "${4:-}"
	jq -c --argjson u "$2" '.updated_at = $u' "$FAKE_DIR/kommo/leads/$1.json" | fixture_json "kommo/leads/$1.json"
}
requests_for() {
	cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null |
		jqb -r --argjson l "$1" 'select(.request_name | test("ref \($l)-")) | .request_id' | wc -l
}
lead_lists() { jq -s '[.[] | select(.method == "GET" and .path == "/api/v4/leads")] | length' "$FAKE_DIR/calls.jsonl"; }
list_queries() { jq -r 'select(.method == "GET" and .path == "/api/v4/leads") | .query' "$FAKE_DIR/calls.jsonl" | urldecode; }

# listed_from N: the updated_at[from] of the Nth listing from the end (1 = the last).
listed_from() { list_queries | tail -n "$1" | head -n 1 | sed -n 's/.*updated_at\]\[from\]=\([0-9]*\).*/\1/p'; }
# between LOW HIGH VALUE: "yes" when LOW <= VALUE <= HIGH.
between() { [ -n "$3" ] && [ "$3" -ge "$1" ] && [ "$3" -le "$2" ] && echo yes || echo "no: $3 not in $1..$2"; }

# A deal sent the normal way: its webhook came.
lead_at 1401 "$now"
post_kommo_hook "$(kommo_status_body 1401)"
sent_by_webhook() { [ "$(requests_for 1401)" = 1 ]; }
wait_until "lead 1401: sent by its webhook" sent_by_webhook
drain_until_empty 30
# Webhooks lost: one deal in the stage, one in another stage, one moved into the stage
# two days ago (before the first run's look-back), one whose data does not fit.
lead_at 1402 "$now"
lead_at 1403 "$now" 67548607
lead_at 1404 $((now - 2 * 86400))
lead_at 1405 "$now" "" -

out=$(kzsctl reconcile --leads 60)
check_eq "first run: exit status 0" "$?" 0
check_match "first run: the leads in the stage changed within the day are listed" "$out" \
	"found 3 lead\\(s\\) in the trigger stage, started 2 without a request"
check_match "the listing asks for the trigger stage, 250 a page" "$(list_queries | head -n 1)" \
	"^filter\\[statuses\\]\\[0\\]\\[pipeline_id\\]=$PIPELINE_ID&filter\\[statuses\\]\\[0\\]\\[status_id\\]=$TRIGGER_STATUS_ID&filter\\[updated_at\\]\\[from\\]=[0-9]+&limit=250&page=1$"
check_eq "the first run looks back one day" "$(between $((now - 86400)) $((now - 86400 + 60)) "$(listed_from 1)")" yes
drain_until_empty 30
check_eq "the lost deal got one request" "$(requests_for 1402)" 1
check_eq "the deal sent by its webhook was not sent again" "$(requests_for 1401)" 1
check_eq "the deal in another stage was not sent" "$(requests_for 1403)" 0
check_eq "the deal older than the look-back was not sent" "$(requests_for 1404)" 0
check_match "the lost deal has its note" \
	"$(jq -r 'select(.entity_id == 1402) | .params.text' "$FAKE_DIR/kommo/notes.jsonl")" "^Contract sent for signature to "
check_eq "the deal whose data does not fit: its manager got a note and a task" \
	"$(jq -s '[.[] | select(.entity_id == 1405)] | length' "$FAKE_DIR/kommo/notes.jsonl") $(jq -s '[.[] | select(.entity_id == 1405)] | length' "$FAKE_DIR/kommo/tasks.jsonl")" "1 1"
check_eq "the log names the deals started" "$(app_log | grep -c 'reconcile: lead 140[25] is in the trigger stage without a request')" 2

# Second run: the same deals are listed again (the runs overlap) and nothing is resent.
out=$(kzsctl reconcile --leads)
check_match "second run: nothing started" "$out" "started 0 without a request"
check_eq "second run: lists from the first run's time less 5 minutes (the overlap)" \
	"$(between $((now - 300)) $((now - 300 + 60)) "$(listed_from 1)")" yes
drain_until_empty 30
check_eq "second run: still one request for the lost deal" "$(requests_for 1402)" 1

# The blocked deal is fixed and moved back into the stage; that webhook is lost too.
fixture_lead 1405
jq -c --argjson u "$((now + 1))" '.updated_at = $u' "$FAKE_DIR/kommo/leads/1405.json" | fixture_json kommo/leads/1405.json
check_match "a fixed, blocked deal is started" "$(kzsctl reconcile --leads)" "started 1 without a request"
drain_until_empty 30
check_eq "the fixed deal got one request" "$(requests_for 1405)" 1

# Kommo fails the listing: the run says so, and the next run covers the same time.
sleep 1 # a run that wrongly moved the time on would then list from a later second
fault kommo GET /api/v4/leads 1 status 500
out=$(kzsctl reconcile --leads)
rc=$?
check_eq "listing failed: exit status 1" "$rc" 1
check_match "listing failed: said on the terminal" "$out" "could not list the leads in the trigger stage now"
check_match "listing failed: logged" "$(app_log | grep 'cannot list the leads')" "HTTP 500"
kzsctl reconcile --leads >/dev/null
check_eq "after a failure, the next run lists from the same time as the failed one" "$(listed_from 1)" "$(listed_from 2)"

# A burst of 260 lost webhooks: two pages of 250, each deal sent once.
for ((lead = 1501; lead <= 1760; lead++)); do lead_at "$lead" "$((now + 2))"; done
lists_before=$(lead_lists)
check_match "260 lost deals: all started" "$(kzsctl reconcile --leads)" "found 26[0-9] lead\\(s\\) in the trigger stage, started 260 without a request"
check_eq "260 lost deals: two pages listed" "$(( $(lead_lists) - lists_before ))" 2
drain_until_empty 240 2
check_eq "260 lost deals: one request each" "$(cat "$FAKE_DIR"/zoho/requests/*.json | jqb -r '.request_name' |
	sed -n 's/.*(ref \(1[5-7][0-9][0-9]\)-.*/\1/p' | sort | uniq -c | awk '$1 == 1' | wc -l)" 260
check_eq "260 lost deals: no request twice" "$(find "$FAKE_DIR/zoho/requests" -name '*.json' | wc -l)" 263

# Bad arguments: the usage and status 2, nothing listed.
lists_before=$(lead_lists)
for args in "--leads --leads" "--lead" "60 60" "-5" "1h"; do
	# shellcheck disable=SC2086 # the words are the arguments
	kzsctl reconcile $args >/dev/null
	check_eq "reconcile $args: refused with status 2" "$?" 2
done
check_eq "bad arguments: nothing listed" "$(lead_lists)" "$lists_before"
