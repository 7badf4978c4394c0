#!/usr/bin/env bash
# make bench: webhook answer latency through lighttpd (ab, 1,000 posts each), the time
# from a webhook to its createdocument arriving at the fake Zoho (30 leads), and the send
# schedule of a burst of 300 deals against Zoho's pace (a PNG too when gnuplot is there).
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

# ---- a burst's send schedule against the pace ----
BURST=${KZS_BENCH_BURST:-300}
PACE=${KZS_BENCH_BURST_PACE:-45} # [limits] zoho_calls_per_minute for this part (the default)
LATENCY=${KZS_BENCH_LATENCY_MS:-150} # on every call to the fakes
CRON_EVERY=${KZS_BENCH_CRON_EVERY:-300} # the cron line's interval; its runs last cron_drain_seconds (280)
CRON_BEFORE=${KZS_BENCH_CRON_BEFORE:-5} # its first run starts this long before the burst
ideal=$(awk -v n="$BURST" -v p="$PACE" 'BEGIN { printf "%d", 1.1 * n * 60 / p + 0.5 }')
echo
echo "== A burst of $BURST deals moved at once: createdocument calls by time against the pace"
echo "   (the remotes' limits as configured by default, Kommo 6 calls/s and Zoho Sign"
echo "    zoho_calls_per_minute = $PACE, $LATENCY ms on every remote call; the web processes work"
echo "    after answering as configured, and the cron line's kzsctl drain --watch starts every"
echo "    $CRON_EVERY s, the first $CRON_BEFORE s before the burst; the goal: all sent within"
echo "    1.1 x N / pace = $ideal s)"
kzs_conf_set limits kommo_calls_per_second 6
kzs_conf_set limits zoho_calls_per_minute "$PACE"
rm -f "$FAKE_DIR/kommo/rate_limit" "$FAKE_DIR/zoho/rate_limit" "$T"/state/pace-* # the lifted limits above
fault '*' '*' / 0 delay "$LATENCY"
: >"$FAKE_DIR/calls.jsonl"
for i in $(seq 1 "$BURST"); do fixture_lead $((9000 + i)); done
# The cron line, in a session of its own so that its runs can be stopped together.
KZS_CONFIG=$T/kzs.conf setsid bash -c 'while :; do "$1" drain --watch >/dev/null & sleep "$2"; done' cron "$KZS_OUT/deploy/kzsctl" \
	"$CRON_EVERY" 2>>"$T/kzsctl.log" &
cron=$!
sleep "$CRON_BEFORE"
start=$(date +%s%3N)
posts=()
for first in $(seq 1 50 "$BURST"); do # Kommo sends a bulk move as webhooks of up to 50 leads
	body="account%5Bid%5D=$ACCOUNT_ID"
	for i in $(seq "$first" $((first + 49 < BURST ? first + 49 : BURST))); do
		p="leads%5Bstatus%5D%5B$i%5D"
		body="$body&$p%5Bid%5D=$((9000 + i))&$p%5Bstatus_id%5D=$TRIGGER_STATUS_ID&$p%5Bpipeline_id%5D=$PIPELINE_ID"
	done
	curl -s -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$body" "$url" &
	posts+=($!)
done
wait "${posts[@]}"
burst_sent() {
	jq -r 'select(.status == 200 and (.path | endswith("/createdocument"))) | .at_ms' "$FAKE_DIR/calls.jsonl" |
		awk -v s="$start" '{ printf "%.1f\n", ($1 - s) / 1000 }' | sort -n
}
deadline=$((SECONDS + 2 * ideal))
until [ "$(burst_sent | wc -l)" -ge "$BURST" ] || [ "$SECONDS" -ge "$deadline" ]; do sleep 1; done
kill -TERM -- -"$cron" 2>/dev/null
wait "$cron" 2>/dev/null
burst_sent >"$T/burst.times"
awk -v n="$BURST" -v p="$PACE" -v ideal="$ideal" '
	{ t[NR] = $1 }
	END {
		printf "   %8s  %10s  %16s\n", "time (s)", "deals sent", "at the pace"
		for (k = 1; k <= 12; k++) {
			at = ideal * k / 10; sent = 0
			for (i = 1; i <= NR; i++) if (t[i] <= at) sent++
			line = p / 60 * at; if (line > n) line = n
			printf "   %8.0f  %10d  %16.0f\n", at, sent, line
		}
		if (NR < n) { printf "   only %d of %d sent within %d s\n", NR, n, 2 * ideal; exit }
		printf "   all %d sent after %.1f s: %.2f x N / pace (goal: at most 1.10)\n", n, t[NR], t[NR] / (n * 60 / p)
	}' "$T/burst.times"
if command -v gnuplot >/dev/null 2>&1; then
	mkdir -p "$KZS_ROOT/build/bench"
	awk '{ print $1, NR }' "$T/burst.times" >"$T/burst.dat"
	gnuplot <<-EOF
		set terminal png size 800,500 noenhanced
		set output "$KZS_ROOT/build/bench/burst.png"
		set title "A burst of $BURST deals: createdocument calls by time (zoho_calls_per_minute = $PACE)"
		set xlabel "seconds after the burst"
		set ylabel "deals sent"
		set key left top
		set xrange [0:$((ideal * 12 / 10))]
		set yrange [0:$((BURST * 11 / 10))]
		set arrow from $ideal,0 to $ideal,$BURST nohead dashtype 2
		set label "goal: all sent by 1.1 x N / pace" at $ideal,$((BURST / 2)) right offset -1,0
		plot "$T/burst.dat" using 1:2 with steps title "sent", \
			(x * $PACE / 60.0 < $BURST ? x * $PACE / 60.0 : $BURST) title "at the pace"
	EOF
	echo "   chart: build/bench/burst.png"
fi
