/*
 * queue_fill [--config FILE] DIR FIRST COUNT: queues a send job for each of the leads
 * FIRST .. FIRST+COUNT-1 in the outbox of the state directory DIR (or of the store FILE
 * names: bench_store.h), as kommo-hook would for a bulk move, but without the web server
 * in between, so that make bench can fill a queue of 100,000 jobs in seconds. Lead L
 * becomes due (FILL_END - L) seconds ago: every job is due, the lower lead the more
 * overdue, so a drain takes them in lead order, across several fills of the same queue
 * too. Leads are below FILL_END (200,001): from 100,001 on, they are due between 28
 * hours and a second ago, within [limits] give_up_hours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_store.h"
#include "outbox.h"

#define FILL_END 200001LL

int
main(int argc, char **argv)
{
	char subject[32], err[256];
	long long first, count, i, now = (long long)time(NULL);

	if (bench_store_args(&argc, &argv) == -1)
		return 1;
	if (argc != 4 || (first = atoll(argv[2])) <= 0 || (count = atoll(argv[3])) < 0 ||
	    first + count > FILL_END) {
		fprintf(stderr, "usage: queue_fill [--config FILE] STATE_DIR FIRST_LEAD COUNT (leads below %lld)\n", FILL_END);
		return 2;
	}
	for (i = 0; i < count; i++) {
		snprintf(subject, sizeof subject, "%lld", first + i);
		if (outbox_enqueue(argv[1], "send", subject, now - (FILL_END - (first + i)), err, sizeof err) == -1) {
			fprintf(stderr, "queue_fill: lead %s: %s\n", subject, err);
			return 1;
		}
	}
	return 0;
}
