/*
 * store: GDBM's own lock fails at once instead of waiting, so several FastCGI
 * processes serialise on a side lock file and keep transactions short. No state file
 * is opened through a symbolic link, and none is used while the directory is open to others.
 *
 * A full disk (or a quota) never meets GDBM halfway: space is reserved ahead. GDBM
 * rewrites buckets, its directory and its header in place and grows the file only at
 * its end; a write refused halfway leaves a header that points past the end ("Unexpected
 * end of file") and takes with it records acknowledged long before. So before GDBM may
 * write, under the file's lock, the file gets allocated space beyond its end
 * (fallocate FALLOC_FL_KEEP_SIZE: allocated, its size unchanged) as large as the most
 * one change can add: the record in whole blocks, a bucket split (two new buckets),
 * the directory doubled (read from GDBM: 8 bytes << its depth), avail blocks and the
 * header, plus room for the few changes of a transaction and a new file. When the disk
 * cannot give it, the change is refused before the file is touched (the caller answers
 * 503, a job keeps its last record). Every byte GDBM ever reaches was allocated before
 * it got there, so rewrites in place never need new space either. On a filesystem
 * without fallocate a free-space check stands in, which is weaker (another writer may
 * take the space between the check and the write); on copy-on-write filesystems
 * (btrfs, ZFS) a rewrite in place needs new space and no reserve can promise it.
 */
#define _GNU_SOURCE /* fallocate */

#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "report.h"
#include "state_format.h"
#include "store_sql.h"

/* Reserved beyond one change's growth: a transaction's few changes, a new file (16 KiB). */
#define STORE_RESERVE_SLACK (256 * 1024)
/* Blocks besides the record and the directory: a split's two buckets, avail blocks, slack. */
#define STORE_RESERVE_BLOCKS 6

static long long write_failed_at; /* see store_write_failed_within */
static unsigned long reads_done, writes_done; /* see store_touched */
static int use_sql; /* [state] backend = mariadb: every transaction goes to store_sql */

struct store {
	struct store_sql *sql; /* the transaction, with the mariadb backend; else the fields below */
	GDBM_FILE db;
	int lock_fd;
	int write;
	int refused; /* a change was refused: the commit reports failure */
	char dir[400];
	char name[32];
	char path[512];
};

int
store_dir_check(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (stat(dir, &st) == -1) {
		snprintf(err, errlen, "cannot use the state directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "the state directory %s is not a directory", dir);
		return -1;
	}
	/* Whoever may write here may swap a state file for a link to one of ours. */
	if (st.st_mode & 022) {
		snprintf(err, errlen, "the state directory %s is writable by group or others; chmod 700 %s",
		    dir, dir);
		return -1;
	}
	return 0;
}

int
store_file_open(const char *path, int write, int create, char *err, size_t errlen)
{
	int flags = (write ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, fd, saved;
	struct stat st;

	fd = open(path, flags);
	if (fd == -1 && errno == ENOENT && create) {
		fd = open(path, flags | O_CREAT | O_EXCL, 0600);
		if (fd == -1 && errno == EEXIST) /* another process created it meanwhile */
			fd = open(path, flags);
	}
	if (fd == -1) {
		saved = errno;
		snprintf(err, errlen, "cannot open %s: %s%s", path, strerror(saved),
		    saved == ELOOP ? " (a symbolic link; state files must be plain files)" : "");
		return saved == ENOENT && !create ? -2 : -1;
	}
	/* A second name (hard link) could be another file of this user's, e.g. a victim. */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		snprintf(err, errlen, "cannot use %s: not a plain file with a single name; move it away", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Opens and locks dir/<name>.lock (shared or exclusive). */
static int
lock_file(const char *dir, const char *name, int exclusive, char *err, size_t errlen)
{
	char path[512];
	int fd;

	if (store_dir_check(dir, err, errlen) == -1)
		return -1;
	snprintf(path, sizeof path, "%s/%s.lock", dir, name);
	fd = store_file_open(path, 1, 1, err, errlen);
	if (fd < 0)
		return -1;
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) == -1) {
		if (errno != EINTR) {
			snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

int
store_use(const struct config *cfg, char *err, size_t errlen)
{
	use_sql = cfg->state_backend == CONFIG_BACKEND_MARIADB;
	if (!use_sql) {
		store_sql_close(0);
		return 0;
	}
	return store_sql_use(cfg, err, errlen);
}

int
store_shared(void)
{
	return use_sql;
}

void
store_after_fork(void)
{
	store_sql_close(1);
}

int
store_lock(const char *dir, const char *name, int *fd, char *err, size_t errlen)
{
	if (use_sql)
		return store_sql_lock(name, fd, err, errlen);
	*fd = lock_file(dir, name, 1, err, errlen);
	return *fd == -1 ? -1 : 0;
}

/*
 * Allocates len bytes beyond the end of path (fd), its size unchanged; already
 * allocated space costs nothing. -1 with why in err when the disk cannot give them.
 */
static int
reserve(int fd, const char *path, off_t len, char *err, size_t errlen)
{
	struct statvfs vfs;
	struct rlimit fsize;
	struct stat st;
	int rc = fstat(fd, &st);

	/* A file size limit (ulimit -f, set by some hosts) stops GDBM's writes, not fallocate's. */
	if (rc == 0 && getrlimit(RLIMIT_FSIZE, &fsize) == 0 && fsize.rlim_cur != RLIM_INFINITY &&
	    (unsigned long long)st.st_size + (unsigned long long)len > (unsigned long long)fsize.rlim_cur) {
		errno = EFBIG;
		rc = -1;
	}
	while (rc == 0 && (rc = fallocate(fd, FALLOC_FL_KEEP_SIZE, st.st_size, len)) == -1 && errno == EINTR)
		;
	if (rc == -1 && (errno == EOPNOTSUPP || errno == ENOSYS)) {
		/* Weaker: free space now, which another writer may take before GDBM writes. */
		rc = fstatvfs(fd, &vfs);
		if (rc == 0 && (unsigned long long)vfs.f_bavail * vfs.f_frsize < (unsigned long long)len) {
			errno = ENOSPC;
			rc = -1;
		}
	}
	if (rc == -1) {
		snprintf(err, errlen, "%s: cannot reserve %lld KiB for its next change: %s; nothing was written",
		    path, (long long)len / 1024, strerror(errno));
		write_failed_at = (long long)time(NULL);
	}
	return rc;
}

int
store_write_failed_within(long long seconds)
{
	long long now = (long long)time(NULL);

	return write_failed_at != 0 && now >= write_failed_at && now - write_failed_at < seconds;
}

/* The most one change of a record of len bytes can add to the file (see the top). */
static off_t
growth(GDBM_FILE db, size_t len)
{
	int block = 4096, depth = 31;

	if (gdbm_setopt(db, GDBM_GETBLOCKSIZE, &block, sizeof block) != 0 || block <= 0)
		block = 4096;
	if (gdbm_setopt(db, GDBM_GETDIRDEPTH, &depth, sizeof depth) != 0 || depth < 0 || depth > 40)
		depth = 20; /* unknown: a directory of 8 MiB */
	return ((off_t)len + block - 1) / block * block + ((off_t)2 * 8 << depth) +
	    (off_t)STORE_RESERVE_BLOCKS * block;
}

GDBM_FILE
store_gdbm_open(const char *path, int write, int *absent, char *err, size_t errlen)
{
	GDBM_FILE db;
	struct stat st;
	int fd;

	*absent = 0;
	fd = store_file_open(path, write, write, err, errlen);
	if (fd == -2)
		*absent = 1;
	if (fd < 0)
		return NULL;
	/* A reader finding a file that a killed writer created but never filled sees it empty. */
	if (!write && fstat(fd, &st) == 0 && st.st_size == 0) {
		close(fd);
		*absent = 1;
		return NULL;
	}
	/* GDBM writes a new file's first blocks as it opens it; an existing one it only reads. */
	if (write && fstat(fd, &st) == 0 && st.st_size == 0 &&
	    reserve(fd, path, STORE_RESERVE_SLACK, err, errlen) == -1) {
		close(fd);
		return NULL;
	}
	db = gdbm_fd_open(fd, path, 0,
	    (write ? GDBM_WRCREAT : GDBM_READER) | GDBM_NOLOCK | GDBM_NOMMAP | GDBM_CLOEXEC | GDBM_CLOERROR,
	    NULL);
	if (db == NULL) {
		snprintf(err, errlen, "cannot open %s: %s (see kzsctl check, recover, restore)", path,
		    gdbm_strerror(gdbm_errno));
		return NULL;
	}
	/* Room for the transaction's changes before the first of them (see the top). */
	if (write && reserve(gdbm_fdesc(db), path, growth(db, 0) + STORE_RESERVE_SLACK,
		err, errlen) == -1) {
		gdbm_close(db);
		return NULL;
	}
	return db;
}

void
store_unlock(int fd)
{
	if (use_sql)
		store_sql_unlock(fd);
	else if (fd >= 0)
		close(fd); /* closing the descriptor releases the flock */
}

int
store_begin(const char *dir, const char *name, int write, struct store **out,
    char *err, size_t errlen)
{
	struct store *s;
	int absent;

	*out = NULL;
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->write = write;
	if (use_sql) {
		if (store_sql_begin(name, write, &s->sql, err, errlen) == -1) {
			free(s); /* store_sql reported it */
			return -1;
		}
		*out = s;
		return 0;
	}
	snprintf(s->dir, sizeof s->dir, "%s", dir);
	snprintf(s->name, sizeof s->name, "%s", name);
	snprintf(s->path, sizeof s->path, "%s/%s.db", dir, name);
	s->lock_fd = lock_file(dir, name, write, err, errlen);
	if (s->lock_fd == -1)
		goto fail;
	s->db = store_gdbm_open(s->path, write, &absent, err, errlen);
	/* A reader of a file not yet written sees an empty store. */
	if (s->db == NULL && !(absent && !write)) {
		/* A damaged file fails here; the other files keep working. */
		close(s->lock_fd);
		goto fail;
	}
	/* The first state file written records the folder's format (state_format.h). */
	if (write && state_format_mark(dir, err, errlen) == -1)
		report_trouble(dir, "format", "%s", err);
	*out = s;
	return 0;
fail:
	/* Reported here, once a minute, not by every caller on every request. */
	report_trouble(dir, name, "%s", err);
	free(s);
	return -1;
}

/* A database write that failed holds remote writes back as a disk's would (store.h). */
static int
failed_write(int rc)
{
	if (rc == -1)
		write_failed_at = (long long)time(NULL);
	return rc;
}

static datum
datum_of(const char *key)
{
	datum d;

	d.dptr = (char *)(uintptr_t)key;
	d.dsize = (int)strlen(key);
	return d;
}

int
store_get(struct store *s, const char *key, char **val)
{
	datum v;

	*val = NULL;
	if (s->sql != NULL) {
		reads_done++;
		return store_sql_get(s->sql, key, val);
	}
	if (s->db == NULL)
		return 1;
	reads_done++;
	v = gdbm_fetch(s->db, datum_of(key));
	if (v.dptr == NULL)
		return gdbm_errno == GDBM_ITEM_NOT_FOUND ? 1 : -1;
	*val = malloc((size_t)v.dsize + 1);
	if (*val == NULL) {
		free(v.dptr);
		return -1;
	}
	memcpy(*val, v.dptr, (size_t)v.dsize);
	(*val)[v.dsize] = '\0';
	free(v.dptr);
	return 0;
}

/* Before each change: the reserve still covers it, or the change is refused untouched. */
static int
room(struct store *s, size_t len)
{
	char err[600];

	if (reserve(gdbm_fdesc(s->db), s->path, growth(s->db, len), err, sizeof err) == 0)
		return 0;
	report_trouble(s->dir, s->name, "%s", err);
	s->refused = 1;
	return -1;
}

int
store_put(struct store *s, const char *key, const char *val)
{
	datum v;

	if (s->sql != NULL) {
		writes_done++;
		return failed_write(store_sql_put(s->sql, key, val));
	}
	if (room(s, strlen(key) + strlen(val)) == -1)
		return -1;
	v.dptr = (char *)(uintptr_t)val;
	v.dsize = (int)strlen(val);
	writes_done++;
	if (gdbm_store(s->db, datum_of(key), v, GDBM_REPLACE) != 0) {
		write_failed_at = (long long)time(NULL);
		log_err("%s: cannot store %s: %s", s->path, key, gdbm_strerror(gdbm_errno));
		return -1;
	}
	return 0;
}

int
store_delete(struct store *s, const char *key)
{
	if (s->sql != NULL) {
		writes_done++;
		return failed_write(store_sql_delete(s->sql, key));
	}
	/* A delete may add an avail block. */
	if (room(s, 0) == -1)
		return -1;
	writes_done++;
	if (gdbm_delete(s->db, datum_of(key)) != 0)
		return gdbm_errno == GDBM_ITEM_NOT_FOUND ? 1 : -1;
	return 0;
}

int
store_each(struct store *s, store_each_fn fn, void *arg)
{
	datum k;

	if (s->sql != NULL)
		return store_sql_each(s->sql, fn, arg);
	if (s->db == NULL)
		return 0;
	k = gdbm_firstkey(s->db);
	while (k.dptr != NULL) {
		datum next;
		char *key = malloc((size_t)k.dsize + 1), *val = NULL;
		int stop = 0;

		if (key == NULL) {
			free(k.dptr);
			return -1;
		}
		memcpy(key, k.dptr, (size_t)k.dsize);
		key[k.dsize] = '\0';
		if (store_get(s, key, &val) == 0)
			stop = fn(key, val, arg);
		free(val);
		free(key);
		if (stop) {
			free(k.dptr);
			return 0;
		}
		next = gdbm_nextkey(s->db, k);
		free(k.dptr);
		k = next;
	}
	return 0;
}

int
store_commit(struct store *s)
{
	int rc = 0;

	if (s == NULL)
		return -1;
	if (s->sql != NULL) {
		rc = failed_write(store_sql_commit(s->sql));
		free(s);
		return rc;
	}
	if (s->refused)
		rc = -1; /* a caller that went on after a refused change must not count it done */
	if (s->write && gdbm_sync(s->db) != 0) {
		write_failed_at = (long long)time(NULL);
		log_err("%s: sync failed: %s", s->path, gdbm_strerror(gdbm_errno));
		rc = -1;
	}
	if (s->db != NULL && gdbm_close(s->db) != 0)
		rc = -1;
	close(s->lock_fd);
	free(s);
	return rc;
}

void
store_abort(struct store *s)
{
	if (s == NULL)
		return;
	if (s->sql != NULL) {
		store_sql_abort(s->sql); /* nothing of it remains */
		free(s);
		return;
	}
	if (s->db != NULL)
		gdbm_close(s->db);
	close(s->lock_fd);
	free(s);
}

void
store_touched(unsigned long *reads, unsigned long *writes)
{
	*reads = reads_done;
	*writes = writes_done;
}

int
store_get1(const char *dir, const char *name, const char *key, char **val)
{
	struct store *s;
	char err[256];
	int rc;

	*val = NULL;
	if (store_begin(dir, name, 0, &s, err, sizeof err) == -1)
		return -1;
	rc = store_get(s, key, val);
	store_abort(s);
	return rc;
}

int
store_put1(const char *dir, const char *name, const char *key, const char *val)
{
	struct store *s;
	char err[256];

	if (store_begin(dir, name, 1, &s, err, sizeof err) == -1)
		return -1;
	if (store_put(s, key, val) == -1) {
		store_abort(s);
		return -1;
	}
	return store_commit(s);
}
