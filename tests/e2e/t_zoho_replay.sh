#!/usr/bin/env bash
# A signed Zoho delivery replayed after "kzsctl prune" forgot it changes nothing: a
# delivery key lives as long as its event is fresh, an older event is stale, and the
# outcomes (completion, decline, expiry, recall) stay once-only after a prune too.
. "$(dirname "$0")/lib.sh"
kzs_setup
echo 0 >"$FAKE_DIR/kommo/rate_limit"
echo 0 >"$FAKE_DIR/zoho/rate_limit"
kzs_conf_set limits zoho_calls_per_minute 1000
kzs_conf_set kommo declined_status_id 67548631

notes() { jq -r --argjson l "$1" 'select(.entity_id == $l) | .params.text // "attachment"' "$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null; }
tasks_on() { jq -c --argjson l "$1" 'select(.entity_id == $l)' "$FAKE_DIR/kommo/tasks.jsonl" 2>/dev/null | wc -l; }
# send_contract LEAD: prints the new request's id.
send_contract() {
	fixture_lead "$1"
	post_kommo_hook "$(kommo_status_body "$1")" >/dev/null
	wait_until "lead $1: request sent" queue_empty >/dev/null
	cat "$FAKE_DIR"/zoho/requests/*.json |
		jqb -r --argjson l "$1" 'select(.request_name | test("ref \($l)-")) | .request_id' | tail -n 1
}
# age_all_keys: what 30 days do to every delivery key: "kzsctl prune" forgets them.
age_all_keys() {
	local key
	for key in $(store_keys seen); do store_put seen "$key" 1; done
}

# ---- a "viewed" event, replayed once its 30 days are over ----
rid=$(send_contract 1001)
now_ms=$(($(date +%s) * 1000))
at_ms=$((now_ms - 30 * 86400 * 1000 + 3000)) # 30 days old in 3 s
body=$(zoho_webhook_body "$rid" RequestViewed | jqb -c --argjson at "$at_ms" '.notifications.performed_at = $at')
post_zoho_hook "$body"
check_eq "viewed, 30 days less 3 s old: accepted" "$STATUS $BODY" "200 accepted"
wait_until "viewed: handled" queue_empty
check_eq "viewed: one note" "$(notes 1001 | grep -c '^Contract viewed')" 1
key=$(store_keys seen)
check_eq "the delivery key lives until the event is 30 days old" "$(store_get seen "$key")" \
	"$((at_ms / 1000 + 30 * 86400))"
sleep 4
store_put seen "$key" $((at_ms / 1000 + 30 * 86400)) # as if it came when it happened
check_eq "prune forgets the key" "$(kzsctl prune)" "pruned 1 expired delivery key(s)"
post_zoho_hook "$body"
check_eq "the same signed bytes again: stale" "$STATUS $BODY" "200 ignored: stale, the event is older than 30 days"
kzsctl drain >/dev/null
check_eq "no second viewed note" "$(notes 1001 | grep -c '^Contract viewed')" 1
check_eq "nothing queued" "$(kzsctl jobs | wc -l)" 0
check_match "the stale delivery is logged" "$(app_log)" "warning: request $rid: RequestViewed performed at $at_ms ms is older than 30 days; ignored as stale"
check_eq "nothing remembered for it" "$(store_keys seen | wc -l)" 0

# A progress event without a time could not be told from its replay once forgotten.
post_zoho_hook "$(zoho_webhook_body "$rid" RequestViewed | jqb -c 'del(.notifications.performed_at)')"
check_eq "viewed without performed_at: ignored" "$STATUS $BODY" "200 ignored: no event time"

# ---- the outcomes stay once-only after a prune ----
declare -A rids ops=([1002]=RequestCompleted [1003]=RequestRejected [1004]=RequestExpired [1005]=RequestRecalled)
declare -A states=([1002]=completed [1003]=declined [1004]=expired [1005]=recalled)
for lead in 1002 1003 1004 1005; do
	rids[$lead]=$(send_contract "$lead")
	sign_set_status "${rids[$lead]}" "${states[$lead]}"
	bodies[$lead]=$(zoho_webhook_body "${rids[$lead]}" "${ops[$lead]}")
	post_zoho_hook "${bodies[$lead]}"
	check_eq "${ops[$lead]}: accepted" "$STATUS $BODY" "200 accepted"
done
wait_until "the outcomes: handled" queue_empty
before=$(for lead in 1002 1003 1004 1005; do echo "$lead $(notes "$lead" | wc -l) $(tasks_on "$lead")"; done)
uploads=$(calls drive POST /drive/v1.0/sessions) patches=$(calls kommo PATCH /api/v4/leads)
requests=$(sign_request_ids | wc -l)
age_all_keys
check_match "prune forgets the outcomes' keys" "$(kzsctl prune)" "^pruned [4-9] expired"
for lead in 1002 1003 1004 1005; do
	post_zoho_hook "${bodies[$lead]}"
	check_eq "${ops[$lead]} replayed after the prune: acknowledged" "$STATUS" 200
done
wait_until "the replays: handled" queue_empty
check_eq "no note or task again" \
	"$(for lead in 1002 1003 1004 1005; do echo "$lead $(notes "$lead" | wc -l) $(tasks_on "$lead")"; done)" "$before"
check_eq "no second upload" "$(calls drive POST /drive/v1.0/sessions)" "$uploads"
check_eq "no second stage move" "$(calls kommo PATCH /api/v4/leads)" "$patches"
check_eq "no second request" "$(sign_request_ids | wc -l)" "$requests"
