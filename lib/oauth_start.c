/*
 * oauth_start: Zoho's authorize URL as tests/fakes/API.md (Zoho Accounts) gives it
 * (offline access and prompt=consent, or no refresh token comes back); Kommo's as its
 * "OAuth and the long-lived token" gives it. The state in either is bound to the
 * browser's flow cookie before the address exists.
 */
#include "oauth_start.h"

#include <stdlib.h>
#include <string.h>

#include "form_build.h"
#include "kommo_token.h"
#include "msg.h"
#include "oauth_state.h"
#include "str.h"

static char *
join(const char *base, const char *query)
{
	return str_fmt("%s%c%s", base, strchr(base, '?') ? '&' : '?', query);
}

/* oauth-callback's address with a start code: ?start=<code>. */
static char *
start_code_url(const char *callback, const char *code)
{
	char *query = str_fmt("start=%s", code), *url = NULL;

	if (query != NULL)
		url = join(callback, query);
	free(query);
	return url;
}

static char *
start_zoho(const struct config *cfg, const char *state)
{
	const char *params[] = {
		"response_type", "code", "client_id", cfg->zoho.client_id,
		"redirect_uri", cfg->zoho.redirect_uri, "access_type", "offline",
		"prompt", "consent", "state", state, NULL,
	};
	char *query = form_build(params), *base = str_fmt("%s/oauth/v2/auth", cfg->zoho.accounts_url);
	char *url = NULL;

	/* Zoho documents the scope list with plain commas; it needs no escaping. */
	if (query != NULL && base != NULL)
		url = str_fmt("%s?scope=" OAUTH_START_ZOHO_SCOPES "&%s", base, query);
	free(query);
	free(base);
	return url;
}

static char *
start_kommo(const struct config *cfg, const char *state)
{
	const char *params[] = {
		"client_id", cfg->kommo.client_id, "state", state, "mode", "post_message", NULL,
	};
	char *query = form_build(params), *url = NULL;

	if (query != NULL)
		url = join(cfg->kommo.oauth_url, query);
	free(query);
	return url;
}

int
oauth_start_ready(const struct config *cfg, const char *provider, char *err, size_t errlen)
{
	int zoho = strcmp(provider, "zoho") == 0;

	if (str_empty(cfg->state_dir)) {
		msg_set(err, errlen, "[state] dir must be set");
		return -1;
	}
	if (zoho && (str_empty(cfg->zoho.client_id) || str_empty(cfg->zoho.client_secret) ||
	    str_empty(cfg->zoho.redirect_uri))) {
		msg_set(err, errlen, "[zoho] client_id, client_secret and redirect_uri must be set "
		    "to connect Zoho Sign");
		return -1;
	}
	if (!zoho && !kommo_token_oauth(cfg)) {
		msg_set(err, errlen, str_empty(cfg->kommo.token) ?
		    "[kommo] client_id, client_secret and redirect_uri must be set to connect Kommo" :
		    "Kommo is reached with the long-lived [kommo] token; there is nothing to connect");
		return -1;
	}
	return 0;
}

/* Makes a state (bound to cookie) or a start code (cookie NULL) and the address carrying it. */
static int
make_state(const struct config *cfg, const char *provider, const char *cookie, char **url,
    char *err, size_t errlen)
{
	char state[OAUTH_STATE_LEN + 1];
	int zoho = strcmp(provider, "zoho") == 0;

	*url = NULL;
	if (oauth_start_ready(cfg, provider, err, errlen) == -1 ||
	    oauth_state_create(cfg->state_dir, provider, cookie, state, sizeof state, err, errlen) == -1)
		return -1;
	if (cookie != NULL)
		*url = zoho ? start_zoho(cfg, state) : start_kommo(cfg, state);
	else
		*url = start_code_url(zoho ? cfg->zoho.redirect_uri : cfg->kommo.redirect_uri, state);
	if (*url == NULL) {
		msg_set(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
oauth_start_url(const struct config *cfg, const char *provider, const char *cookie, char **url,
    char *err, size_t errlen)
{
	if (cookie == NULL) {
		*url = NULL;
		msg_set(err, errlen, "no flow cookie");
		return -1;
	}
	return make_state(cfg, provider, cookie, url, err, errlen);
}

int
oauth_start_code_url(const struct config *cfg, const char *provider, char **url, char *err,
    size_t errlen)
{
	return make_state(cfg, provider, NULL, url, err, errlen);
}
