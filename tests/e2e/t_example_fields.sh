#!/usr/bin/env bash
# deploy/kzs.conf.example's [fields] and [signers], as shipped, against the sample
# template it names (the sandbox's "Sales contract"): the contract goes out with
# CompanyName filled, and no line of the example blocks it. Its commented examples stay
# comments.
. "$(dirname "$0")/lib.sh"
kzs_setup
example=$KZS_ROOT/deploy/kzs.conf.example
# The sections from [fields] on, as shipped, in place of the test's own.
awk '/^\[fields\]/ { exit } { print }' "$T/kzs.conf" >"$T/kzs.conf.tmp"
sed -n '/^\[fields\]/,$p' "$example" >>"$T/kzs.conf.tmp"
chmod 600 "$T/kzs.conf.tmp" && mv "$T/kzs.conf.tmp" "$T/kzs.conf"
check_eq "the example's active mappings" \
	"$(sed -n '/^\[fields\]/,$p' "$example" | grep -v '^[;[]' | grep . | tr '\n' '|')" \
	"CompanyName = company.name|Client = contact.main|"

post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
check_eq "the deal is accepted" "$STATUS $BODY" "200 accepted 1 of 1"
wait_until "the contract is sent" calls_reach 1 sign POST /api/v1/templates
sent=$(call_bodies sign POST /api/v1/templates | form_field data)
check_eq "CompanyName is filled from the company" \
	"$(printf '%s' "$sent" | jq -r '.templates.field_data.field_text_data.CompanyName')" "Acme Ltd"
check_eq "no other field is filled" \
	"$(printf '%s' "$sent" | jq -c '[.templates.field_data[] | keys[]]')" '["CompanyName"]'
wait_until "the send's note is in Kommo" calls_reach 1 kommo POST /api/v4/leads/notes
check_eq "no task: nothing blocked the contract" "$(calls kommo POST /api/v4/tasks)" 0
