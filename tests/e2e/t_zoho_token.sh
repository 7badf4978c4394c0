#!/usr/bin/env bash
# The Zoho access token: fetched from the refresh token once and shared by every
# process; a 401 from the Sign API causes one refresh and one retry; Zoho's throttle
# answer (HTTP 400, or 200 with an "error" key) stops token requests instead of looping.
. "$(dirname "$0")/lib.sh"
kzs_setup 4
# These checks count failures one by one; the fake's 7 calls/s limit stays off so that
# a stray 429 on a loaded machine does not add one (pacing has its own test).
echo 0 >"$FAKE_DIR/kommo/rate_limit"

token_requests() { calls accounts POST /oauth/v2/token; }
sent_to() { jq -r --argjson l "$1" 'select(.entity_id == $l) | .params.text' "$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null | grep -c "Contract sent"; }

# Eight leads at once over four processes: one token request serves them all.
pids=()
for lead in 1301 1302 1303 1304 1305 1306 1307 1308; do
	fixture_lead "$lead"
	curl -s -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary "$(kommo_status_body "$lead")" "$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET" &
	pids+=($!)
done
wait "${pids[@]}"
wait_until "eight leads handled" queue_empty
check_eq "eight requests created" "$(sign_request_ids | wc -l)" 8
check_eq "one token request for eight leads in four processes" "$(token_requests)" 1
check_eq "the refresh used the configured client and refresh token" \
	"$(call_bodies accounts POST /oauth/v2/token | tr '&' '\n' | sort | tr '\n' ' ')" \
	"client_id=$ZOHO_CLIENT_ID client_secret=$ZOHO_CLIENT_SECRET grant_type=refresh_token refresh_token=$ZOHO_REFRESH_TOKEN "
check_eq "every Sign call carried the issued token" \
	"$(jq -r 'select(.service == "sign") | .authorization' "$FAKE_DIR/calls.jsonl" | sort -u)" \
	"Zoho-oauthtoken $(awk '{ print $1 }' "$FAKE_DIR/accounts/access_tokens")"

# The Sign API refuses the token once (revoked, or the 10-token cap evicted it).
fixture_lead 1310
fault sign POST /api/v1/templates 1 status 401
post_kommo_hook "$(kommo_status_body 1310)"
wait_until "401: handled" queue_empty
check_eq "401: one refresh" "$(token_requests)" 2
check_eq "401: request retried once and created" "$(sent_to 1310)" 1
check_eq "401: two createdocument calls in all" \
	"$(jq -s '[.[] | select(.path | endswith("/createdocument")) | select(.body | contains("1310-"))] | length' "$FAKE_DIR/calls.jsonl")" 2

# Refused twice: no third call, no refresh loop; the job waits and keeps the reason.
fixture_lead 1311
fault sign POST /api/v1/templates 2 status 401
post_kommo_hook "$(kommo_status_body 1311)"
wait_until "401 twice: the job failed once" bash -c "KZS_CONFIG=$T/kzs.conf $KZS_OUT/deploy/kzsctl jobs 2>/dev/null | grep -q attempts=1"
check_eq "401 twice: one refresh only" "$(token_requests)" 3
check_match "401 twice: the job keeps the reason" "$(kzsctl jobs)" "send:1311 .*HTTP 401"
kzsctl retry >/dev/null && kzsctl drain >/dev/null
check_eq "401 twice: sent on the next drain" "$(sent_to 1311)" 1

# The token expires: the cache is dropped by its expiry, a new token is fetched once.
# Zoho hands out tokens that live 120 s: inside the 120 s before expiry in which we
# renew, so the next job must renew it, while the job that fetched it can still use it
# on a loaded machine (a 1 s token could expire before its first call arrived).
echo 120 >"$FAKE_DIR/accounts/expires_in"
fault sign POST /api/v1/templates 1 status 401 # force the refresh that gets the short token
fixture_lead 1312
post_kommo_hook "$(kommo_status_body 1312)"
wait_until "short-lived token: handled" queue_empty
before=$(token_requests)
echo 3600 >"$FAKE_DIR/accounts/expires_in"
fixture_lead 1313
post_kommo_hook "$(kommo_status_body 1313)"
wait_until "expired token: handled" queue_empty
check_eq "expired token: refreshed once before use" "$(( $(token_requests) - before ))" 1
check_eq "expired token: sent" "$(sent_to 1313)" 1

# Throttled: HTTP 400 "Access Denied". The job waits; later drains make no token request.
fault sign POST /api/v1/templates 1 status 401
fault accounts POST /oauth/v2/token 1 status 400
fixture_lead 1314
before=$(token_requests)
post_kommo_hook "$(kommo_status_body 1314)"
wait_until "throttle: the job failed once" bash -c "KZS_CONFIG=$T/kzs.conf $KZS_OUT/deploy/kzsctl jobs 2>/dev/null | grep -q 'send:1314 .*attempts=1'"
check_eq "throttle: one token request" "$(( $(token_requests) - before ))" 1
kzsctl retry >/dev/null; kzsctl drain >/dev/null; kzsctl retry >/dev/null; kzsctl drain >/dev/null
check_eq "throttle: no further token request while it lasts" "$(( $(token_requests) - before ))" 1
check_match "throttle: the job waits with the reason" "$(kzsctl jobs)" "send:1314 .*paused"
check_eq "throttle: nothing was sent meanwhile" "$(sent_to 1314)" 0
check_eq "throttle: one log line says so" "$(app_log | grep -c 'throttled us')" 1
