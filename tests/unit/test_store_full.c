/*
 * Unit tests for state files that cannot grow (a file size limit stands in for a full
 * disk): every change is refused before GDBM writes, the records there stay whole, and a
 * once-only write whose "tried" flag cannot be recorded is not attempted.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diskfull.h"
#include "job.h"
#include "store.h"
#include "store_admin.h"

static int writes;

static void
look_none(const struct config *cfg, const void *arg, int *done, struct remote_result *rr)
{
	(void)cfg;
	(void)arg;
	*done = 0;
	memset(rr, 0, sizeof *rr);
	rr->outcome = REMOTE_OK;
}

static void
write_one(const struct config *cfg, const void *arg, struct remote_result *rr)
{
	(void)cfg;
	(void)arg;
	writes++;
	memset(rr, 0, sizeof *rr);
	rr->outcome = REMOTE_OK;
}

/* How many of the records k0..k(n-1) hold their value v<i>. */
static int
records_whole(const char *dir, int n)
{
	char key[32], want[64], *val;
	int i, whole = 0;

	for (i = 0; i < n; i++) {
		snprintf(key, sizeof key, "k%d", i);
		snprintf(want, sizeof want, "value %d of a record that was acknowledged", i);
		if (store_get1(dir, STORE_DEALS, key, &val) == 0 && strcmp(val, want) == 0)
			whole++;
		free(val);
	}
	return whole;
}

int
main(void)
{
	char dir[] = "/tmp/kzs-full-XXXXXX", key[32], val[128], err[512];
	struct config cfg;
	struct outbox_job job;
	struct job_result res = { 0 };
	const struct job_write w = { look_none, write_one, NULL, "none" };
	size_t records = 0;
	int i, refused = 0;

	if (mkdtemp(dir) == NULL)
		return 1;
	signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG instead */
	for (i = 0; i < 300; i++) {
		snprintf(key, sizeof key, "k%d", i);
		snprintf(val, sizeof val, "value %d of a record that was acknowledged", i);
		store_put1(dir, STORE_DEALS, key, val);
	}
	CHECK(records_whole(dir, 300) == 300, "300 records stored");

	freeze(dir, STORE_DEALS);
	for (i = 0; i < 300; i++) {
		snprintf(key, sizeof key, "k%d", i % 2 ? i : 1000 + i); /* rewrites and new records */
		snprintf(val, sizeof val, "a longer value %d that needs more room than the one before", i);
		refused += store_put1(dir, STORE_DEALS, key, val) == -1;
	}
	thaw();
	CHECK(refused == 300, "every change is refused while the file cannot grow (%d of 300)", refused);
	CHECK(store_admin_check(dir, STORE_DEALS, &records, err, sizeof err) == 0 && records == 300,
	    "the file reads through, with its 300 records (%zu)", records);
	CHECK(records_whole(dir, 300) == 300, "each record holds what was stored before");
	CHECK(store_put1(dir, STORE_DEALS, "k1", "changed") == 0, "with room again, changes go through");

	freeze(dir, STORE_CACHE); /* absent: no file may grow at all */
	CHECK(store_put1(dir, STORE_CACHE, "k", "v") == -1, "a new state file is refused on a full disk");
	thaw();
	CHECK(store_admin_check(dir, STORE_CACHE, &records, err, sizeof err) == 0 && records == 0,
	    "...and kzsctl check finds it empty, not damaged");
	CHECK(store_put1(dir, STORE_CACHE, "k", "v") == 0, "with room again it is written");

	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = dir;
	CHECK(outbox_enqueue(dir, "send", "1001", 1000, err, sizeof err) == 0 && outbox_claim(dir, 1000, &job) == 0,
	    "a job is claimed");
	freeze(dir, STORE_OUTBOX);
	CHECK(job_write_once(&cfg, &job, "noted", &w, &res) == -1 && res.done == 0,
	    "the step fails when its tried flag cannot be recorded");
	thaw();
	CHECK(writes == 0, "...and the write is not attempted (%d writes)", writes);
	/* The process holds remote writes for a while (http.c); the step itself runs again now. */
	CHECK(job_write_once(&cfg, &job, "noted", &w, &res) == 0 && writes == 1,
	    "with room again the step writes once");
	outbox_job_free(&job);
	snprintf(val, sizeof val, "rm -rf %s", dir);
	if (system(val) != 0)
		return 1;
	return CHECK_DONE();
}
