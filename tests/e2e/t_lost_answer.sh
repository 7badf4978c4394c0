#!/usr/bin/env bash
# A write whose answer is lost is sent once. The fakes keep connections alive, as Kommo
# and Zoho do, and here close one after doing the work without a byte of the answer:
# the transport never sends the write again by itself; the job fails, and its retry
# looks (Zoho's request list by the marker, the lead's notes, the lead) before writing.
. "$(dirname "$0")/lib.sh"
kzs_setup
# Failures are counted one by one here: no stray 429 from the fakes' limits.
echo 0 >"$FAKE_DIR/kommo/rate_limit"
echo 0 >"$FAKE_DIR/zoho/rate_limit"

CREATE=/api/v1/templates/$TEMPLATE_ID/createdocument
job_failed_once() { kzsctl jobs 2>/dev/null | grep -q "attempts=1"; }
no_faults_left() { flock "$FAKE_DIR/faults.lock" sh -c ': >"$1"' sh "$FAKE_DIR/faults"; }
# requests_for LEAD: requests Zoho holds for the lead.
requests_for() {
	cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null |
		jqb -r --argjson l "$1" 'select(.request_name | test("ref \($l)-")) | .request_id' | wc -l
}
# seqs SERVICE METHOD PATH_PREFIX: the call log's seq of each such call, one per line.
seqs() {
	jq -r --arg s "$1" --arg m "$2" --arg p "$3" \
		'select(.service == $s and .method == $m and (.path | startswith($p))) | .seq' "$FAKE_DIR/calls.jsonl"
}
# note_posts LEAD: note POSTs that carried a note for the lead.
note_posts() { call_bodies kommo POST /api/v4/leads/notes | jq -r '.[].entity_id' | grep -cx "$1"; }
note_text() { jq -r --argjson l "$1" 'select(.entity_id == $l) | .params.text' "$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null; }
# retry_now: the failed job runs again at once, in kzsctl.
retry_now() { kzsctl retry >/dev/null; kzsctl drain >/dev/null; }

# createdocument on a connection that carried the template read before: the fake closes
# it once the request exists. A write never goes out on a reused connection, so the
# rule never applies: one POST, one request, and the rule is still in the plan.
fixture_lead 1301
fault sign POST /api/v1/templates 1 reused close after
post_kommo_hook "$(kommo_status_body 1301)"
check_eq "reused connection: hook accepted" "$STATUS" 200
wait_until "reused connection: the contract went out" queue_empty
check_eq "reused connection: one createdocument POST" "$(calls sign POST "$CREATE")" 1
check_eq "reused connection: one request at Zoho" "$(requests_for 1301)" 1
check_eq "reused connection: the write went out on a connection of its own" \
	"$(grep -c 'reused close after' "$FAKE_DIR/faults")" 1
no_faults_left

# createdocument: the request is created, the answer never comes. The POST is not sent
# again by the transport; the retry searches by the marker and adopts the request.
fixture_lead 1302
before=$(calls sign POST "$CREATE")
fault sign POST /api/v1/templates 1 close after
post_kommo_hook "$(kommo_status_body 1302)"
wait_until "createdocument answer lost: the job failed once" job_failed_once
check_eq "createdocument answer lost: one POST" "$(( $(calls sign POST "$CREATE") - before ))" 1
check_eq "createdocument answer lost: one request at Zoho" "$(requests_for 1302)" 1
check_match "createdocument answer lost: the log says the answer was lost" \
	"$(app_log | grep 'job send:1302')" 'answer lost after the POST was sent'
post_seq=$(seqs sign POST "$CREATE" | tail -n 1)
retry_now
check_eq "createdocument answer lost: still one POST after the retry" \
	"$(( $(calls sign POST "$CREATE") - before ))" 1
check_eq "createdocument answer lost: still one request" "$(requests_for 1302)" 1
search_seq=$(jq -r 'select(.path == "/api/v1/requests") | "\(.seq) \(.query)"' "$FAKE_DIR/calls.jsonl" |
	urldecode | grep 'ref 1302-' | head -n 1 | cut -d' ' -f1)
check_eq "createdocument answer lost: the search came after the lost POST" \
	"$([ -n "$search_seq" ] && [ "$search_seq" -gt "$post_seq" ] && echo yes)" yes
check_match "createdocument answer lost: the note names the adopted request" "$(note_text 1302)" \
	"^Contract sent for signature to Jane Doe <jane@example.com>. Zoho Sign request [0-9]{18}.$"

# The note of a sent contract: Kommo stores it, the answer never comes.
fixture_lead 1303
fault kommo POST /api/v4/leads/notes 1 close after
post_kommo_hook "$(kommo_status_body 1303)"
wait_until "note answer lost: the job failed once" job_failed_once
check_eq "note answer lost: one note POST" "$(note_posts 1303)" 1
post_seq=$(seqs kommo POST /api/v4/leads/notes | tail -n 1)
retry_now
check_eq "note answer lost: still one note POST after the retry" "$(note_posts 1303)" 1
check_eq "note answer lost: the note is there once" "$(note_text 1303 | wc -l)" 1
check_eq "note answer lost: the retry looked at the notes after the lost POST" \
	"$([ "$(seqs kommo GET /api/v4/leads/1303/notes | tail -n 1)" -gt "$post_seq" ] 2>/dev/null && echo yes)" yes

# The stage move of a completed contract: Kommo moves the lead, the answer never comes.
# The retry reads the lead, sees it moved and sends no second PATCH.
fixture_lead 1304
post_kommo_hook "$(kommo_status_body 1304)"
wait_until "completion: the contract went out" queue_empty
rid=$(cat "$FAKE_DIR"/zoho/requests/*.json | jqb -r 'select(.request_name | test("ref 1304-")) | .request_id')
sign_set_status "$rid" completed
fault kommo PATCH /api/v4/leads/1304 1 close after
post_zoho_hook "$(zoho_webhook_body "$rid" RequestCompleted)"
check_eq "completion: acknowledged" "$STATUS" 200
wait_until "stage move answer lost: the job failed once" job_failed_once
check_eq "stage move answer lost: one PATCH" "$(calls kommo PATCH /api/v4/leads/1304)" 1
patch_seq=$(seqs kommo PATCH /api/v4/leads/1304)
retry_now
check_eq "stage move answer lost: done" "$(kzsctl jobs | wc -l)" 0
check_eq "stage move answer lost: still one PATCH after the retry" "$(calls kommo PATCH /api/v4/leads/1304)" 1
check_eq "stage move answer lost: the retry read the lead after the lost PATCH" \
	"$([ "$(seqs kommo GET /api/v4/leads/1304 | tail -n 1)" -gt "$patch_seq" ] 2>/dev/null && echo yes)" yes
check_eq "stage move answer lost: in the signed stage" \
	"$(jq -r .status_id "$FAKE_DIR/kommo/leads/1304.json")" "$SIGNED_STATUS_ID"
check_eq "the fault plan was used up" "$(cat "$FAKE_DIR/faults")" ""

# Over the whole run: reads reused kept-alive connections, writes never did.
check_match "reads came on reused connections" \
	"$(jq -s '[.[] | select(.method == "GET" and .reused)] | length' "$FAKE_DIR/calls.jsonl")" '^[1-9]'
check_eq "no POST, PUT or PATCH came on a reused connection" \
	"$(jq -c 'select(.method != "GET" and .reused) | [.method, .path]' "$FAKE_DIR/calls.jsonl")" ""
