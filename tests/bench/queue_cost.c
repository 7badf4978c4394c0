/*
 * queue_cost DIR: queues one new job, then claims the next due job, in the outbox of
 * the state directory DIR, and prints what each cost: "<records read> <records written>
 * <microseconds>" for the enqueue (what kommo-hook does for a webhook), then the same
 * for the claim (what a drain does before each job). make bench runs it on copies of
 * queues of different lengths.
 */
#include <stdio.h>
#include <time.h>

#include "outbox.h"
#include "store.h"

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

int
main(int argc, char **argv)
{
	struct cost enqueue, claim;
	struct outbox_job job;
	char err[256];
	long long now = (long long)time(NULL);
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: queue_cost STATE_DIR\n");
		return 2;
	}
	cost_start(&enqueue);
	rc = outbox_enqueue(argv[1], "send", "queue-cost", now, err, sizeof err);
	cost_end(&enqueue);
	if (rc == -1) {
		fprintf(stderr, "queue_cost: the enqueue failed: %s\n", err);
		return 1;
	}
	cost_start(&claim);
	rc = outbox_claim(argv[1], now, &job);
	cost_end(&claim);
	if (rc != 0) {
		fprintf(stderr, "queue_cost: %s\n", rc == 1 ? "no job was due" : "the claim failed");
		return 1;
	}
	outbox_job_free(&job);
	printf("%lu %lu %lld %lu %lu %lld\n", enqueue.reads, enqueue.writes, enqueue.usec,
	    claim.reads, claim.writes, claim.usec);
	return 0;
}
