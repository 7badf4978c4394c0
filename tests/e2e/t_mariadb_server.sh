#!/usr/bin/env bash
# The tests' own MariaDB server (mariadb.sh), seen through the plain mariadb client with
# only what mariadb_config_section hands our programs: it answers on its socket and on
# loopback, the user kzs works in the database kzs and nowhere else, a wrong password
# and root from the network are refused, data outlives a kill -9 and a restart, and
# after mariadb_stop nothing of it is left running.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/kzs-e2e.XXXXXX") || exit 1
trap kzs_teardown EXIT
mariadb_start

# conf_value HOW KEY: KEY of the [mariadb] section mariadb_config_section HOW prints.
conf_value() { mariadb_config_section "$1" | sed -n "s/^$2 = //p"; }

# connect HOW PASSWORD SQL: the mariadb client as our programs will log in, with HOW's
# socket, or host and port, its user and database, and PASSWORD; prints rows and errors.
connect() {
	local where
	case $1 in
	socket) where=(--socket="$(conf_value socket socket)") ;;
	tcp) where=(--host="$(conf_value tcp host)" --port="$(conf_value tcp port)") ;;
	esac
	mariadb --no-defaults --connect-timeout=10 --batch --skip-column-names "${where[@]}" \
		--user="$(conf_value "$1" user)" --password="$2" --database="$(conf_value "$1" database)" \
		--execute="$3" 2>&1
}

# mariadbd_of_test: the mariadbd processes running on this test's data directory.
mariadbd_of_test() { pgrep -f -- "--datadir=$T/mariadb/data( |$)"; }
# listening PORT: what listens on PORT, any address.
listening() { ss -Htln "sport = :$1" | awk '{ print $4 }'; }

check_eq "the config section names the backend" "$(mariadb_config_section | sed -n '1,2p' | tr '\n' ' ')" \
	"[state] backend = mariadb "
check_eq "password file: mode 600" "$(stat -c %a "$MARIADB_PASSWORD_FILE")" 600
check_eq "password file: one line, 32 hex digits and a newline" \
	"$(grep -cE '^[0-9a-f]{32}$' "$MARIADB_PASSWORD_FILE") $(wc -c <"$MARIADB_PASSWORD_FILE")" "1 33"
password=$(cat "$MARIADB_PASSWORD_FILE") # without its newline, as our programs read it

check_eq "the socket: kzs logs in" "$(connect socket "$password" 'SELECT CURRENT_USER(), DATABASE()')" \
	"$(printf 'kzs@localhost\tkzs')"
check_eq "loopback: kzs logs in on the port" \
	"$(connect tcp "$password" 'SELECT CURRENT_USER(), DATABASE(), @@port')" \
	"$(printf 'kzs@127.0.0.1\tkzs\t%s' "$MARIADB_PORT")"
check_eq "the port is open on 127.0.0.1 only" "$(listening "$MARIADB_PORT")" "127.0.0.1:$MARIADB_PORT"
check_eq "the database kzs is utf8mb4" "$(connect socket "$password" 'SELECT @@character_set_database')" utf8mb4

out=$(connect tcp "$password" 'CREATE TABLE deals (id INT PRIMARY KEY, note VARCHAR(40));
	INSERT INTO deals VALUES (1001, "sent"); SELECT id, note FROM deals')
check_eq "kzs creates a table in kzs and writes to it" "$out" "$(printf '1001\tsent')"
check_eq "root sees it (mariadb_sql)" "$(mariadb_sql 'SELECT note FROM kzs.deals WHERE id = 1001')" sent
check_eq "mariadb_sql_as_kzs is kzs in kzs" "$(mariadb_sql_as_kzs 'SELECT CURRENT_USER(), COUNT(*) FROM deals')" \
	"$(printf 'kzs@localhost\t1')"
mariadb_sql 'CREATE DATABASE other'
check_match "kzs cannot create a table in another database" \
	"$(connect socket "$password" 'CREATE TABLE other.deals (id INT)')" "CREATE command denied to user 'kzs'"
check_match "...nor create a database" "$(connect socket "$password" 'CREATE DATABASE mine')" \
	"Access denied for user 'kzs'"
check_eq "...and other stays empty" "$(mariadb_sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'other'")" 0

check_match "a wrong password is refused on the port" "$(connect tcp "${password}x" 'SELECT 1')" \
	"Access denied for user 'kzs'@'127.0.0.1'"
check_match "a wrong password is refused on the socket" "$(connect socket "x$password" 'SELECT 1')" \
	"Access denied for user 'kzs'@'localhost'"
check_match "root is refused on the port" \
	"$(mariadb --no-defaults --host=127.0.0.1 --port="$MARIADB_PORT" --user=root --execute='SELECT 1' 2>&1)" \
	"Access denied for user 'root'@'127.0.0.1'"

mariadb_kill
check_match "mariadb_kill: the socket is refused" "$(connect socket "$password" 'SELECT 1')" "Can't connect"
mariadb_restart
check_eq "mariadb_restart: back on the same port, the row kept through the kill" \
	"$(connect tcp "$password" 'SELECT note FROM deals WHERE id = 1001')" sent

check_eq "before mariadb_stop: one mariadbd on this test's data" "$(mariadbd_of_test | wc -l)" 1
port=$MARIADB_PORT
mariadb_stop
check_eq "after mariadb_stop: nothing listens on the port" "$(listening "$port")" ""
check_match "after mariadb_stop: the socket is refused" "$(connect socket "$password" 'SELECT 1')" "Can't connect"
check_eq "after mariadb_stop: no mariadbd of this test left" "$(mariadbd_of_test)" ""
