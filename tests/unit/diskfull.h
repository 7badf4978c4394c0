/*
 * diskfull: a full disk for unit tests, made with the file size limit: while frozen, no
 * file of this process may grow past one state file's present size. Ignore SIGXFSZ
 * first, so that a write past the limit fails with EFBIG instead of ending the test.
 */
#ifndef KZS_DISKFULL_H
#define KZS_DISKFULL_H

#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>

/* From now on no file of this process may grow past dir/name.db's present size. */
static void
freeze(const char *dir, const char *name)
{
	char path[512];
	struct stat st;
	struct rlimit lim;

	snprintf(path, sizeof path, "%s/%s.db", dir, name);
	getrlimit(RLIMIT_FSIZE, &lim);
	lim.rlim_cur = stat(path, &st) == 0 ? (rlim_t)st.st_size : 0;
	setrlimit(RLIMIT_FSIZE, &lim);
}

static void
thaw(void)
{
	struct rlimit lim;

	getrlimit(RLIMIT_FSIZE, &lim);
	lim.rlim_cur = lim.rlim_max;
	setrlimit(RLIMIT_FSIZE, &lim);
}

#endif
