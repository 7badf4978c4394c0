#!/usr/bin/env bash
# A failed remote call says what failed, whole, where an operator looks: kzsctl jobs and
# the log lead with the remote, the method, the path without its query, the HTTP status,
# then the remote's own error code and words (Kommo's problem+json, Zoho Sign's failure
# envelope); a manager's note on a refused request says the same. No token appears.
. "$(dirname "$0")/lib.sh"
kzs_setup
echo 0 >"$FAKE_DIR/kommo/rate_limit"

job_failed() { kzsctl jobs 2>/dev/null | grep -q "^send:$1 .*last_error="; }
job_error() { kzsctl jobs | sed -n "s/^send:$1 .*last_error=//p"; }
note_text() { jq -r --argjson l "$1" 'select(.entity_id == $l) | .params.text' "$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null; }
# The query the lead read carried (the message leaves it out).
lead_query() { jq -r --arg p "/api/v4/leads/$1" 'select(.method == "GET" and (.path | startswith($p))) | .query // ""' \
	"$FAKE_DIR/calls.jsonl" 2>/dev/null | head -n 1; }

# Kommo fails the lead read with its problem+json (a 500 with a trace id): retried later.
fault kommo GET /api/v4/leads/1001 1 status 500
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "Kommo: hook accepted" "$STATUS" 200
wait_until "Kommo: the job failed once" job_failed 1001
want="Kommo GET /api/v4/leads/1001: HTTP 500, Internal Server Error: injected by the fault plan"
check_eq "Kommo: kzsctl jobs shows the whole error" "$(job_error 1001)" "$want"
check_match "Kommo: the lead was read with a query, which the error leaves out" "$(lead_query 1001)" 'with='
check_match "Kommo: the log line has the same text" "$(app_log)" "job send:1001: $want; attempt 1, next in"

# Zoho Sign fails the template read with its failure envelope: retried later.
fixture_lead 1002
fault sign GET /api/v1/templates 1 body 500 application/json '{"code":9999,"message":"Internal Error","status":"failure"}'
post_kommo_hook "$(kommo_status_body 1002)"
check_eq "Zoho Sign: hook accepted" "$STATUS" 200
wait_until "Zoho Sign: the job failed once" job_failed 1002
want="Zoho Sign GET /api/v1/templates/$TEMPLATE_ID: HTTP 500, code 9999: Internal Error"
check_eq "Zoho Sign: kzsctl jobs shows the whole error" "$(job_error 1002)" "$want"
check_match "Zoho Sign: the log line has the same text" "$(app_log)" "job send:1002: $want; attempt 1, next in"

# Zoho Sign refuses the request itself (documented envelope): the manager's note says why.
fixture_lead 1003
fault sign POST /api/v1/templates 1 body 400 application/json '{"code":9043,"message":"Extra key found","status":"failure"}'
post_kommo_hook "$(kommo_status_body 1003)"
check_eq "refused: hook accepted" "$STATUS" 200
wait_until "refused: a note on the lead" sh -c "[ -n \"\$(jq -r 'select(.entity_id == 1003)' '$FAKE_DIR/kommo/notes.jsonl' 2>/dev/null)\" ]"
want="Zoho Sign POST /api/v1/templates/$TEMPLATE_ID/createdocument: HTTP 400, code 9043: Extra key found"
check_match "refused: the note names the call, status, code and message" "$(note_text 1003)" "refused the request \\($want\\)"
check_match "refused: logged whole" "$(app_log)" "lead 1003: contract not sent: .*$want"

# Both jobs go through on a retry; nothing secret was ever shown.
kzsctl retry >/dev/null
wait_until "the retries went through" queue_empty
for secret in "$KOMMO_TOKEN" "$ZOHO_CLIENT_SECRET" "$ZOHO_REFRESH_TOKEN" \
	$(cut -d' ' -f1 "$FAKE_DIR/accounts/access_tokens"); do
	case $(app_log) in *"$secret"*) not_ok "the log shows a token or secret" ;; esac
done
ok "no token or secret in the log"
