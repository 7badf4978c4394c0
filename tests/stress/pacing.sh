#!/usr/bin/env bash
# Pacing: the real limits ([limits] defaults: Kommo 6 calls/s, Zoho Sign 45 calls/min;
# the fakes enforce Kommo's 7/s and Zoho's 50/min). One Kommo POST brings 300 deals into
# "Contract": it is acknowledged within Kommo's 2 s, then the contracts go out no faster
# than the limits allow: no 429 from the fakes, no second with more than 7 Kommo calls,
# no minute with more than 50 Zoho Sign calls. At 45 calls/min 300 contracts take about
# 7 minutes; KZS_STRESS_LEADS=60 makes a quick run.
. "$(dirname "$0")/../e2e/lib.sh"
LEADS=${KZS_STRESS_LEADS:-300}
FIRST=9001
LAST=$((FIRST + LEADS - 1))
kzs_setup 4
started=$SECONDS

requests_total() { find "$FAKE_DIR/zoho/requests" -name '*.json' 2>/dev/null | wc -l; }
requests_per_lead() {
	cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null | jqb -r '.request_name' |
		sed -n 's/.*(ref \([0-9]*\)-.*/\1/p' | sort | uniq -c
}
# calls_of SERVICE: how many calls reached that fake.
calls_of() { jq -s --arg s "$1" '[.[] | select(.service == $s)] | length' "$FAKE_DIR/calls.jsonl"; }
# span_s SERVICE: seconds from the first to the last call to that fake (3 decimals).
span_s() {
	jq -s --arg s "$1" '[.[] | select(.service == $s) | .at_ms] | if length > 1 then (max - min) / 1000 else 0 end' \
		"$FAKE_DIR/calls.jsonl"
}

# The limits are the defaults: none of them is in the config, and the fakes use theirs.
check_eq "no [limits] in the config: the defaults apply" "$(grep -c '^\[limits\]' "$T/kzs.conf")" 0
check_eq "the fakes enforce their default limits" \
	"$(cat "$FAKE_DIR/kommo/rate_limit" "$FAKE_DIR/zoho/rate_limit" 2>/dev/null)" ""

# ---- one POST with every deal ----
p="leads%5Bstatus%5D"
for ((lead = FIRST, i = 0; lead <= LAST; lead++, i++)); do
	fixture_lead "$lead"
	printf '%s%%5B%d%%5D%%5Bid%%5D=%s&%s%%5B%d%%5D%%5Bstatus_id%%5D=%s&%s%%5B%d%%5D%%5Bpipeline_id%%5D=%s&%s%%5B%d%%5D%%5Bold_status_id%%5D=67548607&' \
		"$p" "$i" "$lead" "$p" "$i" "$TRIGGER_STATUS_ID" "$p" "$i" "$PIPELINE_ID" "$p" "$i"
done >"$T/burst.body"
printf 'account%%5Bid%%5D=%s&account%%5Bsubdomain%%5D=acme' "$ACCOUNT_ID" >>"$T/burst.body"
echo "# one webhook carrying $LEADS deals, $(wc -c <"$T/burst.body") bytes"

answer=$(curl -s -o "$T/burst.answer" -w '%{http_code} %{time_total}' --max-time 30 \
	-H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$T/burst.body" \
	"$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET")
echo "# kommo-hook answered $LEADS deals in ${answer#* } s (Kommo waits 2 s)"
check_eq "the burst is acknowledged" "${answer% *} $(cat "$T/burst.answer")" "200 accepted $LEADS of $LEADS"
check_match "acknowledged within Kommo's 2 s (${answer#* } s)" \
	"$(awk -v t="${answer#* }" 'BEGIN { print (t < 2.0) ? "under 2 s" : "over 2 s" }')" '^under 2 s$'

# ---- the contracts go out at the pace allowed ----
# 45 calls per minute, and a margin for the token and the template read.
bound=$((120 + LEADS * 60 / 45 * 3 / 2))
t0=$SECONDS
deadline=$((SECONDS + bound))
last_report=$SECONDS
until [ "$(requests_total)" -ge "$LEADS" ] && queue_is_empty; do
	if [ "$SECONDS" -ge "$deadline" ]; then
		not_ok "only $(requests_total) of $LEADS requests at Zoho after $bound s"
		kzsctl jobs | head -n 10 | sed 's/^/#   /'
		break
	fi
	kzsctl drain >/dev/null # the cron line, here every few seconds
	if [ $((SECONDS - last_report)) -ge 60 ]; then
		echo "# $((SECONDS - t0)) s: $(requests_total) of $LEADS requests at Zoho"
		last_report=$SECONDS
	fi
	sleep 2
done
took=$((SECONDS - t0))
[ "$(requests_total)" -ge "$LEADS" ] && ok "all $LEADS requests reached Zoho ($took s)"

check_eq "exactly one request per lead" \
	"$(requests_per_lead | awk -v a="$FIRST" -v b="$LAST" '$1 == 1 && $2 >= a && $2 <= b' | wc -l) $(requests_total)" \
	"$LEADS $LEADS"
check_eq "zero 429 answers from the fakes" \
	"$(jq -s '[.[] | select(.status == 429)] | length' "$FAKE_DIR/calls.jsonl")" 0

sign_max=$(max_in_window sign 60000)
kommo_max=$(max_in_window kommo 1000)
sign_n=$(calls_of sign) kommo_n=$(calls_of kommo)
sign_span=$(span_s sign) kommo_span=$(span_s kommo)
echo "# Zoho Sign: $sign_n calls in $sign_span s = $(awk -v n="$sign_n" -v s="$sign_span" 'BEGIN { printf "%.1f", (s > 0 ? (n - 1) * 60 / s : 0) }') per minute; busiest 60 s window: $sign_max (limit 50, paced at 45)"
echo "# Kommo: $kommo_n calls in $kommo_span s = $(awk -v n="$kommo_n" -v s="$kommo_span" 'BEGIN { printf "%.2f", (s > 0 ? (n - 1) / s : 0) }') per second; busiest 1 s window: $kommo_max (limit 7, paced at 6)"
check_match "no 60 s window with more than 50 Zoho Sign calls ($sign_max)" "$sign_max" '^([0-9]|[1-4][0-9]|50)$'
check_match "no 1 s window with more than 7 Kommo calls ($kommo_max)" "$kommo_max" '^[0-7]$'
check_eq "every request's note reached Kommo" \
	"$(jq -r 'select((.params.text // "") | startswith("Contract sent")) | .entity_id' "$FAKE_DIR/kommo/notes.jsonl" | sort -u | wc -l)" \
	"$LEADS"
echo "# run took $((SECONDS - started)) s"
