/*
 * log: one-line diagnostics to stderr, which the web server puts in its error log, or
 * to the file named by [log] file. Never pass a secret or token to these functions.
 */
#ifndef KZS_LOG_H
#define KZS_LOG_H

#include <stddef.h>

void log_init(const char *program);

/*
 * Sends the log lines to path from now on (opened O_APPEND, created 0600 if absent),
 * or back to stderr when path is NULL. Reopens only when path differs from the file in
 * use. -1 when the file cannot be opened: err says which and why, and the lines go
 * to stderr.
 */
int log_use_file(const char *path, char *err, size_t errlen);
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Copies in to out (outlen bytes, always terminated): a backslash doubled, newline,
 * CR and tab as \n \r \t, other control bytes (DEL too) as \xHH, so that text from
 * outside can neither start a line of its own nor send terminal escapes, and the
 * escaping reads back unambiguously. Cut before an escape that would not fit. Every
 * log line goes through it.
 */
void log_escape(const char *in, char *out, size_t outlen);

#endif
