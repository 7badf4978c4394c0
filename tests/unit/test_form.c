/* Unit tests for form_parse / form_get: decoding, skipping, and every refusal. */
#include "form.h"

#include "check.h"

#include <stdlib.h>

static char err[256];

/* Parses a NUL-terminated body; returns form_parse's result. */
static int
parse(const char *body, struct form *f)
{
	memset(f, 0xa5, sizeof *f); /* garbage: the parser must always set *out */
	err[0] = '\0';
	return form_parse(body, strlen(body), f, err, sizeof err);
}

/* Expects body to be refused with a message containing want; *out must be empty. */
static void
refused(const char *body, const char *want)
{
	struct form f;
	int rc = parse(body, &f);

	CHECK(rc == -1, "refused: %s", body);
	CHECK(f.pairs == NULL && f.n == 0, "refused leaves the form empty: %s", body);
	CHECK(strstr(err, want) != NULL, "message for %s contains \"%s\" (got \"%s\")",
	    body, want, err);
	CHECK(strchr(err, '\n') == NULL, "message for %s is one line", body);
	form_free(&f);
}

static void
test_plain(void)
{
	struct form f;

	CHECK(parse("a=1&b=two&c=", &f) == 0, "plain pairs parse");
	CHECK(f.n == 3, "three pairs (got %zu)", f.n);
	CHECK_STR(f.pairs[0].key, "a", "first key");
	CHECK_STR(f.pairs[0].value, "1", "first value");
	CHECK_STR(f.pairs[1].key, "b", "second key");
	CHECK_STR(f.pairs[1].value, "two", "second value");
	CHECK_STR(f.pairs[2].value, "", "\"c=\" has an empty value");
	CHECK_STR(form_get(&f, "b"), "two", "form_get finds b");
	CHECK(form_get(&f, "d") == NULL, "form_get of a missing key is NULL");
	CHECK(form_get(&f, "") == NULL, "form_get of \"\" is NULL");
	form_free(&f);
	CHECK(f.pairs == NULL && f.n == 0, "form_free empties the form");
	form_free(&f); /* twice is harmless */

	CHECK(parse("a=b=c", &f) == 0 && f.n == 1, "only the first '=' splits");
	CHECK_STR(f.pairs[0].value, "b=c", "value keeps later '='");
	form_free(&f);

	CHECK(parse("a=1&a=2", &f) == 0 && f.n == 2, "repeated key kept twice");
	CHECK_STR(form_get(&f, "a"), "1", "form_get returns the first value");
	form_free(&f);
}

static void
test_decoding(void)
{
	struct form f;

	CHECK(parse("first+name=John+Q.+Public", &f) == 0, "'+' parses");
	CHECK_STR(f.pairs[0].key, "first name", "'+' in key is a space");
	CHECK_STR(f.pairs[0].value, "John Q. Public", "'+' in value is a space");
	form_free(&f);

	CHECK(parse("%41%62=%4a%4B%2b%25&x=%e2%82%AC", &f) == 0, "%%XX in both cases parses");
	CHECK_STR(f.pairs[0].key, "Ab", "upper and lower hex in key");
	CHECK_STR(f.pairs[0].value, "JK+%", "%%2b is a literal plus, %%25 a percent");
	CHECK_STR(f.pairs[1].value, "\xe2\x82\xac", "UTF-8 bytes decode unchanged");
	form_free(&f);

	CHECK(parse("leads%5Bstatus%5D%5B0%5D%5Bid%5D=15318175", &f) == 0, "encoded brackets");
	CHECK_STR(f.pairs[0].key, "leads[status][0][id]", "brackets decoded in key");
	form_free(&f);
}

static void
test_skipping(void)
{
	struct form f;

	CHECK(parse("a=1&&b=2&", &f) == 0, "empty segments and trailing '&' parse");
	CHECK(f.n == 2, "empty segments are skipped (got %zu pairs)", f.n);
	CHECK_STR(f.pairs[1].key, "b", "pair after && kept");
	form_free(&f);

	CHECK(parse("&&&", &f) == 0 && f.n == 0 && f.pairs == NULL, "only '&' gives no pairs");
	form_free(&f);
	CHECK(parse("", &f) == 0 && f.n == 0 && f.pairs == NULL, "empty input gives no pairs");
	form_free(&f);
	CHECK(form_parse(NULL, 0, &f, err, sizeof err) == 0 && f.n == 0, "NULL, 0 gives no pairs");

	CHECK(parse("flag&x=1", &f) == 0 && f.n == 2, "key without '=' parses");
	CHECK_STR(f.pairs[0].key, "flag", "key without '=' keeps its name");
	CHECK_STR(f.pairs[0].value, "", "key without '=' has value \"\"");
	CHECK_STR(form_get(&f, "flag"), "", "form_get of a bare key is \"\"");
	form_free(&f);
}

static void
test_refusals(void)
{
	struct form f;
	char body[512];
	size_t i;

	refused("a=%00", "a: NUL byte in value");
	refused("a%00b=1", "NUL byte in key");
	refused("k=%4", "k: '%' not followed by two hex digits in value");
	refused("k=abc%", "k: '%' not followed");
	refused("k=%G1", "k: '%' not followed");
	refused("k=%1G", "k: '%' not followed");
	refused("%4=v", "%4: '%' not followed by two hex digits in key");
	refused("=v", "empty key in pair 1");
	refused("a=1&=v", "empty key in pair 2");
	refused("a=1&=", "empty key in pair 2");
	refused("leads%5Bstatus%5D=%ZZ", "leads[status]: '%' not followed");

	/* A raw NUL byte (not just an encoded one) is refused. */
	CHECK(form_parse("a=1\0b=2", 7, &f, err, sizeof err) == -1, "raw NUL byte refused");
	CHECK(strstr(err, "NUL byte") != NULL, "raw NUL named (got \"%s\")", err);

	/* Only len bytes are read: the bad escape past len is never seen. */
	CHECK(form_parse("a=1&b=%Z", 3, &f, err, sizeof err) == 0 && f.n == 1, "len bounds input");
	form_free(&f);

	/* Long and unprintable keys are shortened and cleaned in the message. */
	memset(body, 'k', 300);
	memcpy(body, "a\x01\x1b", 3);
	memcpy(body + 300, "%zz=1", 6);
	CHECK(parse(body, &f) == -1, "long bad key refused");
	CHECK(strncmp(err, "a??kkk", 6) == 0, "control bytes shown as '?' (got \"%.20s\")", err);
	CHECK(strstr(err, "...: '%' not followed") != NULL, "long key truncated with ...");
	CHECK(strlen(err) < 120, "message stays short (%zu chars)", strlen(err));
	for (i = 0; err[i] != '\0'; i++)
		if ((unsigned char)err[i] < 0x20 || (unsigned char)err[i] >= 0x7f)
			break;
	CHECK(err[i] == '\0', "message is printable ASCII");

	/* A tiny or absent error buffer is fine. */
	CHECK(form_parse("=x", 2, &f, err, 4) == -1 && strlen(err) == 3, "err is truncated to errlen");
	CHECK(form_parse("=x", 2, &f, NULL, 0) == -1, "NULL err buffer tolerated");
}

static void
test_large(void)
{
	/* 1 MiB of short pairs: about 170k of them, parsed in one linear pass. */
	size_t cap = 1 << 20, len = 0, n = 0;
	char *body = malloc(cap + 64);
	struct form f;
	char key[32];

	while (len < cap - 32)
		len += (size_t)snprintf(body + len, 32, "k%zu=v%%41&", n++);
	CHECK(form_parse(body, len, &f, err, sizeof err) == 0, "1 MiB body parses");
	CHECK(f.n == n, "all %zu pairs kept (got %zu)", n, f.n);
	snprintf(key, sizeof key, "k%zu", n - 1);
	CHECK_STR(form_get(&f, key), "vA", "last pair decoded");
	form_free(&f);
	free(body);
}

int
main(void)
{
	test_plain();
	test_decoding();
	test_skipping();
	test_refusals();
	test_large();
	return CHECK_DONE();
}
