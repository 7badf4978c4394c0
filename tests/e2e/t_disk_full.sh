#!/usr/bin/env bash
# A full disk loses nothing that was acknowledged. The state folder is a small tmpfs
# (mounted in a mount namespace of this test's own). Kommo answers 500, so the jobs stay
# queued, while webhooks of 20 leads each come until the disk is full: then 503, and
# drains on the full disk change nothing and damage nothing. Then Kommo answers again
# while a filler file takes all the space at random moments, and webhooks, drains and
# Zoho's completions go on; whatever got 503 is delivered again, as Kommo and Zoho do.
# kzsctl check finds no state file damaged on the full disk (only its test write fails).
# Once the space is back: kzsctl check is clean, every lead has exactly one request at
# Zoho, one stage move, one PDF, no note twice.
if [ -z "${KZS_DISK_NS:-}" ]; then
	export KZS_DISK_NS=1
	# lighttpd, our programs and the fakes are started inside, so they see the mount.
	if [ "$(id -u)" = 0 ] && unshare -m --propagation private true 2>/dev/null; then
		exec unshare -m --propagation private bash "$0" "$@"
	elif unshare -Urm true 2>/dev/null; then
		exec unshare -Urm bash "$0" "$@"
	fi
	echo "not ok - no mount namespace for the small state disk: neither root with unshare -m nor unshare -Urm works here"
	exit 1
fi
. "$(dirname "$0")/lib.sh"
kzs_setup
lift_pacing
FIRST=70001
DISK_KIB=8192       # the tmpfs
PHASE1_FREE_KIB=340 # left free for the first phase: some 150 leads
CHAOS_ROUNDS=6      # webhooks, drains and completions while the disk fills and empties

if ! mount -t tmpfs -o "size=${DISK_KIB}k,mode=700" tmpfs "$T/state"; then
	not_ok "cannot mount a ${DISK_KIB} KiB tmpfs on the state folder"
	exit 1
fi
trap 'rc=$?; umount -l "$T/state" 2>/dev/null; (exit $rc); kzs_teardown' EXIT

# ctl ARGS...: kzsctl, given up after 120 s; once one was, every later call fails at
# once (a lock held for good fails the test instead of hanging it).
ctl() {
	[ ! -e "$T/hung" ] || return 1
	KZS_CONFIG=$T/kzs.conf timeout 120 "$KZS_OUT/deploy/kzsctl" "$@" 2>>"$T/kzsctl.log"
	local rc=$?
	[ "$rc" != 124 ] || echo "kzsctl $*" >"$T/hung"
	return "$rc"
}
no_jobs() { local out; out=$(ctl jobs) && [ -z "$out" ]; }
free_bytes() { df -B1 --output=avail "$T/state" | tail -n 1 | tr -d ' '; }
# fill NAME: a file NAME in the state folder takes every byte that is left.
fill() { dd if=/dev/zero of="$T/state/$1" bs=16k 2>/dev/null; }

# leads_body FIRST: a status_lead webhook moving 20 leads FIRST.. into the trigger stage.
leads_body() {
	local i p body=""
	for ((i = 0; i < 20; i++)); do
		p="leads%5Bstatus%5D%5B$i%5D"
		body+="$p%5Bid%5D=$(($1 + i))&$p%5Bstatus_id%5D=$TRIGGER_STATUS_ID&$p%5Bpipeline_id%5D=$PIPELINE_ID"
		body+="&$p%5Bold_status_id%5D=67548607&$p%5Bresponsible_user_id%5D=$RESPONSIBLE_USER_ID"
		body+="&$p%5Bupdated_at%5D=$(date +%s)&"
	done
	printf '%saccount%%5Bid%%5D=%s&account%%5Bsubdomain%%5D=acme' "$body" "$ACCOUNT_ID"
}
# batch K: posts batch K (leads FIRST+20K..), writing their fixtures first; appends
# "K STATUS" to $T/hooks.
batch() {
	local first=$((FIRST + 20 * $1)) id
	for ((id = first; id < first + 20; id++)); do
		[ -f "$FAKE_DIR/kommo/leads/$id.json" ] ||
			sed "s/$FIRST/$id/g" "$FAKE_DIR/kommo/leads/$FIRST.json" >"$FAKE_DIR/kommo/leads/$id.json"
	done
	post_kommo_hook "$(leads_body "$first")"
	echo "$1 $STATUS" >>"$T/hooks"
}
acked_leads() {
	awk '$2 == 200 { print $1 }' "$T/hooks" | sort -un |
		while read -r k; do seq $((FIRST + 20 * k)) $((FIRST + 20 * k + 19)); done
}
queued_leads() { ctl jobs | sed -n 's/^send:\([0-9]*\) .*/\1/p' | sort -n; }
requests_per_lead() {
	cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null | jqb -r '.request_name' |
		sed -n 's/.*(ref \([0-9]*\)-.*/\1/p' | sort | uniq -c
}
# "LEAD REQUEST" for every "Contract sent" note.
sent_requests() {
	jq -r 'select((.params.text // "") | startswith("Contract sent")) | "\(.entity_id) \(.params.text)"' \
		"$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null | sed -n 's/^\([0-9]*\) .*Zoho Sign request \([0-9]*\)\.$/\1 \2/p' | sort -u
}
# complete: Zoho's RequestCompleted for every sent contract not yet acknowledged; a 503
# is delivered again next time, as Zoho does.
complete() {
	local lead rid
	sent_requests | while read -r lead rid; do
		grep -qx "$lead" "$T/completed" && continue
		sign_set_status "$rid" completed
		post_zoho_hook "$(zoho_webhook_body "$rid" RequestCompleted)"
		echo "$STATUS" >>"$T/zoho_codes"
		[ "$STATUS" = 200 ] && echo "$lead" >>"$T/completed"
	done
}
operator_drain() { ctl retry >/dev/null; ctl drain >/dev/null; }
# check_clean DESC STATUS [FAILS_RE [ARGS]]: kzsctl check [ARGS] reads every state file
# through and finds none damaged, exits with STATUS, and fails on nothing but what
# FAILS_RE matches. It runs on a copy of the config with the usual pacing (this test
# lifts it, which the check would rightly fail on).
check_clean() {
	local out rc
	(umask 077 && grep -vE '^(kommo_calls_per_second|zoho_calls_per_minute) =' "$T/kzs.conf" >"$T/check.conf")
	out=$(KZS_CONFIG=$T/check.conf timeout 120 "$KZS_OUT/deploy/kzsctl" check ${4:-} 2>>"$T/kzsctl.log")
	rc=$?
	check_eq "$1: no state file damaged" "$(grep -c DAMAGED <<<"$out")" 0
	check_eq "$1: kzsctl check: exit status $2, no other failure" \
		"$rc $(grep '^FAIL' <<<"$out" | grep -vcE "${3:-^$}")" "$2 0"
	grep -E 'DAMAGED|^FAIL' <<<"$out" | sed 's/^/#   /'
}
: >"$T/hooks"
: >"$T/completed"
: >"$T/zoho_codes"
fixture_lead "$FIRST"

# ---- phase 1: Kommo answers 500, webhooks until the disk is full ----
fault "kommo GET /api/v4/leads 0 status 500"
fallocate -l $(($(free_bytes) - PHASE1_FREE_KIB * 1024)) "$T/state/ballast"
k=0
while [ "$k" -lt 60 ] && [ "$(awk '$2 == 503' "$T/hooks" | wc -l)" -lt 3 ]; do
	batch "$k"
	k=$((k + 1))
done
n200=$(awk '$2 == 200' "$T/hooks" | wc -l)
n503=$(awk '$2 == 503' "$T/hooks" | wc -l)
echo "# phase 1: $n200 webhooks answered 200 ($((n200 * 20)) leads acknowledged), $n503 answered 503"
check_match "phase 1: webhooks were acknowledged before the disk was full" "$n200" '^[1-9]'
check_eq "phase 1: then the full disk answered 503" "$n503" 3
check_eq "phase 1: only 200 and 503" "$(awk '$2 != 200 && $2 != 503' "$T/hooks" | wc -l)" 0
wait_until "phase 1: the log says why (no room reserved)" grep -q 'cannot reserve' "$T/lighttpd.out"
acked_leads >"$T/acked1"
missing() { comm -23 "$1" <(queued_leads); }
check_eq "phase 1: every acknowledged lead is queued" "$(missing "$T/acked1" | wc -l)" 0
queued_leads >"$T/queued1"

# The cron's drains on the full disk (Kommo still 500): every job update is refused.
for _ in 1 2 3; do operator_drain; done
check_eq "full disk, after 3 drains: no acknowledged lead lost" "$(missing "$T/acked1" | wc -l)" 0
check_eq "full disk, after 3 drains: the queue holds the same jobs" "$(queued_leads | md5sum)" "$(md5sum <"$T/queued1")"
check_clean "full disk, after 3 drains" 1 '^FAIL state folder: .*test write failed: No space left on device' --offline

# ---- phase 2: Kommo answers; the disk fills and empties at random moments ----
flock "$FAKE_DIR/faults.lock" sh -c ': >"$1"' sh "$FAKE_DIR/faults"
rm "$T/state/ballast"
(
	while [ ! -e "$T/chaos.stop" ]; do
		sleep "0.$((RANDOM % 9 + 1))"
		fill filler
		sleep "0.$((RANDOM % 9 + 1))"
		rm -f "$T/state/filler"
	done
) &
chaos=$!
for ((round = 0; round < CHAOS_ROUNDS; round++)); do
	batch "$k"
	k=$((k + 1))
	operator_drain
	complete
done
touch "$T/chaos.stop"
wait "$chaos"
rm -f "$T/state/filler"
echo "# phase 2: $k webhooks in all, $(awk '$2 == 503' "$T/hooks" | wc -l) answered 503;" \
	"completions: $(grep -c 200 "$T/zoho_codes") answered 200, $(grep -c 503 "$T/zoho_codes") 503"
check_match "phase 2: the disk was full at times (503s to Kommo or Zoho)" \
	"$(($(awk '$2 == 503' "$T/hooks" | wc -l) - 3 + $(grep -c 503 "$T/zoho_codes")))" '^[1-9]'

# ---- the space is back: what got 503 comes again, everything goes through ----
for b in $(awk '$2 != 200 { print $1 }' "$T/hooks" | sort -un); do
	grep -q "^$b 200$" "$T/hooks" || batch "$b"
done
check_eq "space back: every webhook is acknowledged now" \
	"$(for ((b = 0; b < k; b++)); do grep -q "^$b 200$" "$T/hooks" || echo "$b"; done | wc -l)" 0
leads=$((20 * k))
deadline=$((SECONDS + 300))
until [ "$(sort -u "$T/completed" | wc -l)" -ge "$leads" ] && no_jobs; do
	if [ "$SECONDS" -ge "$deadline" ] || [ -e "$T/hung" ]; then
		not_ok "space back: not done after 300 s: $(sort -u "$T/completed" | wc -l) of $leads completed, $(ctl jobs | wc -l) jobs queued"
		ctl jobs | head -n 5 | sed 's/^/#   /'
		break
	fi
	operator_drain
	complete
done
check_eq "no kzsctl call waited for good" "$(cat "$T/hung" 2>/dev/null)" ""
check_clean "space back" 0

rq=$(requests_per_lead)
echo "# $leads leads, $(grep -c . <<<"$rq") with a request at Zoho, $(awk '{ s += $1 } END { print s + 0 }' <<<"$rq") requests"
check_eq "every lead has exactly one request at Zoho" "$(awk '$1 == 1' <<<"$rq" | wc -l) $(awk '$1 > 1' <<<"$rq" | wc -l)" "$leads 0"
awk '$1 > 1' <<<"$rq" | head -n 5 | sed 's/^/#   more than one: /'
moves=$(jq -r 'select(.method == "PATCH" and (.status == 200)) | .path' "$FAKE_DIR/calls.jsonl" |
	sed -n 's|^/api/v4/leads/\([0-9]*\)$|\1|p' | sort | uniq -c)
check_eq "every lead moved to the signed stage exactly once" "$(awk '$1 == 1' <<<"$moves" | wc -l) $(awk '$1 > 1' <<<"$moves" | wc -l)" "$leads 0"
links=$(sed -n 's/.*"lead_id":\([0-9]*\).*/\1/p' "$FAKE_DIR/kommo/lead_files.jsonl" 2>/dev/null | sort | uniq -c)
check_eq "every lead has exactly one PDF" "$(awk '$1 == 1' <<<"$links" | wc -l) $(awk '$1 > 1' <<<"$links" | wc -l)" "$leads 0"
notes=$(jq -r '"\(.entity_id)\t\(.note_type)\t\(.params.text // .params.file_name)"' "$FAKE_DIR/kommo/notes.jsonl")
check_eq "no note twice on a lead" "$(sort <<<"$notes" | uniq -d | wc -l)" 0
check_eq "no state file was ever reported damaged" \
	"$(app_log | grep -cE 'Unexpected end of file|see kzsctl check|need recovery|DAMAGED')" 0
app_log | grep -E 'Unexpected end of file|see kzsctl check|need recovery|DAMAGED' | head -n 3 | sed 's/^/#   /'
fixture_lead 99999
post_kommo_hook "$(kommo_status_body 99999)"
check_eq "space back: kommo-hook acknowledges a new deal" "$STATUS $BODY" "200 accepted 1 of 1" ||
	tail -n 5 "$T/lighttpd.out" | sed 's/^/#   /'
echo "# the state disk at the end: $(df -k --output=used,avail "$T/state" | tail -n 1) KiB used, free;" \
	"$(cd "$T/state" && ls -s --block-size=K ./*.db | tr '\n' ' ')"
