#!/usr/bin/env bash
# deploy/lighttpd.conf as a user follows it: lighttpd includes the recipe (only its
# /home/acme placeholder replaced), the programs in ~/kzs/cgi-bin, sockets in ~/kzs/run.
# A deal goes through its whole lifecycle, bad input is refused, and a program's log
# line reaches the file the recipe names.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe.sh"

# The test's lighttpd serves nothing of its own: it includes the recipe.
kzs_lighttpd_extra() {
	recipe_home
	mkdir -p "$RECIPE_HOME/kzs/run"
	recipe_generate lighttpd.conf "$RECIPE_HOME/kzs/lighttpd.conf" || return 1
	echo "include \"$RECIPE_HOME/kzs/lighttpd.conf\""
}
kzs_setup --fakes-only
ok "lighttpd started with deploy/lighttpd.conf included"
check_eq "the sockets are in ~/kzs/run" "$(find "$RECIPE_HOME/kzs/run" -type s -printf '%f\n' | sort | tr '\n' ' ')" \
	"kommo-hook.sock-0 kommo-hook.sock-1 oauth-callback.sock-0 zoho-hook.sock-0 "

recipe_lifecycle "$APP_URL/cgi-bin" 1001
recipe_refusals "$APP_URL/cgi-bin"

log=$RECIPE_HOME/kzs/programs.log
check_match "a refused webhook's reason is in ~/kzs/programs.log" "$(cat "$log" 2>/dev/null)" \
	"kommo-hook\\[[0-9]+\\] warning: refused 401: missing or wrong secret in the webhook URL"
check_match "and zoho-hook's" "$(cat "$log" 2>/dev/null)" \
	"zoho-hook\[[0-9]+\] warning: refused 401: X-ZS-WEBHOOK-SIGNATURE does not match the body"
recipe_no_sanitizer_report "$log"
