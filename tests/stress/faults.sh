#!/usr/bin/env bash
# Faults: 200 deals through the whole lifecycle (Kommo's webhook sends the contract, the
# signers open it and sign, Zoho's RequestViewed and RequestCompleted webhooks bring the
# status and the PDF back and move the deal) while the fakes fail about 30% of the calls
# to Kommo, its drive and Zoho Sign at random: 500, 502, 429 (Kommo's with retry_after),
# answers later than [limits] http_timeout, connections dropped before and after the
# work was done, connections closed without a byte of the answer after the work was
# done (on any connection, and on kept-alive ones, where libcurl would send the request
# again), and once an HTML 403 from Kommo (a ban: every process leaves Kommo alone for
# kommo_ban_pause_minutes, here its minimum of 1).
# The configuration uses what a real account would: two signers (Client = contact.main,
# Countersigner = user.responsible) on two-role templates, the deal's status field (a
# text field, Spanish words) and request id field, notes in Spanish ([kommo] language
# = es), and a named route ([route b2b], by a condition on a lead field) with its own
# template and signed stage for half of the deals.
# The operator drains until the queue is empty; then every deal has exactly one request
# at Zoho, on its route's template, to both signers; one PDF, one stage move (to its
# route's signed stage); the request id written once; a status field that ends at the
# signed word and was never written backwards; the Spanish completion note once, naming
# both signers; no note twice.
# KZS_STRESS_DEALS changes the number of deals; KZS_FAULT_SEED repeats the dice (the
# order in which processes draw them still varies).
. "$(dirname "$0")/../e2e/lib.sh"
DEALS=${KZS_STRESS_DEALS:-200}
FIRST=5001
LAST=$((FIRST + DEALS - 1))
TIMEOUT=2    # [limits] http_timeout
SLOW_MS=3000 # the fakes' slow answers: beyond the timeout
kzs_setup 4
lift_pacing
kzs_conf_set limits http_timeout "$TIMEOUT"
kzs_conf_set limits kommo_ban_pause_minutes 1

# ---- the configuration: two signers, the status fields, Spanish, a route ----
SECOND_ACTION_ID=99887766554433222
ROUTE_TEMPLATE_ID=112233445566778801
ROUTE_SIGNED_STATUS_ID=67548626
CUSTOMER_FIELD=777  # a list field of leads: "B2B" sends by [route b2b]
STATUS_FIELD=500102 # text fields of leads: the contract's status and its request id
REQUEST_FIELD=500103
SIGNED_WORD=Firmado
CLIENT='Jane Doe <jane@example.com>' COUNTERSIGNER='Sam Sales <sam@ourco.example>'
fixture_template "$ROUTE_TEMPLATE_ID"
for tpl in "$TEMPLATE_ID" "$ROUTE_TEMPLATE_ID"; do # the client signs, then one of ours approves
	sed -i "s/\"signing_order\":1}\\]/\"signing_order\":1},{\"action_id\":$SECOND_ACTION_ID,\"action_type\":\"APPROVER\",\"role\":\"Countersigner\",\"recipient_name\":\"\",\"recipient_email\":\"\",\"signing_order\":2}]/" \
		"$FAKE_DIR/zoho/templates/$tpl.json"
done
fixture_json kommo/users.json "[{\"id\":$RESPONSIBLE_USER_ID,\"name\":\"Sam Sales\",\"email\":\"sam@ourco.example\",\"lang\":\"es\"}]"
fixture_json kommo/custom_fields/leads.json "[
 {\"id\":$CUSTOMER_FIELD,\"name\":\"Customer\",\"type\":\"select\",\"code\":null,\"sort\":1,
  \"enums\":[{\"id\":4,\"value\":\"B2B\",\"sort\":1},{\"id\":5,\"value\":\"B2C\",\"sort\":2}]},
 {\"id\":$STATUS_FIELD,\"name\":\"Estado del contrato\",\"type\":\"text\",\"code\":null,\"sort\":2,\"enums\":null},
 {\"id\":$REQUEST_FIELD,\"name\":\"Solicitud de firma\",\"type\":\"text\",\"code\":null,\"sort\":3,\"enums\":null}]"
kzs_conf_set signers Countersigner user.responsible
kzs_conf_set kommo language es
kzs_conf_set kommo status_field_id "$STATUS_FIELD"
kzs_conf_set kommo status_values "sent:Enviado, viewed:Visto, signed:$SIGNED_WORD"
kzs_conf_set kommo request_field_id "$REQUEST_FIELD"
cat >>"$T/kzs.conf" <<EOF

[route b2b]
pipeline_id = $PIPELINE_ID
trigger_status_id = $TRIGGER_STATUS_ID
template_id = $ROUTE_TEMPLATE_ID
signed_status_id = $ROUTE_SIGNED_STATUS_ID
when = lead.cf.$CUSTOMER_FIELD = "B2B"
EOF
for tpl in "$TEMPLATE_ID" "$ROUTE_TEMPLATE_ID"; do
	check_eq "template $tpl has the two roles" "$(jqb -c '[.actions[] | .role]' <"$FAKE_DIR/zoho/templates/$tpl.json")" \
		'["Client","Countersigner"]'
done
# by_route LEAD: true for the deals [route b2b] sends (every other one, marked B2B; the
# rest are marked B2C and go by the default route).
by_route() { [ $(($1 % 2)) = 0 ]; }
started=$SECONDS

SEED=${KZS_FAULT_SEED:-$((RANDOM * 32768 + RANDOM))}
printf '%s\n' "$SEED" >"$FAKE_DIR/fault_seed"
echo "# fault seed $SEED (KZS_FAULT_SEED=$SEED draws the same dice)"

# The plan: a request that misses one rule's roll goes on to the next, so each service
# fails 1 - (0.91 * 0.93 * 0.93 * 0.97 * 0.97 * 0.97 * 0.98 * 0.98) = about 30% of its calls.
{
	echo "kommo * /api/v4 1 chance 2 body 403 text/html <!DOCTYPE html><html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1><p>Access denied.</p></body></html>"
	for svc in kommo:/api/v4 drive:/drive sign:/api/v1; do
		name=${svc%%:*} prefix=${svc#*:}
		echo "$name * $prefix 0 chance 9 status 500"
		echo "$name * $prefix 0 chance 7 status 502"
		if [ "$name" = sign ]; then
			echo "$name * $prefix 0 chance 7 status 429"
		else
			echo "$name * $prefix 0 chance 7 status 429 retry_after 1"
		fi
		echo "$name * $prefix 0 chance 3 delay $SLOW_MS"
		echo "$name * $prefix 0 chance 3 drop"
		echo "$name * $prefix 0 chance 3 drop after"
		echo "$name * $prefix 0 chance 2 reused close after"
		echo "$name * $prefix 0 chance 2 close after"
	done
} >"$T/plan"
while IFS= read -r rule; do fault "$rule"; done <"$T/plan"
echo "# fault plan:"
sed 's/^/#   /' "$FAKE_DIR/faults"

# ---- what the fakes hold ----
requests_per_lead() {
	cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null | jqb -r '.request_name' |
		sed -n 's/.*(ref \([0-9]*\)-.*/\1/p' | sort | uniq -c
}
requests_total() { find "$FAKE_DIR/zoho/requests" -name '*.json' 2>/dev/null | wc -l; }
# "LEAD REQUEST" for every "contract sent" note (in Spanish): the request our program recorded.
sent_requests() {
	jq -r 'select((.params.text // "") | startswith("Contrato enviado")) | "\(.entity_id) \(.params.text)"' \
		"$FAKE_DIR/kommo/notes.jsonl" 2>/dev/null | sed -n 's/^\([0-9]*\) .*Solicitud de Zoho Sign \([0-9]*\)\.$/\1 \2/p' | sort -u
}
# effect_calls METHOD PATH_REGEX [BODY_FILTER]: "COUNT LEAD" of the calls that took
# effect at the fake (answered 200 or 201, including those dropped or closed after the
# work; not those dropped or closed before), those whose JSON body BODY_FILTER holds for.
effect_calls() {
	jq -r --arg m "$1" --arg p "$2" "select(.method == \$m and (.path | test(\$p)) and
		(.status == 200 or .status == 201) and (.fault // \"\") != \"drop\" and (.fault // \"\") != \"close\"
		and (.body | fromjson? // {} | ${3:-true})) | .path" \
		"$FAKE_DIR/calls.jsonl" | sed -n 's|^/api/v4/leads/\([0-9]*\).*|\1|p' | sort | uniq -c
}
# field_writes FIELD: "SEQ LEAD EFFECT VALUE" for every PATCH of a lead that set FIELD
# and reached the fake, in the order they arrived (EFFECT 1 when it took effect).
field_writes() {
	jq -r --argjson f "$1" 'select(.service == "kommo" and .method == "PATCH" and (.path | test("^/api/v4/leads/[0-9]+$")))
		| (.body | fromjson? // {} | .custom_fields_values // [] | .[] | select(.field_id == $f) | .values[0].value) as $v
		| "\(.seq) \(.path | ltrimstr("/api/v4/leads/")) \(if (.status == 200 and (.fault // "") != "drop"
			and (.fault // "") != "close") then 1 else 0 end) \($v)"' "$FAKE_DIR/calls.jsonl" | sort -n
}
# per_lead_exactly_one: how many of our leads appear exactly once in "COUNT LEAD" lines.
per_lead_exactly_one() { awk -v a="$FIRST" -v b="$LAST" '$1 == 1 && $2 >= a && $2 <= b' | wc -l; }
more_than_once() { awk '$1 > 1 { printf "%s%s(x%s)", sep, $2, $1; sep = " " }'; }

# quiet: waits (up to 60 s) until no call has reached the fakes for longer than their
# slowest answer, so a call that timed out on our side has been carried out at the fake
# before "kzsctl retry" makes its job due at once (in real life the backoff gives it
# 30 s or more).
quiet() {
	local size last=-1 since=$SECONDS deadline=$((SECONDS + 60))
	while [ "$SECONDS" -lt "$deadline" ]; do
		size=$(stat -c %s "$FAKE_DIR/calls.jsonl" 2>/dev/null || echo 0)
		if [ "$size" != "$last" ]; then
			last=$size since=$SECONDS
		elif [ $((SECONDS - since)) -ge $((SLOW_MS / 1000 + 2)) ]; then
			return 0
		fi
		sleep 0.5
	done
}

# ---- the deals enter "Contract" ----
mkdir -p "$T/bodies"
for ((lead = FIRST; lead <= LAST; lead++)); do
	fixture_lead "$lead"
	if by_route "$lead"; then kind=B2B; else kind=B2C; fi
	jq -c --arg k "$kind" --argjson f "$CUSTOMER_FIELD" '.custom_fields_values = [{field_id: $f,
		field_name: "Customer", field_type: "select", values: [{value: $k, enum_id: (if $k == "B2B" then 4 else 5 end)}]}]' \
		"$FAKE_DIR/kommo/leads/$lead.json" | fixture_json "kommo/leads/$lead.json"
	kommo_status_body "$lead" >"$T/bodies/$lead"
done
seq "$FIRST" "$LAST" | xargs -P 8 -I{} curl -s -o /dev/null -w '{} %{http_code}\n' --max-time 60 \
	-H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$T/bodies/{}" \
	"$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET" >"$T/kommo_acks"
check_eq "all $DEALS Kommo webhooks acknowledged 200" "$(awk '$2 == 200' "$T/kommo_acks" | wc -l)" "$DEALS"

# ---- signing, outcomes, drains ----
# Each round: Zoho's RequestViewed and RequestCompleted webhooks for every deal whose
# contract went out (each until zoho-hook acknowledged it; for every third deal the
# viewed one comes after the completion, as a late delivery), then the operator's
# "kzsctl retry; kzsctl drain". Both outcome jobs of a deal are queued in the same round,
# so parallel drains race to write its status field.
: >"$T/completed"
: >"$T/viewed"
# deliver LEAD REQUEST OPERATION FILE: the webhook once acknowledged (the lead then in FILE).
deliver() {
	grep -qx "$1" "$4" && return 0
	post_zoho_hook "$(zoho_webhook_body "$2" "$3")"
	[ "$STATUS" = 200 ] && echo "$1" >>"$4"
}
# Each deal takes about a dozen calls that each fail 30% of the time, and a job's backoff
# grows with its attempts: allow 12 s a deal (at least 15 minutes) unless told otherwise.
drain_seconds=$((DEALS * 12 > 900 ? DEALS * 12 : 900))
deadline=$((SECONDS + ${KZS_STRESS_DRAIN_SECONDS:-$drain_seconds}))
rounds=0
while :; do
	sent_requests >"$T/sent"
	while read -r lead rid; do
		grep -qx "$lead" "$T/completed" && grep -qx "$lead" "$T/viewed" && continue
		[ -f "$FAKE_DIR/zoho/requests/$rid.json" ] || continue
		[ $((lead % 3)) = 0 ] || deliver "$lead" "$rid" RequestViewed "$T/viewed"
		sign_set_status "$rid" completed
		deliver "$lead" "$rid" RequestCompleted "$T/completed"
		deliver "$lead" "$rid" RequestViewed "$T/viewed"
	done <"$T/sent"
	if [ "$(wc -l <"$T/completed")" -ge "$DEALS" ] && [ "$(wc -l <"$T/viewed")" -ge "$DEALS" ] && queue_is_empty; then
		break
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		not_ok "not done after $((SECONDS - started)) s: $(wc -l <"$T/completed") of $DEALS completed webhooks acknowledged, $(kzsctl jobs | wc -l) jobs queued"
		kzsctl jobs | head -n 10 | sed 's/^/#   /'
		break
	fi
	quiet
	kzsctl retry >/dev/null
	pids=()
	for i in 1 2 3 4; do
		kzsctl drain >/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	rounds=$((rounds + 1))
	echo "# round $rounds ($((SECONDS - started)) s): $(wc -l <"$T/sent") contracts recorded, $(wc -l <"$T/completed") completions acknowledged, $(kzsctl jobs | wc -l) jobs queued"
done
ok "all $DEALS deals went through in $rounds drain rounds, $((SECONDS - started)) s"

# ---- what happened ----
total=$(wc -l <"$FAKE_DIR/calls.jsonl")
echo "# calls to the fakes: $total; by service, with the share the fault plan hit:"
jq -rs 'group_by(.service) | .[] | "#   \(.[0].service): \(length) calls, \([.[] | select(.fault)] | length) faulted (\(([.[] | select(.fault)] | length) * 100 / length | floor)%)"' \
	"$FAKE_DIR/calls.jsonl"
echo "# faults by kind: $(jq -r 'select(.fault) | if .fault == "status" or .fault == "body" then "\(.fault) \(.status)" else .fault end' "$FAKE_DIR/calls.jsonl" | sort | uniq -c | awk '{ c = $1; $1 = ""; printf "%s%s x%s", sep, substr($0, 2), c; sep = ", " }')"
echo "# calls on reused connections: $(jq -s '[.[] | select(.reused)] | length' "$FAKE_DIR/calls.jsonl"), closed silently there: $(jq -s '[.[] | select(.reused and (.fault // "" | startswith("close")))] | length' "$FAKE_DIR/calls.jsonl")"
check_eq "no POST, PUT or PATCH on a reused connection (libcurl could send it twice)" \
	"$(jq -s '[.[] | select(.method != "GET" and .reused)] | length' "$FAKE_DIR/calls.jsonl")" 0
for svc in kommo drive sign; do
	share=$(jq -s --arg s "$svc" '[.[] | select(.service == $s)] | if length == 0 then 0 else ([.[] | select(.fault)] | length) * 100 / length | floor end' "$FAKE_DIR/calls.jsonl")
	check_match "$svc: about 30% of the calls failed ($share%)" "$share" '^(2[0-9]|3[0-9])$'
done

# The ban: one 403, then Kommo left alone for the minute (calls that had passed the
# check before the pause was stored may still land in the first second).
ban_at=$(jq -r 'select(.status == 403 and .fault == "body") | .at_ms' "$FAKE_DIR/calls.jsonl")
check_eq "one HTML 403 from Kommo" "$(printf '%s\n' "$ban_at" | grep -c .)" 1
if [ -n "$ban_at" ]; then
	during=$(jq -s --argjson t "$ban_at" '[.[] | select((.service == "kommo" or .service == "drive") and .at_ms > $t + 1000 and .at_ms < $t + 58000)] | length' "$FAKE_DIR/calls.jsonl")
	check_eq "no Kommo or drive call from 1 s to 58 s after the 403" "$during" 0
	check_match "Kommo was called again after the pause" \
		"$(jq -s --argjson t "$ban_at" '[.[] | select(.service == "kommo" and .at_ms >= $t + 60000)] | length' "$FAKE_DIR/calls.jsonl")" '^[1-9]'
fi

rq=$(requests_per_lead)
echo "# requests at Zoho: $(requests_total) ($(grep -c . <<<"$rq") leads)"
check_eq "exactly $DEALS requests at Zoho, one per lead" "$(per_lead_exactly_one <<<"$rq") $(requests_total)" "$DEALS $DEALS"
[ -z "$(more_than_once <<<"$rq")" ] || echo "#   more than one request: $(more_than_once <<<"$rq")"
adopted=$(app_log | grep -c 'adopted Zoho Sign request')
echo "# requests adopted after a lost createdocument answer: $adopted"
check_eq "the recorded request of every lead is its one request" "$(sent_requests | awk '{ print $1 }' | sort | uniq -c | per_lead_exactly_one)" "$DEALS"
# "LEAD TEMPLATE ROLE=ADDRESS,..." of every request at Zoho.
cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null |
	jqb -r '"\(._received.template_id) \([.actions[] | "\(.role)=\(.recipient_email)"] | join(",")) \(.request_name)"' |
	sed -n 's/^\([^ ]*\) \([^ ]*\) .*(ref \([0-9]*\)-.*/\3 \1 \2/p' >"$T/request_templates"
right=$(awk -v a="$FIRST" -v b="$LAST" -v rt="$ROUTE_TEMPLATE_ID" -v dt="$TEMPLATE_ID" \
	'$1 >= a && $1 <= b && $2 == ($1 % 2 == 0 ? rt : dt) && $3 == "Client=jane@example.com,Countersigner=sam@ourco.example"' \
	"$T/request_templates" | wc -l)
echo "# requests by [route b2b] on template $ROUTE_TEMPLATE_ID: $(awk -v t="$ROUTE_TEMPLATE_ID" '$2 == t' "$T/request_templates" | wc -l), by the default route: $(awk -v t="$TEMPLATE_ID" '$2 == t' "$T/request_templates" | wc -l)"
check_eq "every request on its route's template (B2B deals on [route b2b]'s), to the client and the countersigner" "$right" "$DEALS"
[ "$right" = "$DEALS" ] || awk -v rt="$ROUTE_TEMPLATE_ID" -v dt="$TEMPLATE_ID" \
	'$2 != ($1 % 2 == 0 ? rt : dt) || $3 != "Client=jane@example.com,Countersigner=sam@ourco.example"' \
	"$T/request_templates" | head -n 5 | sed 's/^/#   wrong: /'

links=$(awk -v a="$FIRST" -v b="$LAST" '{ if (match($0, /"lead_id":[0-9]+/)) { l = substr($0, RSTART + 10, RLENGTH - 10); if (l >= a && l <= b) print l } }' \
	"$FAKE_DIR/kommo/lead_files.jsonl" 2>/dev/null | sort | uniq -c)
puts=$(effect_calls PUT '^/api/v4/leads/[0-9]+/files$')
echo "# PDFs linked to deals: $(grep -c . <<<"$links") deals, $(awk '{ s += $1 } END { print s + 0 }' <<<"$links") links; PUT /files that took effect: $(awk '{ s += $1 } END { print s + 0 }' <<<"$puts")"
check_eq "exactly $DEALS PDFs linked, one per lead" "$(per_lead_exactly_one <<<"$links") $(awk '{ s += $1 } END { print s + 0 }' <<<"$links")" "$DEALS $DEALS"
[ -z "$(more_than_once <<<"$links")" ] || echo "#   linked more than once: $(more_than_once <<<"$links")"
check_eq "one successful PUT /files per lead" "$(per_lead_exactly_one <<<"$puts")" "$DEALS"
files=$(find "$FAKE_DIR/kommo/files" -type f -name "*.json" 2>/dev/null | wc -l)
echo "# files on the drive: $files ($((files - DEALS)) not linked: uploads whose last answer was lost and were made again)"

moves=$(effect_calls PATCH '^/api/v4/leads/[0-9]+$' 'has("status_id")')
echo "# stage moves that took effect: $(awk '{ s += $1 } END { print s + 0 }' <<<"$moves") for $(grep -c . <<<"$moves") deals"
check_eq "exactly $DEALS stage moves, one per lead" "$(per_lead_exactly_one <<<"$moves") $(awk '{ s += $1 } END { print s + 0 }' <<<"$moves")" "$DEALS $DEALS"
[ -z "$(more_than_once <<<"$moves")" ] || echo "#   moved more than once: $(more_than_once <<<"$moves")"

notes=$(jq -r '"\(.entity_id)\t\(.note_type)\t\(.params.text // .params.file_name)"' "$FAKE_DIR/kommo/notes.jsonl")
dup_notes=$(sort <<<"$notes" | uniq -d)
echo "# notes on the deals: $(grep -c . <<<"$notes") (sent, viewed, attachment, signed: $((DEALS * 4)) expected); repeated: $(grep -c . <<<"$dup_notes")"
check_eq "no note twice on a deal" "$(grep -c . <<<"$dup_notes")" 0
[ -z "$dup_notes" ] || sort <<<"$notes" | uniq -cd | cut -c1-160 | head -n 10 | sed 's/^/#   /'
check_eq "four notes on every deal" \
	"$(cut -f1 <<<"$notes" | sort | uniq -c | awk '$1 == 4' | wc -l)" "$DEALS"
completion=$(jq -r --arg who "Contrato firmado por $CLIENT el .*, $COUNTERSIGNER el .*\\. La solicitud de Zoho Sign [0-9]+ está completa" \
	'select((.params.text // "") | test($who)) | .entity_id' "$FAKE_DIR/kommo/notes.jsonl" | sort | uniq -c)
check_eq "the completion note, in Spanish and naming both signers, once on every deal" \
	"$(per_lead_exactly_one <<<"$completion")" "$DEALS"

# The status field: PATCHes that reached the fake, in the order they arrived. Ranks never
# go down per lead (any attempt, taken or not); each word takes effect at most once.
field_writes "$STATUS_FIELD" >"$T/status_writes"
echo "# status field PATCHes: $(wc -l <"$T/status_writes") reached Kommo, $(awk '$3 == 1' "$T/status_writes" | wc -l) took effect ($(awk '$3 == 1 { print $4 }' "$T/status_writes" | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }'))"
backwards=$(awk -v s="$SIGNED_WORD" 'BEGIN { rank["Enviado"] = 1; rank["Visto"] = 2; rank[s] = 3 }
	{ r = rank[$4] + 0; if (r < top[$2]) printf "%s%s:%s after %s", sep, $2, $4, word[$2]; sep = " "
	  if (r > top[$2]) { top[$2] = r; word[$2] = $4 } }' "$T/status_writes")
check_eq "no status field written backwards" "$backwards" ""
check_eq "no status word took effect twice on a deal" \
	"$(awk '$3 == 1 { print $2, $4 }' "$T/status_writes" | sort | uniq -d)" ""
check_eq "every deal's status was sent ($(awk -v s="$SIGNED_WORD" 'BEGIN { printf "Enviado then %s", s }'))" \
	"$(awk -v s="$SIGNED_WORD" '$3 == 1 && ($4 == "Enviado" || $4 == s) { print $2, $4 }' "$T/status_writes" | cut -d' ' -f1 | sort | uniq -c | awk '$1 == 2' | wc -l)" "$DEALS"
field_writes "$REQUEST_FIELD" | awk '$3 == 1 { print $2, $4 }' | sort >"$T/request_writes"
check_eq "the request id field written once per deal, with its request" \
	"$(join "$T/request_writes" <(sent_requests | sort) | awk '$2 == $3' | wc -l) $(wc -l <"$T/request_writes")" "$DEALS $DEALS"

signed=0 status_shown=0
for ((lead = FIRST; lead <= LAST; lead++)); do
	stage=$SIGNED_STATUS_ID
	by_route "$lead" && stage=$ROUTE_SIGNED_STATUS_ID
	[ "$(jq -r .status_id "$FAKE_DIR/kommo/leads/$lead.json")" = "$stage" ] && signed=$((signed + 1))
	[ "$(jq -r --argjson f "$STATUS_FIELD" '(.custom_fields_values // [])[] | select(.field_id == $f) | .values[0].value' \
		"$FAKE_DIR/kommo/leads/$lead.json")" = "$SIGNED_WORD" ] && status_shown=$((status_shown + 1))
done
echo "# deals in their route's signed stage: $signed of $DEALS; showing \"$SIGNED_WORD\": $status_shown"
check_eq "no deal lost: every lead in its route's signed stage" "$signed" "$DEALS"
check_eq "every deal's status field ends at \"$SIGNED_WORD\"" "$status_shown" "$DEALS"
check_eq "nothing left in the queue, nothing given up" "$(kzsctl jobs | wc -l)" 0
echo "# run took $((SECONDS - started)) s"
