#!/usr/bin/env bash
# kzsctl restore only replaces a state file with a dump that loads completely and whose
# record count matches; anything else leaves the live file as it was and exits non-zero.
# recover and restore refuse names that are not state files and create nothing for them.
. "$(dirname "$0")/lib.sh"
kzs_setup

post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
wait_until "a contract went out" queue_empty
mkdir "$T/dump" "$T/bad" "$T/empty"
kzsctl dump "$T/dump" >/dev/null
check_eq "dump: exit status 0" "$?" 0
keys_before=$(store_keys deals)
count_before=$(printf '%s\n' "$keys_before" | grep -c .)
check_match "the live deals file has records" "$count_before" "^[1-9]"
state_files() { (cd "$T/state" && ls -A | sort | tr '\n' ' '); }
# The live deals store as kzsctl restore names it: its file, or its table.
if [ "$KZS_BACKEND" = mariadb ]; then live_deals="the table kzs_deals"; else live_deals=deals.db; fi
files_before=$(state_files)

# restore_refused DESC ARGS...: kzsctl restore ARGS fails, says why, and deals is unchanged.
restore_refused() {
	local desc=$1 out rc
	shift
	: >"$T/kzsctl.log"
	out=$(kzsctl restore "$@")
	rc=$?
	check_eq "$desc: exit status non-zero" "$([ "$rc" -ne 0 ] && echo non-zero)" non-zero
	check_match "$desc: the reason is given" "$(cat "$T/kzsctl.log")" "^kzsctl: .+"
	check_eq "$desc: nothing reported as restored" "$(printf '%s' "$out" | grep -c ' <- ')" 0
	check_eq "$desc: the live deals file keeps its records" "$(store_keys deals)" "$keys_before"
	check_eq "$desc: no file left behind in the state folder" "$(state_files)" "$files_before"
}

head -c 200 "$T/dump/deals.dump" >"$T/bad/deals.dump"
restore_refused "a dump cut after 200 bytes" "$T/bad" deals
check_match "a cut dump: the message says the live file is kept" "$(cat "$T/kzsctl.log")" "deals.dump: not restored, $live_deals is left as it was: "
head -n -2 "$T/dump/deals.dump" >"$T/bad/deals.dump"
restore_refused "a dump without its count and end line" "$T/bad" deals
check_match "a dump without its count: says it is incomplete" "$(cat "$T/kzsctl.log")" "incomplete: it ends after line [0-9]+ without its record count"
head -n -1 "$T/dump/deals.dump" >"$T/bad/deals.dump"
restore_refused "a dump without its end line" "$T/bad" deals
sed 's/^#:count=\([0-9]*\)$/#:count=1\1/' "$T/dump/deals.dump" >"$T/bad/deals.dump"
restore_refused "a dump whose count does not match" "$T/bad" deals
cp "$T/dump/outbox.dump" "$T/bad/deals.dump"
restore_refused "another file's dump" "$T/bad" deals
check_match "another file's dump: says whose it is" "$(cat "$T/kzsctl.log")" "dump of outbox.db, not of deals.db"
cp "$T/dump/tokens.dump" "$T/bad/tokens.dump"
store_put tokens test:marker "written after the dump"
restore_refused "a restore of everything with one bad dump" "$T/bad"
check_eq "one bad dump: the sound tokens dump was not swapped in either" \
	"$(store_get tokens test:marker)" "written after the dump"
restore_refused "an unknown name" "$T/dump" nosuchname
restore_refused "a name with a slash" "$T/dump" ../deals
restore_refused "a missing folder" "$T/nosuchfolder"
restore_refused "an empty folder" "$T/empty"
restore_refused "a missing dump of the named file" "$T/empty" deals

# recover with a name that is not a state file: refused, nothing created anywhere. With
# the database there is no file to recover: every name is refused, saying so.
if [ "$KZS_BACKEND" = mariadb ]; then refused_as="with backend = mariadb the state is in the database"
else refused_as="unknown state file"; fi
for name in nosuchname a/b ../x; do
	: >"$T/kzsctl.log"
	out=$(kzsctl recover "$name" 2>&1)
	check_eq "recover $name: exit status 1" "$?" 1
	check_match "recover $name: refused, saying why" "$out" "$refused_as"
	check_eq "recover $name: nothing created in the state folder" "$(state_files)" "$files_before"
done
check_eq "recover a/b: no folder a created" "$(ls -d "$T/state/a" "$T/a" 2>/dev/null)" ""
check_eq "recover ../x: nothing beside the state folder" "$(ls -d "$T/x.lock" "$T/x.db" 2>/dev/null)" ""

# A sound dump is restored, with its records.
store_put deals lead:999 later
out=$(kzsctl restore "$T/dump" deals)
check_eq "restore of a sound dump: exit status 0" "$?" 0
check_eq "restore of a sound dump: says so" "$out" "deals    <- $T/dump/deals.dump"
check_eq "restore of a sound dump: the records are the dump's" "$(store_keys deals)" "$keys_before"
out=$(kzsctl restore "$T/dump")
check_eq "restore of every dump: exit status 0" "$?" 0
check_match "restore of every dump: outbox restored too" "$out" "outbox +<- $T/dump/outbox.dump"
check_match "after the restores every file is sound" "$(kzsctl check)" "^OK   $(state_check_name deals): $count_before record"
check_eq "after the restores: no file left behind" "$(state_files)" "$files_before"
