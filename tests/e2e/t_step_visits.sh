#!/usr/bin/env bash
# A job step reads the credentials and the pacing state once, not before every remote
# call: one contract job and one completion job, each run by a cron drain, open the
# tokens store and each pacing file at most once (seen from outside, by strace). What
# the remotes received is the same as ever: the contract goes out, the PDF goes up.
. "$(dirname "$0")/lib.sh"
kzs_setup

if ! command -v strace >/dev/null 2>&1; then
	not_ok "strace is missing (deploy/install-deps.sh --tests installs it)"
	exit 1
fi

# Kommo through OAuth, its token pair stored (as Connect Kommo leaves it): then every
# Kommo call needs the access token too.
kommo_oauth_setup
kommo_access=$(random_hex 32)
echo "$kommo_access $(($(date +%s) + 86400))" >>"$FAKE_DIR/kommo/oauth/access_tokens"
store_put tokens kommo.oauth "{\"access_token\":\"$kommo_access\",\"refresh_token\":\"$(random_hex 32)\",\"expires_at\":$(($(date +%s) + 86400)),\"connected_at\":$(date +%s)}"

# The cron drain alone runs the jobs: this shell holds both after-answer slots
# ([limits] drainers = 2), so the webhooks' own processes leave the work queued.
exec 8>"$T/state/drainer-0" 9>"$T/state/drainer-1"
flock 8 && flock 9 && ok "the after-answer slots are held"

# traced_drain NAME: one cron drain under strace; the files it opened go to $T/NAME.trace.
# LeakSanitizer stops the process with ptrace at exit, which a traced process cannot.
traced_drain() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=openat -o "$T/$1.trace" \
		env KZS_CONFIG="$T/kzs.conf" "$KZS_OUT/deploy/kzsctl" drain >/dev/null 2>>"$T/kzsctl.log"
}
# opened NAME FILE: how many times the traced drain opened state file FILE.
opened() { grep -c "/state/$2\"" "$T/$1.trace"; }
visits() { echo "tokens $(opened "$1" tokens.lock), pace-kommo $(opened "$1" pace-kommo), pace-zoho $(opened "$1" pace-zoho), cache $(opened "$1" cache.lock)"; }

# A first contract fetches the Zoho access token and the template (cached from then on).
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "first webhook queued" "$STATUS $BODY" "200 accepted 1 of 1"
kzsctl drain >/dev/null
check_eq "first contract sent" "$(calls sign POST "/api/v1/templates/$TEMPLATE_ID/createdocument")" 1

# ---- a contract job ----
fixture_lead 1002
post_kommo_hook "$(kommo_status_body 1002)"
check_eq "second webhook queued" "$STATUS $BODY" "200 accepted 1 of 1"
traced_drain send
check_eq "contract job: the request went out" "$(calls sign POST "/api/v1/templates/$TEMPLATE_ID/createdocument")" 2
check_eq "contract job: its note reached Kommo" "$(calls kommo POST /api/v4/leads/notes)" 2
check_eq "contract job: the queue is empty" "$(kzsctl jobs)" ""
echo "# contract job opened: $(visits send)"

# ---- a completion job ----
rid=$(sign_request_ids | head -n 1)
sign_set_status "$rid" completed
post_zoho_hook "$(zoho_webhook_body "$rid" RequestCompleted)"
check_eq "completion webhook accepted" "$STATUS $BODY" "200 accepted"
traced_drain complete
check_eq "completion job: the PDF went up" "$(calls drive POST /drive/v1.0/sessions)" 1
check_eq "completion job: the lead moved to the signed stage" \
	"$(jq -r .status_id "$FAKE_DIR/kommo/leads/$LEAD_ID.json")" "$SIGNED_STATUS_ID"
check_eq "completion job: the queue is empty" "$(kzsctl jobs)" ""
echo "# completion job opened: $(visits complete)"

check_eq "Kommo calls carried the stored OAuth access token" \
	"$(jq -r 'select(.service == "kommo") | .authorization' "$FAKE_DIR/calls.jsonl" | sort -u)" "Bearer $kommo_access"
exec 8>&- 9>&-
