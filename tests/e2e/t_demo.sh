#!/usr/bin/env bash
# make demo, serving mode (tests/demo.sh without --once), as a new user meets it: the
# admin page it prints opens with the secret it prints and shows the walk's deal among
# the status's outcomes; the curl line it prints for one more deal sends that deal's
# contract; a signal stops it and everything it started, with status 0.
. "$(dirname "$0")/lib.sh"
out=$(mktemp "${TMPDIR:-/tmp}/kzs-demo.XXXXXX")
trap 'rm -f "$out"' EXIT

# The demo under a bound, so a hang fails the test instead of stalling it.
timeout 180 "$KZS_ROOT/tests/demo.sh" >"$out" 2>&1 &
demo=$!
serving() { grep -q '^Fixtures .* live in' "$out"; } # the last line it prints
if ! wait_within 90 "the demo walks its deal and keeps serving" serving; then
	sed 's/^/#   /' "$out"
	kill "$demo" 2>/dev/null
	wait "$demo"
	exit 1
fi

admin=$(sed -n '/^The admin page/{n;s/^ *//;p;q}' "$out")
check_match "the admin page's address, with its secret" "$admin" \
	'^http://127\.0\.0\.1:[0-9]+/cgi-bin/oauth-callback\?secret=[0-9a-f]{32}$'
state=$(sed -n 's/^state  *//p' "$out")
page_has() { curl -s --max-time 10 "$admin" | grep -qE -- "$1"; }
wait_until "the admin page shows the walk's deal signed" \
	page_has '<li>[0-9-]+ [0-9:]+ UTC: deal 1001, request [0-9]+: signed; '
check_eq "the admin page answers 200" "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$admin")" 200
check_eq "the address without the secret is refused" \
	"$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${admin%%\?*}")" 401
check_match "the walk's webhooks are on the page" "$(curl -s --max-time 10 "$admin")" \
	'<li>zoho-hook: last delivery accepted [0-9-]+ [0-9:]+ UTC \('

line=$(grep -m1 "^ *curl .*kommo-hook" "$out" | sed 's/^ *//')
check_match "a ready curl line for one more deal" "$line" "^curl .*leads%5Bstatus%5D%5B0%5D%5Bid%5D=1002&"
check_eq "the curl line is accepted" "$(bash -c "$line")" "accepted 1 of 1"
wait_until "the admin page shows deal 1002 in flight" \
	page_has '<li>deal 1002: request [0-9]+ out for signature for '
kz=$(grep -m1 'deploy/kzsctl status$' "$out" | sed 's/^ *//')
check_match "kzsctl status, as printed, lists deal 1002 in flight" "$(bash -c "$kz" 2>/dev/null)" \
	'deal 1002: request [0-9]+ out for signature'

kill "$demo"
wait "$demo"
check_eq "stopped (SIGTERM, as Ctrl-C would): status 0" "$?" 0
check_eq "the demo's folder is gone with its programs" "$(test -d "$state" && echo left)" ""
