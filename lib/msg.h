/*
 * msg: building the one-line error messages the parsers return. Pure, no I/O, so the
 * parsers stay fuzzable on their own.
 */
#ifndef KZS_MSG_H
#define KZS_MSG_H

#include <stddef.h>

/* vsnprintf into err; does nothing when err is NULL or errlen is 0. */
void msg_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Copies at most max bytes of s (len bytes, not necessarily NUL-terminated) into buf
 * for a message, each byte that is not printable ASCII replaced by '?' so hostile input
 * cannot forge log lines or send terminal escapes; "..." marks a cut. buf needs max + 4
 * bytes; returns buf ("" when it is too small).
 */
const char *msg_printable(const char *s, size_t len, size_t max, char *buf, size_t buflen);

#endif
