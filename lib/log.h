/*
 * log: one-line diagnostics to stderr, which the web server puts in its error log.
 * Never pass a secret or token to these functions.
 */
#ifndef KZS_LOG_H
#define KZS_LOG_H

void log_init(const char *program);
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
