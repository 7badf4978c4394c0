#!/usr/bin/env bash
# Several routes in one config: a lead is sent by the first [route NAME] whose pipeline,
# trigger stage and condition match it (B2B and B2C templates, each with its own
# fields), else by the default route of the [kommo]/[zoho] keys; none matching sends
# nothing and logs one line; the signed stage move is the sending route's, as recorded
# when it sent, even after the config changed.
. "$(dirname "$0")/lib.sh"
kzs_setup
echo 0 >"$FAKE_DIR/kommo/rate_limit"
echo 0 >"$FAKE_DIR/zoho/rate_limit"
kzs_conf_set limits zoho_calls_per_minute 1000

SALES2=9000001 SALES2_TRIGGER=9000010 B2B_SIGNED=9000020 B2C_SIGNED=9000030
OTHER=9000002 OTHER_TRIGGER=9000011 RENEWAL=67548700
B2B_TPL=112233445566778801 B2C_TPL=112233445566778802 FIRST_TPL=112233445566778803
SECOND_TPL=112233445566778804 RENEWAL_TPL=112233445566778805
for t in $B2B_TPL $B2C_TPL $FIRST_TPL $SECOND_TPL $RENEWAL_TPL; do fixture_template "$t"; done
cat >>"$T/kzs.conf" <<EOF

[route b2b]
pipeline_id = $SALES2
trigger_status_id = $SALES2_TRIGGER
template_id = $B2B_TPL
signed_status_id = $B2B_SIGNED
when = lead.cf.777 = "B2B"

[route b2b fields]
DealAmount = "on invoice"

[route b2c]
pipeline_id = $SALES2
trigger_status_id = $SALES2_TRIGGER
template_id = $B2C_TPL
signed_status_id = $B2C_SIGNED
when = lead.cf.777 = "B2C"

[route first]
pipeline_id = $OTHER
trigger_status_id = $OTHER_TRIGGER
template_id = $FIRST_TPL

[route second]
pipeline_id = $OTHER
trigger_status_id = $OTHER_TRIGGER
template_id = $SECOND_TPL

[route renewal]
pipeline_id = $PIPELINE_ID
trigger_status_id = $RENEWAL
template_id = $RENEWAL_TPL
EOF

creates() { calls sign POST "/api/v1/templates/$1/createdocument"; }
# lead_with ID STATUS PIPELINE [KIND]: a lead whose list field 777 says KIND.
lead_with() {
	fixture_lead "$1" "$2" "$3"
	[ -z "${4:-}" ] && return 0
	jq -c --arg k "$4" '.custom_fields_values = [{field_id: 777, field_name: "Customer",
		field_type: "select", values: [{value: $k, enum_id: 4}]}]' "$FAKE_DIR/kommo/leads/$1.json" |
		fixture_json "kommo/leads/$1.json"
}
# hook ID STATUS PIPELINE: the lead entered the stage; prints kommo-hook's answer.
hook() { post_kommo_hook "$(kommo_status_body "$1" "$2" "$3")"; echo "$STATUS $BODY"; }
# data_of TEMPLATE: the data of the last createdocument made from it.
data_of() { call_bodies sign POST "/api/v1/templates/$1/createdocument" | tail -n 1 | form_field data; }

# kommo-hook takes a lead entering any route's stage, and no other.
lead_with 2001 "$SALES2_TRIGGER" "$SALES2" B2B
lead_with 2002 "$SALES2_TRIGGER" "$SALES2" B2C
check_eq "a route's stage is taken" "$(hook 2001 "$SALES2_TRIGGER" "$SALES2")" "200 accepted 1 of 1"
check_eq "the same stage, another lead" "$(hook 2002 "$SALES2_TRIGGER" "$SALES2")" "200 accepted 1 of 1"
check_eq "another stage of a route's pipeline is not" "$(hook 2001 "$B2B_SIGNED" "$SALES2")" "200 accepted 0 of 1"
wait_until "both sent" queue_empty
# By condition: B2B and B2C leads of the same stage, each with its route's template and fields.
check_eq "by condition: B2B on the b2b template, B2C on the b2c one, the default's not used" \
	"$(creates $B2B_TPL) $(creates $B2C_TPL) $(creates "$TEMPLATE_ID")" "1 1 0"
check_eq "b2b: its own DealAmount, the global CompanyName" \
	"$(data_of $B2B_TPL | jq -r '.templates.field_data.field_text_data | "\(.DealAmount)|\(.CompanyName)"')" \
	"on invoice|Acme Ltd"
check_eq "b2c: the global fields" \
	"$(data_of $B2C_TPL | jq -r '.templates.field_data.field_text_data | "\(.DealAmount)|\(.CompanyName)"')" \
	"5000|Acme Ltd"
check_match "the send is logged with its route" "$(app_log)" "lead 2001: Zoho Sign request [0-9]+ sent to .* by route b2b"

# By pipeline and stage: the default pipeline's trigger stage (the default route, tried
# after the named ones) and another stage of it (route renewal).
lead_with 2003 "$TRIGGER_STATUS_ID" "$PIPELINE_ID"
lead_with 2004 "$RENEWAL" "$PIPELINE_ID"
hook 2003 "$TRIGGER_STATUS_ID" "$PIPELINE_ID" >/dev/null
hook 2004 "$RENEWAL" "$PIPELINE_ID" >/dev/null
wait_until "sent by stage" queue_empty
check_eq "by stage: the default route's template, and renewal's" \
	"$(creates "$TEMPLATE_ID") $(creates $RENEWAL_TPL)" "1 1"

# Two routes match: the first in the file sends.
lead_with 2005 "$OTHER_TRIGGER" "$OTHER"
hook 2005 "$OTHER_TRIGGER" "$OTHER" >/dev/null
wait_until "sent by the first" queue_empty
check_eq "two match: the first route's template only" "$(creates $FIRST_TPL) $(creates $SECOND_TPL)" "1 0"

# None matches: the stage is a route's, the condition no route's. Nothing sent, one line.
lead_with 2006 "$SALES2_TRIGGER" "$SALES2" Government
before=$(calls sign POST /api/v1/templates/)
check_eq "no route: the webhook is taken (the stage is a route's)" "$(hook 2006 "$SALES2_TRIGGER" "$SALES2")" \
	"200 accepted 1 of 1"
wait_until "no route: the job ends" queue_empty
check_eq "no route: nothing sent" "$(calls sign POST /api/v1/templates/)" "$before"
check_eq "no route: one log line with the lead and why" "$(app_log | grep -c 'lead 2006: ')" 1
check_match "no route: the line says why for each route" "$(app_log | grep 'lead 2006: ')" \
	'lead 2006: no route matches \(route b2b: lead.cf.777 is "Government", not "B2B"; route b2c: lead.cf.777 is "Government", not "B2C"; route first: not in the trigger stage; .*the default route: not in the trigger stage\); nothing sent'
check_eq "no route: no deal record" "$(store_get deals lead:2006)" ""

# The dry run says which route and why.
check_eq "dry run: the route that matches" "$(kzsctl send 2002 --dry-run | sed -n 2p)" \
	"matches route b2c (pipeline $SALES2, stage $SALES2_TRIGGER, lead.cf.777 is \"B2C\")"
out=$(kzsctl send 2006 --dry-run)
check_eq "dry run, no route: exit 1, why" "$?|$(sed -n 2p <<<"$out" | cut -c1-65)" \
	"1|a send job would send nothing now: no route matches (route b2b: l"

# The record keeps the route; the outcome moves the lead by it even after the config
# changed: b2c's signed stage is edited, the signed request still goes to the old one.
req=$(cat "$FAKE_DIR"/zoho/requests/*.json | jqb -r 'select(.request_name | test("ref 2002-")) | .request_id')
check_eq "the request's record keeps its route" "$(store_get deals "req:$req" | jq -c '.route | [.name, .signed_status_id]')" \
	"[\"b2c\",\"$B2C_SIGNED\"]"
sed -i "s/^signed_status_id = $B2C_SIGNED\$/signed_status_id = 9000099/" "$T/kzs.conf"
sign_set_status "$req" completed
post_zoho_hook "$(zoho_webhook_body "$req" RequestCompleted)"
check_eq "completion acknowledged" "$STATUS" 200
wait_until "the outcome is done" queue_empty
check_eq "signed: the lead is in b2c's signed stage, of its pipeline" \
	"$(jq -r '"\(.status_id) \(.pipeline_id)"' "$FAKE_DIR/kommo/leads/2002.json")" "$B2C_SIGNED $SALES2"
check_eq "signed: the move named the route's pipeline" \
	"$(call_bodies kommo PATCH /api/v4/leads/2002 | jq -c '[.status_id, .pipeline_id]')" "[$B2C_SIGNED,$SALES2]"

# A request recorded before there were routes (no route on its record): the default route.
req=$(cat "$FAKE_DIR"/zoho/requests/*.json | jqb -r 'select(.request_name | test("ref 2003-")) | .request_id')
store_put deals "req:$req" "$(store_get deals "req:$req" | jq -c 'del(.route)')"
sign_set_status "$req" completed
post_zoho_hook "$(zoho_webhook_body "$req" RequestCompleted)"
wait_until "the old request's outcome is done" queue_empty
check_eq "an old record: the default route's signed stage" \
	"$(jq -r .status_id "$FAKE_DIR/kommo/leads/2003.json")" "$SIGNED_STATUS_ID"

# kzsctl check: every route against its pipeline, stages and template.
out=$(kzsctl check)
check_match "check: a route's pipeline the account lacks" "$out" \
	"route b2b: Kommo pipeline: \\[route b2b\\] pipeline_id $SALES2 is no pipeline of the account"
check_match "check: a route's stage its pipeline lacks" "$out" \
	"route renewal: Kommo stage: \\[route renewal\\] trigger_status_id $RENEWAL is no stage of pipeline $PIPELINE_ID"
check_match "check: a route's fields and roles against its template" "$out" \
	"route b2b: template fields: the 3 \\[fields\\] line\\(s\\) fit"
check_match "check: the default route as before" "$out" "Kommo stage: \\[kommo\\] trigger_status_id $TRIGGER_STATUS_ID is \"Contract\""

# Webhooks lost: kzsctl reconcile --leads lists every route's trigger stage in one query
# and starts what it finds; each lead goes out by its own route.
now=$(date +%s)
lead_with 2007 "$SALES2_TRIGGER" "$SALES2" B2C
lead_with 2008 "$RENEWAL" "$PIPELINE_ID"
for id in 2007 2008; do
	jq -c --argjson t "$now" '.updated_at = $t' "$FAKE_DIR/kommo/leads/$id.json" | fixture_json "kommo/leads/$id.json"
done
b2c_before=$(creates $B2C_TPL) renewal_before=$(creates $RENEWAL_TPL)
out=$(kzsctl reconcile --leads)
check_match "reconcile: both leads found and started" "$out" "started 2 without a request"
check_eq "reconcile: one listing names the default's and every route's trigger stage" \
	"$(jq -r 'select(.method == "GET" and .path == "/api/v4/leads") | .query' "$FAKE_DIR/calls.jsonl" | urldecode |
		grep -o 'filter\[statuses\]\[[0-9]*\]\[status_id\]=[0-9]*' | cut -d= -f2 | sort | xargs)" \
	"$(printf '%s\n' "$TRIGGER_STATUS_ID" "$SALES2_TRIGGER" "$OTHER_TRIGGER" "$RENEWAL" | sort | xargs)"
drain_until_empty 30
check_eq "reconcile: each sent by its route" \
	"$(($(creates $B2C_TPL) - b2c_before)) $(($(creates $RENEWAL_TPL) - renewal_before))" "1 1"

# A route's condition on a field the account does not have: no lead could match it.
out=$(kzsctl check)
check_match "check: a condition on a field leads do not have" "$out" \
	"^FAIL route condition: \\[route b2b\\] when: lead.cf.777 is no custom field of leads"
fixture_json kommo/custom_fields/leads.json '[{"id":777,"name":"Customer","type":"select","sort":1,"code":null,
 "is_api_only":false,"enums":[{"id":4,"value":"B2B","sort":1},{"id":5,"value":"B2C","sort":2}]}]'
check_match "check: once the field is there, the condition is OK" "$(kzsctl check)" \
	"^OK   route condition: \\[route b2c\\] when: lead.cf.777 is \"Customer\" \\(select\\)"
