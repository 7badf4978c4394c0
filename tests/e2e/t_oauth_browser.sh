#!/usr/bin/env bash
# The authorization as a person does it, in headless Chromium (Debian's chromium, driven
# by tests/e2e/browser.pl): the start page, a click on its Connect Zoho Sign button (a
# form POST), the consent page, Accept, and the page the browser lands on after the
# redirect back to oauth-callback. The same callback address from another machine
# (curl, without the browser's cookie) is refused and changes nothing; another site can
# start nothing, neither by a form (even with the page's token) nor by a link.
# Screenshots go to build/artefacts/. Then a contract goes out with the stored token.
. "$(dirname "$0")/lib.sh"
# Another site's page (served as HTML at http://localhost:port, another site than
# http://127.0.0.1:port).
kzs_lighttpd_extra() { echo 'mimetype.assign = ( ".html" => "text/html; charset=utf-8" )'; }
browser_setup
kzs_setup
oauth_admin_setup
kzs_conf_set zoho refresh_token ""

states() { store_keys states | grep -c .; }
start_page=$APP_URL/cgi-bin/oauth-callback?secret=$ADMIN_SECRET

browser <<EOF_SCRIPT
go $start_page
go $start_page
dom $T/start.html
shot $artefacts/oauth-start$variant.png
EOF_SCRIPT
check_eq "start page viewed twice: no state stored" "$(states)" 0
browser <<EOF_SCRIPT
go $start_page
click form:has(input[value="zoho"]) button
dom $T/consent.html
url $T/consent.url
cookies $T/cookies.json
EOF_SCRIPT
dom=$(cat "$T/start.html")
check_match "start page in Chromium: authorization needed" "$dom" 'Authorization needed: not connected yet\.'
check_match "start page in Chromium: a Connect Zoho Sign button" "$dom" '<button class="button" type="submit">Connect Zoho Sign</button>'
check_eq "start page screenshot saved" "$(is_png "$artefacts/oauth-start$variant.png" && echo png)" png
check_match "the click led to Zoho's consent page" "$(cat "$T/consent.url")" "^$ACCOUNTS_URL/oauth/v2/auth\\?"
check_match "consent page in Chromium: asks to allow access" "$(cat "$T/consent.html")" '<h1>Allow access\?</h1>'
check_eq "the click made one state" "$(states)" 1
check_eq "Chromium holds the flow cookie: HttpOnly, SameSite=Lax, for oauth-callback" \
	"$(jq -c '[.[] | select(.name == "kzs_flow_zoho") | {httpOnly, sameSite, path, secure}]' "$T/cookies.json")" \
	'[{"httpOnly":true,"sameSite":"Lax","path":"/cgi-bin/oauth-callback","secure":false}]'
state=$(query_param state "$(cat "$T/consent.url")")

# Another machine gets the callback address with the admin's state (a proxy log, a
# shared screen) and an authorization code of its own: refused, nothing changes.
accept=$(sed -n 's/.*id="accept" href="\([^"]*\)".*/\1/p' "$T/consent.html")
callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$ACCOUNTS_URL$accept")
check_match "another machine: a callback address with the admin's state" "$callback" "state=$state"
http_call GET "$callback"
check_eq "another machine: refused" "$STATUS" 403
check_match "another machine: the page says why" "$BODY" '<h1>Not the browser that started this connection</h1>'
check_eq "another machine: nothing stored" "$(store_get tokens zoho.refresh)" ""
check_eq "another machine: no code exchange" "$(calls accounts POST /oauth/v2/token)" 0

browser <<EOF_SCRIPT
go $(cat "$T/consent.url")
click #accept
dom $T/connected.html
shot $artefacts/oauth-connected$variant.png
EOF_SCRIPT
dom=$(cat "$T/connected.html")
check_match "after Accept, Chromium shows the success page" "$dom" '<h1>Zoho Sign is connected</h1>'
check_match "the page names the data centre and its account server" "$dom" \
	"Connected to Zoho Sign in the eu data centre \\(accounts server 127\\.0\\.0\\.1:$ACCOUNTS_PORT\\)\\."
check_eq "success screenshot saved" "$(is_png "$artefacts/oauth-connected$variant.png" && echo png)" png
check_eq "the state was used up by the callback" "$(store_get states "$state")" ""
check_eq "the refresh token Zoho issued is stored" \
	"$(store_get tokens zoho.refresh | jq -r .refresh_token)" "$(tail -n 1 "$FAKE_DIR/accounts/refresh_tokens")"
stored=$(store_get tokens zoho.refresh)

# Another site (localhost is another site than 127.0.0.1) tries to start a flow in the
# admin's browser: a form without the token, a form with the page's very token (its
# SameSite=Lax cookie is not sent with another site's POST), and a link.
csrf=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T/start.html" | head -n 1)
evil=http://localhost:$APP_PORT
form() { printf '<form id="%s" method="post" action="%s/cgi-bin/oauth-callback"><input type="hidden" name="provider" value="zoho">%s<button>Go</button></form>\n' \
	"$1" "$APP_URL" "$2"; }
{
	form bare ""
	form leaked "<input type=\"hidden\" name=\"csrf\" value=\"$csrf\">"
	printf '<a id="link" href="%s/cgi-bin/oauth-callback?provider=zoho&amp;secret=%s">Go</a>\n' "$APP_URL" "$ADMIN_SECRET"
} >"$T/www/evil.html"
browser <<EOF_SCRIPT
go $start_page
go $evil/evil.html
click #bare button
dom $T/evil-bare.html
go $evil/evil.html
click #leaked button
dom $T/evil-leaked.html
go $evil/evil.html
click #link
dom $T/evil-link.html
EOF_SCRIPT
check_match "another site's form without the token: refused" "$(cat "$T/evil-bare.html")" '<h1>Not from the start page</h1>'
check_match "another site's form with the page's token: refused (no cookie comes with it)" \
	"$(cat "$T/evil-leaked.html")" '<h1>Not from the start page</h1>'
check_match "another site's link: refused" "$(cat "$T/evil-link.html")" '<h1>Not started</h1>'
check_eq "another site: no state stored" "$(states)" 0
check_eq "another site: the stored token is unchanged" "$(store_get tokens zoho.refresh)" "$stored"

post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
wait_until "a contract goes out with the stored authorization" calls_reach 1 sign POST /api/v1/templates
check_eq "createdocument succeeded" \
	"$(jq -r 'select(.path | endswith("/createdocument")) | .status' "$FAKE_DIR/calls.jsonl")" 200
