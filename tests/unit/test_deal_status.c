/*
 * Unit tests for lib/deal_status.c and the status rank in lib/deal.c: the words per
 * status ([kommo] status_values), the PATCH body for a select and a text field, the
 * order rule (only forward, per request, a write under way holds off the others), and
 * the step through the scripted transport: written once, a lost answer looked up on the
 * lead rather than written again, a missing option logged and passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "deal.h"
#include "deal_status.h"
#include "jfield.h"
#include "job.h"
#include "script.h"
#include "world.h"

#define FIELD "500101"
#define FIELD_URL "/api/v4/leads/custom_fields/" FIELD
#define LEAD_URL "/api/v4/leads/1001?with=contacts"
#define PATCH_URL "/api/v4/leads/1001"
#define SELECT_JSON "{\"id\":500101,\"name\":\"Contract status\",\"type\":\"select\",\"enums\":[" \
	"{\"id\":7001,\"value\":\"Sent\",\"sort\":1},{\"id\":7002,\"value\":\"Viewed\",\"sort\":2}," \
	"{\"id\":7003,\"value\":\"Signed\",\"sort\":3}]}"
#define LEAD_WITH(value) "{\"id\":1001,\"custom_fields_values\":[{\"field_id\":500101,\"field_name\":" \
	"\"Contract status\",\"field_type\":\"select\",\"values\":[{\"value\":\"" value "\",\"enum_id\":7002}]}]}"
#define R1 "2000001234567890123"
#define R2 "2000001234567890999"
#define R3 "2000001234567891111"
#define R4 "2000001234567892222"

static struct config cfg;

static void
test_words(void)
{
	struct config c;
	char word[64], err[256];
	const char *text = "[kommo]\nstatus_values = viewed: Vu par le client , signed:Signé\n";

	CHECK(config_parse(text, strlen(text), "t.conf", &c, NULL, NULL, err, sizeof err) == 0, "status_values parse (%s)", err);
	CHECK(config_status_word(&c, "viewed", word, sizeof word) == 0 && strcmp(word, "Vu par le client") == 0,
	    "a configured word, trimmed: \"%s\"", word);
	CHECK(config_status_word(&c, "sent", word, sizeof word) == 0 && strcmp(word, "Sent") == 0,
	    "a status not configured keeps its English word: \"%s\"", word);
	CHECK(config_status_word(&c, "lost", word, sizeof word) == -1, "no word for a status not in the list");
	config_free(&c);
	text = "[kommo]\nstatus_values = seen:Seen\n";
	CHECK(config_parse(text, strlen(text), "t.conf", &c, NULL, NULL, err, sizeof err) == -1 &&
	    strstr(err, "[kommo] status_values") && strstr(err, "sent viewed signed"),
	    "an unknown status is refused with the list: %s", err);
	text = "[kommo]\nstatus_values = sent:Sent, sent:Again\n";
	CHECK(config_parse(text, strlen(text), "t.conf", &c, NULL, NULL, err, sizeof err) == -1,
	    "a status given twice is refused: %s", err);
	text = "[kommo]\nstatus_values = sent\n";
	CHECK(config_parse(text, strlen(text), "t.conf", &c, NULL, NULL, err, sizeof err) == -1,
	    "an entry without its word is refused: %s", err);
}

static void
test_pure(void)
{
	char *body;
	json_object *lead = json_tokener_parse(LEAD_WITH("Viewed")), *field = json_tokener_parse(SELECT_JSON);

	CHECK(deal_status_rank("sent") == 1 && deal_status_rank("viewed") == 2 && deal_status_rank("signed") == 3 &&
	    deal_status_rank("declined") == 3 && deal_status_rank("expired") == 3 &&
	    deal_status_rank("recalled") == 3 && deal_status_rank("completed") == 0,
	    "ranks: sent < viewed < the outcomes");
	body = deal_status_patch_body(FIELD, "7003", "Signed");
	CHECK_STR(body, "{\"custom_fields_values\":[{\"field_id\":500101,\"values\":[{\"enum_id\":7003}]}]}",
	    "a select field is set by its option's id, as a number");
	free(body);
	body = deal_status_patch_body("500102", NULL, "Vu \"ok\"");
	CHECK_STR(body, "{\"custom_fields_values\":[{\"field_id\":500102,\"values\":[{\"value\":\"Vu \\\"ok\\\"\"}]}]}",
	    "a text field is set by its value, escaped");
	free(body);
	CHECK_STR(deal_status_lead_value(lead, FIELD), "Viewed", "the lead's value of the field");
	CHECK_STR(deal_status_lead_value(lead, "500102"), "", "a field the lead has no value for");
	CHECK_STR(deal_status_option(field, "Signed"), "7003", "the option whose label is the word");
	CHECK(deal_status_option(field, "signed") == NULL, "labels are matched exactly");
	CHECK(deal_status_field_is_select(field), "a select takes an option");
	json_object_put(lead);
	json_object_put(field);
}

/* Request id recorded as the lead's current request. */
static void
recorded(const char *request_id)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "request_id", json_object_new_string(request_id));
	CHECK(deal_record_request(cfg.state_dir, W_LEAD, "1726572758", r, 0) == 0, "request %s recorded", request_id);
	json_object_put(r);
}

static enum deal_claim
claim(const char *request_id, int rank, const char *by, long long now)
{
	enum deal_claim v = DEAL_CLAIM_PASSED;

	if (deal_status_claim(cfg.state_dir, W_LEAD, request_id, rank, by, now, &v) == -1)
		printf("# claim failed\n");
	return v;
}

static void
test_order(void)
{
	struct deal d;
	long long now = 1000000;

	recorded(R1);
	CHECK(claim(R1, 2, "progress:a", now) == DEAL_CLAIM_GO, "viewed first: written");
	CHECK(claim(R1, 3, "complete:" R1, now + 1) == DEAL_CLAIM_BUSY, "signed while viewed is under way: waits");
	CHECK(claim(R1, 2, "progress:b", now + 1) == DEAL_CLAIM_PASSED, "a second viewed meanwhile: not written");
	CHECK(claim(R1, 2, "progress:a", now + 2) == DEAL_CLAIM_GO, "the viewed job's own retry goes on");
	CHECK(deal_status_passed(cfg.state_dir, W_LEAD, R1, 2, "progress:a") == 0, "viewed recorded");
	CHECK(claim(R1, 3, "complete:" R1, now + 3) == DEAL_CLAIM_GO, "then signed: written");
	CHECK(deal_status_passed(cfg.state_dir, W_LEAD, R1, 3, "complete:" R1) == 0, "signed recorded");
	CHECK(claim(R1, 2, "progress:c", now + 4) == DEAL_CLAIM_PASSED, "a late viewed: not written");
	CHECK(claim(R1, 3, "declined:" R1, now + 4) == DEAL_CLAIM_PASSED, "a second outcome: not written");
	deal_load(cfg.state_dir, W_LEAD, &d);
	CHECK(strcmp(d.status_request, R1) == 0 && d.status_rank == 3 && d.claim_by[0] == '\0',
	    "the deal keeps rank 3 for %s, no write under way", d.status_request);

	recorded(R2);
	CHECK(claim(R2, 1, "send:1001", now + 5) == DEAL_CLAIM_GO, "a new request starts over at sent");
	CHECK(claim(R1, 3, "recalled:" R1, now + 6) == DEAL_CLAIM_PASSED, "the earlier request's events pass");
	CHECK(claim(R2, 3, "complete:" R2, now + 6) == DEAL_CLAIM_BUSY, "signed waits for sent under way");
	CHECK(claim(R2, 3, "complete:" R2, now + 6 + DEAL_CLAIM_SECONDS) == DEAL_CLAIM_GO,
	    "a write under way for too long no longer holds the others");
	CHECK(claim(R2, 1, "send:1001", now + 7 + DEAL_CLAIM_SECONDS) == DEAL_CLAIM_PASSED,
	    "the overtaken sent, retried, gives way");
	deal_load(cfg.state_dir, W_LEAD, &d);
	CHECK(strcmp(d.state, DEAL_INFLIGHT) == 0 && strcmp(d.request_id, R2) == 0,
	    "the claims left the deal's state and request alone");
}

static int
step(struct outbox_job *job, struct job_result *res)
{
	memset(res, 0, sizeof *res);
	res->retry_after = -1;
	return deal_status_step(&cfg, job, W_LEAD, R3, "viewed", res);
}

static void
test_step(void)
{
	struct outbox_job job;
	struct job_result res;
	struct deal d;

	cfg.kommo.status_field_id = strdup(FIELD);
	recorded(R3);
	CHECK(world_job(&cfg, "progress", R3 ":RequestViewed:1:2", "{\"lead\":\"1001\"}", &job) == 0, "a viewed job");
	script_answer("GET", FIELD_URL, 200, SELECT_JSON);
	script_lost("PATCH", PATCH_URL);
	CHECK(step(&job, &res) == -1 && script_over(), "the PATCH's answer is lost: retried (%s)", res.error);
	CHECK(strstr(script_body(1), "{\"enum_id\":7002}") != NULL, "the PATCH set option Viewed: %s", script_body(1));
	CHECK(world_rerun(&cfg, &job) == 0, "the job runs again");
	script_reset();
	script_answer("GET", LEAD_URL, 200, LEAD_WITH("Viewed"));
	CHECK(step(&job, &res) == 0 && script_over() && script_count_of("PATCH", PATCH_URL) == 0,
	    "the retry finds Viewed on the lead: no second PATCH (%s)", script_trace());
	deal_load(cfg.state_dir, W_LEAD, &d);
	CHECK(strcmp(d.status_request, R3) == 0 && d.status_rank == 2 && !d.claim_by[0], "rank 2 recorded");
	script_reset();
	CHECK(step(&job, &res) == 0 && script_count() == 0, "done: nothing called again");
	outbox_job_free(&job);

	/* An option Kommo lacks: logged for the administrator, passed, no PATCH. */
	recorded(R4);
	CHECK(world_job(&cfg, "complete", R4, "{\"lead\":\"1001\"}", &job) == 0, "a complete job");
	script_reset();
	script_answer("GET", FIELD_URL, 200, "{\"id\":500101,\"name\":\"Contract status\",\"type\":\"select\",\"enums\":[]}");
	memset(&res, 0, sizeof res);
	CHECK(deal_status_step(&cfg, &job, W_LEAD, R4, "signed", &res) == 0 && script_over() &&
	    script_count_of("PATCH", PATCH_URL) == 0, "no option Signed: no PATCH, the job goes on");
	deal_load(cfg.state_dir, W_LEAD, &d);
	CHECK(strcmp(d.status_request, R4) == 0 && d.status_rank == 3, "yet the status counts as passed");
	outbox_job_free(&job);
}

int
main(void)
{
	if (world_open(&cfg) == -1)
		return 1;
	test_words();
	test_pure();
	test_order();
	script_begin();
	test_step();
	script_end();
	world_close(&cfg);
	return CHECK_DONE();
}
