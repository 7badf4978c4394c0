#!/usr/bin/env bash
# The same programs behind Apache httpd, through mod_fcgid and as plain CGI (mod_cgid):
# a webhook sends one request and one note, bad input is refused, repeats send nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apache.sh"
kzs_setup
if ! kzs_apache_start; then
	not_ok "Apache with mod_fcgid did not start"
	sed 's/^/#   /' "$T/apache/logs/error.log" 2>/dev/null | tail -n 20
	exit 1
fi
trap 'kzs_apache_stop; kzs_teardown' EXIT
ok "Apache with mod_fcgid started"

hook="$APACHE_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET"
queue_empty() { kzsctl_apache drain >/dev/null; [ -z "$(kzsctl_apache jobs 2>/dev/null)" ]; }

http_call GET "$hook"
check_eq "GET refused with 405" "$STATUS $BODY" "405 only POST is accepted"
http_call POST "$APACHE_URL/cgi-bin/kommo-hook?secret=wrong" "$(kommo_status_body "$LEAD_ID")" application/x-www-form-urlencoded
check_eq "wrong secret refused with 401" "$STATUS" 401

http_call POST "$hook" "$(kommo_status_body "$LEAD_ID")" application/x-www-form-urlencoded
check_eq "webhook acknowledged" "$STATUS $BODY" "200 accepted 1 of 1"
wait_until "the queue empties" queue_empty
check_eq "one request at Zoho" "$(sign_request_ids | wc -l)" 1
check_eq "one note in Kommo" "$(grep -c 'Contract sent' "$FAKE_DIR/kommo/notes.jsonl")" 1

http_call POST "$hook" "$(kommo_status_body "$LEAD_ID")" application/x-www-form-urlencoded
wait_until "repeat handled" queue_empty
check_eq "repeat: still one request" "$(sign_request_ids | wc -l)" 1

# Plain CGI: one process per request; the work runs after stdout is closed.
fixture_lead 1002
cgi="$APACHE_URL/cgi/kommo-hook?secret=$HOOK_SECRET"
http_call PUT "$cgi" "" application/x-www-form-urlencoded
check_eq "CGI: PUT refused with 405" "$STATUS $BODY" "405 only POST is accepted"
http_call POST "$cgi" "$(kommo_status_body 1002)" application/x-www-form-urlencoded
check_eq "CGI: webhook acknowledged" "$STATUS $BODY" "200 accepted 1 of 1"
wait_until "CGI: the request reaches Zoho" bash -c "grep -q 'ref%201002-' '$FAKE_DIR/calls.jsonl'"
wait_until "CGI: the queue empties" queue_empty
check_eq "CGI: one more request at Zoho" "$(sign_request_ids | wc -l)" 2
check_eq "CGI: its note in Kommo" "$(jq -r 'select(.entity_id == 1002) | .params.text' "$FAKE_DIR/kommo/notes.jsonl" | grep -c 'Contract sent')" 1

line=$(grep -m1 -E 'AddressSanitizer|runtime error:|LeakSanitizer' "$T/apache/logs/error.log" "$T/apache/logs/kzsctl.log" 2>/dev/null)
check_eq "no sanitizer report in Apache's log" "$line" ""
