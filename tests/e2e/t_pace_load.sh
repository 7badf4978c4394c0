#!/usr/bin/env bash
# The shared rate limit holds however many processes wait for it: with 20 deals due and
# 20 accepted requests at once as plain CGI, 16 of them working the queue together
# ([limits] drainers = 16), Kommo never answers 429 (the fake allows 7 calls in any
# second, we pace at 6 in any 1.1 s) and Zoho Sign never either. The file drive's calls
# count in Kommo's pace: 20 completions at once take their turns in one pacing file.
. "$(dirname "$0")/lib.sh"
kzs_setup 2

cgi_accepted() { # LEAD: a webhook for a lead in another stage: accepted, nothing queued
	local body
	body=$(kommo_status_body "$1" 67548600)
	printf '%s' "$body" | env -i PATH="$PATH" KZS_CONFIG="$T/kzs.conf" REQUEST_METHOD=POST \
		CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH="${#body}" \
		QUERY_STRING="secret=$HOOK_SECRET" "$KZS_OUT/cgi-bin/kommo-hook" >/dev/null 2>>"$T/kzsctl.log"
}
# max_in_window_file FILE: max_in_window kommo 1100 over another call log.
max_in_window_file() { (FAKE_DIR=$(mktemp -d) && cp "$1" "$FAKE_DIR/calls.jsonl" && max_in_window kommo 1100 && rm -r "$FAKE_DIR"); }
status_count() { jq -s --arg s "$1" --argjson c "$2" '[.[] | select(.service == $s and .status == $c)] | length' \
	"$FAKE_DIR/calls.jsonl"; }

# 20 deals are queued while Kommo fails, then made due at once.
for lead in $(seq 1501 1520); do fixture_lead "$lead"; done
fault kommo GET /api/v4/leads/15 20 status 500
for lead in $(seq 1501 1520); do post_kommo_hook "$(kommo_status_body "$lead")"; done
failed_once() { [ "$(kzsctl jobs | grep -c 'attempts=1')" = 20 ]; }
wait_within 60 "20 jobs failed once" failed_once
kzs_conf_set limits drainers 16
kzsctl retry >/dev/null
rm -f "$FAKE_DIR/calls.jsonl" "$FAKE_DIR"/*/rate_window

pids=()
for i in $(seq 20); do
	cgi_accepted 1501 &
	pids+=($!)
done
wait "${pids[@]}"
wait_within 120 "the cron drain did what the time boxes left" queue_empty
sent=$(find "$FAKE_DIR/zoho/requests" -name '*.json' | wc -l)
check_eq "every deal got its request" "$sent" 20
echo "# most Kommo calls in any second: $(max_in_window kommo 1000); in any 1.1 s: $(max_in_window kommo 1100)"
check_eq "Kommo never answered 429" "$(status_count kommo 429)" 0
check_eq "Zoho Sign never answered 429" "$(status_count sign 429)" 0

# ---- the drive's calls count in Kommo's pace ----
rm -f "$FAKE_DIR/calls.jsonl" "$FAKE_DIR"/*/rate_window
for rid in $(sign_request_ids); do
	sign_set_status "$rid" completed
	post_zoho_hook "$(zoho_webhook_body "$rid" RequestCompleted)" &
done
wait
wait_within 180 "the cron drain finished the completions" queue_empty
check_eq "every deal got its signed PDF on the drive" "$(calls drive POST /drive | awk '{ print ($1 >= 20) }')" 1
jq -c 'if .service == "drive" then .service = "kommo" else . end' "$FAKE_DIR/calls.jsonl" >"$T/together.jsonl"
together=$(max_in_window_file "$T/together.jsonl")
# A figure, not a check: under load a process may send later than its turn (before: 13).
echo "# Kommo and its drive together: at most $together calls in any 1.1 s"
check_eq "one pacing ring for Kommo and its drive" "$(pace_rings | tr '\n' ' ')" "pace-kommo pace-zoho "
