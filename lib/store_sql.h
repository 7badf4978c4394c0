/*
 * store_sql: the state in a MariaDB or MySQL database ([state] backend = mariadb), so
 * that several web hosts share it. Each state file of the GDBM backend is a table of
 * key/value rows (kzs_tokens, kzs_deals, ...), and a transaction keeps the GDBM
 * backend's meaning: a writer first locks its store's row in kzs_lock, so writers of one
 * store follow one another across every host, as they do on one host under the file's
 * flock; a reader sees one consistent snapshot. Transactions stay short, and none is
 * open across a remote call.
 *
 * Built only with MariaDB Connector/C (KZS_MARIADB); without it every call fails with
 * a line that says so.
 */
#ifndef KZS_STORE_SQL_H
#define KZS_STORE_SQL_H

#include <stddef.h>

#include "config.h"
#include "store.h"

/* The newest schema this build knows (kzs_schema.version). */
#define STORE_SQL_SCHEMA 1

/* Remembers the [mariadb] settings (copied) and closes connections made with older ones. */
int store_sql_use(const struct config *cfg, char *err, size_t errlen);

struct store_sql;

/* As store_begin, for the table of the state file name. */
int store_sql_begin(const char *name, int write, struct store_sql **out, char *err, size_t errlen);
int store_sql_get(struct store_sql *t, const char *key, char **val);
int store_sql_put(struct store_sql *t, const char *key, const char *val);
int store_sql_delete(struct store_sql *t, const char *key);
/* In key order, a page of rows at a time: its memory does not grow with the table. */
int store_sql_each(struct store_sql *t, store_each_fn fn, void *arg);
int store_sql_commit(struct store_sql *t);
void store_sql_abort(struct store_sql *t);

/*
 * A named lock shared by every host (the token renewal's): held by this process until
 * store_sql_unlock, and released by the server if the process dies. *handle is >= 0.
 */
int store_sql_lock(const char *name, int *handle, char *err, size_t errlen);
void store_sql_unlock(int handle);

/*
 * One visit of a pacing ring kept in the database (kzs_pace), under its row's lock:
 * loads up to n times (ms on the database server's clock, oldest first; absent slots
 * are "long ago") into ring and the server's time into *now_ms, calls decide at once
 * (now_ms is then the server's time), which may change ring and returns 1 to save it, 0
 * to leave it. Returns decide's answer, or -1
 * when the database cannot be used (then decide was not called).
 */
typedef int (*store_sql_ring_fn)(long long *ring, int n, long long now_ms, void *arg);
int store_sql_ring_visit(const char *service, long long *ring, int n, long long long_ago,
    store_sql_ring_fn decide, void *arg);

/*
 * The administrator's commands. create: makes the tables of STORE_SQL_SCHEMA in an empty
 * database (refusing one that has them). migrate: brings an older schema to
 * STORE_SQL_SCHEMA. Both say what they did in msg.
 */
int store_sql_init(char *msg, size_t msglen);
int store_sql_migrate(char *msg, size_t msglen);

/* Closes this process's connections (before exit, or in a child after fork). */
void store_sql_close(int in_child);

#endif
