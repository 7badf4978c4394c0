/*
 * kzsctl: the operator's tool. "drain" runs queued jobs now (the cron line),
 * "jobs" lists the queue, "retry" makes every queued job due now, "reconcile" asks
 * Zoho about requests in flight, "authorize-url" prints the address that connects
 * Zoho Sign (or Kommo) in a browser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "drain.h"
#include "oauth_start.h"
#include "outbox.h"
#include "program.h"
#include "reconcile.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: kzsctl drain      run due jobs now (put this in cron every few minutes)\n"
	    "       kzsctl jobs       list queued jobs\n"
	    "       kzsctl retry      make every queued job due now, given-up (DEAD) ones too\n"
	    "       kzsctl reconcile [MINUTES]\n"
	    "                         ask Zoho about every request in flight for at least\n"
	    "                         MINUTES (default 60) and bring back outcomes whose\n"
	    "                         webhook never came (cron, hourly)\n"
	    "       kzsctl authorize-url [zoho|kommo]\n"
	    "                         print the address that connects Zoho Sign (or Kommo);\n"
	    "                         open it in a browser within 10 minutes, once\n"
	    "The configuration is $KZS_CONFIG, else ~/kzs/kzs.conf.\n");
}

static void
print_job(const struct job *job, void *arg)
{
	long long now = *(const long long *)arg;

	printf("%-24s %sattempts=%d due_in=%llds%s%s\n", job->key, job->dead ? "DEAD " : "", job->attempts,
	    job->next_at > now ? job->next_at - now : 0LL,
	    job->last_error[0] ? " last_error=" : "", job->last_error);
}

static int
reconcile(const struct config *cfg, const char *minutes)
{
	struct reconcile_counts counts;
	char *end = NULL;
	long m = minutes ? strtol(minutes, &end, 10) : 60;

	if (minutes && (*end != '\0' || m < 0 || m > 525600)) {
		usage();
		return 2;
	}
	if (reconcile_run(cfg, m * 60, &counts) == -1)
		return 1;
	printf("checked %d request(s), queued %d outcome(s), %d could not be checked now\n",
	    counts.checked, counts.queued, counts.failed);
	return 0;
}

static int
authorize_url(const struct config *cfg, const char *provider)
{
	char err[256], *url = NULL;

	if (strcmp(provider, "zoho") != 0 && strcmp(provider, "kommo") != 0) {
		usage();
		return 2;
	}
	if (oauth_start_url(cfg, provider, &url, err, sizeof err) == -1) {
		fprintf(stderr, "kzsctl: %s\n", err);
		return 1;
	}
	printf("%s\n", url);
	free(url);
	return 0;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	long long now = (long long)time(NULL);
	int rc = 0;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && strcmp(argv[1], "authorize-url") != 0 && strcmp(argv[1], "reconcile") != 0)) {
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
	} else if (strcmp(argv[1], "reconcile") == 0) {
		rc = reconcile(&cfg, argc == 3 ? argv[2] : NULL);
	} else if (strcmp(argv[1], "authorize-url") == 0) {
		rc = authorize_url(&cfg, argc == 3 ? argv[2] : "zoho");
	} else {
		usage();
		rc = 2;
	}
	config_free(&cfg);
	return rc;
}
