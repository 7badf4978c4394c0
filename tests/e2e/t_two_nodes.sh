#!/usr/bin/env bash
# Two nodes, one database: two web servers, each with its own FastCGI programs, its own
# [state] dir (that host's small files) and its own cron line (kzsctl drain), share one
# MariaDB database ([state] backend = mariadb, the same [mariadb] section). Node B runs
# in a process id namespace of its own (and its own /proc) when the test may make one
# (root), as a second host would: the ids of A's processes mean nothing there, nor B's in A.
#
# Every deal's Kommo webhook is delivered twice, once to each node, the copies of
# neighbouring deals interleaved. Each contract's completion (Zoho's signed webhook) is
# delivered first to the node that did not send the contract, then again to the one that
# did. Once half of the completions are out, node B is killed (kill -9 of its web server,
# its FastCGI processes, their after-answer children and its cron run, all at once, while
# it holds a job's lease); node A's cron drain then finishes everything: the dead node's
# leases run out and A takes those jobs over, not before.
#
# Then every deal has exactly one request at Zoho Sign, one PDF linked, one stage move and
# no note twice; every completion was accepted once and found a duplicate at the other
# node; nothing is left queued or given up; Zoho's token was fetched once for both nodes
# (neither had one cached); and at the fakes no 1 s window has more Kommo (and drive)
# calls than [limits] kommo_calls_per_second, no 60 s window more Zoho Sign calls than
# zoho_calls_per_minute: the limits hold for both nodes together.
#
# Why 30 deals: a deal costs about three Zoho Sign calls (the request, then the signed
# request's details and its PDF), so 30 deals are some 90 calls, two minutes at the 45 a
# minute kept here (the default): the minute limit holds back both nodes' calls for two
# whole windows, and the 90 s a dead node's lease lasts fits in the same time (about 2.5
# minutes in all). 200 deals (KZS_TWO_NODES_DEALS=200) take about 16 minutes, most of it
# waiting for Zoho's pace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
DEALS=${KZS_TWO_NODES_DEALS:-30}
FIRST=7001
LAST=$((FIRST + DEALS - 1))
KOMMO_PER_SECOND=6 # [limits], the defaults, written out: what both nodes keep together
ZOHO_PER_MINUTE=45
kzs_setup 2
started=$SECONDS

# ---- the database, and the two nodes ----
mariadb_start
mariadb_config_section >>"$T/kzs.conf"
kzs_conf_set limits kommo_calls_per_second "$KOMMO_PER_SECOND"
kzs_conf_set limits zoho_calls_per_minute "$ZOHO_PER_MINUTE"
check_match "kzsctl db init: the state tables made" "$(kzsctl db init)" "at schema version 1"
# Node A is the one kzs_setup started; its programs started before the [mariadb] section
# was added and load it at their first request, as any edited config. Node B gets the same
# config but for its own [state] dir, and its own lighttpd, sockets and logs under $B.
A_URL=$APP_URL
B=$T/b
mkdir -p "$B/www" "$B/sock" "$B/upload"
mkdir -m 700 "$B/state"
(umask 077 && sed "s#^dir = $T/state\$#dir = $B/state#" "$T/kzs.conf" >"$B/kzs.conf")
check_eq "node B: the same config but for its [state] dir" "$(diff "$T/kzs.conf" "$B/kzs.conf" | grep -c '^[<>]')" 2
B_PORT=$(recipe_free_port)
B_URL=http://127.0.0.1:$B_PORT
T=$B APP_PORT=$B_PORT kzs_lighttpd_conf >"$B/lighttpd.conf"
# Node B's host: its web server and its cron line, in one process group (killed as one).
cat >"$B/host.sh" <<'EOF'
lighttpd -D -f "$1/lighttpd.conf" >>"$1/lighttpd.out" 2>&1 &
until [ -e "$1/stop" ]; do
	KZS_CONFIG=$1/kzs.conf "$2" drain >/dev/null 2>>"$1/kzsctl.log"
	sleep 1
done
EOF
NS=()
if unshare --pid --mount-proc --fork --kill-child true 2>/dev/null; then
	NS=(unshare --pid --mount-proc --fork --kill-child)
else
	echo "# node B shares this host's process ids (unshare --pid needs root): the dead node's jobs are taken over as a dead process's on one host, not once their leases run out"
fi
setsid "${NS[@]}" sh "$B/host.sh" "$B" "$KZS_OUT/deploy/kzsctl" </dev/null >/dev/null 2>&1 &
B_GROUP=$!
disown
# Node A's cron line: kzsctl drain, again and again (one at a time, as cron's lock keeps it).
(until [ -e "$T/stop-cron" ]; do
	kzsctl drain >/dev/null
	sleep 1
done) &
A_CRON=$!

# node_b_procs: node B's processes, as this host sees them.
node_b_procs() { pgrep -g "$B_GROUP"; }
node_b_alive() { [ -n "$(node_b_procs)" ]; }
# On exit: node B and node A's cron line stop, then kzs_teardown (with the exit status).
two_nodes_teardown() {
	local rc=$?
	touch "$T/stop-cron" "$B/stop"
	if node_b_alive; then kill -9 -- "-$B_GROUP"; fi
	if kill -0 "$A_CRON" 2>/dev/null; then
		kill -TERM $(pgrep -P "$A_CRON") 2>/dev/null
		wait "$A_CRON"
	fi
	(exit "$rc")
	kzs_teardown
}
trap two_nodes_teardown EXIT

b_answers() { curl -s -o /dev/null --max-time 2 "$B_URL/"; }
wait_until "node B answers on its port" b_answers || exit 1
if [ ${#NS[@]} -gt 0 ]; then
	check_eq "node B's programs run in a process id namespace of their own" \
		"$(for p in $(node_b_procs); do readlink "/proc/$p/ns/pid" 2>/dev/null; done | sort -u | grep -vxF "$(readlink /proc/self/ns/pid)" | grep -c .)" 1
fi

check_eq "no Zoho access token cached before the first deal" \
	"$(mariadb_sql_as_kzs "SELECT COUNT(*) FROM kzs_tokens WHERE k = 'zoho.access'")" 0

# ---- every deal enters "Contract": its webhook to both nodes ----
# first_node LEAD: the node that gets the deal's first copy (the other gets the second).
first_node() { if [ $(($1 % 2)) = 0 ]; then echo A; else echo B; fi; }
other_node() { if [ "$1" = A ]; then echo B; else echo A; fi; }
url_of() { if [ "$1" = A ]; then echo "$A_URL"; else echo "$B_URL"; fi; }
mkdir -p "$T/bodies"
for ((lead = FIRST; lead <= LAST; lead++)); do
	fixture_lead "$lead"
	kommo_status_body "$lead" >"$T/bodies/$lead"
done
# One deal's first copy, then the previous deal's second copy, and so on, four at a time.
for ((lead = FIRST; lead <= LAST + 1; lead++)); do
	[ "$lead" -gt "$LAST" ] || echo "$(url_of "$(first_node "$lead")") $lead"
	[ "$lead" = "$FIRST" ] || echo "$(url_of "$(other_node "$(first_node $((lead - 1)))")") $((lead - 1))"
done >"$T/kommo_posts"
xargs -P 4 -n 2 sh -c 'curl -s -o /dev/null -w "$2 %{http_code}\n" --max-time 30 --data-binary "@$T/bodies/$2" \
	-H "Content-Type: application/x-www-form-urlencoded" "$1/cgi-bin/kommo-hook?secret=$HOOK_SECRET"' sh \
	<"$T/kommo_posts" >"$T/kommo_acks"
check_eq "all $((DEALS * 2)) Kommo webhooks (each deal's twice) acknowledged" \
	"$(grep -c ' 200$' "$T/kommo_acks")" $((DEALS * 2))

# ---- completions, the kill, the survivor's drain ----
# sends: "NODE LEAD REQUEST" for every contract a node recorded, sent or adopted, from
# the nodes' logs (the web server's and the cron line's).
sends() {
	{
		cat "$T/lighttpd.out" "$T/error.log" "$T/kzsctl.log" 2>/dev/null | sed 's/^/A /'
		cat "$B/lighttpd.out" "$B/error.log" "$B/kzsctl.log" 2>/dev/null | sed 's/^/B /'
	} | sed -n 's/^\([AB]\) .*lead \([0-9]*\): \(Zoho Sign request \([0-9]*\) sent to\|adopted Zoho Sign request \([0-9]*\) \).*/\1 \2 \4\5/p'
}
# deliver NODE BODY: Zoho's signed webhook to NODE; prints "NODE STATUS ANSWER", the
# answer's spaces as _.
deliver() {
	local sig answer
	sig=$(printf '%s' "$2" | openssl dgst -sha256 -hmac "$WEBHOOK_SECRET" -binary | base64 -w0)
	answer=$(printf '%s' "$2" | curl -s -w ' %{http_code}' --max-time 30 -H 'Content-Type: application/json' \
		-H "X-ZS-WEBHOOK-SIGNATURE: $sig" --data-binary @- "$(url_of "$1")/cgi-bin/zoho-hook")
	answer=$(printf '%s' "$answer" | tr -d '\n' | tr ' ' _)
	echo "$1 ${answer##*_} ${answer%_*}"
}
# lease_of KEY: "PID UNTIL" of the job's lease in the database; nothing once it is done.
lease_of() {
	mariadb_sql_as_kzs "SELECT JSON_VALUE(CONVERT(v USING utf8mb4), '\$.lease_pid'),
		JSON_VALUE(CONVERT(v USING utf8mb4), '\$.lease_until') FROM kzs_outbox WHERE k = '$1'" | tr '\t' ' '
}
# b_leases: "KEY PID UNTIL" of the jobs leased by node B's processes (their ids as B sees them).
b_leases() {
	local ids
	ids=$(for p in $(node_b_procs); do awk '/^NSpid:/ { print $NF }' "/proc/$p/status" 2>/dev/null; done | paste -sd,)
	[ -n "$ids" ] || return 0
	mariadb_sql_as_kzs "SELECT k FROM kzs_outbox WHERE k NOT LIKE '#%' AND
		JSON_VALUE(CONVERT(v USING utf8mb4), '\$.lease_pid') IN ($ids)" |
		while read -r key; do echo "$key $(lease_of "$key")"; done
}
# kill_b [force]: freezes node B; when it holds a lease (or when forced), kills it (kill -9
# of the whole process group, and with it the namespace); otherwise lets it go on (1).
kill_b() {
	kill -STOP -- "-$B_GROUP"
	b_leases >"$T/b_leases"
	if [ ! -s "$T/b_leases" ] && [ -z "${1:-}" ]; then
		kill -CONT -- "-$B_GROUP"
		return 1
	fi
	kill -9 -- "-$B_GROUP"
	killed_at=$SECONDS
	for _ in $(seq 100); do node_b_alive || break; sleep 0.1; done
}
# note_takeovers: for each of the dead node's jobs, the first moment (unix seconds) its
# lease was seen to be no longer B's, into $T/taken ("KEY SECONDS").
note_takeovers() {
	local key pid until now
	now=$(date +%s)
	while read -r key pid until; do
		grep -q "^$key " "$T/taken" && continue
		[ "$(lease_of "$key" | cut -d' ' -f1)" = "$pid" ] || echo "$key $now" >>"$T/taken"
	done <"$T/b_leases"
}

: >"$T/delivered"
: >"$T/taken"
half=$((DEALS / 2))
half_at=
# A bound, not a timing assertion: Zoho's pace, the dead node's leases, and a margin.
deadline=$((SECONDS + DEALS * 4 * 62 / ZOHO_PER_MINUTE + 90 + 180))
killed_at=
while :; do
	sends >"$T/sends"
	while read -r node lead rid; do
		grep -q "^$lead " "$T/delivered" && continue
		sign_set_status "$rid" completed
		body=$(zoho_webhook_body "$rid" RequestCompleted)
		if [ -z "$killed_at" ]; then first=$(other_node "$node") second=$node; else first=A second=A; fi
		echo "$lead $node $(deliver "$first" "$body") $(deliver "$second" "$body")" >>"$T/delivered"
	done <"$T/sends"
	delivered=$(wc -l <"$T/delivered")
	[ "$delivered" -lt "$half" ] || half_at=${half_at:-$SECONDS}
	# Half the completions out: B is killed the next time it holds a lease (after 30 s, anyway).
	if [ -z "$killed_at" ] && [ -n "$half_at" ] && kill_b "$([ $((SECONDS - half_at)) -lt 30 ] || echo force)"; then
		echo "# node B killed after $((SECONDS - started)) s, with $delivered of $DEALS completions delivered, $(wc -l <"$T/sends") contracts recorded; it held $(wc -l <"$T/b_leases") job(s): $(awk '{ printf "%s%s (lease until %s)", sep, $1, $3; sep = ", " }' "$T/b_leases")"
	fi
	[ -z "$killed_at" ] || note_takeovers
	# The oldest transaction open at the database now (seconds; they should all be short).
	mariadb_sql "SELECT COALESCE(MAX(TIMESTAMPDIFF(SECOND, trx_started, NOW())), 0) FROM information_schema.INNODB_TRX" >>"$T/trx_ages"
	[ -n "$killed_at" ] && [ "$delivered" -ge "$DEALS" ] && queue_is_empty && break
	if [ "$SECONDS" -ge "$deadline" ]; then
		not_ok "not done after $((SECONDS - started)) s: $delivered of $DEALS completions delivered, node B $([ -n "$killed_at" ] && echo killed || echo "still alive"), $(kzsctl jobs | wc -l) jobs queued"
		kzsctl jobs | head -n 10 | sed 's/^/#   /'
		break
	fi
	sleep 1
done
echo "# all done after $((SECONDS - started)) s${killed_at:+, $((SECONDS - killed_at)) s after the kill}"
touch "$T/stop-cron"
wait "$A_CRON"

# ---- what the nodes and the fakes show ----
check_eq "node B was killed holding a lease" "$([ -s "$T/b_leases" ] && echo yes)" yes
check_eq "...and all of its processes are gone" "$(node_b_procs | wc -l)" 0
while read -r job pid until; do
	taken=$(awk -v j="$job" '$1 == j { print $2 }' "$T/taken")
	taken=${taken:-0}
	echo "# the dead node's job $job: lease until $until, seen taken over or done at $taken ($((taken - until)) s after)"
	check_eq "the dead node's job $job was taken over and finished" "$(kzsctl jobs | grep -cwF "$job")" 0
	# Another host's pid says nothing here: its lease is waited out.
	[ ${#NS[@]} = 0 ] || check_eq "...once its lease had run out, not before" "$((taken > until))" 1
done <"$T/b_leases"
awk '{ print $2 }' "$T/delivered" | sort | uniq -c | awk '{ printf "# contracts sent by node %s: %s\n", $2, $1 }'
# "$T/delivered": LEAD SENDER, then NODE STATUS ANSWER of the first delivery and of the second.
check_eq "every completion accepted by the first node it reached" \
	"$(awk '$4 == 200 && $5 == "accepted"' "$T/delivered" | wc -l)" "$DEALS"
check_eq "...and found a duplicate by the second" \
	"$(awk '$7 == 200 && $8 == "duplicate:_already_handled"' "$T/delivered" | wc -l)" "$DEALS"
before_kill=$(awk '$3 != $6' "$T/delivered" | wc -l)
echo "# completions delivered while both nodes ran: $before_kill (to A first: $(awk '$3 != $6 && $3 == "A"' "$T/delivered" | wc -l), to B first: $(awk '$3 != $6 && $3 == "B"' "$T/delivered" | wc -l)); after the kill, to A twice: $((DEALS - before_kill))"

# per_lead FILE-OF-LEADS: how many of our deals appear exactly once, and how many lines in all.
once_each() { sort | uniq -c | awk -v a="$FIRST" -v b="$LAST" '$1 == 1 && $2 >= a && $2 <= b { n++ } { t += $1 } END { print n + 0, t + 0 }'; }
requests=$(cat "$FAKE_DIR"/zoho/requests/*.json 2>/dev/null | jqb -r '.request_name' | sed -n 's/.*(ref \([0-9]*\)-.*/\1/p')
check_eq "one request at Zoho per deal" "$(once_each <<<"$requests")" "$DEALS $DEALS"
check_eq "...each one createdocument that reached Zoho" \
	"$(jq -r 'select(.service == "sign" and .method == "POST" and (.path | endswith("/createdocument"))) | .status' "$FAKE_DIR/calls.jsonl" | sort | uniq -c | awk '{ print $2 ":" $1 }')" "200:$DEALS"
check_eq "one PDF linked per deal" \
	"$(jq -r '.lead_id' "$FAKE_DIR/kommo/lead_files.jsonl" 2>/dev/null | once_each)" "$DEALS $DEALS"
moves=$(jq -r 'select(.service == "kommo" and .method == "PATCH" and .status == 200 and (.body | fromjson? // {} | has("status_id")))
	| .path | ltrimstr("/api/v4/leads/")' "$FAKE_DIR/calls.jsonl")
check_eq "one stage move per deal" "$(once_each <<<"$moves")" "$DEALS $DEALS"
signed=0
for ((lead = FIRST; lead <= LAST; lead++)); do
	[ "$(jq -r .status_id "$FAKE_DIR/kommo/leads/$lead.json")" = "$SIGNED_STATUS_ID" ] && signed=$((signed + 1))
done
check_eq "every deal in the signed stage" "$signed" "$DEALS"
notes=$(jq -r '"\(.entity_id)\t\(.note_type)\t\(.params.text // .params.file_name)"' "$FAKE_DIR/kommo/notes.jsonl")
check_eq "no note twice on a deal" "$(sort <<<"$notes" | uniq -d | head -n 3)" ""
check_eq "three notes on every deal (sent, the PDF, signed)" "$(cut -f1 <<<"$notes" | sort | uniq -c | awk '$1 == 3' | wc -l)" "$DEALS"
check_eq "nothing left queued, nothing given up" "$(kzsctl jobs)" ""
check_eq "one Zoho token request for both nodes" "$(calls accounts POST /oauth/v2/token)" 1

# The limits at the fakes: the drive counts in Kommo's (one address, one limit).
mkdir -p "$T/kommo_view"
jq -c 'if .service == "drive" then .service = "kommo" else . end' "$FAKE_DIR/calls.jsonl" >"$T/kommo_view/calls.jsonl"
kommo_second=$(FAKE_DIR=$T/kommo_view max_in_window kommo 1000)
zoho_minute=$(max_in_window sign 60000)
kommo_n=$(calls kommo '*' /) drive_n=$(calls drive '*' /) sign_n=$(calls sign '*' /)
echo "# calls: Kommo $kommo_n, its drive $drive_n, Zoho Sign $sign_n, Zoho Accounts $(calls accounts '*' /); a deal: $(awk -v k="$kommo_n" -v d="$drive_n" -v s="$sign_n" -v n="$DEALS" 'BEGIN { printf "%.1f Kommo and drive, %.1f Zoho Sign", (k + d) / n, s / n }')"
echo "# busiest second at Kommo (and drive): $kommo_second calls (limit $KOMMO_PER_SECOND); busiest minute at Zoho Sign: $zoho_minute calls (limit $ZOHO_PER_MINUTE)"
check_eq "Zoho Sign was called more than its minute allows: the limit had to hold calls back ($sign_n calls)" \
	"$((sign_n > ZOHO_PER_MINUTE))" 1
check_eq "no 1 s window with more than $KOMMO_PER_SECOND Kommo and drive calls, both nodes together ($kommo_second)" \
	"$((kommo_second <= KOMMO_PER_SECOND))" 1
check_eq "no 60 s window with more than $ZOHO_PER_MINUTE Zoho Sign calls, both nodes together ($zoho_minute)" \
	"$((zoho_minute <= ZOHO_PER_MINUTE))" 1
check_eq "no 429 from the fakes" "$(jq -s '[.[] | select(.status == 429)] | length' "$FAKE_DIR/calls.jsonl")" 0
echo "# the oldest transaction seen open at the database (once a second): $(sort -n "$T/trx_ages" | tail -n 1) s"
echo "# retries logged: $(cat "$T/lighttpd.out" "$T/kzsctl.log" "$B/lighttpd.out" "$B/kzsctl.log" 2>/dev/null | grep -c ': attempt [0-9]*, next in')"
line=$(grep -h -m1 -E 'AddressSanitizer|runtime error:|LeakSanitizer' "$B/lighttpd.out" "$B/error.log" "$B/kzsctl.log" 2>/dev/null | head -n 1)
check_eq "node B: no sanitizer report" "$line" ""
echo "# run took $((SECONDS - started)) s"
