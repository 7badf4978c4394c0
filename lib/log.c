/*
 * log: one line per event on stderr, prefixed with the program name and pid so that
 * lines from several FastCGI processes in one error log can be told apart.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static const char *log_program = "kzs";

void
log_init(const char *program)
{
	log_program = program;
}

static void
log_line(const char *level, const char *fmt, va_list ap)
{
	char msg[1024];
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	vsnprintf(msg, sizeof msg, fmt, ap);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One fprintf keeps the line whole when processes share the log. */
	fprintf(stderr, "%s %s[%ld] %s: %s\n", stamp, log_program, (long)getpid(), level, msg);
	fflush(stderr);
}

#define LOG_FN(name, level)                  \
	void name(const char *fmt, ...)      \
	{                                    \
		va_list ap;                  \
		va_start(ap, fmt);           \
		log_line(level, fmt, ap);    \
		va_end(ap);                  \
	}

LOG_FN(log_err, "error")
LOG_FN(log_warn, "warning")
LOG_FN(log_info, "info")
