/*
 * store_admin: maintenance of the GDBM files. These open GDBM directly (not through
 * store.c's transactions) because they need the whole handle: dump, load, recover.
 */
#include "store_admin.h"

#include <errno.h>
#include <gdbm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oauth_state.h"
#include "store.h"

const char *const store_names[] = { STORE_TOKENS, STORE_DEALS, STORE_SEEN, STORE_OUTBOX, STORE_CACHE,
	STORE_STATES };
const size_t store_count = sizeof store_names / sizeof store_names[0];

/* Opens dir/name.db under the side lock. */
static GDBM_FILE
admin_open(const char *dir, const char *name, int flags, int *lock, char *err, size_t errlen)
{
	char path[512];
	GDBM_FILE db;

	if (store_lock(dir, name, lock, err, errlen) == -1)
		return NULL;
	snprintf(path, sizeof path, "%s/%s.db", dir, name);
	db = gdbm_open(path, 0, flags | GDBM_NOLOCK | GDBM_NOMMAP, 0600, NULL);
	if (db == NULL) {
		snprintf(err, errlen, "%s: %s", path,
		    gdbm_errno == GDBM_FILE_OPEN_ERROR ? strerror(errno) : gdbm_strerror(gdbm_errno));
		store_unlock(*lock);
	}
	return db;
}

static void
admin_close(GDBM_FILE db, int lock)
{
	gdbm_close(db);
	store_unlock(lock);
}

int
store_check(const char *dir, const char *name, size_t *records, char *err, size_t errlen)
{
	GDBM_FILE db;
	datum key;
	int lock, rc = 0;

	*records = 0;
	db = admin_open(dir, name, GDBM_READER, &lock, err, errlen);
	if (db == NULL)
		return -1;
	key = gdbm_firstkey(db);
	while (key.dptr != NULL) {
		datum val = gdbm_fetch(db, key), next;

		if (val.dptr == NULL) {
			snprintf(err, errlen, "%s/%s.db: a record cannot be read: %s", dir, name,
			    gdbm_strerror(gdbm_errno));
			free(key.dptr);
			rc = -1;
			break;
		}
		free(val.dptr);
		(*records)++;
		next = gdbm_nextkey(db, key);
		free(key.dptr);
		key = next;
	}
	if (rc == 0 && gdbm_errno != GDBM_NO_ERROR && gdbm_errno != GDBM_ITEM_NOT_FOUND) {
		snprintf(err, errlen, "%s/%s.db: %s", dir, name, gdbm_strerror(gdbm_errno));
		rc = -1;
	}
	admin_close(db, lock);
	return rc;
}

int
store_recover(const char *dir, const char *name, char *err, size_t errlen)
{
	gdbm_recovery rcvr;
	GDBM_FILE db;
	int lock, rc;

	db = admin_open(dir, name, GDBM_WRITER, &lock, err, errlen);
	if (db == NULL)
		return -1;
	memset(&rcvr, 0, sizeof rcvr);
	rc = gdbm_recover(db, &rcvr, GDBM_RCVR_BACKUP | GDBM_RCVR_FORCE);
	if (rc != 0)
		snprintf(err, errlen, "%s/%s.db: recovery failed: %s", dir, name, gdbm_strerror(gdbm_errno));
	else
		snprintf(err, errlen, "%s/%s.db: recovered %zu record(s), lost %zu; backup in %s", dir, name,
		    rcvr.recovered_keys, rcvr.failed_keys, rcvr.backup_name ? rcvr.backup_name : "(none)");
	free(rcvr.backup_name);
	admin_close(db, lock);
	return rc == 0 ? 0 : -1;
}

int
store_dump(const char *dir, const char *name, const char *path, char *err, size_t errlen)
{
	GDBM_FILE db;
	int lock, rc;

	db = admin_open(dir, name, GDBM_READER, &lock, err, errlen);
	if (db == NULL)
		return -1;
	rc = gdbm_dump(db, path, GDBM_DUMP_FMT_ASCII, GDBM_NEWDB, 0600);
	if (rc != 0)
		snprintf(err, errlen, "%s: cannot dump %s: %s", path, name, gdbm_strerror(gdbm_errno));
	admin_close(db, lock);
	return rc == 0 ? 0 : -1;
}

int
store_restore(const char *dir, const char *name, const char *path, char *err, size_t errlen)
{
	GDBM_FILE db;
	unsigned long line = 0;
	int lock, rc;

	/* A fresh file: whatever was there (perhaps damaged) is replaced by the dump. */
	db = admin_open(dir, name, GDBM_NEWDB, &lock, err, errlen);
	if (db == NULL)
		return -1;
	rc = gdbm_load(&db, path, GDBM_REPLACE, 0, &line);
	if (rc != 0)
		snprintf(err, errlen, "%s:%lu: cannot load into %s: %s", path, line, name,
		    gdbm_strerror(gdbm_errno));
	else if (gdbm_sync(db) != 0)
		rc = -1;
	admin_close(db, lock);
	return rc == 0 ? 0 : -1;
}

struct prune_list {
	char **keys;
	size_t n, cap;
	long long now;
};

static int
prune_collect(const char *key, const char *val, void *arg)
{
	struct prune_list *list = arg;

	if (strtoll(val, NULL, 10) >= list->now)
		return 0;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		char **keys = realloc(list->keys, cap * sizeof *keys);

		if (keys == NULL)
			return 1;
		list->keys = keys;
		list->cap = cap;
	}
	if ((list->keys[list->n] = strdup(key)) != NULL)
		list->n++;
	return 0;
}

int
store_prune_seen(const char *dir, long long now, char *err, size_t errlen)
{
	struct prune_list list = { .now = now };
	struct store *s;
	size_t i;
	int pruned = 0;

	if (store_begin(dir, STORE_SEEN, 1, &s, err, errlen) == -1)
		return -1;
	/* Keys first: GDBM does not promise a stable walk while records are deleted. */
	store_each(s, prune_collect, &list);
	for (i = 0; i < list.n; i++) {
		if (store_delete(s, list.keys[i]) == 0)
			pruned++;
		free(list.keys[i]);
	}
	free(list.keys);
	if (store_commit(s) == -1) {
		snprintf(err, errlen, "%s/%s.db: sync failed", dir, STORE_SEEN);
		return -1;
	}
	return pruned;
}
