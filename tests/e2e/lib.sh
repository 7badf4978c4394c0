# lib.sh: the end-to-end harness, sourced by every tests/e2e/t_*.sh.
# kzs_setup starts one lighttpd on loopback serving our three programs (FastCGI) and
# the three fakes (Kommo + drive, Zoho Sign, Zoho Accounts; see tests/fakes/README.md),
# which are HTTP servers of their own on their own ports, writes a config and default
# fixtures, and arranges kzs_teardown on exit.
# Results are printed as "ok - ..." / "not ok - ..." lines, which tests/run.sh counts.
# KZS_BACKEND=mariadb runs a test with [state] backend = mariadb on a MariaDB server of
# its own (mariadb.sh), e.g. tests/run.sh 'KZS_BACKEND=mariadb tests/e2e/t_send.sh'.
# shellcheck shell=bash disable=SC2016,SC2034

set -u

KZS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KZS_OUT=${KZS_OUT:-.}
case $KZS_OUT in
/*) ;;
*) KZS_OUT=$KZS_ROOT/$KZS_OUT ;;
esac
export KZS_OUT
# As /proc/PID/exe names our programs (no "/./", links resolved).
KZS_OUT_REAL=$(cd "$KZS_OUT" 2>/dev/null && pwd -P)
KZS_FAILED=0

# Fixture ids (see the default fixtures below).
ACCOUNT_ID=12345678
PIPELINE_ID=8572511
TRIGGER_STATUS_ID=67548619
SIGNED_STATUS_ID=67548625
LEAD_ID=1001
CONTACT_ID=2001
COMPANY_ID=3001
RESPONSIBLE_USER_ID=504
TEMPLATE_ID=112233445566778899
TEMPLATE_ACTION_ID=99887766554433221
TEMPLATE_DOCUMENT_ID=55443322110099887

# ---- reporting ----

ok() { echo "ok - $*"; }

not_ok() {
	echo "not ok - $*"
	KZS_FAILED=$((KZS_FAILED + 1))
}

# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '#   got  "%s"\n#   want "%s"\n' "$2" "$3"
		return 1
	fi
}

# check_match DESC GOT EXTENDED_REGEX
check_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then
		ok "$1"
	else
		not_ok "$1"
		printf '#   got  "%s"\n#   want match of /%s/\n' "$2" "$3"
		return 1
	fi
}

# wait_until DESC CMD...: polls CMD until it succeeds, up to 15 s. A wait, not a timing
# assertion: only a CMD that never succeeds fails. CMD's arguments are expanded once, so
# poll with a command or function that looks itself, e.g. calls_reach or json_is:
#   wait_until "contract sent" calls_reach 1 sign POST /api/v1/templates
wait_until() { wait_within 15 "$@"; }

# wait_within SECONDS DESC CMD...: wait_until with another bound than 15 s.
wait_within() {
	local limit=$1 desc=$2 deadline=$((SECONDS + $1))
	shift 2
	while ! "$@" >/dev/null 2>&1; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			not_ok "$desc (still false after $limit s)"
			return 1
		fi
		sleep 0.1
	done
	ok "$desc"
}

# ---- small tools ----

random_hex() { od -An -tx1 -N"${1:-16}" /dev/urandom | tr -d ' \n'; }

# jqb ARGS... < FILE: jq for JSON holding 16+ digit ids. jq 1.6 reads every number as a
# double and would round them, so long integers go through jq as strings "#big#<digits>"
# (compare with "#big#" + $id in filters) and come back out as numbers.
jqb() {
	sed -E ':a; s/([:,[][[:space:]]*)(-?[0-9]{16,})([[:space:]]*[],}])/\1"#big#\2"\3/g; ta' |
		jq "$@" | sed -E 's/"#big#(-?[0-9]+)"/\1/g; s/#big#(-?[0-9]+)/\1/g'
}

# urldecode < TEXT: decodes one form-urlencoded value ('+' and %XX).
urldecode() { local v; v=$(cat); v=${v//+/ }; printf '%b' "${v//%/\\x}"; }

# form_field NAME < FORM: the decoded value of NAME in an urlencoded body.
form_field() { tr '&' '\n' | sed -n "s/^$1=//p" | head -n 1 | urldecode; }

# fixture_json REL [JSON]: writes $FAKE_DIR/REL atomically, from JSON or stdin.
fixture_json() {
	local file=$FAKE_DIR/$1
	mkdir -p "$(dirname "$file")"
	if [ $# -ge 2 ]; then printf '%s\n' "$2" >"$file.tmp"; else cat >"$file.tmp"; fi
	mv "$file.tmp" "$file"
}

# fault RULE...: appends one rule to the fault plan (see tests/fakes/README.md), e.g.
#   fault kommo PATCH /api/v4/leads 1 status 429 retry_after 2
fault() {
	flock "$FAKE_DIR/faults.lock" sh -c 'printf "%s\n" "$1" >>"$2"' sh "$*" "$FAKE_DIR/faults"
}

# http_call METHOD URL [BODY CONTENT_TYPE] [CURL_ARGS...]: sets STATUS and BODY; the raw
# answer stays in $T/resp.body and its headers in $T/resp.headers. CURL_ARGS start with -.
http_call() {
	local method=$1 url=$2 args
	shift 2
	args=(-s -o "$T/resp.body" -D "$T/resp.headers" -w '%{http_code}' -X "$method" --max-time 30)
	if [ $# -ge 2 ] && [ "${1:0:1}" != - ]; then
		printf '%s' "$1" >"$T/req.body"
		args+=(--data-binary "@$T/req.body" -H "Content-Type: $2")
		shift 2
	fi
	STATUS=$(curl "${args[@]}" "$@" "$url")
	BODY=$(tr -d '\0' <"$T/resp.body") # a binary answer is in $T/resp.body
}

# resp_header NAME: a header of the last http_call answer.
resp_header() {
	tr -d '\r' <"$T/resp.headers" | awk -v n="$1" 'BEGIN { n = tolower(n) ":" }
		tolower($1) == n { sub(/^[^:]*:[ \t]*/, ""); print; exit }'
}

# ---- talking to our programs ----

# kommo_status_body LEAD [STATUS] [PIPELINE] [OLD_STATUS]: a status_lead webhook body.
kommo_status_body() {
	local p="leads%5Bstatus%5D%5B0%5D"
	printf '%s%%5Bid%%5D=%s&%s%%5Bstatus_id%%5D=%s&%s%%5Bpipeline_id%%5D=%s&%s%%5Bold_status_id%%5D=%s' \
		"$p" "$1" "$p" "${2:-$TRIGGER_STATUS_ID}" "$p" "${3:-$PIPELINE_ID}" "$p" "${4:-67548607}"
	printf '&%s%%5Bresponsible_user_id%%5D=%s&%s%%5Bupdated_at%%5D=%s' \
		"$p" "$RESPONSIBLE_USER_ID" "$p" "$(date +%s)"
	printf '&account%%5Bid%%5D=%s&account%%5Bsubdomain%%5D=acme' "$ACCOUNT_ID"
	printf '&account%%5B_links%%5D%%5Bself%%5D=https%%3A%%2F%%2Facme.kommo.com'
}

# post_kommo_hook BODY [CONTENT_TYPE] [QUERY]: POST to kommo-hook (?secret=$HOOK_SECRET
# unless QUERY is given; an empty QUERY sends none). Sets STATUS and BODY.
post_kommo_hook() {
	local query=${3-secret=$HOOK_SECRET}
	http_call POST "$APP_URL/cgi-bin/kommo-hook${query:+?$query}" "$1" \
		"${2:-application/x-www-form-urlencoded}"
}

# zoho_webhook_body REQUEST_ID OPERATION_TYPE: a Zoho Sign webhook payload for a request
# the fake holds (its current status and actions), ids as JSON numbers.
zoho_webhook_body() {
	jqb -c --arg op "$2" '{requests: (del(._received, .field_data)),
		notifications: {operation_type: $op, activity: $op, action_id: .actions[0].action_id,
			performed_by_email: .actions[0].recipient_email,
			performed_by_name: .actions[0].recipient_name,
			performed_at: (now * 1000 | floor), ip_address: "127.0.0.1"}}' \
		<"$FAKE_DIR/zoho/requests/$1.json"
}

# post_zoho_hook BODY [SIGNATURE]: POST to zoho-hook, signed with $WEBHOOK_SECRET
# (base64 HMAC-SHA256 of the body) unless SIGNATURE is given. Sets STATUS and BODY.
post_zoho_hook() {
	local sig=${2-$(printf '%s' "$1" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" -binary | base64 -w0)}
	http_call POST "$APP_URL/cgi-bin/zoho-hook" "$1" application/json \
		-H "X-ZS-WEBHOOK-SIGNATURE: $sig"
}

# kzsctl ARGS...: the admin tool against this setup's config.
# Its log lines go to $T/kzsctl.log, which teardown scans like the server's.
kzsctl() { KZS_CONFIG=$T/kzs.conf "$KZS_OUT/deploy/kzsctl" "$@" 2>>"$T/kzsctl.log"; }

# queue_is_empty: true when kzsctl lists no job (given-up ones included).
queue_is_empty() { [ -z "$(kzsctl jobs 2>/dev/null)" ]; }
# queue_empty: one cron drain, then queue_is_empty; poll it with wait_until.
queue_empty() { kzsctl drain >/dev/null; queue_is_empty; }

# app_log: every line our programs logged, from the web server and from kzsctl.
app_log() { cat "$T/lighttpd.out" "$T/kzsctl.log" 2>/dev/null; }

# ---- what the fakes saw ----

# calls SERVICE METHOD PATH_PREFIX: how many calls match (METHOD may be *).
calls() {
	[ -s "$FAKE_DIR/calls.jsonl" ] || { echo 0; return; }
	jq -s --arg s "$1" --arg m "$2" --arg p "$3" \
		'[.[] | select(.service == $s and ($m == "*" or .method == $m) and (.path | startswith($p)))] | length' \
		"$FAKE_DIR/calls.jsonl"
}

# call_bodies SERVICE METHOD PATH_PREFIX: their raw bodies, one per line, in order.
call_bodies() {
	[ -s "$FAKE_DIR/calls.jsonl" ] || return 0
	jq -r --arg s "$1" --arg m "$2" --arg p "$3" \
		'select(.service == $s and ($m == "*" or .method == $m) and (.path | startswith($p))) | .body' \
		"$FAKE_DIR/calls.jsonl"
}

# calls_reach N SERVICE METHOD PATH_PREFIX: true once at least N such calls were made.
calls_reach() { [ "$(calls "$2" "$3" "$4")" -ge "$1" ]; }

# json_is FILE FILTER WANT: true when jqb -r FILTER on FILE prints WANT.
json_is() { [ -f "$1" ] && [ "$(jqb -r "$2" <"$1")" = "$3" ]; }

# sign_request_ids: ids of the requests fake-zoho-sign created, oldest first.
sign_request_ids() {
	[ -d "$FAKE_DIR/zoho/requests" ] || return 0
	find "$FAKE_DIR/zoho/requests" -name '*.json' -printf '%f\n' | sed 's/\.json$//' |
		awk '{ print length($0), $0 }' | sort -k1,1n -k2,2 | cut -d' ' -f2
}

# sign_set_status REQUEST_ID STATUS: what Zoho shows next (completed also marks the
# signers not yet signed SIGNED, now).
sign_set_status() {
	local file=$FAKE_DIR/zoho/requests/$1.json
	jqb -c --arg s "$2" '.request_status = $s | .modified_time = (now * 1000 | floor)
		| if $s == "completed" then .actions |= map(if .action_status == "SIGNED" then .
			else .action_status = "SIGNED" | .signed_time = (now * 1000 | floor) end) else . end' \
		<"$file" >"$file.tmp" && mv "$file.tmp" "$file"
}

# sign_action_signed REQUEST_ID INDEX MS: the request's INDEXth signer (from 0) signs at
# MS (milliseconds since the epoch), as Zoho then shows the action.
sign_action_signed() {
	local file=$FAKE_DIR/zoho/requests/$1.json
	jqb -c --argjson i "$2" --argjson t "$3" \
		'.actions[$i].action_status = "SIGNED" | .actions[$i].signed_time = $t' \
		<"$file" >"$file.tmp" && mv "$file.tmp" "$file"
}

# ---- fixtures ----

# fixture_lead ID [STATUS] [PIPELINE] [CONTACT|-] [COMPANY|-] [PRICE]
fixture_lead() {
	local contacts='[]' companies='[]'
	[ "${4:-$CONTACT_ID}" = - ] || contacts="[{\"id\":${4:-$CONTACT_ID},\"is_main\":true}]"
	[ "${5:-$COMPANY_ID}" = - ] || companies="[{\"id\":${5:-$COMPANY_ID}}]"
	fixture_json "kommo/leads/$1.json" "$(jq -nc --argjson id "$1" \
		--argjson st "${2:-$TRIGGER_STATUS_ID}" --argjson pl "${3:-$PIPELINE_ID}" \
		--argjson price "${6:-5000}" --argjson user "$RESPONSIBLE_USER_ID" \
		--argjson contacts "$contacts" --argjson companies "$companies" --argjson acct "$ACCOUNT_ID" \
		'{id: $id, name: "Deal \($id)", price: $price, responsible_user_id: $user, group_id: 0,
		  status_id: $st, pipeline_id: $pl, loss_reason_id: null, created_by: $user,
		  updated_by: $user, created_at: 1726500000, updated_at: 1726572758, closed_at: null,
		  closest_task_at: null, is_deleted: false, custom_fields_values: null, score: null,
		  account_id: $acct, labor_cost: null,
		  _links: {self: {href: "/api/v4/leads/\($id)"}},
		  _embedded: {tags: [], contacts: $contacts, companies: $companies}}')"
}

# fixture_contact ID [NAME] [EMAIL|-] [PHONE|-]
fixture_contact() {
	local name=${2:-Jane Doe} email=${3:-jane@example.com} phone=${4:-+15550100}
	fixture_json "kommo/contacts/$1.json" "$(jq -nc --argjson id "$1" --arg name "$name" \
		--arg email "$email" --arg phone "$phone" --argjson user "$RESPONSIBLE_USER_ID" \
		'def multitext($fid; $code; $name; $v): {field_id: $fid, field_name: $name,
		   field_code: $code, field_type: "multitext",
		   values: [{value: $v, enum_id: 101, enum_code: "WORK"}]};
		 ([if $phone != "-" then multitext(264911; "PHONE"; "Phone"; $phone) else empty end,
		   if $email != "-" then multitext(264913; "EMAIL"; "Email"; $email) else empty end]) as $cf
		 | {id: $id, name: $name, first_name: ($name | split(" ")[0]),
		    last_name: ($name | split(" ")[1:] | join(" ")), responsible_user_id: $user,
		    group_id: 0, created_at: 1726500000, updated_at: 1726500000, is_deleted: false,
		    custom_fields_values: (if $cf == [] then null else $cf end),
		    _links: {self: {href: "/api/v4/contacts/\($id)"}},
		    _embedded: {tags: [], companies: []}}')"
}

# fixture_company ID [NAME]
fixture_company() {
	fixture_json "kommo/companies/$1.json" "$(jq -nc --argjson id "$1" --arg name "${2:-Acme Ltd}" \
		--argjson user "$RESPONSIBLE_USER_ID" \
		'{id: $id, name: $name, first_name: null, last_name: null, responsible_user_id: $user,
		  group_id: 0, created_at: 1726500000, updated_at: 1726500000, is_deleted: false,
		  custom_fields_values: null, _links: {self: {href: "/api/v4/companies/\($id)"}},
		  _embedded: {tags: []}}')"
}

# fixture_template [ID]: one SIGN action (role Client) and the fields CompanyName
# (textfield, mandatory), DealAmount (textfield), ContractDate (datefield). Written
# without jq so that the 17-18 digit ids stay exact.
fixture_template() {
	local id=${1:-$TEMPLATE_ID} doc=$TEMPLATE_DOCUMENT_ID
	fixture_json "zoho/templates/$id.json" <<EOF
{"template_id":$id,"template_name":"Sales contract","is_sequential":true,"expiration_days":15,
 "reminder_period":5,"email_reminders":true,
 "actions":[{"action_id":$TEMPLATE_ACTION_ID,"action_type":"SIGN","role":"Client",
   "recipient_name":"","recipient_email":"","signing_order":1}],
 "document_ids":[{"document_id":$doc,"document_name":"Sales contract"}],
 "document_fields":[{"document_id":$doc,"fields":[
   {"field_id":10000000000000001,"field_name":"CompanyName","field_label":"Company name",
    "field_category":"textfield","is_mandatory":true,"default_value":""},
   {"field_id":10000000000000002,"field_name":"DealAmount","field_label":"Deal amount",
    "field_category":"textfield","is_mandatory":false,"default_value":""},
   {"field_id":10000000000000003,"field_name":"ContractDate","field_label":"Contract date",
    "field_category":"datefield","is_mandatory":false,"default_value":""},
   {"field_id":10000000000000004,"field_name":"Signature","field_label":"Signature",
    "field_category":"signature","is_mandatory":true,"default_value":""}]}]}
EOF
}

# kommo_stage ID NAME SORT PIPELINE [TYPE]: one stage of GET /api/v4/leads/pipelines.
kommo_stage() {
	printf '{"id":%s,"name":"%s","sort":%s,"is_editable":true,"pipeline_id":%s,"color":"#99ccff","type":%s,"account_id":%s}' \
	    "$1" "$2" "$3" "$4" "${5:-0}" "$ACCOUNT_ID"
}

# The account's one pipeline, with the trigger and signed stages of the default config.
fixture_pipelines() {
	fixture_json kommo/pipelines.json "{\"_total_items\":1,\"_embedded\":{\"pipelines\":[
	  {\"id\":$PIPELINE_ID,\"name\":\"Sales\",\"sort\":1,\"is_main\":true,\"is_archive\":false,
	   \"account_id\":$ACCOUNT_ID,\"_embedded\":{\"statuses\":[
	    $(kommo_stage 67548616 "Incoming leads" 10 "$PIPELINE_ID" 1), $(kommo_stage "$TRIGGER_STATUS_ID" Contract 20 "$PIPELINE_ID"),
	    $(kommo_stage "$SIGNED_STATUS_ID" Signed 30 "$PIPELINE_ID"), $(kommo_stage 142 "Closed - won" 10000 "$PIPELINE_ID"),
	    $(kommo_stage 143 "Closed - lost" 11000 "$PIPELINE_ID")]}}]}}"
}

kzs_default_fixtures() {
	mkdir -p "$FAKE_DIR/kommo" "$FAKE_DIR/zoho" "$FAKE_DIR/accounts"
	printf '%s\n' "$KOMMO_TOKEN" >"$FAKE_DIR/kommo/token"
	fixture_json kommo/account.json "{\"id\":$ACCOUNT_ID,\"name\":\"Acme\",\"subdomain\":\"acme\",\"current_user_id\":$RESPONSIBLE_USER_ID,\"country\":\"US\",\"currency\":\"USD\",\"is_technical_account\":false}"
	fixture_pipelines
	fixture_lead "$LEAD_ID"
	fixture_contact "$CONTACT_ID"
	fixture_company "$COMPANY_ID"
	fixture_template "$TEMPLATE_ID"
	printf '%s %s\n' "$ZOHO_CLIENT_ID" "$ZOHO_CLIENT_SECRET" >"$FAKE_DIR/accounts/clients"
	printf '%s\n' "$ZOHO_REFRESH_TOKEN" >"$FAKE_DIR/accounts/refresh_tokens"
}

# ---- configuration ----

kzs_write_config() {
	(
		umask 077
		cat >"$T/kzs.conf" <<EOF
[state]
dir = $T/state
$(kzs_backend_config)

[kommo]
subdomain = acme
base_url = $KOMMO_URL
account_id = $ACCOUNT_ID
token = $KOMMO_TOKEN
hook_secret = $HOOK_SECRET
pipeline_id = $PIPELINE_ID
trigger_status_id = $TRIGGER_STATUS_ID
signed_status_id = $SIGNED_STATUS_ID
task_type_id = 1

[zoho]
dc = eu
accounts_url = $ACCOUNTS_URL
sign_url = $SIGN_URL/api/v1
client_id = $ZOHO_CLIENT_ID
client_secret = $ZOHO_CLIENT_SECRET
refresh_token = $ZOHO_REFRESH_TOKEN
redirect_uri = $APP_URL/cgi-bin/oauth-callback
webhook_secret = $WEBHOOK_SECRET
template_id = $TEMPLATE_ID

[fields]
CompanyName = company.name
DealAmount = lead.price
ContractDate = today

[signers]
Client = contact.main
EOF
	)
	chmod 600 "$T/kzs.conf"
}

# kzs_backend_config: the lines after [state] dir that choose the state's backend: none
# for GDBM; for KZS_BACKEND=mariadb, backend = mariadb and the [mariadb] section of the
# test's own server (mariadb.sh), so that a test cutting the config after [fields] keeps them.
kzs_backend_config() {
	[ "$KZS_BACKEND" = mariadb ] || return 0
	mariadb_config_section | sed 1d
}

# kzs_conf_set SECTION KEY VALUE: sets a key in $T/kzs.conf (adding it, or the section).
kzs_conf_set() {
	awk -v s="[$1]" -v k="$2" -v v="$3" '
		function put() { print k " = " v; done = 1 }
		/^[ \t]*\[/ { if (in_s && !done) put(); in_s = ($0 == s) }
		in_s && !done && $0 ~ "^[ \t]*" k "[ \t]*=" { put(); next }
		{ print }
		END { if (!done) { if (!in_s) print "\n" s; put() } }' "$T/kzs.conf" >"$T/kzs.conf.tmp" &&
		chmod 600 "$T/kzs.conf.tmp" && mv "$T/kzs.conf.tmp" "$T/kzs.conf"
}

# ---- lighttpd ----

# fcgi_block PATTERN PROGRAM MAX_PROCS ENV...: one fastcgi.server entry.
fcgi_block() {
	local pattern=$1 prog=$2 procs=$3 env="" kv
	shift 3
	for kv in "$@"; do env="$env\"${kv%%=*}\" => \"${kv#*=}\", "; done
	cat <<EOF
    "$pattern" => ((
        "bin-path" => "$prog",
        "socket" => "$T/sock/$(basename "$prog")",
        "max-procs" => $procs,
        "check-local" => "disable",
        "bin-environment" => ( $env ),
    )),
EOF
}

kzs_lighttpd_conf() {
	local prog port svc
	cat <<EOF
server.modules += ( "mod_fastcgi", "mod_accesslog" )
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $APP_PORT
server.errorlog = "$T/error.log"
accesslog.filename = "$T/access.log"
server.upload-dirs = ( "$T/upload" )
EOF
	if [ "$KZS_FAKES_ONLY" = 0 ]; then
		echo "fastcgi.server = ("
		for prog in kommo-hook zoho-hook oauth-callback; do
			fcgi_block "/cgi-bin/$prog" "$KZS_OUT/cgi-bin/$prog" "$KZS_MAX_PROCS" "KZS_CONFIG=$T/kzs.conf"
		done
		echo ")"
	fi
	# A test may add lines of its own (a login, MIME types) by defining this function.
	if declare -F kzs_lighttpd_extra >/dev/null; then kzs_lighttpd_extra; fi
}

# kzs_start_fakes: each fake listens on its port itself (one process per connection,
# keep-alive as the real servers do); their log goes to $T/fakes.out.
kzs_start_fakes() {
	local svc port
	KZS_FAKE_PIDS=
	for svc in "kommo $KOMMO_PORT" "zoho-sign $SIGN_PORT" "zoho-accounts $ACCOUNTS_PORT"; do
		port=${svc#* }
		FAKE_DIR=$FAKE_DIR FAKE_SELF_URL=http://127.0.0.1:$port FAKE_LISTEN=127.0.0.1:$port \
			"$KZS_OUT/tests/fakes/fake-${svc% *}" >>"$T/fakes.out" 2>&1 &
		KZS_FAKE_PIDS="$KZS_FAKE_PIDS $!"
		disown
	done
}

# kzs_stop_fakes: SIGUSR1 ends a fake after its connections' current requests (its
# children end normally, so LeakSanitizer gets to run); a fake still there after 15 s is killed.
kzs_stop_fakes() {
	local pid alive
	for pid in ${KZS_FAKE_PIDS:-}; do kill -USR1 "$pid" 2>/dev/null; done
	for _ in $(seq 150); do
		alive=0
		for pid in ${KZS_FAKE_PIDS:-}; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for pid in ${KZS_FAKE_PIDS:-}; do kzs_ours "$pid" && kill -9 "$pid"; done
	KZS_FAKE_PIDS=
}

# Four distinct loopback ports nobody listens on.
kzs_pick_ports() {
	local p used
	KZS_PORTS=()
	used=$(ss -Htln 2>/dev/null | awk '{ n = split($4, a, ":"); printf "%s ", a[n] }')
	while [ "${#KZS_PORTS[@]}" -lt 4 ]; do
		p=$((20000 + RANDOM % 12000)) # below the ephemeral range of outgoing connections
		case " ${KZS_PORTS[*]} $used " in *" $p "*) continue ;; esac
		KZS_PORTS+=("$p")
	done
	APP_PORT=${KZS_PORTS[0]} KOMMO_PORT=${KZS_PORTS[1]}
	SIGN_PORT=${KZS_PORTS[2]} ACCOUNTS_PORT=${KZS_PORTS[3]}
	export APP_URL=http://127.0.0.1:$APP_PORT KOMMO_URL=http://127.0.0.1:$KOMMO_PORT
	export SIGN_URL=http://127.0.0.1:$SIGN_PORT ACCOUNTS_URL=http://127.0.0.1:$ACCOUNTS_PORT
}

# Waits until lighttpd and the fakes answer on every port; 1 if one died, 2 if one
# never answered.
kzs_wait_ready() {
	local port pid deadline=$((SECONDS + 20))
	for port in "${KZS_PORTS[@]}"; do
		until curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; do
			for pid in "$KZS_LIGHTTPD_PID" $KZS_FAKE_PIDS; do kill -0 "$pid" 2>/dev/null || return 1; done
			[ "$SECONDS" -lt "$deadline" ] || return 2
			sleep 0.1
		done
	done
}

# Stops lighttpd (disowned, so polled rather than waited for).
kzs_stop_lighttpd() {
	kill "$KZS_LIGHTTPD_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$KZS_LIGHTTPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	KZS_LIGHTTPD_PID=
}

# kzs_setup [--fakes-only] [MAX_PROCS]: starts everything (MAX_PROCS FastCGI processes
# per program, default 2). --fakes-only serves the fakes without our programs.
kzs_setup() {
	local rc prog
	KZS_FAKES_ONLY=0
	if [ "${1:-}" = --fakes-only ]; then KZS_FAKES_ONLY=1; shift; fi
	KZS_MAX_PROCS=${1:-2}
	T=$(mktemp -d "${TMPDIR:-/tmp}/kzs-e2e.XXXXXX") || exit 1
	export T FAKE_DIR=$T/fake
	trap kzs_teardown EXIT
	mkdir -p "$T/www" "$T/sock" "$T/upload" "$FAKE_DIR"
	mkdir -m 700 "$T/state"
	# The test's own database server, before the config that names it is written (with
	# --fakes-only too: such a test may run our programs behind a server of its own).
	[ "$KZS_BACKEND" != mariadb ] || mariadb_start

	for prog in tests/fakes/fake-kommo tests/fakes/fake-zoho-sign tests/fakes/fake-zoho-accounts \
		cgi-bin/kommo-hook cgi-bin/zoho-hook cgi-bin/oauth-callback; do
		[ "$KZS_FAKES_ONLY" = 1 ] && [ "${prog#cgi-bin/}" != "$prog" ] && continue
		if [ ! -x "$KZS_OUT/$prog" ]; then
			not_ok "setup: $KZS_OUT/$prog is missing (make test-programs)"
			exit 1
		fi
	done

	export KOMMO_TOKEN HOOK_SECRET WEBHOOK_SECRET ZOHO_CLIENT_ID ZOHO_CLIENT_SECRET ZOHO_REFRESH_TOKEN
	KOMMO_TOKEN=$(random_hex 24) HOOK_SECRET=$(random_hex 16) WEBHOOK_SECRET=$(random_hex 16)
	ZOHO_CLIENT_ID=1000.$(random_hex 15 | tr a-f A-F) ZOHO_CLIENT_SECRET=$(random_hex 20)
	ZOHO_REFRESH_TOKEN=1000.$(random_hex 16).$(random_hex 16)
	kzs_default_fixtures

	for _ in 1 2 3 4 5; do
		kzs_pick_ports
		kzs_write_config
		kzs_db_init || exit 1
		kzs_lighttpd_conf >"$T/lighttpd.conf"
		: >"$T/error.log"
		lighttpd -D -f "$T/lighttpd.conf" >>"$T/lighttpd.out" 2>&1 &
		KZS_LIGHTTPD_PID=$!
		disown # so that a test's own "wait" does not wait for lighttpd
		kzs_start_fakes
		kzs_wait_ready
		rc=$?
		[ "$rc" = 0 ] && break
		kzs_stop_lighttpd
		kzs_stop_fakes
		grep -qs 'Address already in use' "$T/error.log" "$T/lighttpd.out" "$T/fakes.out" || break
	done
	if [ -z "$KZS_LIGHTTPD_PID" ]; then
		not_ok "setup: lighttpd or the fakes did not start"
		tail -n 20 "$T/lighttpd.out" "$T/error.log" "$T/fakes.out" 2>/dev/null | sed 's/^/#   /'
		exit 1
	fi
	# The readiness probes were calls too: start the log and the rate windows afresh.
	rm -f "$FAKE_DIR/calls.jsonl" "$FAKE_DIR/calls.seq" "$FAKE_DIR"/*/rate_window.*
	export APP_PORT KOMMO_PORT SIGN_PORT ACCOUNTS_PORT
}

# kzs_db_init: under KZS_BACKEND=mariadb, the state tables in the test's database (kzsctl
# db init), once, before our programs first run; nothing for GDBM.
kzs_db_init() {
	[ "$KZS_BACKEND" = mariadb ] || return 0
	[ "${KZS_DB_READY:-0}" = 0 ] || return 0
	if ! kzsctl db init >/dev/null; then
		not_ok "setup: kzsctl db init failed"
		tail -n 5 "$T/kzsctl.log" | sed 's/^/#   /'
		return 1
	fi
	KZS_DB_READY=1
}

# kzs_empty_state CONF: points the config file CONF at a state of its own, empty: a new
# folder beside $T/state, and under KZS_BACKEND=mariadb a new database of the test's
# server with its tables made.
kzs_empty_state() {
	local n=$((${KZS_EMPTY_STATES:-0} + 1))
	KZS_EMPTY_STATES=$n
	mkdir -m 700 "$T/state-$n" || return 1
	sed -i "s|^dir = .*|dir = $T/state-$n|" "$1"
	[ "$KZS_BACKEND" = mariadb ] || return 0
	mariadb_sql "CREATE DATABASE kzs_$n;
		GRANT ALL PRIVILEGES ON kzs_$n.* TO '$MARIADB_USER'@'127.0.0.1', '$MARIADB_USER'@'localhost';" &&
		sed -i "s|^database = .*|database = kzs_$n|" "$1" &&
		KZS_CONFIG=$1 "$KZS_OUT/deploy/kzsctl" db init >/dev/null 2>>"$T/kzsctl.log"
}

# gdbm_only WHAT: true under GDBM; under another backend, says that WHAT (a check of the
# GDBM files themselves) is left out, and is false. if gdbm_only "..."; then ...; fi
gdbm_only() {
	[ "$KZS_BACKEND" = gdbm ] && return 0
	echo "# [state] backend = $KZS_BACKEND: left out: $*"
	return 1
}

# kzs_ours PID: true while PID is one of our programs or fakes (an id may be reused).
kzs_ours() { case $(readlink "/proc/$1/exe" 2>/dev/null) in "$KZS_OUT_REAL"/*) return 0 ;; esac; return 1; }

# kzs_test_programs: the ids of our programs' processes that run for this test (their
# KZS_CONFIG lies under $T), one a line: lighttpd's FastCGI processes, after-answer
# children, plain CGI runs and kzsctl, wherever their parent went. Another test's, or a
# run's of another clone, are not this test's business.
kzs_test_programs() {
	local pid
	for pid in $(ls /proc | grep -E '^[0-9]+$'); do
		kzs_ours "$pid" || continue
		tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qF "KZS_CONFIG=$T/" && echo "$pid"
	done
}

# kzs_end_programs PID...: those still our programs get SIGUSR1, then kill -9 when they
# are still there after 5 s.
kzs_end_programs() {
	local pid alive
	for pid; do kzs_ours "$pid" && kill -USR1 "$pid"; done
	for _ in $(seq 50); do
		alive=0
		for pid; do kzs_ours "$pid" && alive=1; done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for pid; do kzs_ours "$pid" && kill -9 "$pid"; done
	return 0
}

# kzs_teardown: stops lighttpd and its FastCGI children, the fakes and a MariaDB server of
# mariadb.sh, reports sanitizer findings, removes $T unless KZS_KEEP=1. Runs on exit.
kzs_teardown() {
	local rc=$? pids pid alive line
	if [ -n "${KZS_LIGHTTPD_PID:-}" ]; then
		# SIGUSR1 makes a libfcgi program leave its accept loop and exit normally, so
		# LeakSanitizer gets to run; lighttpd's own stop would only kill them.
		pids=$(pgrep -P "$KZS_LIGHTTPD_PID")
		for pid in $pids; do kill -USR1 "$pid" 2>/dev/null; done
		for _ in $(seq 50); do
			alive=0
			for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
			[ "$alive" = 0 ] && break
			sleep 0.1
		done
		pids="$pids $(pgrep -P "$KZS_LIGHTTPD_PID")" # any it restarted meanwhile
		kzs_stop_lighttpd
		# Those it restarted outlive its stop, waiting in accept, where libfcgi only notes a
		# SIGTERM: SIGUSR1 as above, then kill -9 (a process left would count in later tests).
		kzs_end_programs $pids
	fi
	# Any left of this test: a FastCGI process lighttpd started while it stopped (missed
	# above, then orphaned) once spun in LeakSanitizer's exit for an hour, a core lost
	# to every later test.
	[ -z "${T:-}" ] || kzs_end_programs $(kzs_test_programs)
	kzs_stop_fakes
	# Under KZS_BACKEND=mariadb the state is in the database: a GDBM file would mean a test
	# ran on the other backend without saying so.
	if [ "$KZS_BACKEND" = mariadb ] && [ -n "${T:-}" ] && [ -d "$T/state" ] &&
		line=$(cd "$T/state" && ls -- *.db 2>/dev/null | tr '\n' ' ') && [ -n "$line" ]; then
		not_ok "backend mariadb: GDBM files were made in the state folder: $line"
		rc=1
	fi
	# The test's MariaDB server (mariadb.sh) ends before its data directory goes.
	if declare -F mariadb_stop >/dev/null; then mariadb_stop; fi
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		line=$(grep -h -m1 -E 'AddressSanitizer|runtime error:|LeakSanitizer' \
			"$T/error.log" "$T/lighttpd.out" "$T/fakes.out" "$T/kzsctl.log" 2>/dev/null | head -n 1)
		if [ -n "$line" ]; then
			not_ok "sanitizer report: $line"
			rc=1
		fi
		if [ "${KZS_KEEP:-0}" = 1 ]; then
			echo "# kept $T"
		else
			rm -rf "$T"
		fi
	fi
	[ "$KZS_FAILED" -eq 0 ] || rc=1
	exit "$rc"
}

# ---- the admin's browser ----

# browser_setup: headless Chromium for the admin's browser (a test fails without it),
# and where screenshots go: $artefacts (build/artefacts, ignored), named with $variant
# (-asan under the sanitizer build).
browser_setup() {
	CHROMIUM=$(command -v chromium || command -v chromium-browser)
	if [ -z "$CHROMIUM" ]; then
		not_ok "chromium is not installed (sh deploy/install-deps.sh --tests installs it)"
		exit 1
	fi
	artefacts=$KZS_ROOT/build/artefacts
	case $KZS_OUT in */build/asan) variant=-asan ;; *) variant= ;; esac
	mkdir -p "$artefacts"
}

# browser < SCRIPT: runs SCRIPT (see browser.pl) in the admin's Chromium profile.
browser() { perl "$KZS_ROOT/tests/e2e/browser.pl" "$CHROMIUM" "$T/chromium"; }

# is_png FILE: true when FILE starts as a PNG image does.
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

# ---- the state store and OAuth ----

# store_get STORE KEY: a record of the state store STORE (e.g. store_get tokens
# zoho.refresh), nothing when absent. store_put STORE KEY VALUE writes one; store_keys STORE
# lists the keys, sorted. Under GDBM, $T/state/STORE.db through Perl's GDBM_File, under the
# store's own lock file like our programs; under KZS_BACKEND=mariadb, the table kzs_STORE.
kzs_store() {
	if [ "$KZS_BACKEND" = mariadb ]; then kzs_store_sql "$@"; return; fi
	perl -MGDBM_File -MFcntl=:flock -e '
		my ($db, $op, $key, $val) = @ARGV;
		open(my $lock, ">>", "$db.lock") or die "$db.lock: $!";
		flock($lock, LOCK_EX) or die;
		my $flags = $op eq "put" ? GDBM_WRCREAT : GDBM_READER;
		exit 0 if $op ne "put" && !-e "$db.db";
		tie(my %h, "GDBM_File", "$db.db", $flags | GDBM_NOLOCK, 0600) or die "$db.db: $!";
		if ($op eq "get") { print $h{$key} if exists $h{$key} }
		elsif ($op eq "put") { $h{$key} = $val }
		else { print "$_\n" for sort keys %h }
		untie %h;' "$T/state/$1" "$2" "${3:-}" "${4:-}"
}

# kzs_store_sql STORE get|put|keys [KEY] [VALUE]: kzs_store on the table kzs_STORE. Keys
# and values travel in hex, so any bytes stay whole; a write takes the store's row of
# kzs_lock first, as our programs' writers do.
kzs_store_sql() {
	local table=kzs.kzs_$1 key val
	key=$(printf '%s' "${3:-}" | od -An -tx1 -v | tr -d ' \n')
	case $2 in
	get) mariadb_sql "SELECT HEX(v) FROM $table WHERE k = X'$key'" | unhex ;;
	keys) mariadb_sql "SELECT HEX(k) FROM $table ORDER BY k" | unhex_lines ;;
	put)
		val=$(printf '%s' "${4:-}" | od -An -tx1 -v | tr -d ' \n')
		mariadb_sql "START TRANSACTION;
			SELECT store FROM kzs.kzs_lock WHERE store = '$1' FOR UPDATE;
			INSERT INTO $table (k, v) VALUES (X'$key', X'$val') ON DUPLICATE KEY UPDATE v = VALUES(v);
			COMMIT;" >/dev/null
		;;
	esac
}

# state_check_name STORE: the name of STORE's line in kzsctl check: "state file deals",
# or under KZS_BACKEND=mariadb "state table kzs_deals".
state_check_name() {
	if [ "$KZS_BACKEND" = mariadb ]; then echo "state table kzs_$1"; else echo "state file $1"; fi
}

# pace_rings: the pacing rings our programs made, pace-SERVICE one a line, sorted: the
# files in the state folder, or under KZS_BACKEND=mariadb the rows of kzs_pace.
pace_rings() {
	if [ "$KZS_BACKEND" = mariadb ]; then
		mariadb_sql "SELECT CONCAT('pace-', service) FROM kzs.kzs_pace ORDER BY service"
	else
		(cd "$T/state" && ls pace-* 2>/dev/null)
	fi
}

# unhex: one value's hex digits back to its bytes; unhex_lines: one a line, each then a newline.
unhex() { perl -ne 'chomp; print pack("H*", $_)'; }
unhex_lines() { perl -lne 'print pack("H*", $_)'; }
store_get() { kzs_store "$1" get "$2"; }
store_put() { kzs_store "$1" put "$2" "$3"; }
store_keys() { kzs_store "$1" keys; }

# oauth_admin_setup: sets [admin] secret (ADMIN_SECRET) in the config.
oauth_admin_setup() {
	ADMIN_SECRET=$(random_hex 16)
	kzs_conf_set admin secret "$ADMIN_SECRET"
}

# kommo_oauth_setup: Kommo through OAuth instead of the long-lived token: an integration
# registered at the fake (KOMMO_CLIENT_ID, KOMMO_CLIENT_SECRET) and the config keys.
kommo_oauth_setup() {
	KOMMO_CLIENT_ID=$(random_hex 16) KOMMO_CLIENT_SECRET=$(random_hex 32)
	fixture_json "kommo/oauth/clients/$KOMMO_CLIENT_ID.json" "$(jq -nc --arg s "$KOMMO_CLIENT_SECRET" \
		--arg r "$APP_URL/cgi-bin/oauth-callback" '{client_secret: $s, redirect_uri: $r}')"
	kzs_conf_set kommo token ""
	kzs_conf_set kommo client_id "$KOMMO_CLIENT_ID"
	kzs_conf_set kommo client_secret "$KOMMO_CLIENT_SECRET"
	kzs_conf_set kommo redirect_uri "$APP_URL/cgi-bin/oauth-callback"
	kzs_conf_set kommo oauth_url "$KOMMO_URL/oauth"
}

# oauth_get QUERY [CURL_ARGS...]: GET oauth-callback?QUERY. Sets STATUS and BODY.
oauth_get() {
	local query=$1
	shift
	http_call GET "$APP_URL/cgi-bin/oauth-callback${query:+?$query}" "$@"
}

# The admin's browser for curl: its cookie jar ($T/admin.cookies), sent and kept.
admin_browser() { printf '%s\n' -b "$T/admin.cookies" -c "$T/admin.cookies"; }

# oauth_start PROVIDER: what the admin's browser does to start a flow: the start page
# (which sets the CSRF cookie) and its Connect form, POSTed with the token. Sets STATUS
# and BODY; the answer's Location is the consent page.
oauth_start() {
	local csrf
	oauth_get "secret=$ADMIN_SECRET" $(admin_browser)
	csrf=$(printf '%s' "$BODY" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
	http_call POST "$APP_URL/cgi-bin/oauth-callback" "provider=$1&csrf=$csrf" \
		application/x-www-form-urlencoded $(admin_browser)
}

# oauth_return URL: the provider sends the admin's browser (with its cookies) to URL.
oauth_return() { http_call GET "$1" $(admin_browser); }

# oauth_consent PROVIDER ANSWER: the rest of what the admin's browser does: oauth_start,
# the 302 to the fake's consent page, then its link ANSWER (accept or deny for zoho, allow
# or deny for kommo). Prints the callback URL the provider redirects to (to be opened
# with oauth_return); nothing if a step failed.
oauth_consent() {
	local consent link base
	oauth_start "$1"
	[ "$STATUS" = 302 ] || return 1
	consent=$(resp_header Location)
	base=$(printf '%s' "$consent" | sed -E 's#^(https?://[^/]+).*#\1#')
	link=$(curl -s --max-time 30 "$consent" | sed -n "s/.*id=\"$2\" href=\"\\([^\"]*\\)\".*/\\1/p")
	[ -n "$link" ] || return 1
	curl -s -o /dev/null -D "$T/consent.headers" --max-time 30 "$base$link" || return 1
	tr -d '\r' <"$T/consent.headers" | sed -n 's/^[Ll]ocation: //p'
}

# post_leads_at_once LEAD...: writes each lead's fixture, then posts their webhooks all
# at once (one curl each, in parallel) and waits for the answers.
post_leads_at_once() {
	local lead pids=()
	for lead in "$@"; do fixture_lead "$lead"; done
	: >"$T/at_once.codes"
	for lead in "$@"; do
		curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/x-www-form-urlencoded' \
			--data-binary "$(kommo_status_body "$lead")" "$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET" \
			>>"$T/at_once.codes" &
		pids+=($!)
	done
	wait "${pids[@]}"
	# A refused delivery would be Kommo's to repeat, not ours to lose: make it visible.
	check_eq "$# webhooks at once: every one acknowledged" "$(sort -u "$T/at_once.codes" | tr '\n' ' ')" "200 "
}

# query_param NAME URL: the decoded value of NAME in URL's query.
query_param() { printf '%s' "${2#*\?}" | form_field "$1"; }

# ---- long runs (tests/stress) ----

# lift_pacing: for runs that test something else than the rate limits, our programs
# call as fast as they can ([limits]) and the fakes enforce no limit. Says so.
lift_pacing() {
	kzs_conf_set limits kommo_calls_per_second 100000
	kzs_conf_set limits zoho_calls_per_minute 100000
	printf '0\n' >"$FAKE_DIR/kommo/rate_limit"
	printf '0\n' >"$FAKE_DIR/zoho/rate_limit"
	echo "# pacing lifted for this run: [limits] kommo_calls_per_second and zoho_calls_per_minute" \
		"100000, the fakes' kommo/rate_limit and zoho/rate_limit 0 (tests/stress/pacing.sh tests the real limits)"
}


# drain_until_empty SECONDS [PARALLEL]: what an operator does after an outage,
# "kzsctl retry; kzsctl drain" (PARALLEL drains at once, default 1), again until the
# queue is empty. 1 when jobs are still queued after SECONDS.
drain_until_empty() {
	local deadline=$((SECONDS + $1)) i pids
	until queue_is_empty; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		kzsctl retry >/dev/null
		pids=()
		for ((i = 0; i < ${2:-1}; i++)); do
			kzsctl drain >/dev/null &
			pids+=($!)
		done
		wait "${pids[@]}"
		sleep 0.5
	done
}

# max_in_window SERVICE WINDOW_MS: the most calls to SERVICE that arrived at the fakes
# within any WINDOW_MS (from at_ms in the call log).
max_in_window() {
	[ -s "$FAKE_DIR/calls.jsonl" ] || { echo 0; return; }
	jq -r --arg s "$1" 'select(.service == $s) | .at_ms' "$FAKE_DIR/calls.jsonl" | sort -n |
		awk -v w="$2" '{ t[NR] = $1; while (t[NR] - t[first + 1] >= w) first++
			if (NR - first > max) max = NR - first } END { print max + 0 }'
}

# KZS_BACKEND=mariadb runs every test of kzs_setup with [state] backend = mariadb on a
# MariaDB server of its own (mariadb.sh); the default, gdbm, keeps the state in GDBM files.
KZS_BACKEND=${KZS_BACKEND:-gdbm}
case $KZS_BACKEND in
gdbm) ;;
mariadb) . "$KZS_ROOT/tests/e2e/mariadb.sh" ;;
*) echo "not ok - KZS_BACKEND is gdbm or mariadb, not $KZS_BACKEND"; exit 1 ;;
esac
