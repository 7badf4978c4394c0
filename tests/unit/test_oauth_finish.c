/*
 * Unit tests for lib/oauth_finish.c, the browser's return from a consent page, with the
 * scripted transport: a state used once, only in the browser that started the flow and
 * for the provider it was made for; Zoho's accounts-server taken only from the
 * allow-list; the code exchanged at the right token endpoint and every documented
 * answer of it (refusal, throttle, no refresh token, failure, timeout, a lost answer);
 * what is stored on success, that queued jobs then run, and that a refusal stores
 * nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "jfield.h"
#include "kommo_token.h"
#include "oauth_finish.h"
#include "oauth_state.h"
#include "script.h"
#include "store.h"
#include "world.h"
#include "zoho_token.h"

#define ZOHO_TOKEN_URL "https://accounts.zoho.eu/oauth/v2/token"
#define KOMMO_TOKEN_URL "https://acme.kommo.com/oauth2/access_token"
#define ZOHO_GRANT "{\"access_token\":\"1000.access.new\",\"refresh_token\":\"1000.refresh.new\"," \
	"\"api_domain\":\"https://www.zohoapis.eu\",\"token_type\":\"Bearer\",\"expires_in\":3600}"
#define KOMMO_PAIR "{\"token_type\":\"Bearer\",\"expires_in\":86400,\"access_token\":\"kommo-access-1\"," \
	"\"refresh_token\":\"kommo-refresh-1\"}"
#define ZOHO_THROTTLE "{\"error_description\":\"You have made too many requests continuously. Please " \
	"try again after some time.\",\"error\":\"Access Denied\",\"status\":\"failure\"}"
#define ZOHO_THROTTLE_DE "{\"error_description\":\"Sie haben zu viele Anfragen gestellt.\"," \
	"\"error\":\"Zugriff verweigert\",\"status\":\"failure\"}"
#define START_AGAIN "Open the start page"

static struct config cfg;

/* The page's title, "" when none was set. */
#define TITLE(out) ((out).title ? (out).title : "")

/* The browser's flow cookie and the Cookie header it sends. */
static char cookie[OAUTH_COOKIE_VALUE_LEN + 1];
static char cookie_header[128];

/* The token endpoint's next answer: 'a' status and body, 't' a timeout, 'l' lost after the POST. */
static void
script_token_answer(const char *url, char kind, long status, long retry_after, const char *body)
{
	if (kind == 't')
		script_timeout("POST", url);
	else if (kind == 'l')
		script_lost("POST", url);
	else
		script_answer_wait("POST", url, status, retry_after, body);
}

/* A flow started for provider in the test's browser: its state into state. */
static void
start(const char *provider, char *state)
{
	char err[256] = "";

	CHECK(oauth_state_create(cfg.state_dir, provider, cookie, state, OAUTH_STATE_LEN + 1, err,
	    sizeof err) == 0, "a %s flow is started (%s)", provider, err);
}

/* The browser comes back with query (a printf format) and its Cookie header. */
static void finish(const char *header, struct oauth_finish_outcome *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
finish(const char *header, struct oauth_finish_outcome *out, const char *fmt, ...)
{
	struct oauth_query q;
	char query[2048], err[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(query, sizeof query, fmt, ap);
	va_end(ap);
	memset(out, 0, sizeof *out);
	if (oauth_query_parse(query, strlen(query), &q, err, sizeof err) == -1) {
		CHECK(0, "the query %s parses (%s)", query, err);
		return;
	}
	oauth_finish(&cfg, &q, header, out);
	oauth_query_free(&q);
}

static int
state_kept(const char *state)
{
	char *rec = NULL;
	int kept = store_get1(cfg.state_dir, STORE_STATES, state, &rec) == 0;

	free(rec);
	return kept;
}

/* A send job waiting an hour, as one waits for an authorization. */
static void
job_waiting(void)
{
	struct outbox_job job;

	if (world_job(&cfg, "send", W_LEAD, NULL, &job) == 0) {
		outbox_retry(cfg.state_dir, &job, "Zoho authorization needed", 3600, (long long)time(NULL));
		outbox_job_free(&job);
	}
}

static void
test_zoho_connected(void)
{
	char state[OAUTH_STATE_LEN + 1], *tokens, *now;
	struct zoho_token_status st;
	struct oauth_finish_outcome out;
	char *access = NULL, base[256];

	job_waiting();
	CHECK(outbox_due(cfg.state_dir, (long long)time(NULL)) == 0, "a job waits for the authorization");
	start("zoho", state);
	script_reset();
	script_answer("POST", ZOHO_TOKEN_URL, 200, ZOHO_GRANT);
	finish(cookie_header, &out, "state=%s&code=1000.code.abc&location=eu&"
	    "accounts-server=https%%3A%%2F%%2Faccounts.zoho.eu&", state);
	CHECK(out.status == 200 && strcmp(TITLE(out), "Zoho Sign is connected") == 0 &&
	    strstr(out.text, "in the eu data centre (accounts server accounts.zoho.eu)") != NULL,
	    "Zoho's return with a code: connected, naming the data centre (%d %s)", out.status, out.text);
	CHECK(script_over(), "...after one token request to the accounts server named");
	CHECK(strstr(script_body(0), "grant_type=authorization_code") && strstr(script_body(0), "code=1000.code.abc") &&
	    strstr(script_body(0), "client_id=1000.CLIENT") && strstr(script_body(0), "client_secret=zoho-client-secret") &&
	    strstr(script_body(0), "redirect_uri=https%3A%2F%2Fexample.com%2Fcgi-bin%2Foauth-callback"),
	    "...exchanging the code with the client and our callback (%s)", script_body(0));
	zoho_token_status(&cfg, &st);
	CHECK(st.stored && strcmp(st.dc, "eu") == 0 && strcmp(st.accounts_url, "https://accounts.zoho.eu") == 0,
	    "...the refresh token is stored for the eu accounts server");
	CHECK(store_get1(cfg.state_dir, STORE_TOKENS, ZOHO_TOKEN_REFRESH, &access) == 0 &&
	    strstr(access, "\"1000.refresh.new\"") != NULL, "...the one Zoho granted");
	free(access);
	access = NULL;
	CHECK(store_get1(cfg.state_dir, STORE_TOKENS, ZOHO_TOKEN_ACCESS, &access) == 0 &&
	    strstr(access, "\"1000.access.new\"") != NULL, "...with the exchange's access token cached");
	free(access);
	CHECK(!state_kept(state), "...the state is used up");
	CHECK(outbox_due(cfg.state_dir, (long long)time(NULL)) == 1, "...and the waiting job is due now");
	CHECK(strstr(out.text, "1000.") == NULL, "...and the page shows no code or token");

	/* The same address again (a reload, or someone who saw it). */
	tokens = world_snapshot(&cfg, STORE_TOKENS, NULL);
	script_reset();
	finish(cookie_header, &out, "state=%s&code=1000.code.abc&location=eu&"
	    "accounts-server=https%%3A%%2F%%2Faccounts.zoho.eu&", state);
	CHECK(out.status == 400 && strcmp(TITLE(out), "Unknown or used link") == 0 && script_count() == 0,
	    "a state used once is refused the second time, nothing asked (%d %s)", out.status, TITLE(out));
	now = world_snapshot(&cfg, STORE_TOKENS, NULL);
	CHECK_STR(now, tokens, "...and nothing stored");
	free(now);
	free(tokens);

	/* Another data centre: the exchange goes there, and its Sign host is stored. */
	start("zoho", state);
	script_reset();
	script_answer("POST", "https://accounts.zoho.com/oauth/v2/token", 200, ZOHO_GRANT);
	finish(cookie_header, &out, "state=%s&code=1000.code.def&location=us&"
	    "accounts-server=https%%3A%%2F%%2Faccounts.zoho.com", state);
	zoho_token_status(&cfg, &st);
	zoho_token_sign_base(&cfg, base, sizeof base);
	CHECK(out.status == 200 && script_over() && strcmp(st.dc, "com") == 0 &&
	    strcmp(base, "https://sign.zoho.com/api/v1") == 0,
	    "accounts-server accounts.zoho.com: exchanged there, stored with its Sign host (%s)", base);

	/* No accounts-server: the configured data centre's. */
	start("zoho", state);
	script_reset();
	script_answer("POST", ZOHO_TOKEN_URL, 200, ZOHO_GRANT);
	finish(cookie_header, &out, "state=%s&code=1000.code.ghi", state);
	zoho_token_status(&cfg, &st);
	CHECK(out.status == 200 && script_over() && strcmp(st.dc, "eu") == 0,
	    "no accounts-server: exchanged at the configured data centre (%s)", st.dc);
}

/* Refused before any call: what the browser sees, and the tokens unchanged. */
static void
refused(const char *what, int status, const char *title, const char *tokens, const struct oauth_finish_outcome *out)
{
	char *now = world_snapshot(&cfg, STORE_TOKENS, NULL);

	CHECK(out->status == status && out->title != NULL && strcmp(out->title, title) == 0,
	    "%s: %d %s (%d %s: %s)", what, status, title, out->status, out->title ? out->title : "", out->text);
	CHECK(script_count() == 0, "...nothing asked of Zoho or Kommo");
	CHECK(strcmp(now, tokens) == 0, "...and nothing stored");
	free(now);
}

static void
test_refused_state(void)
{
	char state[OAUTH_STATE_LEN + 1], other[OAUTH_STATE_LEN + 1], code[OAUTH_STATE_LEN + 1];
	char foreign[160], err[256], *tokens = world_snapshot(&cfg, STORE_TOKENS, NULL), *rec = NULL;
	struct oauth_finish_outcome out;
	json_object *obj;

	script_reset();
	oauth_cookie_random(other, sizeof other);
	finish(cookie_header, &out, "state=%s&code=1000.code.x", other);
	refused("a state this site never made", 400, "Unknown or used link", tokens, &out);
	finish(cookie_header, &out, "state=abc&code=1000.code.x");
	refused("a state that is no state", 400, "Unknown or used link", tokens, &out);
	finish(cookie_header, &out, "code=1000.code.x");
	refused("no state at all", 400, "Unknown or used link", tokens, &out);

	start("zoho", state);
	finish(NULL, &out, "state=%s&code=1000.code.x", state);
	refused("no cookie (another browser)", 403, "Not the browser that started this connection", tokens, &out);
	CHECK(state_kept(state), "...the state stays for the browser that has the cookie");
	snprintf(foreign, sizeof foreign, OAUTH_COOKIE_FLOW_PREFIX "zoho=%s", other);
	finish(foreign, &out, "state=%s&code=1000.code.x", state);
	refused("another browser's flow cookie", 403, "Not the browser that started this connection", tokens, &out);
	CHECK(state_kept(state), "...the state stays");
	finish("kzs_flow_zoho=short; other=1", &out, "state=%s&code=1000.code.x", state);
	refused("a malformed flow cookie", 403, "Not the browser that started this connection", tokens, &out);

	/* The right browser still finishes with it (here Zoho refuses the code). */
	script_answer("POST", ZOHO_TOKEN_URL, 200, "{\"error\":\"invalid_code\"}");
	finish(cookie_header, &out, "state=%s&code=1000.code.x", state);
	CHECK(out.status == 400 && script_over(), "...which the right browser then uses (%d %s)", out.status, TITLE(out));
	script_reset();

	/* Expired: ten minutes passed. */
	start("zoho", state);
	store_get1(cfg.state_dir, STORE_STATES, state, &rec);
	obj = json_tokener_parse(rec);
	json_object_object_add(obj, "expires_at", json_object_new_int64((long long)time(NULL) - 1));
	store_put1(cfg.state_dir, STORE_STATES, state, json_object_to_json_string(obj));
	json_object_put(obj);
	free(rec);
	finish(cookie_header, &out, "state=%s&code=1000.code.x", state);
	refused("a state past its ten minutes", 400, "Link expired", tokens, &out);
	CHECK(!state_kept(state), "...and removed");

	/* A start code from kzsctl authorize-url is no callback state. */
	CHECK(oauth_state_create(cfg.state_dir, "zoho", NULL, code, sizeof code, err, sizeof err) == 0,
	    "a start code is made");
	finish(cookie_header, &out, "state=%s&code=1000.code.x", code);
	refused("a start code given as the state", 400, "Unknown or used link", tokens, &out);

	/* The state of a Kommo flow on Zoho's return: Kommo's flow, which this config cannot make. */
	start("kommo", state);
	finish(cookie_header, &out, "state=%s&code=1000.code.x&accounts-server=https%%3A%%2F%%2Faccounts.zoho.eu",
	    state);
	refused("a Kommo state on Zoho's return (long-lived Kommo token)", 400, "Kommo is not set up for OAuth",
	    tokens, &out);
	CHECK(!state_kept(state), "...the state is used up");
	free(tokens);
}

static void
test_refused_return(void)
{
	char state[OAUTH_STATE_LEN + 1], *tokens = world_snapshot(&cfg, STORE_TOKENS, NULL);
	struct oauth_finish_outcome out;

	script_reset();
	start("zoho", state);
	finish(cookie_header, &out, "error=access_denied&state=%s", state);
	refused("the admin denied access on Zoho's page", 403, "Access not granted", tokens, &out);
	CHECK(strstr(out.text, "on Zoho's page") != NULL, "...said of Zoho's page");
	CHECK(!state_kept(state), "...the state is used up");

	start("zoho", state);
	finish(cookie_header, &out, "error=unsupported_response_type&state=%s", state);
	refused("Zoho returned another error", 400, "Authorization failed", tokens, &out);
	CHECK(strstr(out.text, "\"unsupported_response_type\"") != NULL, "...named on the page (%s)", out.text);

	start("zoho", state);
	finish(cookie_header, &out, "state=%s&location=eu", state);
	refused("no code", 400, "No authorization code", tokens, &out);
	start("zoho", state);
	finish(cookie_header, &out, "state=%s&code=", state);
	refused("an empty code", 400, "No authorization code", tokens, &out);

	start("zoho", state);
	finish(cookie_header, &out, "state=%s&code=1000.code.x&accounts-server=https%%3A%%2F%%2Faccounts.zoho.eu.evil.example",
	    state);
	refused("an accounts-server not on the allow-list", 400, "Unknown Zoho server", tokens, &out);
	CHECK(strstr(out.text, "https://accounts.zoho.eu.evil.example") != NULL && strstr(out.text, START_AGAIN),
	    "...named on the page, with what to do");
	start("zoho", state);
	finish(cookie_header, &out, "state=%s&code=1000.code.x&accounts-server=http%%3A%%2F%%2Faccounts.zoho.eu", state);
	refused("an accounts-server over plain http", 400, "Unknown Zoho server", tokens, &out);
	free(tokens);
}

/* What Zoho's token endpoint can answer to the code, and what the browser then sees. */
static const struct {
	const char *what;
	char kind; /* 'a' an answer, 't' a timeout, 'l' the answer lost */
	long status;
	const char *body;
	int shown;
	const char *title, *says;
} zoho_answers[] = {
	{ "invalid_code with HTTP 200", 'a', 200, "{\"error\":\"invalid_code\"}", 400,
	  "Zoho refused the authorization", "invalid_code" },
	{ "invalid_client with HTTP 400", 'a', 400, "{\"error\":\"invalid_client\"}", 400,
	  "Zoho refused the authorization", "invalid_client" },
	{ "invalid_redirect_uri", 'a', 200, "{\"error\":\"invalid_redirect_uri\"}", 400,
	  "Zoho refused the authorization", "redirect_uri" },
	{ "an access token but no refresh token", 'a', 200,
	  "{\"access_token\":\"1000.access.x\",\"expires_in\":3600}", 502, "No refresh token", START_AGAIN },
	{ "an error that is neither refusal nor throttle", 'a', 200, "{\"error\":\"general_error\"}", 502,
	  "No token from Zoho", "general_error" },
	{ "500 with an HTML page", 'a', 500, "<html>error</html>", 502, "No token from Zoho", "HTTP 500" },
	{ "200 that is no JSON", 'a', 200, "<html>maintenance</html>", 502, "No token from Zoho", "unexpected" },
	{ "a timeout", 't', 0, NULL, 502, "No token from Zoho", "Timeout was reached" },
	{ "an answer lost after the POST", 'l', 0, NULL, 502, "No token from Zoho", "answer lost" },
};

static void
test_zoho_token_answers(void)
{
	char state[OAUTH_STATE_LEN + 1], *tokens = world_snapshot(&cfg, STORE_TOKENS, NULL), *now, *until = NULL;
	struct oauth_finish_outcome out;
	size_t i;

	for (i = 0; i < sizeof zoho_answers / sizeof zoho_answers[0]; i++) {
		start("zoho", state);
		script_reset();
		script_token_answer(ZOHO_TOKEN_URL, zoho_answers[i].kind, zoho_answers[i].status, -1,
		    zoho_answers[i].body);
		finish(cookie_header, &out, "state=%s&code=1000.code.x&accounts-server=https%%3A%%2F%%2Faccounts.zoho.eu",
		    state);
		now = world_snapshot(&cfg, STORE_TOKENS, NULL);
		CHECK(out.status == zoho_answers[i].shown && strcmp(TITLE(out), zoho_answers[i].title) == 0 &&
		    strstr(out.text, zoho_answers[i].says) != NULL,
		    "Zoho's token endpoint answers %s: %d %s (%d %s: %s)", zoho_answers[i].what, zoho_answers[i].shown,
		    zoho_answers[i].title, out.status, TITLE(out), out.text);
		CHECK(script_over(), "...after the one exchange, not repeated");
		CHECK(strcmp(now, tokens) == 0, "...and nothing stored");
		CHECK(strstr(out.text, "Nothing was stored") != NULL && strstr(out.text, "zoho-client-secret") == NULL &&
		    strstr(out.text, "1000.code") == NULL, "...which the page says, showing no secret or code");
		free(now);
	}

	/* Zoho's throttle, in English or translated: every process stops asking for 10 minutes. */
	for (i = 0; i < 2; i++) {
		start("zoho", state);
		script_reset();
		script_answer("POST", ZOHO_TOKEN_URL, i ? 200 : 400, i ? ZOHO_THROTTLE_DE : ZOHO_THROTTLE);
		finish(cookie_header, &out, "state=%s&code=1000.code.x", state);
		CHECK(out.status == 503 && strcmp(TITLE(out), "Zoho is limiting requests") == 0 &&
		    out.headers != NULL && strcmp(out.headers, "Retry-After: 600\r\n") == 0 && script_over(),
		    "Zoho's throttle answer%s: 503 with Retry-After: 600 (%d %s)", i ? ", translated" : "",
		    out.status, TITLE(out));
		now = world_snapshot(&cfg, STORE_TOKENS, ZOHO_TOKEN_THROTTLE);
		CHECK(strcmp(now, tokens) == 0, "...no token stored");
		free(now);
		CHECK(store_get1(cfg.state_dir, STORE_TOKENS, ZOHO_TOKEN_THROTTLE, &until) == 0 &&
		    strtoll(until, NULL, 10) > (long long)time(NULL) + 500,
		    "...and the throttle is recorded for 10 minutes (%s)", until ? until : "none");
		free(until);
		until = NULL;
	}
	free(tokens);
}

/* The tokens store refuses the change (here a link in place of the file, which it never
 * follows): the browser is told, and nothing is half stored. */
static void
test_zoho_not_stored(void)
{
	char state[OAUTH_STATE_LEN + 1], *tokens, *now, path[512], aside[520];
	struct oauth_finish_outcome out;

	start("zoho", state);
	tokens = world_snapshot(&cfg, STORE_TOKENS, NULL);
	snprintf(path, sizeof path, "%s/%s.db", cfg.state_dir, STORE_TOKENS);
	snprintf(aside, sizeof aside, "%s.aside", path);
	if (rename(path, aside) == -1 || symlink(aside, path) == -1)
		CHECK(0, "the tokens file is replaced by a link");
	script_reset();
	script_answer("POST", ZOHO_TOKEN_URL, 200, ZOHO_GRANT);
	finish(cookie_header, &out, "state=%s&code=1000.code.x", state);
	unlink(path);
	rename(aside, path);
	CHECK(out.status == 503 && strcmp(TITLE(out), "Not stored") == 0 && script_over(),
	    "a grant the tokens store refuses: 503, not stored (%d %s: %s)", out.status, TITLE(out), out.text);
	now = world_snapshot(&cfg, STORE_TOKENS, NULL);
	CHECK_STR(now, tokens, "...and the tokens are as they were");
	free(now);
	free(tokens);
}

/* What Kommo's token endpoint can answer to the code. */
static const struct {
	const char *what;
	char kind;
	long status, retry_after;
	const char *body;
	int shown;
	const char *title, *says;
} kommo_answers[] = {
	{ "400 with a hint (a used or expired code)", 'a', 400, -1,
	  "{\"hint\":\"Authorization code has been revoked\",\"title\":\"Bad Request\",\"type\":"
	  "\"https://developers.kommo.com/\",\"status\":400,\"detail\":\"Incorrect data\"}", 400,
	  "Kommo refused the authorization", "Authorization code has been revoked" },
	{ "401 (a wrong client)", 'a', 401, -1,
	  "{\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"Client authentication failed\"}", 400,
	  "Kommo refused the authorization", "Client authentication failed" },
	{ "500", 'a', 500, -1, "{\"title\":\"Internal Server Error\",\"status\":500,\"trace_id\":\"a1\"}", 502,
	  "Kommo could not be reached", "HTTP 500" },
	{ "429 with retry_after", 'a', 429, 30, "{\"title\":\"Too Many Requests\",\"status\":429}", 502,
	  "Kommo could not be reached", "HTTP 429" },
	{ "429 with no wait given", 'a', 429, -1, "Too Many Requests", 502, "Kommo could not be reached",
	  "HTTP 429" },
	{ "200 without a refresh token", 'a', 200, -1,
	  "{\"token_type\":\"Bearer\",\"expires_in\":86400,\"access_token\":\"kommo-access-x\"}", 502,
	  "Kommo could not be reached", "no tokens in the answer" },
	{ "a timeout", 't', 0, -1, NULL, 502, "Kommo could not be reached", "Timeout was reached" },
	{ "an answer lost after the POST", 'l', 0, -1, NULL, 502, "Kommo could not be reached", "answer lost" },
};

static void
test_kommo(void)
{
	char state[OAUTH_STATE_LEN + 1], *tokens, *now, *pair = NULL, *token = cfg.kommo.token;
	struct oauth_finish_outcome out;
	size_t i;

	cfg.kommo.token = NULL;
	tokens = world_snapshot(&cfg, STORE_TOKENS, NULL);
	for (i = 0; i < sizeof kommo_answers / sizeof kommo_answers[0]; i++) {
		start("kommo", state);
		script_reset();
		script_token_answer(KOMMO_TOKEN_URL, kommo_answers[i].kind, kommo_answers[i].status,
		    kommo_answers[i].retry_after, kommo_answers[i].body);
		finish(cookie_header, &out, "code=def502-code&state=%s&referer=acme.kommo.com", state);
		now = world_snapshot(&cfg, STORE_TOKENS, NULL);
		CHECK(out.status == kommo_answers[i].shown && strcmp(TITLE(out), kommo_answers[i].title) == 0 &&
		    strstr(out.text, kommo_answers[i].says) != NULL,
		    "Kommo's token endpoint answers %s: %d %s (%d %s: %s)", kommo_answers[i].what,
		    kommo_answers[i].shown, kommo_answers[i].title, out.status, TITLE(out), out.text);
		CHECK(script_over(), "...after the one exchange, not repeated");
		CHECK(strcmp(now, tokens) == 0, "...and nothing stored");
		free(now);
	}

	start("kommo", state);
	script_reset();
	finish(cookie_header, &out, "error=access_denied&state=%s", state);
	refused("the admin denied access on Kommo's page", 403, "Access not granted", tokens, &out);
	CHECK(strstr(out.text, "on Kommo's page") != NULL, "...said of Kommo's page");

	job_waiting();
	start("kommo", state);
	script_reset();
	script_answer("POST", KOMMO_TOKEN_URL, 200, KOMMO_PAIR);
	finish(cookie_header, &out, "code=def502-code&state=%s&referer=acme.kommo.com", state);
	CHECK(out.status == 200 && strcmp(TITLE(out), "Kommo is connected") == 0 &&
	    strstr(out.text, "https://acme.kommo.com") != NULL && script_over(),
	    "Kommo's return with a code: connected (%d %s)", out.status, out.text);
	CHECK(strstr(script_body(0), "\"grant_type\":\"authorization_code\"") &&
	    strstr(script_body(0), "\"code\":\"def502-code\"") && strstr(script_body(0), "\"client_id\":\"kommo-client\""),
	    "...the code exchanged with the client (%s)", script_body(0));
	CHECK(store_get1(cfg.state_dir, STORE_TOKENS, KOMMO_TOKEN_OAUTH, &pair) == 0 &&
	    strstr(pair, "\"kommo-access-1\"") && strstr(pair, "\"kommo-refresh-1\""), "...and the pair stored");
	free(pair);
	CHECK(outbox_due(cfg.state_dir, (long long)time(NULL)) == 1, "...and the waiting job is due now");
	CHECK(!state_kept(state), "...the state is used up");

	/* A Zoho state on Kommo's return goes to Zoho, whose token endpoint is asked. */
	start("zoho", state);
	script_reset();
	script_answer("POST", ZOHO_TOKEN_URL, 200, "{\"error\":\"invalid_code\"}");
	finish(cookie_header, &out, "code=def502-code&state=%s&referer=acme.kommo.com", state);
	CHECK(out.status == 400 && script_over() && script_count_of("POST", KOMMO_TOKEN_URL) == 0,
	    "a Zoho flow's state decides the provider, not the shape of the return: Kommo is not asked");
	free(tokens);
	cfg.kommo.token = token;
}

int
main(void)
{
	if (world_open(&cfg) == -1 || world_zoho_connected(&cfg) == -1 ||
	    oauth_cookie_random(cookie, sizeof cookie) == -1)
		return 1;
	snprintf(cookie_header, sizeof cookie_header, "theme=dark; " OAUTH_COOKIE_FLOW_PREFIX "zoho=%s", cookie);
	script_begin();
	test_zoho_connected();
	test_refused_state();
	test_refused_return();
	test_zoho_token_answers();
	test_kommo();
	test_zoho_not_stored();
	script_end();
	world_close(&cfg);
	return CHECK_DONE();
}
