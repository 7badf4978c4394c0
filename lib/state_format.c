/*
 * state_format: the file holds the format's number and a newline. It is written whole
 * under a temporary name and then linked (first record: never over one another process
 * wrote meanwhile) or renamed (an upgrade) into place, so a reader never sees half of it.
 */
#include "state_format.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The recorded format in *found, 0 when none is recorded; -1 with why in err. */
static int
format_read(const char *dir, int *found, char *err, size_t errlen)
{
	char path[512], buf[32], *end = buf;
	struct stat st;
	ssize_t n = -1;
	long v;
	int fd;

	*found = 0;
	snprintf(path, sizeof path, "%s/%s", dir, STATE_FORMAT_FILE);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1 && errno == ENOENT)
		return 0;
	if (fd == -1) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	errno = 0;
	v = n > 0 && buf[0] >= '0' && buf[0] <= '9' ? strtol(buf, &end, 10) : 0;
	if (v < 1 || v > INT_MAX || errno != 0 || (*end != '\0' && strcmp(end, "\n") != 0)) {
		snprintf(err, errlen, "%s does not hold a state format (one line with a number, such as %d); "
		    "put it back from a backup", path, STATE_FORMAT);
		return -1;
	}
	*found = (int)v;
	return 0;
}

/* Writes STATE_FORMAT to dir/format: over what is there when replace, else only where none is. */
static int
format_write(const char *dir, int replace, char *err, size_t errlen)
{
	char path[512], tmp[512], line[16];
	int fd, len, rc;

	snprintf(path, sizeof path, "%s/%s", dir, STATE_FORMAT_FILE);
	snprintf(tmp, sizeof tmp, "%s/%s.new-XXXXXX", dir, STATE_FORMAT_FILE);
	fd = mkstemp(tmp); /* 0600, like every state file */
	if (fd == -1) {
		snprintf(err, errlen, "cannot record the state format in %s: %s", path, strerror(errno));
		return -1;
	}
	len = snprintf(line, sizeof line, "%d\n", STATE_FORMAT);
	rc = write(fd, line, (size_t)len) == len && fsync(fd) == 0 ? 0 : -1;
	if (close(fd) == -1)
		rc = -1;
	if (rc == 0)
		rc = replace ? rename(tmp, path) : link(tmp, path);
	if (rc == -1 && !replace && errno == EEXIST)
		rc = 0; /* another process recorded it first */
	if (rc == -1)
		snprintf(err, errlen, "cannot record the state format in %s: %s", path, strerror(errno));
	unlink(tmp); /* the temporary name (gone already after a rename) */
	return rc;
}

/* 1 when dir holds a state file (<name>.db). */
static int
format_state_present(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t len;
	int present = 0;

	while (d != NULL && !present && (e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		present = len > 3 && strcmp(e->d_name + len - 3, ".db") == 0;
	}
	if (d != NULL)
		closedir(d);
	return present;
}

void
state_format_newer(const char *dir, int found, char *buf, size_t len)
{
	snprintf(buf, len, "the state%s%s was written by a newer version (format %d); this build knows up "
	    "to %d: install the newer build or restore a dump", dir ? " in " : "", dir ? dir : "", found,
	    STATE_FORMAT);
}

int
state_format_use(const char *dir, char *err, size_t errlen)
{
	int found;

	if (format_read(dir, &found, err, errlen) == -1)
		return -1;
	if (found > STATE_FORMAT) {
		state_format_newer(dir, found, err, errlen);
		return found;
	}
	if (found == STATE_FORMAT)
		return 0;
	if (found == 0) /* not recorded: no state yet, or state kept before formats were */
		return format_state_present(dir) ? format_write(dir, 0, err, errlen) : 0;
	/* An older format: its upgrades to STATE_FORMAT go here, oldest first (none yet). */
	return format_write(dir, 1, err, errlen);
}

int
state_format_read(const char *dir, int *found, char *err, size_t errlen)
{
	return format_read(dir, found, err, errlen);
}

int
state_format_mark(const char *dir, char *err, size_t errlen)
{
	static char marked[512]; /* the folder this process has seen a format in */
	int found;

	if (strcmp(marked, dir) == 0)
		return 0;
	if (format_read(dir, &found, err, errlen) == -1)
		return -1;
	if (found == 0 && format_write(dir, 0, err, errlen) == -1)
		return -1;
	snprintf(marked, sizeof marked, "%s", dir);
	return 0;
}

int
state_format_set(const char *dir, char *err, size_t errlen)
{
	return format_write(dir, 1, err, errlen);
}
