#!/usr/bin/env bash
# The web server's own login instead of [admin] secret (lighttpd's basic auth here, so
# oauth-callback sees REMOTE_USER), in headless Chromium, for Kommo: the start page, a
# click on Connect Kommo (a form POST), Allow, and the page after the redirect back.
# The callback address with the admin's state from another machine (even one with a
# login) is refused; another site can start nothing, by a form or by a link.
. "$(dirname "$0")/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
	not_ok "chromium is not installed (sh deploy/install-deps.sh --tests installs it)"
	exit 1
fi
LOGIN=admin:$(random_hex 8)
kzs_lighttpd_extra() {
	printf '%s\n' "$LOGIN" >"$T/users"
	cat <<EOF_CONF
server.modules += ( "mod_auth", "mod_authn_file" )
auth.backend = "plain"
auth.backend.plain.userfile = "$T/users"
auth.require = ( "/cgi-bin/oauth-callback" => ( "method" => "basic", "realm" => "kzs", "require" => "valid-user" ) )
mimetype.assign = ( ".html" => "text/html; charset=utf-8" )
EOF_CONF
}
kzs_setup
kommo_oauth_setup
kzs_conf_set admin secret ""
browser() { perl "$KZS_ROOT/tests/e2e/browser.pl" "$CHROMIUM" "$T/chromium"; }
states() { store_keys states | grep -c .; }
start_page=$APP_URL/cgi-bin/oauth-callback
basic="Basic $(printf '%s' "$LOGIN" | base64 -w0)"

http_call GET "$start_page"
check_eq "without the login: the web server refuses" "$STATUS" 401

browser <<EOF_SCRIPT
header Authorization $basic
go $start_page
dom $T/start.html
click form:has(input[value="kommo"]) button
dom $T/consent.html
url $T/consent.url
EOF_SCRIPT
check_match "start page behind the login: Kommo needs authorization" "$(cat "$T/start.html")" \
	'id="kommo-status">Authorization needed: not connected yet\.'
check_match "the click led to Kommo's consent page" "$(cat "$T/consent.url")" "^$KOMMO_URL/oauth\\?client_id=$KOMMO_CLIENT_ID&state="
check_eq "one state, made by the click" "$(states)" 1

allow=$(sed -n 's/.*id="allow" href="\([^"]*\)".*/\1/p' "$T/consent.html")
callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$KOMMO_URL$allow")
http_call GET "$callback" -u "$LOGIN"
check_eq "another machine with a login: refused" "$STATUS" 403
check_match "another machine with a login: the page says why" "$BODY" '<h1>Not the browser that started this connection</h1>'
check_eq "another machine: nothing stored" "$(store_get tokens kommo.oauth)" ""

browser <<EOF_SCRIPT
header Authorization $basic
go $(cat "$T/consent.url")
click #allow
dom $T/connected.html
EOF_SCRIPT
check_match "after Allow, Chromium shows the success page" "$(cat "$T/connected.html")" '<h1>Kommo is connected</h1>'
check_match "the Kommo token pair is stored" "$(store_get tokens kommo.oauth | jq -r .refresh_token)" '^[0-9a-f]{64}$'
stored=$(store_get tokens kommo.oauth)

csrf=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T/start.html" | head -n 1)
{
	printf '<form id="leaked" method="post" action="%s"><input type="hidden" name="provider" value="kommo"><input type="hidden" name="csrf" value="%s"><button>Go</button></form>\n' "$start_page" "$csrf"
	printf '<a id="link" href="%s?provider=kommo">Go</a>\n' "$start_page"
} >"$T/www/evil.html"
browser <<EOF_SCRIPT
header Authorization $basic
go $start_page
go http://localhost:$APP_PORT/evil.html
click #leaked button
dom $T/evil-leaked.html
go http://localhost:$APP_PORT/evil.html
click #link
dom $T/evil-link.html
EOF_SCRIPT
check_match "another site's form with the page's token: refused" "$(cat "$T/evil-leaked.html")" '<h1>Not from the start page</h1>'
check_match "another site's link: refused" "$(cat "$T/evil-link.html")" '<h1>Not started</h1>'
check_eq "another site: no state stored" "$(states)" 0
check_eq "another site: the stored Kommo tokens are unchanged" "$(store_get tokens kommo.oauth)" "$stored"
