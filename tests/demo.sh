#!/usr/bin/env bash
# make demo: runs the programs behind lighttpd on 127.0.0.1 against the built-in
# sandbox (the fake Kommo and Zoho servers), walks one deal into "Contract" and shows
# what each side received. Keeps serving until Ctrl-C; --once exits after the walk.
. "$(dirname "$0")/e2e/lib.sh"
once=0
[ "${1:-}" = --once ] && once=1

kzs_setup
ms() { date +%s%3N; }
say() { printf '\n== %s\n' "$*"; }

say "Sandbox running"
cat <<EOF
kommo-hook      $APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET
zoho-hook       $APP_URL/cgi-bin/zoho-hook
oauth-callback  $APP_URL/cgi-bin/oauth-callback
fake Kommo      $KOMMO_URL/api/v4/leads/$LEAD_ID   (token in $FAKE_DIR/kommo/token)
fake Zoho Sign  $SIGN_URL/api/v1
fake Accounts   $ACCOUNTS_URL/oauth/v2/token
config          $T/kzs.conf
state           $T/state
log             $T/lighttpd.out
EOF

say "A manager moves deal $LEAD_ID \"Deal $LEAD_ID\" into the Contract stage"
fixture_lead "$LEAD_ID" 67548607
curl -s -o /dev/null -X PATCH -H "Authorization: Bearer $KOMMO_TOKEN" -H 'Content-Type: application/json' \
	--data "{\"status_id\":$TRIGGER_STATUS_ID,\"pipeline_id\":$PIPELINE_ID}" "$KOMMO_URL/api/v4/leads/$LEAD_ID"
: >"$FAKE_DIR/calls.jsonl"
start=$(ms)
answer=$(curl -s -w '(HTTP %{http_code}, %{time_total} s)' -H 'Content-Type: application/x-www-form-urlencoded' \
	--data-binary "$(kommo_status_body "$LEAD_ID")" "$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET")
echo "Kommo posts its webhook; kommo-hook answers: $(printf '%s' "$answer" | tr '\n' ' ')"

note_arrived() { [ -s "$FAKE_DIR/kommo/notes.jsonl" ]; }
deadline=$((SECONDS + 20))
until note_arrived || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.05; done
if ! note_arrived; then
	echo "No note reached Kommo within 20 s. Log:"
	sed 's/^/  /' "$T/lighttpd.out"
	KZS_FAILED=1
	exit 1
fi

say "Calls the sandbox received, in order (ms after the webhook)"
jq -r --argjson t0 "$start" '"\(.at_ms - $t0 | tostring | (" " * (6 - length)) + .) ms  \(.service | (. + "        ")[0:8]) \(.method) \(.path) -> \(.status)"' "$FAKE_DIR/calls.jsonl"

say "What Zoho Sign received (createdocument, data= decoded)"
call_bodies sign POST /api/v1/templates | form_field data | jq .
echo "is_quicksend=$(call_bodies sign POST /api/v1/templates | form_field is_quicksend)"

say "The note on deal $LEAD_ID in Kommo"
jq -r .params.text "$FAKE_DIR/kommo/notes.jsonl"

say "Timings"
created=$(jq -s --argjson t0 "$start" '[.[] | select(.path | endswith("/createdocument"))][0].at_ms - $t0' "$FAKE_DIR/calls.jsonl")
noted=$(jq -s --argjson t0 "$start" '[.[] | select(.path == "/api/v4/leads/notes")][0].at_ms - $t0' "$FAKE_DIR/calls.jsonl")
echo "webhook -> request at Zoho: ${created} ms; webhook -> note in Kommo: ${noted} ms"

if [ "$once" = 1 ]; then
	printf '\nDemo walk done.\n'
	exit 0
fi
say "Still serving. Post your own webhooks to the URL above (fixtures live in $FAKE_DIR). Ctrl-C stops."
trap 'exit 0' INT TERM
while :; do sleep 1; done
