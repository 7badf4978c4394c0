#!/usr/bin/env bash
# Values from outside (a Kommo contact's name, Kommo's error detail, a Zoho signer's
# name, a webhook's fields) cannot forge log lines or kzsctl jobs lines: control
# characters reach them escaped, every log line keeps the program's prefix.
. "$(dirname "$0")/lib.sh"
kzs_setup
echo 0 >"$FAKE_DIR/kommo/rate_limit"

EVIL=$'Eve\r\nX-Injected: yes\x1b[2J\tTab\x7fDel'
fixture_contact "$CONTACT_ID" "$EVIL"
# Kommo's problem+json detail, with newlines of its own, refuses the "sent" note once.
fault kommo POST /api/v4/leads/notes 1 body 400 application/problem+json \
	'{"title":"Bad Request","type":"https://httpstatus.es/400","status":400,"detail":"first line\nX-Injected: yes\r\n\u001b[31mred"}'

post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "hook accepted" "$STATUS" 200
wait_until "the refused note left an error on the job" \
	sh -c 'KZS_CONFIG="$T/kzs.conf" "$KZS_OUT/deploy/kzsctl" jobs 2>/dev/null | grep -q last_error'
jobs=$(kzsctl jobs)
check_eq "kzsctl jobs: one job, one line" "$(printf '%s\n' "$jobs" | wc -l)" 1
check_match "kzsctl jobs: Kommo's detail, escaped, on the job's line" "$jobs" \
	'^send:1001 .*last_error=.*first line\\nX-Injected: yes\\r\\n\\x1b\[31mred'
kzsctl retry >/dev/null
wait_until "the note went through on the retry" queue_empty
rid=$(sign_request_ids | tail -n 1)
check_eq "the contract went to the contact as named in Kommo" \
	"$(jqb -r '.actions[0].recipient_name' <"$FAKE_DIR/zoho/requests/$rid.json")" "$EVIL"

# The same name comes back in Zoho's webhook.
body=$(zoho_webhook_body "$rid" RequestViewed | jqb -c --arg n "$EVIL" '.notifications.performed_by_name = $n')
post_zoho_hook "$body"
check_eq "viewed: accepted" "$STATUS $BODY" "200 accepted"
wait_until "viewed: handled" queue_empty
# A webhook whose bad value carries CR LF: refused, the reason logged on one line.
post_kommo_hook "$(kommo_status_body "$LEAD_ID" | sed 's/%5Bid%5D=1001/%5Bid%5D=1001%0D%0AX-Injected:%20yes/')"
check_eq "a lead id with CR LF: refused" "$STATUS" 400

log=$(app_log)
prefix='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z (kommo-hook|zoho-hook|oauth-callback|kzsctl)\[[0-9]+\] (error|warning|info): '
check_eq "no log line of anyone's making" "$(printf '%s\n' "$log" | grep -c '^X-Injected')" 0
check_eq "every log line has a program's prefix" \
	"$(printf '%s\n' "$log" | grep -Ev "$prefix" | grep -v '^$' | head -n 3)" ""
check_eq "no raw control character in the log" "$(printf '%s' "$log" | tr -d '\n' | LC_ALL=C grep -c $'[\x01-\x1f\x7f]')" 0
check_match "the sent line names the contact, escaped" "$log" \
	'info: lead 1001: Zoho Sign request [0-9]+ sent to Eve\\r\\nX-Injected: yes\\x1b\[2J\\tTab\\x7fDel <jane@example.com>'
check_match "the note's failure quotes Kommo's detail, escaped" "$log" \
	'warning: job send:1001: .*first line\\nX-Injected: yes\\r\\n\\x1b\[31mred'
