/*
 * gdbm_verify: checks that GDBM files are whole after a stress run. Each file is opened
 * read-only under the store's own lock (<name>.lock, as lib/store.c takes it), every
 * key is walked and fetched, the walk is compared with gdbm_count, and the free-space
 * list is checked with gdbm_avail_verify where this GDBM has it (1.15 and later).
 *
 *   gdbm_verify FILE.db...     prints "FILE: N records, ok" per file; exit 1 if any is not
 */
#include <errno.h>
#include <fcntl.h>
#include <gdbm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#if GDBM_VERSION_MAJOR > 1 || (GDBM_VERSION_MAJOR == 1 && GDBM_VERSION_MINOR >= 15)
#define HAVE_AVAIL_VERIFY 1
#endif

/* "<dir>/<name>.lock" beside "<dir>/<name>.db"; -1 when the lock cannot be taken. */
static int
lock_store(const char *db)
{
	char path[4096];
	size_t n = strlen(db);
	int fd;

	if (n < 3 || strcmp(db + n - 3, ".db") != 0 || n + 3 >= sizeof path)
		return -2; /* not a store file: checked without a lock */
	snprintf(path, sizeof path, "%.*s.lock", (int)(n - 3), db);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? -2 : -1;
	while (flock(fd, LOCK_SH) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* 0 when the file verifies; prints one line either way. */
static int
verify(const char *file)
{
	GDBM_FILE db;
	datum key, next, val;
	gdbm_count_t counted = 0;
	unsigned long long walked = 0, bytes = 0;
	int lock, rc = 0;

	lock = lock_store(file);
	if (lock == -1) {
		printf("%s: cannot lock: %s\n", file, strerror(errno));
		return 1;
	}
	db = gdbm_open(file, 0, GDBM_READER | GDBM_NOLOCK, 0, NULL);
	if (db == NULL) {
		printf("%s: cannot open: %s\n", file, gdbm_strerror(gdbm_errno));
		rc = 1;
		goto out;
	}
	for (key = gdbm_firstkey(db); key.dptr != NULL; key = next) {
		val = gdbm_fetch(db, key);
		if (val.dptr == NULL) {
			printf("%s: key %llu listed but not readable: %s\n", file, walked + 1,
			    gdbm_strerror(gdbm_errno));
			rc = 1;
		} else {
			bytes += (unsigned long long)val.dsize;
			free(val.dptr);
		}
		walked++;
		next = gdbm_nextkey(db, key);
		free(key.dptr);
	}
	if (gdbm_errno != GDBM_NO_ERROR && gdbm_errno != GDBM_ITEM_NOT_FOUND) {
		printf("%s: the walk stopped: %s\n", file, gdbm_strerror(gdbm_errno));
		rc = 1;
	}
	if (gdbm_count(db, &counted) != 0 || counted != walked) {
		printf("%s: gdbm_count says %llu, the walk found %llu\n", file, (unsigned long long)counted,
		    walked);
		rc = 1;
	}
#ifdef HAVE_AVAIL_VERIFY
	if (gdbm_avail_verify(db) != 0) {
		printf("%s: free-space list is damaged: %s\n", file, gdbm_strerror(gdbm_errno));
		rc = 1;
	}
#endif
	if (rc == 0)
		printf("%s: %llu records (%llu bytes of values), ok%s\n", file, walked, bytes,
#ifdef HAVE_AVAIL_VERIFY
		    ", free-space list ok"
#else
		    ""
#endif
		);
	gdbm_close(db);
out:
	if (lock >= 0)
		close(lock);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: gdbm_verify FILE.db...\n");
		return 2;
	}
	for (i = 1; i < argc; i++)
		bad |= verify(argv[i]);
	return bad;
}
