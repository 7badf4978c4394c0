#!/usr/bin/env bash
# [signers] sources: a client and a countersigner of ours on a two-role template, a
# fixed person, contact.other and contact.cf, a role whose source is empty (one note,
# one task, nothing sent), the completion note naming every signer with the time each
# signed, and a lost createdocument answer still giving one request.
. "$(dirname "$0")/lib.sh"
kzs_setup
echo 0 >"$FAKE_DIR/kommo/rate_limit"

CREATE=/api/v1/templates/$TEMPLATE_ID/createdocument
SECOND_ACTION_ID=99887766554433222
job_failed_once() { kzsctl jobs 2>/dev/null | grep -q "attempts=1"; }
retry_now() { kzsctl retry >/dev/null; kzsctl drain >/dev/null; }
# request_of LEAD: the id of the one request Zoho holds for the lead ("" if none).
request_of() {
	cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null |
		jqb -r --argjson l "$1" 'select(.request_name | test("ref \($l)-")) | .request_id'
}
# sent_to LEAD: the actions createdocument received for the lead's request, in its order:
# role, action type, name, e-mail; then the order Zoho keeps.
sent_to() {
	jqb -c '[._received.data.templates.actions[] | [.role, .action_type, .recipient_name, .recipient_email]],
		[.actions[] | [.role, .signing_order]]' <"$FAKE_DIR/zoho/requests/$(request_of "$1").json" | tr '\n' ' '
}
note_text() { jq -r --argjson l "$1" 'select(.entity_id == $l) | .params.text // empty' "$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null; }
tasks_on() { jq -r --argjson l "$1" 'select(.entity_id == $l) | .text' "$FAKE_DIR/kommo/tasks.jsonl" 2>/dev/null; }
send_lead() {
	post_kommo_hook "$(kommo_status_body "$1")"
	check_eq "lead $1: acknowledged" "$STATUS" 200
	wait_until "lead $1: handled" queue_empty
}

# Two roles: the client signs first, then one of ours approves.
file=$FAKE_DIR/zoho/templates/$TEMPLATE_ID.json
sed -i "s/\"signing_order\":1}\\]/\"signing_order\":1},{\"action_id\":$SECOND_ACTION_ID,\"action_type\":\"APPROVER\",\"role\":\"Countersigner\",\"recipient_name\":\"\",\"recipient_email\":\"\",\"signing_order\":2}]/" "$file"
check_eq "the template has two roles" "$(jqb -c '[.actions[] | .role]' <"$file")" '["Client","Countersigner"]'
fixture_json kommo/users.json "[{\"id\":$RESPONSIBLE_USER_ID,\"name\":\"Sam Sales\",\"email\":\"sam@ourco.example\",\"lang\":\"en\"},
	{\"id\":505,\"name\":\"No Mail\",\"email\":\"\",\"lang\":\"en\"}]"
kzs_conf_set signers Countersigner user.responsible

# ---- Client = contact.main, Countersigner = user.responsible ----
send_lead 1001
check_eq "two roles: both recipients, in the template's order, with its action types" "$(sent_to 1001)" \
	'[["Client","SIGN","Jane Doe","jane@example.com"],["Countersigner","APPROVER","Sam Sales","sam@ourco.example"]] [["Client",1],["Countersigner",2]] '
check_eq "two roles: the responsible user read once" "$(calls kommo GET /api/v4/users/$RESPONSIBLE_USER_ID)" 1
check_eq "two roles: no other contact read" "$(calls kommo GET /api/v4/contacts/2002)" 0
rid=$(request_of 1001)

# Each signs at a time of its own; the last one is the owner's event.
sign_action_signed "$rid" 0 1764439320000   # 29/11/2025 18:02 UTC
sign_action_signed "$rid" 1 1764443400000   # 29/11/2025 19:10 UTC
sign_set_status "$rid" completed
post_zoho_hook "$(zoho_webhook_body "$rid" RequestCompleted | jqb -c '.notifications.performed_by_name = "Owner" | .notifications.performed_by_email = "owner@example.com"')"
check_eq "completed: acknowledged" "$STATUS" 200
wait_until "completed: handled" queue_empty
check_eq "the completion note names both signers with their times" "$(note_text 1001 | grep '^Contract signed')" \
	"Contract signed by Jane Doe <jane@example.com> on 29/11/2025 18:02 UTC, Sam Sales <sam@ourco.example> on 29/11/2025 19:10 UTC. Zoho Sign request $rid is complete; the signed PDF is in the deal's files."

# ---- a fixed person ----
kzs_conf_set signers Countersigner "fixed: Jane Roe <jane.roe@ourco.example>"
fixture_lead 1002
before=$(calls kommo GET /api/v4/users/$RESPONSIBLE_USER_ID)
send_lead 1002
check_eq "fixed person: sent to the client and the fixed person" "$(sent_to 1002)" \
	'[["Client","SIGN","Jane Doe","jane@example.com"],["Countersigner","APPROVER","Jane Roe","jane.roe@ourco.example"]] [["Client",1],["Countersigner",2]] '
check_eq "fixed person: no user read" "$(calls kommo GET /api/v4/users/$RESPONSIBLE_USER_ID)" "$before"

# ---- contact.other and contact.cf ----
fixture_contact 2002 "Ann Other" ann@client.example
fixture_contact 2003 "Carl Role" carl@client.example
fixture_json kommo/contacts/2003.json "$(jq -c '.custom_fields_values += [{field_id: 555, field_name: "Role in deal", values: [{value: "Countersigner"}]}]' "$FAKE_DIR/kommo/contacts/2003.json")"
fixture_lead 1003
fixture_json kommo/leads/1003.json "$(jq -c '._embedded.contacts += [{id: 2002, is_main: false}, {id: 2003, is_main: false}]' "$FAKE_DIR/kommo/leads/1003.json")"
kzs_conf_set signers Countersigner contact.other
send_lead 1003
check_eq "contact.other: the first contact not the main one signs" "$(sent_to 1003)" \
	'[["Client","SIGN","Jane Doe","jane@example.com"],["Countersigner","APPROVER","Ann Other","ann@client.example"]] [["Client",1],["Countersigner",2]] '
check_eq "contact.other: only that contact read besides the main one" \
	"$(calls kommo GET /api/v4/contacts/2002) $(calls kommo GET /api/v4/contacts/2003)" "1 0"

fixture_json kommo/leads/1004.json "$(jq -c '.id = 1004 | .name = "Deal 1004"' "$FAKE_DIR/kommo/leads/1003.json")"
kzs_conf_set signers Countersigner contact.cf.555
send_lead 1004
check_eq "contact.cf: the contact whose field names the role signs" "$(sent_to 1004)" \
	'[["Client","SIGN","Jane Doe","jane@example.com"],["Countersigner","APPROVER","Carl Role","carl@client.example"]] [["Client",1],["Countersigner",2]] '

# ---- a role whose source is empty: one note, one task, nothing sent ----
kzs_conf_set signers Countersigner contact.other
fixture_lead 1005
before=$(calls sign POST "$CREATE")
send_lead 1005
why='the deal has no second contact to sign as "Countersigner" (contact.other): link one besides the main contact'
check_eq "empty source: nothing sent" "$(calls sign POST "$CREATE")" "$before"
check_eq "empty source: one note naming role and source" "$(note_text 1005)" \
	"Contract not sent: $why. Then move the deal into the stage again."
check_eq "empty source: one task saying the same" "$(tasks_on 1005)" \
	"Contract not sent: $why. Then move the deal into the stage again."

kzs_conf_set signers Countersigner user.505
fixture_lead 1006
send_lead 1006
check_eq "user without e-mail: nothing sent, one note for the administrator" "$(note_text 1006)" \
	'Contract not sent: Kommo user "No Mail", who signs as "Countersigner" (user.505), has no e-mail address: ask your administrator. Then move the deal into the stage again.'
check_eq "user without e-mail: one task" "$(tasks_on 1006 | wc -l)" 1
check_match "user without e-mail: the log names the config line" "$(app_log | grep 'lead 1006: for the administrator')" \
	'\[signers\] Countersigner = user.505: Kommo user 505 has no e-mail address'

# ---- a lost createdocument answer, and a repeated webhook: still one request ----
kzs_conf_set signers Countersigner user.responsible
fixture_lead 1007
fault sign POST /api/v1/templates 1 close after
post_kommo_hook "$(kommo_status_body 1007)"
post_kommo_hook "$(kommo_status_body 1007)"
wait_until "lost answer: the job failed once" job_failed_once
retry_now
check_eq "lost answer and a repeated webhook: one request at Zoho" "$(request_of 1007 | wc -l)" 1
check_eq "lost answer: it went to both signers" "$(sent_to 1007)" \
	'[["Client","SIGN","Jane Doe","jane@example.com"],["Countersigner","APPROVER","Sam Sales","sam@ourco.example"]] [["Client",1],["Countersigner",2]] '
check_eq "lost answer: one 'sent' note" "$(note_text 1007 | grep -c '^Contract sent for signature to Jane Doe <jane@example.com>, Sam Sales <sam@ourco.example>')" 1

# ---- kzsctl send --dry-run shows each recipient with its source ----
fixture_lead 1008
out=$(kzsctl send 1008 --dry-run | grep '^signer')
check_eq "dry run: each recipient with its source" "$out" \
"signer Client: Jane Doe <jane@example.com> from contact.main, SIGN, action id $TEMPLATE_ACTION_ID
signer Countersigner: Sam Sales <sam@ourco.example> from user.responsible, APPROVER, action id $SECOND_ACTION_ID"

kzs_teardown
