#!/usr/bin/env bash
# The contract's status on the lead ([kommo] status_field_id) and its request id
# ([kommo] request_field_id): sent, viewed, signed on a select field and on a text
# field; events out of order or repeated never move the status back, and Kommo sees
# each write at most once; a lost PATCH answer is looked up, not written again; none
# of it without the keys; an option missing in Kommo is logged for the administrator
# and the contract goes on.
. "$(dirname "$0")/lib.sh"
kzs_setup
echo 0 >"$FAKE_DIR/kommo/rate_limit"
echo 0 >"$FAKE_DIR/zoho/rate_limit"
kzs_conf_set limits zoho_calls_per_minute 1000

SELECT_FIELD=500101
TEXT_FIELD=500102
REQUEST_FIELD=500103
fixture_json kommo/custom_fields/leads.json "[
 {\"id\":$SELECT_FIELD,\"name\":\"Contract status\",\"type\":\"select\",\"code\":null,\"sort\":1,
  \"enums\":[{\"id\":7001,\"value\":\"Sent\",\"sort\":1},{\"id\":7002,\"value\":\"Viewed\",\"sort\":2},
   {\"id\":7003,\"value\":\"Signed\",\"sort\":3},{\"id\":7004,\"value\":\"Declined\",\"sort\":4},
   {\"id\":7005,\"value\":\"Expired\",\"sort\":5},{\"id\":7006,\"value\":\"Recalled\",\"sort\":6}]},
 {\"id\":$TEXT_FIELD,\"name\":\"Contract status text\",\"type\":\"text\",\"code\":null,\"sort\":2,\"enums\":null},
 {\"id\":$REQUEST_FIELD,\"name\":\"Sign request\",\"type\":\"text\",\"code\":null,\"sort\":3,\"enums\":null}]"
kzs_conf_set kommo status_field_id "$SELECT_FIELD"
kzs_conf_set kommo request_field_id "$REQUEST_FIELD"

# field_value LEAD FIELD: what a GET of the lead shows in that field.
field_value() {
	curl -s -H "Authorization: Bearer $KOMMO_TOKEN" "$KOMMO_URL/api/v4/leads/$1" |
		jq -r --argjson f "$2" '(.custom_fields_values // [])[] | select(.field_id == $f) | .values[0].value'
}
# field_patches LEAD FIELD: the bodies of the PATCHes of that lead that set the field.
field_patches() {
	call_bodies kommo PATCH "/api/v4/leads/$1" |
		jq -c --argjson f "$2" 'select(.custom_fields_values) | .custom_fields_values[] | select(.field_id == $f) | .values[0]'
}
send_contract() {
	fixture_lead "$1"
	post_kommo_hook "$(kommo_status_body "$1")" >/dev/null
	wait_until "lead $1: request sent" queue_empty >/dev/null
	cat "$FAKE_DIR"/zoho/requests/*.json |
		jqb -r --argjson l "$1" 'select(.request_name | test("ref \($l)-")) | .request_id' | tail -n 1
}
# deliver REQUEST OP [AT_MS]: the webhook, accepted.
deliver() {
	local body
	body=$(zoho_webhook_body "$1" "$2")
	[ -n "${3:-}" ] && body=$(printf '%s' "$body" | jqb -c --argjson at "$3" '.notifications.performed_at = $at')
	post_zoho_hook "$body"
	check_eq "$2 for $1: acknowledged" "$STATUS" 200
}
job_failed_once() { kzsctl jobs 2>/dev/null | grep -q "attempts=1"; }
retry_now() { kzsctl retry >/dev/null; kzsctl drain >/dev/null; }
seqs() {
	jq -r --arg m "$1" --arg p "$2" 'select(.service == "kommo" and .method == $m and .path == $p) | .seq' \
		"$FAKE_DIR/calls.jsonl"
}

# ---- a select field: sent, viewed, signed ----
rid=$(send_contract 2001)
check_eq "select: the request id is on the lead" "$(field_value 2001 $REQUEST_FIELD)" "$rid"
check_eq "select: the status is Sent" "$(field_value 2001 $SELECT_FIELD)" Sent
deliver "$rid" RequestViewed
wait_until "select: viewed handled" queue_empty
check_eq "select: the status is Viewed" "$(field_value 2001 $SELECT_FIELD)" Viewed
sign_set_status "$rid" completed
deliver "$rid" RequestCompleted
wait_until "select: completed handled" queue_empty
check_eq "select: the status is Signed" "$(field_value 2001 $SELECT_FIELD)" Signed
check_eq "select: one PATCH per status, by option id, in order" "$(field_patches 2001 $SELECT_FIELD | tr '\n' ' ')" \
	'{"enum_id":7001} {"enum_id":7002} {"enum_id":7003} '
check_eq "select: the request id written once, as text" "$(field_patches 2001 $REQUEST_FIELD)" "{\"value\":\"$rid\"}"
check_eq "select: the deal moved to the signed stage as before" \
	"$(jq -r .status_id "$FAKE_DIR/kommo/leads/2001.json")" "$SIGNED_STATUS_ID"

# ---- a text field: the same words as text ----
kzs_conf_set kommo status_field_id "$TEXT_FIELD"
rid=$(send_contract 2002)
deliver "$rid" RequestViewed
wait_until "text: viewed handled" queue_empty
sign_set_status "$rid" completed
deliver "$rid" RequestCompleted
wait_until "text: completed handled" queue_empty
check_eq "text: the status is Signed" "$(field_value 2002 $TEXT_FIELD)" Signed
check_eq "text: one PATCH per status, as text, in order" "$(field_patches 2002 $TEXT_FIELD | tr '\n' ' ')" \
	'{"value":"Sent"} {"value":"Viewed"} {"value":"Signed"} '
check_eq "text: the select field untouched" "$(field_patches 2002 $SELECT_FIELD)" ""
kzs_conf_set kommo status_field_id "$SELECT_FIELD"

# ---- out of order and repeated: signed, then a late viewed, then repeats ----
rid=$(send_contract 2003)
now_ms=$(( $(date +%s) * 1000 ))
sign_set_status "$rid" completed
deliver "$rid" RequestCompleted
wait_until "late viewed: completed handled" queue_empty
deliver "$rid" RequestViewed $(( now_ms - 60000 ))
wait_until "late viewed: handled" queue_empty
deliver "$rid" RequestViewed $(( now_ms - 30000 ))
deliver "$rid" RequestCompleted
wait_until "repeats: handled" queue_empty
check_eq "late viewed: the status stays Signed" "$(field_value 2003 $SELECT_FIELD)" Signed
check_eq "late viewed: Kommo saw Sent and Signed once each, and no Viewed" \
	"$(field_patches 2003 $SELECT_FIELD | tr '\n' ' ')" '{"enum_id":7001} {"enum_id":7003} '
check_eq "late viewed: the request id written once" "$(field_patches 2003 $REQUEST_FIELD | wc -l)" 1
check_eq "late viewed: the deal record keeps the outcome's rank" \
	"$(store_get deals lead:2003 | jq -r '"\(.status.request) \(.status.rank)"')" "$rid 3"

# ---- a lost PATCH answer: looked up, not written again ----
fixture_lead 2004
fault kommo PATCH /api/v4/leads/2004 1 close after
post_kommo_hook "$(kommo_status_body 2004)"
wait_until "lost answer: the send job failed once" job_failed_once
patch_seq=$(seqs PATCH /api/v4/leads/2004 | tail -n 1)
retry_now
wait_until "lost answer: sent" queue_empty
rid=$(cat "$FAKE_DIR"/zoho/requests/*.json | jqb -r 'select(.request_name | test("ref 2004-")) | .request_id')
check_eq "lost answer: the request id PATCH went out once" "$(field_patches 2004 $REQUEST_FIELD | wc -l)" 1
check_eq "lost answer: the request id is there" "$(field_value 2004 $REQUEST_FIELD)" "$rid"
check_eq "lost answer: the retry read the lead after the lost PATCH" \
	"$([ "$(seqs GET /api/v4/leads/2004 | tail -n 1)" -gt "$patch_seq" ] 2>/dev/null && echo yes)" yes
fault kommo PATCH /api/v4/leads/2004 1 close after
deliver "$rid" RequestViewed
wait_until "lost viewed answer: the job failed once" job_failed_once
retry_now
wait_until "lost viewed answer: handled" queue_empty
check_eq "lost viewed answer: Sent and Viewed, each PATCHed once" \
	"$(field_patches 2004 $SELECT_FIELD | tr '\n' ' ')" '{"enum_id":7001} {"enum_id":7002} '
check_eq "lost viewed answer: the status is Viewed" "$(field_value 2004 $SELECT_FIELD)" Viewed

# ---- an option Kommo does not have: logged with the key, the contract goes on ----
kzs_conf_set kommo status_values "signed: Signée, viewed:Viewed"
rid=$(send_contract 2006)
sign_set_status "$rid" completed
deliver "$rid" RequestCompleted
wait_until "missing option: completed handled" queue_empty
check_match "missing option: the administrator's log line names the key and the word" \
	"$(app_log | grep 'no option')" '\[kommo\] status_values: lead field 500101 "Contract status" has no option "Signée"'
check_eq "missing option: the status stays Sent" "$(field_value 2006 $SELECT_FIELD)" Sent
check_eq "missing option: the deal still moved to the signed stage" \
	"$(jq -r .status_id "$FAKE_DIR/kommo/leads/2006.json")" "$SIGNED_STATUS_ID"
check_eq "missing option: the queue holds nothing given up" "$(kzsctl jobs | wc -l)" 0

# ---- kzsctl check: the fields exist on leads, fit, and have the options ----
check_out() { kzsctl check | grep -E "$1"; }
check_match "check: the missing option is a FAIL naming the key and the word" \
	"$(check_out 'status options')" '^FAIL Kommo status options: \[kommo\] status_values: field 500101 "Contract status" has no option "Signée" \(signed\)'
kzs_conf_set kommo status_values "sent:Sent"
check_match "check: the status field fits" "$(check_out 'status_field_id')" \
	'^OK   Kommo lead field: \[kommo\] status_field_id 500101 is "Contract status" \(select\)$'
check_match "check: an option for every status" "$(check_out 'status options')" '^OK   '
check_match "check: the request field fits" "$(check_out 'request_field_id')" \
	'^OK   Kommo lead field: \[kommo\] request_field_id 500103 is "Sign request" \(text\)$'
kzs_conf_set kommo request_field_id 999
check_match "check: a field that does not exist" "$(check_out 'request_field_id')" \
	'^FAIL .*request_field_id 999 is no custom field of leads; see the ids with: kzsctl fields'
kzs_conf_set kommo request_field_id "$SELECT_FIELD"
check_match "check: a select for the request id" "$(check_out 'request_field_id')" \
	'^FAIL .*request_field_id 500101 "Contract status" is a select field; use a text field'

# ---- no status_field_id: nothing is written ----
kzs_write_config
rid=$(send_contract 2005)
deliver "$rid" RequestViewed
sign_set_status "$rid" completed
deliver "$rid" RequestCompleted
wait_until "not configured: handled" queue_empty
check_eq "not configured: no custom field PATCH" \
	"$(call_bodies kommo PATCH /api/v4/leads/2005 | jq -c 'select(.custom_fields_values)' | wc -l)" 0
check_eq "not configured: the deal moved as before" \
	"$(jq -r .status_id "$FAKE_DIR/kommo/leads/2005.json")" "$SIGNED_STATUS_ID"
check_eq "not configured: kzsctl check reads no custom fields" "$(kzsctl check | grep -c 'lead field')" 0

kzs_teardown
