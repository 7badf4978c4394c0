#!/usr/bin/env bash
# The MariaDB backend when the database cannot be used. A schema newer than this build
# knows (set while the programs run), one without its version, a table altered by hand, a wrong
# password, a missing database, a missing password file, a server that is down: kzsctl
# exits 1 with one line naming the setting or the table, kzsctl check has a FAIL line
# saying the same, both webhooks answer 503 and change nothing, no GDBM file appears in
# [state] dir (never a silent fall back), and the server's trouble is logged once a minute
# however many requests meet it. Once the server is back the running FastCGI programs
# reconnect by themselves. A job whose connection is lost while it waits on Zoho's
# answer runs again after the restart and adopts the request: one request at Zoho.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
. "$(dirname "$0")/ctl.sh"
kzs_setup
echo 0 >"$FAKE_DIR/kommo/rate_limit"
echo 0 >"$FAKE_DIR/zoho/rate_limit"
mariadb_start
mariadb_config_section >>"$T/kzs.conf"
kzsctl db init >/dev/null
CREATE=/api/v1/templates/$TEMPLATE_ID/createdocument
CONF=$T/kzs.conf

# tables: every record of every state table (not the pacing rings, which every call
# moves), to see that nothing changed.
tables() {
	local s
	for s in tokens deals seen outbox cache states; do
		mariadb_sql "SELECT '$s', k, v FROM kzs.kzs_$s" --raw | LC_ALL=C sort
	done
}
deal_state() { mariadb_sql "SELECT v FROM kzs.kzs_deals WHERE k = 'lead:$1'" --raw | jq -r .state; }
deal_request() { mariadb_sql "SELECT v FROM kzs.kzs_deals WHERE k = 'lead:$1'" --raw | jq -r .request_id; }
requests_for() {
	cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null |
		jqb -r --argjson l "$1" 'select(.request_name | test("ref \($l)-")) | .request_id'
}
note_posts() { call_bodies kommo POST /api/v4/leads/notes | jq -r '.[].entity_id' | grep -cx "$1"; }
fcgi_pids() { pgrep -P "$KZS_LIGHTTPD_PID" | sort | tr '\n' ' '; }
gdbm_files() { (cd "$T/state" && ls ./*.db 2>/dev/null | tr '\n' ' '); }

# ---- the database works: a contract goes out ----
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "a webhook accepted" "$STATUS" 200
wait_until "its contract went out" queue_empty
rid=$(requests_for "$LEAD_ID")
viewed=$(zoho_webhook_body "$rid" RequestViewed)
fixture_lead 1002
pids=$(fcgi_pids)

# unusable DESC PATTERN: the state cannot be used, PATTERN saying why: kzsctl exits 1 with
# that one line, check FAILs with it, both webhooks answer 503, nothing changes in the
# tables and no state file appears in [state] dir.
unusable() {
	local desc=$1 pattern=$2 before out
	before=$(tables)
	ctl "$CONF" jobs
	ctl_refused "$desc: kzsctl jobs" "$pattern"
	ctl "$CONF" drain
	ctl_refused "$desc: kzsctl drain" "$pattern"
	ctl "$CONF" check --offline
	check_eq "$desc: kzsctl check exits 1" "$RC" 1
	out=$(printf '%s\n' "$OUT" | grep '^FAIL')
	check_match "$desc: kzsctl check, one FAIL line for the database" "$out" "^FAIL database: .*$pattern"
	check_eq "$desc: ...and no other" "$(printf '%s\n' "$out" | grep -c .)" 1
	post_kommo_hook "$(kommo_status_body 1002)"
	check_eq "$desc: kommo-hook" "$STATUS $BODY" "503 cannot store the event; please retry"
	post_zoho_hook "$viewed"
	check_eq "$desc: zoho-hook" "$STATUS" 503
	check_eq "$desc: the tables are as they were" "$(tables)" "$before"
	check_eq "$desc: no GDBM file in [state] dir" "$(gdbm_files)" ""
}

# ---- the schema: newer (set while the programs run), older, tables altered by hand ----
mariadb_sql "UPDATE kzs.kzs_schema SET version = 2"
sleep 1.1 # the programs read the version again once it is a second old
unusable "a newer schema" \
	"\\[mariadb\\] the database's schema is version 2, newer than this version of the programs knows \\(1\\); install the newer programs$"
ctl "$CONF" db migrate
ctl_refused "a newer schema: db migrate" "newer than this version of the programs knows"
mariadb_sql "DELETE FROM kzs.kzs_schema"
unusable "a schema without its version" \
	"\\[mariadb\\] kzs_schema holds no version \\(kzsctl db init did not finish\\); run kzsctl db init$"
ctl "$CONF" db init
check_eq "a schema without its version: db init exits 0" "$RC" 0
check_match "a schema without its version: db init finishes it" "$OUT" "the state tables are at schema version 1 \\(was 0\\)$"

# altered DESC ALTER UNDO PATTERN: kzsctl and check name the table after ALTER, and work after UNDO.
altered() {
	mariadb_sql "$2"
	ctl "$CONF" jobs
	ctl_refused "$1: kzsctl jobs" "$4"
	ctl "$CONF" check --offline
	check_match "$1: kzsctl check names the table" "$(printf '%s\n' "$OUT" | grep '^FAIL')" "^FAIL database: .*$4"
	mariadb_sql "$3"
	ctl "$CONF" jobs
	check_eq "$1: changed back, kzsctl works again" "$RC" 0
}
altered "a column added" "ALTER TABLE kzs.kzs_deals ADD COLUMN note INT" "ALTER TABLE kzs.kzs_deals DROP COLUMN note" \
	"\\[mariadb\\] the table kzs_deals has columns \\(k varbinary,v longblob,note int\\), not \\(k varbinary,v longblob\\) as this version made it"
altered "a column dropped" "ALTER TABLE kzs.kzs_pace DROP COLUMN ring" \
	"ALTER TABLE kzs.kzs_pace ADD COLUMN ring LONGBLOB NOT NULL" \
	"\\[mariadb\\] the table kzs_pace has columns \\(service varchar\\), not \\(service varchar,ring longblob\\)"
altered "a column's type changed" "ALTER TABLE kzs.kzs_seen MODIFY v TEXT NOT NULL" \
	"ALTER TABLE kzs.kzs_seen MODIFY v LONGBLOB NOT NULL" \
	"\\[mariadb\\] the table kzs_seen has columns \\(k varbinary,v text\\), not \\(k varbinary,v longblob\\)"
altered "a table renamed" "RENAME TABLE kzs.kzs_outbox TO kzs.outbox_old" "RENAME TABLE kzs.outbox_old TO kzs.kzs_outbox" \
	"\\[mariadb\\] the table kzs_outbox is missing; run kzsctl db migrate$"

# ---- the settings: a wrong password, a missing database, no password file, no server there ----
printf 'not-the-password\n' >"$T/wrong.password"
chmod 600 "$T/wrong.password"
kzs_conf_set mariadb password_file "$T/wrong.password"
unusable "a wrong password" \
	"Access denied for user 'kzs'@'localhost' \\(using password: YES\\); check \\[mariadb\\] user and the password in \\[mariadb\\] password_file$"
kzs_conf_set mariadb password_file "$T/no-such.password"
unusable "a missing password file" "\\[mariadb\\] password_file $T/no-such.password: No such file or directory$"
kzs_conf_set mariadb password_file "$MARIADB_PASSWORD_FILE"
kzs_conf_set mariadb database nosuchdb
unusable "a missing database" "to database 'nosuchdb'; check \\[mariadb\\] database: it must exist, with rights for the user"
kzs_conf_set mariadb database kzs
kzs_conf_set mariadb socket "$T/no-such.sock"
unusable "no server at the socket" "Can't connect to local server through socket '$T/no-such.sock'.*; is the server running\\? check \\[mariadb\\] socket, or host and port$"
kzs_conf_set mariadb socket "$MARIADB_SOCKET"
ctl "$CONF" jobs
check_eq "the settings put back: kzsctl works" "$RC $OUT" "0 "
chmod 644 "$MARIADB_PASSWORD_FILE"
ctl "$CONF" check --offline
check_eq "a password file open to others: check exits 1" "$RC" 1
check_eq "a password file open to others: check says so and how to fix it" "$(printf '%s\n' "$OUT" | grep '^FAIL')" \
	"FAIL database password: [mariadb] password_file $MARIADB_PASSWORD_FILE has mode 644, open to others; chmod 600 $MARIADB_PASSWORD_FILE"
chmod 600 "$MARIADB_PASSWORD_FILE"

# ---- the server killed: 503, one log line a minute, and back without a restart ----
post_kommo_hook "$(kommo_status_body "$LEAD_ID")" # the programs' connections are up
check_eq "before the kill: a webhook accepted" "$STATUS" 200
wait_until "before the kill: nothing queued" queue_empty
before=$(tables)
log_from=$(($(wc -l <"$T/lighttpd.out") + 1))
mariadb_kill
for lead in 1002 1003 1004 1005; do
	fixture_lead "$lead"
	post_kommo_hook "$(kommo_status_body "$lead")"
	check_eq "server down: kommo-hook for $lead" "$STATUS $BODY" "503 cannot store the event; please retry"
	post_zoho_hook "$viewed"
	check_eq "server down: zoho-hook ($lead)" "$STATUS" 503
done
ctl "$CONF" jobs
ctl_refused "server down: kzsctl jobs" "\\[mariadb\\] cannot connect to kzs@$MARIADB_SOCKET/kzs: .*; is the server running\\?"
down_log=$(tail -n "+$log_from" "$T/lighttpd.out")
check_eq "server down: eight refused webhooks, the trouble logged once" "$(printf '%s\n' "$down_log" | grep -c '\[mariadb\]')" 1
check_match "server down: the line says it" "$(printf '%s\n' "$down_log" | grep '\[mariadb\]')" \
	"error: \\[mariadb\\] cannot connect to kzs@.*; is the server running\\? check \\[mariadb\\] socket"
check_eq "server down: no GDBM file in [state] dir" "$(gdbm_files)" ""
mariadb_restart
check_eq "after the restart: nothing of the refused webhooks was written" "$(tables)" "$before"
post_kommo_hook "$(kommo_status_body 1002)"
check_eq "after the restart: kommo-hook works again" "$STATUS $BODY" "200 accepted 1 of 1"
post_zoho_hook "$viewed"
check_eq "after the restart: zoho-hook works again" "$STATUS $BODY" "200 accepted"
wait_until "after the restart: the work is done" queue_empty
check_eq "after the restart: the deal's contract went out" "$(deal_state 1002)" inflight
check_eq "after the restart: the same FastCGI processes (they reconnected)" "$(fcgi_pids)" "$pids"

# ---- a connection lost while a job waits on Zoho's answer ----
fixture_lead 1006
ctl "$CONF" send 1006
check_eq "a deal queued by hand" "$RC" 0
fault sign POST /api/v1/templates 1 delay 4000
KZS_CONFIG=$CONF "$KZS_OUT/deploy/kzsctl" drain >"$T/drain.out" 2>"$T/drain.err" &
drain_pid=$!
sending() { [ "$(deal_state 1006)" = sending ]; }
wait_until "the job recorded its intent and waits on createdocument" sending
mariadb_kill
wait "$drain_pid"
cat "$T/drain.err" >>"$T/kzsctl.log"
check_match "the drain says the database went away" "$(cat "$T/drain.err")" "\\[mariadb\\]"
check_eq "Zoho made the request meanwhile" "$(requests_for 1006 | grep -c .)" 1
mariadb_restart
check_eq "after the restart: the job is back" "$(kzsctl jobs | awk '{ print $1 }')" send:1006
kzsctl drain >/dev/null
check_eq "the job ran: the queue is empty" "$(kzsctl jobs)" ""
check_eq "one createdocument for the deal, the slow one" \
	"$(jq -r --arg p "$CREATE" 'select(.path == $p) | .fault // "none"' "$FAKE_DIR/calls.jsonl" | tail -n 1) $(requests_for 1006 | grep -c .)" \
	"delay 1"
check_eq "the deal holds Zoho's request" "$(deal_state 1006) $(deal_request 1006)" "inflight $(requests_for 1006)"
check_eq "one note on the deal" "$(note_posts 1006)" 1
check_eq "no GDBM file in [state] dir at the end" "$(gdbm_files)" ""
check_eq "no crash in the log" "$(app_log | grep -ciE 'segmentation|core dumped|signal [0-9]|abort')" 0
