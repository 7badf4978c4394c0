/*
 * store_admin: maintenance of the GDBM files. These open GDBM directly (not through
 * store.c's transactions) because they need the whole handle: dump, load, recover.
 *
 * With [state] backend = mariadb (store_shared) the same dump files are made and read:
 * a dump copies each table through a read transaction into a nameless GDBM file and
 * dumps that; a restore loads and checks the dump into a GDBM file as for the files,
 * then replaces the table's rows in one write transaction. recover is for files only.
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

/* Counts a record (store_each). */
static int
count_one(const char *key, const char *val, void *arg)
{
	(void)key, (void)val;
	(*(size_t *)arg)++;
	return 0;
}

/* Every record of the table read through a read transaction. */
static int
check_table(const char *dir, const char *name, size_t *records, char *err, size_t errlen)
{
	struct store *s;
	int rc;

	if (store_begin(dir, name, 0, &s, err, errlen) == -1)
		return -1;
	rc = store_each(s, count_one, records);
	store_abort(s);
	if (rc == -1)
		snprintf(err, errlen, "[mariadb] kzs_%s: its rows cannot be read (the error log says why)", name);
	return rc;
}

int
store_admin_present(const char *dir, const char *name)
{
	char path[512];

	if (store_shared())
		return 1; /* kzsctl db init made every table */
	snprintf(path, sizeof path, "%s/%s.db", dir, name);
	return access(path, F_OK) == 0;
}

int
store_admin_usable(const char *dir, char *err, size_t errlen)
{
	struct store *s;

	if (!store_shared())
		return 0; /* each file is opened, and judged, when it is needed */
	if (store_begin(dir, STORE_OUTBOX, 0, &s, err, errlen) == -1)
		return -1;
	store_abort(s);
	return 0;
}

int
store_admin_check(const char *dir, const char *name, size_t *records, char *err, size_t errlen)
{
	GDBM_FILE db;
	datum key;
	int lock, rc = 0;

	*records = 0;
	if (!store_admin_known(name))
		return admin_unknown(name, err, errlen);
	if (store_shared())
		return check_table(dir, name, records, err, errlen);
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

	if (store_shared()) {
		snprintf(err, errlen, "kzsctl recover rebuilds a damaged GDBM file of [state] backend = gdbm; "
		    "with backend = mariadb the state is in the database: see kzsctl check, and restore a "
		    "table from a dump (kzsctl restore DIR %s)", store_admin_known(name) ? name : "NAME");
		return -1;
	}
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

/* Writes db as GDBM's ASCII dump to path, through a new file renamed over it. */
static int
dump_write(GDBM_FILE db, const char *name, const char *path, char *err, size_t errlen)
{
	char tmp[1024], folder[1024];
	FILE *out = NULL;
	int fd, rc = -1;

	/* Written beside the target and renamed over it: a dump is whole or absent. */
	snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd == -1 || (out = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: cannot write a dump there: %s", path, strerror(errno));
		if (fd != -1) {
			close(fd);
			unlink(tmp);
		}
		return -1;
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
	if (rc == -1)
		unlink(tmp);
	return rc;
}

/* A record copied into the GDBM file (store_each); the first failure stops the walk. */
struct copy {
	GDBM_FILE db;
	int failed;
};

static int
copy_one(const char *key, const char *val, void *arg)
{
	struct copy *c = arg;
	datum k, v;

	k.dptr = (char *)(uintptr_t)key;
	k.dsize = (int)strlen(key);
	v.dptr = (char *)(uintptr_t)val;
	v.dsize = (int)strlen(val);
	c->failed = gdbm_store(c->db, k, v, GDBM_INSERT) != 0;
	return c->failed;
}

/*
 * The table of name copied, as one read transaction sees it, into a new GDBM file in
 * folder that has no name there (removed once open, so nothing is left behind) and that
 * GDBM calls name.db, the name its dump records and a restore checks. NULL with why in err.
 */
static GDBM_FILE
table_copy(const char *dir, const char *name, const char *folder, char *err, size_t errlen)
{
	char tmp[1100], label[64];
	struct copy c = { NULL, 0 };
	struct store *s;
	int fd, rc;

	snprintf(tmp, sizeof tmp, "%s/.%s.db.XXXXXX", folder, name);
	fd = mkstemp(tmp);
	if (fd == -1) {
		snprintf(err, errlen, "%s: cannot write there: %s", folder, strerror(errno));
		return NULL;
	}
	unlink(tmp);
	snprintf(label, sizeof label, "%s.db", name);
	c.db = gdbm_fd_open(fd, label, 0, GDBM_NEWDB | GDBM_NOLOCK | GDBM_NOMMAP | GDBM_CLOEXEC | GDBM_CLOERROR,
	    NULL);
	if (c.db == NULL) {
		snprintf(err, errlen, "%s: cannot make a GDBM file there: %s", folder, gdbm_strerror(gdbm_errno));
		return NULL;
	}
	if (store_begin(dir, name, 0, &s, err, errlen) == -1) {
		gdbm_close(c.db);
		return NULL;
	}
	rc = store_each(s, copy_one, &c);
	store_abort(s);
	if (rc == -1 || c.failed) {
		snprintf(err, errlen, "kzs_%s: %s", name, c.failed ? "a record could not be copied for the dump" :
		    "its rows cannot be read (the error log says why)");
		gdbm_close(c.db);
		return NULL;
	}
	return c.db;
}

int
store_admin_dump(const char *dir, const char *name, const char *path, char *err, size_t errlen)
{
	char folder[1024];
	GDBM_FILE db;
	int lock, rc;

	if (!store_admin_known(name))
		return admin_unknown(name, err, errlen);
	if (store_shared()) {
		admin_folder(path, folder, sizeof folder);
		if ((db = table_copy(dir, name, folder, err, errlen)) == NULL)
			return -1;
		rc = dump_write(db, name, path, err, errlen);
		gdbm_close(db);
		return rc;
	}
	db = admin_open(dir, name, 0, &lock, err, errlen);
	if (db == NULL)
		return -1;
	rc = dump_write(db, name, path, err, errlen);
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
		if (store_shared())
			snprintf(err, errlen, "%s: not restored, the table kzs_%s is left as it was: %s", dump, name, why);
		else
			snprintf(err, errlen, "%s: not restored, %s.db is left as it was: %s", dump, name, why);
		store_admin_restore_drop(r);
	}
	return rc;
}

/* Keys gathered by a walk, to change the store after it. */
struct key_list {
	char **keys;
	size_t n, cap;
	int failed; /* out of memory: the list is short */
};

static int
key_list_add(struct key_list *list, const char *key)
{
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		char **keys = realloc(list->keys, cap * sizeof *keys);

		if (keys == NULL) {
			list->failed = 1;
			return 1;
		}
		list->keys = keys;
		list->cap = cap;
	}
	if ((list->keys[list->n] = strdup(key)) == NULL) {
		list->failed = 1;
		return 1;
	}
	list->n++;
	return 0;
}

static void
key_list_free(struct key_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->keys[i]);
	free(list->keys);
	memset(list, 0, sizeof *list);
}

/* Every key of the store (store_each). */
static int
collect_all(const char *key, const char *val, void *arg)
{
	(void)val;
	return key_list_add(arg, key);
}

/* One record of the loaded file into the store; the store keeps text without NUL bytes. */
static int
put_record(struct store *s, GDBM_FILE db, datum k, char *why, size_t whylen)
{
	datum v = gdbm_fetch(db, k);
	char *key = NULL, *val = NULL;
	int rc = -1;

	if (v.dptr == NULL) {
		snprintf(why, whylen, "a record of the loaded dump cannot be read: %s", gdbm_strerror(gdbm_errno));
		return -1;
	}
	if (memchr(k.dptr, '\0', (size_t)k.dsize) != NULL || memchr(v.dptr, '\0', (size_t)v.dsize) != NULL)
		snprintf(why, whylen, "a record holds a NUL byte, which no state record has");
	else if ((key = strndup(k.dptr, (size_t)k.dsize)) == NULL || (val = strndup(v.dptr, (size_t)v.dsize)) == NULL)
		snprintf(why, whylen, "out of memory");
	else if (store_put(s, key, val) == -1)
		snprintf(why, whylen, "the record %.100s cannot be written (the error log says why)", key);
	else
		rc = 0;
	free(key);
	free(val);
	free(v.dptr);
	return rc;
}

/* The loaded file's records put in the open write transaction s, after its old rows
 * are deleted; the records put are counted in *put. */
static int
replace_rows(struct store *s, GDBM_FILE db, unsigned long long *put, char *why, size_t whylen)
{
	struct key_list old = { 0 };
	datum k, next;
	size_t i;
	int rc = 0;

	*put = 0;
	if (store_each(s, collect_all, &old) == -1 || old.failed) {
		snprintf(why, whylen, "its rows cannot be read (the error log says why)");
		rc = -1;
	}
	for (i = 0; rc == 0 && i < old.n; i++)
		if (store_delete(s, old.keys[i]) == -1) {
			snprintf(why, whylen, "a row cannot be deleted (the error log says why)");
			rc = -1;
		}
	key_list_free(&old);
	k = gdbm_firstkey(db);
	while (rc == 0 && k.dptr != NULL) {
		rc = put_record(s, db, k, why, whylen);
		*put += rc == 0;
		next = gdbm_nextkey(db, k);
		free(k.dptr);
		k = next;
	}
	free(k.dptr); /* the next key, when a failure stopped the walk */
	if (rc == 0 && gdbm_errno != GDBM_ITEM_NOT_FOUND && gdbm_errno != GDBM_NO_ERROR) {
		snprintf(why, whylen, "the loaded dump cannot be read: %s", gdbm_strerror(gdbm_errno));
		rc = -1;
	}
	return rc;
}

/*
 * The table's rows replaced by the loaded file's records in one write transaction:
 * every program sees the old rows or the new ones, and a failure leaves the old.
 */
static int
swap_rows(const char *dir, struct store_admin_restore *r, char *err, size_t errlen)
{
	unsigned long long put = 0;
	char why[600];
	struct store *s = NULL;
	GDBM_FILE db;
	int absent, rc = -1;

	db = store_gdbm_open(r->tmp, 0, &absent, why, sizeof why);
	if (db != NULL && store_begin(dir, r->name, 1, &s, why, sizeof why) == 0) {
		rc = replace_rows(s, db, &put, why, sizeof why);
		if (rc == 0 && put != r->records) {
			snprintf(why, sizeof why, "%llu record(s) put, the dump has %llu", put, r->records);
			rc = -1;
		}
		if (rc == -1)
			store_abort(s);
		else if ((rc = store_commit(s)) == -1)
			snprintf(why, sizeof why, "the commit failed (the error log says why)");
	}
	if (db != NULL)
		gdbm_close(db);
	if (rc == -1)
		snprintf(err, errlen, "kzs_%s: not restored, the table is left as it was: %s", r->name, why);
	else
		store_admin_restore_drop(r); /* its records are in the table now */
	return rc;
}

int
store_admin_restore_swap(const char *dir, struct store_admin_restore *r, char *err, size_t errlen)
{
	char live[512];
	int lock, rc;

	if (store_shared())
		return swap_rows(dir, r, err, errlen);
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

/* The keys of delivery records whose expiry (their value) is before now. */
struct prune_list {
	struct key_list expired;
	long long now;
};

static int
prune_collect(const char *key, const char *val, void *arg)
{
	struct prune_list *list = arg;

	if (strtoll(val, NULL, 10) >= list->now)
		return 0;
	return key_list_add(&list->expired, key);
}

int
store_admin_prune_seen(const char *dir, long long now, char *err, size_t errlen)
{
	struct prune_list list = { .now = now };
	struct store *s;
	size_t i;
	int pruned = 0, rc = 0;

	if (store_begin(dir, STORE_SEEN, 1, &s, err, errlen) == -1)
		return -1;
	/* Keys first: GDBM does not promise a stable walk while records are deleted. */
	if (store_each(s, prune_collect, &list) == -1 || list.expired.failed)
		rc = -1;
	for (i = 0; rc == 0 && i < list.expired.n; i++) {
		rc = store_delete(s, list.expired.keys[i]);
		pruned += rc == 0;
		rc = rc == -1 ? -1 : 0; /* 1: gone meanwhile */
	}
	key_list_free(&list.expired);
	if (rc == -1) {
		store_abort(s);
		snprintf(err, errlen, "%s: the delivery keys could not be pruned (the error log says why)",
		    store_shared() ? "[mariadb] kzs_seen" : STORE_SEEN);
		return -1;
	}
	if (store_commit(s) == -1) {
		if (store_shared())
			snprintf(err, errlen, "[mariadb] kzs_seen: the commit failed (the error log says why)");
		else
			snprintf(err, errlen, "%s/%s.db: sync failed", dir, STORE_SEEN);
		return -1;
	}
	return pruned;
}
