#!/usr/bin/env bash
# The one-time authorization, walked with curl against the fakes: the admin's start
# page, its Connect form (a POST that sets the flow cookie), Zoho's consent page, the
# callback that stores the refresh token, and Sign API calls made with the access token
# the code exchange gave (no second token request). Connecting again replaces the
# stored token; kzsctl authorize-url prints a single-use start address.
. "$(dirname "$0")/lib.sh"
kzs_setup
oauth_admin_setup
consent_re="^$ACCOUNTS_URL/oauth/v2/auth\\?scope=ZohoSign\\.documents\\.ALL,ZohoSign\\.templates\\.ALL&response_type=code&client_id=$ZOHO_CLIENT_ID&redirect_uri=http%3A%2F%2F127\\.0\\.0\\.1%3A$APP_PORT%2Fcgi-bin%2Foauth-callback&access_type=offline&prompt=consent&state=[0-9a-f]{64}\$"
unhtml() { sed 's/&amp;/\&/g'; }

# The start page, before anything is stored: the config's refresh token is in use.
oauth_get "secret=$ADMIN_SECRET"
check_eq "start page: 200" "$STATUS" 200
check_match "start page: HTML" "$(resp_header Content-Type)" '^text/html; charset=utf-8$'
check_eq "start page: never cached" "$(resp_header Cache-Control)" no-store
check_match "start page: not to be framed by another site" "$(resp_header Content-Security-Policy)" "frame-ancestors 'none'"
check_eq "start page: no Referer to the consent page" "$(resp_header Referrer-Policy)" no-referrer
check_match "start page: Zoho works from [zoho] refresh_token" "$BODY" \
	'id="zoho-status">Connected with the refresh token in \[zoho\] refresh_token, to Zoho Sign in the eu data centre \(accounts server 127\.0\.0\.1:[0-9]+\)\.'
check_match "start page: Kommo uses the long-lived token" "$BODY" 'id="kommo-status">Uses the long-lived token'
check_match "start page: a Connect Zoho Sign form that POSTs to oauth-callback with a token" "$BODY" \
	'<form method="post" action="oauth-callback"><input type="hidden" name="provider" value="zoho"><input type="hidden" name="csrf" value="[0-9a-f]{64}"><button class="button" type="submit">Connect Zoho Sign</button></form>'
check_eq "start page: no link starts a flow" "$(printf '%s' "$BODY" | grep -c 'href=')" 0
check_eq "start page: viewing it made no state" "$(store_keys states | grep -c .)" 0
check_eq "start page: the admin secret is not on the page" "$(printf '%s' "$BODY" | grep -c "$ADMIN_SECRET")" 0
check_match "start page: a CSRF cookie, HttpOnly and SameSite=Lax, for this program only" \
	"$(resp_header Set-Cookie)" '^kzs_csrf=[0-9a-f]{64}; Path=/cgi-bin/oauth-callback; HttpOnly; SameSite=Lax$'

kzs_conf_set zoho refresh_token ""
oauth_get "secret=$ADMIN_SECRET"
check_match "start page without any refresh token: authorization needed" "$BODY" \
	'id="zoho-status">Authorization needed: not connected yet\.'

# The Connect form (a POST with the token) sends the browser to the consent page.
oauth_start zoho
check_eq "connect: 302" "$STATUS" 302
location=$(resp_header Location)
check_match "connect: Location is Zoho's consent URL with every parameter" "$location" "$consent_re"
check_eq "connect: redirect_uri exactly as configured" "$(query_param redirect_uri "$location")" \
	"$APP_URL/cgi-bin/oauth-callback"
check_match "connect: a flow cookie, HttpOnly, SameSite=Lax, for 10 minutes" "$(resp_header Set-Cookie)" \
	'^kzs_flow_zoho=[0-9a-f]{64}; Path=/cgi-bin/oauth-callback; Max-Age=600; HttpOnly; SameSite=Lax$'
flow=$(resp_header Set-Cookie | sed -E 's/^kzs_flow_zoho=([0-9a-f]+);.*/\1/')
record=$(store_get states "$(query_param state "$location")")
check_eq "connect: the state is stored for zoho" "$(printf '%s' "$record" | jq -r .provider)" zoho
check_eq "connect: bound to the hash of the flow cookie, not the cookie" \
	"$(printf '%s' "$record" | jq -r .binding)" "$(printf '%s' "$flow" | sha256sum | cut -d' ' -f1)"

# The browser flow: consent, Accept, back to oauth-callback.
callback=$(oauth_consent zoho accept)
check_match "consent: Zoho sends the browser back with code, location, accounts-server, state and a trailing &" \
	"$callback" "^$APP_URL/cgi-bin/oauth-callback\\?code=1000\\.[0-9a-f.]+&location=eu&accounts-server=http%3A%2F%2F127\\.0\\.0\\.1%3A$ACCOUNTS_PORT&state=[0-9a-f]{64}&\$"
oauth_return "$callback"
check_eq "callback: 200" "$STATUS" 200
check_match "callback: the page says so" "$BODY" '<h1>Zoho Sign is connected</h1>'
check_match "callback: the page names the data centre and its account server" "$BODY" \
	"Connected to Zoho Sign in the eu data centre \\(accounts server 127\\.0\\.0\\.1:$ACCOUNTS_PORT\\)\\."
issued=$(tail -n 1 "$FAKE_DIR/accounts/refresh_tokens")
check_eq "callback: one code exchange, with the documented fields" \
	"$(call_bodies accounts POST /oauth/v2/token | tr '&' '\n' | sed 's/^code=.*/code=<code>/' | sort | tr '\n' ' ')" \
	"client_id=$ZOHO_CLIENT_ID client_secret=$ZOHO_CLIENT_SECRET code=<code> grant_type=authorization_code redirect_uri=http%3A%2F%2F127.0.0.1%3A$APP_PORT%2Fcgi-bin%2Foauth-callback "
check_eq "callback: the code sent is the one Zoho gave" \
	"$(call_bodies accounts POST /oauth/v2/token | form_field code)" "$(query_param code "$callback")"
record=$(store_get tokens zoho.refresh)
check_eq "stored: the refresh token Zoho issued" "$(printf '%s' "$record" | jq -r .refresh_token)" "$issued"
check_eq "stored: the accounts server" "$(printf '%s' "$record" | jq -r .accounts_url)" "$ACCOUNTS_URL"
check_eq "stored: the Sign host for it" "$(printf '%s' "$record" | jq -r .sign_url)" "$SIGN_URL/api/v1"
if gdbm_only "the tokens file's mode"; then
	check_eq "stored: in a 0600 file" "$(stat -c %a "$T/state/tokens.db")" 600
fi
check_eq "the state was used up" "$(store_get states "$(query_param state "$callback")")" ""
check_eq "the refresh token is not on the page" "$(printf '%s' "$BODY" | grep -c "$issued")" 0
oauth_get "secret=$ADMIN_SECRET"
check_match "start page: connected to the stored account" "$BODY" \
	"id=\"zoho-status\">Connected to Zoho Sign in the eu data centre \\(accounts server 127\\.0\\.0\\.1:$ACCOUNTS_PORT\\) since [0-9-]+ [0-9:]+ UTC\\."
check_match "start page: offers to connect again" "$BODY" '>Connect Zoho Sign again</button>'

# A Sign API call with a token from the stored refresh token (none is in the config).
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "webhook accepted" "$STATUS" 200
wait_until "contract sent with the stored authorization" calls_reach 1 sign POST /api/v1/templates
check_eq "createdocument succeeded" \
	"$(jq -r 'select(.path | endswith("/createdocument")) | .status' "$FAKE_DIR/calls.jsonl")" 200
check_eq "no token request after the code exchange: its access token was kept" \
	"$(calls accounts POST /oauth/v2/token)" 1
check_eq "every Sign call carried the access token of the exchange" \
	"$(jq -r 'select(.service == "sign") | .authorization' "$FAKE_DIR/calls.jsonl" | sort -u)" \
	"Zoho-oauthtoken $(head -n 1 "$FAKE_DIR/accounts/access_tokens" | awk '{ print $1 }')"
check_eq "no token in the log" "$(app_log | grep -c -e "$issued" -e "$ZOHO_CLIENT_SECRET")" 0

# Connecting again replaces the stored token and forgets the cached access token.
check_match "an access token is cached" "$(store_get tokens zoho.access)" '"token"'
store_put tokens zoho.access '{"token":"old-grant","expires_at":9999999999}'
callback=$(oauth_consent zoho accept)
oauth_return "$callback"
check_eq "again: 200" "$STATUS" 200
issued2=$(tail -n 1 "$FAKE_DIR/accounts/refresh_tokens")
check_eq "again: the new refresh token replaced the old" \
	"$(store_get tokens zoho.refresh | jq -r .refresh_token)" "$issued2"
check_eq "again: it is a new one" "$([ "$issued" != "$issued2" ] && echo new)" new
check_eq "again: the cached access token is the new exchange's" "$(store_get tokens zoho.access | jq -r .token)" \
	"$(tail -n 1 "$FAKE_DIR/accounts/access_tokens" | awk '{ print $1 }')"

# The admin tool prints a single-use start address of oauth-callback, which sets the
# flow cookie in the browser that opens it and sends it on to the consent page.
url=$(kzsctl authorize-url)
check_match "kzsctl authorize-url: oauth-callback's address with a start code" "$url" \
	"^$APP_URL/cgi-bin/oauth-callback\\?start=[0-9a-f]{64}\$"
check_match "kzsctl authorize-url: says it is single-use, for one browser" "$(tail -n 1 "$T/kzsctl.log")" \
	'open this address once, within 10 minutes, in the browser you approve the access with; it works one time only'
check_eq "kzsctl authorize-url: its start code is stored for zoho" \
	"$(store_get states "$(query_param start "$url")" | jq -c '{provider, start}')" '{"provider":"zoho","start":true}'
http_call GET "$url" -c "$T/other.cookies"
check_eq "start address opened: 302" "$STATUS" 302
check_match "start address opened: on to Zoho's consent page" "$(resp_header Location)" "$consent_re"
check_match "start address opened: the flow cookie is set in that browser" "$(resp_header Set-Cookie)" \
	'^kzs_flow_zoho=[0-9a-f]{64}; Path=/cgi-bin/oauth-callback; Max-Age=600; HttpOnly; SameSite=Lax$'
check_eq "start address opened: the code is used up" "$(store_get states "$(query_param start "$url")")" ""
http_call GET "$url" -c "$T/third.cookies"
check_eq "start address opened again: 400" "$STATUS" 400
check_match "start address opened again: says it was used" "$BODY" '<h1>Unknown or used start address</h1>'
check_eq "kzsctl authorize-url zoho: the same" "$(kzsctl authorize-url zoho | grep -cE "^$APP_URL/cgi-bin/oauth-callback\\?start=[0-9a-f]{64}\$")" 1
out=$(kzsctl authorize-url kommo 2>&1)
check_eq "kzsctl authorize-url kommo: refused while Kommo uses the long-lived token" "$?" 1
check_match "kzsctl authorize-url kommo: says why" "$(cat "$T/kzsctl.log")" 'long-lived \[kommo\] token'
kzsctl authorize-url nonsense >/dev/null
check_eq "kzsctl authorize-url with an unknown provider: usage" "$?" 2
