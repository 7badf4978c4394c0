/*
 * Unit tests for lib/zoho_accounts.c with the scripted transport: the token request as
 * Zoho Accounts receives it (a form POST to <accounts>/oauth/v2/token), and how each
 * answer reads (tests/fakes/API.md, Zoho Accounts): a token only with an access_token
 * and no error; invalid_* and unsupported_* refusals with HTTP 200 or 400; the throttle
 * answer, in English or translated, with HTTP 400 or 200, told from other errors by its
 * shape; an answer missing its fields, not JSON, a 5xx or no answer at all: ask again
 * later. No message carries a secret or the remote's raw bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "jfield.h"
#include "script.h"
#include "world.h"
#include "zoho_accounts.h"

#define ACCOUNTS "https://accounts.zoho.eu"
#define TOKEN_URL ACCOUNTS "/oauth/v2/token"
#define SECRET "zoho-client-secret"
#define REFRESH "1000.refresh&token=x y"

static struct config cfg;

static const char *const refresh_params[] = { "grant_type", "refresh_token", "refresh_token", REFRESH,
	"client_id", "1000.CLIENT", "client_secret", SECRET, NULL };

static const char *
answer_name(enum zoho_accounts_answer a)
{
	switch (a) {
	case ZOHO_ACCOUNTS_TOKEN: return "token";
	case ZOHO_ACCOUNTS_REFUSED: return "refused";
	case ZOHO_ACCOUNTS_THROTTLED: return "throttled";
	case ZOHO_ACCOUNTS_FAILED: return "failed";
	}
	return "?";
}

/* One token request answered status with body; returns how it reads, rr and the error. */
static enum zoho_accounts_answer
ask(long status, const char *body, struct remote_result *rr, char *error, size_t errlen)
{
	json_object *answer = NULL;
	enum zoho_accounts_answer a;

	script_reset();
	script_answer("POST", TOKEN_URL, status, body);
	a = zoho_accounts_token(&cfg, ACCOUNTS, refresh_params, &answer, rr);
	snprintf(error, errlen, "%s", jfield_text(answer, "error"));
	json_object_put(answer);
	if (!script_over())
		printf("# the call was not the one scripted\n");
	return a;
}

static int
clean(const struct remote_result *rr)
{
	return strstr(rr->message, SECRET) == NULL && strstr(rr->message, "1000.refresh") == NULL &&
	    strchr(rr->message, '\n') == NULL;
}

static void
test_request_and_token(void)
{
	struct remote_result rr;
	json_object *answer = NULL;
	enum zoho_accounts_answer a;

	script_reset();
	script_answer("POST", TOKEN_URL, 200, "{\"access_token\":\"1000.access\",\"scope\":\"ZohoSign.documents.ALL\","
	    "\"api_domain\":\"https://www.zohoapis.eu\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
	a = zoho_accounts_token(&cfg, ACCOUNTS, refresh_params, &answer, &rr);
	CHECK(a == ZOHO_ACCOUNTS_TOKEN && rr.outcome == REMOTE_OK && rr.message[0] == '\0' && script_over(),
	    "an answer with an access_token is a token: %s", answer_name(a));
	CHECK(strcmp(jfield_text(answer, "access_token"), "1000.access") == 0 &&
	    strcmp(jfield_text(answer, "expires_in"), "3600") == 0, "the answer is handed back whole");
	json_object_put(answer);
	CHECK_STR(script_url(0), TOKEN_URL, "the request goes to the data centre's token endpoint");
	CHECK_STR(script_body(0), "grant_type=refresh_token&refresh_token=1000.refresh%26token%3Dx%20y&"
	    "client_id=1000.CLIENT&client_secret=" SECRET, "as a form, every value encoded");
	CHECK(strstr(script_headers(0), "Content-Type: application/x-www-form-urlencoded") &&
	    strstr(script_headers(0), "Authorization") == NULL,
	    "with the form's type and no Authorization header");
}

#define ANSWERED(error, status) "Zoho Accounts POST /oauth/v2/token: HTTP " #status ", error " error
#define UNEXPECTED(status) "Zoho Accounts POST /oauth/v2/token: HTTP " #status ": unexpected answer"
#define THROTTLE_EN "\"error_description\":\"You have made too many requests continuously. Please try " \
	"again after some time.\",\"error\":\"Access Denied\",\"status\":\"failure\""

/* Each answer of the token endpoint, how it reads, and the message the caller gets. */
static const struct reading {
	long status;
	const char *body, *what;
	enum zoho_accounts_answer want;
	enum remote_outcome outcome;
	const char *message;
} readings[] = {
	/* the grant or the client is wrong */
	{ 200, "{\"error\":\"invalid_code\"}", "invalid_code", ZOHO_ACCOUNTS_REFUSED, REMOTE_AUTH,
	    ANSWERED("invalid_code", 200) },
	{ 400, "{\"error\":\"invalid_code\"}", "invalid_code", ZOHO_ACCOUNTS_REFUSED, REMOTE_AUTH,
	    ANSWERED("invalid_code", 400) },
	{ 400, "{\"error\":\"invalid_client\"}", "invalid_client", ZOHO_ACCOUNTS_REFUSED, REMOTE_AUTH,
	    ANSWERED("invalid_client", 400) },
	{ 200, "{\"error\":\"invalid_client_secret\"}", "invalid_client_secret", ZOHO_ACCOUNTS_REFUSED,
	    REMOTE_AUTH, ANSWERED("invalid_client_secret", 200) },
	{ 200, "{\"error\":\"invalid_redirect_uri\"}", "invalid_redirect_uri", ZOHO_ACCOUNTS_REFUSED,
	    REMOTE_AUTH, ANSWERED("invalid_redirect_uri", 200) },
	{ 400, "{\"error\":\"unsupported_grant_type\"}", "unsupported_grant_type", ZOHO_ACCOUNTS_REFUSED,
	    REMOTE_AUTH, ANSWERED("unsupported_grant_type", 400) },
	{ 200, "{\"access_token\":\"1000.x\",\"error\":\"invalid_code\"}", "an error beside a token",
	    ZOHO_ACCOUNTS_REFUSED, REMOTE_AUTH, ANSWERED("invalid_code", 200) },
	/* Zoho's throttle answer, told by its shape */
	{ 400, "{" THROTTLE_EN "}", "the throttle answer", ZOHO_ACCOUNTS_THROTTLED, REMOTE_RETRY,
	    ANSWERED("Access Denied", 400) },
	{ 200, "{" THROTTLE_EN "}", "the throttle answer", ZOHO_ACCOUNTS_THROTTLED, REMOTE_RETRY,
	    ANSWERED("Access Denied", 200) },
	{ 400, "{\"error\":\"Access Denied\"}", "\"Access Denied\" alone", ZOHO_ACCOUNTS_THROTTLED,
	    REMOTE_RETRY, ANSWERED("Access Denied", 400) },
	{ 400, "{\"error_description\":\"Sie haben zu viele Anfragen gestellt.\",\"error\":\"Zugriff verweigert\","
	    "\"status\":\"failure\"}", "the throttle answer translated", ZOHO_ACCOUNTS_THROTTLED, REMOTE_RETRY,
	    ANSWERED("Zugriff verweigert", 400) },
	{ 200, "{\"error\":\"general_error\",\"error_description\":\"x\",\"status\":\"failure\"}",
	    "an error code in the throttle's shape", ZOHO_ACCOUNTS_FAILED, REMOTE_RETRY,
	    ANSWERED("general_error", 200) },
	{ 400, "{\"error\":\"Zugriff verweigert\",\"status\":\"failure\"}", "words without a description",
	    ZOHO_ACCOUNTS_FAILED, REMOTE_RETRY, ANSWERED("Zugriff verweigert", 400) },
	{ 400, "{\"error\":\"Zugriff verweigert\",\"error_description\":\"x\"}", "words without status failure",
	    ZOHO_ACCOUNTS_FAILED, REMOTE_RETRY, ANSWERED("Zugriff verweigert", 400) },
	{ 200, "{\"error\":\"internal_error\"}", "another error code", ZOHO_ACCOUNTS_FAILED, REMOTE_RETRY,
	    ANSWERED("internal_error", 200) },
	/* fields missing, not JSON, the server failing: ask again later */
	{ 200, "{}", "an empty object", ZOHO_ACCOUNTS_FAILED, REMOTE_RETRY, UNEXPECTED(200) },
	{ 200, "{\"access_token\":\"\",\"expires_in\":3600}", "an empty access_token", ZOHO_ACCOUNTS_FAILED,
	    REMOTE_RETRY, UNEXPECTED(200) },
	{ 200, "{\"access_token\":null}", "a null access_token", ZOHO_ACCOUNTS_FAILED, REMOTE_RETRY,
	    UNEXPECTED(200) },
	{ 200, "{\"token\":\"1000.access\"}", "no access_token", ZOHO_ACCOUNTS_FAILED, REMOTE_RETRY,
	    UNEXPECTED(200) },
	{ 200, "<html>Service temporarily unavailable</html>", "an answer that is not JSON", ZOHO_ACCOUNTS_FAILED,
	    REMOTE_RETRY, UNEXPECTED(200) },
	{ 200, NULL, "an empty answer", ZOHO_ACCOUNTS_FAILED, REMOTE_RETRY, UNEXPECTED(200) },
	{ 400, "{\"message\":\"bad\"}", "no error", ZOHO_ACCOUNTS_FAILED, REMOTE_RETRY,
	    UNEXPECTED(400) },
	{ 500, "{\"error\":\"\"}", "a server error", ZOHO_ACCOUNTS_FAILED, REMOTE_RETRY, "Zoho Accounts POST /oauth/v2/token: HTTP 500" },
	{ 503, "<html>down</html>", "a server error as a page", ZOHO_ACCOUNTS_FAILED, REMOTE_RETRY,
	    "Zoho Accounts POST /oauth/v2/token: HTTP 503" },
};

static void
test_readings(void)
{
	struct remote_result rr;
	char error[64];
	size_t i;

	for (i = 0; i < sizeof readings / sizeof readings[0]; i++) {
		const struct reading *r = &readings[i];
		enum zoho_accounts_answer a = ask(r->status, r->body, &rr, error, sizeof error);

		CHECK(a == r->want && rr.outcome == r->outcome && strcmp(rr.message, r->message) == 0 && clean(&rr),
		    "HTTP %ld, %s: %s (%s, \"%s\")", r->status, r->what, answer_name(r->want), answer_name(a),
		    rr.message);
	}
	ask(200, "{\"error\":\"invalid_code\"}", &rr, error, sizeof error);
	CHECK_STR(error, "invalid_code", "the answer is handed back with its error, for the caller's mark");
}

static void
test_lost(void)
{
	struct remote_result rr;

	script_reset();
	script_lost("POST", TOKEN_URL);
	{
		json_object *answer = (json_object *)1;
		enum zoho_accounts_answer a = zoho_accounts_token(&cfg, ACCOUNTS, refresh_params, &answer, &rr);

		CHECK(a == ZOHO_ACCOUNTS_FAILED && rr.outcome == REMOTE_RETRY && answer == NULL && script_over(),
		    "a lost answer: ask again later, no answer handed back (%s)", rr.message);
	}
	script_reset();
	script_timeout("POST", TOKEN_URL);
	{
		json_object *answer = NULL;
		enum zoho_accounts_answer a = zoho_accounts_token(&cfg, ACCOUNTS, refresh_params, &answer, &rr);

		CHECK(a == ZOHO_ACCOUNTS_FAILED && rr.outcome == REMOTE_RETRY && script_over(),
		    "no answer in time: ask again later (%s)", rr.message);
	}
}

/* The remote's error is shown short and printable, on one line (a log line, a status). */
static void
test_message_shape(void)
{
	struct remote_result rr;
	char error[200];
	enum zoho_accounts_answer a;

	a = ask(200, "{\"error\":\"invalid_\\n\\u0007line two 0123456789 0123456789 0123456789 the end\"}", &rr,
	    error, sizeof error);
	CHECK(a == ZOHO_ACCOUNTS_REFUSED &&
	    strncmp(rr.message, "Zoho Accounts POST /oauth/v2/token: HTTP 200, error invalid_", 60) == 0 &&
	    strchr(rr.message, '\n') == NULL && strchr(rr.message, '\a') == NULL &&
	    strstr(rr.message, "the end") == NULL,
	    "a long error with control characters is shown cut and printable, one line: \"%s\"", rr.message);
}

int
main(void)
{
	if (world_open(&cfg) == -1)
		return 1;
	script_begin();
	test_request_and_token();
	test_readings();
	test_lost();
	test_message_shape();
	script_end();
	world_close(&cfg);
	return CHECK_DONE();
}
