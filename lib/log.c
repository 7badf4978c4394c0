/*
 * log: one line per event on stderr, prefixed with the program name and pid so that
 * lines from several FastCGI processes in one error log can be told apart. Messages
 * carry names and errors from Kommo and Zoho: control characters are escaped so that
 * a value from outside can never forge a line.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_program = "kzs";

void
log_init(const char *program)
{
	log_program = program;
}

void
log_escape(const char *in, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return;
	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;
		char esc[8];
		size_t n;

		if (c == '\\')
			n = (size_t)snprintf(esc, sizeof esc, "\\\\");
		else if (c == '\n' || c == '\r' || c == '\t')
			n = (size_t)snprintf(esc, sizeof esc, "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
		else if (c < 0x20 || c == 0x7f)
			n = (size_t)snprintf(esc, sizeof esc, "\\x%02x", c);
		else {
			esc[0] = (char)c;
			n = 1;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, esc, n);
		o += n;
	}
	out[o] = '\0';
}

static void
log_line(const char *level, const char *fmt, va_list ap)
{
	char msg[1024], safe[4 * sizeof msg];
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	vsnprintf(msg, sizeof msg, fmt, ap);
	log_escape(msg, safe, sizeof safe);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* One fprintf keeps the line whole when processes share the log. */
	fprintf(stderr, "%s %s[%ld] %s: %s\n", stamp, log_program, (long)getpid(), level, safe);
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
