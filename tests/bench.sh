#!/usr/bin/env bash
# make bench: figures, never pass or fail. In order:
#  1. kommo-hook's answer time through lighttpd against the queue's length (0 to 100,000
#     jobs due, a drain working through them at Zoho's pace as after a bulk move), one
#     sender, a new lead in every webhook;
#  2. sustained load from 32 connections (wrk), beside two ceilings under the same
#     lighttpd: a FastCGI responder that does nothing, and one that stores the body in a
#     file with fdatasync and rename (the cheapest durable acknowledgement);
#  3. the store records one claim of the next due job touches, one enqueue and one done,
#     and their time, against the queue's length;
#  4. a drain's CPU per job against the queue's length (pacing lifted, the fakes answering);
#  5. an ignored event's answer time, the time from a webhook to its createdocument and
#     from a completed webhook to the stage move, API calls per deal, and the send
#     schedule of a burst against Zoho's pace.
# Parts 1-4 run with each [state] backend: the GDBM files, then MariaDB, on a private
# server the bench starts under its temporary folder (tests/e2e/mariadb.sh) and stops at
# the end; part 5 with GDBM. The table of 1-4 comes at the end (also in
# build/bench/summary.txt), charts in build/bench/. The KZS_BENCH_* knobs below shorten
# or lengthen the parts.
. "$(dirname "$0")/e2e/lib.sh"
. "$(dirname "$0")/e2e/mariadb.sh"

QUEUE_SIZES=${KZS_BENCH_QUEUE_SIZES:-0 1000 10000 100000}
QUEUE_SECONDS=${KZS_BENCH_QUEUE_SECONDS:-10} # of posts at each queue length
QUEUE_GAP_MS=${KZS_BENCH_QUEUE_GAP_MS:-10}   # the sender's pause between posts
LOAD_SECONDS=${KZS_BENCH_LOAD_SECONDS:-10}   # of sustained load on each responder
LOAD_CONNECTIONS=${KZS_BENCH_LOAD_CONNECTIONS:-32}
CLAIM_SIZES=${KZS_BENCH_CLAIM_SIZES:-10 1000 10000 100000}
CLAIM_ROUNDS=${KZS_BENCH_CLAIM_ROUNDS:-15} # enqueue, claim and done at each length: the median time
DRAIN_SIZES=${KZS_BENCH_DRAIN_SIZES:-1000 100000}
DRAIN_SECONDS=${KZS_BENCH_DRAIN_SECONDS:-35} # [limits] cron_drain_seconds of each measured drain (its last
# 2 s start no call: lib/pace.h, PACE_AHEAD_MS)
DRAIN_LEADS=1000 # queued leads that the fake Kommo knows (a drain of DRAIN_SECONDS runs fewer)
FIRST_QUEUED=100001 # the queued leads are FIRST_QUEUED and up (tests/bench/queue_fill.c)
BACKENDS=${KZS_BENCH_BACKENDS:-gdbm mariadb} # [state] backend of parts 1-4

BENCH=$KZS_OUT/tests/bench
START_LOAD=$(cut -d ' ' -f 1 /proc/loadavg) # others' work on the machine, for the table
for prog in noop durable queue_fill queue_cost; do
	[ -x "$BENCH/$prog" ] || { echo "$BENCH/$prog is missing (make bench builds it)"; exit 1; }
done
command -v wrk >/dev/null || { echo "wrk is missing (sh deploy/install-deps.sh --tests)"; exit 1; }

# The two ceilings, served by the same lighttpd as our programs.
kzs_lighttpd_extra() {
	echo "fastcgi.server += ("
	fcgi_block /bench/noop "$BENCH/noop" "$KZS_MAX_PROCS"
	fcgi_block /bench/durable "$BENCH/durable" "$KZS_MAX_PROCS" "BENCH_DURABLE_DIR=$T/durable"
	echo ")"
}
kzs_setup "${KZS_BENCH_PROCS:-2}"
mkdir -p "$T/durable" "$KZS_ROOT/build/bench"
url="$APP_URL/cgi-bin/kommo-hook?secret=$HOOK_SECRET"
: >"$T/results" # one line per figure, for the table at the end

# The queues are filled once, outside the state directory, and a copy goes in for each
# part. The fill is setup, not a figure: in memory (/dev/shm) when there is one, where
# 100,000 enqueues take seconds rather than the 40 s of their syncs on disk.
FILL=$(mktemp -d "$([ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo "$T")/kzs-bench.XXXXXX") || exit 1
bench_cleanup() {
	local rc=$?
	rm -rf "$FILL"
	(exit "$rc")
	kzs_teardown
}
trap bench_cleanup EXIT

FILL_SIZES=$(printf '%s\n' $QUEUE_SIZES $CLAIM_SIZES $DRAIN_SIZES | sort -n -u) # every length a part uses
have=0
for n in $FILL_SIZES; do
	[ "$n" -gt 0 ] || continue
	"$BENCH/queue_fill" "$FILL" $((FIRST_QUEUED + have)) $((n - have)) || exit 1
	cp "$FILL/outbox.db" "$FILL/q$n.db"
	have=$n
done

# ---- the MariaDB backend ----
# The tests' server is sized for tiny tables; the bench's gets the server's own default
# redo log (96 MiB) and a buffer pool that holds the 100,000-job queue (256 MiB), and
# syncs its redo log at every commit (the server's default, said here because the
# durable ceiling of part 2 is about it). Binary logging stays off, as by default.
eval "$(declare -f mariadb_server_args | sed '1s/^mariadb_server_args/mariadb_test_server_args/')"
mariadb_server_args() {
	mariadb_test_server_args
	printf '%s\n' --innodb-buffer-pool-size=256M --innodb-log-file-size=96M --innodb-flush-log-at-trx-commit=1
}

# bench_backend gdbm|mariadb: the programs' [state] backend from their next start on;
# $tool_store: what the bench's tools are given to work on the same store.
bench_backend() {
	backend=$1
	kzs_conf_set state backend "$1"
	tool_store=("$T/state")
	[ "$1" = gdbm ] || tool_store=(--config "$T/kzs.conf" "$T/state")
}

# mariadb_left_out WHY: says so, and fails.
mariadb_left_out() {
	echo "== The MariaDB backend is left out: $1"
	return 1
}

# bench_mariadb_setup: the server, its tables, and the queues filled as for GDBM, kept
# in the database kzs_bench (one table a length, each a copy of the outbox's rows as the
# programs wrote them) for bench_queue to copy in. The fill is setup, not a figure: the
# server syncs its redo log only once a second meanwhile. 1 after saying why when
# MariaDB cannot be used here (a server that fails to start ends the bench).
bench_mariadb_setup() {
	local n have=0 out
	[ -n "$(PATH=$PATH:/usr/sbin command -v mariadbd)" ] ||
		mariadb_left_out "mariadbd is not installed (sh deploy/install-deps.sh --tests)" || return
	mariadb_start
	mariadb_config_section | awk '/^\[mariadb\]/ { on = 1 } on' >>"$T/kzs.conf"
	bench_backend mariadb
	out=$(KZS_CONFIG=$T/kzs.conf "$KZS_OUT/deploy/kzsctl" db init 2>&1) || mariadb_left_out "${out%%$'\n'*}" || return
	mariadb_sql "SET GLOBAL innodb_flush_log_at_trx_commit = 0; CREATE DATABASE kzs_bench" ||
		mariadb_left_out "the server refused the bench's settings" || return
	for n in $FILL_SIZES; do
		[ "$n" -gt 0 ] || continue
		"$BENCH/queue_fill" "${tool_store[@]}" $((FIRST_QUEUED + have)) $((n - have)) &&
			mariadb_sql "CREATE TABLE kzs_bench.q$n LIKE kzs.kzs_outbox;
				INSERT INTO kzs_bench.q$n SELECT * FROM kzs.kzs_outbox" ||
			mariadb_left_out "filling its queue of $n jobs failed" || return
		have=$n
	done
	mariadb_sql "SET GLOBAL innodb_flush_log_at_trx_commit = 1" ||
		mariadb_left_out "the server refused the bench's settings" || return
	MARIADB_VERSION=$(mariadb_sql "SELECT VERSION()")
}
case " $BACKENDS " in
*" mariadb "*)
	if ! bench_mariadb_setup; then
		mariadb_stop
		BACKENDS=gdbm
	fi
	;;
esac
bench_backend gdbm

# bench_fixtures FIRST COUNT: the fake Kommo knows the leads FIRST .. FIRST+COUNT-1 (as
# fixture_lead writes them; in one go, for a thousand leads at once).
bench_fixtures() {
	fixture_lead "$1"
	awk -v first="$1" -v n="$2" -v dir="$FAKE_DIR/kommo/leads" '
		{ lead = lead $0 "\n" }
		END {
			for (i = 1; i < n; i++) {
				file = dir "/" (first + i) ".json"; text = lead
				gsub(first, first + i, text)
				printf "%s", text >file; close(file)
			}
		}' "$FAKE_DIR/kommo/leads/$1.json"
}
bench_fixtures "$FIRST_QUEUED" "$DRAIN_LEADS"

# bench_web_stop: stops lighttpd, its FastCGI processes and the children they work in
# after answering. bench_web_start starts them afresh: each part starts alike (a
# process's after-answer time is counted over its life).
bench_web_stop() {
	local pids pid deadline=$((SECONDS + 5))
	pids=$(pgrep -P "$KZS_LIGHTTPD_PID")
	for pid in $pids; do pids="$pids $(pgrep -P "$pid")"; done
	kill -TERM $pids 2>/dev/null
	kzs_stop_lighttpd
	# kill -0 succeeds while one of them is still there.
	while [ "$SECONDS" -lt "$deadline" ] && kill -0 $pids 2>/dev/null; do sleep 0.1; done
	for pid in $pids; do
		case $(readlink "/proc/$pid/exe" 2>/dev/null) in "$KZS_OUT"/*) kill -9 "$pid" ;; esac
	done
}
bench_web_start() {
	local deadline=$((SECONDS + 20))
	lighttpd -D -f "$T/lighttpd.conf" >>"$T/lighttpd.out" 2>&1 &
	KZS_LIGHTTPD_PID=$!
	disown
	until curl -s -o /dev/null --max-time 2 "$APP_URL/"; do
		[ "$SECONDS" -lt "$deadline" ] || { echo "lighttpd did not come back"; exit 1; }
		sleep 0.1
	done
	# The first request to each program, so that none of the figures counts a start.
	for path in cgi-bin/kommo-hook bench/noop bench/durable; do
		curl -s -o /dev/null --max-time 10 "$APP_URL/$path"
	done
}

# bench_queue N: with the programs stopped, the outbox of the current backend holds the
# N queued jobs and nothing else, and no lead has a contract or a pacing turn yet.
bench_queue() {
	rm -f "$T/state/outbox.db" "$T/state/deals.db" "$T/state/seen.db" "$T"/state/pace-*
	if [ "$backend" = mariadb ]; then
		# FLUSH ... FOR EXPORT writes the table's pages to disk, as sync does below.
		mariadb_sql "TRUNCATE kzs.kzs_outbox; TRUNCATE kzs.kzs_deals; TRUNCATE kzs.kzs_seen;
			TRUNCATE kzs.kzs_pace;
			$([ "$1" = 0 ] || echo "INSERT INTO kzs.kzs_outbox SELECT * FROM kzs_bench.q$1;")
			FLUSH TABLES kzs.kzs_outbox FOR EXPORT; UNLOCK TABLES"
		return
	fi
	[ "$1" = 0 ] && return
	cp "$FILL/q$1.db" "$T/state/outbox.db"
	sync "$T/state/outbox.db" # on disk now, not in the first sync a part's work makes
}

# bench_wrk "BACKEND PART NAME" URL THREADS CONNECTIONS SECONDS GAP_MS FIRST_LEAD: wrk
# with a new lead in every post (tests/bench/leads.lua); appends "BACKEND PART NAME
# requests p50 p90 p99 max req/s non-2xx socket-errors" (ms) to $T/results and prints it.
bench_wrk() {
	local line
	BENCH_BODY=$(kommo_status_body @LEAD@) BENCH_GAP_MS=$6 BENCH_FIRST_LEAD=$7 \
		wrk -t"$3" -c"$4" -d"$5"s -s "$KZS_ROOT/tests/bench/leads.lua" "$2" >"$T/wrk.out" 2>&1
	line=$(sed -n 's/^result //p' "$T/wrk.out")
	if [ -z "$line" ]; then
		echo "   wrk gave no figures:"
		sed 's/^/   /' "$T/wrk.out"
		return 1
	fi
	echo "$1 $line" >>"$T/results"
	echo "$1 $line" | awk '{ printf "   %-8s %-14s %7d posts  p50 %7.2f  p90 %7.2f  p99 %7.2f  max %7.2f ms  %8.0f req/s  non-2xx %d  errors %d\n",
		$1 == "-" ? "" : $1, $2 == "queue" ? $3 " queued" : $3, $4, $5, $6, $7, $8, $9, $10, $11 }'
}

# kzsctl_bg ARGS...: kzsctl in the background; its pid in $!.
kzsctl_bg() { KZS_CONFIG=$T/kzs.conf "$KZS_OUT/deploy/kzsctl" "$@" >/dev/null 2>>"$T/kzsctl.log" & }

# server_counters: the MariaDB server's CPU so far (clock ticks, user + sys), and the
# statements, commits and fsyncs it has done.
server_counters() {
	{
		awk '{ print "cpu", $14 + $15 }' "/proc/$MARIADB_PID/stat"
		mariadb_sql "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_commit', 'Innodb_data_fsyncs')"
	} | awk '{ v[$1] = $2 } END { print v["cpu"] + 0, v["Questions"] + 0, v["Com_commit"] + 0, v["Innodb_data_fsyncs"] + 0 }'
}
# server_each BEFORE AFTER N: what the server did for each of N (webhooks, jobs) between
# two server_counters: "CPU-ms statements commits fsyncs".
server_each() {
	awk -v a="$1" -v b="$2" -v n="$3" -v t="$(getconf CLK_TCK)" 'BEGIN {
		split(a, x, " "); split(b, y, " "); n = n > 0 ? n : 1
		printf "%.2f %.1f %.2f %.2f\n", (y[1] - x[1]) * 1000 / t / n, (y[2] - x[2]) / n, (y[3] - x[3]) / n, (y[4] - x[4]) / n }'
}
# server_say PER "CPU-ms statements commits fsyncs": the server's part, in words.
server_say() {
	echo "$2" | awk -v per="$1" '{ printf "   mariadb server, a %s: %.2f ms CPU, %.1f statements, %.2f commits, %.2f fsyncs\n", per, $1, $2, $3, $4 }'
}

# ---- 1. answer time against the queue's length ----
echo "== 1. kommo-hook's answer time against the queue's length (one sender, a new lead in"
echo "   every post, $QUEUE_GAP_MS ms apart, $QUEUE_SECONDS s at each length; the queued jobs are all due and"
echo "   kzsctl drain --watch works through them at Zoho's pace, as after a bulk move, beside"
echo "   the web processes' own after-answer drains; the posts add their jobs to the queue;"
echo "   each backend in turn at each length)"
phase=0
for n in $QUEUE_SIZES; do
	for b in $BACKENDS; do
		phase=$((phase + 1))
		first=$((phase * 1000000))
		bench_fixtures $((first + 1)) $((QUEUE_SECONDS * 1000 / (QUEUE_GAP_MS > 0 ? QUEUE_GAP_MS : 1) + 1))
		bench_web_stop
		bench_backend "$b"
		bench_queue "$n"
		bench_web_start
		kzsctl_bg drain --watch
		drain=$!
		sleep 1
		bench_wrk "$b queue $n" "$url" 1 1 "$QUEUE_SECONDS" "$QUEUE_GAP_MS" "$first"
		kill -TERM "$drain" 2>/dev/null
		wait "$drain" 2>/dev/null
	done
done

# ---- 2. sustained load ----
# What the durable ceiling means for the database, said under the table.
CEILING_MARIADB="the same ceiling for mariadb: a commit waits for the server's redo-log fsync on the same disk (innodb_flush_log_at_trx_commit = 1), so one commit a webhook costs what the durable responder's fdatasync does; concurrent commits may share an fsync"
echo
echo "== 2. Sustained load: $LOAD_CONNECTIONS connections (wrk), a new lead in every post, $LOAD_SECONDS s on each"
echo "   responder under the same lighttpd, ${KZS_MAX_PROCS} FastCGI processes each; kommo-hook starts with an"
echo "   empty queue, drains after answering as configured (at Zoho's pace), with each backend"
for b in $BACKENDS; do
	bench_web_stop
	bench_backend "$b"
	bench_queue 0
	bench_web_start
	if [ "$b" = "${BACKENDS%% *}" ]; then # the ceilings once, beside the first backend
		for target in bench/noop bench/durable; do
			bench_wrk "- load ${target#*/}" "$APP_URL/$target?secret=$HOOK_SECRET" 2 "$LOAD_CONNECTIONS" \
				"$LOAD_SECONDS" 0 20000000
		done
	fi
	[ "$b" = gdbm ] || before=$(server_counters)
	bench_wrk "$b load kommo-hook" "$url" 2 "$LOAD_CONNECTIONS" "$LOAD_SECONDS" 0 $((20000000 + phase * 1000000))
	phase=$((phase + 1))
	[ "$b" = gdbm ] && continue
	server=$(server_each "$before" "$(server_counters)" "$(awk 'END { print $4 }' "$T/results")")
	echo "$b server webhook $server" >>"$T/results"
	server_say "webhook (with the after-answer drains meanwhile)" "$server"
done
echo "   durable answers stored: $(find "$T/durable" -type f ! -name '.tmp.*' | wc -l)"
[ "$BACKENDS" = gdbm ] || echo "   $CEILING_MARIADB"

# ---- 3. claim cost ----
echo
echo "== 3. Queueing a new job (what kommo-hook does for a webhook), claiming the next due job"
echo "   and ending it as done (what a drain does around each job): store records read and"
echo "   written, and the median time of $CLAIM_ROUNDS rounds, against the queue's length"
bench_web_stop
for n in $CLAIM_SIZES; do
	for b in $BACKENDS; do
		bench_backend "$b"
		bench_queue "$n"
		"$BENCH/queue_cost" "${tool_store[@]}" "$CLAIM_ROUNDS" >"$T/cost" || continue
		echo "$b claim $n $(cat "$T/cost")" >>"$T/results"
		awk -v n="$n" -v b="$b" '{ printf "   %-8s %8d queued: enqueue %2d read %2d written %6.2f ms; claim %3d read %3d written %6.2f ms; done %2d read %2d written %6.2f ms\n",
			b, n, $1, $2, $3 / 1000, $4, $5, $6 / 1000, $7, $8, $9 / 1000 }' "$T/cost"
	done
done

# ---- 4. drain CPU per job ----
echo
echo "== 4. CPU of kzsctl drain per job run, and of the MariaDB server meanwhile, against the"
echo "   queue's length (a drain of $DRAIN_SECONDS s each;"
lift_pacing | sed 's/^# /   /; s/$/)/'
kzs_conf_set limits cron_drain_seconds "$DRAIN_SECONDS"
TIMEFORMAT='%U %S %R'
for n in $DRAIN_SIZES; do
	for b in $BACKENDS; do
		bench_backend "$b"
		bench_queue "$n"
		[ "$b" = gdbm ] || before=$(server_counters)
		{ time kzsctl drain >"$T/drain.out"; } 2>"$T/drain.time"
		ran=$(sed -n 's/^ran \([0-9]*\) job.*/\1/p' "$T/drain.out")
		server="- - - -"
		[ "$b" = gdbm ] || server=$(server_each "$before" "$(server_counters)" "${ran:-0}")
		read -r user sys real <"$T/drain.time"
		echo "$b drain $n ${ran:-0} $user $sys $real $server" >>"$T/results"
		awk -v b="$b" -v n="$n" -v ran="${ran:-0}" -v u="$user" -v s="$sys" -v r="$real" 'BEGIN {
			printf "   %-8s %8d queued: %5d jobs in %.1f s, CPU %.2f s user + %.2f s sys = %.2f ms a job\n", b, n, ran, r, u, s, ran ? (u + s) * 1000 / ran : 0 }'
		[ "$b" = gdbm ] || server_say job "$server"
		[ "${ran:-0}" -le "$DRAIN_LEADS" ] || echo "   (only the first $DRAIN_LEADS leads are known to the fake Kommo: the rest ran short)"
	done
done
# Back to the remotes' limits, GDBM and an empty queue for what follows.
kzs_conf_set limits kommo_calls_per_second 6
kzs_conf_set limits zoho_calls_per_minute 45
kzs_conf_set limits cron_drain_seconds 280
rm -f "$FAKE_DIR/kommo/rate_limit" "$FAKE_DIR/zoho/rate_limit"
bench_backend gdbm
bench_queue 0
mariadb_stop
bench_web_start

# ---- 5. the older figures ----
N=${KZS_BENCH_POSTS:-1000}
LEADS=${KZS_BENCH_LEADS:-30}
echo
echo "== 5. An ignored event's answer time through lighttpd (ab, $N posts one after another;"
echo "   another stage: the secret and the parse only)"
printf '%s' "$(kommo_status_body "$LEAD_ID" "$SIGNED_STATUS_ID")" >"$T/ab.body"
ab -q -n "$N" -e "$T/ab.csv" -p "$T/ab.body" -T application/x-www-form-urlencoded "$url" >"$T/ab.out" 2>&1
# ab's csv has the percentiles with fractions of a millisecond.
awk -F, '
	FNR == NR { if ($1 == 50) p50 = $2; if ($1 == 99) p99 = $2; if ($1 == 100) max = $2; next }
	/^Non-2xx responses/ { bad = $3 }
	/^Failed requests/ { split($0, f, ":"); failed = f[2] + 0 }
	/^Requests per second/ { split($0, r, ":"); rps = r[2] + 0 }
	END { printf "   p50=%.2f ms  p99=%.2f ms  max=%.2f ms  %.0f req/s  failed=%d non-2xx=%d\n",
		p50, p99, max, rps, failed, bad }' "$T/ab.csv" "$T/ab.out"

echo
echo "== Webhook to createdocument at the fake Zoho ($LEADS leads, one webhook a second)"
: >"$FAKE_DIR/calls.jsonl"
: >"$T/posted"
for i in $(seq 1 "$LEADS"); do
	lead=$((5000 + i))
	fixture_lead "$lead"
	printf '%s %s\n' "$lead" "$(date +%s%3N)" >>"$T/posted"
	curl -s -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' \
		--data-binary "$(kommo_status_body "$lead")" "$url"
	sleep 1
done
created() {
	jq -r 'select(.path | endswith("/createdocument")) | select(.status == 200)
		| "\(.body | capture("ref%20(?<l>[0-9]+)-").l) \(.at_ms)"' "$FAKE_DIR/calls.jsonl" | sort
}
deadline=$((SECONDS + 60))
until [ "$(created | wc -l)" -ge "$LEADS" ] || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.2; done
created >"$T/created"
sort "$T/posted" | join - "$T/created" | awk '{ print $3 - $2 }' | sort -n >"$T/deltas"
awk '{ d[NR] = $1 } END {
	if (NR == 0) { print "no createdocument arrived"; exit 1 }
	i50 = int((NR - 1) * 0.50) + 1; i99 = int((NR - 1) * 0.99) + 1
	printf "leads=%d  p50=%d ms  p99=%d ms  min=%d ms  max=%d ms\n", NR, d[i50], d[i99], d[1], d[NR] }' "$T/deltas"
echo "   (each: re-read lead, contact and company, the template (cached after the first),"
echo "    createdocument; a lead takes 4 Kommo calls, and the shared pacing allows 6 in"
echo "    any 1.1 s, so a lead that comes 1 s after the last one waits up to 0.1 s for a slot)"

# ---- signing outcomes: completed webhook -> PATCH, and calls per deal lifecycle ----
DEALS=${KZS_BENCH_DEALS:-200}
echo
echo "== Completed webhook to the stage move (PATCH) at the fake Kommo ($DEALS deals)"
echo "   (the remotes' rate limits are lifted here, in the fakes and in [limits], to measure"
echo "    our own processing; at the real limits a deal makes 8 Kommo API calls at 6/s,
    plus 4 to the drive)"
for f in kommo/rate_limit zoho/rate_limit; do echo 0 >"$FAKE_DIR/$f"; done
kzs_conf_set limits kommo_calls_per_second 100000
kzs_conf_set limits zoho_calls_per_minute 100000
: >"$FAKE_DIR/calls.jsonl"
body="account%5Bid%5D=$ACCOUNT_ID"
for i in $(seq 1 "$DEALS"); do
	lead=$((7000 + i)) p="leads%5Bstatus%5D%5B$i%5D"
	fixture_lead "$lead"
	body="$body&$p%5Bid%5D=$lead&$p%5Bstatus_id%5D=$TRIGGER_STATUS_ID&$p%5Bpipeline_id%5D=$PIPELINE_ID"
done
curl -s -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$body" "$url"
until [ -z "$(kzsctl jobs 2>/dev/null)" ]; do kzsctl drain >/dev/null; sleep 0.2; done
: >"$T/completed"
for rid in $(cat "$FAKE_DIR"/zoho/requests/*.json | jqb -r 'select(.request_name | test("ref 7[0-9]{3}-")) | .request_id'); do
	sign_set_status "$rid" completed
	payload=$(zoho_webhook_body "$rid" RequestCompleted)
	lead=$(jqb -r '.requests.request_name | capture("ref (?<l>[0-9]+)-").l' <<<"$payload")
	printf '%s %s\n' "$lead" "$(date +%s%3N)" >>"$T/completed"
	post_zoho_hook "$payload"
	sleep 0.1
done
until [ -z "$(kzsctl jobs 2>/dev/null)" ]; do kzsctl drain >/dev/null; sleep 0.2; done
jq -r 'select(.method == "PATCH" and .status == 200) | "\(.path | ltrimstr("/api/v4/leads/")) \(.at_ms)"' \
	"$FAKE_DIR/calls.jsonl" | sort >"$T/patched"
sort "$T/completed" | join - "$T/patched" | awk '{ print $3 - $2 }' | sort -n >"$T/deltas"
awk '{ d[NR] = $1 } END {
	if (NR == 0) { print "no PATCH arrived"; exit 1 }
	i50 = int((NR - 1) * 0.50) + 1; i99 = int((NR - 1) * 0.99) + 1
	printf "deals=%d  p50=%d ms  p99=%d ms  min=%d ms  max=%d ms\n", NR, d[i50], d[i99], d[1], d[NR] }' "$T/deltas"

echo
echo "== API calls per deal lifecycle (contract sent, then completed), average over $DEALS deals"
jq -r '"\(.service) \(.method) \(.path | gsub("[0-9]{3,}"; "{id}") | gsub("/upload/[^/]+$"; "/upload/{session}"))"' \
	"$FAKE_DIR/calls.jsonl" | sort | uniq -c |
	awk -v n="$DEALS" '{ c = $1; $1 = ""; printf "%8.2f %s\n", c / n, $0; total += c }
		END { printf "%8.2f  in all (Kommo, drive, Zoho Sign, Zoho Accounts)\n", total / n }'

# ---- a burst's send schedule against the pace ----
BURST=${KZS_BENCH_BURST:-150}
PACE=${KZS_BENCH_BURST_PACE:-45} # [limits] zoho_calls_per_minute for this part (the default)
LATENCY=${KZS_BENCH_LATENCY_MS:-150} # on every call to the fakes
CRON_EVERY=${KZS_BENCH_CRON_EVERY:-300} # the cron line's interval; its runs last cron_drain_seconds (280)
CRON_BEFORE=${KZS_BENCH_CRON_BEFORE:-5} # its first run starts this long before the burst
ideal=$(awk -v n="$BURST" -v p="$PACE" 'BEGIN { printf "%d", 1.1 * n * 60 / p + 0.5 }')
echo
echo "== A burst of $BURST deals moved at once: createdocument calls by time against the pace"
echo "   (the remotes' limits as configured by default, Kommo 6 calls/s and Zoho Sign"
echo "    zoho_calls_per_minute = $PACE, $LATENCY ms on every remote call; the web processes work"
echo "    after answering as configured, and the cron line's kzsctl drain --watch starts every"
echo "    $CRON_EVERY s, the first $CRON_BEFORE s before the burst; the goal: all sent within"
echo "    1.1 x N / pace = $ideal s)"
kzs_conf_set limits kommo_calls_per_second 6
kzs_conf_set limits zoho_calls_per_minute "$PACE"
rm -f "$FAKE_DIR/kommo/rate_limit" "$FAKE_DIR/zoho/rate_limit" "$T"/state/pace-* # the lifted limits above
fault '*' '*' / 0 delay "$LATENCY"
: >"$FAKE_DIR/calls.jsonl"
for i in $(seq 1 "$BURST"); do fixture_lead $((9000 + i)); done
# The cron line, in a session of its own so that its runs can be stopped together.
KZS_CONFIG=$T/kzs.conf setsid bash -c 'while :; do "$1" drain --watch >/dev/null & sleep "$2"; done' cron "$KZS_OUT/deploy/kzsctl" \
	"$CRON_EVERY" 2>>"$T/kzsctl.log" &
cron=$!
sleep "$CRON_BEFORE"
start=$(date +%s%3N)
posts=()
for first in $(seq 1 50 "$BURST"); do # Kommo sends a bulk move as webhooks of up to 50 leads
	body="account%5Bid%5D=$ACCOUNT_ID"
	for i in $(seq "$first" $((first + 49 < BURST ? first + 49 : BURST))); do
		p="leads%5Bstatus%5D%5B$i%5D"
		body="$body&$p%5Bid%5D=$((9000 + i))&$p%5Bstatus_id%5D=$TRIGGER_STATUS_ID&$p%5Bpipeline_id%5D=$PIPELINE_ID"
	done
	curl -s -o /dev/null -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$body" "$url" &
	posts+=($!)
done
wait "${posts[@]}"
burst_sent() {
	jq -r 'select(.status == 200 and (.path | endswith("/createdocument"))) | .at_ms' "$FAKE_DIR/calls.jsonl" |
		awk -v s="$start" '{ printf "%.1f\n", ($1 - s) / 1000 }' | sort -n
}
deadline=$((SECONDS + 2 * ideal))
until [ "$(burst_sent | wc -l)" -ge "$BURST" ] || [ "$SECONDS" -ge "$deadline" ]; do sleep 1; done
kill -TERM -- -"$cron" 2>/dev/null
wait "$cron" 2>/dev/null
burst_sent >"$T/burst.times"
awk -v n="$BURST" -v p="$PACE" -v ideal="$ideal" '
	{ t[NR] = $1 }
	END {
		printf "   %8s  %10s  %16s\n", "time (s)", "deals sent", "at the pace"
		for (k = 1; k <= 12; k++) {
			at = ideal * k / 10; sent = 0
			for (i = 1; i <= NR; i++) if (t[i] <= at) sent++
			line = p / 60 * at; if (line > n) line = n
			printf "   %8.0f  %10d  %16.0f\n", at, sent, line
		}
		if (NR < n) { printf "   only %d of %d sent within %d s\n", NR, n, 2 * ideal; exit }
		printf "   all %d sent after %.1f s: %.2f x N / pace (goal: at most 1.10)\n", n, t[NR], t[NR] / (n * 60 / p)
	}' "$T/burst.times"
if command -v gnuplot >/dev/null 2>&1; then
	mkdir -p "$KZS_ROOT/build/bench"
	awk '{ print $1, NR }' "$T/burst.times" >"$T/burst.dat"
	gnuplot <<-EOF
		set terminal png size 800,500 noenhanced
		set output "$KZS_ROOT/build/bench/burst.png"
		set title "A burst of $BURST deals: createdocument calls by time (zoho_calls_per_minute = $PACE)"
		set xlabel "seconds after the burst"
		set ylabel "deals sent"
		set key left top
		set xrange [0:$((ideal * 12 / 10))]
		set yrange [0:$((BURST * 11 / 10))]
		set arrow from $ideal,0 to $ideal,$BURST nohead dashtype 2
		set label "goal: all sent by 1.1 x N / pace" at $ideal,$((BURST / 2)) right offset -1,0
		plot "$T/burst.dat" using 1:2 with steps title "sent", \
			(x * $PACE / 60.0 < $BURST ? x * $PACE / 60.0 : $BURST) title "at the pace"
	EOF
fi

# ---- the table of 1-4, and the chart of 1 ----
machine=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1 | tr -s ' ')
cores=$(nproc)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
fs=$(df -T "$T/state" | awk 'NR == 2 { print $2 }')
awk -v date="$(date -u +%Y-%m-%d)" -v machine="$machine" -v cores="$cores" -v mem="$mem" -v fs="$fs" \
	-v procs="$KZS_MAX_PROCS" -v gap="$QUEUE_GAP_MS" -v qs="$QUEUE_SECONDS" -v conns="$LOAD_CONNECTIONS" \
	-v ls="$LOAD_SECONDS" -v ds="$DRAIN_SECONDS" -v rounds="$CLAIM_ROUNDS" -v loadavg="$START_LOAD" \
	-v mariadb="${MARIADB_VERSION:-}" -v ceiling="$([ "$BACKENDS" = gdbm ] || echo "$CEILING_MARIADB")" '
	function thousands(n,   s, out) {
		for (s = sprintf("%d", n); length(s) > 3; s = substr(s, 1, length(s) - 3))
			out = "," substr(s, length(s) - 2) out
		return s out
	}
	function ratio(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "-" }
	function group(name, width,   s) { for (s = name " "; length(s) < width; s = s "-"); return s }
	# Row j of a part into f; its queue length, or "" under a row of the same length.
	function at(part, j,   prev) {
		split(rows[part, j - 1], prev, " ")
		split(rows[part, j], f, " ")
		return j > 1 && prev[3] == f[3] ? "" : thousands(f[3])
	}
	$3 == "durable" { dur = $9 }
	{ rows[$2, ++n[$2]] = $0 } # in the order measured: each length, each backend at it
	END {
		printf "measured on %s, %s, %d cores, %s RAM (load average %s at the start), state on %s; lighttpd, %d FastCGI processes a program\n",
			date, machine, cores, mem, loadavg, fs, procs
		if (mariadb != "")
			printf "mariadb: a private MariaDB %s on the same disk, 256 MiB buffer pool, redo log synced at every commit\n", mariadb
		printf "\n1. kommo-hook answer time against jobs queued (1 sender, a new lead a post, %d ms apart, %d s; a drain running)\n", gap, qs
		printf "   %11s  %-8s  %12s  %9s %9s %9s %9s  %6s  %s\n", "jobs queued", "backend", "p99 vs first", "p50 ms", "p90 ms", "p99 ms", "max ms", "posts", "non-2xx"
		for (j = 1; j <= n["queue"]; j++) {
			label = at("queue", j)
			if (!(f[1] in qbase)) qbase[f[1]] = f[7]
			printf "   %11s  %-8s  %12s  %9.2f %9.2f %9.2f %9.2f  %6d  %d\n", label, f[1],
				ratio(f[7], qbase[f[1]]), f[5], f[6], f[7], f[8], f[4], f[10] + f[11]
		}
		printf "   goal: p99 under 10 ms at every length, flat in the queue length\n\n"
		printf "2. Sustained load, %d connections, a new lead in every post (wrk, %d s each)\n", conns, ls
		printf "   %-22s  %10s  %9s  %9s %9s %9s  %s\n", "responder", "of durable", "req/s", "p50 ms", "p99 ms", "max ms", "non-2xx"
		for (j = 1; j <= n["load"]; j++) {
			split(rows["load", j], f, " ")
			name = f[3] == "noop" ? "no-op FastCGI" : f[3] == "durable" ? "durable (fdatasync)" : f[3] ", " f[1]
			printf "   %-22s  %9.0f%%  %9.0f  %9.2f %9.2f %9.2f  %d\n", name, (dur > 0 ? 100 * f[9] / dur : 0), f[9], f[5], f[7], f[8], f[10] + f[11]
		}
		printf "   goal: kommo-hook at least 80%% of the durable ceiling, p99 under 10 ms\n"
		for (j = 1; j <= n["server"]; j++) {
			split(rows["server", j], f, " ")
			printf "   %s server, a webhook: %.2f ms CPU, %.1f statements, %.2f commits, %.2f fsyncs\n", f[1], f[4], f[5], f[6], f[7]
		}
		if (ceiling != "") printf "   %s\n", ceiling
		printf "\n"
		printf "3. Queueing a job, claiming the next due one and ending it as done: store records touched, median ms of %d rounds\n", rounds
		printf "   %11s  %-8s  %s  %s  %s\n", "", "", group("claim", 31), group("enqueue", 21), group("done", 21)
		printf "   %11s  %-8s  %6s %7s %7s %8s  %6s %7s %6s  %6s %7s %6s\n", "jobs queued", "backend", "read", "written", "ms", "vs first",
			"read", "written", "ms", "read", "written", "ms"
		for (j = 1; j <= n["claim"]; j++) {
			label = at("claim", j)
			if (!(f[1] in cbase)) cbase[f[1]] = f[9]
			printf "   %11s  %-8s  %6s %7d %7.2f %8s  %6d %7d %6.2f  %6d %7d %6.2f\n", label, f[1],
				thousands(f[7]), f[8], f[9] / 1000, ratio(f[9], cbase[f[1]]), f[4], f[5], f[6] / 1000, f[10], f[11], f[12] / 1000
		}
		printf "\n4. kzsctl drain CPU (user + sys) per job run, and the MariaDB server'"'"'s, pacing lifted, the fakes answering (%d s drains)\n", ds
		printf "   %11s  %-8s  %8s %8s  %s\n", "", "", "", "drain", group("server, a job", 37)
		printf "   %11s  %-8s  %8s %8s  %8s %10s %8s %8s  %8s\n", "jobs queued", "backend", "vs first", "ms a job", "CPU ms", "statements",
			"commits", "fsyncs", "jobs run"
		for (j = 1; j <= n["drain"]; j++) {
			label = at("drain", j)
			per = f[4] ? (f[5] + f[6]) * 1000 / f[4] : 0
			if (!(f[1] in dbase)) dbase[f[1]] = per + f[8]
			printf "   %11s  %-8s  %8s %8.2f  %8s %10s %8s %8s  %8d\n", label, f[1], ratio(per + f[8], dbase[f[1]]), per,
				f[8], f[9], f[10], f[11], f[4]
		}
		printf "   vs first: the drain'"'"'s and the server'"'"'s CPU a job together, against the shortest queue\n"
	}' "$T/results" >"$KZS_ROOT/build/bench/summary.txt"

# Answer time against the queue's length, one point a length, a column pair a backend.
awk '$2 == "queue" { if (!($3 in at)) { at[$3] = ++n; len[n] = $3 } p50[$3, $1] = $5; p99[$3, $1] = $7 }
	END { for (i = 1; i <= n; i++) printf "%s %s %s %s %s\n", len[i], p50[len[i], "gdbm"] + 0, p99[len[i], "gdbm"] + 0,
		((len[i], "mariadb") in p50) ? p50[len[i], "mariadb"] : "-", ((len[i], "mariadb") in p99) ? p99[len[i], "mariadb"] : "-" }' \
	"$T/results" >"$T/queue.dat"
if command -v gnuplot >/dev/null 2>&1 && [ -s "$T/queue.dat" ]; then
	mariadb_lines=
	[ "$BACKENDS" = gdbm ] || mariadb_lines=', "" using 0:5 with linespoints title "p99, mariadb", "" using 0:4 with linespoints title "p50, mariadb"'
	gnuplot <<-EOF
		set terminal png size 800,500 noenhanced
		set output "$KZS_ROOT/build/bench/answer-time.png"
		set title "kommo-hook answer time against jobs queued (a drain running, one sender)"
		set xlabel "jobs queued"
		set ylabel "ms"
		set key left top
		set yrange [0:*]
		set grid ytics
		set datafile missing "-"
		set arrow from graph 0, first 10 to graph 1, first 10 nohead dashtype 2
		set label "goal: p99 < 10 ms" at graph 0.02, first 10 offset 0,0.7
		plot "$T/queue.dat" using 0:3:xtic(1) with linespoints title "p99, gdbm", \
			"" using 0:2 with linespoints title "p50, gdbm"$mariadb_lines
	EOF
	echo
	echo "   charts: build/bench/answer-time.png, build/bench/burst.png"
fi
echo
echo "== Summary"
cat "$KZS_ROOT/build/bench/summary.txt"
