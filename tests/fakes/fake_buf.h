/*
 * fake_buf: a growable byte buffer for the fakes (bodies, log lines, PDF and ZIP bytes).
 * Running out of memory ends the fake: it is a test tool, and a half answer is worse.
 */
#ifndef FAKE_BUF_H
#define FAKE_BUF_H

#include <stddef.h>

struct fbuf {
	char *data; /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
};

void fbuf_add(struct fbuf *b, const void *data, size_t len);
void fbuf_adds(struct fbuf *b, const char *s);
void fbuf_addf(struct fbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fbuf_reset(struct fbuf *b);
void fbuf_free(struct fbuf *b);

#endif
