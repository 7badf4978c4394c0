#!/usr/bin/env bash
# Only Zoho's documented throttle answer ({"error":"Access Denied","status":"failure",
# "error_description":...}, its texts possibly translated) stops token requests for 10
# minutes. Any other error from the token endpoint is logged, and the job is retried
# as usual: the next attempt asks for a token again and the contract goes out, and
# connecting in the browser can be tried again at once.
. "$(dirname "$0")/lib.sh"
kzs_setup
token_requests() { calls accounts POST /oauth/v2/token; }
job_failed() { bash -c "KZS_CONFIG=$T/kzs.conf $KZS_OUT/deploy/kzsctl jobs 2>/dev/null | grep -q 'send:$1 .*attempts=1'"; }
sent() { calls_reach "$1" sign POST /api/v1/templates; }

n=0
for answer in '200 general_error {"error":"general_error"}' \
	'500 server_error {"error":"server_error","status":"failure"}'; do
	read -r status code body <<<"$answer"
	n=$((n + 1)); lead=$((1600 + n))
	fault accounts POST /oauth/v2/token 1 body "$status" application/json "$body"
	store_put tokens zoho.access '{"token":"expired","expires_at":0}'
	before=$(token_requests)
	fixture_lead "$lead"
	post_kommo_hook "$(kommo_status_body "$lead")"
	wait_until "$code (HTTP $status): the job failed once" job_failed "$lead"
	check_eq "$code: no throttle mark" "$(store_get tokens zoho.throttled_until)" ""
	check_match "$code: the job says what Zoho answered" "$(kzsctl jobs)" \
		"send:$lead .*Zoho Accounts POST /oauth/v2/token: HTTP $status, error $code"
	check_match "$code: logged" "$(app_log)" "HTTP $status, error $code.*not Zoho's throttle answer"
	kzsctl retry >/dev/null; kzsctl drain >/dev/null
	check_eq "$code: the retry asked for a token again" "$(( $(token_requests) - before ))" 2
	wait_until "$code: the contract went out on the retry" sent "$n"
done

# The throttle answer with translated texts is still the throttle answer.
fault accounts POST /oauth/v2/token 1 body 400 application/json \
	'{"error_description":"Vous avez fait trop de demandes.","error":"Accès refusé","status":"failure"}'
store_put tokens zoho.access '{"token":"expired","expires_at":0}'
before=$(token_requests)
fixture_lead 1610
post_kommo_hook "$(kommo_status_body 1610)"
wait_until "translated throttle: the job failed once" job_failed 1610
check_match "translated throttle: token requests paused" "$(store_get tokens zoho.throttled_until)" '^[0-9]+$'
kzsctl retry >/dev/null; kzsctl drain >/dev/null
check_eq "translated throttle: no further token request" "$(( $(token_requests) - before ))" 1

# The same when connecting: another error on the code exchange pauses nothing, and
# connecting again at once works.
oauth_admin_setup
store_put tokens zoho.throttled_until 0
fault accounts POST /oauth/v2/token 1 body 200 application/json '{"error":"general_error"}'
oauth_return "$(oauth_consent zoho accept)"
check_eq "exchange answered general_error: 502" "$STATUS" 502
check_match "exchange answered general_error: a clear page" "$BODY" '<h1>No token from Zoho</h1>'
check_match "exchange answered general_error: the page names the error" "$BODY" 'Zoho Accounts POST /oauth/v2/token: HTTP 200, error general_error'
check_eq "exchange answered general_error: no pause" "$(store_get tokens zoho.throttled_until)" 0
oauth_return "$(oauth_consent zoho accept)"
check_match "connecting again at once: connected" "$BODY" '<h1>Zoho Sign is connected</h1>'
