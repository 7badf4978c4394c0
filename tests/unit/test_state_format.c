/*
 * Unit tests for lib/state_format.c: the format file is written with the first state
 * file and never over another's; state kept before the format was recorded is marked;
 * a newer format is refused with the message the operator reads; a damaged format file
 * or a link is refused, not guessed at.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "state_format.h"
#include "store.h"

static char base[] = "/tmp/kzs-format-XXXXXX";

/* A new empty state folder under base, named name. */
static const char *
folder(const char *name)
{
	static char path[256];

	snprintf(path, sizeof path, "%s/%s", base, name);
	mkdir(path, 0700);
	return path;
}

/* The format file's content in dir ("" when absent). */
static const char *
recorded(const char *dir)
{
	static char text[64];
	char path[300];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/%s", dir, STATE_FORMAT_FILE);
	f = fopen(path, "r");
	if (f != NULL) {
		n = fread(text, 1, sizeof text - 1, f);
		fclose(f);
	}
	text[n] = '\0';
	return text;
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

int
main(void)
{
	char err[600], want[600], cmd[300];
	const char *dir;
	struct store *s;

	if (mkdtemp(base) == NULL)
		return 1;

	dir = folder("fresh");
	CHECK(state_format_use(dir, err, sizeof err) == 0, "a folder with no state yet is usable");
	CHECK_STR(recorded(dir), "", "...and no format is recorded before the first state file");
	CHECK(store_begin(dir, STORE_OUTBOX, 0, &s, err, sizeof err) == 0, "a read opens nothing new");
	store_abort(s);
	CHECK_STR(recorded(dir), "", "...and records no format");
	CHECK(store_put1(dir, STORE_OUTBOX, "k", "v") == 0, "the first state file is written");
	CHECK_STR(recorded(dir), "1\n", "...and the format is recorded with it");
	CHECK(state_format_use(dir, err, sizeof err) == 0, "the build's own format is usable");

	dir = folder("before-formats");
	write_file(dir, "deals.db", "");
	CHECK(state_format_use(dir, err, sizeof err) == 0, "state kept before formats were recorded is usable");
	CHECK_STR(recorded(dir), "1\n", "...and marked with this build's format");

	dir = folder("newer");
	write_file(dir, STATE_FORMAT_FILE, "99\n");
	CHECK(state_format_use(dir, err, sizeof err) == 99, "a newer format is refused, its number returned");
	snprintf(want, sizeof want, "the state in %s was written by a newer version (format 99); this build "
	    "knows up to 1: install the newer build or restore a dump", dir);
	CHECK_STR(err, want, "...with one line saying what to do");
	state_format_newer(NULL, 99, err, sizeof err);
	CHECK_STR(err, "the state was written by a newer version (format 99); this build knows up to 1: "
	    "install the newer build or restore a dump", "...and without the folder for a remote's answer");
	CHECK(store_put1(dir, STORE_DEALS, "k", "v") == 0 && strcmp(recorded(dir), "99\n") == 0,
	    "a state file created there does not record over the newer format");
	CHECK(state_format_set(dir, err, sizeof err) == 0 && strcmp(recorded(dir), "1\n") == 0,
	    "after a restore of every file the format is this build's");
	CHECK(state_format_use(dir, err, sizeof err) == 0, "...and usable again");

	dir = folder("damaged");
	write_file(dir, STATE_FORMAT_FILE, "1x\n");
	CHECK(state_format_use(dir, err, sizeof err) == -1 && strstr(err, "does not hold a state format"),
	    "a format file with more than a number is refused: %s", err);
	write_file(dir, STATE_FORMAT_FILE, "");
	CHECK(state_format_use(dir, err, sizeof err) == -1, "an empty format file is refused");
	write_file(dir, STATE_FORMAT_FILE, "0\n");
	CHECK(state_format_use(dir, err, sizeof err) == -1, "format 0 does not exist and is refused");
	CHECK(state_format_mark(dir, err, sizeof err) == -1 && strcmp(recorded(dir), "0\n") == 0,
	    "a damaged format file is not written over by a new state file");

	dir = folder("link");
	snprintf(want, sizeof want, "%s/%s", base, "newer/format");
	snprintf(cmd, sizeof cmd, "%s/%s", dir, STATE_FORMAT_FILE);
	CHECK(symlink(want, cmd) == 0, "a link where the format file belongs");
	CHECK(state_format_use(dir, err, sizeof err) == -1, "...is not followed: %s", err);

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	if (system(cmd) != 0)
		return 1;
	return CHECK_DONE();
}
