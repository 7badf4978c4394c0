/*
 * kzsctl check: prints the preflight's findings, "OK   <what>: <found>" or
 * "FAIL <what>: <the fix>", one a line, on stdout, and exits 1 when any failed. It runs
 * before kzsctl's own start-up refusals (an open config, an unusable state, a newer
 * format), so that it reports those as lines of their own rather than stopping at them.
 */
#include "kzsctl_check.h"

#include <stdio.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "preflight.h"
#include "report.h"

static void
print_line(int ok, const char *what, const char *detail, void *arg)
{
	char w[256], d[4 * 1500];

	(void)arg;
	/* Details may quote Kommo or Zoho: one finding, one line, whatever they said. */
	log_escape(what, w, sizeof w);
	log_escape(detail, d, sizeof d);
	printf("%s %s%s%s\n", ok ? "OK  " : "FAIL", w, d[0] ? ": " : "", d);
	fflush(stdout);
}

int
kzsctl_check(int argc, char **argv)
{
	int offline = argc == 3 && strcmp(argv[2], "--offline") == 0;

	if (argc > 3 || (argc == 3 && !offline)) {
		fprintf(stderr, "usage: kzsctl check [--offline]\n");
		return 2;
	}
	log_init("kzsctl");
	report_every_time();
	http_global_init();
	return preflight_run(NULL, offline, print_line, NULL) == 0 ? 0 : 1;
}
