/*
 * fake_form: query strings and urlencoded bodies.
 */
#include "fake_form.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes n bytes of s ('+' is a space; a malformed %xx stays as it is). */
static char *
decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

char *
fake_form_get(const char *form, size_t len, const char *key)
{
	const char *p = form, *end = form + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *seg_end = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(seg_end - p));
		const char *key_end = eq ? eq : seg_end;
		char *k = decode(p, (size_t)(key_end - p));
		int same = k != NULL && strcmp(k, key) == 0;

		free(k);
		if (same)
			return eq ? decode(eq + 1, (size_t)(seg_end - eq - 1)) : decode("", 0);
		p = seg_end + 1;
	}
	return NULL;
}

void
fake_url_encode(struct fbuf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			fbuf_add(out, s, 1);
		else
			fbuf_addf(out, "%%%02X", c);
	}
}
