#!/usr/bin/env bash
# Signing outcomes flow back into Kommo: completed (PDF on the deal, notes, stage move,
# once whatever the deliveries), several documents, declined, expired with and without
# a resend, recalled, viewed; and failures in the middle resume without repeats.
. "$(dirname "$0")/lib.sh"
kzs_setup
# These checks count failures one by one; the fake's 7 calls/s limit stays off so that
# a stray 429 on a loaded machine does not add one (pacing has its own test).
echo 0 >"$FAKE_DIR/kommo/rate_limit"
# This file sends many contracts in little time: Zoho's 50 calls/min (and our 45)
# would stretch it past the waits below, so both are lifted here too.
echo 0 >"$FAKE_DIR/zoho/rate_limit"
kzs_conf_set limits zoho_calls_per_minute 1000

DECLINED_STATUS_ID=67548631
kzs_conf_set kommo declined_status_id "$DECLINED_STATUS_ID"
notes() { jq -r --argjson l "$1" 'select(.entity_id == $l) | .params.text // ("attachment " + .params.file_name)' "$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null; }
tasks_on() { jq -c --argjson l "$1" 'select(.entity_id == $l)' "$FAKE_DIR/kommo/tasks.jsonl" 2>/dev/null | wc -l; }
# calls_to METHOD PATH: how many such calls succeeded.
calls_to() { jq -s --arg m "$1" --arg p "$2" '[.[] | select(.method == $m and .path == $p and .status == 200)] | length' "$FAKE_DIR/calls.jsonl"; }
lead_status() { jq -r .status_id "$FAKE_DIR/kommo/leads/$1.json"; }
token() { awk 'END { print $1 }' "$FAKE_DIR/accounts/access_tokens"; }

# send_contract LEAD: the contract goes out; prints the new request id.
send_contract() {
	local before
	before=$(sign_request_ids | wc -l)
	[ -f "$FAKE_DIR/kommo/leads/$1.json" ] || fixture_lead "$1"
	post_kommo_hook "$(kommo_status_body "$1")" >/dev/null
	wait_until "lead $1: request sent" queue_empty >/dev/null
	[ "$(sign_request_ids | wc -l)" -gt "$before" ] || { not_ok "lead $1: no request"; return 1; }
	cat "$FAKE_DIR"/zoho/requests/*.json |
		jqb -r --argjson l "$1" 'select(.request_name | test("ref \($l)-")) | .request_id' | tail -n 1
}

# deliver REQUEST OP [JQ]: posts the webhook (body edited by JQ) and checks the 200.
deliver() {
	local body
	body=$(zoho_webhook_body "$1" "$2")
	[ -n "${3:-}" ] && body=$(printf '%s' "$body" | jqb -c "$3")
	LAST_BODY=$body
	post_zoho_hook "$body"
	check_eq "$2 for $1: acknowledged" "$STATUS" 200
}

# ---- completed ----
rid=$(send_contract 1001)
sign_set_status "$rid" completed
deliver "$rid" RequestCompleted
check_eq "completed: accepted" "$BODY" accepted
wait_until "completed: handled" queue_empty
check_eq "one upload session" "$(calls drive POST /drive/v1.0/sessions)" 1
check_match "the PDF went up in several parts" "$(calls drive POST /drive/v1.0/upload)" '^[2-9]$'
uuid=$(jq -r '._embedded.files[0].file_uuid // .file_uuid' "$FAKE_DIR/kommo/lead_files.jsonl" | head -n 1)
curl -s -o "$T/served.pdf" -H "Authorization: Zoho-oauthtoken $(token)" "$SIGN_URL/api/v1/requests/$rid/pdf?merge=true"
check_eq "the deal's file is the PDF Zoho served, byte for byte" \
	"$(sha256sum <"$FAKE_DIR/kommo/files/$uuid" | cut -d' ' -f1)" "$(sha256sum <"$T/served.pdf" | cut -d' ' -f1)"
check_eq "one Files link on the lead" "$(calls_to PUT /api/v4/leads/1001/files)" 1
check_eq "three notes: sent, the attachment, signed" "$(notes 1001 | wc -l)" 3
check_eq "the attachment note names the PDF" "$(notes 1001 | sed -n 2p)" "attachment Signed contract $rid.pdf"
check_eq "the attachment note points at the drive file" \
	"$(jq -r 'select(.note_type == "attachment") | .params.file_uuid' "$FAKE_DIR/kommo/notes.jsonl")" "$uuid"
check_match "the signed note says who and when" "$(notes 1001 | tail -n 1)" \
	"^Contract signed by Jane Doe <jane@example.com> on [0-9/]+ [0-9:]+ UTC\\. Zoho Sign request $rid is complete"
check_eq "one PATCH with only status and pipeline" \
	"$(call_bodies kommo PATCH /api/v4/leads/1001 | jq -c .)" "{\"status_id\":$SIGNED_STATUS_ID,\"pipeline_id\":$PIPELINE_ID}"
check_eq "the lead is in the signed stage" "$(lead_status 1001)" "$SIGNED_STATUS_ID"

# Repeated and reordered deliveries change nothing more.
post_zoho_hook "$LAST_BODY"
check_eq "the same delivery again: duplicate" "$STATUS $BODY" "200 duplicate: already handled"
deliver "$rid" RequestSigningSuccess
deliver "$rid" RequestCompleted
wait_until "repeats handled" queue_empty
check_eq "repeats: still one upload session" "$(calls drive POST /drive/v1.0/sessions)" 1
check_eq "repeats: still one PATCH" "$(calls_to PATCH /api/v4/leads/1001)" 1
check_eq "repeats: still three notes" "$(notes 1001 | wc -l)" 3

# Our own stage move fires Kommo's webhook back at us: harmless.
post_kommo_hook "$(kommo_status_body 1001 "$SIGNED_STATUS_ID")"
check_eq "our stage move's webhook: acknowledged, nothing queued" "$STATUS $BODY" "200 accepted 0 of 1"

# Signed-by-the-last-signer first, then Completed: completion once.
rid2=$(send_contract 1002)
sign_set_status "$rid2" completed
deliver "$rid2" RequestSigningSuccess
deliver "$rid2" RequestCompleted
deliver "$rid2" RequestSigningSuccess
wait_until "reordered: handled" queue_empty
check_eq "reordered: one more upload session" "$(calls drive POST /drive/v1.0/sessions)" 2
check_eq "reordered: one PATCH" "$(calls_to PATCH /api/v4/leads/1002)" 1
check_eq "reordered: sent + attachment + signed notes" "$(notes 1002 | wc -l)" 3

# ---- several documents: one PDF on the deal, with the certificate when asked ----
kzs_conf_set zoho attach_certificate yes
rid3=$(send_contract 1003)
f=$FAKE_DIR/zoho/requests/$rid3.json
jqb -c '.document_ids += [{document_id: "#big#45678901234567999", document_name: "Annex", total_pages: 1}]' <"$f" >"$f.tmp" && mv "$f.tmp" "$f"
sign_set_status "$rid3" completed
deliver "$rid3" RequestCompleted
wait_until "two documents: handled" queue_empty
check_match "the PDF was asked merged, with the certificate" \
	"$(jq -r --arg p "/api/v1/requests/$rid3/pdf" 'select(.path == $p) | .query' "$FAKE_DIR/calls.jsonl")" \
	'^merge=true&with_coc=true$'
uuid3=$(jq -r '._embedded.files[0].file_uuid // .file_uuid' "$FAKE_DIR/kommo/lead_files.jsonl" | tail -n 1)
check_eq "two documents: one PDF on the deal" "$(head -c 5 "$FAKE_DIR/kommo/files/$uuid3")" "%PDF-"
check_eq "two documents: the completion certificate is in it" \
	"$(grep -c -a 'Certificate of Completion' "$FAKE_DIR/kommo/files/$uuid3")" 1
kzs_conf_set zoho attach_certificate no

# ---- declined ----
rid4=$(send_contract 1004)
sign_set_status "$rid4" declined
deliver "$rid4" RequestRejected '.notifications.reason = "The price is too high"'
wait_until "declined: handled" queue_empty
check_match "declined: note with signer and reason" "$(notes 1004 | tail -n 1)" \
	"^Contract declined by Jane Doe <jane@example.com> on .* UTC\\. Reason: The price is too high\\. Zoho Sign request $rid4\\.$"
check_eq "declined: one task for the responsible user" \
	"$(jq -c 'select(.entity_id == 1004) | [.responsible_user_id, .task_type_id]' "$FAKE_DIR/kommo/tasks.jsonl")" "[$RESPONSIBLE_USER_ID,1]"
check_eq "declined: moved to the declined stage" "$(lead_status 1004)" "$DECLINED_STATUS_ID"
check_eq "declined: the task names the request" "$(jq -r 'select(.entity_id == 1004) | .text' "$FAKE_DIR/kommo/tasks.jsonl")" \
	"Contract declined (Zoho Sign request $rid4): see the note on this deal and follow up."
# The task went in but its answer was lost: the retry looks at the lead's tasks first.
rid18=$(send_contract 1018)
sign_set_status "$rid18" declined
fault kommo POST /api/v4/tasks 1 drop after
deliver "$rid18" RequestRejected
wait_until "declined, task answer lost: the job failed once" bash -c "KZS_CONFIG=$T/kzs.conf $KZS_OUT/deploy/kzsctl jobs 2>/dev/null | grep -q attempts=1"
kzsctl retry >/dev/null
kzsctl drain >/dev/null
check_eq "declined, task answer lost: done" "$(kzsctl jobs | wc -l)" 0
check_eq "declined, task answer lost: one task" "$(tasks_on 1018)" 1
check_eq "declined, task answer lost: the retry looked first" \
	"$(jq -s '[.[] | select(.method == "GET" and .path == "/api/v4/tasks" and (.query | test("filter%5Bentity_id%5D=1018(&|$)")))] | length' "$FAKE_DIR/calls.jsonl")" 1
check_eq "declined, task answer lost: then moved to the declined stage" "$(lead_status 1018)" "$DECLINED_STATUS_ID"
# A task that failed outright (500) is posted by the retry.
rid19=$(send_contract 1019)
sign_set_status "$rid19" declined
fault kommo POST /api/v4/tasks 1 status 500
deliver "$rid19" RequestRejected
wait_until "declined, task 500: the job failed once" bash -c "KZS_CONFIG=$T/kzs.conf $KZS_OUT/deploy/kzsctl jobs 2>/dev/null | grep -q attempts=1"
kzsctl retry >/dev/null
kzsctl drain >/dev/null
check_eq "declined, task 500: one task after the retry" "$(tasks_on 1019)" 1
# The manager moves the deal back into Contract: a new request, the old one not reused.
jq -c ".status_id = $TRIGGER_STATUS_ID" "$FAKE_DIR/kommo/leads/1004.json" | fixture_json kommo/leads/1004.json
rid4b=$(send_contract 1004)
check_match "after a decline, moving back sends a new request" "$rid4b" '^[0-9]{17,18}$'
check_eq "the new request is not the old one" "$([ "$rid4b" != "$rid4" ] && echo new)" new

# ---- expired, without and with a resend ----
rid5=$(send_contract 1005)
sign_set_status "$rid5" expired
before=$(sign_request_ids | wc -l)
deliver "$rid5" RequestExpired
wait_until "expired: handled" queue_empty
check_match "expired: note" "$(notes 1005 | tail -n 1)" "^Contract request $rid5 expired unsigned on .* UTC\\.$"
check_eq "expired: task" "$(tasks_on 1005)" 1
check_eq "expired without resend: no new request" "$(sign_request_ids | wc -l)" "$before"

kzs_conf_set zoho resend_on_expiry yes
rid6=$(send_contract 1006)
sign_set_status "$rid6" expired
before=$(sign_request_ids | wc -l)
deliver "$rid6" RequestExpired
wait_until "expired with resend: handled" queue_empty
check_match "expired with resend: the note says so" "$(notes 1006 | grep expired)" "A fresh request is being sent\\.$"
check_eq "expired with resend: exactly one fresh request" "$(sign_request_ids | wc -l)" "$((before + 1))"
rid6b=$(sign_request_ids | tail -n 1)
sign_set_status "$rid6b" expired
deliver "$rid6b" RequestExpired
wait_until "the resent one expires too: handled" queue_empty
check_eq "the resent one expires too: no third request" "$(sign_request_ids | wc -l)" "$((before + 1))"
kzs_conf_set zoho resend_on_expiry no

# ---- recalled, viewed ----
rid7=$(send_contract 1007)
sign_set_status "$rid7" recalled
deliver "$rid7" RequestRecalled
deliver "$rid7" RequestViewed
wait_until "recalled and viewed: handled" queue_empty
check_match "recalled: note" "$(notes 1007 | grep recalled)" "^Contract request $rid7 was recalled in Zoho Sign on .* UTC\\. To send a fresh request, move the deal into the stage again\\.$"
check_match "viewed: progress note" "$(notes 1007 | grep viewed)" "^Contract viewed by Jane Doe <jane@example.com> on .* UTC\\.$"
kzs_conf_set kommo progress_notes no
deliver "$rid7" RequestViewed
wait_until "viewed with progress notes off: handled" queue_empty
check_eq "progress notes off: no new note" "$(notes 1007 | grep -c viewed)" 1

# ---- failures in the middle resume without repeating what succeeded ----
# resume DESC FAULT...: a completion with the fault; the next drain finishes it.
resume() {
	local desc=$1 lead=$2 r sessions_before
	shift 2
	r=$(send_contract "$lead")
	sign_set_status "$r" completed
	fault "$@"
	sessions_before=$(calls drive POST /drive/v1.0/sessions)
	deliver "$r" RequestCompleted
	wait_until "$desc: the job failed once" bash -c "KZS_CONFIG=$T/kzs.conf $KZS_OUT/deploy/kzsctl jobs 2>/dev/null | grep -q attempts=1"
	kzsctl retry >/dev/null
	kzsctl drain >/dev/null
	check_eq "$desc: done" "$(kzsctl jobs | wc -l)" 0
	RESUME_SESSIONS=$(( $(calls drive POST /drive/v1.0/sessions) - sessions_before ))
	check_eq "$desc: one Files link" "$(calls_to PUT "/api/v4/leads/$lead/files")" 1
	check_eq "$desc: one successful PATCH" "$(calls_to PATCH "/api/v4/leads/$lead")" 1
	check_eq "$desc: sent + attachment + signed notes, once each" "$(notes "$lead" | wc -l)" 3
	check_eq "$desc: in the signed stage" "$(lead_status "$lead")" "$SIGNED_STATUS_ID"
}
resume "PATCH fails once (500)" 1011 kommo PATCH /api/v4/leads/1011 1 status 500
check_eq "PATCH fails once: the PDF was uploaded once" "$RESUME_SESSIONS" 1
resume "upload fails once (500)" 1012 drive POST /drive/v1.0/upload 1 status 500
check_eq "upload fails once: a new session for the retry, none after" "$RESUME_SESSIONS" 2
resume "Files link throttled (429, retry_after)" 1013 kommo PUT /api/v4/leads/1013/files 1 status 429 retry_after 1
check_eq "429: the PDF was uploaded once" "$RESUME_SESSIONS" 1
# Kommo did the work but its answer was lost: the retry looks before writing again.
resume "stage move done, answer lost" 1014 kommo PATCH /api/v4/leads/1014 1 drop after
resume "Files link done, answer lost" 1015 kommo PUT /api/v4/leads/1015/files 1 drop after
resume "attachment note done, answer lost" 1016 kommo POST /api/v4/leads/notes 1 drop after
# The signed note (the second note of the completion) done, its answer lost.
r=$(send_contract 1017)
sign_set_status "$r" completed
fault kommo POST /api/v4/leads/notes 1 delay 1 # the attachment note goes through
fault kommo POST /api/v4/leads/notes 1 drop after
deliver "$r" RequestCompleted
wait_until "signed note answer lost: the job failed once" bash -c "KZS_CONFIG=$T/kzs.conf $KZS_OUT/deploy/kzsctl jobs 2>/dev/null | grep -q attempts=1"
kzsctl retry >/dev/null
kzsctl drain >/dev/null
check_eq "signed note answer lost: sent + attachment + signed notes, once each" "$(notes 1017 | wc -l)" 3
check_eq "signed note answer lost: moved once" "$(calls_to PATCH /api/v4/leads/1017)" 1

# ---- reconcile: outcomes whose webhook never came ----
rid8=$(send_contract 1021)
rid9=$(send_contract 1022)
sign_set_status "$rid8" completed
sign_set_status "$rid9" declined
check_match "reconcile: requests younger than the age are left alone" "$(kzsctl reconcile 60)" "^checked 0 request"
out=$(kzsctl reconcile 0)
check_match "reconcile: the in-flight requests are checked, two outcomes queued" "$out" "queued 2 outcome"
wait_until "reconcile: handled" queue_empty
check_eq "reconcile: the completed one is in the signed stage" "$(lead_status 1021)" "$SIGNED_STATUS_ID"
check_eq "reconcile: its PDF is linked" "$(calls_to PUT /api/v4/leads/1021/files)" 1
check_match "reconcile: the declined one has its note" "$(notes 1022 | tail -n 1)" "^Contract declined by Jane Doe"
check_eq "reconcile: the declined one is in the declined stage" "$(lead_status 1022)" "$DECLINED_STATUS_ID"
deliver "$rid8" RequestCompleted
wait_until "a late webhook after reconcile: handled" queue_empty
check_eq "a late webhook after reconcile changes nothing" "$(calls_to PATCH /api/v4/leads/1021)" 1
check_match "reconcile again: nothing left in flight to ask about" "$(kzsctl reconcile 0)" "^checked [0-9]+ request\\(s\\), queued 0"

# ---- the company's time zone ([zoho] time_zone) in the note ----
kzs_conf_set zoho time_zone Pacific/Kiritimati
rid10=$(send_contract 1030)
sign_set_status "$rid10" declined
deliver "$rid10" RequestRejected '.notifications.performed_at = 1798761600000' # 2027-01-01 00:00 UTC
wait_until "time_zone: handled" queue_empty
check_match "time_zone: the note's time is Kiritimati's (UTC+14), not UTC's" "$(notes 1030 | tail -n 1)" \
	"^Contract declined by Jane Doe <jane@example.com> on 01/01/2027 14:00 \\+14\\. "
