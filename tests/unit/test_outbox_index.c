/*
 * Unit tests for the outbox's due index (lib/outbox.c) on real GDBM files: a claim reads
 * about as many records with 4,096 jobs queued as with 16; jobs come out in due order;
 * stale entries are dropped; an index left half-changed (a writer killed, a full disk) or
 * damaged is rebuilt from the jobs; a job that cannot be read is set aside, not run, and
 * does not block the others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "outbox.h"
#include "store.h"

static char dir[] = "/tmp/kzs-outbox-index-XXXXXX";

static void
enqueue_n(int first, int n, long long now)
{
	char err[256], subject[32];
	int i;

	for (i = first; i < first + n; i++) {
		snprintf(subject, sizeof subject, "%d", i);
		outbox_enqueue(dir, "send", subject, now, err, sizeof err);
	}
}

/* Gives every queued job its own due time within the next `spread` seconds. */
static void
spread_due(long long now, long spread)
{
	struct outbox_job job;

	while (outbox_claim(dir, now, &job) == 0) {
		outbox_retry(dir, &job, "later", 1 + random() % spread, now);
		outbox_job_free(&job);
	}
}

/* Records read and written by one claim (and its retry, so the job stays queued). */
static unsigned long
claim_cost(long long now)
{
	unsigned long r0, w0, r1, w1;
	struct outbox_job job;
	int rc;

	store_touched(&r0, &w0);
	rc = outbox_claim(dir, now, &job);
	store_touched(&r1, &w1);
	if (rc == 0) {
		outbox_retry(dir, &job, "again", 0, now);
		outbox_job_free(&job);
	}
	return rc == 0 ? (r1 - r0) + (w1 - w0) : 0;
}

static int
index_sound(struct outbox_index_report *r)
{
	char err[256];

	return outbox_index_check(dir, r, err, sizeof err) == 0;
}

static void
empty_queue(long long now)
{
	struct outbox_job job;

	while (outbox_claim(dir, now, &job) == 0) {
		outbox_done(dir, &job, now);
		outbox_job_free(&job);
	}
}

int
main(void)
{
	struct outbox_index_report rep;
	struct outbox_job job;
	char err[256];
	long long now = 2000000, last;
	unsigned long small, big;
	int i, in_order, claimed;

	if (mkdtemp(dir) == NULL)
		return 1;

	/* The cost of a claim does not grow with the queue (each job due at its own time). */
	enqueue_n(1, 16, now);
	spread_due(now, 100000);
	small = claim_cost(now + 100000);
	empty_queue(now + 100000);
	enqueue_n(1, 4096, now);
	spread_due(now, 100000);
	big = claim_cost(now + 100000);
	printf("# records touched by one claim: %lu with 16 jobs, %lu with 4,096\n", small, big);
	CHECK(small > 0 && big > 0, "both claims found a job");
	CHECK(big <= 4 * 12 + 40, "a claim with 4,096 jobs reads and writes O(log N) records (%lu)", big);
	CHECK(index_sound(&rep) && rep.runnable == 4096, "the index matches the 4,096 jobs");
	empty_queue(now + 100000);
	CHECK(index_sound(&rep) && rep.entries == 0 && rep.runnable == 0, "emptied: no entry left behind");

	/* Due order: jobs put back with random delays come out earliest first. */
	enqueue_n(1, 300, now);
	for (i = 0; i < 300 && outbox_claim(dir, now, &job) == 0; i++) {
		outbox_retry(dir, &job, "later", random() % 5000, now);
		outbox_job_free(&job);
	}
	CHECK(index_sound(&rep), "300 jobs waiting at random times: the index is sound");
	in_order = 1;
	last = 0;
	for (claimed = 0; outbox_claim(dir, now + 10000, &job) == 0; claimed++) {
		in_order &= job.next_at >= last;
		last = job.next_at;
		outbox_done(dir, &job, now + 10000);
		outbox_job_free(&job);
	}
	CHECK(claimed == 300 && in_order, "all 300 claimed once, earliest due first (%d)", claimed);

	/* Stale entries: a merge that makes a waiting job due now leaves its old entry. */
	enqueue_n(1, 1, now);
	CHECK(outbox_claim(dir, now, &job) == 0, "claimed");
	outbox_put_back(dir, &job, "not now", now + 100); /* entry at now + 100 */
	outbox_job_free(&job);
	enqueue_n(1, 1, now + 50); /* no attempt counted: due now + 50, a second entry */
	CHECK(outbox_due(dir, now + 49) == 0 && outbox_due(dir, now + 50) == 1, "the merge moved it earlier");
	CHECK(outbox_claim(dir, now + 200, &job) == 0, "claimed at its new time");
	outbox_job_free(&job);
	CHECK(outbox_claim(dir, now + 200, &job) != 0 || (outbox_job_free(&job), 0), "the stale entry claims nothing");
	empty_queue(now + 300);

	/* A writer killed halfway leaves the index "changing" and an entry missing. */
	enqueue_n(1, 50, now);
	store_put1(dir, STORE_OUTBOX, "#index", "changing");
	CHECK(!index_sound(&rep), "kzsctl check sees the half-changed index");
	store_put1(dir, STORE_OUTBOX, "#index", "clean");
	{
		struct store *s;

		if (store_begin(dir, STORE_OUTBOX, 1, &s, err, sizeof err) == 0) {
			store_delete(s, "#h0");
			store_put(s, "#index", "changing");
			store_commit(s);
		}
	}
	for (claimed = 0; outbox_claim(dir, now, &job) == 0; claimed++) {
		outbox_done(dir, &job, now);
		outbox_job_free(&job);
	}
	CHECK(claimed == 50, "rebuilt from the jobs: all 50 claimed (%d)", claimed);

	/* A queue from before the index: no index records at all. Not damaged: the next
	 * change builds it. */
	enqueue_n(1, 5, now);
	{
		struct store *s;
		char name[32];

		if (store_begin(dir, STORE_OUTBOX, 1, &s, err, sizeof err) == 0) {
			for (i = 0; i < 5; i++) {
				snprintf(name, sizeof name, "#h%d", i);
				store_delete(s, name);
			}
			store_delete(s, "#n");
			store_delete(s, "#leased");
			store_delete(s, "#index");
			store_commit(s);
		}
	}
	CHECK(outbox_index_check(dir, &rep, err, sizeof err) == 0 && rep.not_built && rep.runnable == 5,
	    "a queue from before the index: not damaged, not built yet, 5 jobs waiting");
	for (claimed = 0; outbox_claim(dir, now, &job) == 0; claimed++) {
		outbox_done(dir, &job, now);
		outbox_job_free(&job);
	}
	CHECK(claimed == 5 && index_sound(&rep) && !rep.not_built, "the first claim built it: all 5 ran (%d)",
	    claimed);

	/* A damaged index found by the check, rebuilt by the admin. */
	enqueue_n(1, 20, now);
	store_put1(dir, STORE_OUTBOX, "#h3", "garbage");
	CHECK(outbox_index_check(dir, &rep, err, sizeof err) == -1, "a garbled entry is found: %s", err);
	CHECK(outbox_index_rebuild(dir, err, sizeof err) == 0 && index_sound(&rep) && rep.runnable == 20,
	    "kzsctl recover builds it again");
	empty_queue(now);

	/* An undecodable job is set aside and does not block the queue. */
	enqueue_n(1, 3, now);
	store_put1(dir, STORE_OUTBOX, "send:2", "{\"kind\": \"send\", \"gen\": ");
	for (claimed = 0; outbox_claim(dir, now, &job) == 0; claimed++) {
		CHECK(strcmp(job.key, "send:2") != 0, "the unreadable job is not run");
		outbox_done(dir, &job, now);
		outbox_job_free(&job);
	}
	CHECK(claimed == 2, "the other two ran (%d)", claimed);
	CHECK(index_sound(&rep) && rep.set_aside == 1 && strcmp(rep.first_aside, "#aside:send:2") == 0,
	    "kzsctl check lists it as set aside (%zu)", rep.set_aside);

	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return CHECK_DONE();
}
