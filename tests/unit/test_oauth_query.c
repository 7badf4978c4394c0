/*
 * Unit tests for lib/oauth_query.c: Zoho's and Kommo's callback queries, the admin's
 * parameters, and every refusal with its message (never a value from the query).
 */
#include "check.h"
#include "oauth_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
parse(const char *text, struct oauth_query *q, char *err, size_t errlen)
{
	return oauth_query_parse(text, strlen(text), q, err, errlen);
}

static void
test_zoho_callback(void)
{
	/* What Zoho sends back, trailing '&' included (tests/fakes/API.md, Zoho Accounts). */
	const char *text = "code=1000.5f2e0c1b2a&location=eu&accounts-server=https%3A%2F%2Faccounts.zoho.eu"
	    "&state=ab12&";
	struct oauth_query q;
	char err[256] = "";

	CHECK(parse(text, &q, err, sizeof err) == 0, "Zoho's callback parses (%s)", err);
	CHECK_STR(q.code, "1000.5f2e0c1b2a", "code");
	CHECK_STR(q.location, "eu", "location");
	CHECK_STR(q.accounts_server, "https://accounts.zoho.eu", "accounts-server decoded");
	CHECK_STR(q.state, "ab12", "state");
	CHECK(q.error == NULL && q.secret == NULL && q.provider == NULL, "absent parameters are NULL");
	CHECK(q.is_callback, "a code makes it a callback");
	oauth_query_free(&q);
	CHECK(q.code == NULL && q.form.pairs == NULL, "free clears the struct");
	oauth_query_free(&q);
}

static void
test_other_queries(void)
{
	struct oauth_query q;
	char err[256] = "";

	CHECK(parse("error=access_denied&state=ab12", &q, err, sizeof err) == 0, "a refusal parses");
	CHECK_STR(q.error, "access_denied", "error");
	CHECK(q.is_callback && q.code == NULL, "an error makes it a callback without code");
	oauth_query_free(&q);

	CHECK(parse("state=ab12&location=eu", &q, err, sizeof err) == 0, "state without code parses");
	CHECK(q.is_callback, "a state alone makes it a callback (it then lacks the code)");
	oauth_query_free(&q);

	CHECK(parse("code=def502&state=ab12&referer=acme.kommo.com&platform=2&client_id=x", &q, err,
	    sizeof err) == 0, "Kommo's callback parses, unknown parameters ignored");
	CHECK_STR(q.code, "def502", "Kommo code");
	oauth_query_free(&q);

	CHECK(parse("secret=s3cr3t+x&provider=kommo", &q, err, sizeof err) == 0, "admin parameters parse");
	CHECK_STR(q.secret, "s3cr3t x", "secret decoded");
	CHECK_STR(q.provider, "kommo", "provider");
	CHECK(!q.is_callback, "the admin's start page is not a callback");
	oauth_query_free(&q);

	CHECK(parse("", &q, err, sizeof err) == 0 && !q.is_callback && q.form.n == 0, "empty query");
	oauth_query_free(&q);
	CHECK(oauth_query_parse(NULL, 0, &q, err, sizeof err) == 0, "NULL query");
	oauth_query_free(&q);
	CHECK(parse("&&code=c&&", &q, err, sizeof err) == 0 && q.code && strcmp(q.code, "c") == 0,
	    "empty segments skipped");
	oauth_query_free(&q);
	CHECK(parse("code=&state=", &q, err, sizeof err) == 0 && q.code && q.code[0] == '\0',
	    "an empty code is present but empty (the handler refuses it)");
	oauth_query_free(&q);
}

static void
expect_error(const char *text, size_t len, const char *want, const char *what)
{
	struct oauth_query q;
	char err[256] = "";
	int rc = oauth_query_parse(text, len, &q, err, sizeof err);

	CHECK(rc == -1 && strcmp(err, want) == 0, "%s: %s", what, want);
	if (!(rc == -1 && strcmp(err, want) == 0))
		printf("#   got rc %d \"%s\"\n", rc, err);
	CHECK(q.form.pairs == NULL && q.code == NULL && q.state == NULL, "%s: leaves the struct empty", what);
}

static void
test_refusals(void)
{
	static char big[OAUTH_QUERY_MAX + 2], value[OAUTH_QUERY_MAX_VALUE + 16];
	char many[1024];
	size_t used = 0;
	int i;

	expect_error("state=a&code=c&state=b", 22, "parameter state given more than once", "duplicate state");
	expect_error("code=a&code=a", 13, "parameter code given more than once", "duplicate code, same value");
	expect_error("x=1&x=2", 7, "parameter x given more than once", "duplicate unknown key");
	expect_error("code=a%0Ab", 10, "parameter code contains a control character", "newline in a value");
	expect_error("co%01de=a", 9, "parameter co?de contains a control character", "control in a key, shown as ?");
	expect_error("code=%zz", 8, "code: '%' not followed by two hex digits in value", "bad escape");
	expect_error("code=a%00", 9, "code: NUL byte in value", "NUL byte");
	expect_error("=x", 2, "empty key in pair 1", "empty key");
	expect_error("provider=evil", 13, "provider must be zoho or kommo", "unknown provider");
	expect_error("provider=", 9, "provider must be zoho or kommo", "empty provider");

	memset(big, 'a', sizeof big - 1);
	memcpy(big, "code=", 5);
	expect_error(big, OAUTH_QUERY_MAX + 1, "query longer than 8192 bytes", "query over 8 KiB");
	memset(value, 'v', sizeof value);
	memcpy(value, "code=", 5);
	expect_error(value, 5 + OAUTH_QUERY_MAX_VALUE + 1, "parameter code longer than 4096 bytes",
	    "value over 4 KiB");
	{
		struct oauth_query q;
		char err[256];
		CHECK(oauth_query_parse(value, 5 + OAUTH_QUERY_MAX_VALUE, &q, err, sizeof err) == 0,
		    "a value of exactly 4096 bytes is fine");
		oauth_query_free(&q);
	}
	for (i = 0; i <= OAUTH_QUERY_MAX_PAIRS; i++)
		used += (size_t)snprintf(many + used, sizeof many - used, "k%d=v&", i);
	expect_error(many, used, "more than 32 parameters", "too many parameters");

	{
		/* The message names the parameter, never its value. */
		struct oauth_query q;
		char err[256] = "";
		oauth_query_parse("state=SECRETVALUE&state=OTHER", 29, &q, err, sizeof err);
		CHECK(strstr(err, "SECRETVALUE") == NULL && strstr(err, "OTHER") == NULL,
		    "a refusal does not echo values (%s)", err);
	}
}

int
main(void)
{
	test_zoho_callback();
	test_other_queries();
	test_refusals();
	return CHECK_DONE();
}
