/*
 * log: one line per event on stderr (or the [log] file), prefixed with the program
 * name and pid so that lines from several FastCGI processes in one log can be told
 * apart. Messages carry names and errors from Kommo and Zoho: control characters are
 * escaped so that a value from outside can never forge a line.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"

static const char *progname = "kzs";
static int file_fd = -1;        /* the [log] file, or -1 for stderr */
static char *file_path;         /* its name, to reopen only when it changes */

void
log_init(const char *program)
{
	progname = program;
}

static void
to_stderr(void)
{
	if (file_fd >= 0)
		close(file_fd);
	file_fd = -1;
	free(file_path);
	file_path = NULL;
}

int
log_use_file(const char *path, char *err, size_t errlen)
{
	char *name;
	int fd;

	if (path == NULL) {
		to_stderr();
		return 0;
	}
	if (file_path != NULL && strcmp(path, file_path) == 0)
		return 0;
	/* O_APPEND: each line's one write lands whole at the end, whoever else writes. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0 || (name = strdup(path)) == NULL) {
		msg_set(err, errlen, "[log] file %s: cannot open it: %s; logging to stderr", path,
		    strerror(fd < 0 ? errno : ENOMEM));
		if (fd >= 0)
			close(fd);
		to_stderr();
		return -1;
	}
	to_stderr();
	file_fd = fd;
	file_path = name;
	return 0;
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
write_line(const char *level, const char *fmt, va_list ap)
{
	char msg[1024], safe[4 * sizeof msg], line[sizeof safe + 256];
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int fd = file_fd >= 0 ? file_fd : STDERR_FILENO, n;
	size_t len, off = 0;

	vsnprintf(msg, sizeof msg, fmt, ap);
	log_escape(msg, safe, sizeof safe);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(line, sizeof line, "%s %.64s[%ld] %s: %s\n", stamp, progname, (long)getpid(),
	    level, safe);
	if (n < 0)
		return;
	len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
	/* One write keeps the line whole when processes share the log. */
	while (off < len) {
		ssize_t w = write(fd, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

#define LOG_FN(name, level)                  \
	void name(const char *fmt, ...)      \
	{                                    \
		va_list ap;                  \
		va_start(ap, fmt);           \
		write_line(level, fmt, ap);    \
		va_end(ap);                  \
	}

LOG_FN(log_err, "error")
LOG_FN(log_warn, "warning")
LOG_FN(log_info, "info")
