#!/usr/bin/env bash
# zoho-hook refuses what is not an authentic, well-formed Zoho Sign webhook, each with
# its status and a one-line reason, and stores nothing; it needs a configured secret.
. "$(dirname "$0")/lib.sh"
kzs_setup

# A contract out for signature, so the webhooks below name a request of ours.
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
wait_until "a request is out" bash -c "[ -n \"\$(ls '$FAKE_DIR/zoho/requests' 2>/dev/null)\" ]"
wait_until "its note is in Kommo" test -s "$FAKE_DIR/kommo/notes.jsonl"
rid=$(sign_request_ids | head -n 1)
calls_before=$(wc -l <"$FAKE_DIR/calls.jsonl")
good=$(zoho_webhook_body "$rid" RequestViewed)
sig=$(printf '%s' "$good" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" -binary | base64 -w0)

refused() {
	check_eq "$1: status" "$STATUS" "$2"
	check_match "$1: reason" "$BODY" "$3"
	check_eq "$1: one line" "$(printf '%s\n' "$BODY" | wc -l)" 1
}
zoho_post_raw() { # BODY CONTENT_TYPE [SIGNATURE]
	if [ $# -ge 3 ]; then
		http_call POST "$APP_URL/cgi-bin/zoho-hook" "$1" "$2" -H "X-ZS-WEBHOOK-SIGNATURE: $3"
	else
		http_call POST "$APP_URL/cgi-bin/zoho-hook" "$1" "$2"
	fi
}

http_call GET "$APP_URL/cgi-bin/zoho-hook"
refused "GET" 405 "only POST"
post_zoho_hook "$good" ""
refused "missing signature" 401 "missing X-ZS-WEBHOOK-SIGNATURE"
hex=$(printf '%s' "$good" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" | awk '{ print $NF }')
post_zoho_hook "$good" "$hex"
refused "hex-encoded signature" 401 "does not match"
post_zoho_hook "$good" "$(printf '%s' "$good" | openssl dgst -sha256 -hmac "wrong-secret" -binary | base64 -w0)"
refused "signature with another secret" 401 "does not match"
post_zoho_hook "${good/RequestViewed/RequestCompleted}" "$sig"
refused "body altered after signing" 401 "does not match"
zoho_post_raw "$good" "text/plain" "$sig"
refused "wrong content type" 415 "application/json"
head -c 300000 /dev/zero | tr '\0' ' ' >"$T/big.json"
STATUS=$(curl -s -o "$T/resp.body" -w '%{http_code}' -H 'Content-Type: application/json' \
	-H "X-ZS-WEBHOOK-SIGNATURE: $sig" --data-binary "@$T/big.json" "$APP_URL/cgi-bin/zoho-hook")
BODY=$(cat "$T/resp.body")
refused "body over 256 KiB" 413 "larger than 256 KiB"
post_zoho_hook '{"requests":{"request_id":1},'
refused "malformed JSON (signed)" 400 "JSON"
post_zoho_hook '{"requests":{"request_id":12.5},"notifications":{"operation_type":"RequestViewed"}}'
refused "an id that is not an integer" 400 "request_id"

check_eq "nothing reached Kommo or Zoho" "$(wc -l <"$FAKE_DIR/calls.jsonl")" "$calls_before"
check_eq "no job queued" "$(kzsctl jobs | wc -l)" 0
check_eq "refusals are logged" "$(app_log | grep -c 'zoho-hook.*refused')" 9

# A request of another tool and an unknown operation: acknowledged, nothing done.
post_zoho_hook '{"requests":{"request_id":999999999999999999,"request_status":"completed"},"notifications":{"operation_type":"RequestCompleted","action_id":1,"performed_at":1}}'
check_eq "foreign request: acknowledged and ignored" "$STATUS $BODY" "200 ignored: not a request of this integration"
post_zoho_hook "$(zoho_webhook_body "$rid" RequestFrobnicated)"
check_eq "unknown operation: acknowledged and ignored" "$STATUS $BODY" "200 ignored: nothing to do for this operation"
kzsctl drain >/dev/null
check_eq "still nothing reached Kommo or Zoho" "$(wc -l <"$FAKE_DIR/calls.jsonl")" "$calls_before"
check_eq "the unknown operation is logged" "$(app_log | grep -c 'RequestFrobnicated needs nothing')" 1

# The documented test vector: its signature is accepted (the body then fails as JSON,
# since Zoho's sample starts with "{{").
kzs_conf_set zoho webhook_secret thisisthesamplekeyfortestingpurposes
vector='{{"requests":{"request_name":"Test Name"},"notifications":{"operation_type":"RequestSigningSuccess"}}'
post_zoho_hook "$vector" "drbSrM4H816RYKpZiRBLddUa0yHaTrwjtY04sIZFZus="
check_eq "Zoho's documented test vector passes the signature check" "$STATUS" 400
post_zoho_hook "$vector" "drbSrM4H816RYKpZiRBLddUa0yHaTrwjtY04sIZFZuS="
check_eq "one changed letter in the vector's signature: 401" "$STATUS" 401

# Without a webhook secret zoho-hook refuses to run, and says why.
sed -i '/^webhook_secret/d' "$T/kzs.conf"
out=$(KZS_CONFIG=$T/kzs.conf REQUEST_METHOD=POST "$KZS_OUT/cgi-bin/zoho-hook" 2>&1 </dev/null)
check_eq "no secret: zoho-hook exits with an error" "$?" 1
check_match "no secret: it says which key" "$out" "\\[zoho\\] webhook_secret is required"
