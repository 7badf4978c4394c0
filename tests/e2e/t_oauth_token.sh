#!/usr/bin/env bash
# The token lifecycle after a browser authorization: 20 webhooks at once while the
# cached access token has expired make exactly one token request; a refresh token Zoho
# refuses (revoked) stops token requests, is logged once and shown on the start page;
# connecting again clears that and the waiting contract goes out.
. "$(dirname "$0")/lib.sh"
kzs_setup 8
oauth_admin_setup
kzs_conf_set zoho refresh_token ""
token_requests() { calls accounts POST /oauth/v2/token; }
sent_to() { jq -r --argjson l "$1" 'select(.entity_id == $l) | .params.text' "$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null | grep -c "Contract sent"; }

# A cached access token that is due for renewal: Zoho hands out ones that live 120 s,
# the exchange's own too. That is inside the 120 s before expiry in which we renew, yet
# long enough for the job that fetched one to use it on a loaded machine.
echo 120 >"$FAKE_DIR/accounts/expires_in"
oauth_return "$(oauth_consent zoho accept)"
check_eq "connected" "$STATUS" 200
fixture_lead 1400
post_kommo_hook "$(kommo_status_body 1400)"
wait_until "first lead handled" queue_empty
echo 3600 >"$FAKE_DIR/accounts/expires_in"
expires_at=$(store_get tokens zoho.access | jq -r .expires_at)
check_eq "the cached token is due for refresh" "$([ "$expires_at" -le $(($(date +%s) + 120)) ] && echo due)" due

before=$(token_requests)
post_leads_at_once $(seq 1401 1420)
# About 85 Kommo calls at the real limit of 6 a second: some 15 s, so a longer wait.
wait_within 60 "twenty leads handled" queue_empty
check_eq "at Kommo's real rate limit, not one 429 from the fakes" \
	"$(jq -s '[.[] | select(.status == 429)] | length' "$FAKE_DIR/calls.jsonl")" 0
check_eq "twenty more requests created" "$(sign_request_ids | wc -l)" 21
check_eq "exactly one token request for twenty webhooks in eight processes" "$(( $(token_requests) - before ))" 1
new_token=$(tail -n 1 "$FAKE_DIR/accounts/access_tokens" | awk '{ print $1 }')
check_eq "every createdocument after it carried the new token" \
	"$(jq -r 'select(.service == "sign" and (.path | endswith("/createdocument")) and (.body | test("14(0[1-9]|1[0-9]|20)-"))) | .authorization' "$FAKE_DIR/calls.jsonl" | sort -u)" \
	"Zoho-oauthtoken $new_token"

# Zoho revokes the refresh token (or the 21st consent evicted it).
: >"$FAKE_DIR/accounts/refresh_tokens"
store_put tokens zoho.access '{"token":"expired","expires_at":0}'
before=$(token_requests)
fixture_lead 1430
post_kommo_hook "$(kommo_status_body 1430)"
wait_until "revoked: the job failed once" bash -c "KZS_CONFIG=$T/kzs.conf $KZS_OUT/deploy/kzsctl jobs 2>/dev/null | grep -q 'send:1430 .*attempts=1'"
check_eq "revoked: one token request" "$(( $(token_requests) - before ))" 1
check_eq "revoked: the refusal is on record" "$(store_get tokens zoho.auth_needed | jq -r .reason)" \
	"Zoho refused the refresh token: invalid_code"
check_match "revoked: the job keeps the reason" "$(kzsctl jobs)" 'send:1430 .*authorization needed'
kzsctl retry >/dev/null; kzsctl drain >/dev/null; kzsctl retry >/dev/null; kzsctl drain >/dev/null
check_eq "revoked: no further token request" "$(( $(token_requests) - before ))" 1
check_eq "revoked: one clear log line" "$(app_log | grep -c 'no more token requests until someone connects Zoho Sign again')" 1
check_eq "revoked: nothing sent meanwhile" "$(sent_to 1430)" 0
oauth_get "secret=$ADMIN_SECRET"
check_match "revoked: the start page says authorization needed" "$BODY" \
	'id="zoho-status">Authorization needed: Zoho refused the refresh token: invalid_code\.'

# Connecting again clears the refusal, and the waiting contract goes out.
oauth_return "$(oauth_consent zoho accept)"
check_eq "reconnected" "$STATUS" 200
check_eq "reconnected: the refusal is cleared" "$(store_get tokens zoho.auth_needed)" ""
wait_until "reconnected: the waiting contract was sent" bash -c "[ \"\$(jq -r 'select(.entity_id == 1430) | .params.text' '$FAKE_DIR/kommo/notes.jsonl' 2>/dev/null | grep -c 'Contract sent')\" = 1 ]"
oauth_get "secret=$ADMIN_SECRET"
check_match "reconnected: the start page says connected" "$BODY" 'id="zoho-status">Connected to '
