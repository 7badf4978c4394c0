#!/usr/bin/env bash
# The fakes themselves: auth refused in each service's own shape,
# createdocument validation, the fault plan, the call log, a drive upload, keep-alive and
# closed connections, rate limits per address, OAuth consent.
. "$(dirname "$0")/lib.sh"
kzs_setup --fakes-only
echo 0 >"$FAKE_DIR/kommo/rate_limit" # pacing is not under test here

K="Authorization: Bearer $KOMMO_TOKEN"

# Kommo: no token, then the lead with and without its contacts.
http_call GET "$KOMMO_URL/api/v4/leads/$LEAD_ID"
check_eq "kommo refuses a call without token" "$STATUS" 401
check_eq "kommo 401 is problem+json" "$(resp_header Content-Type)" application/problem+json
check_eq "kommo 401 body" "$(jq -c '[.title, .status]' <<<"$BODY")" '["Unauthorized",401]'
http_call GET "$KOMMO_URL/api/v4/leads/$LEAD_ID?with=contacts" -H "$K"
check_eq "lead with=contacts has the main contact" "$(jq -c '._embedded.contacts' <<<"$BODY")" \
	"[{\"id\":$CONTACT_ID,\"is_main\":true}]"
http_call GET "$KOMMO_URL/api/v4/leads/$LEAD_ID" -H "$K"
check_eq "lead without with=contacts has none" "$(jq -c '._embedded.contacts' <<<"$BODY")" null
http_call GET "$KOMMO_URL/api/v4/leads/999" -H "$K"
check_eq "missing lead is 204 with no body" "$STATUS:${#BODY}" 204:0

# Notes: a wrong note_type is a validation error; a good note is stored.
http_call POST "$KOMMO_URL/api/v4/leads/notes" \
	"[{\"entity_id\":$LEAD_ID,\"note_type\":\"bogus\",\"params\":{\"text\":\"x\"}}]" application/json -H "$K"
check_eq "bad note_type refused" "$STATUS $(jq -r '."validation-errors"[0].errors[0].path' <<<"$BODY")" "400 note_type"
http_call POST "$KOMMO_URL/api/v4/leads/$LEAD_ID/notes" \
	'[{"note_type":"common","params":{"text":"hello"}}]' application/json -H "$K"
check_eq "note stored" "$STATUS $(jq -r .params.text "$FAKE_DIR/kommo/notes.jsonl")" "200 hello"

# Zoho: a token from the accounts fake, then createdocument validation.
http_call GET "$SIGN_URL/api/v1/templates/$TEMPLATE_ID"
check_eq "sign refuses a call without token" "$STATUS $(jq -c '[.code, .status]' <<<"$BODY")" '401 [9041,"failure"]'
http_call POST "$ACCOUNTS_URL/oauth/v2/token" \
	"grant_type=refresh_token&client_id=$ZOHO_CLIENT_ID&client_secret=wrong&refresh_token=$ZOHO_REFRESH_TOKEN" \
	application/x-www-form-urlencoded
check_eq "wrong client secret: invalid_client with HTTP 200" "$STATUS $(jq -r .error <<<"$BODY")" "200 invalid_client"
http_call POST "$ACCOUNTS_URL/oauth/v2/token?grant_type=refresh_token&client_id=$ZOHO_CLIENT_ID&client_secret=$ZOHO_CLIENT_SECRET&refresh_token=$ZOHO_REFRESH_TOKEN" \
	"" application/x-www-form-urlencoded
Z="Authorization: Zoho-oauthtoken $(jq -r .access_token <<<"$BODY")"
check_eq "refresh grant gives an access token" "$STATUS $(jq -r .expires_in <<<"$BODY")" "200 3600"

doc() { # ACTION_ID: a createdocument body
	local data
	data=$(printf '{"templates":{"request_name":"Contract 1001","field_data":{"field_text_data":{"CompanyName":"Acme Ltd"},"field_date_data":{},"field_boolean_data":{}},"actions":[{"action_id":"%s","action_type":"SIGN","role":"Client","recipient_name":"Jane Doe","recipient_email":"jane@example.com"}]}}' "$1")
	printf 'is_quicksend=true&data=%s' "$(jq -rn --arg d "$data" '$d | @uri')"
}
http_call POST "$SIGN_URL/api/v1/templates/$TEMPLATE_ID/createdocument" "$(doc 12345678901234567)" \
	application/x-www-form-urlencoded -H "$Z"
check_match "wrong action_id refused with code != 0" "$STATUS $(jqb -c '[.code, .status]' <<<"$BODY")" \
	'^400 \[[1-9][0-9]*,"failure"\]$'
http_call POST "$SIGN_URL/api/v1/templates/$TEMPLATE_ID/createdocument" "$(doc "$TEMPLATE_ACTION_ID")" \
	application/x-www-form-urlencoded -H "$Z"
REQ=$(sign_request_ids | tail -n 1)
check_match "createdocument answers an 18-digit request_id as a number" "$STATUS $BODY" \
	"^200 .*\"request_id\":$REQ,"
check_eq "request is in progress" "$(jqb -r .request_status <"$FAKE_DIR/zoho/requests/$REQ.json")" inprogress

# The signed PDF goes to the drive in parts and comes out byte for byte.
http_call GET "$SIGN_URL/api/v1/requests/$REQ/pdf" -H "$Z"
cp "$T/resp.body" "$T/signed.pdf"
SIZE=$(stat -c %s "$T/signed.pdf")
check_eq "pdf download" "$STATUS $(resp_header Content-Type) $(head -c 8 "$T/signed.pdf")" "200 application/pdf %PDF-1.4"
http_call POST "$KOMMO_URL/drive/v1.0/sessions" "{\"file_name\":\"signed.pdf\",\"file_size\":$SIZE}" application/json -H "$K"
URL=$(jq -r .upload_url <<<"$BODY")
PART=$(jq -r .max_part_size <<<"$BODY")
for ((off = 0; off < SIZE; off += PART)); do
	tail -c +$((off + 1)) "$T/signed.pdf" | head -c "$PART" >"$T/part"
	http_call POST "$URL" -H "$K" --data-binary "@$T/part" -H "Content-Type: application/octet-stream"
	URL=$(jq -r '.next_url // empty' <<<"$BODY")
done
UUID=$(jq -r .uuid <<<"$BODY")
check_eq "uploaded in $(calls drive POST /drive/v1.0/upload) parts, stored intact" \
	"$(sha256sum <"$FAKE_DIR/kommo/files/$UUID")" "$(sha256sum <"$T/signed.pdf")"

# A fault rule is consumed once, and the call log shows both calls.
fault kommo GET /api/v4/account 1 status 503
http_call GET "$KOMMO_URL/api/v4/account?with=drive_url" -H "$K"
FIRST=$STATUS
http_call GET "$KOMMO_URL/api/v4/account?with=drive_url" -H "$K"
check_eq "fault applies once" "$FIRST $STATUS $(jq -r .drive_url <<<"$BODY")" "503 200 $KOMMO_URL/drive"
check_eq "fault plan is empty afterwards" "$(cat "$FAKE_DIR/faults")" ""
check_eq "call log has both calls with their statuses" \
	"$(jq -sc '[.[] | select(.path == "/api/v4/account") | .status]' "$FAKE_DIR/calls.jsonl")" '[503,200]'

# Connections stay open, as at Kommo and Zoho: two requests in one curl run share one
# connection. A "reused" rule passes over a connection's first request and takes the second.
fault kommo GET /api/v4/account 1 reused status 503
check_eq "keep-alive: the second request rides the first one's connection and meets the reused rule" \
	"$(curl -s -o /dev/null -o /dev/null -w '%{http_code} %{num_connects};' -H "$K" \
		"$KOMMO_URL/api/v4/account" "$KOMMO_URL/api/v4/account")" "200 1;503 0;"
check_eq "keep-alive: the call log marks the second as reused" \
	"$(jq -c 'select(.path == "/api/v4/account") | .reused' "$FAKE_DIR/calls.jsonl" | tail -n 2 | tr -d '\n')" "nulltrue"

# "close after": the work is done and the connection closed without a byte of the answer;
# "close": the same, with nothing done.
notes_now() { wc -l <"$FAKE_DIR/kommo/notes.jsonl"; }
post_note() {
	curl -s -o /dev/null -H "$K" -H 'Content-Type: application/json' \
		--data '[{"note_type":"common","params":{"text":"lost"}}]' "$KOMMO_URL/api/v4/leads/$LEAD_ID/notes"
}
before=$(notes_now)
fault kommo POST /api/v4/leads 1 close after
post_note
check_eq "close after: the client got nothing at all (curl exit 52), the note is stored" \
	"$? $(( $(notes_now) - before ))" "52 1"
fault kommo POST /api/v4/leads 1 close
post_note
check_eq "close: nothing back, nothing stored" "$? $(( $(notes_now) - before ))" "52 1"
check_eq "close: the call log names both" \
	"$(jq -c 'select(.fault) | [.fault, .dropped]' "$FAKE_DIR/calls.jsonl" | tail -n 2 | tr -d '\n')" \
	'["close after",true]["close",true]'

# Rate limits count per client address; Kommo's drive calls count with its API's.
echo 2 >"$FAKE_DIR/kommo/rate_limit"
check_eq "kommo limit 2/s: the drive's call is the second, the third call is refused" \
	"$(curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{http_code};' -H "$K" \
		"$KOMMO_URL/api/v4/account" "$KOMMO_URL/drive/v1.0/nothing" "$KOMMO_URL/api/v4/account")" "200;404;429;"
echo 0 >"$FAKE_DIR/kommo/rate_limit"
echo 1 >"$FAKE_DIR/zoho/rate_limit"
zoho_from() { curl -s -o /dev/null -w '%{http_code}' --interface "$1" "$SIGN_URL/api/v1/templates"; }
check_eq "zoho limit 1/min: a second call from one address is refused, one from another is not" \
	"$(zoho_from 127.0.0.3) $(zoho_from 127.0.0.3) $(zoho_from 127.0.0.2)" "401 429 401"
echo 0 >"$FAKE_DIR/zoho/rate_limit"

# OAuth consent: Accept redirects back with a code that yields a refresh token once.
REDIRECT=$APP_URL/cgi-bin/oauth-callback
http_call GET "$ACCOUNTS_URL/oauth/v2/auth?response_type=code&client_id=$ZOHO_CLIENT_ID&scope=ZohoSign.documents.ALL,ZohoSign.templates.ALL&redirect_uri=$(jq -rn --arg u "$REDIRECT" '$u|@uri')&access_type=offline&prompt=consent&state=s1"
ACCEPT=$(grep -o '/oauth/v2/consent/[0-9a-f]*/accept' <<<"$BODY")
http_call GET "$ACCOUNTS_URL$ACCEPT"
LOC=$(resp_header Location)
check_match "accept redirects with code, location, accounts-server, state and a final &" "$STATUS $LOC" \
	"^302 $REDIRECT\\?code=1000\\.[0-9a-f.]+&location=eu&accounts-server=http%3A%2F%2F127\\.0\\.0\\.1%3A$ACCOUNTS_PORT&state=s1&$"
CODE=$(sed 's/.*code=\([^&]*\).*/\1/' <<<"$LOC")
EXCHANGE="grant_type=authorization_code&client_id=$ZOHO_CLIENT_ID&client_secret=$ZOHO_CLIENT_SECRET&redirect_uri=$REDIRECT&code=$CODE"
http_call POST "$ACCOUNTS_URL/oauth/v2/token" "$EXCHANGE" application/x-www-form-urlencoded
check_match "code exchange gives a refresh token" "$(jq -r .refresh_token <<<"$BODY")" '^1000\.'
http_call POST "$ACCOUNTS_URL/oauth/v2/token" "$EXCHANGE" application/x-www-form-urlencoded
check_eq "a code works once" "$(jq -r .error <<<"$BODY")" invalid_code
