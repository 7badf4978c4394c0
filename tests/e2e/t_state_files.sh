#!/usr/bin/env bash
# The state files: a damaged one is reported clearly and the others keep working; it
# can be recovered, or restored from a dump; expired delivery keys are pruned.
. "$(dirname "$0")/lib.sh"
kzs_setup

post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
wait_until "a contract went out" queue_empty
check_match "check: every file sound" "$(kzsctl check)" "^OK   state file deals: [0-9]+ record"
check_eq "check: exit status 0" "$?" 0

# A dump, then damage to the deals file, then the restore.
mkdir "$T/dump"
check_match "dump: every file written" "$(kzsctl dump "$T/dump")" "deals +-> $T/dump/deals.dump"
deals_before=$(kzsctl check | sed -n 's/^OK   state file deals: \([0-9]*\) record.*/\1/p')
cp "$T/state/deals.db" "$T/deals.db.good"
dd if=/dev/urandom of="$T/state/deals.db" bs=1 count=512 seek=0 conv=notrunc 2>/dev/null
out=$(kzsctl check)
check_eq "check: a damaged file makes it fail" "$?" 1
check_match "check: it names the damaged file" "$out" "^FAIL state file deals: DAMAGED: .*deals.db.*kzsctl recover deals"
check_match "check: the others are still ok" "$out" "^OK   state file outbox: "
# kommo-hook still answers; the lead's job is stored (outbox), and its run reports the damage.
fixture_lead 1002
post_kommo_hook "$(kommo_status_body 1002)"
check_eq "a damaged deals file: webhooks are still accepted" "$STATUS $BODY" "200 accepted 1 of 1"
wait_until "the damage is logged with what to do" bash -c "grep -q 'deals.db.*kzsctl check' '$T/lighttpd.out' '$T/kzsctl.log'"
check_eq "restore: only the damaged file is replaced" "$(kzsctl restore "$T/dump" deals)" "deals    <- $T/dump/deals.dump"
check_match "restore: sound again, same records" "$(kzsctl check)" "^OK   state file deals: $deals_before record"
kzsctl retry >/dev/null
wait_until "after the restore the waiting job runs" queue_empty
check_eq "after the restore: the first lead still has its one request" \
	"$(cat "$FAKE_DIR"/zoho/requests/*.json | grep -c 'ref 1001-')" 1
check_eq "after the restore: the second lead got its request" \
	"$(cat "$FAKE_DIR"/zoho/requests/*.json | grep -c 'ref 1002-')" 1

# gdbm_recover on a file whose records are readable.
check_match "recover: rebuilds the file and keeps a backup" "$(kzsctl recover deals)" "recovered [0-9]+ record\\(s\\), lost 0; backup in .*deals.db"
check_match "recover: sound afterwards" "$(kzsctl check)" "^OK   state file deals: "

# Prune: delivery keys past their expiry go, fresh ones stay.
rid=$(sign_request_ids | head -n 1)
post_zoho_hook "$(zoho_webhook_body "$rid" RequestViewed)"
check_match "prune: nothing expired yet" "$(kzsctl prune)" "^pruned 0 "
check_eq "usage errors exit 2" "$(kzsctl jobs extra >/dev/null 2>&1; echo $?)" 2
