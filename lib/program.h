/*
 * program: the start-up every program shares: logging name, configuration (with its
 * warnings logged), libcurl and the random seed for backoff jitter; and picking up an
 * edited configuration without a restart.
 */
#ifndef KZS_PROGRAM_H
#define KZS_PROGRAM_H

#include "config.h"

/* Returns 0, or -1 after logging why the program cannot run. */
int program_start(const char *name, unsigned needs, struct config *cfg);

/*
 * Re-reads the configuration when its file changed since it was read. A changed file
 * that does not load is logged and the previous configuration kept.
 */
void program_config_refresh(struct config *cfg);

#endif
