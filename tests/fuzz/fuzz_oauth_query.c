/*
 * libFuzzer target for oauth_query_parse. Beyond "no crash, no leak" it checks what
 * oauth-callback relies on: a refusal leaves the struct empty with a one-line printable
 * reason; an accepted query has no duplicate names, no control characters and bounded
 * values, each known member is the form's value for its name, and is_callback says
 * whether a code, state or error is there.
 */
#include "oauth_query.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_clean(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n > max)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			abort();
}

static void
check_member(const struct oauth_query *q, const char *name, const char *member)
{
	if (member != form_get(&q->form, name))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oauth_query q;
	char err[256];
	size_t i, j;

	if (oauth_query_parse((const char *)data, size, &q, err, sizeof err) != 0) {
		if (q.form.pairs != NULL || q.form.n != 0 || q.code != NULL || q.state != NULL)
			abort();
		if (err[0] == '\0')
			abort();
		check_clean(err, sizeof err);
		for (i = 0; err[i] != '\0'; i++)
			if ((unsigned char)err[i] >= 0x7f)
				abort();
		return 0;
	}
	if (size > OAUTH_QUERY_MAX || q.form.n > OAUTH_QUERY_MAX_PAIRS)
		abort();
	for (i = 0; i < q.form.n; i++) {
		check_clean(q.form.pairs[i].key, OAUTH_QUERY_MAX);
		check_clean(q.form.pairs[i].value, OAUTH_QUERY_MAX_VALUE);
		for (j = 0; j < i; j++)
			if (strcmp(q.form.pairs[i].key, q.form.pairs[j].key) == 0)
				abort();
	}
	check_member(&q, "code", q.code);
	check_member(&q, "state", q.state);
	check_member(&q, "error", q.error);
	check_member(&q, "accounts-server", q.accounts_server);
	check_member(&q, "location", q.location);
	check_member(&q, "secret", q.secret);
	check_member(&q, "provider", q.provider);
	check_member(&q, "csrf", q.csrf);
	check_member(&q, "start", q.start);
	if (q.provider != NULL && strcmp(q.provider, "zoho") != 0 && strcmp(q.provider, "kommo") != 0)
		abort();
	if (q.is_callback != (q.code != NULL || q.state != NULL || q.error != NULL))
		abort();
	oauth_query_free(&q);
	if (q.form.pairs != NULL)
		abort();
	return 0;
}
