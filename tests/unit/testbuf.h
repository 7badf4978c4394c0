/*
 * testbuf: a growing string buffer for the bodies unit tests generate.
 */
#ifndef KZS_TESTBUF_H
#define KZS_TESTBUF_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct buf {
	char *s;
	size_t len, cap;
};

static inline void buf_add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends printf output; aborts when out of memory (a test cannot go on). */
static inline void
buf_add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->s == NULL) {
		b->cap = 4096;
		b->s = malloc(b->cap);
		if (b->s == NULL)
			abort();
	}
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len)
			break;
		b->cap = b->cap * 2 + (size_t)n + 64;
		b->s = realloc(b->s, b->cap);
		if (b->s == NULL)
			abort();
	}
	b->len += (size_t)n;
}

#endif
