/*
 * libFuzzer target for form_parse. Beyond "no crash, no leak" it checks what callers
 * rely on: a refusal leaves the form empty with a one-line printable reason, and an
 * accepted form re-encodes to a body that parses back to the same pairs.
 */
#include "form.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_reason(const char *err)
{
	size_t i;

	if (err[0] == '\0')
		abort();
	for (i = 0; err[i] != '\0'; i++)
		if ((unsigned char)err[i] < 0x20 || (unsigned char)err[i] >= 0x7f)
			abort();
}

/* Percent-encodes every byte that is not unreserved; dst has room for 3 * strlen(s). */
static size_t
encode(const char *s, char *dst)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '%';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct form f, g;
	char err[256];
	char *body;
	size_t i, len = 0;

	if (form_parse((const char *)data, size, &f, err, sizeof err) != 0) {
		if (f.pairs != NULL || f.n != 0)
			abort();
		check_reason(err);
		return 0;
	}
	for (i = 0; i < f.n; i++)
		if (f.pairs[i].key[0] == '\0')
			abort();

	/* Decoded strings are never longer than their source, so this bounds the encoding. */
	body = malloc(3 * size + 2 * f.n + 1);
	if (body == NULL)
		abort();
	for (i = 0; i < f.n; i++) {
		if (i > 0)
			body[len++] = '&';
		len += encode(f.pairs[i].key, body + len);
		body[len++] = '=';
		len += encode(f.pairs[i].value, body + len);
	}
	if (form_parse(body, len, &g, err, sizeof err) != 0 || g.n != f.n)
		abort();
	for (i = 0; i < f.n; i++)
		if (strcmp(f.pairs[i].key, g.pairs[i].key) != 0 ||
		    strcmp(f.pairs[i].value, g.pairs[i].value) != 0)
			abort();
	if (f.n > 0 && form_get(&f, f.pairs[0].key) != f.pairs[0].value)
		abort();
	form_free(&g);
	form_free(&f);
	free(body);
	return 0;
}
