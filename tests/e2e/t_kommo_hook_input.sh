#!/usr/bin/env bash
# kommo-hook through lighttpd: every kind of bad request gets its status and a one-line
# reason, and changes nothing: no job on disk, no call to Kommo or Zoho.
. "$(dirname "$0")/lib.sh"
kzs_setup

good=$(kommo_status_body "$LEAD_ID")

# nothing_changed DESC: no queued job and no remote call so far.
nothing_changed() {
	check_eq "$1: no job queued" "$(kzsctl jobs 2>/dev/null | wc -l)" 0
	check_eq "$1: no remote call" "$(cat "$FAKE_DIR/calls.jsonl" 2>/dev/null | wc -l)" 0
}

# refused DESC WANT_STATUS WANT_REASON_REGEX, after a http_call/post_kommo_hook
refused() {
	check_eq "$1: status" "$STATUS" "$2"
	check_match "$1: one-line reason" "$BODY" "$3"
	check_eq "$1: reason is one line" "$(printf '%s\n' "$BODY" | wc -l)" 1
}

http_call GET "$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET"
refused "GET" 405 "only POST"
check_eq "GET: Allow header" "$(resp_header Allow)" POST
http_call PUT "$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET" "$good" application/x-www-form-urlencoded
refused "PUT" 405 "only POST"

post_kommo_hook "$good" "" ""
refused "no secret" 401 "secret"
post_kommo_hook "$good" "" "secret=wrong"
refused "wrong secret" 401 "secret"
post_kommo_hook "$good" "" "secret=${HOOK_SECRET}x"
refused "secret with a suffix" 401 "secret"

post_kommo_hook "$(kommo_status_body "$LEAD_ID" | sed "s/account%5Bid%5D=$ACCOUNT_ID/account%5Bid%5D=87654321/")"
refused "foreign account" 403 "87654321 is not the configured account"

head -c 1100000 /dev/zero | tr '\0' 'a' >"$T/big.body"
STATUS=$(curl -s -o "$T/resp.body" -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "@$T/big.body" "$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET")
BODY=$(cat "$T/resp.body")
refused "body over 1 MiB" 413 "larger than 1 MiB"

post_kommo_hook "$good" "application/json"
refused "JSON content type" 415 "x-www-form-urlencoded"
post_kommo_hook "$good" "text/plain"
refused "text/plain" 415 "x-www-form-urlencoded"

post_kommo_hook ""
refused "empty body" 400 "empty"
post_kommo_hook "${good}&x=%G1"
refused "broken percent escape" 400 "%"
post_kommo_hook "${good}&x=%4"
refused "truncated percent escape" 400 "%"
post_kommo_hook "leads%5Bstatus%5D%5B0%5D%5Bid=1&account%5Bid%5D=$ACCOUNT_ID"
refused "unclosed bracket" 400 "unclosed bracket"
post_kommo_hook "$(kommo_status_body abc)"
refused "non-numeric lead id" 400 "expected 1-19 digits"
post_kommo_hook "$(kommo_status_body 123456789012345678901234567890)"
refused "30-digit lead id" 400 "expected 1-19 digits"
post_kommo_hook "$(kommo_status_body "$LEAD_ID" | sed 's/account%5Bid%5D=[0-9]*//')"
refused "no account id" 400 "account\\[id\\] is missing"

nothing_changed "after every refusal"

# Acknowledged but ignored: another pipeline, another stage, another entity.
post_kommo_hook "$(kommo_status_body "$LEAD_ID" "$TRIGGER_STATUS_ID" 999)"
check_eq "other pipeline: acknowledged" "$STATUS $BODY" "200 accepted 0 of 1"
post_kommo_hook "$(kommo_status_body "$LEAD_ID" "$SIGNED_STATUS_ID")"
check_eq "other stage: acknowledged" "$STATUS $BODY" "200 accepted 0 of 1"
post_kommo_hook "contacts%5Bupdate%5D%5B0%5D%5Bid%5D=5&account%5Bid%5D=$ACCOUNT_ID"
check_eq "other entity: acknowledged" "$STATUS $BODY" "200 accepted 0 of 0"
kzsctl drain >/dev/null 2>&1
nothing_changed "after ignored events and a drain"

# Each refusal left one line in the web server's error log.
check_eq "refusals are logged, one line each" "$(grep -c "kommo-hook.*refused" "$T/lighttpd.out")" 16
