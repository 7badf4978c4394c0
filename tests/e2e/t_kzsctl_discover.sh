#!/usr/bin/env bash
# kzsctl kommo, pipelines, fields, templates and template ID [--config] against the
# fakes: the exact lines for a known account, its users and pipelines, custom fields
# and templates over more than one page; the --config block used as the configuration
# sends a contract; bad arguments, a missing connection, a 401 and a 5xx; nothing but
# reads goes to Kommo or Zoho.
. "$(dirname "$0")/lib.sh"
kzs_setup

DISCOVERY_ID=223344556677889900
DISCOVERY_ACTION_ID=99887766554433222
CONTRACT_NO_FIELD=600100

# run ARGS...: kzsctl with the test's configuration; OUT, ERR (stderr) and RC.
run() {
	OUT=$(KZS_CONFIG=${CONF:-$T/kzs.conf} "$KZS_OUT/deploy/kzsctl" "$@" 2>"$T/err")
	RC=$?
	ERR=$(cat "$T/err")
}
# The lines kzsctl itself wrote to stderr (the log's lines start with a time).
own_err() { printf '%s\n' "$ERR" | grep '^kzsctl: '; }
writes() { jq -s '[.[] | select(.service != "accounts" and .method != "GET")] | length' "$FAKE_DIR/calls.jsonl"; }

# ---- the account as the fakes know it ----
fixture_json kommo/users.json '[
 {"id":504,"name":"Anna Manager","email":"anna@acme.example","lang":"en","rights":{"is_admin":true}},
 {"id":505,"name":"Ben Sales","email":"ben@acme.example","lang":"en","rights":{"is_admin":false}},
 {"id":506,"name":"Chloé Ünal","email":"","lang":"es","rights":{"is_admin":false}}]'
fixture_json kommo/pipelines.json "{\"_total_items\":2,\"_links\":{\"self\":{\"href\":\"$KOMMO_URL/api/v4/leads/pipelines\"}},
 \"_embedded\":{\"pipelines\":[
  {\"id\":$PIPELINE_ID,\"name\":\"Sales\",\"sort\":1,\"is_main\":true,\"is_unsorted_on\":true,\"is_archive\":false,
   \"account_id\":$ACCOUNT_ID,\"_embedded\":{\"statuses\":[
    $(kommo_stage 67548616 "Incoming leads" 10 "$PIPELINE_ID" 1), $(kommo_stage "$TRIGGER_STATUS_ID" Contract 20 "$PIPELINE_ID"),
    $(kommo_stage "$SIGNED_STATUS_ID" Signed 30 "$PIPELINE_ID"), $(kommo_stage 142 "Closed - won" 10000 "$PIPELINE_ID"),
    $(kommo_stage 143 "Closed - lost" 11000 "$PIPELINE_ID")]}},
  {\"id\":9100001,\"name\":\"Partners\",\"sort\":2,\"is_main\":false,\"is_unsorted_on\":false,\"is_archive\":true,
   \"account_id\":$ACCOUNT_ID,\"_embedded\":{\"statuses\":[
    $(kommo_stage 9100011 New 10 9100001), $(kommo_stage 142 "Closed - won" 10000 9100001),
    $(kommo_stage 143 "Closed - lost" 11000 9100001)]}}]}}"
# 55 lead fields: two pages of 50.
{
	echo '['
	for i in $(seq 1 54); do printf '{"id":%d,"name":"Field %02d","type":"text","sort":%d,"code":null,"is_api_only":false,"enums":null},\n' $((600000 + i)) "$i" "$i"; done
	echo "{\"id\":$CONTRACT_NO_FIELD,\"name\":\"Contract no\",\"type\":\"text\",\"sort\":100,\"code\":null,\"is_api_only\":false,\"enums\":null}]"
} | fixture_json kommo/custom_fields/leads.json
fixture_json kommo/custom_fields/contacts.json '[
 {"id":264911,"name":"Phone","type":"multitext","code":"PHONE","sort":4,"enums":[{"id":101,"value":"WORK","sort":2}]},
 {"id":264913,"name":"Email","type":"multitext","code":"EMAIL","sort":6,"enums":[{"id":111,"value":"WORK","sort":2}]}]'
fixture_json kommo/custom_fields/companies.json '[{"id":301001,"name":"VAT number","type":"text","code":null,"sort":3,"enums":null}]'

# The contract's template; and 100 more, so that the list takes two pages.
fixture_json "zoho/templates/$DISCOVERY_ID.json" <<EOF
{"template_id":$DISCOVERY_ID,"template_name":"Discovery contract","is_sequential":true,
 "actions":[{"action_id":$DISCOVERY_ACTION_ID,"action_type":"SIGN","role":"Client","recipient_name":"","recipient_email":"","signing_order":1}],
 "document_ids":[{"document_id":$TEMPLATE_DOCUMENT_ID,"document_name":"Discovery contract"}],
 "document_fields":[{"document_id":$TEMPLATE_DOCUMENT_ID,"fields":[
  {"field_id":10000000000000011,"field_name":"CompanyName","field_label":"Company name","field_type_name":"Company","field_category":"textfield","is_mandatory":true,"default_value":""},
  {"field_id":10000000000000012,"field_name":"Contract no","field_label":"Contract no","field_type_name":"Textfield","field_category":"textfield","is_mandatory":true,"default_value":""},
  {"field_id":10000000000000013,"field_name":"ContractDate","field_label":"Contract date","field_type_name":"Date","field_category":"datefield","is_mandatory":false,"default_value":""},
  {"field_id":10000000000000014,"field_name":"Notes","field_label":"Notes","field_type_name":"Textfield","field_category":"textfield","is_mandatory":false,"default_value":""},
  {"field_id":10000000000000015,"field_name":"Signature","field_label":"Signature","field_type_name":"Signature","field_category":"image","is_mandatory":true,"default_value":""}]}]}
EOF
for i in $(seq 1 100); do
	fixture_json "zoho/templates/3000000000000$((10000 + i)).json" \
		"{\"template_id\":3000000000000$((10000 + i)),\"template_name\":\"Template $(printf %03d "$i")\",\"actions\":[],\"document_fields\":[]}"
done

# ---- kzsctl kommo ----
run kommo
check_eq "kommo: exit 0" "$RC" 0
check_eq "kommo: the account and its users" "$OUT" "account id  $ACCOUNT_ID
subdomain   acme
name        Acme

user id  name          email
504      Anna Manager  anna@acme.example
505      Ben Sales     ben@acme.example
506      Chloé Ünal    -"
check_eq "kommo: the users asked 250 a page" "$(jq -r 'select(.path == "/api/v4/users") | .query' "$FAKE_DIR/calls.jsonl")" \
	"limit=250&page=1"

# ---- kzsctl pipelines ----
run pipelines
check_eq "pipelines: exit 0" "$RC" 0
check_eq "pipelines: every pipeline and stage, the configured ones named" "$OUT" \
"pipeline  $PIPELINE_ID   Sales           main, [kommo] pipeline_id
  stage   67548616  Incoming leads
  stage   $TRIGGER_STATUS_ID  Contract        [kommo] trigger_status_id
  stage   $SIGNED_STATUS_ID  Signed          [kommo] signed_status_id
  stage   142       Closed - won    won
  stage   143       Closed - lost   lost
pipeline  9100001   Partners        archived
  stage   9100011   New
  stage   142       Closed - won    won
  stage   143       Closed - lost   lost"

# ---- kzsctl fields ----
run fields
check_eq "fields: exit 0" "$RC" 0
row() { printf '%-9s  %-8s  %-9s  %-17s  %s\n' "$@"; }
want_fields=$(
	row entity "field id" type source name
	for i in $(seq 1 54); do row leads $((600000 + i)) text lead.cf.$((600000 + i)) "Field $(printf %02d "$i")"; done
	row leads "$CONTRACT_NO_FIELD" text "lead.cf.$CONTRACT_NO_FIELD" "Contract no"
	row contacts 264911 multitext contact.phone Phone
	row contacts 264913 multitext contact.email Email
	row companies 301001 text company.cf.301001 "VAT number"
)
check_eq "fields: every field of every page, with its source" "$OUT" "$want_fields"
check_eq "fields: the leads' fields took two pages of 50, the others one" \
	"$(jq -r 'select(.path | endswith("/custom_fields")) | "\(.path)?\(.query) \(.status)"' "$FAKE_DIR/calls.jsonl")" \
	"/api/v4/leads/custom_fields?limit=50&page=1 200
/api/v4/leads/custom_fields?limit=50&page=2 200
/api/v4/contacts/custom_fields?limit=50&page=1 200
/api/v4/companies/custom_fields?limit=50&page=1 200"

# ---- kzsctl templates ----
run templates
check_eq "templates: exit 0" "$RC" 0
want_templates=$(
	printf 'template id         name\n'
	for i in $(seq 100 -1 1); do printf '3000000000000%d  Template %03d\n' $((10000 + i)) "$i"; done
	printf '%s  Discovery contract\n' "$DISCOVERY_ID"
	printf '%s  Sales contract\n' "$TEMPLATE_ID"
)
check_eq "templates: all 102, over two pages" "$OUT" "$want_templates"
check_eq "templates: pages asked from 1 and then from 101" \
	"$(jq -r 'select(.path == "/api/v1/templates") | .query' "$FAKE_DIR/calls.jsonl" | sed 's/^data=//' | urldecode | jq -c .page_context)" \
	'{"row_count":100,"start_index":1}
{"row_count":100,"start_index":101}'

# ---- kzsctl template ID ----
run template "$DISCOVERY_ID"
check_eq "template: exit 0" "$RC" 0
check_eq "template: its roles with action ids, its fields" "$OUT" \
"template  $DISCOVERY_ID  Discovery contract

role    action id          action
Client  $DISCOVERY_ACTION_ID  SIGN

field         label          type       category   mandatory
CompanyName   Company name   Company    textfield  yes
Contract no   Contract no    Textfield  textfield  yes
ContractDate  Contract date  Date       datefield  no
Notes         Notes          Textfield  textfield  no
Signature     Signature      Signature  image      yes"

# ---- kzsctl template ID --config, used as the configuration ----
run template --config "$DISCOVERY_ID"
check_eq "template --config: exit 0" "$RC" 0
check_eq "template --config: a line for every role and field" "$OUT" \
"; [signers] and [fields] for the Zoho Sign template \"Discovery contract\" ([zoho] template_id = $DISCOVERY_ID).
; A line starting with ; is left out: give it a source and remove the ; to use it.
[signers]
Client = contact.main ; SIGN: the deal's main contact

[fields]
CompanyName = company.name ; textfield, mandatory: by its name
Contract no = lead.cf.$CONTRACT_NO_FIELD ; textfield, mandatory: Kommo lead field \"Contract no\"
ContractDate = today ; datefield: by its name
; Notes: choose one of lead.id lead.name lead.price lead.cf.<field id> contact.name contact.first_name contact.last_name contact.email contact.phone contact.cf.<field id> company.name company.cf.<field id> today, or a \"quoted literal\"
;Notes = ; textfield: no Kommo field or source of this name
;Signature = ; image, mandatory: the signer fills it in"

awk '/^\[fields\]/ { exit } { print }' "$T/kzs.conf" >"$T/kzs.conf.tmp"
printf '%s\n' "$OUT" >>"$T/kzs.conf.tmp"
chmod 600 "$T/kzs.conf.tmp" && mv "$T/kzs.conf.tmp" "$T/kzs.conf"
kzs_conf_set zoho template_id "$DISCOVERY_ID"
check_eq "no call so far wrote anything" "$(writes)" 0

jq -c --argjson f "$CONTRACT_NO_FIELD" '.custom_fields_values = [{field_id: $f, field_name: "Contract no",
	field_code: null, field_type: "text", values: [{value: "C-2026-7"}]}]' "$FAKE_DIR/kommo/leads/$LEAD_ID.json" |
	fixture_json "kommo/leads/$LEAD_ID.json"
post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "the deal is accepted" "$STATUS $BODY" "200 accepted 1 of 1"
wait_until "the contract goes out from the discovered template" calls_reach 1 sign POST "/api/v1/templates/$DISCOVERY_ID/createdocument"
data=$(call_bodies sign POST "/api/v1/templates/$DISCOVERY_ID/createdocument" | form_field data)
check_eq "filled as the block says" \
	"$(jq -c '.templates | [.field_data.field_text_data, (.field_data.field_date_data | keys), [.actions[].role]]' <<<"$data")" \
	'[{"CompanyName":"Acme Ltd","Contract no":"C-2026-7"},["ContractDate"],["Client"]]'
check_eq "Zoho took it" "$(jq -r 'select(.path | endswith("/createdocument")) | .status' "$FAKE_DIR/calls.jsonl")" 200

# ---- bad arguments: usage, exit 2, nothing asked ----
before=$(wc -l <"$FAKE_DIR/calls.jsonl")
for args in "kommo extra" "pipelines --all" "fields leads" "templates 2" "template" "template abc" \
	"template 12x" "template $DISCOVERY_ID --json" "template $DISCOVERY_ID $DISCOVERY_ID" \
	"template --config" "template $DISCOVERY_ID --config --config" "template -1"; do
	# shellcheck disable=SC2086
	run $args
	check_eq "kzsctl $args: usage, exit 2" "$RC $(printf '%s' "$ERR" | head -n 1 | cut -c1-13) $OUT" "2 usage: kzsctl "
done
check_eq "bad arguments asked no remote" "$(wc -l <"$FAKE_DIR/calls.jsonl")" "$before"

# ---- a connection missing: one line, exit 1 ----
sed -e '/^token = /d' "$T/kzs.conf" >"$T/no-kommo.conf" && chmod 600 "$T/no-kommo.conf"
CONF=$T/no-kommo.conf run pipelines
check_eq "no Kommo token: exit 1, nothing printed" "$RC:$OUT" 1:
check_eq "no Kommo token: one line saying so" "$(own_err)" \
	"kzsctl: could not read the pipelines from Kommo: no Kommo credentials: set [kommo] token, or client_id, client_secret and redirect_uri"
sed -e '/^refresh_token = /d' "$T/kzs.conf" >"$T/no-zoho.conf" && chmod 600 "$T/no-zoho.conf"
kzs_empty_state "$T/no-zoho.conf"
CONF=$T/no-zoho.conf run templates
check_eq "no Zoho connection: exit 1, nothing printed" "$RC:$OUT" 1:
check_eq "no Zoho connection: one line saying so" "$(own_err)" \
	"kzsctl: could not read the templates from Zoho Sign: Zoho is not authorized yet: open oauth-callback in a browser or set [zoho] refresh_token"

# ---- the remote fails ----
fault kommo GET /api/v4/leads/pipelines 1 status 401
run pipelines
check_eq "Kommo 401: exit 1, nothing printed" "$RC:$OUT" 1:
check_match "Kommo 401: the reason" "$(own_err)" '^kzsctl: could not read the pipelines from Kommo: Kommo GET /api/v4/leads/pipelines: HTTP 401, Unauthorized: '
fault kommo GET /api/v4/leads/custom_fields 1 status 503
run fields
check_eq "Kommo 503: exit 1, nothing printed" "$RC:$OUT" 1:
check_match "Kommo 503: the reason" "$(own_err)" '^kzsctl: could not read the custom fields from Kommo: Kommo GET /api/v4/leads/custom_fields: HTTP 503, Service Unavailable: '
fault kommo GET /api/v4/users 1 status 429 retry_after 7
run kommo
check_match "Kommo 429: when to try again" "$RC $(own_err)" '^1 kzsctl: could not read the users .* HTTP 429.*; try again in 7 s$'
# A token without administrator rights: Kommo refuses the users list in its own error
# JSON. That refuses this call only; it is no blocked address, so nothing pauses.
fault kommo GET /api/v4/users 1 body 403 application/problem+json '{"title":"Forbidden","type":"https://httpstatus.es/403","status":403,"detail":"Access denied"}'
run kommo
check_match "Kommo 403 (no rights): exit 1, Kommo's words" "$RC $(own_err)" '^1 kzsctl: could not read the users .*HTTP 403, Forbidden: Access denied'
run pipelines
check_eq "...and the next Kommo call is made: nothing paused" "$RC" 0
# A 401 from Zoho Sign gets one new token and one more try; a second 401 ends it.
fault sign GET /api/v1/templates 2 status 401
run template "$DISCOVERY_ID"
check_eq "Zoho 401 twice: exit 1, nothing printed" "$RC:$OUT" 1:
check_match "Zoho 401: the reason" "$(own_err)" "^kzsctl: could not read template $DISCOVERY_ID from Zoho Sign: .*HTTP 401"
fault sign GET /api/v1/templates 1 status 500
run templates
check_eq "Zoho 500: exit 1, nothing printed" "$RC:$OUT" 1:
check_match "Zoho 500: the reason" "$(own_err)" '^kzsctl: could not read the templates from Zoho Sign: .*HTTP 500'
run template 998877665544332211
check_eq "an unknown template: exit 1" "$RC:$OUT" 1:
check_match "an unknown template: said so" "$(own_err)" '^kzsctl: Zoho Sign has no template 998877665544332211 '
check_eq "the lookups wrote nothing: one createdocument, one note" \
	"$(jq -r 'select(.service != "accounts" and .method != "GET") | "\(.method) \(.path)"' "$FAKE_DIR/calls.jsonl")" \
	"POST /api/v1/templates/$DISCOVERY_ID/createdocument
POST /api/v4/leads/notes"

# ---- the fake's lists as Kommo answers past the end and beyond the limit ----
# (last, and with the fake's rate limit off: these calls are not paced as kzsctl's are)
fixture_json kommo/rate_limit 0
bearer=(-H "Authorization: Bearer $KOMMO_TOKEN")
http_call GET "$KOMMO_URL/api/v4/leads/custom_fields?limit=50&page=3" "${bearer[@]}"
check_eq "fake: a page past the end is 204 with no body" "$STATUS:$BODY" "204:"
http_call GET "$KOMMO_URL/api/v4/users?limit=251" "${bearer[@]}"
check_eq "fake: a limit over 250 is refused with problem+json" \
	"$STATUS $(jq -r .status <<<"$BODY") $(resp_header Content-Type)" "400 400 application/problem+json"
http_call GET "$KOMMO_URL/api/v4/users?limit=2&page=1" "${bearer[@]}"
check_eq "fake: a page names the next one" \
	"$(jq -c '[._page, ._page_count, ._total_items, (._embedded.users | length), (._links.next.href | test("page=2"))]' <<<"$BODY")" \
	"[1,2,3,2,true]"
