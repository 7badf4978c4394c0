#!/usr/bin/env bash
# The status on the admin page and from kzsctl status, after one deal's lifecycle
# (sent, signed, moved) and a second deal whose note Kommo refuses with a detail that
# holds markup: who is connected, when each webhook last came, the queue, the request
# in flight, the outcome, the last error. Times are in [zoho] time_zone, values from
# Kommo are escaped on the page, and no secret or token shows.
. "$(dirname "$0")/lib.sh"
kzs_setup
oauth_admin_setup
zone=Pacific/Kiritimati # UTC+14: its times differ from UTC's at any hour
kzs_conf_set zoho time_zone "$zone"
# in_zone EPOCH: the time as the status shows it, quoted for a regular expression.
in_zone() { TZ=$zone date -d "@$1" '+%Y-%m-%d %H:%M %Z' | sed 's/[+.]/\\&/g'; }
mtime() { stat -c %Y "$1"; }
page() { oauth_get "secret=$ADMIN_SECRET"; }
# section ID: the lines of one status section of the last page, tags and all.
section() { printf '%s' "$BODY" | sed -n "/<section id=\"$1\">/,/<\\/section>/p"; }

page
check_eq "fresh: the page answers 200" "$STATUS" 200
check_match "fresh: no webhook yet" "$(section status-webhooks)" \
	'<li>kommo-hook: no delivery accepted yet</li>'
check_match "fresh: no outcome yet" "$(section status-outcomes)" '<li>none yet</li>'
check_match "fresh: nothing queued" "$(section status-jobs)" \
	'<li>0 due now, 0 running, 0 waiting, 0 given up</li>'
out=$(kzsctl status)
check_eq "fresh: kzsctl status exits 0" "$?" 0
check_match "fresh: kzsctl status says no webhook yet" "$out" '^  zoho-hook: no delivery accepted yet$'
check_eq "fresh: kzsctl status has no request in flight" \
	"$(printf '%s\n' "$out" | sed -n '/^Requests in flight$/{n;p}')" "  none"

# One deal's lifecycle.
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "kommo-hook accepts the deal" "$STATUS $BODY" "200 accepted 1 of 1"
wait_until "the contract is sent" calls_reach 1 sign POST /api/v1/templates
wait_until "the send's note is in Kommo" calls_reach 1 kommo POST /api/v4/leads/notes
rid=$(sign_request_ids | head -n 1)
sign_set_status "$rid" completed
post_zoho_hook "$(zoho_webhook_body "$rid" RequestCompleted)"
check_eq "zoho-hook accepts the completion" "$STATUS $BODY" "200 accepted"
wait_until "the deal moves to the signed stage" json_is "$FAKE_DIR/kommo/leads/$LEAD_ID.json" .status_id "$SIGNED_STATUS_ID"
wait_until "the queue is empty" queue_empty
signed_at=$(store_get deals "lead:$LEAD_ID" | jq -r .since)

# A second deal: its request goes out, and Kommo refuses the note with markup in its detail.
fixture_lead 1002
fault kommo POST /api/v4/leads/notes 0 body 503 application/problem+json \
	'{"title":"Service Unavailable","status":503,"detail":"<script>alert(1)</script> try later"}'
post_kommo_hook "$(kommo_status_body 1002)"
wait_until "the second contract is sent" calls_reach 2 sign POST /api/v1/templates
job_failed() { kzsctl jobs | grep -q "^send:1002 .*last_error="; }
wait_until "its note is refused and the job waits" job_failed
rid2=$(sign_request_ids | grep -vx "$rid")
sent_at=$(store_get deals lead:1002 | jq -r .since)

page
check_eq "the page answers 200" "$STATUS" 200
check_match "connections: Zoho's data centre, not only a host" "$BODY" \
	'id="zoho-status">Connected with the refresh token in \[zoho\] refresh_token, to Zoho Sign in the eu data centre \(accounts server 127\.0\.0\.1:[0-9]+\)\.'
check_match "connections: the Kommo account" "$BODY" \
	"id=\"kommo-status\">Uses the long-lived token in \\[kommo\\] token, for the Kommo account acme \\($KOMMO_URL\\)\\."
check_match "webhooks: kommo-hook's last delivery, in $zone" "$(section status-webhooks)" \
	"<li>kommo-hook: last delivery accepted $(in_zone "$(mtime "$T/state/kommo-hook.last")") \\("
check_match "webhooks: zoho-hook's last delivery, in $zone" "$(section status-webhooks)" \
	"<li>zoho-hook: last delivery accepted $(in_zone "$(mtime "$T/state/zoho-hook.last")") \\("
check_match "outcomes: the deal signed, with its request and time in $zone" "$(section status-outcomes)" \
	"<li>$(in_zone "$signed_at"): deal $LEAD_ID, request $rid: signed; the PDF is on the deal and the deal moved on</li>"
check_match "in flight: the second deal's request and when it went" "$(section status-inflight)" \
	"<li>deal 1002: request $rid2 out for signature for [0-9]+ s \\(sent $(in_zone "$sent_at")\\)</li>"
check_match "jobs: the second deal's job waits" "$(section status-jobs)" \
	'<li>0 due now, 0 running, 1 waiting \(the next at [0-9-]+ [0-9:]+ \+14\), 0 given up</li>'
check_match "errors: Kommo's detail, escaped" "$(section status-errors)" \
	'<li>send:1002: attempt 1 failed, next try [0-9-]+ [0-9:]+ \+14: Kommo POST /api/v4/leads/notes: HTTP 503, Service Unavailable: &lt;script&gt;alert\(1\)&lt;/script&gt; try later</li>'
check_eq "errors: no markup from Kommo on the page" "$(printf '%s' "$BODY" | grep -c '<script')" 0
for secret in "$KOMMO_TOKEN" "$HOOK_SECRET" "$WEBHOOK_SECRET" "$ZOHO_CLIENT_SECRET" "$ZOHO_REFRESH_TOKEN" "$ADMIN_SECRET" \
	$(cut -d' ' -f1 "$FAKE_DIR/accounts/access_tokens"); do
	case $BODY in *"$secret"*) not_ok "the page shows a secret or token" ;; esac
done
ok "no secret or token on the page"

# kzsctl status: the same facts as text.
out=$(kzsctl status)
check_eq "kzsctl status: exit 0" "$?" 0
check_match "kzsctl status: Zoho's data centre" "$out" \
	"Zoho Sign: Connected with the refresh token in \\[zoho\\] refresh_token, to Zoho Sign in the eu data centre"
check_match "kzsctl status: the Kommo account" "$out" "Kommo: Uses the long-lived token in \\[kommo\\] token, for the Kommo account acme"
check_match "kzsctl status: kommo-hook's last delivery" "$out" \
	"kommo-hook: last delivery accepted $(in_zone "$(mtime "$T/state/kommo-hook.last")")"
check_match "kzsctl status: zoho-hook's last delivery" "$out" \
	"zoho-hook: last delivery accepted $(in_zone "$(mtime "$T/state/zoho-hook.last")")"
check_match "kzsctl status: the outcome" "$out" \
	"^  $(in_zone "$signed_at"): deal $LEAD_ID, request $rid: signed"
check_match "kzsctl status: the request in flight" "$out" "^  deal 1002: request $rid2 out for signature for "
check_match "kzsctl status: the queue" "$out" '^  0 due now, 0 running, 1 waiting \(the next at .*\), 0 given up$'
check_match "kzsctl status: the error as Kommo said it" "$out" \
	'^  send:1002: attempt 1 failed, next try .*: Kommo POST /api/v4/leads/notes: HTTP 503, Service Unavailable: <script>alert\(1\)</script> try later$'
for secret in "$KOMMO_TOKEN" "$HOOK_SECRET" "$WEBHOOK_SECRET" "$ZOHO_CLIENT_SECRET" "$ZOHO_REFRESH_TOKEN" "$ADMIN_SECRET"; do
	case $out in *"$secret"*) not_ok "kzsctl status shows a secret" ;; esac
done
ok "no secret in kzsctl status"
check_eq "kzsctl status --extra is refused" "$(kzsctl status --extra >/dev/null; echo $?)" 2
