#!/usr/bin/env bash
# Kommo through OAuth instead of a long-lived token: the start page's Connect Kommo
# flow stores the token pair, API calls carry its access token, and refreshes rotate
# the pair under a lock: processes racing for an expired token make one refresh request
# and all go on with the new token; a refresh whose answer is lost keeps the old pair,
# which still works; a refused refresh token stops refreshing until Kommo is connected again.
. "$(dirname "$0")/lib.sh"
kzs_setup 4
oauth_admin_setup
kommo_oauth_setup
refreshes() { call_bodies kommo_oauth POST /oauth2/access_token | jq -r 'select(.grant_type == "refresh_token") | .refresh_token'; }
expire_kommo_token() { store_put tokens kommo.oauth "$(store_get tokens kommo.oauth | jq -c '.expires_at = 0')"; }
stored() { store_get tokens kommo.oauth | jq -r ".$1"; }
issued_access() { tail -n 1 "$FAKE_DIR/kommo/oauth/access_tokens" | awk '{ print $1 }'; }

oauth_get "secret=$ADMIN_SECRET"
check_match "start page: Kommo needs authorization" "$BODY" 'id="kommo-status">Authorization needed: not connected yet\.'
check_match "start page: a Connect Kommo form" "$BODY" \
	'<input type="hidden" name="provider" value="kommo"><input type="hidden" name="csrf" value="[0-9a-f]{64}"><button class="button" type="submit">Connect Kommo</button>'
check_eq "start page: viewing it made no state" "$(store_keys states | grep -c .)" 0
oauth_start kommo
check_eq "connect: 302" "$STATUS" 302
check_match "connect: to Kommo's authorize page" "$(resp_header Location)" \
	"^$KOMMO_URL/oauth\\?client_id=$KOMMO_CLIENT_ID&state=[0-9a-f]{64}&mode=post_message\$"
check_match "connect: the Kommo flow cookie" "$(resp_header Set-Cookie)" '^kzs_flow_kommo=[0-9a-f]{64}; .*HttpOnly; SameSite=Lax$'


callback=$(oauth_consent kommo deny)
oauth_return "$callback"
check_eq "Deny: 403" "$STATUS" 403
check_match "Deny: a clear page" "$BODY" 'Access was denied on Kommo&#39;s page'

callback=$(oauth_consent kommo allow)
check_match "Allow: Kommo sends back code, referer and state" "$callback" \
	"^$APP_URL/cgi-bin/oauth-callback\\?code=[0-9a-f]{64}&referer=127\\.0\\.0\\.1%3A$KOMMO_PORT&state=[0-9a-f]{64}\$"
oauth_return "$callback"
check_eq "callback: 200" "$STATUS" 200
check_match "callback: Kommo is connected" "$BODY" '<h1>Kommo is connected</h1>'
check_eq "callback: one code exchange with the documented JSON fields" \
	"$(call_bodies kommo_oauth POST /oauth2/access_token | jq -c '.code = "<code>"')" \
	"{\"client_id\":\"$KOMMO_CLIENT_ID\",\"client_secret\":\"$KOMMO_CLIENT_SECRET\",\"grant_type\":\"authorization_code\",\"code\":\"<code>\",\"redirect_uri\":\"$APP_URL/cgi-bin/oauth-callback\"}"
check_eq "stored: the access token Kommo issued" "$(stored access_token)" "$(issued_access)"
check_match "stored: a refresh token" "$(stored refresh_token)" '^[0-9a-f]{64}$'
oauth_get "secret=$ADMIN_SECRET"
check_match "start page: Kommo connected" "$BODY" "id=\"kommo-status\">Connected to the Kommo account acme \\($KOMMO_URL\\) since "

post_leads_at_once 1501
wait_until "a contract sent with Kommo reached through OAuth" queue_empty
check_eq "Kommo calls carried the OAuth access token" \
	"$(jq -r 'select(.service == "kommo") | .authorization' "$FAKE_DIR/calls.jsonl" | sort -u)" "Bearer $(stored access_token)"

# The access token expires while several processes need it; the refresh is slow.
old_refresh=$(stored refresh_token)
expire_kommo_token
fault kommo_oauth POST /oauth2/access_token 1 delay 1000
seq_before=$(jq -s 'map(.seq) | max' "$FAKE_DIR/calls.jsonl")
post_leads_at_once 1511 1512 1513 1514 1515 1516 1517 1518
wait_within 45 "eight leads handled" queue_empty # paced at Kommo's 6 calls a second
check_eq "one refresh request, with the stored refresh token" "$(refreshes)" "$old_refresh"
new_access=$(issued_access)
check_eq "stored: the new pair" "$(stored access_token)" "$new_access"
check_match "stored: a new refresh token" "$(stored refresh_token)" "^[0-9a-f]{64}\$"
check_eq "stored: not the old refresh token" "$([ "$(stored refresh_token)" != "$old_refresh" ] && echo rotated)" rotated
check_eq "every Kommo call after it carried the new token" \
	"$(jq -r --argjson s "$seq_before" 'select(.service == "kommo" and .seq > $s) | .authorization' "$FAKE_DIR/calls.jsonl" | sort -u)" \
	"Bearer $new_access"
pids=$(grep -E 'lead 151[1-8]: Zoho Sign request' "$T/lighttpd.out" | sed -E 's/.*kommo-hook\[([0-9]+)\].*/\1/' | sort -u | wc -l)
check_eq "more than one process sent contracts with it" "$([ "$pids" -ge 2 ] && echo yes)" yes
check_eq "one log line for the refresh" "$(app_log | grep -c 'Kommo access token refreshed')" 1

# Kommo stops taking the access token before its expiry (revoked): the 401 brings one
# refresh and one more try, and the contract goes out on the first attempt.
revoked=$(stored access_token)
sed -i "s/^$revoked .*/$revoked 1/" "$FAKE_DIR/kommo/oauth/access_tokens"
before=$(refreshes | wc -l)
post_leads_at_once 1519
wait_until "revoked access token: the contract was sent" queue_empty
check_eq "revoked access token: one refresh" "$(( $(refreshes | wc -l) - before ))" 1
check_eq "revoked access token: one Kommo call refused" \
	"$(jq -s --arg a "Bearer $revoked" '[.[] | select(.service == "kommo" and .authorization == $a and .status == 401)] | length' "$FAKE_DIR/calls.jsonl")" 1
check_eq "revoked access token: no failed attempt" "$(app_log | grep -c 'job send:1519: .*attempt')" 0
check_eq "revoked access token: the new token is stored" "$(stored access_token)" "$(issued_access)"
check_eq "revoked access token: logged once" "$(app_log | grep -c 'Kommo refused the access token before its expiry')" 1

# The refresh answer is lost: the pair on disk stays, and it still works next time.
pair=$(store_get tokens kommo.oauth | jq -c '{access_token, refresh_token}')
expire_kommo_token
fault kommo_oauth POST /oauth2/access_token 1 drop after
post_leads_at_once 1521
wait_until "lost refresh answer: the job failed once" bash -c "KZS_CONFIG=$T/kzs.conf $KZS_OUT/deploy/kzsctl jobs 2>/dev/null | grep -q 'send:1521 .*attempts=1'"
check_eq "lost refresh answer: the stored pair is unchanged" \
	"$(store_get tokens kommo.oauth | jq -c '{access_token, refresh_token}')" "$pair"
kzsctl retry >/dev/null
wait_until "lost refresh answer: sent on retry" queue_empty
check_eq "lost refresh answer: the same refresh token was spent again, once more" \
	"$(refreshes | tail -n 2 | sort -u | wc -l)" 1
check_eq "lost refresh answer: the newest pair is stored" "$(stored access_token)" "$(issued_access)"

# Kommo refuses the refresh token (revoked): no more refreshing until connected again.
for f in "$FAKE_DIR"/kommo/oauth/refresh/*.json; do jq -c '.dead = true' "$f" >"$f.tmp" && mv "$f.tmp" "$f"; done
expire_kommo_token
before=$(refreshes | wc -l)
post_leads_at_once 1531
wait_until "revoked: the job failed once" bash -c "KZS_CONFIG=$T/kzs.conf $KZS_OUT/deploy/kzsctl jobs 2>/dev/null | grep -q 'send:1531 .*attempts=1'"
kzsctl retry >/dev/null; kzsctl drain >/dev/null
check_eq "revoked: one refresh request only" "$(( $(refreshes | wc -l) - before ))" 1
check_eq "revoked: one clear log line" "$(app_log | grep -c 'no more token requests until someone connects Kommo again')" 1
oauth_get "secret=$ADMIN_SECRET"
check_match "revoked: the start page says authorization needed" "$BODY" 'id="kommo-status">Authorization needed: '
oauth_return "$(oauth_consent kommo allow)"
check_eq "reconnected" "$STATUS" 200
check_eq "reconnected: the refusal is cleared" "$(store_get tokens kommo.auth_needed)" ""
wait_until "reconnected: the waiting contract was sent" bash -c "grep -q 'lead 1531: Zoho Sign request' '$T/lighttpd.out'"
check_eq "no Kommo secret or token in the log" \
	"$(app_log | grep -c -e "$KOMMO_CLIENT_SECRET" -e "$(stored access_token)" -e "$(stored refresh_token)")" 0
