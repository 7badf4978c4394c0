/*
 * Unit tests for lib/form_build.c: a query string or form body from name/value pairs,
 * as a server reads it back. Every byte of a value but RFC 3986's unreserved ones is
 * percent-encoded (upper-case hex), '+' and '&' and '=' included, so no value can add a
 * parameter or change another; names are taken as written; a NULL ends the list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "form.h"
#include "form_build.h"

static void
test_every_byte(void)
{
	static const char unreserved[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
	char value[256], want[1024], *p = want, *s;
	const char *pairs[] = { "v", value, NULL };
	int c, kept = 0, encoded = 0;

	for (c = 1; c < 256; c++)
		value[c - 1] = (char)c;
	value[255] = '\0';
	p += sprintf(p, "v=");
	for (c = 1; c < 256; c++) {
		if (strchr(unreserved, c) != NULL) {
			*p++ = (char)c;
			kept++;
		} else {
			p += sprintf(p, "%%%02X", c);
			encoded++;
		}
	}
	*p = '\0';
	s = form_build(pairs);
	CHECK_STR(s, want, "the %d unreserved bytes are kept, the other %d encoded as %%XX", kept, encoded);
	free(s);
}

static void
test_values_stay_values(void)
{
	const char *pairs[] = { "state", "a&admin=1", "redirect_uri", "https://e.example/cb?k=v&z=1#f",
		"scope", "ZohoSign.documents.ALL,ZohoSign.templates.ALL", "note", "1+1 = 2",
		"name", "Jörg Müller", "empty", "", NULL };
	char err[256];
	struct form f;
	char *s = form_build(pairs);
	size_t i;
	int same = 1;

	CHECK_STR(s, "state=a%26admin%3D1&redirect_uri=https%3A%2F%2Fe.example%2Fcb%3Fk%3Dv%26z%3D1%23f&"
	    "scope=ZohoSign.documents.ALL%2CZohoSign.templates.ALL&note=1%2B1%20%3D%202&"
	    "name=J%C3%B6rg%20M%C3%BCller&empty=", "values with &, =, +, #, spaces and UTF-8 encoded");
	CHECK(s && form_parse(s, strlen(s), &f, err, sizeof err) == 0 && f.n == 6,
	    "a server reads exactly the six pairs back (%zu)", s ? f.n : 0);
	for (i = 0; i < 6 && i < f.n; i++)
		same &= strcmp(f.pairs[i].key, pairs[2 * i]) == 0 && strcmp(f.pairs[i].value, pairs[2 * i + 1]) == 0;
	CHECK(same && form_get(&f, "admin") == NULL, "each with its own value, none added");
	form_free(&f);
	free(s);
}

static void
test_list_ends(void)
{
	const char *cut[] = { "a", "1", "b", NULL, "c", "3", NULL };
	const char *names[] = { "redirect_uri", "x", "grant_type", "refresh_token", NULL };
	const char *none[] = { NULL };
	char *s;

	s = form_build(cut);
	CHECK_STR(s, "a=1", "a NULL value ends the list");
	free(s);
	s = form_build(names);
	CHECK_STR(s, "redirect_uri=x&grant_type=refresh_token", "names as written, in order");
	free(s);
	s = form_build(none);
	CHECK_STR(s, "", "no pairs: an empty string");
	free(s);
}

int
main(void)
{
	test_every_byte();
	test_values_stay_values();
	test_list_ends();
	return CHECK_DONE();
}
