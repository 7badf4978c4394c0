#!/usr/bin/env bash
# The state folder's format version (the file "format"): written with the first state
# file; a state written by a newer version is not touched: webhooks get 503 with the
# reason, kzsctl says so and exits 1 (check in a FAIL line); a restore of every file
# from a dump gives the state back to this build.
. "$(dirname "$0")/lib.sh"
kzs_setup
ctl() { KZS_CONFIG=$T/kzs.conf "$KZS_OUT/deploy/kzsctl" "$@" 2>"$T/ctl.err"; }
newer="the state in $T/state was written by a newer version \(format 99\); this build knows up to 1: install the newer build or restore a dump"

check_eq "no format before the first state file" "$(ls "$T/state")" ""
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "a webhook came: 200" "$STATUS" 200
check_eq "...the format is recorded with the first state file" "$(cat "$T/state/format" 2>/dev/null)" 1
wait_until "its contract went out" queue_empty
out=$(ctl check)
check_eq "check: exit status 0" "$?" 0
check_match "...names the format" "$out" "^OK   state format: 1, the newest this build knows"
ctl dump "$T/backup" >/dev/null
check_eq "a dump of the state in format 1" "$?" 0

# A newer build has written the state (and perhaps changed its files' records).
printf '99\n' >"$T/state/format"
# state_files: each file's name, size and time, but for the stamps of logged troubles.
state_files() { find "$T/state" -type f ! -name '*.reported' -printf '%f %s %T@\n' | sort; }
state_files >"$T/before"
sent_before=$(calls sign POST /api/v1/templates)
fixture_lead 1002
post_kommo_hook "$(kommo_status_body 1002)"
check_eq "newer format: a Kommo webhook is answered 503" "$STATUS" 503
check_eq "...with the reason" "$BODY" "the state was written by a newer version (format 99); this build knows up to 1: install the newer build or restore a dump"
post_zoho_hook "$(zoho_webhook_body "$(sign_request_ids | head -n 1)" RequestCompleted)"
check_eq "newer format: a Zoho webhook is answered 503" "$STATUS" 503
check_match "...with the reason" "$BODY" "written by a newer version \(format 99\)"
oauth_admin_setup
oauth_get "secret=$ADMIN_SECRET"
check_eq "newer format: the admin page is answered 503" "$STATUS" 503
wait_until "the log names the folder and what to do" grep -qE "$newer" "$T/lighttpd.out"
check_eq "...the format file is left as it is" "$(cat "$T/state/format")" 99
state_files >"$T/after"
check_eq "...no state file was written" "$(diff "$T/before" "$T/after")" ""
check_eq "...and nothing was sent" "$(calls sign POST /api/v1/templates)" "$sent_before"

ctl check >"$T/ctl.out"
check_eq "kzsctl check under the newer format: exit status 1" "$?" 1
check_match "...says why" "$(cat "$T/ctl.out")" "^FAIL state format: $newer\$"
check_eq "...reads no state file and calls nobody" \
	"$(grep -cE '^(OK|FAIL) +(state file|outbox|Kommo|Zoho)' "$T/ctl.out")" 0
for cmd in jobs drain "dump $T/backup2" prune; do
	# shellcheck disable=SC2086 # the command and its argument
	ctl $cmd >"$T/ctl.out"
	check_eq "kzsctl $cmd under the newer format: exit status 1" "$?" 1
	check_match "...says why" "$(cat "$T/ctl.err")" "^kzsctl: $newer\$"
	check_eq "...and does nothing" "$(cat "$T/ctl.out")" ""
done
check_eq "...no dump was written" "$(ls "$T/backup2" 2>/dev/null)" ""

# Going back: the dump made before the newer build, every file of it.
ctl restore "$T/backup" outbox >/dev/null
check_eq "restore of one file over the newer format: exit status 1" "$?" 1
check_match "...says every file must be restored" "$(cat "$T/ctl.err")" "restore every file"
mv "$T/backup/deals.dump" "$T/deals.dump"
ctl restore "$T/backup" >/dev/null
check_eq "restore without a dump of a state file present: exit status 1" "$?" 1
check_match "...names it" "$(cat "$T/ctl.err")" "has no dump of deals"
check_eq "...the format is left as it is" "$(cat "$T/state/format")" 99
mv "$T/deals.dump" "$T/backup/deals.dump"
ctl restore "$T/backup" >/dev/null
check_eq "restore of every file over the newer format: exit status 0" "$?" 0
check_eq "...the format is this build's again" "$(cat "$T/state/format")" 1
post_kommo_hook "$(kommo_status_body 1002)"
check_eq "...and webhooks are taken again" "$STATUS" 200

# A damaged format file is not guessed at.
printf 'x\n' >"$T/state/format"
post_kommo_hook "$(kommo_status_body 1002)"
check_eq "a damaged format file: 503" "$STATUS" 503
check_match "...pointing to the error log" "$BODY" "format cannot be read; the error log says what to fix"
ctl check >/dev/null
check_eq "...kzsctl check: exit status 1" "$?" 1
check_match "...names the file" "$(ctl check)" "^FAIL state format: $T/state/format does not hold a state format"

# State kept before the format was recorded is marked as this build's.
rm "$T/state/format"
post_kommo_hook "$(kommo_status_body 1002)"
check_eq "state without a format file: the webhook is taken" "$STATUS" 200
check_eq "...and the format is recorded" "$(cat "$T/state/format" 2>/dev/null)" 1
