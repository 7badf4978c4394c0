#!/usr/bin/env bash
# A deal entering "Contract" sends exactly one Zoho Sign request, filled from the deal,
# its main contact and company, and leaves one note on the deal; repeated, concurrent
# and stale webhooks send nothing more.
. "$(dirname "$0")/lib.sh"
kzs_setup 4

# Waits below re-run these each time they poll; retries that a remote's 429 put off are
# run by the drain, as cron would.
count_is() { [ "$("${@:2}")" = "$1" ]; }
createdocuments() { calls sign POST "/api/v1/templates/$TEMPLATE_ID/createdocument"; }
notes_on() { jq -s --argjson l "$1" '[.[] | select(.entity_id == $l)] | length' "$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null || echo 0; }

post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "webhook acknowledged" "$STATUS $BODY" "200 accepted 1 of 1"
wait_until "the request reaches Zoho" count_is 1 createdocuments
wait_until "the queue empties" queue_empty
wait_until "the note reaches Kommo" count_is 1 notes_on "$LEAD_ID"

# What Zoho received: urlencoded data=<json> and is_quicksend=true.
check_eq "createdocument is form-urlencoded" \
	"$(jq -r 'select(.path | endswith("/createdocument")) | .content_type' "$FAKE_DIR/calls.jsonl")" \
	application/x-www-form-urlencoded
form=$(call_bodies sign POST "/api/v1/templates/$TEMPLATE_ID/createdocument")
check_match "is_quicksend=true is sent" "$form" '(^|&)is_quicksend=true(&|$)'
data=$(printf '%s' "$form" | form_field data)
check_eq "action id is the template's, exact, as a string" \
	"$(printf '%s' "$data" | grep -o '"action_id":"[0-9]*"')" "\"action_id\":\"$TEMPLATE_ACTION_ID\""
check_eq "recipient is the main contact" \
	"$(jq -r '.templates.actions[0] | "\(.recipient_name) <\(.recipient_email)> \(.role) \(.action_type)"' <<<"$data")" \
	"Jane Doe <jane@example.com> Client SIGN"
check_eq "fields come from company, deal and today" \
	"$(jq -r '.templates.field_data | "\(.field_text_data.CompanyName)|\(.field_text_data.DealAmount)|\(.field_date_data.ContractDate)"' <<<"$data")" \
	"Acme Ltd|5000|$(date -u +%d/%m/%Y)"
check_match "request name carries the lead marker" "$(jq -r .templates.request_name <<<"$data")" "^Deal $LEAD_ID \\(ref $LEAD_ID-[0-9]+\\)$"

request_id=$(sign_request_ids | head -n 1)
check_match "Zoho created an 17-18 digit request" "$request_id" '^[0-9]{17,18}$'
note=$(jq -r --argjson l "$LEAD_ID" 'select(.entity_id == $l) | .params.text' "$FAKE_DIR/kommo/notes.jsonl")
check_eq "the note names the recipient and the request id" "$note" \
	"Contract sent for signature to Jane Doe <jane@example.com>. Zoho Sign request $request_id."
check_eq "the note is a common note" "$(jq -r .note_type "$FAKE_DIR/kommo/notes.jsonl")" common
check_eq "the lead was re-read with its contacts" "$(jq -r 'select(.path == "/api/v4/leads/'"$LEAD_ID"'") | .query' "$FAKE_DIR/calls.jsonl" | head -n1)" "with=contacts"
check_eq "Kommo calls carry the token" \
	"$(jq -r 'select(.service == "kommo") | .authorization' "$FAKE_DIR/calls.jsonl" | sort -u)" "Bearer $KOMMO_TOKEN"

# The same webhook again, later: nothing new.
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "repeat acknowledged" "$STATUS" 200
wait_until "the queue empties after the repeat" queue_empty
kzsctl drain >/dev/null
check_eq "repeat: still one request" "$(createdocuments)" 1
check_eq "repeat: still one note" "$(notes_on "$LEAD_ID")" 1

# Our own (or a manager's) later stage move: the webhook for the new stage, and a stale
# "entered Contract" hint after the lead has moved on.
kzs_patch_lead() { jq -c ".status_id = $2" "$FAKE_DIR/kommo/leads/$1.json" | fixture_json "kommo/leads/$1.json"; }
kzs_patch_lead "$LEAD_ID" "$SIGNED_STATUS_ID"
post_kommo_hook "$(kommo_status_body "$LEAD_ID" "$SIGNED_STATUS_ID")"
check_eq "move to the next stage: acknowledged, not queued" "$STATUS $BODY" "200 accepted 0 of 1"

# A second lead, the webhook delivered eight times at once across four processes.
fixture_lead 1002
body=$(kommo_status_body 1002)
pids=()
for i in 1 2 3 4 5 6 7 8; do
	curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary "$body" "$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET" >>"$T/codes" &
	pids+=($!)
done
wait "${pids[@]}"
check_eq "eight concurrent deliveries all acknowledged" "$(sort -u "$T/codes")" 200
wait_until "one request for the second lead" count_is 2 createdocuments
wait_until "the queue empties after the burst" queue_empty
kzsctl drain >/dev/null
check_eq "concurrent duplicates: exactly one more request" "$(createdocuments)" 2
check_eq "concurrent duplicates: exactly one note" "$(notes_on 1002)" 1

# A stale hint for a lead that is no longer in the stage: re-read, nothing sent.
fixture_lead 1003 67548607
post_kommo_hook "$(kommo_status_body 1003)"
check_eq "stale hint acknowledged" "$STATUS $BODY" "200 accepted 1 of 1"
wait_until "the queue empties after the stale hint" queue_empty
check_eq "stale hint: no request" "$(createdocuments)" 2
check_eq "stale hint: lead was re-read" "$(calls kommo GET /api/v4/leads/1003)" 1

# Several leads in one POST, indices out of order, with a lead created in the stage.
fixture_lead 1004
fixture_lead 1005
p4="leads%5Bstatus%5D%5B7%5D" p5="leads%5Badd%5D%5B0%5D"
post_kommo_hook "$p4%5Bstatus_id%5D=$TRIGGER_STATUS_ID&$p4%5Bpipeline_id%5D=$PIPELINE_ID&$p4%5Bid%5D=1004&$p5%5Bid%5D=1005&$p5%5Bstatus_id%5D=$TRIGGER_STATUS_ID&$p5%5Bpipeline_id%5D=$PIPELINE_ID&$p5%5Bname%5D=New&account%5Bid%5D=$ACCOUNT_ID"
check_eq "two leads in one POST (status and add)" "$STATUS $BODY" "200 accepted 2 of 2"
wait_until "the queue empties" queue_empty
check_eq "both got a request" "$(createdocuments)" 4
check_eq "one note each" "$(notes_on 1004) $(notes_on 1005)" "1 1"

# One access token served every Zoho call.
check_eq "one token request for all of it" "$(calls accounts POST /oauth/v2/token)" 1
check_eq "the template was read once (cached)" "$(calls sign GET "/api/v1/templates/$TEMPLATE_ID")" 1

# The Zoho Sign account writes dates another way: [zoho] date_format.
kzs_conf_set zoho date_format "dd MMM yyyy"
fixture_lead 1006
post_kommo_hook "$(kommo_status_body 1006)"
wait_until "the queue empties" queue_empty
check_eq "date_format: today as the account writes dates" \
	"$(call_bodies sign POST "/api/v1/templates/$TEMPLATE_ID/createdocument" | tail -n 1 | form_field data | jq -r '.templates.field_data.field_date_data.ContractDate')" \
	"$(LC_ALL=C date -u '+%d %b %Y')"

# The company's time zone: [zoho] time_zone. One far enough from UTC that today differs
# from UTC's today at any hour of the test (UTC+14 from 10:00 UTC on, UTC-11 before).
if [ "$(date -u +%H)" -ge 10 ]; then zone=Pacific/Kiritimati; else zone=Pacific/Pago_Pago; fi
kzs_conf_set zoho date_format dd/MM/yyyy
kzs_conf_set zoho time_zone "$zone"
before=$(TZ=$zone date +%d/%m/%Y)
fixture_lead 1007
post_kommo_hook "$(kommo_status_body 1007)"
wait_until "the queue empties" queue_empty
sent_date=$(call_bodies sign POST "/api/v1/templates/$TEMPLATE_ID/createdocument" | tail -n 1 | form_field data | jq -r '.templates.field_data.field_date_data.ContractDate')
after=$(TZ=$zone date +%d/%m/%Y)
want=$before # or $after, if the zone's midnight fell in between
[ "$sent_date" = "$after" ] && want=$after
check_eq "time_zone: today is $zone's, not UTC's ($(date -u +%d/%m/%Y))" "$sent_date" "$want"

# A zone this machine does not know: the edit is refused with the key named in the log,
# and the programs go on with the configuration they had.
kzs_conf_set zoho time_zone Europe/Atlantis
fixture_lead 1008
post_kommo_hook "$(kommo_status_body 1008)"
check_eq "unknown time_zone: the webhook is still taken (the old configuration runs on)" "$STATUS" 200
check_match "unknown time_zone: the log names the key and the zone" "$(app_log)" 'time_zone Europe/Atlantis: no such zone'
wait_until "unknown time_zone: the contract still goes out" queue_empty
