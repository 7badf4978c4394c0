#!/usr/bin/env bash
# The Kommo token goes only where we trust: a drive_url off Kommo's domains, an
# upload_url or next_url off the drive's origin are refused before any call or cache,
# and the job says so (kzsctl jobs, the log) until Kommo's answers are right again.
. "$(dirname "$0")/lib.sh"
kzs_setup
echo 0 >"$FAKE_DIR/kommo/rate_limit"

# A listener on another loopback port stands for the host Kommo's answer would name:
# it records every connection that reaches it.
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 5, ReuseAddr => 1) or die;
	open(my $p, ">", "$ARGV[0].port") or die; print $p $s->sockport, "\n"; close $p;
	while (my $c = $s->accept) {
		my $buf = ""; $c->recv($buf, 65536);
		open(my $l, ">>", $ARGV[0]) or die; print $l "connection: $buf\n"; close $l;
		print $c "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		close $c;
	}' "$T/listener.log" &
LISTENER_PID=$!
trap 'rc=$?; kill "$LISTENER_PID" 2>/dev/null; (exit "$rc"); kzs_teardown' EXIT
wait_until "listener up" test -s "$T/listener.log.port"
OTHER=http://127.0.0.1:$(cat "$T/listener.log.port")

job_line() { kzsctl jobs | grep '^complete:'; }
job_error_is() { job_line | grep -q "last_error=refused Kommo's $1"; }
listener_calls() { cat "$T/listener.log" 2>/dev/null | grep -c '^connection:'; }

post_kommo_hook "$(kommo_status_body "$LEAD_ID")"
wait_until "contract sent" queue_empty
rid=$(sign_request_ids | tail -n 1)
sign_set_status "$rid" completed

# ---- a drive_url on a host that is not Kommo's ----
echo https://drive.attacker.example >"$FAKE_DIR/kommo/drive_url"
post_zoho_hook "$(zoho_webhook_body "$rid" RequestCompleted)"
check_eq "completed: accepted" "$STATUS $BODY" "200 accepted"
wait_until "the job is refused for the drive_url" job_error_is drive_url
check_match "kzsctl jobs says why, and waits an hour" "$(job_line)" \
	"^complete:$rid +attempts=1 due_in=3[0-9]{3}s last_error=refused Kommo's drive_url \"https://drive.attacker.example\": not https on a host under kommo.com, amocrm.com or amocrm.ru; nothing was sent to it$"
check_match "the log says so too" "$(app_log)" \
	"warning: job complete:$rid: refused Kommo's drive_url \"https://drive.attacker.example\""
check_eq "the drive_url was not cached" "$(store_get cache kommo.drive_url)" ""
check_eq "no drive call at all" "$(calls drive '*' /drive)" 0
check_eq "no file on the lead" "$(calls kommo PUT /api/v4/leads/$LEAD_ID/files)" 0

# ---- an upload_url on another origin than the drive ----
rm "$FAKE_DIR/kommo/drive_url"
store_put cache kommo.drive_url "" # whatever the step above left, this one starts afresh
echo "$OTHER" >"$FAKE_DIR/kommo/upload_origin"
kzsctl retry >/dev/null
kzsctl drain >/dev/null
wait_until "the job is refused for the upload_url" job_error_is upload_url
check_eq "upload_url: nothing reached the other origin" "$(listener_calls)" 0
check_eq "upload_url: the drive's own session was opened" "$(calls drive POST /drive/v1.0/sessions)" 1
check_eq "upload_url: no part uploaded" "$(calls drive POST /drive/v1.0/upload)" 0
check_match "upload_url: the drive_url (the fake's own) was cached" "$(store_get cache kommo.drive_url)" "^$KOMMO_URL/drive$"

# ---- a next_url on another origin than the drive (the PDF goes up in several parts) ----
rm "$FAKE_DIR/kommo/upload_origin"
echo "$OTHER" >"$FAKE_DIR/kommo/next_origin"
kzsctl retry >/dev/null
kzsctl drain >/dev/null
wait_until "the job is refused for the next_url" job_error_is next_url
check_eq "next_url: nothing reached the other origin" "$(listener_calls)" 0
check_eq "next_url: only the first part went, to the drive" "$(calls drive POST /drive/v1.0/upload)" 1

# ---- Kommo's answers right again: the job completes ----
rm "$FAKE_DIR/kommo/next_origin"
kzsctl retry >/dev/null
wait_until "completed once the URLs are the drive's" queue_empty
check_eq "one file on the lead" "$(calls kommo PUT /api/v4/leads/$LEAD_ID/files)" 1
check_eq "the lead is in the signed stage" "$(jq -r .status_id "$FAKE_DIR/kommo/leads/$LEAD_ID.json")" "$SIGNED_STATUS_ID"
check_eq "nothing ever reached the other origin" "$(listener_calls)" 0
