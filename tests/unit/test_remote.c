/*
 * Unit tests for lib/remote.c: how every kind of answer is judged (ok, gone, retry
 * later, credentials refused, request refused) and how long a retry is told to wait;
 * first by remote_classify alone, then through remote_call with the scripted
 * transport and the Kommo and Zoho Sign service descriptions, which add their own
 * signs of failure (an answer that is not JSON, Zoho's non-zero "code" in a 200,
 * Kommo's 403 pause). Last, what the job runner makes of each outcome (job_failed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "job.h"
#include "kommo.h"
#include "remote.h"
#include "script.h"
#include "store.h"
#include "world.h"
#include "zoho.h"

#define KOMMO_LEAD_URL "/api/v4/leads/1001?with=contacts"
#define ZOHO_REQ_URL "/api/v1/requests/" W_REQUEST
#define ZOHO_TOKEN_URL "https://accounts.zoho.eu/oauth/v2/token"
#define ZOHO_REQ_JSON "{\"code\":0,\"status\":\"success\",\"requests\":{\"request_id\":" W_REQUEST "}}"

static struct config cfg;

/* remote_classify on an answer with this status, Retry-After (-1: none) and body. */
static enum remote_outcome
classify(long status, long retry_after, const char *body, struct remote_result *rr, json_object **json)
{
	struct http_response res;
	char text[512];

	snprintf(text, sizeof text, "%s", body ? body : "");
	memset(&res, 0, sizeof res);
	res.status = status;
	res.retry_after = retry_after;
	res.body = text;
	res.len = strlen(text);
	remote_classify("GET /x", 0, &res, rr, json);
	return rr->outcome;
}

static void
test_classify_status(void)
{
	static const struct {
		long status;
		enum remote_outcome want;
	} table[] = {
		{ 200, REMOTE_OK }, { 201, REMOTE_OK }, { 202, REMOTE_OK },
		{ 204, REMOTE_NOT_FOUND }, { 404, REMOTE_NOT_FOUND },
		{ 400, REMOTE_REFUSED }, { 402, REMOTE_REFUSED }, { 405, REMOTE_REFUSED },
		{ 409, REMOTE_REFUSED }, { 413, REMOTE_REFUSED }, { 415, REMOTE_REFUSED },
		{ 422, REMOTE_REFUSED },
		{ 401, REMOTE_AUTH },
		{ 403, REMOTE_RETRY }, { 408, REMOTE_RETRY }, { 429, REMOTE_RETRY },
		{ 500, REMOTE_RETRY }, { 502, REMOTE_RETRY }, { 503, REMOTE_RETRY }, { 504, REMOTE_RETRY },
	};
	struct remote_result rr;
	json_object *json;
	size_t i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		enum remote_outcome got = classify(table[i].status, -1, "{}", &rr, &json);

		CHECK(got == table[i].want && rr.http_status == table[i].status,
		    "HTTP %ld is \"%s\" (got \"%s\")", table[i].status, remote_outcome_name(table[i].want),
		    remote_outcome_name(got));
		json_object_put(json);
	}

	classify(422, -1, "{\"title\":\"Unprocessable\"}", &rr, &json);
	CHECK_STR(rr.message, "GET /x: HTTP 422", "a refusal's message names the call and the status");
	CHECK(json != NULL, "...and its JSON answer is read (the service may say more)");
	json_object_put(json);

	classify(200, -1, "{\"id\":7}", &rr, &json);
	CHECK(rr.message[0] == '\0' && json != NULL && json_object_get_int(json_object_object_get(json, "id")) == 7,
	    "a 200 has no message and its JSON answer is parsed");
	json_object_put(json);

	classify(502, -1, "<html>Bad Gateway</html>", &rr, &json);
	CHECK(rr.outcome == REMOTE_RETRY && json == NULL, "an HTML error page is not read as JSON");
	classify(200, -1, "not json", &rr, &json);
	CHECK(rr.outcome == REMOTE_OK && json == NULL, "a 200 that is not JSON gives no JSON (the service judges it)");
	classify(200, -1, "", &rr, &json);
	CHECK(json == NULL, "an empty answer gives no JSON");
	classify(200, -1, "{\"id\":7}", &rr, NULL);
	CHECK(rr.outcome == REMOTE_OK, "a caller that wants no JSON gets none parsed");
}

static void
test_classify_wait(void)
{
	struct remote_result rr;
	json_object *json;

	classify(429, 30, NULL, &rr, &json);
	CHECK(rr.outcome == REMOTE_RETRY && rr.retry_after == 30, "429 with Retry-After: 30 waits 30 s (%ld)",
	    rr.retry_after);
	classify(429, -1, "{\"title\":\"Too Many Requests\",\"retry_after\":12}", &rr, &json);
	CHECK(rr.outcome == REMOTE_RETRY && rr.retry_after == 12,
	    "429 with retry_after 12 in Kommo's problem body waits 12 s (%ld)", rr.retry_after);
	json_object_put(json);
	classify(429, 30, "{\"retry_after\":12}", &rr, &json);
	CHECK(rr.retry_after == 30, "the Retry-After header wins over the body (%ld)", rr.retry_after);
	json_object_put(json);
	classify(429, -1, "{\"title\":\"Too Many Requests\"}", &rr, &json);
	CHECK(rr.outcome == REMOTE_RETRY && rr.retry_after == -1,
	    "429 saying nothing of a wait leaves it to the backoff (-1, got %ld)", rr.retry_after);
	json_object_put(json);
	classify(503, 120, "<html>down</html>", &rr, &json);
	CHECK(rr.outcome == REMOTE_RETRY && rr.retry_after == 120, "503 with Retry-After: 120 waits 120 s");
}

static void
test_classify_transport(void)
{
	struct http_response res;
	struct remote_result rr;
	json_object *json = json_object_new_object(), *before = json; /* must be reset */
	char empty[1] = "";

	memset(&res, 0, sizeof res);
	res.retry_after = -1;
	res.body = empty;
	snprintf(res.error, sizeof res.error, "Timeout was reached");
	remote_classify("POST /api/v4/leads/notes", -1, &res, &rr, &json);
	CHECK(rr.outcome == REMOTE_RETRY && json == NULL && rr.http_status == 0,
	    "a transport failure is retried, with no JSON and no status");
	CHECK_STR(rr.message, "POST /api/v4/leads/notes: Timeout was reached", "...its message says what failed");
	CHECK(rr.not_started == 0, "...and the call counts as made");
	json_object_put(before);

	res.not_started = 1;
	snprintf(res.error, sizeof res.error, "the run's time is up");
	remote_classify("GET /x", -1, &res, &rr, NULL);
	CHECK(rr.outcome == REMOTE_RETRY && rr.not_started == 1,
	    "a call not started (the run's time was up) is retried and says so");
}

/* ---- through remote_call, with the services' own judges ---- */

static void
test_kommo(void)
{
	struct remote_result rr;
	json_object *lead;
	char *until = NULL;

	script_reset();
	script_answer("GET", KOMMO_LEAD_URL, 200, W_LEAD_JSON(W_TRIGGER));
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_OK && lead != NULL && script_over(), "Kommo 200 with JSON: ok");
	CHECK(strstr(script_headers(0), "Authorization: Bearer " W_KOMMO_TOKEN "\n") != NULL,
	    "...sent with the Kommo token");
	json_object_put(lead);

	script_reset();
	script_answer("GET", KOMMO_LEAD_URL, 200, "<html>maintenance</html>");
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && lead == NULL && strstr(rr.message, "answer is not JSON"),
	    "Kommo 200 that is not JSON: retried (%s)", rr.message);

	script_reset();
	script_answer("GET", KOMMO_LEAD_URL, 204, NULL);
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_NOT_FOUND && lead == NULL, "Kommo 204: the lead is gone");

	script_reset();
	script_answer("GET", KOMMO_LEAD_URL, 400,
	    "{\"title\":\"Bad Request\",\"status\":400,\"detail\":\"Request validation failed\"}");
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_REFUSED && lead == NULL, "Kommo 400: refused, no answer handed back");
	CHECK(strstr(rr.message, "HTTP 400, Bad Request: Request validation failed") != NULL,
	    "...the problem's detail is kept for the log (%s)", rr.message);

	script_reset();
	script_answer("GET", KOMMO_LEAD_URL, 401, "{\"title\":\"Unauthorized\",\"status\":401}");
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_AUTH && script_over() && script_count() == 1,
	    "Kommo 401 to the long-lived token: credentials refused, not tried again (it cannot be renewed)");

	script_reset();
	script_answer_wait("GET", KOMMO_LEAD_URL, 429, 7, "{\"title\":\"Too Many Requests\",\"status\":429}");
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && rr.retry_after == 7 && script_count() == 1,
	    "Kommo 429 with Retry-After: retried after 7 s (%ld), not at once", rr.retry_after);

	script_reset();
	script_answer("GET", KOMMO_LEAD_URL, 429, "{\"title\":\"Too Many Requests\",\"retry_after\":9}");
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && rr.retry_after == 9, "Kommo 429 with retry_after 9 in the body: 9 s (%ld)",
	    rr.retry_after);

	script_reset();
	script_answer("GET", KOMMO_LEAD_URL, 503, "<html>Service Unavailable</html>");
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && rr.retry_after == -1 && strstr(rr.message, "HTTP 503"),
	    "Kommo 503: retried with the usual backoff (%s)", rr.message);

	script_reset();
	script_timeout("GET", KOMMO_LEAD_URL);
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && strstr(rr.message, "Timeout") && script_count() == 1,
	    "Kommo timeout: retried later, not at once (%s)", rr.message);

	script_reset();
	script_lost("GET", KOMMO_LEAD_URL);
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && strstr(rr.message, "answer lost"), "Kommo answer lost: retried (%s)",
	    rr.message);

	/* 403 is Kommo blocking our address: every process leaves Kommo alone for a while. */
	script_reset();
	script_answer("GET", KOMMO_LEAD_URL, 403, "<html>Forbidden</html>");
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && rr.retry_after == 30 * 60,
	    "Kommo 403: retried after the configured pause, 30 min (%ld s)", rr.retry_after);
	CHECK(store_get1(cfg.state_dir, STORE_CACHE, "kommo.paused_until", &until) == 0,
	    "...the pause is recorded for every process");
	free(until);
	script_reset();
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && script_count() == 0 && rr.retry_after > 29 * 60 &&
	    rr.retry_after <= 30 * 60 && strstr(rr.message, "paused"),
	    "...the next call is not made during the pause, and waits for its end (%ld s: %s)", rr.retry_after,
	    rr.message);
	store_put1(cfg.state_dir, STORE_CACHE, "kommo.paused_until", "0");
	script_reset();
	script_answer("GET", KOMMO_LEAD_URL, 200, W_LEAD_JSON(W_TRIGGER));
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_OK && script_over(), "...once the pause is over Kommo is called again");
	json_object_put(lead);

	/* A 403 in the API's problem JSON refuses this request (the user's rights): no pause. */
	script_reset();
	script_answer("GET", KOMMO_LEAD_URL, 403,
	    "{\"title\":\"Forbidden\",\"type\":\"https://httpstatus.es/403\",\"status\":403,"
	    "\"detail\":\"Access denied\"}");
	kommo_lead_fetch(&cfg, W_LEAD, &lead, &rr);
	CHECK(rr.outcome == REMOTE_REFUSED && strstr(rr.message, "Access denied"),
	    "Kommo 403 in problem JSON: refused, with Kommo's words (%s)", rr.message);
	until = NULL;
	store_get1(cfg.state_dir, STORE_CACHE, "kommo.paused_until", &until);
	CHECK(until != NULL && strcmp(until, "0") == 0, "...and no pause for the other calls (%s)",
	    until ? until : "none");
	free(until);
}

static void
test_zoho(void)
{
	struct remote_result rr;
	json_object *req;

	script_reset();
	script_answer("GET", ZOHO_REQ_URL, 200, ZOHO_REQ_JSON);
	zoho_request_get(&cfg, W_REQUEST, &req, &rr);
	CHECK(rr.outcome == REMOTE_OK && req != NULL && script_over(), "Zoho 200 with code 0: ok");
	CHECK(strstr(script_headers(0), "Authorization: Zoho-oauthtoken " W_ZOHO_TOKEN "\n") != NULL,
	    "...sent with the Zoho access token");
	json_object_put(req);

	script_reset();
	script_answer("GET", ZOHO_REQ_URL, 200,
	    "{\"code\":2001,\"message\":\"Request does not exist\",\"status\":\"failure\"}");
	zoho_request_get(&cfg, W_REQUEST, &req, &rr);
	CHECK(rr.outcome == REMOTE_REFUSED && req == NULL && script_count() == 1,
	    "Zoho's error in a 200 (code 2001, status failure): refused, not retried");
	CHECK(strstr(rr.message, "code 2001: Request does not exist") != NULL,
	    "...its code and message are kept (%s)", rr.message);

	script_reset();
	script_answer("GET", ZOHO_REQ_URL, 400, "{\"code\":9043,\"message\":\"Extra key found\",\"status\":\"failure\"}");
	zoho_request_get(&cfg, W_REQUEST, &req, &rr);
	CHECK(rr.outcome == REMOTE_REFUSED && strstr(rr.message, "code 9043: Extra key found"),
	    "Zoho 400 with a code: refused, Zoho's words kept (%s)", rr.message);

	script_reset();
	script_answer("GET", ZOHO_REQ_URL, 200, "<html>Zoho is down for maintenance</html>");
	zoho_request_get(&cfg, W_REQUEST, &req, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && strstr(rr.message, "answer is not JSON"),
	    "Zoho 200 that is not JSON: retried (%s)", rr.message);

	script_reset();
	script_answer("GET", ZOHO_REQ_URL, 500, "{\"code\":500,\"message\":\"Internal error\",\"status\":\"failure\"}");
	zoho_request_get(&cfg, W_REQUEST, &req, &rr);
	CHECK(rr.outcome == REMOTE_RETRY, "Zoho 500 with a code: still retried (a code does not make it a refusal)");

	script_reset();
	script_answer_wait("GET", ZOHO_REQ_URL, 429, 60, "{\"code\":4003,\"message\":\"Too many requests\",\"status\":\"failure\"}");
	zoho_request_get(&cfg, W_REQUEST, &req, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && rr.retry_after == 60 && script_count() == 1,
	    "Zoho 429 with Retry-After: 60 s (%ld), not at once", rr.retry_after);

	script_reset();
	script_answer("GET", ZOHO_REQ_URL, 404, "{\"code\":4066,\"message\":\"Invalid Request ID\",\"status\":\"failure\"}");
	zoho_request_get(&cfg, W_REQUEST, &req, &rr);
	CHECK(rr.outcome == REMOTE_NOT_FOUND, "Zoho 404: gone (%s)", remote_outcome_name(rr.outcome));

	script_reset();
	script_timeout("GET", ZOHO_REQ_URL);
	zoho_request_get(&cfg, W_REQUEST, &req, &rr);
	CHECK(rr.outcome == REMOTE_RETRY && strstr(rr.message, "Timeout"), "Zoho timeout: retried (%s)", rr.message);

	/* A 401 did nothing: one more try with a renewed token is safe. */
	script_reset();
	script_answer("GET", ZOHO_REQ_URL, 401, "{\"code\":9041,\"message\":\"Invalid Oauth token\",\"status\":\"failure\"}");
	script_answer("POST", ZOHO_TOKEN_URL, 200, "{\"access_token\":\"zoho-access-2\",\"expires_in\":3600}");
	script_answer("GET", ZOHO_REQ_URL, 200, ZOHO_REQ_JSON);
	zoho_request_get(&cfg, W_REQUEST, &req, &rr);
	CHECK(rr.outcome == REMOTE_OK && req != NULL && script_over(), "Zoho 401: a new token, one more try, ok");
	CHECK(strstr(script_headers(2), "Zoho-oauthtoken zoho-access-2\n") != NULL, "...the retry carries the new token");
	json_object_put(req);

	script_reset();
	script_answer("GET", ZOHO_REQ_URL, 401, "{\"code\":9041,\"message\":\"Invalid Oauth token\",\"status\":\"failure\"}");
	script_answer("POST", ZOHO_TOKEN_URL, 200, "{\"access_token\":\"zoho-access-3\",\"expires_in\":3600}");
	script_answer("GET", ZOHO_REQ_URL, 401, "{\"code\":9041,\"message\":\"Invalid Oauth token\",\"status\":\"failure\"}");
	zoho_request_get(&cfg, W_REQUEST, &req, &rr);
	CHECK(rr.outcome == REMOTE_AUTH && req == NULL && script_over(),
	    "Zoho 401 again with the new token: credentials refused, no third try");
}

/* What the job runner does with each outcome: how long a failed job waits. */
static void
test_job_wait(void)
{
	struct remote_result rr = { .outcome = REMOTE_OK, .retry_after = -1 };
	struct job_result res = { .done = 1, .retry_after = -1 };

	CHECK(job_failed(&rr, &res) == 0 && res.done == 1, "an ok call is no failure");
	rr.outcome = REMOTE_RETRY;
	rr.retry_after = 12;
	snprintf(rr.message, sizeof rr.message, "GET /x: HTTP 429");
	CHECK(job_failed(&rr, &res) == 1 && res.done == 0 && res.retry_after == 12,
	    "a retry with the remote's wait: the job waits 12 s (%ld)", res.retry_after);
	CHECK_STR(res.error, "GET /x: HTTP 429", "...and records why");
	CHECK(outbox_backoff(1, 12) == 12, "...the outbox keeps to the remote's wait");
	rr.retry_after = -1;
	job_failed(&rr, &res);
	CHECK(res.retry_after == -1, "a retry without a wait is left to the backoff");
	rr.outcome = REMOTE_AUTH;
	job_failed(&rr, &res);
	CHECK(res.retry_after == 3600, "refused credentials wait an hour (%ld): a person must act", res.retry_after);
	rr.not_started = 1;
	rr.outcome = REMOTE_RETRY;
	job_failed(&rr, &res);
	CHECK(res.cut == 1, "a call not started marks the run cut short (no attempt counted)");
}

int
main(void)
{
	if (world_open(&cfg) == -1 || world_zoho_connected(&cfg) == -1)
		return 1;
	test_classify_status();
	test_classify_wait();
	test_classify_transport();
	script_begin();
	test_kommo();
	test_zoho();
	script_end();
	test_job_wait();
	world_close(&cfg);
	return CHECK_DONE();
}
