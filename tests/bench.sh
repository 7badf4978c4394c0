#!/usr/bin/env bash
# make bench: webhook answer latency through lighttpd (ab, 1,000 posts each), and the
# time from a webhook to its createdocument arriving at the fake Zoho (30 leads).
. "$(dirname "$0")/e2e/lib.sh"
kzs_setup "${KZS_BENCH_PROCS:-2}"
N=${KZS_BENCH_POSTS:-1000}
LEADS=${KZS_BENCH_LEADS:-30}
url="$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET"

# ab_latency NAME BODY: p50/p99/max in ms over N sequential posts.
ab_latency() {
	printf '%s' "$2" >"$T/ab.body"
	ab -q -n "$N" -c "${3:-1}" -e "$T/ab.csv" -p "$T/ab.body" -T application/x-www-form-urlencoded \
		"$url" >"$T/ab.out" 2>&1
	# ab's csv has the percentiles with fractions of a millisecond.
	awk -F, -v name="$1" -v n="$N" -v c="${3:-1}" '
		FNR == NR { if ($1 == 50) p50 = $2; if ($1 == 99) p99 = $2; if ($1 == 100) max = $2; next }
		/^Non-2xx responses/ { bad = $3 }
		/^Failed requests/ { split($0, f, ":"); failed = f[2] + 0 }
		/^Requests per second/ { split($0, r, ":"); rps = r[2] + 0 }
		END { printf "%-44s n=%d c=%d  p50=%.2f ms  p99=%.2f ms  max=%.2f ms  %.0f req/s  failed=%d non-2xx=%d\n",
			name, n, c, p50, p99, max, rps, failed, bad }' "$T/ab.csv" "$T/ab.out"
}

echo "== Webhook answer latency through lighttpd (kommo-hook, ${KZS_MAX_PROCS} FastCGI processes)"
ab_latency "ignored event (other stage: parse+auth only)" "$(kommo_status_body "$LEAD_ID" "$SIGNED_STATUS_ID")"
ab_latency "accepted event (durable job write + drain)" "$(kommo_status_body "$LEAD_ID")"
ab_latency "accepted event, 4 concurrent senders" "$(kommo_status_body "$LEAD_ID")" 4
echo "   (the accepted posts are one lead delivered again and again: after its first request"
echo "    the job finds it in flight, so the figure is the ingest path without remote calls)"
echo "   requests Zoho received for that lead: $(sign_request_ids | wc -l)"

echo
echo "== Webhook to createdocument at the fake Zoho ($LEADS leads, one webhook a second)"
: >"$T/posted"
for i in $(seq 1 "$LEADS"); do
	lead=$((5000 + i))
	fixture_lead "$lead"
	printf '%s %s\n' "$lead" "$(date +%s%3N)" >>"$T/posted"
	curl -s -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary "$(kommo_status_body "$lead")" "$url"
	sleep 1
done
deadline=$((SECONDS + 60))
until [ "$(sign_request_ids | wc -l)" -ge $((LEADS + 1)) ] || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.2; done
jq -r 'select(.path | endswith("/createdocument")) | select(.status == 200)
	| "\(.body | capture("ref%20(?<l>[0-9]+)-").l) \(.at_ms)"' "$FAKE_DIR/calls.jsonl" |
	sort >"$T/created"
sort "$T/posted" | join - "$T/created" | awk '{ print $3 - $2 }' | sort -n >"$T/deltas"
awk '{ d[NR] = $1 } END {
	if (NR == 0) { print "no createdocument arrived"; exit 1 }
	i50 = int((NR - 1) * 0.50) + 1; i99 = int((NR - 1) * 0.99) + 1
	printf "leads=%d  p50=%d ms  p99=%d ms  min=%d ms  max=%d ms\n", NR, d[i50], d[i99], d[1], d[NR] }' "$T/deltas"
echo "   (each: re-read lead, contact and company, the template (cached after the first),"
echo "    createdocument; a lead takes 4 Kommo calls, so one a second stays under the"
echo "    shared pacing of 6 Kommo calls/s, which would otherwise add the wait for a slot)"
