#!/usr/bin/env bash
# The admin page's status section as a person sees it, in headless Chromium (driven by
# tests/e2e/browser.pl): after a contract went out, the page shows the connection lines,
# the deals with their requests and ages, the queue and the last error, in [zoho]
# time_zone; text from outside with markup in it (Kommo's error detail) is shown as text
# and runs nothing. A screenshot goes to build/artefacts/.
. "$(dirname "$0")/lib.sh"
browser_setup
kzs_setup
oauth_admin_setup
zone=Pacific/Kiritimati # UTC+14: its times differ from UTC's at any hour
kzs_conf_set zoho time_zone "$zone"

# in_zone EPOCH: the time as the status shows it, quoted for a regular expression.
in_zone() { TZ=$zone date -d "@$1" '+%Y-%m-%d %H:%M %Z' | sed 's/[+.]/\\&/g'; }
# shown ID: the text the browser renders for the element with this id.
shown() { cat "$T/text-$1.txt"; }

# A contract goes out and its note is made: the deal is in flight.
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
wait_until "the contract is sent" calls_reach 1 sign POST /api/v1/templates
wait_until "the queue is empty" queue_empty
rid=$(sign_request_ids | head -n 1)
sent_at=$(store_get deals "lead:$LEAD_ID" | jq -r .since)

# A second deal, its name holding a script: its request goes out, and Kommo refuses the
# note with a script in its detail, which becomes the job's last error.
fixture_lead 1002
jq -c '.name = "<script>document.title=\"deal\"</script> Deal 1002"' "$FAKE_DIR/kommo/leads/1002.json" |
	fixture_json kommo/leads/1002.json
fault kommo POST /api/v4/leads/notes 0 body 503 application/problem+json \
	'{"title":"Service Unavailable","status":503,"detail":"<script>document.title=\"error\"</script> try later"}'
post_kommo_hook "$(kommo_status_body 1002)"
wait_until "the second contract is sent" calls_reach 2 sign POST /api/v1/templates
job_failed() { kzsctl jobs | grep -q "^send:1002 .*last_error="; }
wait_until "its note is refused and the job waits" job_failed
rid2=$(sign_request_ids | grep -vx "$rid")
check_match "the second request carries the deal's name as Zoho Sign holds it" \
	"$(jq -r .request_name "$FAKE_DIR/zoho/requests/$rid2.json")" '^<script>document.title="deal"</script> Deal 1002 \(ref 1002-[0-9]+\)$'
sent2_at=$(store_get deals lead:1002 | jq -r .since)

browser <<EOF_SCRIPT
go $APP_URL/cgi-bin/oauth-callback?secret=$ADMIN_SECRET
dom $T/page.html
js $T/text-status.txt document.getElementById('status').innerText
js $T/text-zoho-status.txt document.getElementById('zoho-status').innerText
js $T/text-kommo-status.txt document.getElementById('kommo-status').innerText
js $T/text-scripts.txt String(document.querySelectorAll('script').length)
js $T/text-title.txt document.title
js $T/scrolled.txt (document.getElementById('status-jobs').scrollIntoView(), 'scrolled')
shot $artefacts/status$variant.png
EOF_SCRIPT
check_eq "status screenshot saved" "$(is_png "$artefacts/status$variant.png" && echo png)" png
check_match "the status is of now, in $zone" "$(shown status)" \
	"^Status at [0-9-]+ [0-9:]+ \\+14 \\(times in $zone\\)\\."
check_match "connection: Zoho Sign" "$(shown zoho-status)" \
	'^Connected with the refresh token in \[zoho\] refresh_token, to Zoho Sign in the eu data centre'
check_eq "connection: Kommo" "$(shown kommo-status)" \
	"Uses the long-lived token in [kommo] token, for the Kommo account acme ($KOMMO_URL)."
check_match "the deal, its request and its age, sent at a time in $zone" "$(shown status)" \
	"^deal $LEAD_ID: request $rid out for signature for [0-9]+ s \\(sent $(in_zone "$sent_at")\\)$"
check_match "the second deal and its request" "$(shown status)" \
	"^deal 1002: request $rid2 out for signature for [0-9]+ s \\(sent $(in_zone "$sent2_at")\\)$"
check_match "the queue: the second deal's job waits, its next try in $zone" "$(shown status)" \
	'^0 due now, 0 running, 1 waiting \(the next at [0-9-]+ [0-9:]+ \+14\), 0 given up$'
check_match "the last error: Kommo's detail as text" "$(shown status)" \
	'^send:1002: attempt 1 failed, next try [0-9-]+ [0-9:]+ \+14: Kommo POST /api/v4/leads/notes: HTTP 503, Service Unavailable: <script>document.title="error"</script> try later$'
check_eq "no script element on the page" "$(shown scripts)" 0
check_eq "nothing ran: the page's title is its own" "$(shown title)" "$(sed -n 's:.*<title>\(.*\)</title>.*:\1:p' "$T/page.html")"
check_match "the page's title" "$(shown title)" '^[^<"]+$'
