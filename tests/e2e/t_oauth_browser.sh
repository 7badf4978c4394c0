#!/usr/bin/env bash
# The authorization as a person does it, in headless Chromium (Debian's chromium,
# started here): the start page, its Connect Zoho Sign button to the consent page,
# Accept, and the page the browser lands on after the redirect back to oauth-callback.
# Screenshots go to build/artefacts/. Then a contract goes out with the stored token.
. "$(dirname "$0")/lib.sh"
CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
	not_ok "chromium is not installed (sh deploy/install-deps.sh --tests installs it)"
	exit 1
fi
kzs_setup
oauth_admin_setup
kzs_conf_set zoho refresh_token ""
artefacts=$KZS_ROOT/build/artefacts
case $KZS_OUT in */build/asan) variant=-asan ;; *) variant= ;; esac
mkdir -p "$artefacts"

# browser URL SCREENSHOT: loads URL (following redirects) and prints the page's DOM.
browser() {
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$T/chromium" --window-size=900,600 --hide-scrollbars \
		--dump-dom --screenshot="$2" "$1" 2>>"$T/chromium.log"
}
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
link() { printf '%s' "$1" | sed -n "s/.*$2.*href=\"\\([^\"]*\\)\".*/\\1/p; s/.*href=\"\\([^\"]*\\)\"[^>]*>$2<.*/\\1/p" | head -n 1 | sed 's/&amp;/\&/g'; }

shot=$artefacts/oauth-start$variant.png
dom=$(browser "$APP_URL/cgi-bin/oauth-callback?secret=$ADMIN_SECRET" "$shot")
check_match "start page in Chromium: authorization needed" "$dom" 'Authorization needed: not connected yet\.'
check_eq "start page screenshot saved" "$(is_png "$shot" && echo png)" png
button=$(link "$dom" 'Connect Zoho Sign')
check_match "start page in Chromium: the button leads to Zoho's consent page" "$button" "^$ACCOUNTS_URL/oauth/v2/auth\\?"

dom=$(browser "$button" "$artefacts/oauth-consent$variant.png")
check_match "consent page in Chromium: asks to allow access" "$dom" '<h1>Allow access\?</h1>'
accept=$(printf '%s' "$dom" | sed -n 's/.*id="accept" href="\([^"]*\)".*/\1/p')
check_match "consent page in Chromium: an Accept link" "$accept" '^/oauth/v2/consent/[0-9a-f]+/accept$'

shot=$artefacts/oauth-connected$variant.png
dom=$(browser "$ACCOUNTS_URL$accept" "$shot")
check_match "after Accept, Chromium shows the success page" "$dom" '<h1>Zoho Sign is connected</h1>'
check_match "the page names the account server and data centre" "$dom" \
	"Connected to 127\\.0\\.0\\.1:$ACCOUNTS_PORT / eu\\."
check_eq "success screenshot saved as $shot" "$(is_png "$shot" && echo png)" png
check_eq "the button's state was used up by the callback" "$(store_get states "$(query_param state "$button")")" ""
check_eq "the refresh token Zoho issued is stored" \
	"$(store_get tokens zoho.refresh | jq -r .refresh_token)" "$(tail -n 1 "$FAKE_DIR/accounts/refresh_tokens")"

post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
wait_until "a contract goes out with the stored authorization" calls_reach 1 sign POST /api/v1/templates
check_eq "createdocument succeeded" \
	"$(jq -r 'select(.path | endswith("/createdocument")) | .status' "$FAKE_DIR/calls.jsonl")" 200
