#!/usr/bin/env bash
# An event that comes before its request is recorded (here: Zoho created the request
# but its answer was lost, so the retry adopts it later) is kept, not dropped, and
# applied once the request is recorded: exactly once, whatever the repeats.
. "$(dirname "$0")/lib.sh"
kzs_setup
echo 0 >"$FAKE_DIR/kommo/rate_limit"

notes() { jq -r --argjson l "$1" 'select(.entity_id == $l) | .params.text // "attachment"' "$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null; }
has_request() { [ -n "$(sign_request_ids)" ]; }
send_failed() { kzsctl jobs | grep -q '^send:1001 .*last_error='; }

fault sign POST /api/v1/templates 1 drop after
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "hook accepted" "$STATUS" 200
wait_until "Zoho created the request" has_request
wait_until "the send job lost the answer" send_failed
rid=$(sign_request_ids)
check_eq "the request is not recorded yet" "$(store_get deals "req:$rid")" ""

sign_set_status "$rid" completed
viewed=$(zoho_webhook_body "$rid" RequestViewed)
completed=$(zoho_webhook_body "$rid" RequestCompleted)
post_zoho_hook "$viewed"
check_eq "viewed before the request is recorded: kept" "$STATUS $BODY" "200 accepted: kept until the request is recorded"
post_zoho_hook "$completed"
check_eq "completed before the request is recorded: kept" "$STATUS $BODY" "200 accepted: kept until the request is recorded"
post_zoho_hook "$completed"
check_eq "the same delivery again: duplicate" "$STATUS $BODY" "200 duplicate: already handled"
check_match "the log says so" "$(app_log)" "info: request $rid: RequestCompleted came before the request was recorded; kept until it is"

kzsctl retry >/dev/null
wait_until "the retry adopts the request and the outcome follows" queue_empty
check_eq "one request at Zoho" "$(sign_request_ids | wc -l)" 1
check_eq "one createdocument" "$(calls sign POST /api/v1/templates)" 1
check_match "the request was adopted" "$(app_log)" "lead 1001: adopted Zoho Sign request $rid"
check_eq "the deal is signed" "$(jq -r .status_id "$FAKE_DIR/kommo/leads/$LEAD_ID.json")" "$SIGNED_STATUS_ID"
check_eq "one upload, one Files link" \
	"$(calls drive POST /drive/v1.0/sessions) $(calls kommo PUT /api/v4/leads/$LEAD_ID/files)" "1 1"
check_eq "each note once: sent, viewed, attachment, signed" \
	"$(notes "$LEAD_ID" | sed -E 's/^(Contract [a-z]+|attachment).*/\1/' | sort | tr '\n' ',')" \
	"Contract sent,Contract signed,Contract viewed,attachment,"
check_eq "nothing kept any more" "$(store_keys deals | grep -c '^early:')" 0

# Zoho's later deliveries of the same outcome change nothing.
post_zoho_hook "$(zoho_webhook_body "$rid" RequestCompleted)"
check_eq "a later completed: acknowledged" "$STATUS" 200
wait_until "handled" queue_empty
check_eq "still one upload and four notes" \
	"$(calls drive POST /drive/v1.0/sessions) $(notes "$LEAD_ID" | wc -l)" "1 4"

# A request named with our reference whose send is not waiting: not ours, not kept.
fixture_lead 1002
post_kommo_hook "$(kommo_status_body 1002)"
wait_until "lead 1002: sent" queue_empty
other=$(zoho_webhook_body "$rid" RequestCompleted |
	jqb -c '.requests.request_id = "#big#998877665544332211" | .requests.request_name = "Deal 1002 (ref 1002-1)"')
post_zoho_hook "$other"
check_eq "a reference that matches no waiting send: ignored" "$STATUS $BODY" "200 ignored: not a request of this integration"
check_eq "still nothing kept" "$(store_keys deals | grep -c '^early:')" 0
