/*
 * store: short transactions on GDBM files shared by many processes. Each transaction
 * takes a blocking flock on "<name>.lock", opens "<name>.db" with GDBM_NOLOCK, and on
 * commit syncs and closes it, so no handle outlives a transaction. A change the disk
 * has no room for is refused before GDBM writes (see store.c).
 */
#ifndef KZS_STORE_H
#define KZS_STORE_H

#include <gdbm.h>
#include <stddef.h>

#include "config.h"

/* The state files, one per kind of record (see lib/README.md, State files). */
#define STORE_TOKENS "tokens" /* OAuth tokens, cached access token, throttle marks */
#define STORE_DEALS "deals"   /* lead:<id> and req:<id> records */
#define STORE_SEEN "seen"     /* dedupe keys of accepted deliveries */
#define STORE_OUTBOX "outbox" /* queued jobs */
#define STORE_CACHE "cache"   /* template details */
#define STORE_STATES "states" /* OAuth states and start codes (oauth_state.h) */

struct store;

/*
 * Chooses the backend of every transaction this process starts from cfg's [state]
 * backend: GDBM files in [state] dir, or the [mariadb] database (store_sql.h). Called
 * whenever the configuration is (re)loaded. -1 with why in err.
 */
int store_use(const struct config *cfg, char *err, size_t errlen);

/* 1 when the state is in the shared database: pacing and locks are then shared by hosts. */
int store_shared(void);

/* In a forked child: the parent's database connections are not the child's to use. */
void store_after_fork(void);

/*
 * Starts a transaction on dir/name. write=0 opens read-only under a shared lock. A
 * failure (a damaged file, a link, a directory open to others) is also logged, at most
 * once a minute per file (report.h), so callers need not log err again.
 */
int store_begin(const char *dir, const char *name, int write, struct store **out,
    char *err, size_t errlen);

/* 0 and a malloc'd NUL-terminated copy in *val; 1 when absent; -1 on error. */
int store_get(struct store *s, const char *key, char **val);
/* -1 also when the disk cannot hold the change (store.c: space reserved ahead); then
 * nothing was written and the commit reports failure too. */
int store_put(struct store *s, const char *key, const char *val);
int store_delete(struct store *s, const char *key);

/* Calls fn for every record; fn returns non-zero to stop. Keys are NUL-terminated copies. */
typedef int (*store_each_fn)(const char *key, const char *val, void *arg);
int store_each(struct store *s, store_each_fn fn, void *arg);

/* Syncs (when writing), closes and unlocks. Returns -1 if the sync failed or a change was refused. */
int store_commit(struct store *s);
/* Closes and unlocks without syncing (changes already written may remain). */
void store_abort(struct store *s);

/*
 * 0 when dir is a directory that only its owner may write; else -1 and err names the
 * chmod that fixes it.
 */
int store_dir_check(const char *dir, char *err, size_t errlen);

/*
 * Opens a state file without following a symbolic link; creates it (O_EXCL, 0600) when
 * create is set and it is absent. Refuses anything but a plain file with one name.
 * Returns the descriptor, -2 when absent and not created, -1 with why in err.
 */
int store_file_open(const char *path, int write, int create, char *err, size_t errlen);

/*
 * GDBM on a descriptor from store_file_open: GDBM_READER, or GDBM_WRCREAT (created when
 * absent). NULL with why in err; *absent = 1 when a reader found no file (or an empty one).
 */
GDBM_FILE store_gdbm_open(const char *path, int write, int *absent, char *err, size_t errlen);

/* Holds an exclusive flock on dir/<name>.lock without opening a database. */
int store_lock(const char *dir, const char *name, int *fd, char *err, size_t errlen);
void store_unlock(int fd);

/*
 * How long after a state change could not be written (a full disk, a write error) this
 * process starts no remote write (http.c): as long as a job's lease, so the job that
 * met it can act on nothing it failed to record first (an intent, a "tried" flag).
 */
#define STORE_WRITE_HOLD_SECONDS 90

/* 1 when this process failed to write a state change within the last `seconds`. */
int store_write_failed_within(long long seconds);

/* Records this process has read and written (fetches; stores and deletes) since it
 * started: how much work an operation costs, for tests and make bench. */
void store_touched(unsigned long *reads, unsigned long *writes);

/* One-shot helpers: a whole transaction for a single read or write. */
int store_get1(const char *dir, const char *name, const char *key, char **val);
int store_put1(const char *dir, const char *name, const char *key, const char *val);

#endif
