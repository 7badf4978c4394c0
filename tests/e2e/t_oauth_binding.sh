#!/usr/bin/env bash
# A connection is bound to the browser that started it. Viewing the start page stores
# nothing; a link (GET) cannot start a flow, nor a form without the start page's token
# and cookie (another site's form); the callback is accepted only with the flow cookie
# set at the start, so the admin's state used from another machine is refused and
# changes nothing, for Zoho and for Kommo. Both admin modes: [admin] secret through
# lighttpd, and the web server's login (REMOTE_USER) as plain CGI, where the cookies are
# Secure over HTTPS.
. "$(dirname "$0")/lib.sh"
kzs_setup
oauth_admin_setup
kommo_oauth_setup
kzs_conf_set zoho refresh_token ""
states() { store_keys states | grep -c .; }
token_requests() { calls accounts POST /oauth/v2/token; }
unbound() { # LABEL: the last answer refused the callback for want of the flow cookie
	check_eq "$1: 403" "$STATUS" 403
	check_match "$1: the page says why" "$BODY" '<h1>Not the browser that started this connection</h1>'
}

# Viewing the page makes nothing, however often.
for i in 1 2 3 4 5; do oauth_get "secret=$ADMIN_SECRET" $(admin_browser); done
check_eq "start page viewed five times: 200" "$STATUS" 200
check_match "start page: the Connect Zoho Sign form" "$BODY" 'name="provider" value="zoho">'
check_match "start page: the Connect Kommo form" "$BODY" 'name="provider" value="kommo">'
check_eq "start page viewed five times: no state stored" "$(states)" 0

# A link cannot start a flow, nor can a form without the page's token and cookie.
oauth_get "provider=zoho&secret=$ADMIN_SECRET" $(admin_browser)
check_eq "GET to the start: refused" "$STATUS" 405
check_match "GET to the start: says how to start" "$BODY" 'starts only with the Connect button on the start page'
oauth_get "secret=$ADMIN_SECRET" $(admin_browser)
csrf=$(printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
start_form() { # LABEL BODY [CURL_ARGS...]: POSTs the Connect form; it must be refused
	local label=$1 body=$2
	shift 2
	http_call POST "$APP_URL/cgi-bin/oauth-callback" "$body" application/x-www-form-urlencoded "$@"
	check_eq "$label: 403" "$STATUS" 403
	check_match "$label: says why" "$BODY" '<h1>Not from the start page</h1>'
}
start_form "another site's form, no token (even with the admin's cookies)" "provider=zoho" \
	-H "Origin: http://evil.example" $(admin_browser)
start_form "a wrong token" "provider=zoho&csrf=$(random_hex 32)" $(admin_browser)
start_form "the page's token without its cookie (another machine)" "provider=zoho&csrf=$csrf"
start_form "the page's token with another browser's cookie" "provider=zoho&csrf=$csrf" \
	-H "Cookie: kzs_csrf=$(random_hex 32)"
check_eq "refused starts: no state stored" "$(states)" 0

# Zoho: connected once; then the admin's state is used from another machine.
oauth_return "$(oauth_consent zoho accept)"
check_eq "admin's browser: connected" "$STATUS" 200
stored=$(store_get tokens zoho.refresh)
callback=$(oauth_consent zoho accept)
before=$(token_requests)
http_call GET "$callback"
unbound "Zoho callback without the flow cookie (curl on another machine)"
http_call GET "$callback" -H "Cookie: kzs_flow_zoho=$(random_hex 32); kzs_csrf=$(random_hex 32)"
unbound "Zoho callback with a flow cookie of another browser"
check_eq "refused callbacks: the stored refresh token is unchanged" "$(store_get tokens zoho.refresh)" "$stored"
check_eq "refused callbacks: no token request" "$(token_requests)" "$before"
check_eq "refused callbacks: the admin's state is still there" "$(states)" 1
oauth_return "$callback"
check_eq "the same address in the admin's browser: 200" "$STATUS" 200
check_match "the same address in the admin's browser: connected" "$BODY" '<h1>Zoho Sign is connected</h1>'
check_eq "the admin's browser: a new refresh token stored" \
	"$(store_get tokens zoho.refresh | jq -r .refresh_token)" "$(tail -n 1 "$FAKE_DIR/accounts/refresh_tokens")"
check_match "the refusals are logged" "$(app_log)" 'refused 403: Not the browser that started this connection'

# Kommo the same way.
callback=$(oauth_consent kommo allow)
http_call GET "$callback"
unbound "Kommo callback without the flow cookie"
check_eq "Kommo refused: nothing stored" "$(store_get tokens kommo.oauth)" ""
check_eq "Kommo refused: no code exchange" "$(calls kommo_oauth POST /oauth2/access_token)" 0
oauth_return "$callback"
check_match "Kommo in the admin's browser: connected" "$BODY" '<h1>Kommo is connected</h1>'

# kzsctl's start address binds the flow to the browser that opens it.
url=$(kzsctl authorize-url kommo)
http_call GET "$url" -c "$T/laptop.cookies"
check_eq "start address: 302 to Kommo" "$STATUS" 302
consent=$(resp_header Location)
link=$(curl -s "$consent" | sed -n 's/.*id="allow" href="\([^"]*\)".*/\1/p')
callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$(printf '%s' "$consent" | sed -E 's#^(https?://[^/]+).*#\1#')$link")
http_call GET "$callback" $(admin_browser)
unbound "start address: the callback in another browser"
http_call GET "$callback" -b "$T/laptop.cookies"
check_match "start address: the callback in the browser that opened it" "$BODY" '<h1>Kommo is connected</h1>'

# The web server's own login: REMOTE_USER, as plain CGI; cookies Secure over HTTPS.
kzs_conf_set admin secret ""
cgi() { env -i KZS_CONFIG="$T/kzs.conf" SCRIPT_NAME=/cgi-bin/oauth-callback "$@" "$KZS_OUT/cgi-bin/oauth-callback" 2>>"$T/kzsctl.log"; }
post() { # BODY ENV...: POSTs BODY as a form
	local body=$1
	shift
	printf '%s' "$body" | cgi REQUEST_METHOD=POST CONTENT_TYPE=application/x-www-form-urlencoded \
		CONTENT_LENGTH=${#body} "$@"
}
head_of() { printf '%s' "$1" | tr -d '\r' | sed '/^$/q'; }
page=$(cgi REQUEST_METHOD=GET QUERY_STRING= REMOTE_USER=admin HTTPS=on)
check_match "login: the start page" "$(head_of "$page" | head -n 1)" '^Status: 200'
check_match "login over HTTPS: the CSRF cookie is Secure" "$(head_of "$page")" \
	'Set-Cookie: kzs_csrf=[0-9a-f]{64}; Path=/cgi-bin/oauth-callback; HttpOnly; SameSite=Lax; Secure'
cookie=$(head_of "$page" | sed -n 's/^Set-Cookie: kzs_csrf=\([0-9a-f]*\);.*/\1/p')
csrf=$(printf '%s' "$page" | sed -n 's/.*name="provider" value="zoho"><input type="hidden" name="csrf" value="\([0-9a-f]*\)".*/\1/p')
check_eq "login: no state from viewing" "$(states)" 0
check_match "login: a link to the start is refused" \
	"$(cgi REQUEST_METHOD=GET QUERY_STRING=provider=zoho REMOTE_USER=admin | head -n 1)" '^Status: 405'
check_match "login: a form without the token is refused" \
	"$(post provider=zoho REMOTE_USER=admin HTTP_COOKIE="kzs_csrf=$cookie" | head -n 1)" '^Status: 403'
check_match "login: the token of another user is refused" \
	"$(post "provider=zoho&csrf=$csrf" REMOTE_USER=eve HTTP_COOKIE="kzs_csrf=$cookie" | head -n 1)" '^Status: 403'
check_match "login: the form without the login is refused" \
	"$(post "provider=zoho&csrf=$csrf" HTTP_COOKIE="kzs_csrf=$cookie" | head -n 1)" '^Status: 401'
check_eq "login: refused starts store nothing" "$(states)" 0
out=$(post "provider=zoho&csrf=$csrf" REMOTE_USER=admin HTTP_COOKIE="kzs_csrf=$cookie" REQUEST_SCHEME=https)
check_match "login: the form starts the flow" "$(head_of "$out" | head -n 1)" '^Status: 302'
check_match "login over HTTPS: the flow cookie is Secure" "$(head_of "$out")" \
	'Set-Cookie: kzs_flow_zoho=[0-9a-f]{64}; Path=/cgi-bin/oauth-callback; Max-Age=600; HttpOnly; SameSite=Lax; Secure'
flow=$(head_of "$out" | sed -n 's/^Set-Cookie: kzs_flow_zoho=\([0-9a-f]*\);.*/\1/p')
consent=$(head_of "$out" | sed -n 's/^Location: //p')
link=$(curl -s "$consent" | sed -n 's/.*id="accept" href="\([^"]*\)".*/\1/p')
callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$ACCOUNTS_URL$link")
stored=$(store_get tokens zoho.refresh)
check_match "login: a callback without the flow cookie is refused" \
	"$(cgi REQUEST_METHOD=GET QUERY_STRING="${callback#*\?}" REMOTE_USER=admin | head -n 1)" '^Status: 403'
check_eq "login: the stored refresh token is unchanged" "$(store_get tokens zoho.refresh)" "$stored"
check_match "login: the callback with it connects" \
	"$(cgi REQUEST_METHOD=GET QUERY_STRING="${callback#*\?}" REMOTE_USER=admin HTTP_COOKIE="kzs_flow_zoho=$flow")" \
	'<h1>Zoho Sign is connected</h1>'
check_match "over plain HTTP (HTTPS=off): no Secure" \
	"$(head_of "$(cgi REQUEST_METHOD=GET QUERY_STRING= REMOTE_USER=admin HTTPS=off)" | grep Set-Cookie)" 'SameSite=Lax$'
