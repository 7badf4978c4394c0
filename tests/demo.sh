#!/usr/bin/env bash
# make demo: runs the programs behind lighttpd on 127.0.0.1 against the built-in
# sandbox (the fake Kommo and Zoho servers), walks one deal into "Contract", has the
# client sign, and shows what each side received. Keeps serving until Ctrl-C, with the
# admin page's address (a demo [admin] secret) and a ready webhook for one more deal;
# --once exits after the walk, with its status.
. "$(dirname "$0")/e2e/lib.sh"
once=0
[ "${1:-}" = --once ] && once=1

kzs_setup
oauth_admin_setup # the admin page's secret, picked up at the next request
NEXT_LEAD=1002    # the deal the printed curl line sends: the fake Kommo knows it
ms() { date +%s%3N; }
say() { printf '\n== %s\n' "$*"; }

say "Sandbox running"
cat <<EOF
kommo-hook      $APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET
zoho-hook       $APP_URL/cgi-bin/zoho-hook
admin page      $APP_URL/cgi-bin/oauth-callback?secret=$ADMIN_SECRET
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

say "The client signs in Zoho Sign; Zoho posts RequestCompleted to zoho-hook"
rid=$(sign_request_ids | head -n 1)
sign_set_status "$rid" completed
: >"$FAKE_DIR/calls.jsonl"
start=$(ms)
post_zoho_hook "$(zoho_webhook_body "$rid" RequestCompleted)"
echo "zoho-hook answers: HTTP $STATUS $BODY"
moved() { [ "$(jq -r .status_id "$FAKE_DIR/kommo/leads/$LEAD_ID.json")" = "$SIGNED_STATUS_ID" ]; }
deadline=$((SECONDS + 20))
until moved || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.05; done
if ! moved; then
	echo "The deal did not move within 20 s. Log:"
	sed 's/^/  /' "$T/lighttpd.out"
	KZS_FAILED=1
	exit 1
fi
jq -r --argjson t0 "$start" '"\(.at_ms - $t0 | tostring | (" " * (6 - length)) + .) ms  \(.service | (. + "        ")[0:8]) \(.method) \(.path | sub("/upload/.*"; "/upload/...")) -> \(.status)"' "$FAKE_DIR/calls.jsonl"

say "Deal $LEAD_ID in Kommo now"
uuid=$(jq -r .file_uuid "$FAKE_DIR/kommo/lead_files.jsonl" | tail -n 1)
echo "stage:  $(jq -r .status_id "$FAKE_DIR/kommo/leads/$LEAD_ID.json") (the signed stage)"
echo "file:   $(jq -r .name "$FAKE_DIR/kommo/files/$uuid.json"), $(wc -c <"$FAKE_DIR/kommo/files/$uuid") bytes, starts with $(head -c 8 "$FAKE_DIR/kommo/files/$uuid")"
echo "notes:"
jq -r '"  - " + (.params.text // ("[attachment] " + .params.file_name))' "$FAKE_DIR/kommo/notes.jsonl"
echo "(a pause between calls is the shared pacing: at most 6 Kommo calls in any second)"
echo "webhook -> deal moved: $(jq -s --argjson t0 "$start" '[.[] | select(.method == "PATCH")][0].at_ms - $t0' "$FAKE_DIR/calls.jsonl") ms"

if [ "$once" = 1 ]; then
	printf '\nDemo walk done.\n'
	exit 0
fi
fixture_lead "$NEXT_LEAD"
say "Still serving. Ctrl-C stops."
cat <<EOF
The admin page, with the status (the walk's deal among the last outcomes):
  $APP_URL/cgi-bin/oauth-callback?secret=$ADMIN_SECRET
One more deal: deal $NEXT_LEAD is in the Contract stage in the fake Kommo; this is the
webhook Kommo would post for it (then reload the admin page: it is in flight):
  curl -s -H 'Content-Type: application/x-www-form-urlencoded' --data-binary '$(kommo_status_body "$NEXT_LEAD")' '$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET'
The same status from the command line:
  KZS_CONFIG=$T/kzs.conf ${KZS_OUT%/.}/deploy/kzsctl status
Fixtures (leads, contacts, templates) live in $FAKE_DIR.
EOF
trap 'exit 0' INT TERM
while :; do sleep 1; done
