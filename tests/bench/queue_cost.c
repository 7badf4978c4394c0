/*
 * queue_cost [--config FILE] DIR [ROUNDS]: in the outbox of the state directory DIR (or
 * of the store FILE names: bench_store.h), ROUNDS times (1 when not given): queues one
 * new job (what kommo-hook does for a webhook), claims the next due job and ends it as
 * done (what a drain does around each job). Prints "<records read> <records written>
 * <microseconds>" for the enqueue, then the claim, then the done: the records of the
 * first round, the median time over the rounds. make bench runs it on copies of queues
 * of different lengths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_store.h"
#include "outbox.h"
#include "store.h"

#define ROUNDS_MAX 1000

enum { ENQUEUE, CLAIM, DONE, STEPS };

struct cost {
	unsigned long reads, writes;
	long long usec;
};

static long long
usec_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
cost_start(struct cost *c)
{
	store_touched(&c->reads, &c->writes);
	c->usec = usec_now();
}

static void
cost_end(struct cost *c)
{
	unsigned long reads, writes;

	store_touched(&reads, &writes);
	c->reads = reads - c->reads;
	c->writes = writes - c->writes;
	c->usec = usec_now() - c->usec;
}

static int
usec_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* One round; 0, or -1 after saying what failed. */
static int
round_once(const char *dir, int round, struct cost cost[STEPS])
{
	struct outbox_job job;
	char subject[32], err[256];
	long long now = (long long)time(NULL);
	int rc;

	snprintf(subject, sizeof subject, "queue-cost-%d", round);
	cost_start(&cost[ENQUEUE]);
	rc = outbox_enqueue(dir, "send", subject, now, err, sizeof err);
	cost_end(&cost[ENQUEUE]);
	if (rc == -1) {
		fprintf(stderr, "queue_cost: the enqueue failed: %s\n", err);
		return -1;
	}
	cost_start(&cost[CLAIM]);
	rc = outbox_claim(dir, now, &job);
	cost_end(&cost[CLAIM]);
	if (rc != 0) {
		fprintf(stderr, "queue_cost: %s\n", rc == 1 ? "no job was due" : "the claim failed");
		return -1;
	}
	cost_start(&cost[DONE]);
	rc = outbox_done(dir, &job, now);
	cost_end(&cost[DONE]);
	outbox_job_free(&job);
	if (rc == -1) {
		fprintf(stderr, "queue_cost: the done failed\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static long long usec[STEPS][ROUNDS_MAX];
	struct cost first[STEPS], cost[STEPS];
	struct store *s;
	char err[256];
	int rounds = 1, i, step;

	if (bench_store_args(&argc, &argv) == -1)
		return 1;
	if (argc == 3)
		rounds = atoi(argv[2]);
	if (argc < 2 || argc > 3 || rounds < 1 || rounds > ROUNDS_MAX) {
		fprintf(stderr, "usage: queue_cost [--config FILE] STATE_DIR [ROUNDS, 1 to %d]\n", ROUNDS_MAX);
		return 2;
	}
	/* A read first: a database connection is made (and checked) before any measuring. */
	if (store_begin(argv[1], STORE_OUTBOX, 0, &s, err, sizeof err) == -1) {
		fprintf(stderr, "queue_cost: %s\n", err);
		return 1;
	}
	store_abort(s);
	for (i = 0; i < rounds; i++) {
		if (round_once(argv[1], i, i == 0 ? first : cost) == -1)
			return 1;
		for (step = 0; step < STEPS; step++)
			usec[step][i] = (i == 0 ? first : cost)[step].usec;
	}
	for (step = 0; step < STEPS; step++) {
		qsort(usec[step], (size_t)rounds, sizeof usec[step][0], usec_cmp);
		printf("%s%lu %lu %lld", step ? " " : "", first[step].reads, first[step].writes,
		    usec[step][rounds / 2]);
	}
	printf("\n");
	return 0;
}
