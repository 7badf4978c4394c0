/*
 * oauth_query: lib/form does the decoding; this adds what a callback needs on top:
 * one value per name (a repeated state or code is an attack or a bug, never data),
 * bounded values free of control characters, and the few names we act on.
 */
#include "oauth_query.h"

#include <string.h>

#include "msg.h"

#define OAUTH_QUERY_SHOW 40

static const struct {
	const char *name;
	size_t offset;
} oauth_query_names[] = {
	{ "code", offsetof(struct oauth_query, code) },
	{ "state", offsetof(struct oauth_query, state) },
	{ "error", offsetof(struct oauth_query, error) },
	{ "accounts-server", offsetof(struct oauth_query, accounts_server) },
	{ "location", offsetof(struct oauth_query, location) },
	{ "secret", offsetof(struct oauth_query, secret) },
	{ "provider", offsetof(struct oauth_query, provider) },
	{ "csrf", offsetof(struct oauth_query, csrf) },
	{ "start", offsetof(struct oauth_query, start) },
};
#define OAUTH_QUERY_NNAMES (sizeof oauth_query_names / sizeof oauth_query_names[0])

static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

/* Checks every pair; the message names the parameter (made printable), never its value. */
static int
check(const struct form *f, char *err, size_t errlen)
{
	char shown[OAUTH_QUERY_SHOW + 4];
	size_t i, j;

	if (f->n > OAUTH_QUERY_MAX_PAIRS) {
		msg_set(err, errlen, "more than %d parameters", OAUTH_QUERY_MAX_PAIRS);
		return -1;
	}
	for (i = 0; i < f->n; i++) {
		const char *key = f->pairs[i].key, *value = f->pairs[i].value;
		const char *name = msg_printable(key, strlen(key), OAUTH_QUERY_SHOW, shown, sizeof shown);

		for (j = 0; j < i; j++) {
			if (strcmp(f->pairs[j].key, key) == 0) {
				msg_set(err, errlen, "parameter %s given more than once", name);
				return -1;
			}
		}
		if (strlen(value) > OAUTH_QUERY_MAX_VALUE) {
			msg_set(err, errlen, "parameter %s longer than %d bytes", name, OAUTH_QUERY_MAX_VALUE);
			return -1;
		}
		if (has_control(key) || has_control(value)) {
			msg_set(err, errlen, "parameter %s contains a control character", name);
			return -1;
		}
	}
	return 0;
}

int
oauth_query_parse(const char *query, size_t len, struct oauth_query *out, char *err,
    size_t errlen)
{
	size_t i;

	memset(out, 0, sizeof *out);
	msg_set(err, errlen, "%s", "");
	if (len > OAUTH_QUERY_MAX) {
		msg_set(err, errlen, "query longer than %d bytes", OAUTH_QUERY_MAX);
		return -1;
	}
	if (form_parse(query, len, &out->form, err, errlen) == -1)
		return -1;
	if (check(&out->form, err, errlen) == -1)
		goto fail;
	for (i = 0; i < OAUTH_QUERY_NNAMES; i++) {
		const char **slot = (const char **)(void *)((char *)out + oauth_query_names[i].offset);

		*slot = form_get(&out->form, oauth_query_names[i].name);
	}
	if (out->provider != NULL && strcmp(out->provider, "zoho") != 0 &&
	    strcmp(out->provider, "kommo") != 0) {
		msg_set(err, errlen, "provider must be zoho or kommo");
		goto fail;
	}
	out->is_callback = out->code != NULL || out->state != NULL || out->error != NULL;
	return 0;
fail:
	oauth_query_free(out);
	return -1;
}

void
oauth_query_free(struct oauth_query *q)
{
	if (q == NULL)
		return;
	form_free(&q->form);
	memset(q, 0, sizeof *q);
}
