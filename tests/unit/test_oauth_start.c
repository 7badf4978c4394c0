/*
 * Unit tests for lib/oauth_start.c: the consent-page address it builds for Zoho and
 * for Kommo (every parameter, the state last), the state it stores for it (the
 * provider, ten minutes, bound to the browser's flow cookie and good only with it),
 * the start code `kzsctl authorize-url` prints, and its refusals (no flow cookie, a
 * flow the configuration cannot make, a state that cannot be stored), none of which
 * stores anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "jfield.h"
#include "oauth_start.h"
#include "oauth_state.h"
#include "store.h"
#include "world.h"

#define CALLBACK "https://example.com/cgi-bin/oauth-callback"
#define CALLBACK_ESCAPED "https%3A%2F%2Fexample.com%2Fcgi-bin%2Foauth-callback"
#define ZOHO_CONSENT "https://accounts.zoho.eu/oauth/v2/auth?scope=ZohoSign.documents.ALL,ZohoSign.templates.ALL" \
	"&response_type=code&client_id=1000.CLIENT&redirect_uri=" CALLBACK_ESCAPED \
	"&access_type=offline&prompt=consent&state="
#define KOMMO_CONSENT "https://www.kommo.com/oauth?client_id=kommo-client&state="

static struct config cfg;
/* What a url holds before a call that must set it to NULL on a refusal. */
static char unchanged[] = "unchanged";

/* 1 when the states file holds what it held before (a snapshot of it). */
static int
unchanged_states(const char *before)
{
	char *now = world_snapshot(&cfg, STORE_STATES, NULL);
	int same = strcmp(now, before) == 0;

	free(now);
	return same;
}

/* The state in url: what follows `before`, if it is all a state can be. */
static const char *
state_in(const char *url, const char *before, const char *after, char *state, size_t len)
{
	size_t n = url ? strlen(before) : 0, tail = strlen(after);

	state[0] = '\0';
	if (url == NULL || strncmp(url, before, n) != 0 || strlen(url) != n + OAUTH_STATE_LEN + tail ||
	    strcmp(url + n + OAUTH_STATE_LEN, after) != 0 ||
	    strspn(url + n, "0123456789abcdef") < OAUTH_STATE_LEN)
		return state;
	snprintf(state, len, "%.*s", OAUTH_STATE_LEN, url + n);
	return state;
}

/* The stored record of a state (caller puts it), NULL when there is none. */
static json_object *
record_of(const char *state)
{
	json_object *rec = NULL;
	char *text = NULL;

	if (store_get1(cfg.state_dir, STORE_STATES, state, &text) == 0)
		rec = json_tokener_parse(text);
	free(text);
	return rec;
}

static void
test_zoho_consent(void)
{
	char cookie[OAUTH_COOKIE_VALUE_LEN + 1], other[1][OAUTH_COOKIE_VALUE_LEN + 1];
	char browser[1][OAUTH_COOKIE_VALUE_LEN + 1], state[OAUTH_STATE_LEN + 1], second[OAUTH_STATE_LEN + 1];
	char provider[16], err[256] = "";
	char *url = NULL, *url2 = NULL;
	long long before = (long long)time(NULL), after, expires;
	json_object *rec;

	oauth_cookie_random(cookie, sizeof cookie);
	oauth_cookie_random(other[0], sizeof other[0]);
	memcpy(browser[0], cookie, sizeof cookie);
	CHECK(oauth_start_ready(&cfg, "zoho", err, sizeof err) == 0, "Zoho's flow is ready with a client (%s)", err);
	CHECK(oauth_start_url(&cfg, "zoho", cookie, &url, err, sizeof err) == 0 && url != NULL,
	    "a Zoho consent address is made (%s)", err);
	after = (long long)time(NULL);
	CHECK(state_in(url, ZOHO_CONSENT, "", state, sizeof state)[0] != '\0',
	    "...at the configured data centre's accounts host, with the scopes, code, the client, our "
	    "callback, offline access and prompt=consent, and a state of 64 hex digits (%s)", url ? url : "");
	rec = record_of(state);
	CHECK(rec != NULL, "...the state is stored");
	CHECK_STR(jfield_text(rec, "provider"), "zoho", "...for Zoho");
	expires = strtoll(jfield_text(rec, "expires_at"), NULL, 10);
	CHECK(expires >= before + OAUTH_STATE_SECONDS && expires <= after + OAUTH_STATE_SECONDS,
	    "...for ten minutes (%lld s)", expires - before);
	CHECK(strlen(jfield_text(rec, "binding")) == 64 && strstr(jfield_text(rec, "binding"), cookie) == NULL,
	    "...bound to the browser by a hash, not the cookie itself");
	CHECK(jfield_text(rec, "start")[0] == '\0', "...a flow's state, not a start code");
	json_object_put(rec);

	CHECK(oauth_start_url(&cfg, "zoho", cookie, &url2, err, sizeof err) == 0 &&
	    strcmp(state_in(url2, ZOHO_CONSENT, "", second, sizeof second), state) != 0 && second[0] != '\0',
	    "a second start gives another state");
	CHECK(oauth_state_take(cfg.state_dir, state, other, 1, provider, sizeof provider) == OAUTH_STATE_UNBOUND,
	    "the state is refused with another browser's cookie");
	CHECK(oauth_state_take(cfg.state_dir, state, browser, 1, provider, sizeof provider) == OAUTH_STATE_OK &&
	    strcmp(provider, "zoho") == 0, "...and taken with the cookie it was made for");
	CHECK(oauth_state_take(cfg.state_dir, second, browser, 1, provider, sizeof provider) == OAUTH_STATE_OK,
	    "...as is the second one");
	free(url);
	free(url2);
}

static void
test_kommo_consent(void)
{
	char cookie[OAUTH_COOKIE_VALUE_LEN + 1], browser[1][OAUTH_COOKIE_VALUE_LEN + 1];
	char state[OAUTH_STATE_LEN + 1], provider[16], err[256] = "";
	char *url = unchanged, *token = cfg.kommo.token, *oauth_url = cfg.kommo.oauth_url;
	char with_query[] = "https://www.kommo.com/oauth?lang=en";
	char *before = world_snapshot(&cfg, STORE_STATES, NULL);
	json_object *rec;

	oauth_cookie_random(cookie, sizeof cookie);
	memcpy(browser[0], cookie, sizeof cookie);
	CHECK(oauth_start_url(&cfg, "kommo", cookie, &url, err, sizeof err) == -1 && url == NULL &&
	    strstr(err, "long-lived [kommo] token") != NULL,
	    "with a long-lived [kommo] token, Kommo's flow is refused: nothing to connect (%s)", err);
	CHECK(unchanged_states(before), "...and no state is stored");

	cfg.kommo.token = NULL;
	err[0] = '\0';
	CHECK(oauth_start_url(&cfg, "kommo", cookie, &url, err, sizeof err) == 0, "without it, a Kommo consent "
	    "address is made (%s)", err);
	CHECK(state_in(url, KOMMO_CONSENT, "&mode=post_message", state, sizeof state)[0] != '\0',
	    "...Kommo's consent page with the client, the state and mode=post_message (%s)", url ? url : "");
	rec = record_of(state);
	CHECK_STR(jfield_text(rec, "provider"), "kommo", "...the state is stored for Kommo");
	json_object_put(rec);
	CHECK(oauth_state_take(cfg.state_dir, state, browser, 1, provider, sizeof provider) == OAUTH_STATE_OK &&
	    strcmp(provider, "kommo") == 0, "...bound to the browser's cookie");
	free(url);

	cfg.kommo.oauth_url = with_query;
	CHECK(oauth_start_url(&cfg, "kommo", cookie, &url, err, sizeof err) == 0 &&
	    strncmp(url, "https://www.kommo.com/oauth?lang=en&client_id=kommo-client&state=", 65) == 0,
	    "a consent page with a query of its own gets ours after '&' (%s)", url ? url : "");
	free(url);
	cfg.kommo.oauth_url = oauth_url;
	cfg.kommo.token = token;
	free(before);
}

static void
test_start_code(void)
{
	char cookies[1][OAUTH_COOKIE_VALUE_LEN + 1], code[OAUTH_STATE_LEN + 1], provider[16], err[256] = "";
	char *url = NULL, *token = cfg.kommo.token, *redirect = cfg.kommo.redirect_uri;
	char kommo_callback[] = "https://example.com/kommo/oauth-callback?site=1";
	json_object *rec;

	oauth_cookie_random(cookies[0], sizeof cookies[0]);
	CHECK(oauth_start_code_url(&cfg, "zoho", &url, err, sizeof err) == 0 &&
	    state_in(url, CALLBACK "?start=", "", code, sizeof code)[0] != '\0',
	    "a start code: oauth-callback's own address with ?start= and 64 hex digits (%s)", url ? url : err);
	rec = record_of(code);
	CHECK(rec != NULL && strcmp(jfield_text(rec, "start"), "true") == 0 && jfield_text(rec, "binding")[0] == '\0' &&
	    strcmp(jfield_text(rec, "provider"), "zoho") == 0,
	    "...stored as a start code for Zoho, bound to no browser");
	json_object_put(rec);
	CHECK(oauth_state_take(cfg.state_dir, code, cookies, 1, provider, sizeof provider) == OAUTH_STATE_UNKNOWN,
	    "...which is no flow state a callback could use");
	CHECK(oauth_state_take_start(cfg.state_dir, code, provider, sizeof provider) == OAUTH_STATE_OK &&
	    strcmp(provider, "zoho") == 0, "...and is good once as a start code");
	free(url);

	cfg.kommo.token = NULL;
	cfg.kommo.redirect_uri = kommo_callback;
	CHECK(oauth_start_code_url(&cfg, "kommo", &url, err, sizeof err) == 0 &&
	    state_in(url, "https://example.com/kommo/oauth-callback?site=1&start=", "", code, sizeof code)[0] != '\0',
	    "Kommo's start code goes on Kommo's redirect_uri, after '&' when it has a query (%s)", url ? url : err);
	free(url);
	cfg.kommo.redirect_uri = redirect;
	cfg.kommo.token = token;
}

static void
test_refusals(void)
{
	char cookie[OAUTH_COOKIE_VALUE_LEN + 1], err[256] = "";
	char *url = unchanged, *secret = cfg.zoho.client_secret, *dir = cfg.state_dir;
	char empty[] = "";
	char *before = world_snapshot(&cfg, STORE_STATES, NULL);

	oauth_cookie_random(cookie, sizeof cookie);
	CHECK(oauth_start_url(&cfg, "zoho", NULL, &url, err, sizeof err) == -1 && url == NULL &&
	    strcmp(err, "no flow cookie") == 0, "no flow cookie: refused (%s)", err);
	CHECK(unchanged_states(before), "...and no state is stored");

	cfg.zoho.client_secret = empty;
	url = unchanged;
	CHECK(oauth_start_url(&cfg, "zoho", cookie, &url, err, sizeof err) == -1 && url == NULL &&
	    strstr(err, "[zoho] client_id, client_secret and redirect_uri must be set") != NULL,
	    "no [zoho] client_secret: refused, naming the keys (%s)", err);
	CHECK(oauth_start_code_url(&cfg, "zoho", &url, err, sizeof err) == -1 && url == NULL,
	    "...a start code too");
	CHECK(unchanged_states(before), "...and no state is stored");
	cfg.zoho.client_secret = secret;

	cfg.state_dir = empty;
	CHECK(oauth_start_url(&cfg, "zoho", cookie, &url, err, sizeof err) == -1 && url == NULL &&
	    strstr(err, "[state] dir must be set") != NULL, "no [state] dir: refused (%s)", err);
	cfg.state_dir = dir;

	/* A state directory others may write to is refused by the store: no address without a state. */
	chmod(cfg.state_dir, 0777);
	CHECK(oauth_start_url(&cfg, "zoho", cookie, &url, err, sizeof err) == -1 && url == NULL &&
	    err[0] != '\0', "a state that cannot be stored: no address (%s)", err);
	chmod(cfg.state_dir, 0700);
	CHECK(unchanged_states(before), "...and none stored");
	free(before);
}

int
main(void)
{
	if (world_open(&cfg) == -1)
		return 1;
	test_zoho_consent();
	test_kommo_consent();
	test_start_code();
	test_refusals();
	world_close(&cfg);
	return CHECK_DONE();
}
