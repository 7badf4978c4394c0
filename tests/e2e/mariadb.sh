# mariadb.sh: a private MariaDB server for one test, for the [state] backend = mariadb.
# Sourced after lib.sh, once $T exists (kzs_setup, or the test's own mktemp with
# kzs_teardown as its exit trap): everything lives under $T/mariadb, so two tests running
# at once share nothing but the machine. kzs_teardown stops the server before $T goes.
#
#   mariadb_start                 data directory, server, database kzs, user kzs (once a test)
#   mariadb_config_section [socket|tcp]   the kzs.conf lines that point our programs at it
#   mariadb_sql [SQL] [OPTIONS]   SQL as root over the socket (stdin when no SQL)
#   mariadb_sql_as_kzs [SQL] [OPTIONS]   the same as the user kzs, in the database kzs
#   mariadb_stop, mariadb_kill, mariadb_restart   the server goes away and comes back
#
# After mariadb_start: MARIADB_SOCKET, MARIADB_PORT (127.0.0.1), MARIADB_DATABASE=kzs,
# MARIADB_USER=kzs and MARIADB_PASSWORD_FILE ($T/mariadb.password, mode 600: the password,
# 32 hex digits, then one newline, as "echo PASSWORD >FILE" writes it). The password is
# also in MARIADB_PASSWORD (not exported).
#
# Root or not: the server runs as the user running the test. As root, mariadbd and
# mariadb-install-db need --user=root (they refuse root otherwise), which is all that
# differs; as anyone else they run as that user, with no --user, and mariadbd is looked
# for in /usr/sbin too (not on such a user's PATH on Debian). The server's root account
# has no password and answers on the socket only, which is under $T (mode 700): only the
# test's user reaches it. The port is open on loopback to local users, who would need the
# random password of kzs.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/recipe.sh" # recipe_free_port

MARIADB_DATABASE=kzs
MARIADB_USER=kzs
MARIADB_PID=

# mariadb_server_args: mariadbd's options, all files under $MARIADB_DIR, loopback only,
# small buffers (a test's tables are tiny; the whole start takes under a second). The
# character set is Debian's server default (its 50-server.cnf), which --no-defaults skips.
mariadb_server_args() {
	local d=$MARIADB_DIR
	printf '%s\n' --no-defaults --datadir="$d/data" --tmpdir="$d/tmp" \
		--socket="$MARIADB_SOCKET" --pid-file="$d/mariadbd.pid" --log-error="$d/error.log" \
		--bind-address=127.0.0.1 --port="$MARIADB_PORT" --skip-name-resolve \
		--performance-schema=OFF --innodb-buffer-pool-size=8M --innodb-log-file-size=4M \
		--innodb-log-buffer-size=2M --character-set-server=utf8mb4 \
		--collation-server=utf8mb4_general_ci
	[ "$(id -u)" != 0 ] || echo --user=root
}

# mariadb_is_running: true while the server this test started is alive (its pid, not a
# zombie, and still our data directory: a reused pid is someone else's).
mariadb_is_running() {
	[ -n "${MARIADB_PID:-}" ] &&
		tr '\0' '\n' 2>/dev/null <"/proc/$MARIADB_PID/cmdline" | grep -qxF -- "--datadir=$MARIADB_DIR/data"
}

# mariadb_wait_gone SECONDS: polls until the server process has ended; 1 if it has not.
mariadb_wait_gone() {
	local deadline=$((SECONDS + $1))
	while mariadb_is_running; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# mariadb_fail WHAT: not ok, the server log's tail, and the test ends (it cannot go on).
mariadb_fail() {
	not_ok "mariadb: $1"
	tail -n 20 "$MARIADB_DIR/error.log" "$MARIADB_DIR/mariadbd.out" 2>/dev/null | sed 's/^/#   /'
	[ -z "${MARIADB_PID:-}" ] || kill -9 "$MARIADB_PID" 2>/dev/null
	exit 1
}

# mariadb_launch: starts mariadbd on $MARIADB_PORT and waits until it answers on the
# socket; 1 when the port was taken meanwhile (the caller may pick another), otherwise
# fails the test when the server dies or does not answer within 30 s.
mariadb_launch() {
	local deadline=$((SECONDS + 30)) args
	mapfile -t args < <(mariadb_server_args)
	: >"$MARIADB_DIR/error.log"
	"$MARIADBD" "${args[@]}" </dev/null >>"$MARIADB_DIR/mariadbd.out" 2>&1 &
	MARIADB_PID=$!
	disown # so that a test's own "wait" does not wait for the server
	until mariadb-admin --defaults-file="$MARIADB_DIR/root.cnf" --connect-timeout=2 ping >/dev/null 2>&1; do
		if ! kill -0 "$MARIADB_PID" 2>/dev/null; then
			MARIADB_PID=
			grep -qs 'Address already in use' "$MARIADB_DIR/error.log" && return 1
			mariadb_fail "mariadbd ended before it answered (port $MARIADB_PORT)"
		fi
		[ "$SECONDS" -lt "$deadline" ] || mariadb_fail "mariadbd did not answer on $MARIADB_SOCKET within 30 s"
		sleep 0.1
	done
}

# mariadb_start: a new server for this test (see the top of this file).
mariadb_start() {
	local install=(--no-defaults --datadir="$T/mariadb/data" --auth-root-authentication-method=normal
		--skip-test-db --skip-name-resolve --innodb-buffer-pool-size=8M --innodb-log-file-size=4M)
	MARIADB_DIR=$T/mariadb
	MARIADB_SOCKET=$MARIADB_DIR/mariadb.sock
	MARIADB_PASSWORD_FILE=$T/mariadb.password
	MARIADBD=$(PATH=$PATH:/usr/sbin command -v mariadbd)
	export MARIADB_SOCKET MARIADB_PASSWORD_FILE MARIADB_DATABASE MARIADB_USER
	[ -n "$MARIADBD" ] || mariadb_fail "mariadbd is not installed (sh deploy/install-deps.sh --tests installs it)"
	# A Unix socket's path holds at most 107 bytes.
	[ "${#MARIADB_SOCKET}" -le 107 ] || mariadb_fail "socket path longer than 107 bytes: $MARIADB_SOCKET (a shorter TMPDIR)"
	mkdir -p "$MARIADB_DIR/tmp"
	[ "$(id -u)" != 0 ] || install+=(--user=root)
	mariadb-install-db "${install[@]}" >"$MARIADB_DIR/install.log" 2>&1 ||
		{ tail -n 20 "$MARIADB_DIR/install.log" | sed 's/^/#   /'; mariadb_fail "mariadb-install-db failed"; }
	printf '[client]\nuser = root\nsocket = %s\n' "$MARIADB_SOCKET" >"$MARIADB_DIR/root.cnf"

	for _ in 1 2 3 4 5; do
		MARIADB_PORT=$(recipe_free_port)
		mariadb_launch && break
	done
	mariadb_is_running || mariadb_fail "no free port after 5 tries"
	export MARIADB_PORT

	MARIADB_PASSWORD=$(random_hex 16)
	(umask 077 && printf '%s\n' "$MARIADB_PASSWORD" >"$MARIADB_PASSWORD_FILE" &&
		printf '[client]\nuser = %s\npassword = %s\nsocket = %s\ndatabase = %s\n' "$MARIADB_USER" \
			"$MARIADB_PASSWORD" "$MARIADB_SOCKET" "$MARIADB_DATABASE" >"$MARIADB_DIR/kzs.cnf")
	# root only on the socket (mariadb-install-db also made root@127.0.0.1, ::1 and the host's
	# name); kzs from loopback and the socket, on its own database only.
	mariadb_sql "DELETE FROM mysql.global_priv WHERE User = 'root' AND Host <> 'localhost';
		DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';
		FLUSH PRIVILEGES;
		CREATE DATABASE $MARIADB_DATABASE CHARACTER SET utf8mb4;
		CREATE USER '$MARIADB_USER'@'127.0.0.1' IDENTIFIED BY '$MARIADB_PASSWORD',
			'$MARIADB_USER'@'localhost' IDENTIFIED BY '$MARIADB_PASSWORD';
		GRANT ALL PRIVILEGES ON $MARIADB_DATABASE.* TO '$MARIADB_USER'@'127.0.0.1', '$MARIADB_USER'@'localhost';" ||
		mariadb_fail "creating the database and the user failed"
}

# mariadb_config_section [socket|tcp]: the [state] backend line and the [mariadb] section,
# through the socket (default) or 127.0.0.1 and the port; append it to $T/kzs.conf (a
# second [state] section adds to the first). No tls key: this server has no certificate.
mariadb_config_section() {
	printf '[state]\nbackend = mariadb\n\n[mariadb]\n'
	case ${1:-socket} in
	socket) printf 'socket = %s\n' "$MARIADB_SOCKET" ;;
	tcp) printf 'host = 127.0.0.1\nport = %s\n' "$MARIADB_PORT" ;;
	*) echo "mariadb_config_section: socket or tcp, not $1" >&2; return 2 ;;
	esac
	printf 'database = %s\nuser = %s\npassword_file = %s\n' "$MARIADB_DATABASE" "$MARIADB_USER" \
		"$MARIADB_PASSWORD_FILE"
}

# mariadb_client CNF [SQL] [OPTIONS...]: the mariadb client with the account in CNF, rows
# tab-separated without a header line; SQL from stdin when the first argument is an option
# or there is none. OPTIONS are the client's own, e.g. --host=127.0.0.1 --port=$MARIADB_PORT.
mariadb_client() {
	local cnf=$1 sql=()
	shift
	if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
		sql=(--execute="$1")
		shift
	fi
	mariadb --defaults-file="$cnf" --connect-timeout=10 --batch --skip-column-names "$@" "${sql[@]}"
}
# As root, no default database (name tables as kzs.TABLE): for looking into or damaging tables.
mariadb_sql() { mariadb_client "$MARIADB_DIR/root.cnf" "$@"; }
# As kzs, the user our programs log in as, in the database kzs.
mariadb_sql_as_kzs() { mariadb_client "$MARIADB_DIR/kzs.cnf" "$@"; }

# mariadb_stop: a clean shutdown (on SIGTERM mariadbd shuts down as on "mariadb-admin
# shutdown", which would poll only once a second), then kill -9 if the server is still
# there after 20 s. Nothing when no server runs. kzs_teardown calls it at exit.
mariadb_stop() {
	mariadb_is_running && kill -TERM "$MARIADB_PID"
	mariadb_wait_gone 20 || mariadb_kill
	MARIADB_PID=
}

# mariadb_kill: the server dies at once (kill -9), as in a crash: no clean shutdown, its
# socket file stays behind.
mariadb_kill() {
	mariadb_is_running && kill -9 "$MARIADB_PID"
	mariadb_wait_gone 10 || not_ok "mariadb: pid $MARIADB_PID still there after kill -9"
	MARIADB_PID=
}

# mariadb_restart: stops the server if it runs, starts it again on the same data, port and
# socket (after mariadb_kill: with InnoDB's crash recovery).
mariadb_restart() {
	mariadb_stop
	mariadb_launch || mariadb_fail "port $MARIADB_PORT was taken while the server was down"
}
