/*
 * Unit tests for lib/store_admin.c under a state folder of the test's own: check finds
 * damage and counts records, recover rebuilds a damaged file and keeps a backup, dump
 * writes a whole dump or none, restore loads a dump beside the live file and swaps it in
 * only when it is whole and of that file (a damaged, cut, altered or foreign dump is
 * refused and nothing changes), and prune removes only the seen keys that expired.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "store.h"
#include "store_admin.h"

#define LEADS 200

static char dir[] = "/tmp/kzs-admin-XXXXXX";

/* Every record of a state file as sorted "key=value" lines (malloc'd), "" when empty. */
static int
add_line(const char *key, const char *val, void *arg)
{
	char **text = arg, *more;
	size_t len = strlen(*text);

	if ((more = realloc(*text, len + strlen(key) + strlen(val) + 3)) == NULL)
		return 1;
	sprintf(more + len, "%s=%s\n", key, val);
	*text = more;
	return 0;
}

static int
by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
snapshot(const char *name)
{
	char *text = calloc(1, 1), *lines[4096], *line, *save = NULL, *out;
	size_t n = 0, i, len;
	struct store *s;
	char err[512];

	if (store_begin(dir, name, 0, &s, err, sizeof err) == 0) {
		store_each(s, add_line, &text);
		store_abort(s);
	}
	len = strlen(text);
	for (line = strtok_r(text, "\n", &save); line && n < 4096; line = strtok_r(NULL, "\n", &save))
		lines[n++] = line;
	qsort(lines, n, sizeof *lines, by_text);
	out = calloc(1, len + 2);
	for (i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
	}
	free(text);
	return out;
}

static void
path_of(char *buf, size_t len, const char *file)
{
	snprintf(buf, len, "%s/%s", dir, file);
}

/* How many entries of the state folder start with prefix. */
static int
files_named(const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	if (d != NULL)
		closedir(d);
	return n;
}

/* The whole of a small file (malloc'd), NULL when absent. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 1 << 20);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
spill(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

/* Overwrites len bytes of dir/name.db at off with 0xff. */
static void
damage(const char *name, long off, size_t len)
{
	char path[256], junk[256];
	int fd;

	snprintf(path, sizeof path, "%s/%s.db", dir, name);
	memset(junk, 0xff, sizeof junk);
	fd = open(path, O_WRONLY);
	if (fd < 0 || pwrite(fd, junk, len, off) != (ssize_t)len)
		perror("damage");
	close(fd);
}

static void
fill_deals(void)
{
	char key[32], val[200];
	int i;

	for (i = 0; i < LEADS; i++) {
		snprintf(key, sizeof key, "lead:%d", i);
		snprintf(val, sizeof val, "{\"state\":\"inflight\",\"request_id\":\"%d\",\"pad\":\"%0120d\"}", 5000 + i, i);
		store_put1(dir, STORE_DEALS, key, val);
	}
}

static void
test_check_and_recover(void)
{
	char err[512] = "", path[256], *before, *after, *val = NULL;
	size_t records = 99;
	struct stat st;

	CHECK(store_admin_known("deals") && store_admin_known("seen") && store_admin_known("states") &&
	    !store_admin_known("nope") && !store_admin_known("../deals") && !store_admin_known(NULL),
	    "the state files are known by name, nothing else");
	CHECK(store_admin_check(dir, "nope", &records, err, sizeof err) == -1 &&
	    strstr(err, "unknown state file \"nope\" (one of: tokens deals seen outbox cache states)"),
	    "check of an unknown file says which there are: %s", err);

	fill_deals();
	CHECK(store_admin_check(dir, STORE_DEALS, &records, err, sizeof err) == 0 && records == LEADS,
	    "a sound file is checked and its records counted (%zu)", records);
	path_of(path, sizeof path, "cache.db");
	spill(path, "");
	chmod(path, 0600);
	records = 99;
	CHECK(store_admin_check(dir, STORE_CACHE, &records, err, sizeof err) == 0 && records == 0,
	    "a file created but never written (a full disk) is sound and empty");
	err[0] = '\0';
	CHECK(store_admin_check(dir, STORE_OUTBOX, &records, err, sizeof err) == -1 && err[0] != '\0',
	    "an absent file is not called sound: %s", err);

	before = snapshot(STORE_DEALS);
	path_of(path, sizeof path, "deals.db");
	stat(path, &st);
	damage(STORE_DEALS, (long)st.st_blksize, 64); /* GDBM's directory follows its header */
	CHECK(store_admin_check(dir, STORE_DEALS, &records, err, sizeof err) == -1 &&
	    strstr(err, "/deals.db: ") != NULL, "damage is found and named: %s", err);

	CHECK(store_admin_recover(dir, STORE_DEALS, err, sizeof err) == 0 &&
	    strstr(err, "recovered 200 record(s), lost 0; backup in ") != NULL,
	    "recover rebuilds it and says what it kept: %s", err);
	CHECK(files_named("deals.db.~") == 1, "the damaged file is kept as a backup beside it");
	CHECK(store_admin_check(dir, STORE_DEALS, &records, err, sizeof err) == 0 && records == LEADS,
	    "the recovered file is sound with every record (%zu)", records);
	after = snapshot(STORE_DEALS);
	CHECK(strcmp(before, after) == 0, "and every record holds its value");
	CHECK(store_get1(dir, STORE_DEALS, "lead:7", &val) == 0 && strstr(val, "\"request_id\":\"5007\""),
	    "a program reads it again: %s", val ? val : "(none)");
	free(val);
	free(before);
	free(after);

	CHECK(store_admin_recover(dir, "nope", err, sizeof err) == -1 && strstr(err, "unknown state file"),
	    "recover of an unknown file is refused");
}

static void
test_dump_restore(void)
{
	char err[600] = "", dump[256], tokens_dump[256], *text, *cut, *live, *now;
	struct store_admin_restore r;
	struct stat st;

	path_of(dump, sizeof dump, "deals.dump");
	CHECK(store_admin_dump(dir, STORE_DEALS, dump, err, sizeof err) == 0, "deals dumped");
	text = slurp(dump);
	CHECK(text && strstr(text, "#:file=") && strstr(text, "deals.db\n") &&
	    strstr(text, "#:count=200\n# End of data\n"), "the dump names its file and ends with its count");
	CHECK(stat(dump, &st) == 0 && files_named("deals.dump") == 1,
	    "the dump is whole, with no half-written file beside it");
	path_of(tokens_dump, sizeof tokens_dump, "none.dump");
	CHECK(store_admin_dump(dir, STORE_OUTBOX, tokens_dump, err, sizeof err) == -1 && stat(tokens_dump, &st) == -1 &&
	    files_named("none.dump") == 0, "a file that cannot be read leaves no dump at all: %s", err);

	/* The live file moves on; a restore brings back the dumped one. */
	live = snapshot(STORE_DEALS);
	store_put1(dir, STORE_DEALS, "lead:7", "{\"state\":\"completed\"}");
	store_put1(dir, STORE_DEALS, "lead:9999", "{\"state\":\"sending\"}");
	now = snapshot(STORE_DEALS);
	CHECK(store_admin_restore_load(dir, STORE_DEALS, dump, &r, err, sizeof err) == 0 && r.records == LEADS &&
	    files_named("deals.db.restore-") == 1, "a whole dump loads beside the live file (%llu records)",
	    r.records);
	{
		char *unchanged = snapshot(STORE_DEALS);

		CHECK(strcmp(unchanged, now) == 0, "the live file is untouched until the swap");
		free(unchanged);
	}
	err[0] = '\0';
	CHECK(store_admin_restore_swap(dir, &r, err, sizeof err) == 0 && r.tmp[0] == '\0' &&
	    files_named("deals.db.restore-") == 0, "the swap puts it in place: %s", err);
	{
		char *restored = snapshot(STORE_DEALS);
		size_t records = 0;

		CHECK(strcmp(restored, live) == 0, "the state is the dumped one, record for record");
		CHECK(store_admin_check(dir, STORE_DEALS, &records, err, sizeof err) == 0 && records == LEADS,
		    "and sound");
		free(restored);
	}
	free(now);

	/* Each refused dump: the live file as it was, no new file left behind. */
	store_put1(dir, STORE_DEALS, "lead:9999", "{\"state\":\"sending\"}");
	now = snapshot(STORE_DEALS);
	{
		static const char *const cases[][3] = {
			/* what, text to find, what it becomes */
			{ "cut before its end", "#:count=200\n# End of data\n", "" },
			{ "cut after its count", "# End of data\n", "" },
			{ "with a count that does not match", "#:count=200\n", "#:count=199\n" },
			{ "with a text that does not decode", "#:len=", "#:len=9" },
			{ "of the tokens file", "deals.db\n", "tokens.db\n" },
		};
		char bad[256], *copy, *at;
		size_t i;

		path_of(bad, sizeof bad, "bad.dump");
		for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			char *after;

			copy = malloc(strlen(text) + 64);
			at = strstr(text, cases[i][1]);
			sprintf(copy, "%.*s%s%s", (int)(at - text), text, cases[i][2], at + strlen(cases[i][1]));
			spill(bad, copy);
			err[0] = '\0';
			CHECK(store_admin_restore_load(dir, STORE_DEALS, bad, &r, err, sizeof err) == -1 &&
			    strstr(err, "not restored, deals.db is left as it was: ") && r.tmp[0] == '\0',
			    "a dump %s is refused: %s", cases[i][0], err);
			after = snapshot(STORE_DEALS);
			CHECK(strcmp(after, now) == 0 && files_named("deals.db.restore-") == 0,
			    "and nothing changed, nothing left behind");
			free(after);
			free(copy);
		}
		CHECK(strstr(err, "it is a dump of tokens.db, not of deals.db") != NULL,
		    "a foreign dump is named as such: %s", err);

		/* A record given twice: the dump was altered. */
		at = strstr(text, "# End of header\n") + strlen("# End of header\n");
		cut = strstr(at, "#:len=");
		cut = strstr(cut + 1, "#:len=");
		cut = strstr(cut + 1, "#:len="); /* after the first record's key and value */
		copy = malloc(2 * strlen(text));
		sprintf(copy, "%.*s%.*s", (int)(cut - text), text, (int)(cut - at), at);
		strcat(copy, cut);
		{
			char *count = strstr(copy, "#:count=200\n");

			memcpy(count, "#:count=201\n", 12);
		}
		spill(bad, copy);
		CHECK(store_admin_restore_load(dir, STORE_DEALS, bad, &r, err, sizeof err) == -1 &&
		    strstr(err, "a key appears twice"), "a dump holding a key twice is refused: %s", err);
		free(copy);
	}
	path_of(tokens_dump, sizeof tokens_dump, "absent.dump");
	CHECK(store_admin_restore_load(dir, STORE_DEALS, tokens_dump, &r, err, sizeof err) == -1 &&
	    strstr(err, "cannot read the dump"), "a dump that is not there is refused: %s", err);
	CHECK(store_admin_restore_load(dir, "nope", dump, &r, err, sizeof err) == -1 &&
	    strstr(err, "unknown state file"), "a restore into an unknown file is refused");
	{
		char *after = snapshot(STORE_DEALS);

		CHECK(strcmp(after, now) == 0 && files_named("deals.db.restore-") == 0,
		    "deals is as it was after every refusal");
		free(after);
	}

	/* Loaded and then dropped: nothing changes. */
	CHECK(store_admin_restore_load(dir, STORE_DEALS, dump, &r, err, sizeof err) == 0, "loaded again");
	store_admin_restore_drop(&r);
	{
		char *after = snapshot(STORE_DEALS);

		CHECK(strcmp(after, now) == 0 && files_named("deals.db.restore-") == 0,
		    "a loaded dump that is dropped changes nothing and leaves nothing");
		free(after);
	}
	free(now);
	free(live);
	free(text);
}

static void
test_prune(void)
{
	char err[512] = "", *left;
	const long long now = 1800000000;

	CHECK(store_admin_prune_seen(dir, now, err, sizeof err) == 0, "nothing to prune in an empty seen store");
	store_put1(dir, STORE_SEEN, "zoho:req1:completed", "1799999999");
	store_put1(dir, STORE_SEEN, "zoho:req2:completed", "1800000000");
	store_put1(dir, STORE_SEEN, "zoho:req3:declined", "1802592000");
	store_put1(dir, STORE_SEEN, "zoho:req4:completed", "1700000000");
	store_put1(dir, STORE_DEALS, "lead:old", "1");
	CHECK(store_admin_prune_seen(dir, now, err, sizeof err) == 2, "prune removes the two expired keys");
	left = snapshot(STORE_SEEN);
	CHECK_STR(left, "zoho:req2:completed=1800000000\nzoho:req3:declined=1802592000\n",
	    "a key expiring now or later is kept");
	free(left);
	CHECK(store_admin_prune_seen(dir, now, err, sizeof err) == 0, "a second prune finds nothing");
	left = NULL;
	CHECK(store_get1(dir, STORE_DEALS, "lead:old", &left) == 0, "other state files are not pruned");
	free(left);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_check_and_recover();
	test_dump_restore();
	test_prune();
	if (fork() == 0)
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
	wait(NULL);
	return CHECK_DONE();
}
