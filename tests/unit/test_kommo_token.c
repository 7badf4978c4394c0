/*
 * Unit tests for lib/kommo_token.c with the scripted transport, on OAuth: the stored
 * access token used while fresh, refreshed 10 minutes before it expires, a 401 on a
 * call forgetting it and fetching a new one once, a refresh that fails for now being
 * repeated with the same refresh token, a refused refresh token recorded as
 * kommo.auth_needed (no more token requests until Kommo is connected again).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "job.h"
#include "kommo_token.h"
#include "outcome.h"
#include "script.h"
#include "world.h"

#define TOKEN_URL "https://acme.kommo.com/oauth2/access_token"
#define NOTES_URL "/api/v4/leads/notes"
#define PAIR(access, refresh, expires_in) \
	"{\"token_type\":\"Bearer\",\"expires_in\":" expires_in ",\"access_token\":\"" access "\"," \
	"\"refresh_token\":\"" refresh "\"}"
#define EVENT "{\"lead\":\"1001\",\"op\":\"RequestViewed\",\"by_name\":\"Jane Doe\"," \
	"\"by_email\":\"jane@example.com\",\"at_ms\":\"1764442920000\",\"reason\":\"\"}"

static struct config cfg;

/* kommo_token_get's token, or "" with rr's outcome. */
static const char *
get(struct remote_result *rr)
{
	static char tok[256];

	tok[0] = '\0';
	kommo_token_get(&cfg, tok, sizeof tok, rr);
	return tok;
}

static void
test_connect_and_cache(void)
{
	struct kommo_token_status st;
	struct remote_result rr;

	script_reset();
	CHECK(kommo_token_oauth(&cfg), "with no [kommo] token and a client, Kommo is reached through OAuth");
	get(&rr);
	CHECK(rr.outcome == REMOTE_AUTH && strstr(rr.message, "not authorized yet") && script_count() == 0,
	    "before Kommo is connected: authorization refused, nothing asked (%s)", rr.message);

	script_answer("POST", TOKEN_URL, 200, PAIR("a1", "r1", "86400"));
	kommo_token_exchange(&cfg, "code-1", &rr);
	CHECK(rr.outcome == REMOTE_OK && script_over(), "the consent's code is exchanged for a pair");
	CHECK(strstr(script_body(0), "\"grant_type\":\"authorization_code\"") && strstr(script_body(0), "\"code\":\"code-1\"") &&
	    strstr(script_body(0), "\"client_id\":\"kommo-client\"") && strstr(script_headers(0), "application/json"),
	    "...as JSON with the client and the code (%s)", script_body(0));
	kommo_token_status(&cfg, &st);
	CHECK(st.oauth && st.stored && st.auth_needed[0] == '\0', "...and stored");

	script_reset();
	CHECK(strcmp(get(&rr), "a1") == 0 && rr.outcome == REMOTE_OK && script_count() == 0,
	    "a fresh access token is used from the store, nothing asked");

	/* A pair that expires within 10 minutes is refreshed before use. */
	script_answer("POST", TOKEN_URL, 200, PAIR("a2", "r2", "300"));
	kommo_token_exchange(&cfg, "code-2", &rr);
	script_reset();
	script_answer("POST", TOKEN_URL, 200, PAIR("a3", "r3", "86400"));
	CHECK(strcmp(get(&rr), "a3") == 0 && script_over(), "a token expiring in 5 minutes is refreshed first");
	CHECK(strstr(script_body(0), "\"grant_type\":\"refresh_token\"") && strstr(script_body(0), "\"refresh_token\":\"r2\""),
	    "...spending the stored refresh token");
	script_reset();
	CHECK(strcmp(get(&rr), "a3") == 0 && script_count() == 0, "...and the new one is used from then on");
}

static void
run_progress(const char *subject, struct job_result *res)
{
	struct outbox_job job;

	memset(res, 0, sizeof *res);
	res->retry_after = -1;
	if (world_job(&cfg, "progress", subject, EVENT, &job) == -1)
		return;
	outcome_progress(&cfg, &job, res);
	outbox_done(cfg.state_dir, &job, world_now());
	outbox_job_free(&job);
}

static void
test_401(void)
{
	struct job_result res;
	struct remote_result rr;

	script_reset();
	script_answer("POST", NOTES_URL, 401, "{\"title\":\"Unauthorized\",\"status\":401}");
	script_answer("POST", TOKEN_URL, 200, PAIR("a4", "r4", "86400"));
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	run_progress("p-1", &res);
	CHECK(res.done == 1 && script_over(), "a call refused with 401: the token is refreshed and the call made once more");
	CHECK(strstr(script_headers(0), "Bearer a3") && strstr(script_headers(2), "Bearer a4"),
	    "...the first try with the old token, the second with the new");

	script_reset();
	script_answer("POST", NOTES_URL, 401, "{\"title\":\"Unauthorized\",\"status\":401}");
	script_answer("POST", TOKEN_URL, 200, PAIR("a5", "r5", "86400"));
	script_answer("POST", NOTES_URL, 401, "{\"title\":\"Unauthorized\",\"status\":401}");
	run_progress("p-2", &res);
	CHECK(res.done == 0 && res.retry_after == 3600 && script_over(),
	    "refused again after the refresh: no second refresh, the job waits an hour");

	/* Another process refreshed meanwhile: forgetting an older token changes nothing. */
	kommo_token_forget(&cfg, "a4");
	script_reset();
	CHECK(strcmp(get(&rr), "a5") == 0 && script_count() == 0, "forgetting a token no longer stored changes nothing");
}

static void
test_refresh_fails(void)
{
	struct kommo_token_status st;
	struct job_result res;
	struct remote_result rr;

	kommo_token_forget(&cfg, "a5");
	script_reset();
	script_answer("POST", TOKEN_URL, 500, "{\"title\":\"Internal Server Error\",\"status\":500}");
	get(&rr);
	CHECK(rr.outcome == REMOTE_RETRY && script_over(), "a refresh answered 500 is a failure for now");
	script_reset();
	script_lost("POST", TOKEN_URL);
	get(&rr);
	CHECK(rr.outcome == REMOTE_RETRY && script_over(), "...and one whose answer is lost");
	script_reset();
	script_answer("POST", TOKEN_URL, 200, PAIR("a6", "r6", "86400"));
	CHECK(strcmp(get(&rr), "a6") == 0 && script_over() && strstr(script_body(0), "\"refresh_token\":\"r5\""),
	    "...the next asks again with the same refresh token, which Kommo still takes");

	kommo_token_forget(&cfg, "a6");
	script_reset();
	script_answer("POST", TOKEN_URL, 400, "{\"hint\":\"Token has been revoked\",\"title\":\"Bad Request\","
	    "\"type\":\"https://developers.kommo.com/\",\"status\":400,\"detail\":\"Incorrect data\"}");
	get(&rr);
	CHECK(rr.outcome == REMOTE_AUTH && script_over(), "a refresh token Kommo refuses (400): authorization needed");
	kommo_token_status(&cfg, &st);
	CHECK(strstr(st.auth_needed, "Token has been revoked") != NULL, "...recorded as kommo.auth_needed with Kommo's words (%s)",
	    st.auth_needed);
	script_reset();
	get(&rr);
	CHECK(rr.outcome == REMOTE_AUTH && script_count() == 0, "...after which no token request is made");
	run_progress("p-3", &res);
	CHECK(res.done == 0 && res.retry_after == 3600 && script_count() == 0,
	    "...and a job calls nothing and waits an hour (%s)", res.error);

	script_answer("POST", TOKEN_URL, 200, PAIR("a7", "r7", "86400"));
	kommo_token_exchange(&cfg, "code-3", &rr);
	kommo_token_status(&cfg, &st);
	CHECK(rr.outcome == REMOTE_OK && st.auth_needed[0] == '\0', "connecting Kommo again clears the refusal");
	script_reset();
	CHECK(strcmp(get(&rr), "a7") == 0 && script_count() == 0, "...and its token is used");
}

static void
test_long_lived(void)
{
	struct remote_result rr;

	cfg.kommo.token = strdup(W_KOMMO_TOKEN);
	script_reset();
	CHECK(strcmp(get(&rr), W_KOMMO_TOKEN) == 0 && rr.outcome == REMOTE_OK && script_count() == 0,
	    "with a long-lived [kommo] token it is used as is");
	kommo_token_forget(&cfg, W_KOMMO_TOKEN);
	CHECK(strcmp(get(&rr), W_KOMMO_TOKEN) == 0 && script_count() == 0, "...and a 401 does not make it forgotten");
}

int
main(void)
{
	if (world_open(&cfg) == -1)
		return 1;
	free(cfg.kommo.token);
	cfg.kommo.token = NULL;
	script_begin();
	test_connect_and_cache();
	test_401();
	test_refresh_fails();
	test_long_lived();
	script_end();
	world_close(&cfg);
	return CHECK_DONE();
}
