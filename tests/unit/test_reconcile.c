/*
 * Unit tests for lib/reconcile.c with the scripted transport and a state of its own.
 * reconcile_run: which deals it asks Zoho about (in flight long enough, no others),
 * what each answer of GET /requests/{id} leads to (an outcome job queued as zoho-hook
 * would, nothing, or a failure counted and asked again on the next run), a 401 getting
 * one fresh token, and an outcome a webhook queued first left as it is.
 * reconcile_leads: which listed leads get a send job, the time it lists from and how it
 * moves on only after a complete run, paging, and every answer of the leads list,
 * including a 401 to an OAuth token renewed once. Neither makes a remote write, so no
 * answer can be lost after one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "deal.h"
#include "jfield.h"
#include "job.h"
#include "kommo_token.h"
#include "reconcile.h"
#include "script.h"
#include "store.h"
#include "testbuf.h"
#include "world.h"
#include "zoho_token.h"

#define REQUESTS_URL "/api/v1/requests/*"
#define LEADS_URL "/api/v4/leads?*"
#define ZOHO_TOKEN_URL "https://accounts.zoho.eu/oauth/v2/token"
#define KOMMO_TOKEN_URL "https://acme.kommo.com/oauth2/access_token"
#define LEADS_SINCE "reconcile.leads_since"
#define SIGNED_BY "{\"action_status\":\"SIGNED\",\"recipient_name\":\"Jane Doe\",\"recipient_email\":\"jane@example.com\"}"
#define NOT_YET "{\"action_status\":\"UNOPENED\",\"recipient_name\":\"John Roe\",\"recipient_email\":\"john@example.com\"}"
#define DECLINED_BY "{\"action_status\":\"DECLINED\",\"recipient_name\":\"John Roe\",\"recipient_email\":\"john@example.com\"}"

static struct config cfg;

/* Zoho's GET /requests/{id} answer (malloc'd). */
static char *
request_answer(const char *id, const char *status, const char *actions, const char *extra)
{
	struct buf b = { 0 };

	buf_add(&b, "{\"code\":0,\"status\":\"success\",\"message\":\"Request details retrieved successfully\","
	    "\"requests\":{\"request_id\":%s,\"request_name\":\"Deal (ref x)\",\"request_status\":\"%s\","
	    "\"modified_time\":1764442920000,\"actions\":[%s]%s}}", id, status, actions, extra);
	return b.s;
}

/* Lead `lead` has request `id` in flight, recorded now. */
static void
inflight(const char *lead, const char *id)
{
	char *text = world_request_json(id, "(ref x)");
	json_object *answer = json_tokener_parse(text), *request = jfield_typed(answer, "requests", json_type_object);

	CHECK(deal_record_request(cfg.state_dir, lead, "1726572758", request, 0) == 0,
	    "lead %s has request %s in flight", lead, id);
	json_object_put(answer);
	free(text);
}

static int
has_job(const char *key)
{
	struct outbox_job job;
	int found = world_job_get(&cfg, key, &job) == 0;

	if (found)
		outbox_job_free(&job);
	return found;
}

/* How many jobs the outbox holds. */
static void
count_job(const struct outbox_job *job, void *arg)
{
	(void)job;
	(*(int *)arg)++;
}

static int
jobs(void)
{
	int n = 0;

	outbox_list(cfg.state_dir, count_job, &n);
	return n;
}

static int
run(long min_age, struct reconcile_counts *c)
{
	memset(c, 0xff, sizeof *c);
	return reconcile_run(&cfg, min_age, c);
}

static void
test_which_deals(void)
{
	struct reconcile_counts c;
	char *answer;

	inflight("1001", "2000000000000000001");
	deal_mark(cfg.state_dir, "1003", DEAL_BLOCKED, "1726572758", NULL);
	deal_mark(cfg.state_dir, "1004", DEAL_SENDING, "1726572758", "(ref 1004-1)");
	deal_mark(cfg.state_dir, "1005", DEAL_COMPLETED, "1726572758", NULL);
	script_reset();
	CHECK(run(3600, &c) == 0 && c.checked == 0 && c.queued == 0 && c.failed == 0 && script_count() == 0,
	    "a request in flight for less than the age given is not asked about (%d)", c.checked);

	answer = request_answer("2000000000000000001", "inprogress", NOT_YET, "");
	script_answer("GET", REQUESTS_URL, 200, answer);
	free(answer);
	CHECK(run(0, &c) == 0 && c.checked == 1 && c.queued == 0 && c.failed == 0 && script_over(),
	    "age 0: only the deal in flight is asked about, not the blocked, sending or completed ones");
	CHECK_STR(script_url(0), "https://sign.zoho.eu/api/v1/requests/2000000000000000001",
	    "...by its request id, in full (no id passes through a double)");
	CHECK(strstr(script_headers(0), "Zoho-oauthtoken " W_ZOHO_TOKEN) != NULL, "...with the cached token");
	CHECK(jobs() == 0, "a request still in progress: nothing queued");
	deal_request_outcome(cfg.state_dir, "2000000000000000001", DEAL_COMPLETED);
}

/* The outcomes a request's status leads to, as its webhook would have given them. */
static const struct {
	const char *status, *actions, *extra, *kind, *op, *by, *reason;
} outcomes[] = {
	{ "completed", NOT_YET "," SIGNED_BY, "", JOB_KIND_COMPLETE, "RequestCompleted", "Jane Doe", "" },
	{ "declined", SIGNED_BY "," DECLINED_BY, ",\"decline_reason\":\"Wrong amount\"", JOB_KIND_DECLINED,
	  "RequestRejected", "John Roe", "Wrong amount" },
	{ "expired", NOT_YET, "", JOB_KIND_EXPIRED, "RequestExpired", "John Roe", "" },
	{ "recalled", NOT_YET, "", JOB_KIND_RECALLED, "RequestRecalled", "John Roe", "" },
};

static void
test_outcomes(void)
{
	struct reconcile_counts c;
	struct deal deal;
	struct outbox_job job;
	char id[32], key[64], *answer;
	size_t i;

	for (i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
		snprintf(id, sizeof id, "20000000000000001%02zu", i);
		snprintf(key, sizeof key, "%s:%s", outcomes[i].kind, id);
		inflight("1001", id);
		script_reset();
		answer = request_answer(id, outcomes[i].status, outcomes[i].actions, outcomes[i].extra);
		script_answer("GET", REQUESTS_URL, 200, answer);
		free(answer);
		CHECK(run(0, &c) == 0 && c.checked == 1 && c.queued == 1 && c.failed == 0 && script_over(),
		    "a request Zoho calls %s: one outcome queued", outcomes[i].status);
		CHECK(world_job_get(&cfg, key, &job) == 0, "...the job %s, as zoho-hook would queue it", key);
		CHECK_STR(jfield_text(job.state, "lead"), "1001", "...for the lead");
		CHECK_STR(jfield_text(job.state, "op"), outcomes[i].op, "...with the webhook's operation");
		CHECK_STR(jfield_text(job.state, "by_name"), outcomes[i].by, "...naming the signer who acted last");
		CHECK_STR(jfield_text(job.state, "at_ms"), "1764442920000", "...when the request last changed");
		CHECK_STR(jfield_text(job.state, "reason"), outcomes[i].reason, "...and the reason given");
		outbox_job_free(&job);
		CHECK(deal_load(cfg.state_dir, "1001", &deal) == 0 && strcmp(deal.state, DEAL_INFLIGHT) == 0,
		    "...the deal is left to the job (%s)", deal.state);
		deal_request_outcome(cfg.state_dir, id, DEAL_COMPLETED);
	}
}

/* A webhook queued the outcome first: the reconcile merges into it, and its facts stay. */
static void
test_webhook_first(void)
{
	static const char id[] = "2000000000000000200";
	struct reconcile_counts c;
	struct outbox_job job;
	json_object *webhook = json_tokener_parse("{\"lead\":\"1001\",\"op\":\"RequestCompleted\","
	    "\"by_name\":\"From the webhook\",\"by_email\":\"\",\"at_ms\":\"1\",\"reason\":\"\"}");
	char err[256], *answer;
	int before;

	inflight("1001", id);
	outbox_enqueue_once(cfg.state_dir, JOB_KIND_COMPLETE, id, webhook, (long long)time(NULL), err, sizeof err);
	json_object_put(webhook);
	before = jobs();
	script_reset();
	answer = request_answer(id, "completed", SIGNED_BY, "");
	script_answer("GET", REQUESTS_URL, 200, answer);
	free(answer);
	CHECK(run(0, &c) == 0 && c.queued == 1 && script_over() && jobs() == before,
	    "an outcome the webhook queued already: no second job");
	CHECK(world_job_get(&cfg, JOB_KIND_COMPLETE ":2000000000000000200", &job) == 0 &&
	    strcmp(jfield_text(job.state, "by_name"), "From the webhook") == 0, "...and the webhook's job is unchanged");
	outbox_job_free(&job);
	deal_request_outcome(cfg.state_dir, id, DEAL_COMPLETED);
}

/* An answer to a GET that tells nothing now. */
struct failure {
	const char *what;
	char kind; /* 'a' an answer, 't' a timeout */
	long status, retry_after;
	const char *body;
};

/* The next GET of url gets the failure f. */
static void
script_failure(const char *url, const struct failure *f)
{
	if (f->kind == 't')
		script_timeout("GET", url);
	else
		script_answer_wait("GET", url, f->status, f->retry_after, f->body);
}

/* What GET /requests/{id} can answer that tells nothing now. */
static const struct failure failures[] = {
	{ "500", 'a', 500, -1, "{\"code\":500,\"status\":\"failure\",\"message\":\"Internal error\"}" },
	{ "503 with an HTML page", 'a', 503, -1, "<html>unavailable</html>" },
	{ "429 with Retry-After", 'a', 429, 60, "{\"code\":429,\"status\":\"failure\"}" },
	{ "429 with no wait given", 'a', 429, -1, "Too Many Requests" },
	{ "400", 'a', 400, -1, "{\"code\":9001,\"status\":\"failure\",\"message\":\"Invalid request\"}" },
	{ "404 (no such request)", 'a', 404, -1, "{\"code\":4066,\"status\":\"failure\",\"message\":\"Invalid Request ID\"}" },
	{ "200 with a failure code", 'a', 200, -1, "{\"code\":4021,\"status\":\"failure\",\"message\":\"Something went wrong\"}" },
	{ "200 without the request", 'a', 200, -1, "{\"code\":0,\"status\":\"success\"}" },
	{ "200 that is no JSON", 'a', 200, -1, "<html>maintenance</html>" },
	{ "a timeout", 't', 0, -1, NULL },
};

static void
test_failures(void)
{
	static const char id[] = "2000000000000000300";
	struct reconcile_counts c;
	char *answer;
	size_t i;
	int before;

	inflight("1001", id);
	before = jobs();
	for (i = 0; i < sizeof failures / sizeof failures[0]; i++) {
		script_reset();
		script_failure(REQUESTS_URL, &failures[i]);
		CHECK(run(0, &c) == 0 && c.checked == 1 && c.failed == 1 && c.queued == 0,
		    "Zoho answers %s: counted as failed, the run goes on (%d checked, %d failed)", failures[i].what,
		    c.checked, c.failed);
		CHECK(script_over() && jobs() == before, "...asked once, nothing queued");
	}
	/* The next run asks again. */
	script_reset();
	answer = request_answer(id, "completed", SIGNED_BY, "");
	script_answer("GET", REQUESTS_URL, 200, answer);
	free(answer);
	CHECK(run(0, &c) == 0 && c.queued == 1 && script_over() && has_job(JOB_KIND_COMPLETE ":2000000000000000300"),
	    "the next run asks again and queues the outcome");
	deal_request_outcome(cfg.state_dir, id, DEAL_COMPLETED);

	/* Two deals, the first asked failing: the second is still asked about. */
	inflight("1001", "2000000000000000301");
	inflight("1002", "2000000000000000302");
	script_reset();
	script_answer("GET", REQUESTS_URL, 500, "{\"code\":500}");
	answer = request_answer("2000000000000000301", "completed", SIGNED_BY, "");
	script_answer("GET", REQUESTS_URL, 200, answer);
	free(answer);
	CHECK(run(0, &c) == 0 && c.checked == 2 && c.failed == 1 && c.queued == 1 && script_over(),
	    "of two deals, one failing: the other is still asked about and its outcome queued");
	deal_request_outcome(cfg.state_dir, "2000000000000000301", DEAL_COMPLETED);
	deal_request_outcome(cfg.state_dir, "2000000000000000302", DEAL_COMPLETED);
}

static void
test_zoho_401(void)
{
	static const char id[] = "2000000000000000400";
	struct reconcile_counts c;
	char *answer;

	inflight("1001", id);
	script_reset();
	script_answer("GET", REQUESTS_URL, 401, "{\"code\":9041,\"status\":\"failure\",\"message\":\"Invalid Oauth token\"}");
	script_answer("POST", ZOHO_TOKEN_URL, 200,
	    "{\"access_token\":\"zoho-access-2\",\"expires_in\":3600,\"api_domain\":\"https://www.zohoapis.eu\"}");
	answer = request_answer(id, "recalled", NOT_YET, "");
	script_answer("GET", REQUESTS_URL, 200, answer);
	free(answer);
	CHECK(run(0, &c) == 0 && c.checked == 1 && c.queued == 1 && c.failed == 0 && script_over(),
	    "a 401: one fresh token, one more try, and the outcome queued");
	CHECK(strstr(script_body(1), "grant_type=refresh_token") != NULL &&
	    strstr(script_headers(2), "Zoho-oauthtoken zoho-access-2") != NULL, "...the second try with the fresh token");
	CHECK(has_job(JOB_KIND_RECALLED ":2000000000000000400"), "...the recalled job is queued");

	/* Refused again with the fresh token: no second refresh, counted as failed. */
	script_reset();
	script_answer("GET", REQUESTS_URL, 401, "{\"code\":9041,\"status\":\"failure\"}");
	script_answer("POST", ZOHO_TOKEN_URL, 200,
	    "{\"access_token\":\"zoho-access-3\",\"expires_in\":3600,\"api_domain\":\"https://www.zohoapis.eu\"}");
	script_answer("GET", REQUESTS_URL, 401, "{\"code\":9041,\"status\":\"failure\"}");
	CHECK(run(0, &c) == 0 && c.checked == 1 && c.failed == 1 && c.queued == 0 && script_over(),
	    "a 401 after the fresh token too: one refresh only, counted as failed");
	deal_request_outcome(cfg.state_dir, id, DEAL_COMPLETED);
}

/* A leads page: `leads` is the JSON of its leads, `next` adds a link to the next page. */
static char *
leads_page(const char *leads, int next)
{
	struct buf b = { 0 };

	buf_add(&b, "{\"_page\":1,\"_links\":{\"self\":{\"href\":\"x\"}%s},\"_embedded\":{\"leads\":[%s]}}",
	    next ? ",\"next\":{\"href\":\"y\"}" : "", leads);
	return b.s;
}

#define LEAD(id, updated) "{\"id\":" id ",\"name\":\"Deal " id "\",\"status_id\":67548619," \
	"\"pipeline_id\":8572511,\"updated_at\":" updated "}"

/* The time reconcile_leads lists from, as it asked Kommo; -1 when not there. */
static long long
listed_from(size_t call)
{
	const char *at = strstr(script_url(call), "filter%5Bupdated_at%5D%5Bfrom%5D=");

	return at ? strtoll(at + strlen("filter%5Bupdated_at%5D%5Bfrom%5D="), NULL, 10) : -1;
}

static long long
since_stored(void)
{
	char *text = NULL;
	long long since = -1;

	if (store_get1(cfg.state_dir, STORE_CACHE, LEADS_SINCE, &text) == 0)
		since = strtoll(text, NULL, 10);
	free(text);
	return since;
}

static int
leads(struct reconcile_counts *c)
{
	memset(c, 0, sizeof *c);
	return reconcile_leads(&cfg, c);
}

static void
test_leads_started(void)
{
	struct reconcile_counts c;
	long long before, after;
	char *page;
	struct outbox_job job;
	int n;

	/* 1001 in flight, 1003 blocked and unchanged, 1004 blocked and changed since, 1005 completed. */
	inflight("1001", "2000000000000000500");
	deal_mark(cfg.state_dir, "1003", DEAL_BLOCKED, "1726572758", NULL);
	deal_mark(cfg.state_dir, "1004", DEAL_BLOCKED, "1726572758", NULL);
	n = jobs();
	page = leads_page(LEAD("7001", "1726572758") "," LEAD("1001", "1726572758") "," LEAD("1003", "1726572758") ","
	    LEAD("1004", "1726579999") "," LEAD("1005", "1726572758") ",{\"name\":\"no id\"}", 0);
	script_reset();
	script_answer("GET", LEADS_URL, 200, page);
	free(page);
	before = (long long)time(NULL);
	CHECK(leads(&c) == 0 && script_over(), "the leads in the trigger stage are listed once");
	after = (long long)time(NULL);
	CHECK(strstr(script_url(0), "https://acme.kommo.com/api/v4/leads?filter%5Bstatuses%5D%5B0%5D%5Bpipeline_id%5D="
	    W_PIPELINE "&filter%5Bstatuses%5D%5B0%5D%5Bstatus_id%5D=" W_TRIGGER "&filter%5Bupdated_at%5D%5Bfrom%5D=") ==
	    script_url(0) && strstr(script_url(0), "&limit=250&page=1") != NULL,
	    "...the configured pipeline's trigger stage, 250 a page, from page 1 (%s)", script_url(0));
	CHECK(listed_from(0) >= before - 86400 && listed_from(0) <= after - 86400,
	    "...the first run looks back a day");
	CHECK(c.leads_listed == 6 && c.leads_started == 2, "6 listed, 2 started (%d, %d)", c.leads_listed,
	    c.leads_started);
	CHECK(has_job("send:7001"), "...a lead never seen gets a send job");
	CHECK(has_job("send:1004"), "...so does a blocked lead changed since it was blocked");
	CHECK(!has_job("send:1001") && !has_job("send:1003") && !has_job("send:1005") && jobs() == n + 2,
	    "...not the lead in flight, the blocked one unchanged, or the one with an outcome");
	CHECK(world_job_get(&cfg, "send:7001", &job) == 0 && job.next_at <= after, "...due now");
	outbox_job_free(&job);
	CHECK(since_stored() >= before - 300 && since_stored() <= after - 300,
	    "the next run is to list from now, less 5 minutes of overlap");

	/* Listed again (the overlap): a lead whose send is queued is not queued twice. */
	page = leads_page(LEAD("7001", "1726572758"), 0);
	script_reset();
	script_answer("GET", LEADS_URL, 200, page);
	free(page);
	before = since_stored();
	CHECK(leads(&c) == 0 && script_over() && c.leads_listed == 1 && c.leads_started == 0 && jobs() == n + 2,
	    "a lead listed again while its send is queued: not started again");
	CHECK(listed_from(0) == before, "...and the run listed from where the last one left off");

	script_reset();
	script_answer("GET", LEADS_URL, 204, NULL);
	CHECK(leads(&c) == 0 && script_over() && c.leads_listed == 0, "no leads (204): a complete run");
	CHECK(since_stored() >= before, "...which moves the time on");
	deal_request_outcome(cfg.state_dir, "2000000000000000500", DEAL_COMPLETED);
}

static void
test_leads_pages(void)
{
	struct buf ids = { 0 };
	struct reconcile_counts c;
	char *page;
	int i;

	for (i = 0; i < 250; i++)
		buf_add(&ids, "%s{\"id\":%d,\"updated_at\":1726572758}", i ? "," : "", 8000 + i);
	script_reset();
	page = leads_page(ids.s, 1);
	script_answer("GET", LEADS_URL, 200, page);
	free(page);
	page = leads_page(LEAD("8250", "1726572758"), 1);
	script_answer("GET", LEADS_URL, 200, page);
	free(page);
	CHECK(leads(&c) == 0 && script_over() && c.leads_listed == 251 && c.leads_started == 251,
	    "a full page with a next link: page 2 is asked for; a short page ends it though a next link is there "
	    "(%d listed)", c.leads_listed);
	CHECK(strstr(script_url(1), "&page=2") != NULL && listed_from(1) == listed_from(0),
	    "...page 2 of the same list");
	CHECK(has_job("send:8000") && has_job("send:8249") && has_job("send:8250"), "...the leads of both pages started");

	script_reset();
	page = leads_page(ids.s, 0);
	script_answer("GET", LEADS_URL, 200, page);
	free(page);
	CHECK(leads(&c) == 0 && script_over() && c.leads_listed == 250 && c.leads_started == 0,
	    "a full page without a next link is the last (and its queued leads are not queued twice)");
	free(ids.s);
}

/* What the leads list can answer that ends the run: the time stays, nothing more queued. */
static const struct failure list_failures[] = {
	{ "500", 'a', 500, -1, "{\"title\":\"Internal Server Error\",\"status\":500,\"trace_id\":\"a1\"}" },
	{ "502 with an HTML page", 'a', 502, -1, "<html>Bad Gateway</html>" },
	{ "429 with retry_after", 'a', 429, -1, "{\"title\":\"Too Many Requests\",\"status\":429,\"retry_after\":7}" },
	{ "429 with no wait given", 'a', 429, -1, "Too Many Requests" },
	{ "400", 'a', 400, -1, "{\"title\":\"Bad Request\",\"status\":400,\"validation-errors\":[]}" },
	{ "401 to the long-lived token", 'a', 401, -1, "{\"title\":\"Unauthorized\",\"status\":401}" },
	{ "402", 'a', 402, -1, "{\"title\":\"Payment Required\",\"status\":402}" },
	{ "200 that is no JSON", 'a', 200, -1, "<html>maintenance</html>" },
	{ "a timeout", 't', 0, -1, NULL },
};

static void
test_leads_fail(void)
{
	struct reconcile_counts c;
	long long since = 1726500000;
	char *page;
	size_t i;
	int n = jobs();

	/* The last complete run was long ago: moving the time on shows. */
	store_put1(cfg.state_dir, STORE_CACHE, LEADS_SINCE, "1726500000");

	for (i = 0; i < sizeof list_failures / sizeof list_failures[0]; i++) {
		script_reset();
		script_failure(LEADS_URL, &list_failures[i]);
		CHECK(leads(&c) == -1 && script_over() && script_count() == 1,
		    "the leads list answers %s: the run fails, asked once", list_failures[i].what);
		CHECK(since_stored() == since && jobs() == n, "...the time stays and nothing is queued");
	}

	/* Page 2 fails: page 1's leads are queued, the time stays, the next run lists both again. */
	page = leads_page(LEAD("9001", "1726572758"), 0);
	{
		struct buf ids = { 0 };
		char *full;
		int k;

		for (k = 0; k < 250; k++)
			buf_add(&ids, "%s{\"id\":%d,\"updated_at\":1}", k ? "," : "", 8000 + k);
		full = leads_page(ids.s, 1);
		script_reset();
		script_answer("GET", LEADS_URL, 200, full);
		script_timeout("GET", LEADS_URL);
		CHECK(leads(&c) == -1 && script_over() && since_stored() == since,
		    "page 2 timing out: the run fails and the time stays");
		script_reset();
		script_answer("GET", LEADS_URL, 200, full);
		script_answer("GET", LEADS_URL, 200, page);
		CHECK(leads(&c) == 0 && script_over() && c.leads_started == 1 && has_job("send:9001") &&
		    listed_from(0) == since && since_stored() > since,
		    "...the next run lists from the same time, starts what it had not, and moves on");
		free(full);
		free(ids.s);
	}
	free(page);

	/* Kommo's 403 (a blocked address): every Kommo call pauses. */
	script_reset();
	script_answer("GET", LEADS_URL, 403, "<html>Forbidden</html>");
	CHECK(leads(&c) == -1 && script_over(), "a 403: the run fails");
	script_reset();
	CHECK(leads(&c) == -1 && script_count() == 0, "...and the next one calls nothing while the pause lasts");
	store_put1(cfg.state_dir, STORE_CACHE, "kommo.paused_until", "0");
}

/* With OAuth, a 401 to the leads list renews the access token once. */
static void
test_leads_kommo_401(void)
{
	struct reconcile_counts c;
	char *token = cfg.kommo.token, *page, record[256];

	cfg.kommo.token = NULL;
	snprintf(record, sizeof record, "{\"access_token\":\"kommo-old\",\"refresh_token\":\"kommo-refresh-old\","
	    "\"expires_at\":%lld,\"connected_at\":1}", (long long)time(NULL) + 86400);
	store_put1(cfg.state_dir, STORE_TOKENS, KOMMO_TOKEN_OAUTH, record);
	page = leads_page(LEAD("9101", "1726572758"), 0);
	script_reset();
	script_answer("GET", LEADS_URL, 401, "{\"title\":\"Unauthorized\",\"status\":401}");
	script_answer("POST", KOMMO_TOKEN_URL, 200, "{\"token_type\":\"Bearer\",\"expires_in\":86400,"
	    "\"access_token\":\"kommo-new\",\"refresh_token\":\"kommo-refresh-new\"}");
	script_answer("GET", LEADS_URL, 200, page);
	free(page);
	CHECK(leads(&c) == 0 && script_over() && c.leads_started == 1 && has_job("send:9101"),
	    "a 401 to an OAuth token: renewed once, listed again, the lead started");
	CHECK(strstr(script_headers(0), "Bearer kommo-old") && strstr(script_body(1), "\"refresh_token\":\"kommo-refresh-old\"") &&
	    strstr(script_headers(2), "Bearer kommo-new"), "...the renewal spends the refresh token, the retry carries the new one");

	script_reset();
	script_answer("GET", LEADS_URL, 401, "{\"title\":\"Unauthorized\",\"status\":401}");
	script_answer("POST", KOMMO_TOKEN_URL, 200, "{\"token_type\":\"Bearer\",\"expires_in\":86400,"
	    "\"access_token\":\"kommo-newer\",\"refresh_token\":\"kommo-refresh-newer\"}");
	script_answer("GET", LEADS_URL, 401, "{\"title\":\"Unauthorized\",\"status\":401}");
	CHECK(leads(&c) == -1 && script_over(), "refused again after the renewal: one renewal only, the run fails");
	cfg.kommo.token = token;
}

int
main(void)
{
	if (world_open(&cfg) == -1 || world_zoho_connected(&cfg) == -1)
		return 1;
	script_begin();
	test_which_deals();
	test_outcomes();
	test_webhook_first();
	test_failures();
	test_zoho_401();
	test_leads_started();
	test_leads_pages();
	test_leads_fail();
	test_leads_kommo_401();
	script_end();
	world_close(&cfg);
	return CHECK_DONE();
}
