#!/usr/bin/env bash
# The state folder and the config are trusted only while they are closed to others: a
# state file that is a symbolic link is never followed, a config or state folder open to
# others stops the programs (503, a log line naming the chmod) and kzsctl, and a damaged
# state file is reported once a minute, not on every request.
. "$(dirname "$0")/lib.sh"
kzs_setup

post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
wait_until "a contract went out" queue_empty

fixture_lead 1002
if gdbm_only "state files and lock files replaced by links (the state is in the database)"; then
	# A state file replaced by a link to another GDBM file of the same user.
	cp "$T/state/outbox.db" "$T/victim.db"
	sum_before=$(md5sum <"$T/victim.db")
	ln -sf "$T/victim.db" "$T/state/outbox.db"
	post_kommo_hook "$(kommo_status_body 1002)"
	check_eq "outbox.db a link: the webhook is answered 503" "$STATUS" 503
	check_eq "outbox.db a link: the file it points to is unchanged" "$(md5sum <"$T/victim.db")" "$sum_before"
	wait_until "outbox.db a link: the log says it is a link" \
		grep -q "outbox.db: Too many levels of symbolic links (a symbolic link" "$T/lighttpd.out"
	rm "$T/state/outbox.db"

	# The same with a second name (a hard link) instead of a symbolic link.
	ln "$T/victim.db" "$T/state/outbox.db"
	post_kommo_hook "$(kommo_status_body 1002)"
	check_eq "outbox.db a hard link: the webhook is answered 503" "$STATUS" 503
	check_eq "outbox.db a hard link: the other name's file is unchanged" "$(md5sum <"$T/victim.db")" "$sum_before"
	rm "$T/state/outbox.db"

	# A lock file replaced by a link to a file that does not exist yet: nothing is created there.
	rm -f "$T/state/outbox.lock"
	ln -s "$T/created-by-link" "$T/state/outbox.lock"
	post_kommo_hook "$(kommo_status_body 1002)"
	check_eq "outbox.lock a link: the webhook is answered 503" "$STATUS" 503
	check_eq "outbox.lock a link: no file created where it points" "$(ls "$T/created-by-link" 2>/dev/null)" ""
	rm "$T/state/outbox.lock"
	post_kommo_hook "$(kommo_status_body 1002)"
	check_eq "links removed: the webhook is accepted again" "$STATUS $BODY" "200 accepted 1 of 1"
	wait_until "links removed: the queue empties" queue_empty
fi

# refused_while WHAT CHMOD: with the loose mode in place, every program and kzsctl refuse.
refused_while() {
	local what=$1 fix=$2 out
	: >"$T/kzsctl.log"
	post_kommo_hook "$(kommo_status_body 1002)"
	check_eq "$what: kommo-hook answers 503" "$STATUS" 503
	check_match "$what: the answer says the log has the fix" "$BODY" "not safely set up"
	post_zoho_hook "{}"
	check_eq "$what: zoho-hook answers 503" "$STATUS" 503
	oauth_get ""
	check_eq "$what: oauth-callback answers 503" "$STATUS" 503
	wait_until "$what: the log names the chmod" grep -qF "$fix" "$T/lighttpd.out"
	out=$(kzsctl jobs)
	check_eq "$what: kzsctl exits 1" "$?" 1
	check_match "$what: kzsctl says which chmod" "$(cat "$T/kzsctl.log")" "$fix"
	check_eq "$what: kzsctl prints nothing else" "$out" ""
}
chmod 777 "$T/state"
refused_while "state folder mode 0777" "chmod 700 $T/state"
chmod 700 "$T/state"
: >"$T/lighttpd.out"
chmod 644 "$T/kzs.conf"
refused_while "config mode 0644" "chmod 600 $T/kzs.conf"
chmod 640 "$T/kzs.conf"
post_kommo_hook "$(kommo_status_body 1002)"
check_eq "config mode 0640 (group may read): 503" "$STATUS" 503
chmod 600 "$T/kzs.conf"
post_kommo_hook "$(kommo_status_body 1002)"
check_eq "modes fixed: the webhook is accepted again" "$STATUS $BODY" "200 accepted 1 of 1"
check_eq "modes fixed: kzsctl works again" "$(kzsctl jobs >/dev/null; echo $?)" 0

# A damaged outbox under a burst of webhooks: reported once, not once per request (with the
# database, t_mariadb_failure.sh has a server that is down under a burst).
if gdbm_only "a damaged outbox file under a burst"; then
	wait_until "the queue empties" queue_empty
	dd if=/dev/urandom of="$T/state/outbox.db" bs=1 count=512 seek=0 conv=notrunc 2>/dev/null
	: >"$T/lighttpd.out"
	: >"$T/burst.codes"
	for i in $(seq 1 40); do
		curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/x-www-form-urlencoded' \
			--data-binary "$(kommo_status_body 1002)" "$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET" \
			>>"$T/burst.codes" &
		[ $((i % 10)) = 0 ] && wait
	done
	wait
	check_eq "damaged outbox: every webhook of the burst answered 503" "$(sort -u "$T/burst.codes" | tr '\n' ' ')" "503 "
	lines=$(grep -c "outbox.db" "$T/lighttpd.out")
	check_eq "damaged outbox: reported once for 40 requests" "$lines" 1
	check_match "damaged outbox: the report says what to do" "$(grep "outbox.db" "$T/lighttpd.out")" "outbox.db: .*kzsctl check, recover, restore"
fi
