/*
 * Unit tests for lib/contract.c, the send job, driven through contract_run with the
 * scripted transport: every answer each step can get, what the job then records (its
 * state in the outbox, the deal in the deals store) and what it sends, and, after an
 * answer lost on createdocument, that the retry looks for the request by its marker
 * and adopts it rather than send a second one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "contract.h"
#include "deal.h"
#include "http.h"
#include "jfield.h"
#include "job.h"
#include "log.h"
#include "script.h"
#include "store.h"
#include "world.h"

#define LEAD_URL "/api/v4/leads/1001?with=contacts"
#define CONTACT_URL "/api/v4/contacts/2001"
#define COMPANY_URL "/api/v4/companies/3001"
#define TEMPLATE_URL "/api/v1/templates/" W_TEMPLATE
#define CREATE_URL "/api/v1/templates/" W_TEMPLATE "/createdocument"
#define FIND_URL "/api/v1/requests?data=*"
#define NOTES_URL "/api/v4/leads/notes"
#define TASKS_URL "/api/v4/tasks"
#define SENT_NOTE "Contract sent for signature to Jane Doe <jane@example.com>. Zoho Sign request " \
	W_REQUEST "."
#define NO_REQUESTS "{\"code\":0,\"status\":\"success\",\"requests\":[]}"

static struct config cfg;

/* A fresh send job for the lead; the previous one, if any, is done. */
static void
new_send_job(struct outbox_job *job)
{
	CHECK(world_job(&cfg, "send", W_LEAD, NULL, job) == 0, "a send job for lead 1001 is claimed");
}

static void
finish(struct outbox_job *job)
{
	outbox_done(cfg.state_dir, job, world_now());
	outbox_job_free(job);
}

static void
run(struct outbox_job *job, struct job_result *res)
{
	memset(res, 0, sizeof *res);
	res->retry_after = -1;
	contract_run(&cfg, job, res);
}

/* The reads every attempt makes (the template is cached after its first read). */
static void
script_reads(const char *contact)
{
	script_answer("GET", LEAD_URL, 200, W_LEAD_JSON(W_TRIGGER));
	script_answer("GET", CONTACT_URL, 200, contact);
	script_answer("GET", COMPANY_URL, 200, W_COMPANY_JSON);
}

/* The deal is back to having no request in flight, for the next case. */
static void
deal_over(void)
{
	struct store *s;
	char err[256];

	deal_request_outcome(cfg.state_dir, W_REQUEST, DEAL_COMPLETED);
	/* Zoho never gives an id twice: the next case's request, here under the same id, is a
	 * new one, not the completed request recorded again (whose outcome would be kept). */
	if (store_begin(cfg.state_dir, STORE_DEALS, 1, &s, err, sizeof err) == 0) {
		store_delete(s, "req:" W_REQUEST);
		store_commit(s);
	}
}

static void
test_sent(void)
{
	struct job_result res;
	struct outbox_job job;
	struct deal deal;
	json_object *rec = NULL;
	char *answer;

	script_reset();
	new_send_job(&job);
	script_reads(W_CONTACT_JSON("jane@example.com"));
	script_answer("GET", TEMPLATE_URL, 200, W_TEMPLATE_JSON);
	answer = world_request_json(W_REQUEST, "(ref 1001-1)");
	script_answer("POST", CREATE_URL, 200, answer);
	free(answer);
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	run(&job, &res);
	CHECK(res.done == 1, "a lead in the stage with all its data: the job is done (%s)", res.error);
	CHECK(script_over(), "...after the calls scripted, in order, and no other");
	CHECK_STR(script_trace(), "GET /api/v4/leads/1001, GET /api/v4/contacts/2001, GET /api/v4/companies/3001, "
	    "GET /api/v1/templates/" W_TEMPLATE ", POST /api/v1/templates/" W_TEMPLATE "/createdocument, "
	    "POST /api/v4/leads/notes", "...read lead, contact, company, template; send; note");
	CHECK(strstr(script_headers(0), "Bearer " W_KOMMO_TOKEN) != NULL,
	    "Kommo is called with the long-lived token");
	CHECK(strstr(script_headers(3), "Zoho-oauthtoken " W_ZOHO_TOKEN) != NULL,
	    "Zoho Sign is called with the cached access token");
	CHECK(strncmp(script_body(4), "data=", 5) == 0 &&
	    strstr(script_body(4), "is_quicksend=true") != NULL,
	    "createdocument sends data=<json>&is_quicksend=true");
	CHECK(strstr(script_body(4), "jane%40example.com") != NULL &&
	    strstr(script_body(4), "Acme%20Ltd") != NULL,
	    "...filled with the contact's email and the company's name");
	CHECK(strstr(script_body(4), "%28ref%201001-") != NULL, "...and the marker in the request's name");
	CHECK(strstr(script_body(5), SENT_NOTE) != NULL && strstr(script_body(5), "\"entity_id\":1001"),
	    "the note on the lead names the recipient and the request");
	CHECK(deal_load(cfg.state_dir, W_LEAD, &deal) == 0 && strcmp(deal.state, DEAL_INFLIGHT) == 0 &&
	    strcmp(deal.request_id, W_REQUEST) == 0, "the deal is recorded in flight with the request id (%s %s)",
	    deal.state, deal.request_id);
	CHECK(deal_request_load(cfg.state_dir, W_REQUEST, &rec) == 0 &&
	    strcmp(jfield_text(rec, "lead"), W_LEAD) == 0, "the request is recorded as the lead's, for zoho-hook");
	json_object_put(rec);
	CHECK(job_step_done(&job, "request_id") && job_step_done(&job, "note_done"),
	    "the job's state holds the request id and the note");

	/* The same lead's job again (a repeated webhook): a request is in flight. */
	finish(&job);
	script_reset();
	new_send_job(&job);
	run(&job, &res);
	CHECK(res.done == 1 && script_count() == 0, "a send for a lead with a request in flight sends nothing");
	finish(&job);
	deal_over();
}

/* What the lead's read can answer, and what the job makes of it. */
static const struct {
	const char *what;
	long status, retry_after_header;
	const char *body;
	int done;
	long retry_after;
	const char *error;
} read_answers[] = {
	{ "500", 500, -1, "{\"title\":\"Internal Server Error\",\"status\":500,\"trace_id\":\"a1\"}", 0, -1,
	  "HTTP 500" },
	{ "502 with an HTML page", 502, -1, "<html>Bad Gateway</html>", 0, -1, "HTTP 502" },
	{ "429 with retry_after in the problem body", 429, -1,
	  "{\"title\":\"Too Many Requests\",\"status\":429,\"retry_after\":7}", 0, 7, "HTTP 429" },
	{ "429 with a Retry-After header and no JSON", 429, 30, "Too Many Requests", 0, 30, "HTTP 429" },
	{ "429 with no wait given", 429, -1, "{\"title\":\"Too Many Requests\",\"status\":429}", 0, -1, "HTTP 429" },
	{ "400 with validation errors", 400, -1,
	  "{\"title\":\"Bad Request\",\"status\":400,\"detail\":\"Request validation failed\","
	  "\"validation-errors\":[]}", 0, -1, "Request validation failed" },
	{ "401 (the long-lived token refused)", 401, -1,
	  "{\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"Invalid token\"}", 0, 3600, "HTTP 401" },
	{ "402 (subscription ended)", 402, -1,
	  "{\"title\":\"Payment Required\",\"status\":402,\"detail\":\"Account is not paid\"}", 0, -1,
	  "Account is not paid" },
	{ "422", 422, -1, "{\"title\":\"Unprocessable\",\"status\":422,\"detail\":\"bad\"}", 0, -1, "HTTP 422" },
	{ "200 that is no JSON", 200, -1, "<html>maintenance</html>", 0, -1, "not JSON" },
	{ "404 (the lead was deleted)", 404, -1,
	  "{\"title\":\"Not Found\",\"status\":404}", 1, -1, "" },
	{ "204 (no such lead)", 204, -1, NULL, 1, -1, "" },
	{ "200 in another stage", 200, -1, W_LEAD_JSON("142"), 1, -1, "" },
};

static void
test_read_answers(void)
{
	struct job_result res;
	struct outbox_job job;
	struct deal deal;
	size_t i;

	new_send_job(&job);
	for (i = 0; i < sizeof read_answers / sizeof read_answers[0]; i++) {
		script_reset();
		script_answer_wait("GET", LEAD_URL, read_answers[i].status, read_answers[i].retry_after_header,
		    read_answers[i].body);
		run(&job, &res);
		CHECK(res.done == read_answers[i].done && res.cut == 0 && res.retry_after == read_answers[i].retry_after,
		    "lead read answers %s: %s, wait %ld (got done %d, wait %ld)", read_answers[i].what,
		    read_answers[i].done ? "done, nothing to send" : "retried", read_answers[i].retry_after,
		    res.done, res.retry_after);
		CHECK(res.done || strstr(res.error, read_answers[i].error) != NULL, "...saying why (%s)", res.error);
		CHECK(script_over() && script_count() == 1, "...and nothing else is called");
		CHECK(deal_load(cfg.state_dir, W_LEAD, &deal) == 0 && strcmp(deal.state, DEAL_COMPLETED) == 0,
		    "...and the deal is untouched (%s)", deal.state);
		world_rerun(&cfg, &job);
	}
	script_reset();
	script_timeout("GET", LEAD_URL);
	run(&job, &res);
	CHECK(res.done == 0 && res.cut == 0 && strstr(res.error, "Timeout was reached") != NULL && script_over(),
	    "a lead read that times out is retried (%s)", res.error);

	script_reset();
	script_answer("GET", LEAD_URL, 200, W_LEAD_JSON(W_TRIGGER));
	script_answer("GET", CONTACT_URL, 500, "{\"status\":500}");
	run(&job, &res);
	CHECK(res.done == 0 && strstr(res.error, "HTTP 500") && script_over(),
	    "a contact read failing is retried (%s)", res.error);
	script_reset();
	script_answer("GET", LEAD_URL, 200, W_LEAD_JSON(W_TRIGGER));
	script_answer("GET", CONTACT_URL, 200, W_CONTACT_JSON("jane@example.com"));
	script_timeout("GET", COMPANY_URL);
	run(&job, &res);
	CHECK(res.done == 0 && strstr(res.error, "Timeout") && script_over(),
	    "a company read timing out is retried (%s)", res.error);
	finish(&job);
}

/* A send that failed before Zoho answered, then its retry; answer: createdocument's. */
static void
send_fails(const char *what, void (*script_create)(void), long retry_after, const char *error,
    struct outbox_job *job, char *marker, size_t markerlen)
{
	struct job_result res;
	struct deal deal;

	script_reset();
	new_send_job(job);
	script_reads(W_CONTACT_JSON("jane@example.com"));
	script_create();
	run(job, &res);
	CHECK(res.done == 0 && res.retry_after == retry_after && strstr(res.error, error) != NULL,
	    "createdocument %s: retried, wait %ld (%ld: %s)", what, retry_after, res.retry_after, res.error);
	CHECK(script_over(), "...no other call");
	CHECK(deal_load(cfg.state_dir, W_LEAD, &deal) == 0 && strcmp(deal.state, DEAL_SENDING) == 0 &&
	    strncmp(deal.marker, "(ref 1001-", 10) == 0,
	    "...and the intent stays recorded with its marker (%s %s)", deal.state, deal.marker);
	CHECK(!job_step_done(job, "request_id"), "...and no request id in the job");
	snprintf(marker, markerlen, "%s", deal.marker);
	world_rerun(&cfg, job);
}

static void create_500(void) { script_answer("POST", CREATE_URL, 500, "{\"code\":500,\"message\":\"x\"}"); }
static void create_lost(void) { script_lost("POST", CREATE_URL); }
static void create_timeout(void) { script_timeout("POST", CREATE_URL); }
static void create_429(void) { script_answer_wait("POST", CREATE_URL, 429, 60, "{\"code\":429}"); }

static void
test_send_retried(void)
{
	struct job_result res;
	struct outbox_job job;
	struct deal deal;
	char marker[64], *escaped, *found, *answer;

	/* Zoho said 500: nothing was made, the search finds nothing, the same marker is sent. */
	send_fails("answers 500", create_500, -1, "HTTP 500", &job, marker, sizeof marker);
	script_reset();
	script_reads(W_CONTACT_JSON("jane@example.com"));
	script_answer("GET", FIND_URL, 200, NO_REQUESTS);
	answer = world_request_json(W_REQUEST, marker);
	script_answer("POST", CREATE_URL, 200, answer);
	free(answer);
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	run(&job, &res);
	escaped = http_form_escape(marker);
	CHECK(res.done == 1 && script_over(), "the retry looks for the marker, finds nothing and sends (%s)",
	    res.error);
	CHECK(strstr(script_url(3), escaped) != NULL,
	    "...the search names the marker");
	CHECK(strstr(script_body(4), escaped) != NULL, "...the request sent carries the same marker %s", marker);
	free(escaped);
	CHECK(deal_load(cfg.state_dir, W_LEAD, &deal) == 0 && strcmp(deal.state, DEAL_INFLIGHT) == 0,
	    "...and the deal is in flight");
	finish(&job);
	deal_over();

	/* The answer was lost after Zoho made the request: the retry adopts it. */
	send_fails("loses its answer after the write", create_lost, -1, "answer lost after the POST was sent",
	    &job, marker, sizeof marker);
	script_reset();
	script_reads(W_CONTACT_JSON("jane@example.com"));
	answer = world_request_json(W_REQUEST, marker);
	/* The list holds the request itself under "requests": [ {...} ]. */
	/* Zoho's list: the same request object, in "requests": [ ... ]. */
	{
		const char *request = strstr(answer, "\"requests\":") + strlen("\"requests\":");
		size_t len = strlen(answer) + 64;

		found = malloc(len);
		snprintf(found, len, "{\"code\":0,\"status\":\"success\",\"requests\":[%.*s]}",
		    (int)(strlen(request) - 1), request);
	}
	script_answer("GET", FIND_URL, 200, found);
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	run(&job, &res);
	free(answer);
	CHECK(res.done == 1 && script_over(), "the retry finds the request by its marker (%s)", res.error);
	CHECK(script_count_of("POST", CREATE_URL) == 0, "...and sends no second request");
	CHECK(deal_load(cfg.state_dir, W_LEAD, &deal) == 0 && strcmp(deal.state, DEAL_INFLIGHT) == 0 &&
	    strcmp(deal.request_id, W_REQUEST) == 0, "...adopts it: the deal is in flight with its id");
	CHECK(strstr(script_body(4), SENT_NOTE) != NULL, "...and the note names it");
	finish(&job);
	deal_over();

	/* A timeout: Zoho may have made it, or not; here it had. */
	send_fails("times out", create_timeout, -1, "Timeout was reached", &job, marker, sizeof marker);
	script_reset();
	script_reads(W_CONTACT_JSON("jane@example.com"));
	script_answer("GET", FIND_URL, 200, found);
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	run(&job, &res);
	CHECK(res.done == 1 && script_over() && script_count_of("POST", CREATE_URL) == 0,
	    "after a timeout too the retry adopts what the marker finds (%s)", res.error);
	free(found);
	finish(&job);
	deal_over();

	/* 429: Zoho's wait is kept; the search failing keeps the job waiting, sending nothing. */
	send_fails("answers 429 with Retry-After", create_429, 60, "HTTP 429", &job, marker, sizeof marker);
	script_reset();
	script_reads(W_CONTACT_JSON("jane@example.com"));
	script_answer("GET", FIND_URL, 503, "<html>unavailable</html>");
	run(&job, &res);
	CHECK(res.done == 0 && script_over() && script_count_of("POST", CREATE_URL) == 0,
	    "a retry whose search fails sends nothing (%s)", res.error);
	finish(&job);
	deal_mark(cfg.state_dir, W_LEAD, DEAL_COMPLETED, "", NULL);
}

static void
test_zoho_token_refreshed(void)
{
	struct job_result res;
	struct outbox_job job;
	char *answer = world_request_json(W_REQUEST, "(ref 1001-2)");

	script_reset();
	new_send_job(&job);
	script_reads(W_CONTACT_JSON("jane@example.com"));
	script_answer("POST", CREATE_URL, 401, "{\"code\":9041,\"status\":\"failure\",\"message\":\"Invalid Oauth token\"}");
	script_answer("POST", "https://accounts.zoho.eu/oauth/v2/token", 200,
	    "{\"access_token\":\"zoho-access-2\",\"expires_in\":3600,\"api_domain\":\"https://www.zohoapis.eu\"}");
	script_answer("POST", CREATE_URL, 200, answer);
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	free(answer);
	run(&job, &res);
	CHECK(res.done == 1 && script_over(), "createdocument refused with 401: one refresh, one more try (%s)",
	    res.error);
	CHECK(strstr(script_body(4), "grant_type=refresh_token") != NULL &&
	    strstr(script_body(4), "refresh_token=1000.refresh.connected") != NULL,
	    "...the refresh spends the connected refresh token");
	CHECK(strstr(script_headers(5), "Zoho-oauthtoken zoho-access-2") != NULL,
	    "...and the second try carries the fresh token");
	finish(&job);
	deal_over();
}

static void
test_zoho_refuses(void)
{
	static const struct {
		long status;
		const char *body, *code;
	} refusals[] = {
		{ 400, "{\"code\":9043,\"status\":\"failure\",\"message\":\"Enter value for CompanyName\"}", "9043" },
		{ 200, "{\"code\":4021,\"status\":\"failure\",\"message\":\"Something went wrong\"}", "4021" },
	};
	struct job_result res;
	struct outbox_job job;
	struct deal deal;
	size_t i;

	for (i = 0; i < 2; i++) {
		script_reset();
		new_send_job(&job);
		script_reads(W_CONTACT_JSON("jane@example.com"));
		script_answer("POST", CREATE_URL, refusals[i].status, refusals[i].body);
		script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
		script_answer("POST", TASKS_URL, 200, W_KOMMO_WRITTEN);
		run(&job, &res);
		CHECK(res.done == 1 && script_over(), "Zoho refuses the request (HTTP %ld, code %s): a note and a task",
		    refusals[i].status, refusals[i].code);
		CHECK(strstr(script_body(4), "Zoho Sign refused the request") != NULL &&
		    strstr(script_body(4), refusals[i].code) != NULL, "...the note says Zoho's code");
		CHECK(strstr(script_body(5), "\"responsible_user_id\":504") != NULL,
		    "...the task is for the lead's responsible user");
		CHECK(deal_load(cfg.state_dir, W_LEAD, &deal) == 0 && strcmp(deal.state, DEAL_BLOCKED) == 0,
		    "...and the deal is blocked (%s)", deal.state);
		finish(&job);
		deal_mark(cfg.state_dir, W_LEAD, DEAL_COMPLETED, "", NULL);
	}
}

static void
test_problems(void)
{
	struct job_result res;
	struct outbox_job job;
	struct deal deal;

	script_reset();
	new_send_job(&job);
	script_reads(W_CONTACT_NO_EMAIL);
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	script_answer("POST", TASKS_URL, 500, "{\"status\":500}");
	run(&job, &res);
	CHECK(res.done == 0 && script_over(), "a contact without email: a note, then the task fails (%s)", res.error);
	CHECK(script_count_of("POST", CREATE_URL) == 0, "...and nothing is sent to Zoho");
	CHECK(strstr(script_body(3), "Contract not sent: the main contact \\\"Jane Doe\\\" has no email address")
	    != NULL, "...the note says what is missing");
	CHECK(job_step_done(&job, "problems") && job_step_done(&job, "blocked_note_done") &&
	    job_step_done(&job, "blocked_task_done_tried"), "...the job records the problems, the note, the task tried");

	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", "/api/v4/tasks?*", 204, NULL);
	script_answer("POST", TASKS_URL, 200, W_KOMMO_WRITTEN);
	run(&job, &res);
	CHECK(res.done == 1 && script_over(), "the retry reads nothing again, looks for the task, makes it (%s)",
	    res.error);
	CHECK(strstr(script_url(0), "filter%5Bentity_id%5D=1001") != NULL, "...the look is on the lead's tasks");
	CHECK(script_count_of("POST", NOTES_URL) == 0, "...and the note is not made again");
	CHECK(deal_load(cfg.state_dir, W_LEAD, &deal) == 0 && strcmp(deal.state, DEAL_BLOCKED) == 0 &&
	    strcmp(deal.updated_at, "1726572758") == 0, "the deal is blocked at the lead's updated_at");
	finish(&job);

	/* The lead comes again unchanged: the manager was told already. */
	script_reset();
	new_send_job(&job);
	script_answer("GET", LEAD_URL, 200, W_LEAD_JSON(W_TRIGGER));
	run(&job, &res);
	CHECK(res.done == 1 && script_over(), "a blocked lead unchanged since: read once, nothing else");
	finish(&job);
	deal_mark(cfg.state_dir, W_LEAD, DEAL_COMPLETED, "", NULL);
}

static void
test_note_lost(void)
{
	struct job_result res;
	struct outbox_job job;
	char *answer = world_request_json(W_REQUEST, "(ref 1001-3)"), found[512];

	script_reset();
	new_send_job(&job);
	script_reads(W_CONTACT_JSON("jane@example.com"));
	script_answer("POST", CREATE_URL, 200, answer);
	script_lost("POST", NOTES_URL);
	free(answer);
	run(&job, &res);
	CHECK(res.done == 0 && job_step_done(&job, "request_id") && script_over(),
	    "the note's answer is lost: the job waits, the request recorded (%s)", res.error);

	world_rerun(&cfg, &job);
	script_reset();
	snprintf(found, sizeof found, "{\"_embedded\":{\"notes\":[{\"id\":9,\"note_type\":\"common\","
	    "\"params\":{\"text\":\"%s\"}}]}}", SENT_NOTE);
	script_answer("GET", "/api/v4/leads/1001/notes?*", 200, found);
	run(&job, &res);
	CHECK(res.done == 1 && script_over() && script_count() == 1,
	    "the retry looks for the note, finds it, and does not write it again");
	CHECK(strstr(script_url(0), "note_type%5D=common") != NULL, "...among the lead's common notes");
	finish(&job);
	deal_over();
}

/* 1 when the file has a line containing text. */
static int
log_has(const char *path, const char *text)
{
	char line[2048];
	FILE *f = fopen(path, "r");
	int found = 0;

	while (f && !found && fgets(line, sizeof line, f))
		found = strstr(line, text) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* A blocked send: the note says who fixes it; what is the administrator's is logged
 * for them with the config key. */
static void
test_problem_kinds(void)
{
	struct job_result res;
	struct outbox_job job;
	struct deal deal;
	struct store *s;
	char log_path[128], err[256];

	snprintf(log_path, sizeof log_path, "%s/kinds.log", cfg.state_dir);
	CHECK(log_use_file(log_path, err, sizeof err) == 0, "the log goes to %s", log_path);

	/* The manager's: a contact without email. */
	script_reset();
	new_send_job(&job);
	script_reads(W_CONTACT_NO_EMAIL);
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	script_answer("POST", TASKS_URL, 200, W_KOMMO_WRITTEN);
	run(&job, &res);
	CHECK(res.done == 1 && script_over(), "a contact without email: a note and a task (%s)", res.error);
	CHECK(strstr(script_body(3), "\"text\":\"Contract not sent: the main contact \\\"Jane Doe\\\" has no email "
	    "address: add it (signs as \\\"Client\\\", contact.main). Then move the deal into the stage again.\"") != NULL,
	    "...the note tells the manager what to do: %s", script_body(3));
	CHECK(log_has(log_path, "lead 1001: contract not sent: the main contact \"Jane Doe\" has no email address: "
	    "add it"), "...the log says so");
	CHECK(!log_has(log_path, "for the administrator"), "...and has nothing for the administrator");
	finish(&job);
	deal_mark(cfg.state_dir, W_LEAD, DEAL_COMPLETED, "", NULL);

	/* The administrator's: the template is not in Zoho Sign (no longer cached either). */
	if (store_begin(cfg.state_dir, STORE_CACHE, 1, &s, err, sizeof err) == 0) {
		store_delete(s, "template:" W_TEMPLATE);
		store_commit(s);
	}
	script_reset();
	new_send_job(&job);
	script_reads(W_CONTACT_JSON("jane@example.com"));
	script_answer("GET", TEMPLATE_URL, 404, "{\"code\":9004,\"status\":\"failure\","
	    "\"message\":\"Template does not exist\"}");
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	script_answer("POST", TASKS_URL, 200, W_KOMMO_WRITTEN);
	run(&job, &res);
	CHECK(res.done == 1 && script_over() && script_count_of("POST", CREATE_URL) == 0,
	    "a template Zoho Sign does not have: a note and a task, nothing sent (%s)", res.error);
	CHECK(strstr(script_body(4), "\"text\":\"Contract not sent: the contract template is not in Zoho Sign: "
	    "ask your administrator. Then move the deal into the stage again.\"") != NULL,
	    "...the note says to ask the administrator: %s", script_body(4));
	CHECK(log_has(log_path, "lead 1001: for the administrator: [zoho] template_id: Zoho Sign has no template "
	    W_TEMPLATE " ("), "...and the log names the config key for the administrator");
	CHECK(deal_load(cfg.state_dir, W_LEAD, &deal) == 0 && strcmp(deal.state, DEAL_BLOCKED) == 0,
	    "...the deal is blocked (%s)", deal.state);
	finish(&job);
	deal_mark(cfg.state_dir, W_LEAD, DEAL_COMPLETED, "", NULL);
	log_use_file(NULL, err, sizeof err);
}

/* Last: Kommo's 403 pauses every Kommo call for [limits] kommo_ban_pause_minutes. */
static void
test_kommo_ban(void)
{
	struct job_result res;
	struct outbox_job job;

	script_reset();
	new_send_job(&job);
	script_answer("GET", LEAD_URL, 403, "<html>Forbidden</html>");
	run(&job, &res);
	CHECK(res.done == 0 && res.retry_after == 30 * 60 && script_over(),
	    "a 403 (a blocked address): retried after the ban pause (%ld s)", res.retry_after);
	world_rerun(&cfg, &job);
	script_reset();
	run(&job, &res);
	CHECK(res.done == 0 && res.retry_after > 0 && script_count() == 0,
	    "...and while it lasts no Kommo call is made (%s)", res.error);
	finish(&job);
}

int
main(void)
{
	if (world_open(&cfg) == -1 || world_zoho_connected(&cfg) == -1)
		return 1;
	script_begin();
	test_sent();
	test_read_answers();
	test_send_retried();
	test_zoho_token_refreshed();
	test_zoho_refuses();
	test_problems();
	test_note_lost();
	test_problem_kinds();
	test_kommo_ban();
	script_end();
	world_close(&cfg);
	return CHECK_DONE();
}
