/*
 * kzsctl: the operator's tool. "drain" runs queued jobs now (the cron line),
 * "jobs" lists the queue, "retry" makes every queued job due now.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "drain.h"
#include "outbox.h"
#include "program.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: kzsctl drain      run due jobs now (put this in cron every few minutes)\n"
	    "       kzsctl jobs       list queued jobs\n"
	    "       kzsctl retry      make every queued job due now\n"
	    "The configuration is $KZS_CONFIG, else ~/kzs/kzs.conf.\n");
}

static void
print_job(const struct job *job, void *arg)
{
	long long now = *(const long long *)arg;

	printf("%-24s attempts=%d due_in=%llds%s%s\n", job->key, job->attempts,
	    job->next_at > now ? job->next_at - now : 0LL,
	    job->last_error[0] ? " last_error=" : "", job->last_error);
}

int
main(int argc, char **argv)
{
	struct config cfg;
	long long now = (long long)time(NULL);
	int rc = 0;

	if (argc != 2) {
		usage();
		return 2;
	}
	if (program_start("kzsctl", 0, &cfg) == -1)
		return 1;
	if (strcmp(argv[1], "drain") == 0) {
		printf("ran %d job(s)\n", drain_run(&cfg, 300));
	} else if (strcmp(argv[1], "jobs") == 0) {
		rc = outbox_list(cfg.state_dir, print_job, &now) == -1;
	} else if (strcmp(argv[1], "retry") == 0) {
		int n = outbox_make_all_due(cfg.state_dir, now);

		rc = n < 0;
		if (n >= 0)
			printf("%d job(s) due now\n", n);
	} else {
		usage();
		rc = 2;
	}
	config_free(&cfg);
	return rc;
}
