/*
 * Unit tests for the message of a failed remote call (lib/remote.c, lib/remote_call.c):
 * it leads with the remote, the method and the path without its query, then the HTTP
 * status, then the remote's own code and words from the answer (Kommo's problem+json
 * with its validation errors, Zoho Sign's code and message, the token endpoint's
 * error), all within the 255 bytes that reach the log and the job's last_error, with
 * no token and no raw body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kommo.h"
#include "remote.h"
#include "script.h"
#include "store.h"
#include "world.h"
#include "zoho.h"
#include "zoho_token.h"

static struct config cfg;

/* The answer has a query, an HTTP error and Zoho's envelope: the message says all but the query. */
static void
test_zoho_sign(void)
{
	struct remote_result rr;
	json_object *request = NULL;

	script_reset();
	script_answer("POST", "/templates/" W_TEMPLATE "/createdocument*", 400,
	    "{\"code\":9043,\"message\":\"Extra key found\",\"status\":\"failure\"}");
	zoho_request_create(&cfg, W_TEMPLATE, "{\"templates\":{}}", &request, &rr);
	CHECK(rr.outcome == REMOTE_REFUSED && request == NULL && script_over(), "Zoho Sign refuses the request");
	CHECK_STR(rr.message, "Zoho Sign POST /api/v1/templates/" W_TEMPLATE "/createdocument: HTTP 400, "
	    "code 9043: Extra key found", "...the message names the remote, call, status, code and message");

	/* A path with a query: the query is left out. */
	script_reset();
	script_answer("GET", "/requests/" W_REQUEST "/pdf*", 404, "{\"code\":9004,\"message\":\"No such request\"}");
	{
		char *pdf = NULL;
		size_t len = 0;

		zoho_request_pdf(&cfg, W_REQUEST, 1, &pdf, &len, &rr);
		free(pdf);
	}
	CHECK(strchr(script_url(0), '?') != NULL && rr.outcome == REMOTE_NOT_FOUND, "a PDF asked for with a query: not found");
	CHECK_STR(rr.message, "Zoho Sign GET /api/v1/requests/" W_REQUEST "/pdf: HTTP 404",
	    "...the message has the path without the query");

	/* Code != 0 with HTTP 200. */
	script_reset();
	script_answer("GET", "/templates/" W_TEMPLATE, 200,
	    "{\"code\":9101,\"message\":\"Add atleast one field\",\"status\":\"failure\"}");
	zoho_template_get(&cfg, W_TEMPLATE, &request, &rr);
	CHECK_STR(rr.message, "Zoho Sign GET /api/v1/templates/" W_TEMPLATE ": HTTP 200, code 9101: Add atleast one field",
	    "a failure envelope with HTTP 200 reads the same");
	json_object_put(request);

	/* A server error with the envelope: retried, and still says Zoho's words. */
	script_reset();
	script_answer("GET", "/requests/" W_REQUEST, 500, "{\"code\":9999,\"message\":\"Internal error\"}");
	zoho_request_get(&cfg, W_REQUEST, &request, &rr);
	CHECK(rr.outcome == REMOTE_RETRY, "a 500 is retried");
	CHECK_STR(rr.message, "Zoho Sign GET /api/v1/requests/" W_REQUEST ": HTTP 500, code 9999: Internal error",
	    "...and its message carries Zoho's code");

	/* No JSON at all: the status alone, and never the body. */
	script_reset();
	script_answer("GET", "/requests/" W_REQUEST, 502, "<html><body>Bad Gateway secret-ish page</body></html>");
	zoho_request_get(&cfg, W_REQUEST, &request, &rr);
	CHECK_STR(rr.message, "Zoho Sign GET /api/v1/requests/" W_REQUEST ": HTTP 502",
	    "an HTML answer: the call and the status, no body");
	CHECK(strstr(rr.message, W_ZOHO_TOKEN) == NULL, "...and no token");
}

/* Kommo's problem+json: title, detail and the validation errors, in that order. */
static void
test_kommo(void)
{
	struct remote_result rr;
	json_object *lead = NULL;

	script_reset();
	script_answer("POST", "/api/v4/leads/notes", 400,
	    "{\"title\":\"Bad Request\",\"type\":\"https://httpstatus.es/400\",\"status\":400,"
	    "\"detail\":\"Request validation failed\",\"validation-errors\":[{\"request_id\":\"0\","
	    "\"errors\":[{\"code\":\"NotSupportedChoice\",\"path\":\"note_type\",\"detail\":\"The value you "
	    "selected is not a valid choice.\"},{\"code\":\"FieldMissing\",\"path\":\"params.text\","
	    "\"detail\":\"This field is missing.\"},{\"code\":\"Third\",\"path\":\"x\",\"detail\":\"not shown\"}]}]}");
	kommo_note_add(&cfg, W_LEAD, "hello", &rr);
	CHECK(rr.outcome == REMOTE_REFUSED, "Kommo refuses a note");
	CHECK_STR(rr.message, "Kommo POST /api/v4/leads/notes: HTTP 400, Bad Request: Request validation failed; "
	    "note_type: NotSupportedChoice The value you selected is not a valid choice.; params.text: "
	    "FieldMissing This field is missing.", "...its title, detail and first two validation errors");

	script_reset();
	script_answer("GET", "/api/v4/leads/" W_LEAD "*", 404, NULL);
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_NOT_FOUND && strchr(script_url(0), '?') != NULL, "a lead read with a query: not found");
	CHECK_STR(rr.message, "Kommo GET /api/v4/leads/" W_LEAD ": HTTP 404", "...named without the query");

	/* The problem's status differs from HTTP's; an object where text belongs is not dumped. */
	script_reset();
	script_answer("POST", "/api/v4/leads/notes", 503,
	    "{\"title\":\"Service Unavailable\",\"status\":599,\"detail\":{\"inner\":\"dump\"}}");
	kommo_note_add(&cfg, W_LEAD, "hello", &rr);
	CHECK_STR(rr.message, "Kommo POST /api/v4/leads/notes: HTTP 503, Service Unavailable, status 599",
	    "the problem's own status when it differs; a detail that is no text is left out");
}

/* A long remote text is cut at the end, on a character boundary; the lead is whole. */
static void
test_bounds(void)
{
	struct remote_result rr;
	json_object *request = NULL;
	char body[2048], word[] = "\xd0\x96"; /* a two-byte character */
	size_t i;

	snprintf(body, sizeof body, "{\"code\":9043,\"message\":\"");
	for (i = 0; i < 400; i++)
		strcat(body, word);
	strcat(body, "\"}");
	script_reset();
	script_answer("POST", "/templates/" W_TEMPLATE "/createdocument*", 400, body);
	zoho_request_create(&cfg, W_TEMPLATE, "{}", &request, &rr);
	CHECK(strncmp(rr.message, "Zoho Sign POST /api/v1/templates/" W_TEMPLATE "/createdocument: HTTP 400, code 9043: ",
	    strlen("Zoho Sign POST /api/v1/templates/" W_TEMPLATE "/createdocument: HTTP 400, code 9043: ")) == 0,
	    "a long message: the lead is whole (%s)", rr.message);
	CHECK(strlen(rr.message) < sizeof rr.message && strlen(rr.message) > 200 &&
	    strcmp(rr.message + strlen(rr.message) - 3, "...") == 0, "...the text is cut to fit, marked \"...\"");
	CHECK(strstr(rr.message, "\xd0...") == NULL, "...never inside a character");

	/* remote_message itself: a very long code is cut, the text still follows. */
	memset(&rr, 0, sizeof rr);
	rr.http_status = 400;
	snprintf(rr.what, sizeof rr.what, "Kommo POST /api/v4/leads");
	memset(body, 'C', 300);
	body[300] = '\0';
	remote_message(&rr, body, "after the code");
	CHECK(strstr(rr.message, "Kommo POST /api/v4/leads: HTTP 400, CCC") == rr.message &&
	    strstr(rr.message, "...: after the code") != NULL, "a long code is cut, the text follows (%s)", rr.message);
}

/* The token endpoint: its "error" code, and no secret of the request. */
static void
test_token_endpoint(void)
{
	struct remote_result rr;
	char tok[256];

	store_put1(cfg.state_dir, STORE_TOKENS, ZOHO_TOKEN_ACCESS, "{\"token\":\"old\",\"expires_at\":0}");
	script_reset();
	script_answer("POST", "https://accounts.zoho.eu/oauth/v2/token", 500,
	    "{\"error\":\"server_error\",\"status\":\"failure\"}");
	zoho_token_get(&cfg, NULL, tok, sizeof tok, &rr);
	CHECK(rr.outcome == REMOTE_RETRY, "Zoho Accounts fails for now");
	CHECK_STR(rr.message, "Zoho Accounts POST /oauth/v2/token: HTTP 500, error server_error",
	    "...the message names Zoho Accounts and its error");
	CHECK(strstr(rr.message, "refresh") == NULL && strstr(rr.message, "secret") == NULL,
	    "...and nothing of the form sent");
}

int
main(void)
{
	if (world_open(&cfg) == -1 || world_zoho_connected(&cfg) == -1)
		return 1;
	script_begin();
	test_zoho_sign();
	test_kommo();
	test_bounds();
	test_token_endpoint();
	script_end();
	world_close(&cfg);
	return CHECK_DONE();
}
