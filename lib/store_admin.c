/*
 * store_admin: maintenance of the GDBM files. These open GDBM directly (not through
 * store.c's transactions) because they need the whole handle: dump, load, recover.
 */
#include "store_admin.h"

#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "store.h"

const char *const store_admin_names[] = { STORE_TOKENS, STORE_DEALS, STORE_SEEN, STORE_OUTBOX, STORE_CACHE,
	STORE_STATES };
const size_t store_admin_count = sizeof store_admin_names / sizeof store_admin_names[0];

int
store_admin_known(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < store_admin_count; i++)
		if (strcmp(name, store_admin_names[i]) == 0)
			return 1;
	return 0;
}

static int
admin_unknown(const char *name, char *err, size_t errlen)
{
	snprintf(err, errlen, "unknown state file \"%s\" (one of: %s %s %s %s %s %s)", name,
	    store_admin_names[0], store_admin_names[1], store_admin_names[2], store_admin_names[3],
	    store_admin_names[4], store_admin_names[5]);
	return -1;
}

/* Opens dir/name.db, which must exist, under the side lock. */
static GDBM_FILE
admin_open(const char *dir, const char *name, int write, int *lock, char *err, size_t errlen)
{
	char path[512];
	GDBM_FILE db = NULL;
	int fd;

	if (!store_admin_known(name)) {
		admin_unknown(name, err, errlen);
		return NULL;
	}
	if (store_lock(dir, name, lock, err, errlen) == -1)
		return NULL;
	snprintf(path, sizeof path, "%s/%s.db", dir, name);
	fd = store_file_open(path, write, 0, err, errlen);
	if (fd >= 0) {
		db = gdbm_fd_open(fd, path, 0,
		    (write ? GDBM_WRITER : GDBM_READER) | GDBM_NOLOCK | GDBM_NOMMAP | GDBM_CLOEXEC | GDBM_CLOERROR,
		    NULL);
		if (db == NULL)
			snprintf(err, errlen, "%s: %s", path, gdbm_strerror(gdbm_errno));
	}
	if (db == NULL)
		store_unlock(*lock);
	return db;
}

static void
admin_close(GDBM_FILE db, int lock)
{
	gdbm_close(db);
	store_unlock(lock);
}

/* 1 when dir/name.db was created but never written: the disk was full (see store.c). */
static int
admin_empty(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s.db", dir, name);
	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
}

int
store_admin_check(const char *dir, const char *name, size_t *records, char *err, size_t errlen)
{
	GDBM_FILE db;
	datum key;
	int lock, rc = 0;

	*records = 0;
	if (admin_empty(dir, name))
		return 0;
	db = admin_open(dir, name, 0, &lock, err, errlen);
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
store_admin_recover(const char *dir, const char *name, char *err, size_t errlen)
{
	gdbm_recovery rcvr;
	GDBM_FILE db;
	int lock, rc;

	db = admin_open(dir, name, 1, &lock, err, errlen);
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

/* Makes a rename into dir durable. */
static int
admin_sync_dir(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	rc = fd == -1 ? -1 : fsync(fd);
	if (rc == -1)
		snprintf(err, errlen, "cannot sync the folder %s: %s", dir, strerror(errno));
	if (fd != -1)
		close(fd);
	return rc;
}

/* The folder part of path ("." when it has none). */
static void
admin_folder(const char *path, char *buf, size_t buflen)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(buf, buflen, ".");
	else
		snprintf(buf, buflen, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

int
store_admin_dump(const char *dir, const char *name, const char *path, char *err, size_t errlen)
{
	char tmp[1024], folder[1024];
	GDBM_FILE db;
	FILE *out = NULL;
	int lock, fd, rc = -1;

	db = admin_open(dir, name, 0, &lock, err, errlen);
	if (db == NULL)
		return -1;
	/* Written beside the target and renamed over it: a dump is whole or absent. */
	snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd == -1 || (out = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: cannot write a dump there: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		goto out;
	}
	if (gdbm_dump_to_file(db, out, GDBM_DUMP_FMT_ASCII) != 0)
		snprintf(err, errlen, "%s: cannot dump %s: %s", path, name, gdbm_strerror(gdbm_errno));
	else if (fflush(out) != 0 || fsync(fileno(out)) != 0 || rename(tmp, path) != 0)
		snprintf(err, errlen, "%s: cannot write the dump: %s", path, strerror(errno));
	else
		rc = 0;
	admin_folder(path, folder, sizeof folder);
	if (rc == 0)
		rc = admin_sync_dir(folder, err, errlen);
	fclose(out);
out:
	if (rc == -1)
		unlink(tmp);
	admin_close(db, lock);
	return rc;
}

/* Stores one record of the dump; a key seen twice means the dump was altered. */
static int
restore_put(const char *key, size_t keylen, const char *val, size_t vallen, void *arg, char *err,
    size_t errlen)
{
	GDBM_FILE db = arg;
	datum k, v;
	int rc;

	k.dptr = (char *)(uintptr_t)key;
	k.dsize = (int)keylen;
	v.dptr = (char *)(uintptr_t)val;
	v.dsize = (int)vallen;
	rc = gdbm_store(db, k, v, GDBM_INSERT);
	if (rc == 1)
		snprintf(err, errlen, "a key appears twice");
	else if (rc != 0)
		snprintf(err, errlen, "cannot store a record: %s", gdbm_strerror(gdbm_errno));
	return rc;
}

/* Feeds the dump's lines to the parser; 0 when every line was read and accepted. */
static int
restore_read(FILE *in, struct dump_parse *p, char *err, size_t errlen)
{
	char line[DUMP_MAX_LINE + 2];

	while (fgets(line, sizeof line, in) != NULL) {
		size_t len = strlen(line);

		if (len > 0 && line[len - 1] == '\n')
			len--;
		else if (!feof(in))
			return dump_parse_line(p, line, DUMP_MAX_LINE + 1, err, errlen); /* too long */
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (dump_parse_line(p, line, len, err, errlen) == -1)
			return -1;
	}
	if (ferror(in)) {
		snprintf(err, errlen, "cannot read it: %s", strerror(errno));
		return -1;
	}
	return dump_parse_end(p, err, errlen);
}

/* The dump must be of name.db (its #:file= line), when it says. */
static int
restore_same_file(const struct dump_parse *p, const char *name, char *err, size_t errlen)
{
	const char *base = strrchr(p->file, '/');
	char want[64];

	base = base ? base + 1 : p->file;
	snprintf(want, sizeof want, "%s.db", name);
	if (p->file[0] == '\0' || strcmp(base, want) == 0)
		return 0;
	snprintf(err, errlen, "it is a dump of %s, not of %s", base, want);
	return -1;
}

/* Loads the dump into the new GDBM file db and checks it holds exactly the dump's records. */
static int
restore_fill(GDBM_FILE db, FILE *in, const char *name, unsigned long long *records, char *err,
    size_t errlen)
{
	struct dump_parse p;
	gdbm_count_t n = 0;
	int rc = -1;

	dump_parse_init(&p, restore_put, db);
	if (restore_read(in, &p, err, errlen) == -1 || restore_same_file(&p, name, err, errlen) == -1)
		goto out;
	if (gdbm_count(db, &n) != 0 || n != p.count) {
		snprintf(err, errlen, "it says %llu record(s), the new file holds %llu", p.count,
		    (unsigned long long)n);
		goto out;
	}
	if (gdbm_sync(db) != 0) {
		snprintf(err, errlen, "cannot sync the new file: %s", gdbm_strerror(gdbm_errno));
		goto out;
	}
	*records = p.count;
	rc = 0;
out:
	dump_parse_free(&p);
	return rc;
}

int
store_admin_restore_load(const char *dir, const char *name, const char *dump, struct store_admin_restore *r,
    char *err, size_t errlen)
{
	char why[400];
	GDBM_FILE db;
	FILE *in;
	int fd, rc;

	memset(r, 0, sizeof *r);
	if (!store_admin_known(name))
		return admin_unknown(name, err, errlen);
	snprintf(r->name, sizeof r->name, "%s", name);
	in = fopen(dump, "re");
	if (in == NULL) {
		snprintf(err, errlen, "%s: cannot read the dump: %s", dump, strerror(errno));
		return -1;
	}
	/* A new file beside the live one: the live file is not touched until the swap. */
	snprintf(r->tmp, sizeof r->tmp, "%s/%s.db.restore-XXXXXX", dir, name);
	fd = mkstemp(r->tmp);
	if (fd == -1) {
		snprintf(err, errlen, "%s: cannot create a new file: %s", r->tmp, strerror(errno));
		r->tmp[0] = '\0';
		fclose(in);
		return -1;
	}
	db = gdbm_fd_open(fd, r->tmp, 0, GDBM_NEWDB | GDBM_NOLOCK | GDBM_NOMMAP | GDBM_CLOEXEC | GDBM_CLOERROR,
	    NULL);
	if (db == NULL) {
		snprintf(why, sizeof why, "%s", gdbm_strerror(gdbm_errno));
		rc = -1;
	} else {
		rc = restore_fill(db, in, name, &r->records, why, sizeof why);
		if (gdbm_close(db) != 0 && rc == 0) {
			snprintf(why, sizeof why, "cannot close the new file");
			rc = -1;
		}
	}
	fclose(in);
	if (rc == -1) {
		snprintf(err, errlen, "%s: not restored, %s.db is left as it was: %s", dump, name, why);
		store_admin_restore_drop(r);
	}
	return rc;
}

int
store_admin_restore_swap(const char *dir, struct store_admin_restore *r, char *err, size_t errlen)
{
	char live[512];
	int lock, rc;

	/* Under the file's lock: a program sees the old file or the new one, never neither. */
	if (store_lock(dir, r->name, &lock, err, errlen) == -1)
		return -1;
	snprintf(live, sizeof live, "%s/%s.db", dir, r->name);
	rc = rename(r->tmp, live);
	if (rc == -1)
		snprintf(err, errlen, "cannot put %s in place of %s: %s", r->tmp, live, strerror(errno));
	else
		rc = admin_sync_dir(dir, err, errlen);
	store_unlock(lock);
	if (rc == 0)
		r->tmp[0] = '\0';
	return rc;
}

void
store_admin_restore_drop(struct store_admin_restore *r)
{
	if (r->tmp[0] != '\0')
		unlink(r->tmp);
	r->tmp[0] = '\0';
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
store_admin_prune_seen(const char *dir, long long now, char *err, size_t errlen)
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
