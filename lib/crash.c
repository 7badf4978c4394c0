/*
 * crash: only compiled into the test build; see crash.h.
 */
#include "crash.h"

#ifdef KZS_CRASH_POINTS
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

void
crash_point(const char *name)
{
	const char *at = getenv("KZS_CRASH_AT");

	if (at != NULL && strcmp(at, name) == 0) {
		log_warn("crash point %s: dying here (test build)", name);
		kill(getpid(), SIGKILL);
	}
}
#else
/* ISO C wants something in every translation unit. */
typedef int crash_points_are_off;
#endif
