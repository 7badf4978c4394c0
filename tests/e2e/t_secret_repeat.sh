#!/usr/bin/env bash
# A parameter given twice is refused in both places that take a secret or a nonce from
# a query: kommo-hook's ?secret= (whichever copy is right) and oauth-callback's secret,
# state, code and form fields. 400 with a one-line reason, and nothing changes.
. "$(dirname "$0")/lib.sh"
kzs_setup
oauth_admin_setup
good=$(kommo_status_body "$LEAD_ID")
nothing_changed() {
	check_eq "$1: no job queued" "$(kzsctl jobs 2>/dev/null | wc -l)" 0
	check_eq "$1: no remote call" "$(cat "$FAKE_DIR/calls.jsonl" 2>/dev/null | wc -l)" 0
	check_eq "$1: no state stored" "$(store_keys states | grep -c .)" 0
}
repeated() { # LABEL NAME: the last answer refused a repeated NAME
	check_eq "$1: 400" "$STATUS" 400
	check_match "$1: says which parameter" "$BODY" "parameter $2 given more than once"
	nothing_changed "$1"
}

for query in "secret=$HOOK_SECRET&secret=$HOOK_SECRET" "secret=$HOOK_SECRET&secret=wrong" \
	"secret=wrong&secret=$HOOK_SECRET" "secret=$HOOK_SECRET&x=1&secret="; do
	post_kommo_hook "$good" "" "$query"
	repeated "kommo-hook ?$query" secret
	check_eq "kommo-hook ?$query: the reason is one line" "$(printf '%s\n' "$BODY" | wc -l)" 1
done
check_match "kommo-hook: the refusal is logged" "$(app_log)" 'refused 400: parameter secret given more than once'

oauth_get "secret=$ADMIN_SECRET&secret=$ADMIN_SECRET"
repeated "oauth-callback, the admin secret twice" secret
oauth_get "secret=$ADMIN_SECRET" $(admin_browser)
csrf=$(printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
http_call POST "$APP_URL/cgi-bin/oauth-callback" "provider=zoho&csrf=$csrf&csrf=$csrf" \
	application/x-www-form-urlencoded $(admin_browser)
repeated "oauth-callback, the form's token twice" csrf
http_call POST "$APP_URL/cgi-bin/oauth-callback" "provider=zoho&csrf=$csrf&provider=kommo" \
	application/x-www-form-urlencoded $(admin_browser)
repeated "oauth-callback, the form's provider twice" provider
state=$(random_hex 32)
oauth_get "code=1000.a&state=$state&state=$state" $(admin_browser)
repeated "oauth-callback, the state twice" state
oauth_get "code=1000.a&code=1000.b&state=$state" $(admin_browser)
repeated "oauth-callback, the code twice" code

post_kommo_hook "$good"
check_eq "kommo-hook with the secret once: accepted" "$STATUS" 200
