#!/usr/bin/env bash
# kzsctl send LEAD_ID [--dry-run]: the dry run prints the request the send job would
# make (or what is missing) and reads only, changing nothing; the send queues the deal
# as Kommo's webhook would, once, and the drain sends it; bad input gets the usage.
. "$(dirname "$0")/lib.sh"
kzs_setup

# send ARGS...: kzsctl with its output in OUT, its errors in ERR and its exit status in RC.
send() {
	KZS_CONFIG=$T/kzs.conf "$KZS_OUT/deploy/kzsctl" send "$@" >"$T/send.out" 2>"$T/send.err"
	RC=$?
	OUT=$(cat "$T/send.out") ERR=$(cat "$T/send.err")
	cat "$T/send.err" >>"$T/kzsctl.log" # scanned for sanitizer reports at teardown
}
createdocuments() { calls sign POST "/api/v1/templates/$TEMPLATE_ID/createdocument"; }
note_text() { jq -r --argjson l "$1" 'select(.entity_id == $l) | .params.text' "$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null; }
# The state folder's data: every file but the pacing rings (the shared rate limit counts
# every call, reads too) and the lock files, with its content.
state_print() { (cd "$T/state" && find . -type f ! -name 'pace-*' ! -name '*.lock' | sort | xargs md5sum); }
methods() { jq -r '"\(.service) \(.method)"' "$FAKE_DIR/calls.jsonl" 2>/dev/null | sort -u | tr '\n' ' '; }

# Before anything was sent: a dry run reads, and writes nothing at Kommo or Zoho Sign,
# and makes no deal record and no job.
send "$LEAD_ID" --dry-run
check_eq "cold dry run: shown" "$RC $(head -n 1 <<<"$OUT")" "0 lead $LEAD_ID: dry run; nothing is sent or recorded"
check_eq "cold dry run: Kommo and Zoho Sign only read (the access token is fetched)" "$(methods)" \
	"accounts POST kommo GET sign GET "
check_eq "cold dry run: no deal record, no job" "$(store_keys deals)$(store_keys outbox | grep -v '^#')" ""

# Once a deal went out the access token and the template are cached: the dry run of
# another lead then changes nothing at all in the state folder.
fixture_lead 1050
post_kommo_hook "$(kommo_status_body 1050)"
wait_until "a first deal goes out" queue_empty
before=$(state_print)
rm -f "$FAKE_DIR/calls.jsonl"
send "$LEAD_ID" --dry-run
check_eq "dry run: exit 0" "$RC" 0
check_eq "dry run: the request it would send, exactly" "$(sed -E "s/\\(ref $LEAD_ID-[0-9]+\\)/(ref $LEAD_ID-TIME)/" <<<"$OUT")" \
"lead $LEAD_ID: dry run; nothing is sent or recorded
request name: Deal $LEAD_ID (ref $LEAD_ID-TIME)
template: $TEMPLATE_ID (Sales contract)
signer Client: Jane Doe <jane@example.com> from contact.main, SIGN, action id $TEMPLATE_ACTION_ID
field CompanyName (text): Acme Ltd
field DealAmount (text): 5000
field ContractDate (date): $(date -u +%d/%m/%Y)"
check_eq "dry run: nothing on stderr" "$ERR" ""
check_eq "dry run: only GETs, to Kommo" "$(methods)" "kommo GET "
check_eq "dry run: the lead, its contact and company read" \
	"$(jq -r .path "$FAKE_DIR/calls.jsonl" | sort | tr '\n' ' ')" \
	"/api/v4/companies/$COMPANY_ID /api/v4/contacts/$CONTACT_ID /api/v4/leads/$LEAD_ID "
check_eq "dry run: the state folder is unchanged" "$(state_print)" "$before"
check_eq "dry run: nothing queued" "$(kzsctl jobs)" ""

# What is missing, as the send job would note it; nothing written anywhere.
fixture_contact 2102 "Bob Smith" -
fixture_lead 1102 "" "" 2102
send 1102 --dry-run
check_eq "missing email: what is missing, exit 1" "$RC
$OUT" "1
lead 1102: dry run; nothing is sent or recorded
not sent: the main contact \"Bob Smith\" has no email address: add it (signs as \"Client\", contact.main)"
kzs_conf_set fields Currency '"EUR"'
send 1102 --dry-run
check_eq "and a field the template lacks: the administrator's, with the config key" "$OUT" \
"lead 1102: dry run; nothing is sent or recorded
not sent: the template has no field \"Currency\": ask your administrator
not sent: the main contact \"Bob Smith\" has no email address: add it (signs as \"Client\", contact.main)
for the administrator: [fields] Currency: Zoho Sign template $TEMPLATE_ID has no field of that name or label"
sed -i '/^Currency = /d' "$T/kzs.conf"
check_eq "missing: still only GETs, no note, no task" "$(methods) $(note_text 1102 | wc -l)" "kommo GET  0"
check_eq "missing: the state folder is unchanged" "$(state_print)" "$before"

# The send: queued as a webhook would queue it; the drain sends one request.
sent_before=$(createdocuments)
send "$LEAD_ID"
check_eq "send: queued" "$RC $OUT" "0 lead $LEAD_ID: queued to send now; the next drain sends it"
check_match "send: one job" "$(kzsctl jobs)" "^send:$LEAD_ID +attempts=0"
wait_until "send: the drain sends it" queue_empty
check_eq "send: one request at Zoho" "$(( $(createdocuments) - sent_before ))" 1
request_id=$(sign_request_ids | tail -n 1)
check_eq "send: the note on the lead" "$(note_text "$LEAD_ID")" \
	"Contract sent for signature to Jane Doe <jane@example.com>. Zoho Sign request $request_id."

# Twice: the request is in flight, nothing is queued.
send "$LEAD_ID"
check_eq "send again: nothing queued" "$RC $OUT" "0 lead $LEAD_ID: request $request_id already in flight; nothing queued"
check_eq "send again: the queue is empty" "$(kzsctl jobs)" ""
kzsctl drain >/dev/null
check_eq "send again: still one request" "$(( $(createdocuments) - sent_before ))" 1

# Twice before a drain: merged into the one job.
fixture_lead 1103
send 1103
send 1103
check_eq "queued twice: merged" "$RC $OUT" "0 lead 1103: already queued to send; nothing more queued"
check_eq "queued twice: one job" "$(kzsctl jobs | grep -c '^send:1103 ')" 1
wait_until "queued twice: sent" queue_empty
check_eq "queued twice: one request" "$(( $(createdocuments) - sent_before ))" 2

# A deal outside the trigger stage: the send job would leave it; said, not queued.
fixture_lead 1104 "$SIGNED_STATUS_ID"
send 1104
check_eq "not in the stage: said, exit 1" "$RC $OUT" "1 lead 1104: not in the trigger stage; nothing queued"
check_eq "not in the stage: nothing queued" "$(kzsctl jobs)" ""

# Kommo has no such lead: one line, exit 1, both ways.
for mode in "" --dry-run; do
	send 9999 $mode
	check_eq "no such lead${mode:+ ($mode)}: one line, exit 1" "$RC $ERR|$OUT" "1 kzsctl: Kommo has no lead 9999|"
done

# Bad input: the usage, exit 2, nothing queued.
for args in "" "abc" "12x" "-5" "0" "12345678901234567890" "--dry-run" "1001 --force" "1001 1002" \
	"1001 --dry-run --dry-run"; do
	# shellcheck disable=SC2086
	send $args
	check_eq "bad input \"$args\": usage, exit 2" "$RC $(head -n 1 <<<"$ERR" | cut -c1-13)" "2 usage: kzsctl"
done
check_eq "bad input: nothing queued" "$(kzsctl jobs)" ""

# No connection to Kommo: one line, exit 1.
sed -i '/^token = /d' "$T/kzs.conf"
send "$LEAD_ID" --dry-run
check_eq "no Kommo token: one line, exit 1" "$RC $(wc -l <<<"$ERR")" "1 1"
check_match "no Kommo token: the reason" "$ERR" "^kzsctl: cannot read lead $LEAD_ID from Kommo: no Kommo credentials"
send 1105
check_match "no Kommo token, send: the reason, exit 1" "$RC $ERR" "^1 kzsctl: cannot read lead 1105 from Kommo: no Kommo credentials"
check_eq "no Kommo token: nothing queued" "$(kzsctl jobs)" ""
