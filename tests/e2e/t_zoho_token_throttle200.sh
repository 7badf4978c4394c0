#!/usr/bin/env bash
# Zoho's throttle answer with HTTP 200 and an "error" key (as seen from Zoho CRM) is a
# failure too: no token, the job waits, and no further token request is made.
. "$(dirname "$0")/lib.sh"
kzs_setup

fault accounts POST /oauth/v2/token 1 body 200 application/json \
	'{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}'
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "acknowledged" "$STATUS" 200
wait_until "the job failed once" bash -c "KZS_CONFIG=$T/kzs.conf $KZS_OUT/deploy/kzsctl jobs 2>/dev/null | grep -q attempts=1"
check_eq "the throttle answer came with HTTP 200" \
	"$(jq -r 'select(.service == "accounts") | .status' "$FAKE_DIR/calls.jsonl")" 200
kzsctl retry >/dev/null; kzsctl drain >/dev/null
check_eq "no further token request" "$(calls accounts POST /oauth/v2/token)" 1
check_eq "nothing sent to Zoho Sign" "$(calls sign '*' /)" 0
check_match "the job waits with the reason" "$(kzsctl jobs)" "send:$LEAD_ID .*paused for [0-9]+ s"
