/*
 * store_sql: MariaDB Connector/C under the store interface (store_sql.h).
 *
 * A process keeps a few connections (one per transaction open at once: a caller may
 * hold the outbox while it reads a deal), made on first use and kept for the next
 * request. A connection checks the schema once: the version in kzs_schema and the
 * columns of every table, so a database edited by hand into a shape we do not know is
 * refused with the table's name instead of misread. Keys and values travel as hex
 * literals, which needs no escaping and keeps binary bytes whole.
 *
 * A lost connection fails the transaction it was in (nothing half-written: the server
 * rolls it back); the next transaction connects again. Trouble reaching the database is
 * logged once a minute (report.h), and the callers answer 503 or keep their job.
 */
#include "store_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "msg.h"
#include "report.h"

#ifndef KZS_MARIADB

static int
absent(char *err, size_t errlen)
{
	msg_set(err, errlen, "[state] backend = mariadb: built without MariaDB support");
	return -1;
}

int store_sql_use(const struct config *cfg, char *err, size_t errlen) { (void)cfg; return absent(err, errlen); }
int store_sql_begin(const char *name, int write, struct store_sql **out, char *err, size_t errlen)
{
	(void)name, (void)write;
	*out = NULL;
	return absent(err, errlen);
}
int store_sql_get(struct store_sql *t, const char *key, char **val) { (void)t, (void)key; *val = NULL; return -1; }
int store_sql_put(struct store_sql *t, const char *key, const char *val) { (void)t, (void)key, (void)val; return -1; }
int store_sql_delete(struct store_sql *t, const char *key) { (void)t, (void)key; return -1; }
int store_sql_each(struct store_sql *t, store_each_fn fn, void *arg) { (void)t, (void)fn, (void)arg; return -1; }
int store_sql_commit(struct store_sql *t) { (void)t; return -1; }
void store_sql_abort(struct store_sql *t) { (void)t; }
int store_sql_lock(const char *name, int *handle, char *err, size_t errlen) { (void)name; *handle = -1; return absent(err, errlen); }
void store_sql_unlock(int handle) { (void)handle; }
int store_sql_ring_visit(const char *service, long long *ring, int n, long long long_ago,
    store_sql_ring_fn decide, void *arg)
{
	(void)service, (void)ring, (void)n, (void)long_ago, (void)decide, (void)arg;
	return -1;
}
int store_sql_init(char *msg, size_t msglen) { return absent(msg, msglen); }
int store_sql_migrate(char *msg, size_t msglen) { return absent(msg, msglen); }
void store_sql_close(int in_child) { (void)in_child; }

#else

#include <errno.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

/* Transactions open at once in one process; more means a caller forgot to end one. */
#define CONNS 4
#define LOCK_WAIT_SECONDS 30 /* a writer waits this long for another host's transaction */
/* A kept connection reads the schema's version again after this long: another host's
 * kzsctl db migrate may have moved it on (the tables' columns are read once a connection). */
#define VERSION_RECHECK_SECONDS 1

/* The state tables, one per state file, then the ones of the database alone. */
static const char *const kv_tables[] = { STORE_TOKENS, STORE_DEALS, STORE_SEEN, STORE_OUTBOX,
	STORE_CACHE, STORE_STATES };
#define NKV (sizeof kv_tables / sizeof kv_tables[0])

/* The columns each table must have, "name type" as information_schema says them. */
struct shape {
	const char *table; /* "kv" for every key/value table */
	const char *columns;
};
static const struct shape shapes[] = {
	{ "kzs_schema", "version int" },
	{ "kzs_lock", "store varchar" },
	{ "kzs_pace", "service varchar,ring longblob" },
	{ "kv", "k varbinary,v longblob" },
};

struct conn {
	MYSQL *db;
	int in_use;
	int checked; /* the schema was found right on this connection */
	time_t version_at; /* when kzs_schema's version was last read on it */
};

struct store_sql {
	struct conn *c;
	int write;
	char table[40];
};

static struct conn conns[CONNS];

static struct {
	int set;
	char host[256], socket[512], database[65], user[65], password_file[512];
	unsigned port;
	int tls;
	char state_dir[512]; /* where report_trouble stamps its lines */
} settings;

static const char *
trouble_dir(void)
{
	return settings.state_dir[0] ? settings.state_dir : NULL;
}

int
store_sql_use(const struct config *cfg, char *err, size_t errlen)
{
	const char *dir = cfg->state_dir ? cfg->state_dir : "";
	int same;

	same = settings.set && settings.port == (unsigned)cfg->mariadb.port && settings.tls == cfg->mariadb.tls &&
	    strcmp(settings.host, cfg->mariadb.host ? cfg->mariadb.host : "") == 0 &&
	    strcmp(settings.socket, cfg->mariadb.socket ? cfg->mariadb.socket : "") == 0 &&
	    strcmp(settings.database, cfg->mariadb.database ? cfg->mariadb.database : "") == 0 &&
	    strcmp(settings.user, cfg->mariadb.user ? cfg->mariadb.user : "") == 0 &&
	    strcmp(settings.password_file, cfg->mariadb.password_file ? cfg->mariadb.password_file : "") == 0;
	if (!same)
		store_sql_close(0);
	settings.set = 1;
	snprintf(settings.host, sizeof settings.host, "%s", cfg->mariadb.host ? cfg->mariadb.host : "");
	snprintf(settings.socket, sizeof settings.socket, "%s", cfg->mariadb.socket ? cfg->mariadb.socket : "");
	snprintf(settings.database, sizeof settings.database, "%s", cfg->mariadb.database ? cfg->mariadb.database : "");
	snprintf(settings.user, sizeof settings.user, "%s", cfg->mariadb.user ? cfg->mariadb.user : "");
	snprintf(settings.password_file, sizeof settings.password_file, "%s",
	    cfg->mariadb.password_file ? cfg->mariadb.password_file : "");
	settings.port = (unsigned)cfg->mariadb.port;
	settings.tls = cfg->mariadb.tls;
	snprintf(settings.state_dir, sizeof settings.state_dir, "%s", dir);
	(void)err, (void)errlen;
	return 0;
}

/* The password: the file's first line. */
static int
read_password(char *buf, size_t len, char *err, size_t errlen)
{
	FILE *f = fopen(settings.password_file, "re");
	size_t n;

	if (f == NULL) {
		msg_set(err, errlen, "[mariadb] password_file %s: %s", settings.password_file, strerror(errno));
		return -1;
	}
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return 0;
}

static int
query(MYSQL *db, const char *sql, size_t len)
{
	return mysql_real_query(db, sql, (unsigned long)len) == 0 ? 0 : -1;
}

static int
query0(MYSQL *db, const char *sql)
{
	return query(db, sql, strlen(sql));
}

/* The first column of the first row of sql into buf ("" when no row); -1 on error. */
static int
query_value(MYSQL *db, const char *sql, char *buf, size_t len)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	buf[0] = '\0';
	if (query0(db, sql) == -1 || (res = mysql_store_result(db)) == NULL)
		return -1;
	if ((row = mysql_fetch_row(res)) != NULL && row[0] != NULL)
		snprintf(buf, len, "%s", row[0]);
	mysql_free_result(res);
	return 0;
}

/* What to look at when a connection is refused, from the server's or the client's error. */
static const char *
connect_hint(unsigned error)
{
	switch (error) {
	case ER_ACCESS_DENIED_ERROR:
		return "; check [mariadb] user and the password in [mariadb] password_file";
	case ER_BAD_DB_ERROR:
	case ER_DBACCESS_DENIED_ERROR: /* also what a user without rights elsewhere hears of a missing one */
		return "; check [mariadb] database: it must exist, with rights for the user (deploy/README.md)";
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_UNKNOWN_HOST:
		return "; is the server running? check [mariadb] socket, or host and port";
	default:
		return "";
	}
}

/* "user@host:port/database" or "user@socket/database", for messages. */
static void
describe(char *buf, size_t len)
{
	if (settings.socket[0])
		snprintf(buf, len, "%s@%s/%s", settings.user, settings.socket, settings.database);
	else
		snprintf(buf, len, "%s@%s:%u/%s", settings.user, settings.host, settings.port, settings.database);
}

static MYSQL *
connect_db(char *err, size_t errlen)
{
	char password[512], where[700], session[100];
	unsigned timeout = 5, io_timeout = 60;
	my_bool on = 1;
	MYSQL *db;

	if (!settings.set) {
		msg_set(err, errlen, "[state] backend = mariadb: the [mariadb] settings were not loaded");
		return NULL;
	}
	if (read_password(password, sizeof password, err, errlen) == -1)
		return NULL;
	if ((db = mysql_init(NULL)) == NULL) {
		msg_set(err, errlen, "out of memory");
		return NULL;
	}
	mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	/* A server that stops answering fails the transaction instead of holding a job. */
	mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
	mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
	if (settings.tls) {
		mysql_options(db, MYSQL_OPT_SSL_ENFORCE, &on);
		mysql_options(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
	}
	describe(where, sizeof where);
	/* The password is not kept: each connection reads the file, so a new one needs no restart. */
	if (mysql_real_connect(db, settings.socket[0] ? NULL : settings.host, settings.user, password,
		settings.database, settings.port, settings.socket[0] ? settings.socket : NULL,
		0) == NULL) {
		memset(password, 0, sizeof password);
		msg_set(err, errlen, "[mariadb] cannot connect to %s: %s%s", where, mysql_error(db),
		    connect_hint(mysql_errno(db)));
		mysql_close(db);
		return NULL;
	}
	snprintf(session, sizeof session, "SET SESSION autocommit = 1, innodb_lock_wait_timeout = %d",
	    LOCK_WAIT_SECONDS);
	if (mysql_set_character_set(db, "binary") != 0 || query0(db, session) == -1) {
		msg_set(err, errlen, "[mariadb] %s: %s", where, mysql_error(db));
		mysql_close(db);
		return NULL;
	}
	return db;
}

/* "name type,name type" of table's columns in column order, lower-case types, no sizes. */
static int
columns_of(MYSQL *db, const char *table, char *buf, size_t len)
{
	char sql[400];
	MYSQL_RES *res;
	MYSQL_ROW row;
	size_t used = 0;

	snprintf(sql, sizeof sql, "SELECT COLUMN_NAME, LOWER(DATA_TYPE) FROM information_schema.COLUMNS "
	    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s' ORDER BY ORDINAL_POSITION", table);
	buf[0] = '\0';
	if (query0(db, sql) == -1 || (res = mysql_store_result(db)) == NULL)
		return -1;
	while ((row = mysql_fetch_row(res)) != NULL && used < len)
		used += (size_t)snprintf(buf + used, len - used, "%s%s %s", used ? "," : "",
		    row[0] ? row[0] : "", row[1] ? row[1] : "");
	mysql_free_result(res);
	return 0;
}

/* One table against its shape: 0, 1 when absent, -1 with why in err. */
static int
check_table(MYSQL *db, const char *table, const char *want, char *err, size_t errlen)
{
	char have[512];

	if (columns_of(db, table, have, sizeof have) == -1) {
		msg_set(err, errlen, "[mariadb] cannot read the columns of %s: %s", table, mysql_error(db));
		return -1;
	}
	if (have[0] == '\0')
		return 1;
	if (strcmp(have, want) != 0) {
		msg_set(err, errlen, "[mariadb] the table %s has columns (%s), not (%s) as this version "
		    "made it; change it back, or make the tables again (kzsctl db init, into an empty "
		    "database) and kzsctl restore a dump", table, have, want);
		return -1;
	}
	return 0;
}

/* The version in kzs_schema into *version (0 when it holds none); -1 with why in err. */
static int
read_version(MYSQL *db, int *version, char *err, size_t errlen)
{
	char value[32];

	*version = 0;
	if (query_value(db, "SELECT MAX(version) FROM kzs_schema", value, sizeof value) == -1) {
		msg_set(err, errlen, "[mariadb] cannot read kzs_schema: %s", mysql_error(db));
		return -1;
	}
	*version = atoi(value);
	return 0;
}

/* The refusal of a schema newer than this build's, said alike by programs and kzsctl. */
static int
refuse_newer(int version, char *err, size_t errlen)
{
	msg_set(err, errlen, "[mariadb] the database's schema is version %d, newer than this "
	    "version of the programs knows (%d); install the newer programs", version, STORE_SQL_SCHEMA);
	return -1;
}

/* The version in kzs_schema against this build's: 0, or -1 with why in err. */
static int
check_version(MYSQL *db, char *err, size_t errlen)
{
	int version;

	if (read_version(db, &version, err, errlen) == -1)
		return -1;
	if (version == 0) {
		msg_set(err, errlen, "[mariadb] kzs_schema holds no version (kzsctl db init did not finish); "
		    "run kzsctl db init");
		return -1;
	}
	if (version > STORE_SQL_SCHEMA)
		return refuse_newer(version, err, errlen);
	if (version < STORE_SQL_SCHEMA) {
		msg_set(err, errlen, "[mariadb] the database's schema is version %d; run kzsctl db migrate",
		    version);
		return -1;
	}
	return 0;
}

/* The schema version and every table's shape. */
static int
check_schema(MYSQL *db, char *err, size_t errlen)
{
	char table[40];
	size_t i;
	int rc;

	rc = check_table(db, "kzs_schema", shapes[0].columns, err, errlen);
	if (rc == 1)
		msg_set(err, errlen, "[mariadb] the database %s has no state tables yet; run kzsctl db init",
		    settings.database);
	if (rc != 0 || check_version(db, err, errlen) == -1)
		return -1;
	for (i = 1; i < sizeof shapes / sizeof shapes[0]; i++) {
		if (i < sizeof shapes / sizeof shapes[0] - 1) {
			snprintf(table, sizeof table, "%s", shapes[i].table);
			rc = check_table(db, table, shapes[i].columns, err, errlen);
		} else {
			size_t k;

			for (k = 0, rc = 0; k < NKV && rc == 0; k++) {
				snprintf(table, sizeof table, "kzs_%s", kv_tables[k]);
				rc = check_table(db, table, shapes[i].columns, err, errlen);
			}
		}
		if (rc == 1)
			msg_set(err, errlen, "[mariadb] the table %s is missing; run kzsctl db migrate", table);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static int
lost(MYSQL *db)
{
	return mysql_errno(db) == CR_SERVER_GONE_ERROR || mysql_errno(db) == CR_SERVER_LOST;
}

/* A free connection, connected and its schema checked; NULL with why in err. */
static struct conn *
take_conn(int check, char *err, size_t errlen)
{
	struct conn *c = NULL;
	size_t i;

	for (i = 0; i < CONNS; i++)
		if (!conns[i].in_use && (c == NULL || (conns[i].db != NULL && c->db == NULL)))
			c = &conns[i];
	if (c == NULL) {
		msg_set(err, errlen, "[mariadb] more than %d transactions open at once in one process", CONNS);
		return NULL;
	}
	if (c->db == NULL) {
		if ((c->db = connect_db(err, errlen)) == NULL)
			return NULL;
		c->checked = 0;
	}
	if (check && c->checked && time(NULL) - c->version_at >= VERSION_RECHECK_SECONDS) {
		int gone;

		if (check_version(c->db, err, errlen) == 0) {
			c->version_at = time(NULL);
		} else {
			gone = lost(c->db);
			mysql_close(c->db);
			c->db = NULL;
			/* A connection the server closed meanwhile (a restart): a new one. */
			return gone ? take_conn(check, err, errlen) : NULL;
		}
	}
	if (check && !c->checked) {
		if (check_schema(c->db, err, errlen) == -1) {
			mysql_close(c->db);
			c->db = NULL;
			return NULL;
		}
		c->checked = 1;
		c->version_at = time(NULL);
	}
	c->in_use = 1;
	return c;
}

/* Ends the use of c; a connection left in an unknown state is closed. */
static void
give_conn(struct conn *c, int broken)
{
	if (broken && c->db != NULL) {
		mysql_close(c->db);
		c->db = NULL;
	}
	c->in_use = 0;
}

static int
known_table(const char *name)
{
	size_t i;

	for (i = 0; i < NKV; i++)
		if (strcmp(name, kv_tables[i]) == 0)
			return 1;
	return 0;
}

/* Opens t's transaction: 0, -1 on a server error, 1 with why in err (and rolled back). */
static int
start(struct store_sql *t, const char *name, char *err, size_t errlen)
{
	char sql[200], got[40];

	if (!t->write)
		return query0(t->c->db, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
	/* Writers of one store follow one another on every host, as under GDBM's flock. */
	if (query0(t->c->db, "START TRANSACTION") == -1)
		return -1;
	snprintf(sql, sizeof sql, "SELECT store FROM kzs_lock WHERE store = '%s' FOR UPDATE", name);
	if (query_value(t->c->db, sql, got, sizeof got) == -1)
		return -1;
	if (got[0] != '\0')
		return 0;
	msg_set(err, errlen, "[mariadb] kzs_lock has no row for %s; run kzsctl db migrate", name);
	query0(t->c->db, "ROLLBACK");
	return 1;
}

int
store_sql_begin(const char *name, int write, struct store_sql **out, char *err, size_t errlen)
{
	struct store_sql *t;
	int rc;

	*out = NULL;
	err[0] = '\0';
	if (!known_table(name)) {
		msg_set(err, errlen, "[mariadb] no table for the state file %s", name);
		return -1;
	}
	if ((t = calloc(1, sizeof *t)) == NULL) {
		msg_set(err, errlen, "out of memory");
		return -1;
	}
	t->write = write;
	snprintf(t->table, sizeof t->table, "kzs_%s", name);
	if ((t->c = take_conn(1, err, errlen)) == NULL)
		goto fail;
	rc = start(t, name, err, errlen);
	/* A kept connection the server closed meanwhile (its idle timeout, a restart): once more
	 * on a new one, as nothing was done yet. */
	if (rc == -1 && lost(t->c->db)) {
		give_conn(t->c, 1);
		if ((t->c = take_conn(1, err, errlen)) == NULL)
			goto fail;
		rc = start(t, name, err, errlen);
	}
	if (rc == -1)
		goto sql_fail;
	if (rc == 1) {
		give_conn(t->c, 0);
		goto fail;
	}
	*out = t;
	return 0;
sql_fail:
	msg_set(err, errlen, "[mariadb] %s: %s", t->table, mysql_error(t->c->db));
	give_conn(t->c, 1);
fail:
	report_trouble(trouble_dir(), "mariadb", "%s", err);
	free(t);
	return -1;
}

/* Appends X'<hex of s>' to buf at *at. */
static void
hex_literal(char *buf, size_t *at, const char *s, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	buf[(*at)++] = 'X';
	buf[(*at)++] = '\'';
	for (i = 0; i < n; i++) {
		buf[(*at)++] = digits[(unsigned char)s[i] >> 4];
		buf[(*at)++] = digits[(unsigned char)s[i] & 15];
	}
	buf[(*at)++] = '\'';
}

/* before X'key' [middle X'val'] after, malloc'd; *len is its length. */
static char *
statement(const char *before, const char *key, const char *middle, const char *val, const char *after,
    size_t *len)
{
	size_t klen = strlen(key), vlen = val ? strlen(val) : 0, at = 0;
	size_t cap = strlen(before) + strlen(after) + (middle ? strlen(middle) : 0) + 2 * (klen + vlen) + 8;
	char *sql = malloc(cap);

	if (sql == NULL)
		return NULL;
	memcpy(sql, before, strlen(before));
	at = strlen(before);
	hex_literal(sql, &at, key, klen);
	if (middle != NULL) {
		memcpy(sql + at, middle, strlen(middle));
		at += strlen(middle);
		hex_literal(sql, &at, val, vlen);
	}
	memcpy(sql + at, after, strlen(after));
	at += strlen(after);
	sql[at] = '\0';
	*len = at;
	return sql;
}

/* Runs before X'key' [middle X'val'] after (see statement); -1 logs the server's error,
 * once a minute. */
static int
run(struct store_sql *t, const char *before, const char *key, const char *middle, const char *val,
    const char *after)
{
	size_t len;
	char *sql = statement(before, key, middle, val, after, &len);
	int rc;

	if (sql == NULL)
		return -1;
	rc = query(t->c->db, sql, len);
	free(sql);
	if (rc == -1)
		report_trouble(trouble_dir(), "mariadb", "[mariadb] %s: %s", t->table, mysql_error(t->c->db));
	return rc;
}

int
store_sql_get(struct store_sql *t, const char *key, char **val)
{
	char before[80];
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned long *lens;
	int rc = 1;

	*val = NULL;
	snprintf(before, sizeof before, "SELECT v FROM %s WHERE k = ", t->table);
	if (run(t, before, key, NULL, NULL, "") == -1 ||
	    (res = mysql_store_result(t->c->db)) == NULL)
		return -1;
	if ((row = mysql_fetch_row(res)) != NULL && (lens = mysql_fetch_lengths(res)) != NULL) {
		rc = -1;
		if ((*val = malloc(lens[0] + 1)) != NULL) {
			memcpy(*val, row[0] ? row[0] : "", lens[0]);
			(*val)[lens[0]] = '\0';
			rc = 0;
		}
	}
	mysql_free_result(res);
	return rc;
}

int
store_sql_put(struct store_sql *t, const char *key, const char *val)
{
	char before[80];

	snprintf(before, sizeof before, "INSERT INTO %s (k, v) VALUES (", t->table);
	return run(t, before, key, ", ", val, ") ON DUPLICATE KEY UPDATE v = VALUES(v)");
}

int
store_sql_delete(struct store_sql *t, const char *key)
{
	char before[80];

	snprintf(before, sizeof before, "DELETE FROM %s WHERE k = ", t->table);
	if (run(t, before, key, NULL, NULL, "") == -1)
		return -1;
	return mysql_affected_rows(t->c->db) > 0 ? 0 : 1;
}

/* Rows a walk of a table (store_sql_each) reads at once. */
#define STORE_SQL_PAGE 500

/* Hands each row of res to fn; remembers the last key in *last (malloc'd). 1 when fn
 * stopped the walk, -1 when out of memory. */
static int
each_row(MYSQL_RES *res, store_each_fn fn, void *arg, char **last)
{
	MYSQL_ROW row;

	while ((row = mysql_fetch_row(res)) != NULL) {
		unsigned long *lens = mysql_fetch_lengths(res);
		char *key = lens ? malloc(lens[0] + 1) : NULL, *val = lens ? malloc(lens[1] + 1) : NULL;
		int stop;

		if (key == NULL || val == NULL) {
			free(key);
			free(val);
			return -1;
		}
		memcpy(key, row[0], lens[0]);
		key[lens[0]] = '\0';
		memcpy(val, row[1], lens[1]);
		val[lens[1]] = '\0';
		stop = fn(key, val, arg);
		free(val);
		free(*last);
		*last = key;
		if (stop)
			return 1;
	}
	return 0;
}

/*
 * A page at a time, in key order after the last key seen: a walk holds one page, however
 * long the table (a queue of 100,000 jobs is not read into memory at once). Each page is
 * read whole before fn sees it, so fn may read or write the same store meanwhile.
 */
int
store_sql_each(struct store_sql *t, store_each_fn fn, void *arg)
{
	char first[128], next[80], tail[40], *last = NULL, *sql = NULL;
	size_t len = 0;
	int rc = 0;

	snprintf(tail, sizeof tail, " ORDER BY k LIMIT %d", STORE_SQL_PAGE);
	snprintf(first, sizeof first, "SELECT k, v FROM %s%s", t->table, tail);
	snprintf(next, sizeof next, "SELECT k, v FROM %s WHERE k > ", t->table);
	for (;;) {
		MYSQL_RES *res;
		my_ulonglong rows;

		if (last != NULL && (sql = statement(next, last, NULL, NULL, tail, &len)) == NULL) {
			rc = -1;
			break;
		}
		if ((sql ? query(t->c->db, sql, len) : query0(t->c->db, first)) == -1 ||
		    (res = mysql_store_result(t->c->db)) == NULL) {
			report_trouble(trouble_dir(), "mariadb", "[mariadb] %s: %s", t->table, mysql_error(t->c->db));
			rc = -1;
			break;
		}
		free(sql);
		sql = NULL;
		rows = mysql_num_rows(res);
		rc = each_row(res, fn, arg, &last);
		mysql_free_result(res);
		if (rc != 0 || rows < STORE_SQL_PAGE)
			break;
	}
	free(sql);
	free(last);
	return rc == -1 ? -1 : 0;
}

int
store_sql_commit(struct store_sql *t)
{
	int rc = 0;

	if (t == NULL)
		return -1;
	if (query0(t->c->db, "COMMIT") == -1) {
		report_trouble(trouble_dir(), "mariadb", "[mariadb] %s: commit failed: %s", t->table,
		    mysql_error(t->c->db));
		rc = -1;
	}
	give_conn(t->c, rc == -1);
	free(t);
	return rc;
}

void
store_sql_abort(struct store_sql *t)
{
	if (t == NULL)
		return;
	give_conn(t->c, query0(t->c->db, "ROLLBACK") == -1);
	free(t);
}

int
store_sql_lock(const char *name, int *handle, char *err, size_t errlen)
{
	char sql[200], got[8];
	struct conn *c;

	*handle = -1;
	if ((c = take_conn(0, err, errlen)) == NULL) {
		report_trouble(trouble_dir(), "mariadb", "%s", err);
		return -1;
	}
	/* A lock of the server, not of a table: no transaction stays open while it is held. */
	snprintf(sql, sizeof sql, "SELECT GET_LOCK(CONCAT(DATABASE(), '.%s'), %d)", name, LOCK_WAIT_SECONDS);
	if (query_value(c->db, sql, got, sizeof got) == -1 || strcmp(got, "1") != 0) {
		msg_set(err, errlen, "[mariadb] cannot take the lock %s: %s", name,
		    got[0] == '0' ? "another host held it too long" : mysql_error(c->db));
		give_conn(c, 1);
		return -1;
	}
	*handle = (int)(c - conns);
	return 0;
}

void
store_sql_unlock(int handle)
{
	struct conn *c;

	if (handle < 0 || handle >= CONNS)
		return;
	c = &conns[handle];
	/* Releasing every lock of the session: a connection holds one lock at a time. */
	give_conn(c, query0(c->db, "DO RELEASE_ALL_LOCKS()") == -1);
}

/* Opens the ring's transaction and reads its row, locked (made when absent): the times
 * into ring (see store_sql_ring_visit) and the server's clock into *now_ms. */
static int
ring_load(MYSQL *db, const char *service, long long *ring, int n, long long *now_ms)
{
	char sql[400], make[200];
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned long *lens;
	int tries, i;

	*now_ms = 0;
	if (query0(db, "START TRANSACTION") == -1)
		return -1;
	/* SYSDATE, not NOW: the time once the row is ours. NOW is when the statement began,
	 * before its wait for the lock, and a turn booked at it would lie in the past. */
	snprintf(sql, sizeof sql, "SELECT ring, CAST(UNIX_TIMESTAMP(SYSDATE(3)) * 1000 AS SIGNED) "
	    "FROM kzs_pace WHERE service = '%s' FOR UPDATE", service);
	for (tries = 0; tries < 2 && *now_ms == 0; tries++) {
		if (query0(db, sql) == -1 || (res = mysql_store_result(db)) == NULL)
			return -1;
		if ((row = mysql_fetch_row(res)) != NULL && (lens = mysql_fetch_lengths(res)) != NULL &&
		    row[1] != NULL) {
			int stored = lens[0] % 8 == 0 ? (int)(lens[0] / 8) : 0;
			/* The limit may have changed since: the newest times are the ones that count. */
			int keep = stored < n ? stored : n;

			*now_ms = atoll(row[1]);
			for (i = 0; i < keep; i++)
				memcpy(&ring[n - keep + i], row[0] + (size_t)(stored - keep + i) * 8, 8);
		}
		mysql_free_result(res);
		if (*now_ms != 0)
			break;
		/* The service's first visit: its row, then the read again. Locked for writing at
		 * once: INSERT IGNORE would take a shared lock on a row another visitor just made,
		 * and two visitors raising theirs to FOR UPDATE's would deadlock. */
		snprintf(make, sizeof make, "INSERT INTO kzs_pace VALUES ('%s', '') ON DUPLICATE KEY UPDATE "
		    "ring = ring", service);
		if (query0(db, make) == -1)
			return -1;
	}
	return *now_ms != 0 ? 0 : -1;
}

/* Writes ring as the service's row. */
static int
ring_save(MYSQL *db, const char *service, const long long *ring, int n)
{
	size_t at, cap = 200 + (size_t)n * 16;
	char *up = malloc(cap);
	int rc;

	if (up == NULL)
		return -1;
	at = (size_t)snprintf(up, cap, "UPDATE kzs_pace SET ring = ");
	hex_literal(up, &at, (const char *)ring, (size_t)n * 8);
	at += (size_t)snprintf(up + at, cap - at, " WHERE service = '%s'", service);
	rc = query(db, up, at);
	free(up);
	return rc;
}

/* The ring's row holds n 8-byte times, oldest first; a row of another length reads as empty. */
int
store_sql_ring_visit(const char *service, long long *ring, int n, long long long_ago,
    store_sql_ring_fn decide, void *arg)
{
	char err[600];
	struct conn *c;
	long long now_ms;
	int i, rc;

	for (i = 0; i < n; i++)
		ring[i] = long_ago;
	if ((c = take_conn(1, err, sizeof err)) == NULL) {
		report_trouble(trouble_dir(), "mariadb", "%s", err);
		return -1;
	}
	rc = ring_load(c->db, service, ring, n, &now_ms);
	if (rc == -1 && lost(c->db)) { /* a kept connection closed meanwhile: once more */
		give_conn(c, 1);
		if ((c = take_conn(1, err, sizeof err)) == NULL) {
			report_trouble(trouble_dir(), "mariadb", "%s", err);
			return -1;
		}
		rc = ring_load(c->db, service, ring, n, &now_ms);
	}
	if (rc == 0) {
		rc = decide(ring, n, now_ms, arg);
		if (rc == 1 && ring_save(c->db, service, ring, n) == -1)
			rc = -1;
	}
	if (rc == -1 || query0(c->db, "COMMIT") == -1) {
		report_trouble(trouble_dir(), "mariadb", "[mariadb] kzs_pace: %s", mysql_error(c->db));
		query0(c->db, "ROLLBACK");
		give_conn(c, 1);
		return -1;
	}
	give_conn(c, 0);
	return rc;
}

/* ---- the administrator's commands ---- */

static int
create_tables(MYSQL *db)
{
	char sql[400];
	size_t i;

	if (query0(db, "CREATE TABLE IF NOT EXISTS kzs_lock (store VARCHAR(32) NOT NULL PRIMARY KEY) "
		"ENGINE=InnoDB") == -1 ||
	    query0(db, "CREATE TABLE IF NOT EXISTS kzs_pace (service VARCHAR(32) NOT NULL PRIMARY KEY, "
		"ring LONGBLOB NOT NULL) ENGINE=InnoDB") == -1)
		return -1;
	for (i = 0; i < NKV; i++) {
		snprintf(sql, sizeof sql, "CREATE TABLE IF NOT EXISTS kzs_%s (k VARBINARY(700) NOT NULL "
		    "PRIMARY KEY, v LONGBLOB NOT NULL) ENGINE=InnoDB", kv_tables[i]);
		if (query0(db, sql) == -1)
			return -1;
		snprintf(sql, sizeof sql, "INSERT IGNORE INTO kzs_lock (store) VALUES ('%s')", kv_tables[i]);
		if (query0(db, sql) == -1)
			return -1;
	}
	return 0;
}

/* The schema version for db init and migrate: 0 when kzs_schema is absent. */
static int
schema_version(MYSQL *db, int *version, char *msg, size_t msglen)
{
	int rc = check_table(db, "kzs_schema", shapes[0].columns, msg, msglen);

	*version = 0;
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	return read_version(db, version, msg, msglen);
}

/* Makes or upgrades the tables; fresh: only into a database without them. */
static int
build(int fresh, char *msg, size_t msglen)
{
	struct conn *c;
	char sql[200], where[700];
	int version, rc = -1;

	msg[0] = '\0';
	if ((c = take_conn(0, msg, msglen)) == NULL)
		return -1;
	describe(where, sizeof where);
	if (schema_version(c->db, &version, msg, msglen) == -1)
		goto out;
	if (fresh && version != 0) {
		msg_set(msg, msglen, "[mariadb] %s already has the state tables (schema version %d); "
		    "kzsctl db migrate upgrades them", where, version);
		goto out;
	}
	if (!fresh && version == 0) {
		msg_set(msg, msglen, "[mariadb] %s has no state tables; run kzsctl db init", where);
		goto out;
	}
	if (version > STORE_SQL_SCHEMA) {
		refuse_newer(version, msg, msglen);
		goto out;
	}
	if (version == STORE_SQL_SCHEMA && !fresh) {
		msg_set(msg, msglen, "%s: the schema is already version %d; nothing to do", where, version);
		rc = 0;
		goto out;
	}
	/* Version 1 is the first: its tables are made whole; later versions add their steps. */
	if (query0(c->db, "CREATE TABLE IF NOT EXISTS kzs_schema (version INT NOT NULL) ENGINE=InnoDB") == -1 ||
	    create_tables(c->db) == -1 || query0(c->db, "DELETE FROM kzs_schema") == -1)
		goto sql_fail;
	snprintf(sql, sizeof sql, "INSERT INTO kzs_schema (version) VALUES (%d)", STORE_SQL_SCHEMA);
	if (query0(c->db, sql) == -1)
		goto sql_fail;
	msg_set(msg, msglen, "%s: the state tables are at schema version %d (was %d)", where,
	    STORE_SQL_SCHEMA, version);
	rc = 0;
	goto out;
sql_fail:
	msg_set(msg, msglen, "[mariadb] %s: %s", where, mysql_error(c->db));
out:
	give_conn(c, rc == -1);
	return rc;
}

int
store_sql_init(char *msg, size_t msglen)
{
	return build(1, msg, msglen);
}

int
store_sql_migrate(char *msg, size_t msglen)
{
	return build(0, msg, msglen);
}

void
store_sql_close(int in_child)
{
	size_t i;

	for (i = 0; i < CONNS; i++) {
		if (conns[i].db == NULL)
			continue;
		/* A child's copies are the parent's sessions: only forgotten, never ended. */
		if (!in_child)
			mysql_close(conns[i].db);
		conns[i].db = NULL;
		conns[i].in_use = 0;
		conns[i].checked = 0;
	}
}

#endif /* KZS_MARIADB */
