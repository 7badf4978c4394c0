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
echo "    createdocument; a lead takes 4 Kommo calls, and the shared pacing allows 6 in"
echo "    any 1.1 s, so a lead that comes 1 s after the last one waits up to 0.1 s for a slot)"

# ---- signing outcomes: completed webhook -> PATCH, and calls per deal lifecycle ----
DEALS=${KZS_BENCH_DEALS:-200}
echo
echo "== Completed webhook to the stage move (PATCH) at the fake Kommo ($DEALS deals)"
echo "   (the remotes' rate limits are lifted here, in the fakes and in [limits], to measure"
echo "    our own processing; at the real limits a deal makes 8 Kommo API calls at 6/s,
    plus 4 to the drive)"
for f in kommo/rate_limit zoho/rate_limit; do echo 0 >"$FAKE_DIR/$f"; done
kzs_conf_set limits kommo_calls_per_second 100000
kzs_conf_set limits zoho_calls_per_minute 100000
: >"$FAKE_DIR/calls.jsonl"
body="account%5Bid%5D=$ACCOUNT_ID"
for i in $(seq 1 "$DEALS"); do
	lead=$((7000 + i)) p="leads%5Bstatus%5D%5B$i%5D"
	fixture_lead "$lead"
	body="$body&$p%5Bid%5D=$lead&$p%5Bstatus_id%5D=$TRIGGER_STATUS_ID&$p%5Bpipeline_id%5D=$PIPELINE_ID"
done
curl -s -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$body" "$url"
until [ -z "$(kzsctl jobs 2>/dev/null)" ]; do kzsctl drain >/dev/null; sleep 0.2; done
: >"$T/completed"
for rid in $(cat "$FAKE_DIR"/zoho/requests/*.json | jqb -r 'select(.request_name | test("ref 7[0-9]{3}-")) | .request_id'); do
	sign_set_status "$rid" completed
	payload=$(zoho_webhook_body "$rid" RequestCompleted)
	lead=$(jqb -r '.requests.request_name | capture("ref (?<l>[0-9]+)-").l' <<<"$payload")
	printf '%s %s\n' "$lead" "$(date +%s%3N)" >>"$T/completed"
	post_zoho_hook "$payload"
	sleep 0.1
done
until [ -z "$(kzsctl jobs 2>/dev/null)" ]; do kzsctl drain >/dev/null; sleep 0.2; done
jq -r 'select(.method == "PATCH" and .status == 200) | "\(.path | ltrimstr("/api/v4/leads/")) \(.at_ms)"' \
	"$FAKE_DIR/calls.jsonl" | sort >"$T/patched"
sort "$T/completed" | join - "$T/patched" | awk '{ print $3 - $2 }' | sort -n >"$T/deltas"
awk '{ d[NR] = $1 } END {
	if (NR == 0) { print "no PATCH arrived"; exit 1 }
	i50 = int((NR - 1) * 0.50) + 1; i99 = int((NR - 1) * 0.99) + 1
	printf "deals=%d  p50=%d ms  p99=%d ms  min=%d ms  max=%d ms\n", NR, d[i50], d[i99], d[1], d[NR] }' "$T/deltas"

echo
echo "== API calls per deal lifecycle (contract sent, then completed), average over $DEALS deals"
jq -r '"\(.service) \(.method) \(.path | gsub("[0-9]{3,}"; "{id}") | gsub("/upload/[^/]+$"; "/upload/{session}"))"' \
	"$FAKE_DIR/calls.jsonl" | sort | uniq -c |
	awk -v n="$DEALS" '{ c = $1; $1 = ""; printf "%8.2f %s\n", c / n, $0; total += c }
		END { printf "%8.2f  in all (Kommo, drive, Zoho Sign, Zoho Accounts)\n", total / n }'
