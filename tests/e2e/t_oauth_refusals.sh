#!/usr/bin/env bash
# oauth-callback refuses what it must, with a clear page, and stores nothing: a wrong
# method, a missing or wrong admin secret, bad, expired and replayed states, Deny on
# the consent page, a foreign accounts-server, Zoho's errors (with HTTP 200) and its
# throttle answer, a missing code. Every echoed value is escaped. (The browser binding
# and the start form are t_oauth_binding.sh.)
. "$(dirname "$0")/lib.sh"
kzs_setup
oauth_admin_setup
server=$(printf '%s' "$ACCOUNTS_URL" | sed 's/:/%3A/g; s#/#%2F#g')
# A state of a flow the admin's browser started (its cookie jar has the flow cookie).
fresh_state() { oauth_start zoho; query_param state "$(resp_header Location)"; }
nothing_stored() {
	check_eq "$1: nothing stored" "$(store_get tokens zoho.refresh)" ""
	check_eq "$1: no token request" "$(calls accounts POST /oauth/v2/token)" 0
}

http_call PUT "$APP_URL/cgi-bin/oauth-callback" "code=x" application/x-www-form-urlencoded
check_eq "PUT: 405" "$STATUS" 405
check_eq "PUT: Allow says GET, POST" "$(resp_header Allow)" "GET, POST"

oauth_get ""
check_eq "no secret: 401" "$STATUS" 401
check_match "no secret: says how to open the page" "$BODY" 'Open this page with \?secret='
oauth_get "secret=wrong$ADMIN_SECRET"
check_eq "wrong secret: 401" "$STATUS" 401
oauth_get "secret=${ADMIN_SECRET:0:31}"
check_eq "secret cut short: 401" "$STATUS" 401
oauth_get "provider=zoho"
check_eq "connect by a link: refused" "$STATUS" 405
check_eq "connect by a link: no state made" "$(store_keys states | grep -c .)" 0
oauth_get "provider=zoho&secret=$ADMIN_SECRET&secret=$ADMIN_SECRET"
check_eq "the secret twice: 400" "$STATUS" 400
check_match "the secret twice: says so" "$BODY" 'parameter secret given more than once'

oauth_get "code=1000.abc&state=$(random_hex 32)&location=eu&accounts-server=$server&"
check_eq "unknown state: 400" "$STATUS" 400
check_match "unknown state: a clear page" "$BODY" '<h1>Unknown or used link</h1>'
nothing_stored "unknown state"
oauth_get "code=1000.abc&location=eu&accounts-server=$server&"
check_eq "no state: 400" "$STATUS" 400
state=$(fresh_state)
oauth_get "code=1000.abc&state=$state&state=$state&accounts-server=$server"
check_eq "state twice: 400" "$STATUS" 400
check_match "state twice: says so" "$BODY" 'parameter state given more than once'

state=$(fresh_state)
store_put states "$state" "{\"provider\":\"zoho\",\"expires_at\":$(($(date +%s) - 1))}"
oauth_get "code=1000.abc&location=eu&accounts-server=$server&state=$state&" $(admin_browser)
check_eq "expired state: 400" "$STATUS" 400
check_match "expired state: says it expired" "$BODY" '<h1>Link expired</h1>'
nothing_stored "expired state"
oauth_get "code=1000.abc&location=eu&accounts-server=$server&state=$state&" $(admin_browser)
check_match "expired state: used up as well" "$BODY" '<h1>Unknown or used link</h1>'

callback=$(oauth_consent zoho deny)
check_match "Deny: Zoho sends error=access_denied back" "$callback" '\?error=access_denied&state=[0-9a-f]{64}$'
oauth_return "$callback"
check_eq "access_denied: 403" "$STATUS" 403
check_match "access_denied: a clear page" "$BODY" 'Access was denied on Zoho&#39;s page'
nothing_stored "access_denied"

oauth_get "error=%3Cscript%3Ealert(1)%3C%2Fscript%3E&state=$(fresh_state)" $(admin_browser)
check_eq "another error: 400" "$STATUS" 400
check_match "another error: named, escaped" "$BODY" 'the error &quot;&lt;script&gt;alert\(1\)&lt;/script&gt;&quot;'
check_eq "another error: no markup from the query" "$(printf '%s' "$BODY" | grep -c '<script')" 0

all_calls() { cat "$FAKE_DIR/calls.jsonl" 2>/dev/null | wc -l; }
before=$(all_calls)
for foreign in "https%3A%2F%2Faccounts.evil.example" "https%3A%2F%2Faccounts.zoho.eu.evil.example" \
	"http%3A%2F%2F127.0.0.1%3A$KOMMO_PORT" "https%3A%2F%2Faccounts.zoho.eu%40evil.example"; do
	oauth_get "code=1000.abc&location=eu&accounts-server=$foreign&state=$(fresh_state)&" $(admin_browser)
	check_eq "foreign accounts-server $foreign: 400" "$STATUS" 400
	check_match "foreign accounts-server $foreign: says it is not Zoho's" "$BODY" "which is not one of Zoho&#39;s"
done
nothing_stored "foreign accounts-server"
check_eq "foreign accounts-server: no call anywhere" "$(all_calls)" "$before"

oauth_get "location=eu&accounts-server=$server&state=$(fresh_state)&" $(admin_browser)
check_eq "missing code: 400" "$STATUS" 400
check_match "missing code: says so" "$BODY" '<h1>No authorization code</h1>'
oauth_get "code=&state=$(fresh_state)&accounts-server=$server" $(admin_browser)
check_eq "empty code: 400" "$STATUS" 400
nothing_stored "missing code"

fault accounts POST /oauth/v2/token 1 body 200 application/json '{"error":"invalid_code"}'
callback=$(oauth_consent zoho accept)
oauth_return "$callback"
check_eq "error with HTTP 200: 400" "$STATUS" 400
check_match "error with HTTP 200: Zoho's refusal named" "$BODY" 'Zoho Accounts POST /oauth/v2/token: HTTP 200, error invalid_code'
check_eq "error with HTTP 200: nothing stored" "$(store_get tokens zoho.refresh)" ""

fault accounts POST /oauth/v2/token 1 status 400
callback=$(oauth_consent zoho accept)
oauth_return "$callback"
check_eq "throttle answer: 503" "$STATUS" 503
check_eq "throttle answer: Retry-After" "$(resp_header Retry-After)" 600
check_match "throttle answer: says to wait" "$BODY" 'Wait 10 minutes, then connect again'
check_eq "throttle answer: nothing stored" "$(store_get tokens zoho.refresh)" ""
check_match "throttle answer: token requests paused for every process" "$(store_get tokens zoho.throttled_until)" '^[0-9]+$'

# A good flow now; its callback address replayed is refused and changes nothing.
store_put tokens zoho.throttled_until 0
callback=$(oauth_consent zoho accept)
oauth_return "$callback"
check_eq "good flow: 200" "$STATUS" 200
stored=$(store_get tokens zoho.refresh)
check_match "good flow: stored" "$stored" '"refresh_token"'
exchanges=$(calls accounts POST /oauth/v2/token)
oauth_return "$callback"
check_eq "replayed state: 400" "$STATUS" 400
check_match "replayed state: a clear page" "$BODY" '<h1>Unknown or used link</h1>'
check_eq "replayed state: the stored token is unchanged" "$(store_get tokens zoho.refresh)" "$stored"
check_eq "replayed state: no token request" "$(calls accounts POST /oauth/v2/token)" "$exchanges"

check_eq "no secret in the log" "$(app_log | grep -c -e "$ADMIN_SECRET" -e "$ZOHO_CLIENT_SECRET")" 0
check_match "refusals are logged" "$(app_log)" 'refused 400: Unknown Zoho server'

# Without [admin] secret the page relies on the web server's own login (REMOTE_USER).
kzs_conf_set admin secret ""
oauth_get "secret=$ADMIN_SECRET"
check_eq "no [admin] secret, no login: 401" "$STATUS" 401
check_match "no [admin] secret, no login: says what to set" "$BODY" 'Set \[admin\] secret in the configuration'
cgi() { env -i KZS_CONFIG="$T/kzs.conf" REQUEST_METHOD=GET QUERY_STRING= "$@" "$KZS_OUT/cgi-bin/oauth-callback" 2>>"$T/kzsctl.log"; }
check_match "as CGI with REMOTE_USER from the web server's login: the start page" \
	"$(cgi REMOTE_USER=admin | head -n 1)" '^Status: 200'
check_match "as CGI without REMOTE_USER: 401" "$(cgi | head -n 1)" '^Status: 401'
