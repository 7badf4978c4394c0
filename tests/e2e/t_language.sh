#!/usr/bin/env bash
# [kommo] language: with es, the notes and tasks Kommo receives (a contract sent, a deal
# blocked, a decline, a signature, a completion naming two signers) are in Spanish, their
# dates written as [zoho] date_format (a month named in the notes' language) in [zoho]
# time_zone; with pt, in Portuguese; any other value is refused by
# kzsctl check and at a program's start, with the file, line and key. The log stays English.
. "$(dirname "$0")/lib.sh"
kzs_setup
echo 0 >"$FAKE_DIR/kommo/rate_limit"
echo 0 >"$FAKE_DIR/zoho/rate_limit"
kzs_conf_set limits zoho_calls_per_minute 1000

# posted LEAD PATH: the texts of the notes (/api/v4/leads/notes) or tasks (/api/v4/tasks)
# Kommo took for the lead, in order, as calls.jsonl has their bodies.
posted() {
	jq -r --arg p "$2" 'select(.service == "kommo" and .method == "POST" and .path == $p and .status == 200)
		| .body' "$FAKE_DIR/calls.jsonl" |
		jq -r --argjson l "$1" '.[] | select(.entity_id == $l) | .params.text // .text // ("attachment " + .params.file_name)'
}

# send_contract LEAD: the contract goes out; prints the new request id.
send_contract() {
	[ -f "$FAKE_DIR/kommo/leads/$1.json" ] || fixture_lead "$1"
	post_kommo_hook "$(kommo_status_body "$1")" >/dev/null
	wait_until "lead $1: request sent" queue_empty >/dev/null
	cat "$FAKE_DIR"/zoho/requests/*.json |
		jqb -r --argjson l "$1" 'select(.request_name | test("ref \($l)-")) | .request_id' | tail -n 1
}

# deliver REQUEST OP [JQ]: Zoho's webhook, at a fixed time (AT), edited by JQ.
deliver() {
	post_zoho_hook "$(zoho_webhook_body "$1" "$2" | jqb -c --argjson at "$((AT * 1000))" \
		".notifications.performed_at = \$at | ${3:-.}")"
	check_eq "$2 for $1: acknowledged" "$STATUS" 200
}

# 02:30 UTC is the evening before in São Paulo: the date shows the zone was used.
AT=$(date -u -d '2026-11-20 02:30' +%s)
zone=America/Sao_Paulo
kzs_conf_set kommo language es
kzs_conf_set zoho date_format yyyy-MM-dd
kzs_conf_set zoho time_zone "$zone"
when=$(TZ=$zone date -d "@$AT" '+%Y-%m-%d %H:%M %Z')
check_eq "the expected time is the evening before, in $zone" "${when%% *}" 2026-11-19

# ---- es: sent, then signed ----
rid=$(send_contract 1001)
check_eq "es: the sent note" "$(posted 1001 /api/v4/leads/notes)" \
	"Contrato enviado para firma a Jane Doe <jane@example.com>. Solicitud de Zoho Sign $rid."
sign_action_signed "$rid" 0 "$((AT * 1000))"
sign_set_status "$rid" completed
deliver "$rid" RequestCompleted
wait_until "es: completion handled" queue_empty
check_eq "es: the PDF's attachment note and the signed note" "$(posted 1001 /api/v4/leads/notes | tail -n 2)" \
	"attachment Contrato firmado $rid.pdf
Contrato firmado por Jane Doe <jane@example.com> el $when. La solicitud de Zoho Sign $rid está completa; el PDF firmado está en los archivos del negocio."
check_eq "es: the deal's file has the Spanish name" \
	"$(jq -r 'select(.entity_id == 1001) | .params.file_name' "$FAKE_DIR/kommo/notes.jsonl" | grep -c "^Contrato firmado $rid.pdf$")" 1

# ---- es: blocked, two problems: no company for a field, no contact to sign ----
fixture_lead 1002 "" "" - -
post_kommo_hook "$(kommo_status_body 1002)"
wait_until "es: blocked deal handled" queue_empty
blocked='Contrato no enviado: el campo "CompanyName" necesita una empresa en el negocio: vincule una; el negocio no tiene un contacto principal que firme como "Client" (contact.main): vincule uno y márquelo como contacto principal. Luego vuelva a mover el negocio a la etapa.'
check_eq "es: the blocked deal's note" "$(posted 1002 /api/v4/leads/notes)" "$blocked"
check_eq "es: its task says the same" "$(posted 1002 /api/v4/tasks)" "$blocked"
check_eq "es: no request was sent for it" "$(cat "$FAKE_DIR"/zoho/requests/*.json | jqb -r 'select(.request_name | test("ref 1002-")) | .request_id')" ""
check_eq "the log line stays English, naming the deal" "$(app_log | grep -c 'lead 1002: contract not sent: ')" 1

# ---- es: declined ----
rid=$(send_contract 1003)
sign_set_status "$rid" declined
deliver "$rid" RequestRejected '.notifications.reason = "El precio es muy alto"'
wait_until "es: decline handled" queue_empty
check_eq "es: the declined note" "$(posted 1003 /api/v4/leads/notes | tail -n 1)" \
	"Contrato rechazado por Jane Doe <jane@example.com> el $when. Motivo: El precio es muy alto. Solicitud de Zoho Sign $rid."
check_eq "es: the declined task" "$(posted 1003 /api/v4/tasks)" \
	"Contrato rechazado (solicitud de Zoho Sign $rid): vea la nota en este negocio y haga el seguimiento."
check_eq "es: nothing on the deals in English" \
	"$(for l in 1001 1002 1003; do posted $l /api/v4/leads/notes; posted $l /api/v4/tasks; done | grep -c 'Contract')" 0

# ---- pt, another date format ----
kzs_conf_set kommo language pt
kzs_conf_set zoho date_format MM/dd/yyyy
rid=$(send_contract 1004)
check_eq "pt: the sent note" "$(posted 1004 /api/v4/leads/notes)" \
	"Contrato enviado para assinatura: Jane Doe <jane@example.com>. Solicitação do Zoho Sign $rid."
sign_set_status "$rid" recalled
deliver "$rid" RequestRecalled
wait_until "pt: recall handled" queue_empty
check_eq "pt: the recalled note, its date as MM/dd/yyyy" "$(posted 1004 /api/v4/leads/notes | tail -n 1)" \
	"A solicitação de contrato $rid foi cancelada no Zoho Sign em $(TZ=$zone date -d "@$AT" '+%m/%d/%Y %H:%M %Z'). Para enviar uma nova solicitação, mova o negócio para a etapa de novo."

# ---- es: two signers, the completion note names both with the time each signed ----
kzs_conf_set kommo language es
kzs_conf_set zoho date_format dd/MM/yyyy
# A template of its own (the first one's details are cached): the client, then one of ours.
TWO_ROLES_ID=112233445566778800
file=$FAKE_DIR/zoho/templates/$TWO_ROLES_ID.json
sed -e "s/\"template_id\":$TEMPLATE_ID/\"template_id\":$TWO_ROLES_ID/" \
	-e 's/"signing_order":1}\]/"signing_order":1},{"action_id":99887766554433222,"action_type":"APPROVER","role":"Countersigner","recipient_name":"","recipient_email":"","signing_order":2}]/' \
	"$FAKE_DIR/zoho/templates/$TEMPLATE_ID.json" >"$file"
check_eq "es, two signers: the template has two roles" "$(jqb -c '[.template_id, [.actions[] | .role]]' <"$file")" \
	"[$TWO_ROLES_ID,[\"Client\",\"Countersigner\"]]"
kzs_conf_set zoho template_id "$TWO_ROLES_ID"
fixture_json kommo/users.json "[{\"id\":$RESPONSIBLE_USER_ID,\"name\":\"Sam Sales\",\"email\":\"sam@ourco.example\",\"lang\":\"es\"}]"
kzs_conf_set signers Countersigner user.responsible
rid=$(send_contract 1005)
check_eq "es, two signers: the sent note names both" "$(posted 1005 /api/v4/leads/notes)" \
	"Contrato enviado para firma a Jane Doe <jane@example.com>, Sam Sales <sam@ourco.example>. Solicitud de Zoho Sign $rid."
second=$((AT + 2 * 3600 + 40 * 60))
sign_action_signed "$rid" 0 "$((AT * 1000))"
sign_action_signed "$rid" 1 "$((second * 1000))"
sign_set_status "$rid" completed
deliver "$rid" RequestCompleted '.notifications.performed_by_name = "Owner" | .notifications.performed_by_email = "owner@example.com"'
wait_until "es, two signers: completion handled" queue_empty
check_eq "es, two signers: the completion note names both, each with their time" \
	"$(posted 1005 /api/v4/leads/notes | tail -n 1)" \
	"Contrato firmado por Jane Doe <jane@example.com> el $(TZ=$zone date -d "@$AT" '+%d/%m/%Y %H:%M %Z'), Sam Sales <sam@ourco.example> el $(TZ=$zone date -d "@$second" '+%d/%m/%Y %H:%M %Z'). La solicitud de Zoho Sign $rid está completa; el PDF firmado está en los archivos del negocio."

# ---- pt, the month by its name: a note says "dez", as the managers read it ----
kzs_conf_set kommo language pt
kzs_conf_set zoho date_format "dd MMM yyyy"
AT=$(date -u -d '2026-12-24 15:00' +%s)
rid=$(send_contract 1006)
sign_set_status "$rid" recalled
deliver "$rid" RequestRecalled
wait_until "pt, dd MMM yyyy: recall handled" queue_empty
check_eq "pt, dd MMM yyyy: the recalled note names December in Portuguese" \
	"$(posted 1006 /api/v4/leads/notes | tail -n 1)" \
	"A solicitação de contrato $rid foi cancelada no Zoho Sign em 24 dez 2026 $(TZ=$zone date -d "@$AT" '+%H:%M %Z'). Para enviar uma nova solicitação, mova o negócio para a etapa de novo."

# ---- a language we do not have ----
mkdir -p "$T/bad"
cp -p "$T/kzs.conf" "$T/bad/kzs.conf"
(T=$T/bad && kzs_conf_set kommo language fr)
line=$(grep -n '^language = fr$' "$T/bad/kzs.conf" | cut -d: -f1)
want="$T/bad/kzs.conf:$line: [kommo] language: expected en, es or pt (the language of the notes and tasks on deals)"
OUT=$(KZS_CONFIG=$T/bad/kzs.conf "$KZS_OUT/deploy/kzsctl" check --offline 2>"$T/check.err")
check_eq "language = fr: kzsctl check fails" "$?" 1
check_eq "...its line names the file, line and key" "$(grep '^FAIL configuration' <<<"$OUT")" "FAIL configuration: $want"
cat "$T/check.err" >>"$T/kzsctl.log"
err=$(KZS_CONFIG=$T/bad/kzs.conf REQUEST_METHOD=POST GATEWAY_INTERFACE=CGI/1.1 \
	"$KZS_OUT/cgi-bin/kommo-hook" </dev/null 2>&1 >/dev/null)
check_eq "language = fr: kommo-hook does not start" "$?" 1
check_eq "...and says why, in one line of its log" "$(grep -cF "$want" <<<"$err")" 1
