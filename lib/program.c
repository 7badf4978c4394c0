/*
 * program: the start-up every program shares.
 */
#include "program.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"

static void
program_config_warning(const char *file, int line, const char *message, void *arg)
{
	(void)arg;
	if (line > 0)
		log_warn("%s:%d: %s", file, line, message);
	else
		log_warn("%s: %s", file, message);
}

int
program_start(const char *name, unsigned needs, struct config *cfg)
{
	char err[512];

	log_init(name);
	if (config_load(NULL, needs, cfg, program_config_warning, NULL, err, sizeof err) == -1) {
		log_err("%s", err);
		return -1;
	}
	http_global_init();
	srandom((unsigned)(time(NULL) ^ getpid()));
	return 0;
}
