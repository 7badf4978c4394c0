#!/usr/bin/env bash
# kzsctl check, the preflight: a good setup gets only OK lines and exit status 0, with
# one cheap call to each remote; each broken setup gets its FAIL line naming the config
# key (or command) that fixes it, and exit status 1; --offline calls nobody; bad
# arguments get the usage and exit status 2; the check changes nothing in the state.
. "$(dirname "$0")/lib.sh"
kzs_setup

# check_with [CONF] ARGS...: kzsctl check against CONF ($T/kzs.conf unless a path is
# given); its lines in OUT, its exit status in RC, its stderr in $T/check.err.
check_with() {
	local conf=$T/kzs.conf
	case ${1:-} in /*) conf=$1; shift ;; esac
	OUT=$(KZS_CONFIG=$conf "$KZS_OUT/deploy/kzsctl" check "$@" 2>"$T/check.err")
	RC=$?
	cat "$T/check.err" >>"$T/kzsctl.log" # scanned at teardown like every kzsctl log
}

# broken_conf EDIT...: a copy of the good config ($T/bad/kzs.conf) with each EDIT
# ("SECTION KEY VALUE" through kzs_conf_set, or "sed SCRIPT") applied; prints its path.
broken_conf() {
	local edit
	mkdir -p "$T/bad"
	cp -p "$T/kzs.conf" "$T/bad/kzs.conf"
	for edit in "$@"; do
		case $edit in
		"sed "*) sed -i "${edit#sed }" "$T/bad/kzs.conf" ;;
		*) (T=$T/bad && eval "kzs_conf_set $edit") ;;
		esac
	done
	echo "$T/bad/kzs.conf"
}

# fails_with DESC REGEX: the last check exited 1 with one FAIL line, matching REGEX.
fails_with() {
	check_eq "$1: exit status 1" "$RC" 1
	check_match "$1: its FAIL line names the fix" "$(grep '^FAIL' <<<"$OUT")" "$2"
	check_eq "$1: nothing else fails" "$(grep -c '^FAIL' <<<"$OUT")" 1 || grep '^FAIL' <<<"$OUT" | sed 's/^/#   /'
}

# state_snapshot: every state file's content (lock files and the pacing rings are the
# processes' coordination, not state), and under KZS_BACKEND=mariadb every table's records.
state_snapshot() {
	find "$T/state" -type f ! -name '*.lock' ! -name 'pace-*' ! -name 'drainer-*' -printf '%f ' \
		-exec sha256sum {} \; | sort
	[ "$KZS_BACKEND" != mariadb ] || for store in tokens deals seen outbox cache states; do
		mariadb_sql "SELECT '$store', HEX(k), SHA2(v, 256) FROM kzs.kzs_$store ORDER BY k"
	done
}
# The OK lines of the state: its files, or the database and its tables.
if gdbm_only "the OK line of the state folder's format (a file of GDBM's state)"; then
	state_ok=("state format: 1, the newest")
else
	state_ok=("database: the database kzs .*schema version 1, the newest")
fi
state_ok+=("$(state_check_name deals): [0-9]+ record" "$(state_check_name outbox): [0-9]+ record" "outbox index: ")

# A deal goes out first, so that every state file is there and Zoho's token is cached.
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "a deal's webhook: 200" "$STATUS" 200
wait_until "its contract went out" queue_empty
state_snapshot >"$T/state.before"
kommo_before=$(calls kommo GET /api/v4/account)
pipelines_before=$(calls kommo GET /api/v4/leads/pipelines)
sign_before=$(calls sign GET "/api/v1/templates/$TEMPLATE_ID")
accounts_before=$(calls accounts '*' /)

check_with
check_eq "a good setup: exit status 0" "$RC" 0
check_eq "...no line but OK lines" "$(grep -vc '^OK   ' <<<"$OUT")" 0 || sed 's/^/#   /' <<<"$OUT"
for what in "configuration: $T/kzs.conf, open to its owner only" "kommo-hook: every key" \
	"zoho-hook: every key" "oauth-callback: every key" "pacing: Kommo 6 calls a second" \
	"pacing: Zoho Sign 45 calls a minute" "timeouts: \[limits\] http_timeout 20 s fits" \
	"state folder: $T/state: mode 700, yours, writable" "${state_ok[@]}" \
	"Kommo connection: account $ACCOUNT_ID " "Kommo pipeline: \[kommo\] pipeline_id $PIPELINE_ID is \"Sales\"" \
	"Kommo stage: \[kommo\] trigger_status_id $TRIGGER_STATUS_ID is \"Contract\" in \"Sales\"" \
	"Kommo stage: \[kommo\] signed_status_id $SIGNED_STATUS_ID is \"Signed\"" "Zoho Sign connection: template $TEMPLATE_ID " \
	"template fields: the 3 \[fields\] line\(s\) fit" "template roles: each role .*\(Client\)"; do
	check_match "...OK ${what%%:*}" "$OUT" "^OK   $what"
done
check_eq "...one call to Kommo: GET /api/v4/account" "$(($(calls kommo GET /api/v4/account) - kommo_before))" 1
check_eq "...and one for the pipelines" "$(($(calls kommo GET /api/v4/leads/pipelines) - pipelines_before))" 1
check_eq "...one call to Zoho Sign: the template" \
	"$(($(calls sign GET "/api/v1/templates/$TEMPLATE_ID") - sign_before))" 1
check_eq "...no token asked for: the cached one is used" "$(calls accounts '*' /)" "$accounts_before"
check_eq "...the state is as it was" "$(state_snapshot)" "$(cat "$T/state.before")"

: >"$FAKE_DIR/calls.jsonl"
check_with --offline
check_eq "--offline: exit status 0" "$RC" 0
check_eq "...no call at all" "$(wc -c <"$FAKE_DIR/calls.jsonl")" 0
check_match "...says so on one line" "$(grep -c 'skipped (--offline)' <<<"$OUT")" "^1$"
check_eq "...and checks no connection" "$(grep -cE 'connection|template' <<<"$OUT")" 1
check_match "...the rest is checked" "$OUT" "^OK   $(state_check_name deals): "

for args in "--frobnicate" "extra" "--offline --offline" "--offline extra"; do
	# shellcheck disable=SC2086
	check_with $args
	check_eq "check $args: exit status 2" "$RC" 2
	check_match "...with the usage" "$(cat "$T/check.err")" "^usage: kzsctl check \[--offline\]"
	check_eq "...and nothing checked" "$OUT" ""
done

# Broken setups, each its own copy of the config; the state stays as it was.
check_with "$(broken_conf 'zoho webhook_secret ""')"
fails_with "an empty [zoho] webhook_secret" "^FAIL zoho-hook: .*\[zoho\] webhook_secret is required"
check_with "$(broken_conf "state dir $T/nowhere")"
check_eq "a state folder that is not there: exit status 1" "$RC" 1
check_match "...says to create it, naming [state] dir" "$OUT" \
	"^FAIL state folder: $T/nowhere: No such file or directory; create it \(mkdir -m 700 $T/nowhere\), or set \[state\] dir"
check_match "...and makes no call with no state for the tokens" "$OUT" "^FAIL live calls: not made .*\[state\] dir"
check_eq "...and nothing else fails" "$(grep -c '^FAIL' <<<"$OUT")" 2
check_eq "...nor is it created" "$(ls -d "$T/nowhere" 2>/dev/null)" ""
check_with "$(broken_conf 'limits kommo_calls_per_second 50')"
fails_with "kommo_calls_per_second = 50" "^FAIL pacing: \[limits\] kommo_calls_per_second = 50: .* over 7 calls a second; set it to 6"
check_with "$(broken_conf 'limits zoho_calls_per_minute 60')"
fails_with "zoho_calls_per_minute = 60" "^FAIL pacing: \[limits\] zoho_calls_per_minute = 60: Zoho Sign allows 50"
check_with "$(broken_conf 'limits http_timeout 45' 'limits after_answer_seconds 60')"
fails_with "http_timeout above the web server's wait" \
	"^FAIL timeouts: \[limits\] http_timeout = 45 s: .*FcgidIOTimeout, 40 s by default.*set it to 35 or less"
check_with "$(broken_conf 'limits http_timeout 30' 'limits after_answer_seconds 10')"
fails_with "http_timeout above the work after an answer" \
	"^FAIL timeouts: \[limits\] http_timeout = 30 s: longer than .*after_answer_seconds = 10.*set it to 20 or less"
check_with "$(broken_conf 'fields Discount lead.price')"
fails_with "a [fields] name the template lacks" \
	"^FAIL template fields: \[fields\] Discount: the template has no field of that name \(line [0-9]+\); its fields: CompanyName, DealAmount, ContractDate"
check_with "$(broken_conf 'fields ContractDate lead.name')"
fails_with "a date field given a text source" "^FAIL template fields: \[fields\] ContractDate = lead.name: a date field; give it today"
check_with "$(broken_conf 'fields Signature contact.name')"
fails_with "a signer's field in [fields]" "^FAIL template fields: \[fields\] Signature: a signature field, which \[fields\] cannot fill"
check_with "$(broken_conf 'sed /^CompanyName = /d')"
fails_with "a mandatory field left unfilled" \
	"^FAIL template fields: \[fields\]: the template's mandatory field \"CompanyName\" is not filled; add a line \"CompanyName = <source>\""
check_with "$(broken_conf 'sed s/^Client = /Buyer = /')"
check_eq "a role without a signer: exit status 1" "$RC" 1
check_match "...names the role and the [signers] line to add" "$OUT" \
	"^FAIL template roles: \[signers\]: the template role \"Client\" has no signer; add a line \"Client = <source>\", the source one of contact.main, contact.other"
check_match "...and the line for no role" "$OUT" "^FAIL template roles: \[signers\] Buyer: the template has no role of that name .*its roles: Client"
check_with "$(broken_conf "kommo base_url http://127.0.0.1:1")"
fails_with "Kommo down" "^FAIL Kommo connection: GET http://127.0.0.1:1/api/v4/account did not answer .*check \[kommo\] base_url"
check_with "$(broken_conf 'kommo account_id 999')"
fails_with "another account's token" "^FAIL Kommo connection: the token opens account $ACCOUNT_ID, not \[kommo\] account_id 999"
check_with "$(broken_conf 'kommo pipeline_id 777')"
fails_with "a pipeline the account lacks" "^FAIL Kommo pipeline: \[kommo\] pipeline_id 777 is no pipeline of the account; see the ids with: kzsctl pipelines"
check_with "$(broken_conf 'kommo trigger_status_id 142' 'kommo signed_status_id 67548699')"
check_eq "a stage of no pipeline: exit status 1" "$RC" 1
check_match "...the trigger stage is found (won is in every pipeline)" "$OUT" '^OK   Kommo stage: \[kommo\] trigger_status_id 142 is "Closed - won"'
check_match "...the signed stage is not" "$OUT" "^FAIL Kommo stage: \[kommo\] signed_status_id 67548699 is no stage of pipeline $PIPELINE_ID \"Sales\"; see the ids with: kzsctl pipelines"
check_with "$(broken_conf 'zoho template_id 424242')"
fails_with "a template that is not there" "^FAIL Zoho Sign template: \[zoho\] template_id 424242: no such template"
check_eq "the broken setups changed nothing in the state" "$(state_snapshot)" "$(cat "$T/state.before")"

# Zoho Sign refuses our token: it is renewed once (as every call does), and refused again.
fault sign GET /api/v1/templates 0 status 401
check_with
fails_with "Zoho Sign answering 401 for the token" \
	"^FAIL Zoho Sign connection: Zoho refused our authorization .*kzsctl authorize-url zoho, or set \[zoho\] refresh_token"
rm -f "$FAKE_DIR/faults"

# What the programs refuse at their start or at each request.
chmod 640 "$T/kzs.conf"
check_with
fails_with "a config open to the group" "^FAIL configuration: $T/kzs.conf holds secrets .*chmod 600 $T/kzs.conf"
chmod 600 "$T/kzs.conf"
chmod 750 "$T/state"
check_with
fails_with "a state folder open to the group" "^FAIL state folder: $T/state has mode 750, open to others; chmod 700 $T/state"
chmod 700 "$T/state"
printf '99\n' >"$T/state/format"
check_with
check_eq "a state in a newer format: exit status 1" "$RC" 1
check_match "...says so" "$OUT" "^FAIL state format: the state in $T/state was written by a newer version \(format 99\)"
check_eq "...the format is left as it is" "$(cat "$T/state/format")" 99
printf '1\n' >"$T/state/format"
check_with "$(broken_conf 'zoho webhook_secert abc')"
check_match "a misspelt key: named" "$OUT" "^FAIL configuration: $T/bad/kzs.conf:[0-9]+: \[zoho\] webhook_secert: unknown key"
check_with "$(broken_conf 'limits http_timeout abc')"
check_eq "a config that does not load: exit status 1" "$RC" 1
check_match "...its one line says where" "$OUT" "^FAIL configuration: $T/bad/kzs.conf:[0-9]+: \[limits\] http_timeout: expected"
