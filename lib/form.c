/*
 * form: application/x-www-form-urlencoded bodies and query strings, decoded in one
 * linear pass into a single allocation (the pair array followed by the string bytes).
 */
#include "form.h"
#include "msg.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest key shown in an error message; the rest becomes "...". */
#define FORM_SHOW_MAX 60

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes src[0..len) into dst (which has room for len + 1 bytes) and NUL-terminates
 * it. Returns the decoded length, or -1 for a bad escape, -2 for a NUL byte.
 */
static long
decode(const char *src, size_t len, char *dst)
{
	size_t i = 0, o = 0;

	while (i < len) {
		unsigned char c = (unsigned char)src[i];
		if (c == '%') {
			int hi, lo;
			if (len - i < 3)
				return -1;
			hi = hexval((unsigned char)src[i + 1]);
			lo = hexval((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi * 16 + lo);
			if (c == 0)
				return -2;
			i += 3;
		} else {
			if (c == '\0')
				return -2;
			if (c == '+')
				c = ' ';
			i++;
		}
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return (long)o;
}

int
form_parse(const char *body, size_t len, struct form *out, char *err, size_t errlen)
{
	char shown[FORM_SHOW_MAX + 4];
	size_t i, nseg = 0, npair = 0, pairbytes, total;
	const char *p, *end;
	char *strings;
	struct form_pair *pairs;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL)
		return -1;
	out->pairs = NULL;
	out->n = 0;
	if (body == NULL || len == 0)
		return 0;

	/* An upper bound on the pairs: one per '&'-separated segment. */
	nseg = 1;
	for (i = 0; i < len; i++)
		if (body[i] == '&')
			nseg++;

	/* Each segment decodes to at most its own length plus two terminating NULs. */
	/* nseg <= len + 1, so this keeps the size arithmetic below from overflowing. */
	if (len > SIZE_MAX / 64) {
		msg_set(err, errlen, "form too large (%zu bytes)", len);
		return -1;
	}
	pairbytes = nseg * sizeof *pairs;
	total = pairbytes + len + 2 * nseg;
	pairs = malloc(total);
	if (pairs == NULL) {
		msg_set(err, errlen, "out of memory for a %zu-byte form", len);
		return -1;
	}
	strings = (char *)pairs + pairbytes;

	p = body;
	end = body + len;
	while (p < end) {
		const char *seg = p, *amp, *eq, *kend, *v;
		size_t seglen, klen, vlen;
		long kn, vn;

		amp = memchr(p, '&', (size_t)(end - p));
		seglen = amp ? (size_t)(amp - seg) : (size_t)(end - seg);
		p = amp ? amp + 1 : end;
		if (seglen == 0)
			continue;

		eq = memchr(seg, '=', seglen);
		kend = eq ? eq : seg + seglen;
		klen = (size_t)(kend - seg);
		v = eq ? eq + 1 : seg + seglen;
		vlen = (size_t)(seg + seglen - v);

		if (klen == 0) {
			msg_set(err, errlen, "empty key in pair %zu", npair + 1);
			goto fail;
		}
		kn = decode(seg, klen, strings);
		if (kn < 0) {
			msg_set(err, errlen, "%s: %s in key",
			    msg_printable(seg, klen, FORM_SHOW_MAX, shown, sizeof shown),
			    kn == -1 ? "'%' not followed by two hex digits" : "NUL byte");
			goto fail;
		}
		pairs[npair].key = strings;
		strings += kn + 1;

		vn = decode(v, vlen, strings);
		if (vn < 0) {
			msg_set(err, errlen, "%s: %s in value",
			    msg_printable(pairs[npair].key, (size_t)kn, FORM_SHOW_MAX, shown, sizeof shown),
			    vn == -1 ? "'%' not followed by two hex digits" : "NUL byte");
			goto fail;
		}
		pairs[npair].value = strings;
		strings += vn + 1;
		npair++;
	}

	if (npair == 0) {
		free(pairs);
		return 0;
	}
	out->pairs = pairs;
	out->n = npair;
	return 0;
fail:
	free(pairs);
	return -1;
}

const char *
form_get(const struct form *f, const char *key)
{
	size_t i;

	if (f == NULL || key == NULL)
		return NULL;
	for (i = 0; i < f->n; i++)
		if (strcmp(f->pairs[i].key, key) == 0)
			return f->pairs[i].value;
	return NULL;
}

void
form_free(struct form *f)
{
	if (f == NULL)
		return;
	/* Keys and values live in the same block as the pair array. */
	free(f->pairs);
	f->pairs = NULL;
	f->n = 0;
}
