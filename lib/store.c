/*
 * store: GDBM's own lock fails at once instead of waiting, so several FastCGI
 * processes serialise on a side lock file and keep transactions short. No state file
 * is opened through a symbolic link, and none is used while the directory is open to others.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "report.h"

struct store {
	GDBM_FILE db;
	int lock_fd;
	int write;
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
store_lock_file(const char *dir, const char *name, int exclusive, char *err, size_t errlen)
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
store_lock(const char *dir, const char *name, int *fd, char *err, size_t errlen)
{
	*fd = store_lock_file(dir, name, 1, err, errlen);
	return *fd == -1 ? -1 : 0;
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
	db = gdbm_fd_open(fd, path, 0,
	    (write ? GDBM_WRCREAT : GDBM_READER) | GDBM_NOLOCK | GDBM_NOMMAP | GDBM_CLOEXEC | GDBM_CLOERROR,
	    NULL);
	if (db == NULL)
		snprintf(err, errlen, "cannot open %s: %s (see kzsctl check, recover, restore)", path,
		    gdbm_strerror(gdbm_errno));
	return db;
}

void
store_unlock(int fd)
{
	if (fd >= 0)
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
	snprintf(s->path, sizeof s->path, "%s/%s.db", dir, name);
	s->lock_fd = store_lock_file(dir, name, write, err, errlen);
	if (s->lock_fd == -1)
		goto fail;
	s->db = store_gdbm_open(s->path, write, &absent, err, errlen);
	/* A reader of a file not yet written sees an empty store. */
	if (s->db == NULL && !(absent && !write)) {
		/* A damaged file fails here; the other files keep working. */
		close(s->lock_fd);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	/* Reported here, once a minute, not by every caller on every request. */
	report_trouble(dir, name, "%s", err);
	free(s);
	return -1;
}

static datum
store_key(const char *key)
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
	if (s->db == NULL)
		return 1;
	v = gdbm_fetch(s->db, store_key(key));
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

int
store_put(struct store *s, const char *key, const char *val)
{
	datum v;

	v.dptr = (char *)(uintptr_t)val;
	v.dsize = (int)strlen(val);
	if (gdbm_store(s->db, store_key(key), v, GDBM_REPLACE) != 0) {
		log_err("%s: cannot store %s: %s", s->path, key, gdbm_strerror(gdbm_errno));
		return -1;
	}
	return 0;
}

int
store_delete(struct store *s, const char *key)
{
	if (gdbm_delete(s->db, store_key(key)) != 0)
		return gdbm_errno == GDBM_ITEM_NOT_FOUND ? 1 : -1;
	return 0;
}

int
store_each(struct store *s, store_each_fn fn, void *arg)
{
	datum k;

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
	if (s->write && gdbm_sync(s->db) != 0) {
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
	if (s->db != NULL)
		gdbm_close(s->db);
	close(s->lock_fd);
	free(s);
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
