#!/usr/bin/env bash
# Zoho created the request, then the state takes one of the two writes that record it
# and refuses the other, as a full disk does: the job's own record in the outbox, or the
# deal's. Either way the retry learns the request again (adopted through its marker),
# the lead gets its "Contract sent" note once, and the completion reaches the deal.
# The refusal: while the fake holds Zoho's answer back, the state file gets a second
# name (a hard link), which the store refuses to use; the link goes once the job failed.
# Under KZS_BACKEND=mariadb the store's table gets triggers that refuse every write.
. "$(dirname "$0")/lib.sh"
kzs_setup
echo 0 >"$FAKE_DIR/kommo/rate_limit"
echo 0 >"$FAKE_DIR/zoho/rate_limit"

CREATE=/api/v1/templates/$TEMPLATE_ID/createdocument
sending() { store_get deals "lead:$1" | grep -q '"state":"sending"'; }
failed_to_record() { app_log | grep -q "job send:$1: Zoho Sign request [0-9]* could not be recorded"; }
requests_for() {
	cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null |
		jqb -r --argjson l "$1" 'select(.request_name | test("ref \($l)-")) | .request_id'
}
notes_with() { jq -r --argjson l "$1" 'select(.entity_id == $l) | .params.text // empty' "$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null | grep -c "$2"; }
retried_empty() { kzsctl retry >/dev/null; queue_empty; }

# refuse_writes STORE, allow_writes STORE: the store refuses every write, then takes them
# again; refusal_logged STORE: the pattern of the log line saying why.
if [ "$KZS_BACKEND" = mariadb ]; then
	refuse_writes() {
		local op
		for op in INSERT UPDATE DELETE; do
			mariadb_sql "CREATE TRIGGER kzs.refuse_$op BEFORE $op ON kzs.kzs_$1 FOR EACH ROW
				SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'writes refused by the test'"
		done
	}
	allow_writes() { mariadb_sql "DROP TRIGGER kzs.refuse_INSERT; DROP TRIGGER kzs.refuse_UPDATE; DROP TRIGGER kzs.refuse_DELETE"; }
	refusal_logged() { echo "\\[mariadb\\] kzs_$1: writes refused by the test"; }
else
	refuse_writes() { ln "$T/state/$1.db" "$T/$1.second-name"; }
	allow_writes() { rm "$T/$1.second-name"; }
	refusal_logged() { echo "cannot use $T/state/$1.db: not a plain file"; }
fi

# refused LEAD STORE: lead LEAD's contract goes out while STORE refuses the write that
# follows Zoho's answer.
refused() {
	local lead=$1 store=$2 rid creates
	fixture_lead "$lead"
	creates=$(calls sign POST "$CREATE")
	fault sign POST "$CREATE" 1 delay 8000
	post_kommo_hook "$(kommo_status_body "$lead")"
	check_eq "$store refused: hook accepted" "$STATUS" 200
	wait_until "$store refused: the intent is recorded, Zoho's answer held back" sending "$lead"
	refuse_writes "$store"
	wait_within 30 "$store refused: the send job could not record the request" failed_to_record "$lead"
	allow_writes "$store"
	check_match "$store refused: the log says why" "$(app_log)" "$(refusal_logged "$store")"

	wait_until "$store refused: the retry finishes the job" retried_empty
	rid=$(requests_for "$lead")
	check_eq "$store refused: one request at Zoho, one createdocument" \
		"$(grep -c . <<<"$rid") $(($(calls sign POST "$CREATE") - creates))" "1 1"
	check_match "$store refused: the retry adopted it" "$(app_log)" "lead $lead: adopted Zoho Sign request $rid"
	check_eq "$store refused: the request is recorded for the deal" \
		"$(store_get deals "lead:$lead" | jq -r '"\(.state) \(.request_id)"')" "inflight $rid"
	check_eq "$store refused: one \"Contract sent\" note naming it" \
		"$(notes_with "$lead" "^Contract sent .*Zoho Sign request $rid\.$")" 1

	sign_set_status "$rid" completed
	post_zoho_hook "$(zoho_webhook_body "$rid" RequestCompleted)"
	check_eq "$store refused: the completion is accepted" "$STATUS $BODY" "200 accepted"
	wait_until "$store refused: the completion runs" retried_empty
	check_eq "$store refused: the deal is in the signed stage" \
		"$(jq -r .status_id "$FAKE_DIR/kommo/leads/$lead.json")" "$SIGNED_STATUS_ID"
	check_eq "$store refused: one Files link" "$(calls kommo PUT "/api/v4/leads/$lead/files")" 1
	check_eq "$store refused: one signed note" "$(notes_with "$lead" "^Contract signed")" 1
}

refused 1401 outbox
refused 1402 deals
