#!/usr/bin/env bash
# Crash points: the test build (make VARIANT=crash) dies at a named point when
# KZS_CRASH_AT names it. For each point: kill the program there, then run the cron
# drain, and check the deal ends exactly as if nothing had happened: one request, one
# note, one PDF link, one stage move. Run with KZS_OUT=build/crash.
# Every step runs as plain CGI, which drains before it exits: a FastCGI program's
# after-answer process could still be working when the next step starts, and take the
# job meant to die at the point.
. "$(dirname "$0")/e2e/lib.sh"
if ! nm "$KZS_OUT/cgi-bin/kommo-hook" 2>/dev/null | grep -q crash_point; then
	not_ok "KZS_OUT=$KZS_OUT is not the crash build (make VARIANT=crash test-programs)"
	exit 1
fi
kzs_setup

requests_for() { cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null | jqb -r --arg l "ref $1-" 'select(.request_name | contains($l)) | .request_id'; }
sent_notes() { jq -r --argjson l "$1" 'select(.entity_id == $l) | .params.text // empty' "$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null | grep -c "$2"; }
attachment_notes() { jq -s --argjson l "$1" '[.[] | select(.entity_id == $l and .note_type == "attachment")] | length' "$FAKE_DIR/kommo/notes.jsonl"; }
ok_calls() { jq -s --arg m "$1" --arg p "$2" '[.[] | select(.method == $m and .path == $p and .status == 200)] | length' "$FAKE_DIR/calls.jsonl"; }

# cgi PROGRAM CRASH_POINT BODY CONTENT_TYPE [QUERY] [SIGNATURE]: runs the program as
# plain CGI (it answers, then drains in the same process), told to die at the point.
cgi() {
	printf '%s' "$3" | env -i PATH="$PATH" KZS_CONFIG="$T/kzs.conf" KZS_CRASH_AT="$2" \
		REQUEST_METHOD=POST CONTENT_TYPE="$4" CONTENT_LENGTH="${#3}" QUERY_STRING="${5:-}" \
		${6:+HTTP_X_ZS_WEBHOOK_SIGNATURE="$6"} "$KZS_OUT/cgi-bin/$1" >"$T/cgi.out" 2>>"$T/kzsctl.log"
	echo $?
}
# The cron drain, again until the queue is empty (a remote's 429 may put work off a second).
drain_all() { kzsctl retry >/dev/null; wait_until "drained" queue_empty >/dev/null; }
# send_contract LEAD: the deal enters the stage; nothing is left running afterwards.
send_contract() {
	cgi kommo-hook "" "$(kommo_status_body "$1")" application/x-www-form-urlencoded "secret=$HOOK_SECRET" >/dev/null
	drain_all
}

# ---- sending a contract ----
lead=2000
for point in kommo-hook-after-store outbox-enqueue-halfway outbox-claim-halfway send-after-intent \
	send-after-zoho-created note-after-post; do
	lead=$((lead + 1))
	fixture_lead "$lead"
	rc=$(cgi kommo-hook "$point" "$(kommo_status_body "$lead")" application/x-www-form-urlencoded "secret=$HOOK_SECRET")
	check_eq "$point: the program died there (SIGKILL)" "$rc" 137
	case $point in kommo-hook-after-store | outbox-enqueue-halfway)
		check_eq "$point: Kommo got no answer, so it will deliver again" "$(head -c 6 "$T/cgi.out")" ""
		send_contract "$lead" ;; # Kommo's retry
	esac
	drain_all
	check_eq "$point: exactly one request at Zoho" "$(requests_for "$lead" | wc -l)" 1
	check_eq "$point: exactly one note" "$(sent_notes "$lead" "Contract sent")" 1
	check_eq "$point: the queue is empty" "$(kzsctl jobs | wc -l)" 0
done
check_eq "the dead process's lease was taken over (no stuck job)" "$(kzsctl jobs | wc -l)" 0
check_eq "the queue's index was built again after each half-done change" \
	"$(grep -c "the queue's index was left half-changed" "$T/kzsctl.log")" 2
check_eq "kzsctl check: the outbox and its index are sound" "$(kzsctl check | grep -c DAMAGED)" 0

# ---- bringing the outcome back ----
for point in zoho-hook-after-queue outcome-after-upload outcome-after-link outcome-after-attachment-note \
	note-after-post outcome-before-move outcome-after-move-call outcome-after-move; do
	lead=$((lead + 1))
	fixture_lead "$lead"
	send_contract "$lead"
	rid=$(requests_for "$lead")
	sign_set_status "$rid" completed
	body=$(zoho_webhook_body "$rid" RequestCompleted)
	sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" -binary | base64 -w0)
	rc=$(cgi zoho-hook "$point" "$body" application/json "" "$sig")
	check_eq "$point: the program died there (SIGKILL)" "$rc" 137
	[ "$point" = zoho-hook-after-queue ] && cgi zoho-hook "" "$body" application/json "" "$sig" >/dev/null # Zoho's redelivery
	drain_all
	check_eq "$point: one Files link" "$(ok_calls PUT "/api/v4/leads/$lead/files")" 1
	check_eq "$point: one stage move" "$(ok_calls PATCH "/api/v4/leads/$lead")" 1
	check_eq "$point: one signed note" "$(sent_notes "$lead" "Contract signed")" 1
	check_eq "$point: one attachment note" "$(attachment_notes "$lead")" 1
	check_eq "$point: in the signed stage" "$(jq -r .status_id "$FAKE_DIR/kommo/leads/$lead.json")" "$SIGNED_STATUS_ID"
	check_eq "$point: the queue is empty" "$(kzsctl jobs | wc -l)" 0
done

# ---- a decline: the task ----
lead=$((lead + 1))
fixture_lead "$lead"
kzs_conf_set kommo declined_status_id 67548631
send_contract "$lead"
rid=$(requests_for "$lead")
sign_set_status "$rid" declined
body=$(zoho_webhook_body "$rid" RequestRejected)
sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" -binary | base64 -w0)
rc=$(cgi zoho-hook task-after-post "$body" application/json "" "$sig")
check_eq "task-after-post: the program died there (SIGKILL)" "$rc" 137
drain_all
check_eq "task-after-post: one task" "$(jq -s --argjson l "$lead" '[.[] | select(.entity_id == $l)] | length' "$FAKE_DIR/kommo/tasks.jsonl")" 1
check_eq "task-after-post: one declined note" "$(sent_notes "$lead" "Contract declined")" 1
check_eq "task-after-post: in the declined stage" "$(jq -r .status_id "$FAKE_DIR/kommo/leads/$lead.json")" 67548631
check_eq "task-after-post: the queue is empty" "$(kzsctl jobs | wc -l)" 0

# ---- the contract status on the deal: written once, though the writer died after it ----
fixture_json kommo/custom_fields/leads.json '[{"id":880001,"name":"Contract status","type":"text","code":null,"sort":1,"enums":null}]'
kzs_conf_set kommo status_field_id 880001
status_writes() {
	jq -s --arg p "/api/v4/leads/$1" '[.[] | select(.method == "PATCH" and .path == $p and .status == 200 and
		(.body | contains("custom_fields_values")))] | length' "$FAKE_DIR/calls.jsonl"
}
lead=$((lead + 1))
fixture_lead "$lead"
rc=$(cgi kommo-hook status-after-patch "$(kommo_status_body "$lead")" application/x-www-form-urlencoded "secret=$HOOK_SECRET")
check_eq "status-after-patch: the program died there (SIGKILL)" "$rc" 137
drain_all
check_eq "status-after-patch: exactly one request at Zoho" "$(requests_for "$lead" | wc -l)" 1
check_eq "status-after-patch: one status write" "$(status_writes "$lead")" 1
check_eq "status-after-patch: the deal shows Sent" \
	"$(jq -r '.custom_fields_values[]? | select(.field_id == 880001) | .values[0].value' "$FAKE_DIR/kommo/leads/$lead.json")" Sent
check_eq "status-after-patch: one sent note" "$(sent_notes "$lead" "Contract sent")" 1
check_eq "status-after-patch: the queue is empty" "$(kzsctl jobs | wc -l)" 0
