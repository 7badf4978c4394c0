/*
 * Unit tests for store_sql against a real MariaDB server, started by
 * tests/e2e/t_store_sql.sh, which runs this program with MARIADB_SOCKET,
 * MARIADB_PASSWORD_FILE, MARIADB_DATABASE, MARIADB_USER and KZS_TEST_DIR set:
 * records of any bytes, rollback, writers of one store one after another across
 * processes, a reader's snapshot, the pacing ring, the named lock, and a schema or a
 * table this build does not know refused by name.
 */
#include <mysql.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "store.h"
#include "store_sql.h"

static struct config cfg;

/* Runs sql as the programs' user on a connection of its own (the test's hand on the
 * database, as an administrator editing it would be). */
static int
admin_sql(const char *sql)
{
	MYSQL *db = mysql_init(NULL);
	char password[256] = "";
	FILE *f = fopen(cfg.mariadb.password_file, "r");
	int rc;

	if (f != NULL) {
		if (fgets(password, sizeof password, f) == NULL)
			password[0] = '\0';
		fclose(f);
	}
	password[strcspn(password, "\r\n")] = '\0';
	if (db == NULL || mysql_real_connect(db, NULL, cfg.mariadb.user, password, cfg.mariadb.database, 0,
		cfg.mariadb.socket, 0) == NULL) {
		printf("# cannot connect: %s\n", db ? mysql_error(db) : "no memory");
		mysql_close(db);
		return -1;
	}
	rc = mysql_query(db, sql) == 0 ? 0 : -1;
	if (rc == -1)
		printf("# %s: %s\n", sql, mysql_error(db));
	mysql_close(db);
	return rc;
}

static int
put1(const char *name, const char *key, const char *val)
{
	return store_put1(cfg.state_dir, name, key, val);
}

static char *
get1(const char *name, const char *key, int *rc)
{
	char *val = NULL;

	*rc = store_get1(cfg.state_dir, name, key, &val);
	return val;
}

static int
count_one(const char *key, const char *val, void *arg)
{
	(void)key;
	(void)val;
	++*(int *)arg;
	return 0;
}

static void
test_records(void)
{
	char key[300], val[600];
	struct store *s;
	char err[512], *got;
	int i, rc, n = 0;

	/* Every byte but NUL, in keys and values: quotes, backslashes, high bytes. */
	for (i = 1; i < 256; i++)
		key[i - 1] = (char)i;
	key[255] = '\0';
	snprintf(val, sizeof val, "{\"a\":\"it's \\\"quoted\\\" \\\\ %s\"}", "é");
	CHECK(put1(STORE_DEALS, key, val) == 0, "a record with every byte in its key is stored");
	got = get1(STORE_DEALS, key, &rc);
	CHECK(rc == 0 && got != NULL && strcmp(got, val) == 0, "...and read back byte for byte");
	free(got);
	CHECK(put1(STORE_DEALS, key, "second") == 0, "storing the key again replaces the value");
	got = get1(STORE_DEALS, key, &rc);
	CHECK_STR(got, "second", "...one record, the new value");
	free(got);
	got = get1(STORE_DEALS, "lead:absent", &rc);
	CHECK(rc == 1 && got == NULL, "an absent key reads as absent (1)");

	CHECK(store_begin(cfg.state_dir, STORE_DEALS, 1, &s, err, sizeof err) == 0, "a write transaction");
	CHECK(store_delete(s, key) == 0, "a delete of a present key: 0");
	CHECK(store_delete(s, key) == 1, "a delete of an absent key: 1");
	CHECK(store_commit(s) == 0, "...committed");

	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof key, "job:%d", i);
		put1(STORE_OUTBOX, key, "{}");
	}
	CHECK(store_begin(cfg.state_dir, STORE_OUTBOX, 0, &s, err, sizeof err) == 0, "a read transaction");
	CHECK(store_each(s, count_one, &n) == 0 && n == 50, "store_each sees every record (%d of 50)", n);
	store_abort(s);
}

/* A walk of the records named walk:NNNN: each seen once, with its own value. */
struct walk {
	int n, wrong, stop_at;
	char seen[2000];
};

static int
walk_one(const char *key, const char *val, void *arg)
{
	struct walk *w = arg;
	int i = atoi(key + 5);

	if (strncmp(key, "walk:", 5) != 0 || i < 0 || i >= 2000 || w->seen[i] || strcmp(val, key + 5) != 0)
		w->wrong++;
	else
		w->seen[i] = 1;
	w->n++;
	return w->n == w->stop_at;
}

/* Adds the records walk:from .. walk:to-1 in one transaction. */
static void
walk_fill(int from, int to)
{
	struct store *s;
	char err[512], key[24];
	int i, failed = 0;

	CHECK(store_begin(cfg.state_dir, STORE_SEEN, 1, &s, err, sizeof err) == 0, "a write transaction");
	for (i = from; i < to; i++) {
		snprintf(key, sizeof key, "walk:%04d", i);
		failed |= store_put(s, key, key + 5) != 0;
	}
	CHECK(!failed && store_commit(s) == 0, "records %d to %d stored", from, to - 1);
}

/* store_each reads a table a page at a time: across pages every record comes once. */
static void
test_walk_pages(void)
{
	struct store *s;
	char err[512];
	struct walk w;

	walk_fill(0, 1234);
	memset(&w, 0, sizeof w);
	CHECK(store_begin(cfg.state_dir, STORE_SEEN, 0, &s, err, sizeof err) == 0 &&
	    store_each(s, walk_one, &w) == 0, "a walk of 1,234 records: done");
	CHECK(w.n == 1234 && w.wrong == 0, "...each record once, with its value, over three pages "
	    "(%d seen, %d wrong)", w.n, w.wrong);
	memset(&w, 0, sizeof w);
	w.stop_at = 700;
	CHECK(store_each(s, walk_one, &w) == 0 && w.n == 700 && w.wrong == 0,
	    "a walk its function stops at the 700th record ends there (%d seen)", w.n);
	store_abort(s);
	walk_fill(1234, 1500);
	memset(&w, 0, sizeof w);
	CHECK(store_begin(cfg.state_dir, STORE_SEEN, 0, &s, err, sizeof err) == 0 &&
	    store_each(s, walk_one, &w) == 0, "a walk of 1,500 records (three full pages): done");
	CHECK(w.n == 1500 && w.wrong == 0, "...each record once (%d seen, %d wrong)", w.n, w.wrong);
	store_abort(s);
}

static void
test_rollback(void)
{
	struct store *s;
	char err[512], *got;
	int rc;

	put1(STORE_CACHE, "kept", "before");
	CHECK(store_begin(cfg.state_dir, STORE_CACHE, 1, &s, err, sizeof err) == 0, "a write transaction");
	store_put(s, "kept", "changed");
	store_put(s, "new", "value");
	store_abort(s);
	got = get1(STORE_CACHE, "kept", &rc);
	CHECK_STR(got, "before", "an aborted transaction changed nothing");
	free(got);
	got = get1(STORE_CACHE, "new", &rc);
	CHECK(rc == 1, "...and added nothing");
	free(got);
}

/* A child holds the outbox's write transaction and writes; the parent's writer, begun
 * meanwhile, must come after it and see what the child committed. */
static void
test_writers_in_turn(void)
{
	int ready[2];
	pid_t pid;
	char c, err[512], *got = NULL;
	struct store *s;
	int status, rc = -1;

	put1(STORE_OUTBOX, "turn", "nobody");
	if (pipe(ready) == -1)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		store_after_fork();
		close(ready[0]);
		if (store_begin(cfg.state_dir, STORE_OUTBOX, 1, &s, err, sizeof err) == -1)
			_exit(2);
		if (write(ready[1], "x", 1) != 1)
			_exit(3);
		sleep(1); /* the parent's begin is now waiting on the lock, if it works */
		store_put(s, "turn", "child");
		_exit(store_commit(s) == 0 ? 0 : 4);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) == 1 && store_begin(cfg.state_dir, STORE_OUTBOX, 1, &s, err, sizeof err) == 0) {
		rc = store_get(s, "turn", &got);
		store_put(s, "turn", "parent");
		store_commit(s);
	}
	close(ready[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child's transaction committed");
	CHECK(rc == 0 && got != NULL && strcmp(got, "child") == 0,
	    "a writer begun while another process wrote the same store came after it (saw \"%s\")",
	    got ? got : "(nothing)");
	free(got);
}

static void
test_snapshot(void)
{
	struct store *r;
	char err[512], *got = NULL;

	put1(STORE_STATES, "nonce", "old");
	CHECK(store_begin(cfg.state_dir, STORE_STATES, 0, &r, err, sizeof err) == 0, "a reader");
	CHECK(put1(STORE_STATES, "nonce", "new") == 0, "a writer commits while the reader is open");
	store_get(r, "nonce", &got);
	CHECK_STR(got, "old", "the reader keeps seeing one snapshot");
	free(got);
	store_abort(r);
}

struct ring_seen {
	long long first, now;
	int calls;
};

static int
decide(long long *ring, int n, long long now_ms, void *arg)
{
	struct ring_seen *seen = arg;

	seen->calls++;
	seen->first = ring[n - 1];
	seen->now = now_ms;
	ring[n - 1] = now_ms + 5000;
	return 1;
}

static void
test_ring(void)
{
	long long ring[8];
	struct ring_seen seen = { 0, 0, 0 };
	long long wall = (long long)time(NULL) * 1000;

	CHECK(store_sql_ring_visit("unit", ring, 8, -1, decide, &seen) == 1, "a new ring is visited and saved");
	CHECK(seen.first == -1, "...it starts empty (\"long ago\")");
	CHECK(seen.now > wall - 86400000LL && seen.now < wall + 86400000LL,
	    "...the time given is the server's clock in ms (%lld)", seen.now);
	CHECK(store_sql_ring_visit("unit", ring, 8, -1, decide, &seen) == 1 && seen.first > seen.now,
	    "the next visit finds the time saved by the first");
	CHECK(store_sql_ring_visit("unit", ring, 4, -1, decide, &seen) == 1 && seen.first > seen.now,
	    "a shorter ring keeps the newest times");
}

static void
test_lock(void)
{
	char err[512];
	int h = -1, h2 = -1;

	CHECK(store_lock(cfg.state_dir, "unit-lock", &h, err, sizeof err) == 0 && h >= 0, "the named lock is taken");
	store_unlock(h);
	CHECK(store_lock(cfg.state_dir, "unit-lock", &h2, err, sizeof err) == 0, "...released, it is taken again");
	store_unlock(h2);
}

/* A fresh connection's check of the schema: begin's error for the deals store. */
static void
begin_error(char *err, size_t errlen)
{
	struct store *s;

	err[0] = '\0';
	store_sql_close(0);
	if (store_begin(cfg.state_dir, STORE_DEALS, 0, &s, err, errlen) == 0) {
		store_abort(s);
		snprintf(err, errlen, "(begun)");
	}
}

static void
test_schema_refusals(void)
{
	char err[512], msg[512];

	CHECK(store_sql_init(msg, sizeof msg) == -1 && strstr(msg, "already has the state tables"),
	    "db init refuses a database that has the tables: %s", msg);
	CHECK(store_sql_migrate(msg, sizeof msg) == 0 && strstr(msg, "nothing to do"),
	    "db migrate on the current schema: %s", msg);

	admin_sql("UPDATE kzs_schema SET version = 99");
	begin_error(err, sizeof err);
	CHECK(strstr(err, "version 99, newer than") != NULL, "a newer schema is refused: %s", err);
	CHECK(store_sql_migrate(msg, sizeof msg) == -1 && strstr(msg, "newer"), "...also by db migrate");
	admin_sql("UPDATE kzs_schema SET version = 1");

	admin_sql("ALTER TABLE kzs_cache ADD COLUMN note INT");
	begin_error(err, sizeof err);
	CHECK(strstr(err, "the table kzs_cache has columns") != NULL, "a table of another shape is named: %s", err);
	admin_sql("ALTER TABLE kzs_cache DROP COLUMN note");

	admin_sql("RENAME TABLE kzs_seen TO kzs_seen_away");
	begin_error(err, sizeof err);
	CHECK(strstr(err, "the table kzs_seen is missing") != NULL, "a missing table is named: %s", err);
	admin_sql("RENAME TABLE kzs_seen_away TO kzs_seen");

	begin_error(err, sizeof err);
	CHECK_STR(err, "(begun)", "put back, the schema is used again");
}

static void
test_wrong_password(void)
{
	char path[600], err[512];
	struct config wrong = cfg;
	FILE *f;

	snprintf(path, sizeof path, "%s/wrong.password", cfg.state_dir);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("not-the-password\n", f);
		fclose(f);
	}
	wrong.mariadb.password_file = path;
	store_use(&wrong, err, sizeof err);
	begin_error(err, sizeof err);
	CHECK(strstr(err, "[mariadb] cannot connect to") && strstr(err, "Access denied"),
	    "a wrong password: one line naming the server (%s)", err);
	CHECK(strchr(err, '\n') == NULL, "...one line");
	snprintf(path, sizeof path, "/nonexistent/kzs.password");
	store_use(&wrong, err, sizeof err);
	begin_error(err, sizeof err);
	CHECK(strstr(err, "[mariadb] password_file /nonexistent/kzs.password") != NULL,
	    "a missing password file is named: %s", err);
	store_use(&cfg, err, sizeof err);
}

int
main(void)
{
	char err[512], msg[512];
	const char *dir = getenv("KZS_TEST_DIR");

	cfg.state_backend = CONFIG_BACKEND_MARIADB;
	cfg.state_dir = (char *)(uintptr_t)dir;
	cfg.mariadb.socket = getenv("MARIADB_SOCKET");
	cfg.mariadb.database = getenv("MARIADB_DATABASE");
	cfg.mariadb.user = getenv("MARIADB_USER");
	cfg.mariadb.password_file = getenv("MARIADB_PASSWORD_FILE");
	cfg.mariadb.port = 3306;
	if (dir == NULL || cfg.mariadb.socket == NULL || cfg.mariadb.database == NULL ||
	    cfg.mariadb.user == NULL || cfg.mariadb.password_file == NULL) {
		CHECK(0, "run by tests/e2e/t_store_sql.sh, which starts the server");
		return 1;
	}
	CHECK(store_use(&cfg, err, sizeof err) == 0, "the mariadb backend is chosen");
	CHECK(store_shared(), "...and is shared by hosts");
	CHECK(store_begin(cfg.state_dir, STORE_DEALS, 0, &(struct store *){ NULL }, err, sizeof err) == -1 &&
	    strstr(err, "no state tables yet; run kzsctl db init"), "before db init: %s", err);
	CHECK(store_sql_init(msg, sizeof msg) == 0, "db init: %s", msg);
	test_records();
	test_walk_pages();
	test_rollback();
	test_writers_in_turn();
	test_snapshot();
	test_ring();
	test_lock();
	test_schema_refusals();
	test_wrong_password();
	store_sql_close(0);
	return CHECK_DONE();
}
