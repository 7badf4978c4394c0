/*
 * Unit tests for lib/str.c: str_fmt gives the whole formatted text however long,
 * str_empty treats NULL and "" alike, and str_secret_equal says equal only for the same
 * bytes (any difference, in the last byte, in length, or a NULL, is unequal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "str.h"

static void
test_fmt(void)
{
	char *big = malloc(100001), *s;

	memset(big, 'x', 100000);
	big[100000] = '\0';
	s = str_fmt("Status: %d %s\r\n", 503, "Service Unavailable");
	CHECK_STR(s, "Status: 503 Service Unavailable\r\n", "formats like printf");
	free(s);
	s = str_fmt("[%s]", big);
	CHECK(s && strlen(s) == 100002 && s[0] == '[' && s[100001] == ']', "a long text is given whole (%zu)",
	    s ? strlen(s) : 0);
	free(s);
	s = str_fmt("%s", "");
	CHECK_STR(s, "", "an empty text is an empty string, not NULL");
	free(s);
	free(big);
}

static void
test_empty(void)
{
	CHECK(str_empty(NULL) && str_empty(""), "NULL and \"\" are empty");
	CHECK(!str_empty(" ") && !str_empty("0") && !str_empty("x"), "any character is not");
}

static void
test_secret_equal(void)
{
	static const char secret[] = "webhook-secret-0123456789abcdef";

	CHECK(str_secret_equal(secret, "webhook-secret-0123456789abcdef"), "the same secret is equal");
	CHECK(!str_secret_equal(secret, "webhook-secret-0123456789abcdeF"), "one differing last byte is not");
	CHECK(!str_secret_equal(secret, "Webhook-secret-0123456789abcdef"), "nor a differing first byte");
	CHECK(!str_secret_equal(secret, "webhook-secret-0123456789abcde"), "nor a prefix of it");
	CHECK(!str_secret_equal(secret, "webhook-secret-0123456789abcdef0"), "nor it with more after");
	CHECK(!str_secret_equal(secret, "") && !str_secret_equal("", secret), "nor the empty string");
	CHECK(!str_secret_equal(secret, NULL) && !str_secret_equal(NULL, secret) && !str_secret_equal(NULL, NULL),
	    "a NULL is never equal, not even to NULL");
}

int
main(void)
{
	test_fmt();
	test_empty();
	test_secret_equal();
	return CHECK_DONE();
}
