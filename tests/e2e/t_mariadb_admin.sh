#!/usr/bin/env bash
# Moving an installation from GDBM files to the MariaDB backend, as deploy/README.md
# says: a contract sent, a Zoho delivery seen and a job waiting on the files; a database
# user with exactly the README's GRANT; kzsctl db init (once only), db migrate (nothing to
# do), kzsctl dump on the files, restore into the database, the config switched. Then
# the records are the same, the waiting job drains from the database with the token
# that came along, a repeated delivery is still a duplicate, the files are not touched
# again, and a dump of the database restores into GDBM files record for record. Under
# mariadb: check names the database and each table, recover refuses (GDBM only), prune
# forgets expired delivery keys, and a restore that fails leaves the table as it was.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
. "$(dirname "$0")/ctl.sh"
kzs_setup
echo 0 >"$FAKE_DIR/kommo/rate_limit"
echo 0 >"$FAKE_DIR/zoho/rate_limit"
CREATE=/api/v1/templates/$TEMPLATE_ID/createdocument
STORES="tokens deals seen outbox cache states"

# files_records DIR STORE: every record of DIR/STORE.db as "key<TAB>value", sorted; the
# outbox's jobs only (its index is built again by a restore).
files_records() {
	perl -MGDBM_File -MFcntl=:flock -e '
		my ($db) = @ARGV;
		exit 0 unless -e "$db.db";
		open(my $lock, ">>", "$db.lock") or die "$db.lock: $!";
		flock($lock, LOCK_SH) or die;
		tie(my %h, "GDBM_File", "$db.db", GDBM_READER | GDBM_NOLOCK, 0600) or die "$db.db: $!";
		print "$_\t$h{$_}\n" for keys %h;
		untie %h;' "$1/$2" | LC_ALL=C sort | { [ "$2" = outbox ] && grep -v '^#' || cat; }
}
# table_records STORE: the same of the table kzs_STORE.
table_records() {
	mariadb_sql "SELECT k, v FROM kzs.kzs_$1" --raw | LC_ALL=C sort | { [ "$1" = outbox ] && grep -v '^#' || cat; }
}
# deal_state LEAD: the state of the lead's record in the database.
deal_state() { mariadb_sql "SELECT v FROM kzs.kzs_deals WHERE k = 'lead:$1'" --raw | jq -r .state; }
no_faults_left() { flock "$FAKE_DIR/faults.lock" sh -c ': >"$1"' sh "$FAKE_DIR/faults"; }
sha_of_files() { (cd "$T/state" && sha256sum ./*.db); }
request_of() {
	cat "$FAKE_DIR"/zoho/requests/*.json |
		jqb -r --argjson l "$1" 'select(.request_name | test("ref \($l)-")) | .request_id' | tail -n 1
}
# dump_of NAME KEY VALUE...: a GDBM ASCII dump of NAME.db holding these records, as
# GDBM writes one (ASCII text only).
dump_of() {
	local name=$1 n=0
	shift
	printf '# GDBM dump file created by hand\n#:version=1.1\n#:file=%s.db\n#:format=standard\n# End of header\n' "$name"
	while [ $# -ge 2 ]; do
		printf '#:len=%s\n' "${#1}"
		printf '%s' "$1" | base64 -w 76
		printf '#:len=%s\n' "${#2}"
		printf '%s' "$2" | base64 -w 76
		n=$((n + 1))
		shift 2
	done
	printf '#:count=%s\n# End of data\n' "$n"
}

# ---- on GDBM files: a contract out, a delivery seen, a job waiting ----
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
wait_until "files: the first contract went out" queue_empty
rid=$(request_of "$LEAD_ID")
viewed=$(zoho_webhook_body "$rid" RequestViewed)
post_zoho_hook "$viewed"
check_eq "files: Zoho's delivery accepted" "$STATUS $BODY" "200 accepted"
wait_until "files: the delivery handled" queue_empty
fixture_lead 1002
fault kommo GET /api/v4/leads/1002 0 status 503
post_kommo_hook "$(kommo_status_body 1002)"
check_eq "files: the second deal's webhook accepted" "$STATUS" 200
job_waits() { kzsctl jobs 2>/dev/null | grep -q '^send:1002 .*attempts=1 '; }
wait_until "files: the second deal's job waits after Kommo's 503" job_waits
jobs_before=$(kzsctl jobs | awk '{ print $1, $2 }')
token_requests=$(calls accounts POST /oauth/v2/token)
check_eq "files: one token request so far" "$token_requests" 1

# ---- the database and its user, as deploy/README.md says ----
mariadb_start
app_password=$(random_hex 16)
(umask 077 && printf '%s\n' "$app_password" >"$T/kzsapp.password")
mariadb_sql "CREATE USER 'kzsapp'@'localhost' IDENTIFIED BY '$app_password';
	GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP ON kzs.* TO 'kzsapp'@'localhost';"
cp -p "$T/kzs.conf" "$T/kzs.conf.gdbm"
(umask 077 && { cat "$T/kzs.conf"; echo; mariadb_config_section |
	sed -e 's/^user = .*/user = kzsapp/' -e "s#^password_file = .*#password_file = $T/kzsapp.password#"; } \
	>"$T/kzs.conf.mariadb")
MDB=$T/kzs.conf.mariadb

ctl "$MDB" db migrate
ctl_refused "db migrate before db init" "kzsctl: \\[mariadb\\] kzsapp@.*/kzs has no state tables; run kzsctl db init$"
ctl "$MDB" check --offline
check_eq "check before db init: exit status 1" "$RC" 1
check_match "check before db init: one FAIL line for the database" "$(printf '%s\n' "$OUT" | grep '^FAIL')" \
	"^FAIL database: \\[mariadb\\] the database kzs has no state tables yet; run kzsctl db init$"
ctl "$MDB" jobs
ctl_refused "kzsctl jobs before db init" "no state tables yet; run kzsctl db init$"

ctl "$MDB" db init
check_eq "db init on an empty database: exit status 0" "$RC" 0
check_match "db init: says what it made" "$OUT" "the state tables are at schema version 1 \\(was 0\\)$"
tables=$(mariadb_sql "SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME SEPARATOR ' ') FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'kzs'")
check_eq "db init: the tables" "$tables" "kzs_cache kzs_deals kzs_lock kzs_outbox kzs_pace kzs_schema kzs_seen kzs_states kzs_tokens"
check_eq "db init: schema version 1" "$(mariadb_sql 'SELECT version FROM kzs.kzs_schema')" 1
ctl "$MDB" db init
ctl_refused "db init again" "already has the state tables \\(schema version 1\\); kzsctl db migrate upgrades them$"
check_eq "db init again: the schema is as it was" "$(mariadb_sql 'SELECT COUNT(*), MAX(version) FROM kzs.kzs_schema')" "$(printf '1\t1')"
ctl "$MDB" db migrate
check_eq "db migrate when current: exit status 0" "$RC" 0
check_match "db migrate when current: nothing to do" "$OUT" "the schema is already version 1; nothing to do$"
ctl "$MDB" check --offline
check_eq "check on the new database: exit status 0" "$RC" 0
check_match "check on the new database: an empty queue, said so" "$OUT" \
	"^OK   outbox index: none yet, no job waiting: the first webhook builds it$"
ctl "$T/kzs.conf" db init
ctl_refused "db init with backend = gdbm" "\\[state\\] backend is gdbm .*; db init is for backend = mariadb$"

# ---- the move: dump the files, restore into the database, switch the config ----
ctl "$T/kzs.conf" dump "$T/move"
check_eq "dump of the files: exit status 0" "$RC" 0
for s in $STORES; do files_records "$T/state" "$s" >"$T/files.$s"; done
check_match "the files hold the deals" "$(cat "$T/files.deals")" "^lead:$LEAD_ID	"
check_match "the files hold the delivery key" "$(grep -c . "$T/files.seen")" "^[1-9]"
check_match "the files hold the waiting job" "$(cat "$T/files.outbox")" "^send:1002	"
check_match "the files hold the tokens" "$(cat "$T/files.tokens")" "^zoho.access	"
files_sha=$(sha_of_files)

ctl "$MDB" restore "$T/move"
check_eq "restore into the database: exit status 0" "$RC" 0
check_match "restore: deals restored" "$OUT" "deals +<- $T/move/deals.dump"
check_match "restore: the outbox's index built from the jobs" "$OUT" "outbox +its index of due times was built again from the jobs"
check_match "restore: a file never written (states) has no dump and is left" "$OUT" "states +no dump in $T/move, left as it is"
for s in $STORES; do
	check_eq "restore: kzs_$s holds the records of $s.db" "$(table_records "$s")" "$(cat "$T/files.$s")"
done
check_eq "restore: nothing left in the state folder" "$(cd "$T/state" && ls -A | grep -c 'restore')" 0
check_eq "dump: nothing left in the dump folder but the dumps" "$(ls -A "$T/move" | grep -vc '\.dump$')" 0

mv "$MDB" "$T/kzs.conf" # the switch: every program reads the state from the database now
out=$(kzsctl check --offline)
check_eq "check under mariadb: exit status 0" "$?" 0
check_match "check: the database, its schema" "$out" \
	"OK   database: the database kzs on the socket $MARIADB_SOCKET answers to kzsapp; schema version 1, the newest this build knows"
check_match "check: each table with its records" "$out" \
	"OK   state table kzs_deals: $(grep -c . "$T/files.deals") record\\(s\\), each readable"
check_match "check: the outbox's index" "$out" "OK   outbox index: 1 entries for 1 waiting job\\(s\\)"
check_match "check: the files left behind are named" "$out" "OK   old state files: tokens.db, deals.db, seen.db, outbox.db, cache.db in $T/state are not used"
check_eq "check: nothing failed" "$(printf '%s\n' "$out" | grep -c '^FAIL')" 0
check_eq "the waiting job came along" "$(kzsctl jobs | awk '{ print $1, $2 }')" "$jobs_before"

# ---- the programs work from the database ----
no_faults_left
kzsctl retry >/dev/null
kzsctl drain >/dev/null
check_eq "the waiting job drained" "$(kzsctl jobs)" ""
check_eq "its contract went out: two requests at Zoho in all" "$(calls sign POST "$CREATE")" 2
check_eq "the deal is in flight, in the database" "$(deal_state 1002)" inflight
check_eq "the access token came along: no new token request" "$(calls accounts POST /oauth/v2/token)" "$token_requests"
post_zoho_hook "$viewed"
check_eq "the delivery seen on the files is still a duplicate" "$STATUS $BODY" "200 duplicate: already handled"
fixture_lead 1003
post_kommo_hook "$(kommo_status_body 1003)"
check_eq "a new webhook accepted" "$STATUS" 200
wait_until "its contract went out" queue_empty
check_eq "its deal is in the database" "$(deal_state 1003)" inflight
check_eq "the files were not touched after the move" "$(sha_of_files)" "$files_sha"
check_eq "no new state file" "$(cd "$T/state" && ls ./*.db | tr '\n' ' ')" \
	"./cache.db ./deals.db ./outbox.db ./seen.db ./tokens.db "

# ---- a dump of the database restores into GDBM files, record for record ----
out=$(kzsctl dump "$T/back")
check_eq "dump of the database: exit status 0" "$?" 0
check_eq "dump of the database: one dump per table" "$(printf '%s\n' "$out" | grep -c ' -> ')" 6
check_eq "dump of the database: nothing else left in the folder" "$(ls -A "$T/back" | tr '\n' ' ')" \
	"cache.dump deals.dump outbox.dump seen.dump states.dump tokens.dump "
check_match "dump of the database: GDBM's format, of deals.db" "$(head -n 3 "$T/back/deals.dump" | tr '\n' ' ')" \
	"^# GDBM dump file.*#:file=deals.db"
mkdir -m 700 "$T/state2"
sed "s#^dir = .*#dir = $T/state2#" "$T/kzs.conf.gdbm" >"$T/kzs.conf.back" && chmod 600 "$T/kzs.conf.back"
ctl "$T/kzs.conf.back" restore "$T/back"
check_eq "restore of the database's dump into files: exit status 0" "$RC" 0
for s in $STORES; do
	check_eq "back to files: $s.db holds the rows of kzs_$s" "$(files_records "$T/state2" "$s")" "$(table_records "$s")"
done

# ---- recover is GDBM's; prune works on the table ----
out=$(kzsctl recover deals)
check_eq "recover under mariadb: exit status 1" "$?" 1
check_eq "recover under mariadb: one line" "$(printf '%s\n' "$out" | grep -c .)" 1
check_match "recover under mariadb: says it is for GDBM files" "$out" "^kzsctl recover rebuilds a damaged GDBM file of \\[state\\] backend = gdbm"
seen_before=$(mariadb_sql "SELECT k FROM kzs.kzs_seen" --raw)
mariadb_sql "INSERT INTO kzs.kzs_seen (k, v) VALUES ('expired-delivery', '1000')"
check_eq "prune under mariadb" "$(kzsctl prune)" "pruned 1 expired delivery key(s)"
check_eq "prune: the fresh delivery key stays" "$(mariadb_sql "SELECT k FROM kzs.kzs_seen" --raw)" "$seen_before"

# ---- a restore that fails leaves the table as it was ----
deals_before=$(table_records deals)
mkdir -m 700 "$T/bad"
head -c 300 "$T/back/deals.dump" >"$T/bad/deals.dump"
ctl "$T/kzs.conf" restore "$T/bad" deals
check_eq "a cut dump: exit status 1" "$RC" 1
check_match "a cut dump: the reason" "$ERR" "deals.dump: not restored, the table kzs_deals is left as it was: incomplete"
check_eq "a cut dump: kzs_deals as it was" "$(table_records deals)" "$deals_before"
long_key=lead:$(printf '%0800d' 7)
dump_of deals lead:7001 '{"state":"inflight"}' "$long_key" '{"state":"inflight"}' lead:7002 '{}' >"$T/bad/deals.dump"
ctl "$T/kzs.conf" restore "$T/bad" deals
check_eq "a record the table cannot take: exit status 1" "$RC" 1
check_match "a record the table cannot take: the reason" "$ERR" \
	"kzsctl: kzs_deals: not restored, the table is left as it was: the record lead:0+ cannot be written"
check_eq "a record the table cannot take: kzs_deals as it was (rolled back)" "$(table_records deals)" "$deals_before"
check_eq "a restore that failed: nothing left in the state folder" "$(cd "$T/state" && ls -A | grep -c 'restore')" 0
