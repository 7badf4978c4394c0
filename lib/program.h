/*
 * program: the start-up every program shares: logging name, configuration (with its
 * warnings logged), libcurl and the random seed for backoff jitter; picking up an
 * edited configuration without a restart; refusing to work while secrets lie open or
 * the state is in a format this build does not know.
 */
#ifndef KZS_PROGRAM_H
#define KZS_PROGRAM_H

#include <stddef.h>

#include "config.h"

struct web_request;

/* Returns 0, or -1 after logging why the program cannot run. */
int program_start(const char *name, unsigned needs, struct config *cfg);

/*
 * Re-reads the configuration when its file changed since it was read. A changed file
 * that does not load is logged and the previous configuration kept.
 */
void program_config_refresh(struct config *cfg);

/*
 * 0 when the config file is closed to group and others and the state directory is
 * writable by its owner only; else -1 after logging (once a minute) the chmod that fixes it.
 */
int program_private(const struct config *cfg);

/* 0 when the config file at path is its owner's alone (or gone since it was read: the
 * next refresh says so); else -1 with the chmod that fixes it in err. */
int program_config_private(const char *path, char *err, size_t errlen);

/*
 * 0 when this build can use the state folder's format (state_format_use: an older one
 * is upgraded); else -1 after logging why (once a minute), with the reason to answer a
 * remote with in reason (a newer format: install the newer build or restore a dump).
 */
int program_state_usable(const struct config *cfg, char *reason, size_t len);

/*
 * What every request starts with: program_config_refresh, program_private, then
 * program_state_usable. -1 after answering 503 when the program must not serve now.
 */
int program_request_begin(struct config *cfg, struct web_request *req);

#endif
