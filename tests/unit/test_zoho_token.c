/*
 * Unit tests for lib/zoho_token.c with the scripted transport: the cached access token
 * used, refreshed 2 minutes before it expires or when the Sign API rejected it (and not
 * when another process refreshed it already), a failed refresh never offering the
 * rejected token again, Zoho's throttle answer (English or translated, HTTP 400 or 200)
 * stopping token requests for 10 minutes, and a refused refresh token recorded as
 * zoho.auth_needed until Zoho Sign is connected again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "script.h"
#include "world.h"
#include "zoho_dc.h"
#include "zoho_token.h"

#define TOKEN_URL "https://accounts.zoho.eu/oauth/v2/token"
#define ACCESS(tok, expires_in) \
	"{\"access_token\":\"" tok "\",\"scope\":\"ZohoSign.documents.ALL\",\"api_domain\":" \
	"\"https://www.zohoapis.eu\",\"token_type\":\"Bearer\",\"expires_in\":" expires_in "}"
#define THROTTLED "{\"error_description\":\"You have made too many requests continuously. Please try again " \
	"after some time.\",\"error\":\"Access Denied\",\"status\":\"failure\"}"

static struct config cfg;

static const char *
get(const char *rejected, struct remote_result *rr)
{
	static char tok[256];

	tok[0] = '\0';
	zoho_token_get(&cfg, rejected, tok, sizeof tok, rr);
	return tok;
}

/* Connects Zoho Sign again with refresh (no access token): marks are forgotten. */
static void
reconnect(const char *refresh)
{
	struct zoho_dc dc;
	char err[256];

	CHECK(zoho_dc_lookup("https://accounts.zoho.eu", &cfg, &dc) == 0 &&
	    zoho_token_connect(&cfg, refresh, NULL, 0, &dc, err, sizeof err) == 0, "Zoho Sign is connected (%s)", refresh);
}

static void
test_cache_and_refresh(void)
{
	struct remote_result rr;

	script_reset();
	script_answer("POST", TOKEN_URL, 200, ACCESS("z1", "3600"));
	CHECK(strcmp(get(NULL, &rr), "z1") == 0 && rr.outcome == REMOTE_OK && script_over(),
	    "no token cached: one is asked for with the configured refresh token");
	CHECK(strstr(script_body(0), "grant_type=refresh_token") && strstr(script_body(0), "refresh_token=1000.refresh.configured") &&
	    strstr(script_body(0), "client_id=1000.CLIENT") && strstr(script_body(0), "client_secret=zoho-client-secret"),
	    "...form-encoded with the client (%s)", script_body(0));
	script_reset();
	CHECK(strcmp(get(NULL, &rr), "z1") == 0 && script_count() == 0, "the cached token is used, nothing asked");

	script_answer("POST", TOKEN_URL, 200, ACCESS("z2", "3600"));
	CHECK(strcmp(get("z1", &rr), "z2") == 0 && script_over(), "the Sign API rejected z1: a new one is asked for");
	script_reset();
	CHECK(strcmp(get("z1", &rr), "z2") == 0 && script_count() == 0,
	    "a rejected token other than the cached one: another process refreshed, nothing asked");

	script_answer("POST", TOKEN_URL, 200, ACCESS("z3", "100"));
	get("z2", &rr);
	script_reset();
	script_answer("POST", TOKEN_URL, 200, ACCESS("z4", "3600"));
	CHECK(strcmp(get(NULL, &rr), "z4") == 0 && script_over(), "a token expiring within 2 minutes is refreshed");

	script_reset();
	script_answer("POST", TOKEN_URL, 500, "<html>Internal error</html>");
	get("z4", &rr);
	CHECK(rr.outcome == REMOTE_RETRY && script_over(), "a refresh answered 500 fails for now (%s)", rr.message);
	script_reset();
	script_timeout("POST", TOKEN_URL);
	get(NULL, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && script_over(),
	    "...the rejected token is not offered again: the next call asks, and times out");
	script_reset();
	script_answer("POST", TOKEN_URL, 200, "{\"error\":\"general_error\",\"error_description\":\"x\",\"status\":\"failure\"}");
	get(NULL, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && script_over(), "an error code that is not the throttle fails for now");
	script_reset();
	script_answer("POST", TOKEN_URL, 200, ACCESS("z5", "3600"));
	CHECK(strcmp(get(NULL, &rr), "z5") == 0 && script_over(), "...and the next call asks again, not paused");
}

static void
test_throttle(void)
{
	struct remote_result rr;

	script_reset();
	script_answer("POST", TOKEN_URL, 400, THROTTLED);
	get("z5", &rr);
	CHECK(rr.outcome == REMOTE_RETRY && rr.retry_after == 600 && script_over(),
	    "Zoho's throttle answer (400, Access Denied): retry in 10 minutes (%ld)", rr.retry_after);
	script_reset();
	get(NULL, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && rr.retry_after > 0 && rr.retry_after <= 600 && script_count() == 0,
	    "...and no token request until then (%s)", rr.message);

	reconnect("1000.refresh.second");
	script_reset();
	script_answer("POST", TOKEN_URL, 200, "{\"error_description\":\"Sie haben zu viele Anfragen gestellt.\","
	    "\"error\":\"Zugriff verweigert\",\"status\":\"failure\"}");
	get(NULL, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && rr.retry_after == 600 && script_over(),
	    "the throttle answer translated, with HTTP 200, is told by its shape");
	CHECK(strstr(script_body(0), "refresh_token=1000.refresh.second") != NULL, "...the connected refresh token was spent");
	script_reset();
	get(NULL, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && script_count() == 0, "...and stops token requests too");
}

static void
test_refused(void)
{
	struct zoho_token_status st;
	struct remote_result rr;

	reconnect("1000.refresh.third");
	script_reset();
	script_answer("POST", TOKEN_URL, 200, "{\"error\":\"invalid_code\"}");
	get(NULL, &rr);
	CHECK(rr.outcome == REMOTE_AUTH && script_over() && strstr(rr.message, "connect Zoho Sign again"),
	    "Zoho refuses the refresh token (invalid_code): authorization needed (%s)", rr.message);
	zoho_token_status(&cfg, &st);
	CHECK(strstr(st.auth_needed, "invalid_code") != NULL, "...recorded as zoho.auth_needed (%s)", st.auth_needed);
	script_reset();
	get(NULL, &rr);
	CHECK(rr.outcome == REMOTE_AUTH && script_count() == 0, "...after which no token request is made");

	reconnect("1000.refresh.fourth");
	zoho_token_status(&cfg, &st);
	CHECK(st.auth_needed[0] == '\0', "connecting again clears the refusal");
	script_reset();
	script_answer("POST", TOKEN_URL, 400, "{\"error\":\"invalid_client\"}");
	get(NULL, &rr);
	CHECK(rr.outcome == REMOTE_AUTH && script_over(), "invalid_client with HTTP 400 is a refusal too");
	reconnect("1000.refresh.fifth");
	script_reset();
	script_answer("POST", TOKEN_URL, 200, ACCESS("z6", "3600"));
	CHECK(strcmp(get(NULL, &rr), "z6") == 0 && script_over(), "...and once connected again tokens come");
}

int
main(void)
{
	if (world_open(&cfg) == -1)
		return 1;
	script_begin();
	test_cache_and_refresh();
	test_throttle();
	test_refused();
	script_end();
	world_close(&cfg);
	return CHECK_DONE();
}
