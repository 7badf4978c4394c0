# recipe.sh: what the tests of the hosting recipes in deploy/ share (t_apache_htaccess.sh,
# t_lighttpd_recipe.sh, t_nginx.sh): a recipe turned into a config by substituting only
# its documented placeholders, the user's folders it names, one deal's whole lifecycle
# through a server, and the bad-input table. Sourced after lib.sh's kzs_setup.
# shellcheck shell=bash disable=SC2016

# The user's home folder in the recipes; the tests put it under $T.
RECIPE_HOME_PLACEHOLDER=/home/acme
# How a recipe test runs kzsctl (apache.sh's kzsctl_apache when the programs run as
# another user than the test).
RECIPE_KZSCTL=kzsctl

# recipe_home: $T/home as the user's home folder the recipes name: ~/kzs with the config
# (the test's own, linked) and the programs' folder ~/kzs/cgi-bin that deploy/README.md
# tells the user to copy them into. Sets RECIPE_HOME.
recipe_home() {
	RECIPE_HOME=$T/home
	mkdir -p "$RECIPE_HOME/kzs/cgi-bin"
	chmod 700 "$RECIPE_HOME/kzs"
	ln -sf "$T/kzs.conf" "$RECIPE_HOME/kzs/kzs.conf"
	cp "$KZS_OUT"/cgi-bin/kommo-hook "$KZS_OUT"/cgi-bin/zoho-hook "$KZS_OUT"/cgi-bin/oauth-callback \
		"$RECIPE_HOME/kzs/cgi-bin/"
}

# recipe_generate FILE OUT [PLACEHOLDER=VALUE...]: deploy/FILE with /home/acme replaced by
# $RECIPE_HOME and each further documented PLACEHOLDER by its VALUE, and nothing else;
# fails (and says so) when a placeholder is left in OUT.
recipe_generate() {
	local src=$KZS_ROOT/deploy/$1 out=$2 kv args=()
	shift 2
	args=(-e "s#$RECIPE_HOME_PLACEHOLDER#${RECIPE_HOME:-$T/home}#g")
	for kv in "$@"; do args+=(-e "s#${kv%%=*}#${kv#*=}#g"); done
	sed "${args[@]}" "$src" >"$out" || return 1
	if grep -n "$RECIPE_HOME_PLACEHOLDER" "$out"; then
		not_ok "deploy/$(basename "$src"): a placeholder is left after substitution"
		return 1
	fi
}

recipe_queue_empty() { "$RECIPE_KZSCTL" drain >/dev/null; [ -z "$("$RECIPE_KZSCTL" jobs 2>/dev/null)" ]; }

# recipe_lifecycle BASE LEAD: one deal through the programs at BASE (…/kommo-hook and
# …/zoho-hook under it): Kommo's webhook, the request at Zoho, signed, Zoho's webhook,
# then the signed PDF on the deal, the note and the stage move.
recipe_lifecycle() {
	local base=$1 lead=$2 rid body sig uuid
	fixture_lead "$lead"
	http_call POST "$base/kommo-hook?secret=$HOOK_SECRET" "$(kommo_status_body "$lead")" \
		application/x-www-form-urlencoded
	check_eq "lead $lead: Kommo's webhook acknowledged" "$STATUS $BODY" "200 accepted 1 of 1"
	wait_until "lead $lead: the queue empties" recipe_queue_empty
	rid=$(cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null |
		jqb -r --argjson l "$lead" 'select(.request_name | test("ref \($l)-")) | .request_id')
	check_match "lead $lead: one request at Zoho Sign" "$rid" '^[0-9]+$' || return 1
	check_eq "lead $lead: the 'Contract sent' note" \
		"$(jq -r --argjson l "$lead" 'select(.entity_id == $l) | .params.text' "$FAKE_DIR/kommo/notes.jsonl" | grep -c 'Contract sent')" 1

	sign_set_status "$rid" completed
	body=$(zoho_webhook_body "$rid" RequestCompleted)
	sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" -binary | base64 -w0)
	http_call POST "$base/zoho-hook" "$body" application/json -H "X-ZS-WEBHOOK-SIGNATURE: $sig"
	check_eq "lead $lead: Zoho's webhook acknowledged" "$STATUS $BODY" "200 accepted"
	wait_until "lead $lead: the outcome handled" recipe_queue_empty
	uuid=$(jq -r --argjson l "$lead" 'select(.lead_id == $l) | ._embedded.files[0].file_uuid // .file_uuid' \
		"$FAKE_DIR/kommo/lead_files.jsonl" 2>/dev/null | head -n 1)
	check_eq "lead $lead: the signed PDF is on the deal" "$(head -c 5 "$FAKE_DIR/kommo/files/$uuid" 2>/dev/null)" "%PDF-"
	check_match "lead $lead: the 'Contract signed' note" \
		"$(jq -r --argjson l "$lead" 'select(.entity_id == $l) | .params.text // empty' "$FAKE_DIR/kommo/notes.jsonl" | tail -n 1)" \
		"^Contract signed by Jane Doe <jane@example.com> on .* Zoho Sign request $rid is complete"
	check_eq "lead $lead: moved to the signed stage" "$(jq -r .status_id "$FAKE_DIR/kommo/leads/$lead.json")" "$SIGNED_STATUS_ID"
}

# kommo_bulk_body N: a Kommo webhook for a bulk stage change of N leads, each with the
# fields Kommo sends (name, price, users, dates, two custom fields), into a stage that
# sends nothing. Kommo's real posts are of this size per lead.
kommo_bulk_body() {
	local p=leads%5Bstatus%5D
	awk -v n="$1" -v p="$p" -v pl="$PIPELINE_ID" -v user="$RESPONSIBLE_USER_ID" -v acct="$ACCOUNT_ID" 'BEGIN {
		t = 1726572758
		for (i = 0; i < n; i++) {
			e = p "%5B" i "%5D"
			printf "%s%s%%5Bid%%5D=%d&%s%%5Bname%%5D=Deal+%d+for+ACME+Trading+Ltd&%s%%5Bstatus_id%%5D=67548607",
				(i ? "&" : ""), e, 20000 + i, e, i, e
			printf "&%s%%5Bold_status_id%%5D=67548601&%s%%5Bprice%%5D=%d&%s%%5Bresponsible_user_id%%5D=%s", e, e, 1000 + i, e, user
			printf "&%s%%5Blast_modified%%5D=%d&%s%%5Bmodified_user_id%%5D=%s&%s%%5Bcreated_user_id%%5D=%s", e, t, e, user, e, user
			printf "&%s%%5Bdate_create%%5D=%d&%s%%5Bpipeline_id%%5D=%s&%s%%5Baccount_id%%5D=%s", e, t - 86400, e, pl, e, acct
			printf "&%s%%5Bcreated_at%%5D=%d&%s%%5Bupdated_at%%5D=%d", e, t - 86400, e, t
			for (c = 0; c < 2; c++)
				printf "&%s%%5Bcustom_fields%%5D%%5B%d%%5D%%5Bid%%5D=%d&%s%%5Bcustom_fields%%5D%%5B%d%%5D%%5Bname%%5D=Field+%d&%s%%5Bcustom_fields%%5D%%5B%d%%5D%%5Bvalues%%5D%%5B0%%5D%%5Bvalue%%5D=value+%d",
					e, c, 264900 + c, e, c, c, e, c, i
		}
		printf "&account%%5Bid%%5D=%s&account%%5Bsubdomain%%5D=acme&account%%5B_links%%5D%%5Bself%%5D=https%%3A%%2F%%2Facme.kommo.com", acct
	}'
}

# recipe_refusals BASE [CAP_STATUS]: the bad-input table at BASE, each answered by our
# program with its one-line reason: GET 405, wrong secret 401, a bad signature 401,
# wrong Content-Type 415; a 200 KB bulk post of 170 leads taken, and a body over 1 MiB
# refused with 413. With CAP_STATUS, the server's own body cap answers those two
# before our program sees them: that status (and the server's page) is asserted instead.
recipe_refusals() {
	local base=$1 cap=${2:-} hook="$1/kommo-hook?secret=$HOOK_SECRET" good
	good=$(kommo_status_body "$LEAD_ID")
	http_call GET "$hook"
	check_eq "GET refused with 405" "$STATUS $BODY" "405 only POST is accepted"
	http_call POST "$base/kommo-hook?secret=wrong" "$good" application/x-www-form-urlencoded
	check_eq "wrong secret refused with 401" "$STATUS $BODY" "401 missing or wrong secret in the webhook URL"
	http_call POST "$hook" "$good" application/json
	check_eq "wrong Content-Type refused with 415" "$STATUS $BODY" \
		"415 expected Content-Type application/x-www-form-urlencoded"
	http_call POST "$base/zoho-hook" '{"requests":{}}' application/json -H "X-ZS-WEBHOOK-SIGNATURE: AAAA"
	check_eq "Zoho webhook with a bad signature refused with 401" "$STATUS $BODY" \
		"401 X-ZS-WEBHOOK-SIGNATURE does not match the body"

	kommo_bulk_body 170 >"$T/bulk.body"
	echo "# a Kommo bulk post of 170 leads: $(wc -c <"$T/bulk.body") bytes"
	http_call POST "$hook" "$(cat "$T/bulk.body")" application/x-www-form-urlencoded
	if [ -z "$cap" ]; then
		check_eq "a 200 KB bulk post of 170 leads is taken" "$STATUS $BODY" "200 accepted 0 of 170"
	else
		check_eq "a 200 KB bulk post: the server's own cap answers $cap" "$STATUS" "$cap"
	fi
	head -c 1100000 /dev/zero | tr '\0' 'a' >"$T/big.body"
	STATUS=$(curl -s -o "$T/resp.body" -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary "@$T/big.body" "$hook")
	BODY=$(cat "$T/resp.body")
	if [ -z "$cap" ]; then
		check_eq "a body over 1 MiB refused by the program with 413" "$STATUS $BODY" "413 body larger than 1 MiB"
	else
		check_eq "a body over 1 MiB: the server's own cap answers $cap" "$STATUS" "$cap"
	fi
	check_eq "nothing was queued by any of them" "$("$RECIPE_KZSCTL" jobs 2>/dev/null)" ""
}

# recipe_no_sanitizer_report FILE...: the logs a recipe's server kept hold no sanitizer report.
recipe_no_sanitizer_report() {
	check_eq "no sanitizer report in the server's logs" \
		"$(grep -h -m1 -E 'AddressSanitizer|runtime error:|LeakSanitizer' "$@" 2>/dev/null | head -n 1)" ""
}

# recipe_free_port: a loopback port nobody listens on, below the ephemeral range.
recipe_free_port() {
	local p used
	used=$(ss -Htln 2>/dev/null | awk '{ n = split($4, a, ":"); printf "%s ", a[n] }')
	while :; do
		p=$((20000 + RANDOM % 12000))
		case " $used " in *" $p "*) continue ;; esac
		echo "$p"
		return
	done
}
