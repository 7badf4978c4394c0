/*
 * bench_store: see bench_store.h. The configuration is loaded as kzsctl loads it, but
 * with no keys required: the tools only need [state] and [mariadb].
 */
#include "bench_store.h"

#include <stdio.h>
#include <string.h>

#include "config.h"
#include "store.h"

int
bench_store_args(int *argc, char ***argv)
{
	struct config cfg;
	char err[512];
	int rc;

	if (*argc < 3 || strcmp((*argv)[1], "--config") != 0)
		return 0;
	if (config_load((*argv)[2], 0, &cfg, NULL, NULL, err, sizeof err) == -1) {
		fprintf(stderr, "%s: %s\n", (*argv)[0], err);
		return -1;
	}
	rc = store_use(&cfg, err, sizeof err);
	config_free(&cfg);
	if (rc == -1) {
		fprintf(stderr, "%s: %s\n", (*argv)[0], err);
		return -1;
	}
	(*argv)[2] = (*argv)[0];
	*argv += 2;
	*argc -= 2;
	return 0;
}
