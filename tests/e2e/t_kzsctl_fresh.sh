#!/usr/bin/env bash
# kzsctl on a new install, exactly as the README says to use it: help, an empty queue,
# a check before any state file exists, a dump into a folder that does not exist yet,
# a restore from a folder without dumps.
. "$(dirname "$0")/lib.sh"
kzs_setup
ctl() { KZS_CONFIG=$T/kzs.conf "$KZS_OUT/deploy/kzsctl" "$@" 2>"$T/ctl.err"; }

out=$(ctl help)
check_eq "kzsctl help: exit status 0" "$?" 0
check_match "kzsctl help: the usage on stdout" "$out" "^usage: kzsctl drain"
ctl --help >/dev/null
check_eq "kzsctl --help: exit status 0" "$?" 0
ctl frobnicate >/dev/null
check_eq "an unknown command: exit status 2" "$?" 2
check_match "...with the usage" "$(cat "$T/ctl.err")" "usage: kzsctl"

out=$(ctl jobs)
check_eq "jobs on a new install: exit status 0" "$?" 0
check_eq "...the list on stdout is empty" "$out" ""
check_match "...and says so" "$(cat "$T/ctl.err")" "no jobs queued"
out=$(ctl check)
check_eq "check before any state file exists: exit status 0" "$?" 0
if [ "$KZS_BACKEND" = mariadb ]; then
	check_match "...the tables are there, empty" "$out" "^OK   state table kzs_outbox: 0 record"
else
	check_match "...says there is none yet" "$out" "no state file in .* yet"
fi

# One deal in, so there is state to back up.
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "a webhook came: 200" "$STATUS" 200
out=$(ctl dump "$T/backups/daily")
check_eq "dump into a folder that does not exist yet: exit status 0" "$?" 0
check_eq "...the folder is made, open to its owner only" "$(stat -c %a "$T/backups/daily" 2>/dev/null)" 700
check_match "...the queue is in it" "$out" "outbox +-> $T/backups/daily/outbox.dump"
check_match "...with the job (keys are base64 in a dump)" "$(cat "$T/backups/daily/outbox.dump" 2>/dev/null)" \
	"^$(printf 'send:%s' "$LEAD_ID" | base64)\$"

mkdir "$T/empty"
ctl restore "$T/empty" >/dev/null
check_eq "restore from a folder without dumps: exit status 1" "$?" 1
check_match "...says why" "$(cat "$T/ctl.err")" "holds no dump"
ctl restore "$T/nowhere" >/dev/null
check_eq "restore from a folder that does not exist: exit status 1" "$?" 1
