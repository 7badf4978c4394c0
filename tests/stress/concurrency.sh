#!/usr/bin/env bash
# Concurrency: 8 FastCGI processes of each program take 2,000 Kommo webhooks: 250 deals,
# each delivered 8 times, posted by 24 parallel senders, some deals' 8 copies side by
# side (so several processes take the same deal at once), the rest shuffled through
# each other. Afterwards, with drains: exactly one Zoho Sign request and one "Contract
# sent" note per deal, and every GDBM file of the state opens and walks clean.
# KZS_STRESS_LEADS and KZS_STRESS_COPIES change the numbers for a quick run.
. "$(dirname "$0")/../e2e/lib.sh"
LEADS=${KZS_STRESS_LEADS:-250}
COPIES=${KZS_STRESS_COPIES:-8}
SENDERS=24
FIRST=7001
LAST=$((FIRST + LEADS - 1))
VERIFY=$KZS_ROOT/build/stress/gdbm_verify
if [ ! -x "$VERIFY" ]; then
	not_ok "setup: $VERIFY is missing (make stress builds it)"
	exit 1
fi
kzs_setup 8
lift_pacing
started=$SECONDS

requests_per_lead() {
	cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null | jqb -r '.request_name' |
		sed -n 's/.*(ref \([0-9]*\)-.*/\1/p' | sort | uniq -c
}
sent_notes_per_lead() {
	jq -r 'select((.params.text // "") | startswith("Contract sent")) | .entity_id' \
		"$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null | sort | uniq -c
}
# leads_with_exactly_one "COUNT LEAD" LINES: how many of our leads appear exactly once.
leads_with_exactly_one() { awk -v a="$FIRST" -v b="$LAST" '$1 == 1 && $2 >= a && $2 <= b' | wc -l; }
requests_total() { find "$FAKE_DIR/zoho/requests" -name '*.json' 2>/dev/null | wc -l; }

# ---- the deliveries ----
mkdir -p "$T/bodies"
for ((lead = FIRST; lead <= LAST; lead++)); do
	fixture_lead "$lead"
	kommo_status_body "$lead" >"$T/bodies/$lead"
done
# Every other deal's copies go out side by side (one block), the rest one by one; the
# blocks and single copies are shuffled together.
for ((lead = FIRST; lead <= LAST; lead++)); do
	if [ $((lead % 2)) = 0 ]; then
		printf '%s' "$lead"
		for ((c = 1; c < COPIES; c++)); do printf ',%s' "$lead"; done
		echo
	else
		for ((c = 0; c < COPIES; c++)); do echo "$lead"; done
	fi
done | shuf | tr ',' '\n' >"$T/order"
check_eq "$((LEADS * COPIES)) deliveries planned" "$(wc -l <"$T/order")" $((LEADS * COPIES))

t0=$SECONDS
xargs -P "$SENDERS" -I{} curl -s -o /dev/null -w '{} %{http_code}\n' --max-time 60 \
	-H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$T/bodies/{}" \
	"$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET" <"$T/order" >"$T/acks"
echo "# $((LEADS * COPIES)) webhooks posted by $SENDERS senders in $((SECONDS - t0)) s"
check_eq "every delivery acknowledged 200" "$(awk '$2 != 200' "$T/acks" | wc -l) of $(wc -l <"$T/acks")" \
	"0 of $((LEADS * COPIES))"

# ---- drain until nothing is left ----
t0=$SECONDS
if drain_until_empty 600 4; then
	ok "queue drained ($((SECONDS - t0)) s)"
else
	not_ok "queue not empty after 600 s of kzsctl retry + drain"
	kzsctl jobs | head -n 20 | sed 's/^/#   /'
fi

echo "# requests at Zoho: $(requests_total); notes: $(wc -l <"$FAKE_DIR/kommo/notes.jsonl")"
check_eq "exactly one request per lead, $LEADS in all" \
	"$(requests_per_lead | leads_with_exactly_one) $(requests_total)" "$LEADS $LEADS"
dups=$(requests_per_lead | awk '$1 > 1')
[ -z "$dups" ] || printf '#   leads with more than one request (count lead):\n%s\n' "$(sed 's/^/#   /' <<<"$dups")"
check_eq "exactly one \"Contract sent\" note per lead" "$(sent_notes_per_lead | leads_with_exactly_one)" "$LEADS"
check_eq "createdocument succeeded once per lead" \
	"$(jq -s '[.[] | select(.path | endswith("/createdocument")) | select(.status == 200)] | length' "$FAKE_DIR/calls.jsonl")" \
	"$LEADS"

# ---- the state files ----
shopt -s nullglob
dbs=("$T"/state/*.db)
shopt -u nullglob
echo "# state files: $(cd "$T/state" && ls | tr "\n" " ")"
if [ "${#dbs[@]}" -eq 0 ]; then
	not_ok "no GDBM file in the state directory"
else
	out=$("$VERIFY" "${dbs[@]}")
	rc=$?
	sed "s|$T/state/|#   |" <<<"$out"
	check_eq "all ${#dbs[@]} GDBM files open, walk and verify clean" "$rc" 0
fi
echo "# run took $((SECONDS - started)) s"
