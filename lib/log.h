/*
 * log: one-line diagnostics to stderr, which the web server puts in its error log.
 * Never pass a secret or token to these functions.
 */
#ifndef KZS_LOG_H
#define KZS_LOG_H

#include <stddef.h>

void log_init(const char *program);
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
