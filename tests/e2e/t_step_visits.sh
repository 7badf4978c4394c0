#!/usr/bin/env bash
# A job step reads the credentials once, not before every remote call: one contract job
# and one completion job, each run by a cron drain, open the tokens store once per
# service (seen from outside, by strace; under KZS_BACKEND=mariadb in the server's query
# log: one transaction on the tokens table per service), and each pacing ring no more
# than once per call. A token another process refreshed is used from the next step on; a token
# refused with a 401 in the middle of a step is refreshed once and not used again.
. "$(dirname "$0")/lib.sh"
kzs_setup

if [ "$KZS_BACKEND" = gdbm ] && ! command -v strace >/dev/null 2>&1; then
	not_ok "strace is missing (deploy/install-deps.sh --tests installs it)"
	exit 1
fi

# Kommo through OAuth, its pair stored as Connect Kommo leaves it: every Kommo call
# needs the stored access token then, as every Zoho Sign call needs Zoho's.
kommo_oauth_setup
now=$(date +%s)
kommo_access=$(random_hex 32) kommo_refresh=$(random_hex 32)
echo "$kommo_access $((now + 86400))" >>"$FAKE_DIR/kommo/oauth/access_tokens"
fixture_json "kommo/oauth/refresh/$kommo_refresh.json" "{\"client_id\":\"$KOMMO_CLIENT_ID\",\"prev\":\"\",\"dead\":false}"
store_put tokens kommo.oauth "{\"access_token\":\"$kommo_access\",\"refresh_token\":\"$kommo_refresh\",\"expires_at\":$((now + 86400)),\"connected_at\":$now}"

# The cron drain alone runs the jobs: this shell holds both after-answer slots
# ([limits] drainers = 2), so the webhooks' own processes leave the work queued.
exec 8>"$T/state/drainer-0" 9>"$T/state/drainer-1"
if flock -w 15 8 && flock -w 15 9; then ok "the after-answer slots are held"; else not_ok "the after-answer slots are held"; fi

createdocuments() { calls sign POST "/api/v1/templates/$TEMPLATE_ID/createdocument"; }
last_seq() { jq -s 'map(.seq) | max // 0' "$FAKE_DIR/calls.jsonl"; }
# since SEQ SERVICE...: "METHOD STATUS AUTHORIZATION" of the calls after SEQ to those services.
since() {
	local seq=$1
	shift
	jq -r --argjson s "$seq" --args 'select(.seq > $s and (.service | IN($ARGS.positional[])))
		| "\(.method) \(.status) \(.authorization)"' "$@" <"$FAKE_DIR/calls.jsonl"
}

# traced_drain NAME: one cron drain under strace; the files it opened go to $T/NAME.trace.
# LeakSanitizer stops the process with ptrace at exit, which a traced process cannot.
traced_drain() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -qq -e trace=openat -o "$T/$1.trace" \
		env KZS_CONFIG="$T/kzs.conf" "$KZS_OUT/deploy/kzsctl" drain >/dev/null 2>>"$T/kzsctl.log"
}
# opened NAME FILE: how many times the traced drain opened state file FILE.
opened() { grep -c "/state/$2\"" "$T/$1.trace"; }
if [ "$KZS_BACKEND" = mariadb ]; then
	# The same from the database server's query log: FILE STORE.lock is a transaction on
	# that store (named by its first statement), pace-SERVICE a visit of that ring.
	traced_drain() {
		mariadb_sql "SET GLOBAL general_log_file = '$T/$1.sqllog'; SET GLOBAL general_log = 1"
		kzsctl drain >/dev/null
		mariadb_sql "SET GLOBAL general_log = 0"
	}
	opened() {
		# A line: [time] TAB(s) connection-id command TAB statement.
		awk -v file="$2" '
			BEGIN { store = file; sub(/\.lock$/, "", store); ring = file; sub(/^pace-/, "", ring) }
			{ line = $0; sub(/^[^\t]*\t+ */, "", line); id = line; sub(/ .*/, "", id)
			  if (line !~ /^[0-9]+ Query\t/) next; sub(/^[^\t]*\t/, "", line) }
			line ~ /^START TRANSACTION/ { first[id] = 1; next }
			first[id] { first[id] = 0
				if (file ~ /\.lock$/ && (index(line, "kzs_" store " ") || index(line, "store = \047" store "\047"))) n++ }
			file ~ /^pace-/ && index(line, "FROM kzs_pace WHERE service = \047" ring "\047") { n++ }
			END { print n + 0 }' "$T/$1.sqllog"
	}
fi
visits() { echo "tokens $(opened "$1" tokens.lock), pace-kommo $(opened "$1" pace-kommo), pace-zoho $(opened "$1" pace-zoho)"; }

# A first contract fetches the Zoho access token and the template (cached from then on).
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "first webhook queued" "$STATUS $BODY" "200 accepted 1 of 1"
kzsctl drain >/dev/null
check_eq "first contract sent" "$(createdocuments)" 1

# ---- a contract job ----
fixture_lead 1002
post_kommo_hook "$(kommo_status_body 1002)"
check_eq "second webhook queued" "$STATUS $BODY" "200 accepted 1 of 1"
seq=$(last_seq)
traced_drain send
check_eq "contract job: the request went out" "$(createdocuments)" 2
check_eq "contract job: the queue is empty" "$(kzsctl jobs)" ""
echo "# contract job opened: $(visits send)"
kommo_calls=$(since "$seq" kommo drive | wc -l)
check_eq "contract job: the tokens store opened once for Kommo's token, once for Zoho's" "$(opened send tokens.lock)" 2
check_eq "contract job: Kommo's pacing file once per Kommo call ($kommo_calls)" "$(opened send pace-kommo)" "$kommo_calls"
check_eq "contract job: Zoho's pacing file once (its one Sign call)" "$(opened send pace-zoho) $(since "$seq" sign | wc -l)" "1 1"

# ---- a completion job ----
rid=$(sign_request_ids | head -n 1)
sign_set_status "$rid" completed
post_zoho_hook "$(zoho_webhook_body "$rid" RequestCompleted)"
check_eq "completion webhook accepted" "$STATUS $BODY" "200 accepted"
seq=$(last_seq)
traced_drain complete
check_eq "completion job: the PDF went up" "$(calls drive POST /drive/v1.0/sessions)" 1
check_eq "completion job: the lead moved to the signed stage" \
	"$(jq -r .status_id "$FAKE_DIR/kommo/leads/$LEAD_ID.json")" "$SIGNED_STATUS_ID"
check_eq "completion job: the queue is empty" "$(kzsctl jobs)" ""
echo "# completion job opened: $(visits complete)"
kommo_calls=$(since "$seq" kommo drive | wc -l)
check_eq "completion job: the tokens store opened once for Kommo's token, once for Zoho's" "$(opened complete tokens.lock)" 2
check_eq "completion job: Kommo's pacing file once per Kommo and drive call ($kommo_calls)" \
	"$(opened complete pace-kommo)" "$kommo_calls"
check_eq "completion job: Zoho's pacing file once per Sign call (the request's signers, the PDF)" \
	"$(opened complete pace-zoho) $(since "$seq" sign | wc -l)" "2 2"
check_eq "Kommo and drive calls carried the stored OAuth access token" \
	"$(since 0 kommo drive | awk '{ print $3, $4 }' | sort -u)" "Bearer $kommo_access"

# ---- tokens another process refreshed: used from the next step on ----
# One cron run with --watch takes both jobs, one step each. Between them the stored
# tokens change as another process's refresh leaves them, and the old ones stop working.
kzs_conf_set limits cron_drain_seconds 60
(KZS_CONFIG=$T/kzs.conf exec "$KZS_OUT/deploy/kzsctl" drain --watch >/dev/null 2>>"$T/kzsctl.log") &
WATCH=$!
fixture_lead 1003
post_kommo_hook "$(kommo_status_body 1003)"
wait_until "the watching drain sent lead 1003's contract" queue_is_empty
check_eq "lead 1003: its request went out" "$(createdocuments)" 3
zoho_old=$(awk 'END { print $1 }' "$FAKE_DIR/accounts/access_tokens")
kommo_new=$(random_hex 32) zoho_new=1000.$(random_hex 16)
now=$(date +%s)
echo "$kommo_new $((now + 86400))" >>"$FAKE_DIR/kommo/oauth/access_tokens"
echo "$zoho_new $((now + 3600))" >>"$FAKE_DIR/accounts/access_tokens"
store_put tokens kommo.oauth "{\"access_token\":\"$kommo_new\",\"refresh_token\":\"$kommo_refresh\",\"expires_at\":$((now + 86400)),\"connected_at\":$now}"
store_put tokens zoho.access "{\"token\":\"$zoho_new\",\"expires_at\":$((now + 3600))}"
sed -i "s/^$kommo_access .*/$kommo_access 1/" "$FAKE_DIR/kommo/oauth/access_tokens"
sed -i "s/^$zoho_old .*/$zoho_old 1/" "$FAKE_DIR/accounts/access_tokens"
seq=$(last_seq)
fixture_lead 1004
post_kommo_hook "$(kommo_status_body 1004)"
wait_until "the watching drain sent lead 1004's contract" queue_is_empty
check_eq "lead 1004: its request went out" "$(createdocuments)" 4
check_eq "next step: every Kommo call carried the refreshed token, none was refused" \
	"$(since "$seq" kommo | awk '{ print $2, $3, $4 }' | sort -u)" "200 Bearer $kommo_new"
check_eq "next step: the Sign call carried the refreshed token" \
	"$(since "$seq" sign | awk '{ print $2, $3, $4 }' | sort -u)" "200 Zoho-oauthtoken $zoho_new"
check_eq "next step: no token request" "$(since "$seq" kommo_oauth accounts | wc -l)" 0

# ---- a 401 in the middle of a step ----
# Kommo stops taking the access token while the store still holds it: the step's first
# Kommo call is refused, the token refreshed once, and the step's later calls use the new one.
sed -i "s/^$kommo_new .*/$kommo_new 1/" "$FAKE_DIR/kommo/oauth/access_tokens"
seq=$(last_seq)
fixture_lead 1005
post_kommo_hook "$(kommo_status_body 1005)"
wait_until "revoked token: the watching drain sent lead 1005's contract" queue_is_empty
check_eq "revoked token: its request went out" "$(createdocuments)" 5
kommo_refreshed=$(store_get tokens kommo.oauth | jq -r .access_token)
check_eq "revoked token: one refresh request" "$(since "$seq" kommo_oauth | wc -l)" 1
check_eq "revoked token: one Kommo call refused, then every call with the new token" \
	"$(since "$seq" kommo | awk '{ print $2, $4 }' | uniq | sed "s/$kommo_new/old/; s/$kommo_refreshed/new/" | tr '\n' ' ')" \
	"401 old 200 new "
check_eq "revoked token: one call refused" "$(since "$seq" kommo | grep -c ' 401 ')" 1
kill "$WATCH"
wait "$WATCH"
check_eq "the watching drain ended at SIGTERM" "$?" 0
exec 8>&- 9>&-
