/*
 * claim_cost DIR: claims the next due job in the outbox of the state directory DIR once
 * and prints what it cost: "<records read> <records written> <microseconds>". make bench
 * runs it on copies of queues of different lengths.
 */
#include <stdio.h>
#include <time.h>

#include "outbox.h"
#include "store.h"

static long long
usec_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
main(int argc, char **argv)
{
	unsigned long reads0, writes0, reads, writes;
	struct job job;
	long long start, took;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: claim_cost STATE_DIR\n");
		return 2;
	}
	store_touched(&reads0, &writes0);
	start = usec_now();
	rc = outbox_claim(argv[1], (long long)time(NULL), &job);
	took = usec_now() - start;
	store_touched(&reads, &writes);
	if (rc != 0) {
		fprintf(stderr, "claim_cost: %s\n", rc == 1 ? "no job was due" : "the claim failed");
		return 1;
	}
	job_free(&job);
	printf("%lu %lu %lld\n", reads - reads0, writes - writes0, took);
	return 0;
}
