/*
 * oauth_query: the pure parser of oauth-callback's query string and form body, both the
 * browser's return from Zoho or Kommo (code, state, error, accounts-server) and the
 * admin's own parameters (secret, provider, csrf, start). No I/O, so it is unit tested
 * and fuzzed on its own.
 */
#ifndef KZS_OAUTH_QUERY_H
#define KZS_OAUTH_QUERY_H

#include <stddef.h>

#include "form.h"

#define OAUTH_QUERY_MAX 8192       /* bytes of query string */
#define OAUTH_QUERY_MAX_VALUE 4096 /* bytes of one decoded value (Kommo's codes are long) */
#define OAUTH_QUERY_MAX_PAIRS 32

/* Each member points into `form` and is NULL when the parameter is absent. */
struct oauth_query {
	const char *code;            /* the authorization code */
	const char *state;           /* our nonce, sent back */
	const char *error;           /* access_denied, ... */
	const char *accounts_server; /* Zoho: where to exchange the code */
	const char *location;        /* Zoho: us, eu, in, ... (shown, never used for URLs) */
	const char *secret;          /* the admin's ?secret= */
	const char *provider;        /* zoho or kommo: start that provider's flow (POST) */
	const char *csrf;            /* the start page form's token (POST) */
	const char *start;           /* a start code from `kzsctl authorize-url` */
	int is_callback;             /* a return from a consent page: code, state or error present */
	struct form form;
};

/*
 * Parses query (len bytes, need not be NUL-terminated). The trailing '&' Zoho sends and
 * empty pairs are fine; unknown parameters are ignored. Errors (return -1, *out empty,
 * a one-line printable reason in err): a malformed form, a parameter given twice, a
 * control character in a value, a value or query over the limits above, a provider
 * other than zoho or kommo.
 */
int oauth_query_parse(const char *query, size_t len, struct oauth_query *out, char *err,
    size_t errlen);

void oauth_query_free(struct oauth_query *q);

#endif
