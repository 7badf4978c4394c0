/* libFuzzer target for config_parse: any text must parse or be refused without a crash or leak. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
ignore_warning(const char *file, int line, const char *message, void *arg)
{
	(void)file;
	(void)line;
	(void)message;
	(void)arg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[512];

	if (config_parse((const char *)data, size, "fuzz.conf", &cfg, ignore_warning, NULL,
	    err, sizeof err) == 0)
		config_free(&cfg);
	return 0;
}
