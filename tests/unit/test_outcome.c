/*
 * Unit tests for lib/outcome.c through its runners and the scripted transport: the
 * complete job (signed PDF downloaded, put on the drive, linked in the lead's files, an
 * attachment note, a note, the stage move) failing at each step in turn, with writes
 * whose answer is lost looked up before they are made again; declined, expired (with a
 * fresh request queued), recalled and progress.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "deal.h"
#include "jfield.h"
#include "job.h"
#include "outcome.h"
#include "script.h"
#include "world.h"

#define EVENT(op) \
	"{\"lead\":\"1001\",\"op\":\"" op "\",\"by_name\":\"Jane Doe\",\"by_email\":\"jane@example.com\"," \
	"\"at_ms\":\"1764442920000\",\"reason\":\"Price too high\"}"
#define PDF_URL "/api/v1/requests/" W_REQUEST "/pdf?merge=true"
#define ACCOUNT_URL "/api/v4/account?with=drive_url"
#define SESSION_URL "https://drive-c.kommo.com/v1.0/sessions"
#define UPLOAD_URL "https://drive-c.kommo.com/v1.0/upload/s1"
#define FILES_URL "/api/v4/leads/1001/files"
#define NOTES_URL "/api/v4/leads/notes"
#define LEAD_URL "/api/v4/leads/1001?with=contacts"
#define MOVE_URL "/api/v4/leads/1001"
#define TASKS_URL "/api/v4/tasks"
#define REQUEST_URL "/api/v1/requests/" W_REQUEST
/* Two signers (the second signed last, with no name on file: shown by the address), and a
 * viewer who only saw it: 29/11/2025 18:02 and 19:10 UTC. */
#define SIGNED_REQUEST "{\"code\":0,\"requests\":{\"request_status\":\"completed\",\"actions\":[" \
	"{\"action_type\":\"SIGN\",\"action_status\":\"SIGNED\",\"recipient_name\":\"Jane Doe\"," \
	"\"recipient_email\":\"jane@example.com\",\"signed_time\":1764439320000}," \
	"{\"action_type\":\"VIEW\",\"action_status\":\"VIEWED\",\"recipient_name\":\"Ann Viewer\"," \
	"\"recipient_email\":\"ann@example.com\"}," \
	"{\"action_type\":\"SIGN\",\"action_status\":\"SIGNED\",\"recipient_name\":\"\"," \
	"\"recipient_email\":\"bob@ourco.example\",\"signed_time\":1764443400000}]}}"
#define PDF "%PDF-1.4 signed contract"
#define SESSION "{\"session_id\":1,\"upload_url\":\"" UPLOAD_URL "\",\"max_file_size\":104857600," \
	"\"max_part_size\":524288}"
#define UPLOADED "{\"uuid\":\"file-uuid-1\",\"version_uuid\":\"ver-uuid-1\",\"name\":\"x.pdf\",\"size\":24}"

static struct config cfg;

static void
run(job_run_fn fn, struct outbox_job *job, struct job_result *res)
{
	memset(res, 0, sizeof *res);
	res->retry_after = -1;
	fn(&cfg, job, res);
}

/* The request is recorded for the lead, as the send job leaves it. */
static void
request_recorded(const char *request_id, int resend)
{
	char *text = world_request_json(request_id, "(ref 1001-1)");
	json_object *answer = json_tokener_parse(text), *request = NULL;

	json_object_object_get_ex(answer, "requests", &request);
	CHECK(deal_record_request(cfg.state_dir, W_LEAD, "1726572758", request, resend) == 0,
	    "request %s is recorded in flight for lead 1001", request_id);
	json_object_put(answer);
	free(text);
}

static const char *
request_outcome(const char *request_id)
{
	static char outcome[32];
	json_object *rec = NULL;

	deal_request_load(cfg.state_dir, request_id, &rec);
	snprintf(outcome, sizeof outcome, "%s", jfield_text(rec, "outcome"));
	json_object_put(rec);
	return outcome;
}

static const char *
lead_state(void)
{
	static struct deal deal;

	deal_load(cfg.state_dir, W_LEAD, &deal);
	return deal.state;
}

static void
test_complete(void)
{
	struct job_result res;
	struct outbox_job job;

	request_recorded(W_REQUEST, 0);
	CHECK(world_job(&cfg, "complete", W_REQUEST, EVENT("RequestCompleted"), &job) == 0, "a complete job is claimed");

	script_reset();
	script_timeout("GET", REQUEST_URL);
	run(outcome_complete, &job, &res);
	CHECK(res.done == 0 && strstr(res.error, "Timeout") && script_over(),
	    "0: reading the request's signers times out: retried, nothing written (%s)", res.error);

	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", REQUEST_URL, 200, SIGNED_REQUEST);
	script_timeout("GET", PDF_URL);
	run(outcome_complete, &job, &res);
	CHECK(res.done == 0 && strstr(res.error, "Timeout") && script_over(),
	    "1: the signers are read; the PDF download times out: retried, nothing written (%s)", res.error);
	CHECK_STR(jfield_text(job.state, "signers"), "Jane Doe <jane@example.com> on 29/11/2025 18:02 UTC, "
	    "bob@ourco.example on 29/11/2025 19:10 UTC", "...the signers are kept with their times");

	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", PDF_URL, 200, "{\"code\":2001,\"status\":\"failure\",\"message\":\"no such document\"}");
	run(outcome_complete, &job, &res);
	CHECK(res.done == 0 && script_over(), "2: Zoho answers JSON instead of the PDF: retried (%s)", res.error);

	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", PDF_URL, 200, PDF);
	script_answer("GET", ACCOUNT_URL, 200, "{\"id\":12345678,\"drive_url\":\"https://drive-c.kommo.com\"}");
	script_answer("POST", SESSION_URL, 500, "{\"status\":500}");
	run(outcome_complete, &job, &res);
	CHECK(res.done == 0 && script_over(), "3: the drive session fails: retried (%s)", res.error);
	CHECK(strstr(script_headers(0), "Zoho-oauthtoken " W_ZOHO_TOKEN) != NULL &&
	    strstr(script_headers(2), "Bearer " W_KOMMO_TOKEN) != NULL,
	    "...Zoho and the drive are called with their tokens");
	CHECK(strstr(script_body(2), "\"file_size\":24") && strstr(script_body(2), "application\\/pdf"),
	    "...the session names the PDF's size and type (%s)", script_body(2));
	CHECK(!job_step_done(&job, "file_uuid"), "...and no file is recorded");

	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", PDF_URL, 200, PDF);
	script_answer("POST", SESSION_URL, 200, SESSION);
	script_answer("POST", UPLOAD_URL, 200, UPLOADED);
	script_lost("PUT", FILES_URL);
	run(outcome_complete, &job, &res);
	CHECK(res.done == 0 && script_over(), "4: uploaded (drive_url cached), the Files link's answer lost (%s)",
	    res.error);
	CHECK(strcmp(script_body(2), PDF) == 0, "...the PDF's bytes went to the upload URL");
	CHECK_STR(jfield_text(job.state, "file_uuid"), "file-uuid-1", "...the file's uuid is recorded");
	CHECK(strstr(script_body(3), "\"file_uuid\":\"file-uuid-1\""), "...and the link names it");

	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", FILES_URL, 200, "{\"_embedded\":{\"files\":[{\"file_uuid\":\"file-uuid-1\"}]}}");
	script_lost("POST", NOTES_URL);
	run(outcome_complete, &job, &res);
	CHECK(res.done == 0 && script_over(),
	    "5: no download or upload again; the link is found, not made again; the attachment note's answer lost");
	CHECK(strstr(script_body(1), "\"note_type\":\"attachment\"") && strstr(script_body(1), "\"version_uuid\":\"ver-uuid-1\""),
	    "...the attachment note points at the file and its version");

	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", "/api/v4/leads/1001/notes?*", 200,
	    "{\"_embedded\":{\"notes\":[{\"id\":8,\"note_type\":\"attachment\",\"params\":{\"file_uuid\":\"file-uuid-1\"}}]}}");
	script_answer("POST", NOTES_URL, 502, "<html>Bad Gateway</html>");
	run(outcome_complete, &job, &res);
	CHECK(res.done == 0 && script_over(), "6: the attachment note is found; the note fails with 502 (%s)", res.error);
	CHECK(strstr(script_url(0), "note_type%5D=attachment"), "...the look was among attachment notes");
	CHECK(strstr(script_body(1), "Contract signed by Jane Doe <jane@example.com> on 29\\/11\\/2025 18:02 UTC, "
	    "bob@ourco.example on 29\\/11\\/2025 19:10 UTC. Zoho Sign request " W_REQUEST " is complete")
	    != NULL, "...the note names every signer with the time each signed (%s)", script_body(1));

	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", "/api/v4/leads/1001/notes?*", 204, NULL);
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	script_lost("PATCH", MOVE_URL);
	run(outcome_complete, &job, &res);
	CHECK(res.done == 0 && script_over(), "7: the note, tried, is not there: made; the move's answer lost");
	CHECK(strstr(script_body(2), "\"status_id\":" W_SIGNED) && strstr(script_body(2), "\"pipeline_id\":" W_PIPELINE) &&
	    !strstr(script_body(2), "name"), "...the move sends the signed stage and pipeline only (%s)", script_body(2));
	CHECK(strcmp(request_outcome(W_REQUEST), "") == 0, "...and no outcome is recorded yet");

	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", LEAD_URL, 200, W_LEAD_JSON(W_SIGNED));
	run(outcome_complete, &job, &res);
	CHECK(res.done == 1 && script_over() && script_count() == 1,
	    "8: the lead is found out of the trigger stage: not moved again; done");
	CHECK_STR(request_outcome(W_REQUEST), DEAL_COMPLETED, "the request's outcome is completed");
	CHECK_STR(lead_state(), DEAL_COMPLETED, "...and so is the deal");
	outbox_done(cfg.state_dir, &job, world_now());
	outbox_job_free(&job);

	/* Zoho reports a completion twice ("signed" by the last signer, then "completed"). */
	script_reset();
	CHECK(world_job(&cfg, "complete", W_REQUEST, EVENT("RequestCompleted"), &job) == 0, "a second complete job");
	run(outcome_complete, &job, &res);
	CHECK(res.done == 1 && script_count() == 0, "...is done at once: nothing is written twice");
	outbox_done(cfg.state_dir, &job, world_now());
	outbox_job_free(&job);
}

static void
test_complete_401(void)
{
	struct job_result res;
	struct outbox_job job;

	request_recorded("2000001234567890124", 0);
	CHECK(world_job(&cfg, "complete", "2000001234567890124", EVENT("RequestCompleted"), &job) == 0,
	    "a complete job for another request");
	script_reset();
	script_answer("GET", "/requests/2000001234567890124", 200, "{\"code\":0,\"requests\":{\"actions\":[]}}");
	script_answer("GET", "/requests/2000001234567890124/pdf?merge=true", 401, "{\"code\":9041,\"message\":\"Invalid Oauth token\"}");
	script_answer("POST", "https://accounts.zoho.eu/oauth/v2/token", 200, "{\"access_token\":\"zoho-access-3\",\"expires_in\":3600}");
	script_answer("GET", "/requests/2000001234567890124/pdf?merge=true", 200, PDF);
	script_answer("POST", SESSION_URL, 200, SESSION);
	script_answer("POST", UPLOAD_URL, 429, "{\"title\":\"Too Many Requests\",\"retry_after\":12}");
	run(outcome_complete, &job, &res);
	CHECK(res.done == 0 && res.retry_after == 12 && script_over(),
	    "a PDF read refused with 401 gets a fresh token and one more try; the upload's 429 waits 12 s (%ld)",
	    res.retry_after);
	CHECK(strstr(script_headers(3), "zoho-access-3") != NULL, "...the second try carries the fresh token");
	CHECK(!job_step_done(&job, "file_uuid"), "...and no file is recorded");
	outbox_done(cfg.state_dir, &job, world_now());
	outbox_job_free(&job);
}

static void
test_declined(void)
{
	struct job_result res;
	struct outbox_job job;

	request_recorded(W_REQUEST, 0);
	CHECK(world_job(&cfg, "declined", W_REQUEST, EVENT("RequestRejected"), &job) == 0, "a declined job is claimed");
	script_reset();
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	script_answer("GET", LEAD_URL, 200, W_LEAD_JSON(W_TRIGGER));
	script_lost("POST", TASKS_URL);
	run(outcome_declined, &job, &res);
	CHECK(res.done == 0 && script_over(), "declined: note made, the task's answer lost (%s)", res.error);
	CHECK(strstr(script_body(0), "Contract declined by Jane Doe <jane@example.com>") &&
	    strstr(script_body(0), "Reason: Price too high."), "...the note gives the signer and the reason");
	CHECK(strstr(script_body(2), "\"responsible_user_id\":504") && strstr(script_body(2), "\"entity_type\":\"leads\""),
	    "...the task is on the lead for its responsible user");

	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", LEAD_URL, 200, W_LEAD_JSON(W_TRIGGER));
	script_answer("GET", "/api/v4/tasks?*", 200, "{\"_embedded\":{\"tasks\":[{\"id\":3,\"text\":\"another task\"}]}}");
	script_answer("POST", TASKS_URL, 200, W_KOMMO_WRITTEN);
	script_answer_wait("PATCH", MOVE_URL, 429, 20, "Too Many Requests");
	run(outcome_declined, &job, &res);
	CHECK(res.done == 0 && res.retry_after == 20 && script_over(),
	    "the retry looks for the task, finds none of its own, makes it; the move waits 20 s");
	CHECK(script_count_of("POST", NOTES_URL) == 0, "...and the note is not made again");

	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", LEAD_URL, 200, W_LEAD_JSON(W_TRIGGER));
	script_answer("PATCH", MOVE_URL, 200, W_LEAD_JSON(W_DECLINED));
	run(outcome_declined, &job, &res);
	CHECK(res.done == 1 && script_over(), "the move, tried, finds the lead still in the stage: moves it; done");
	CHECK(strstr(script_body(1), "\"status_id\":" W_DECLINED) != NULL, "...to the declined stage");
	CHECK_STR(request_outcome(W_REQUEST), DEAL_DECLINED, "the request's outcome is declined");
	CHECK_STR(lead_state(), DEAL_DECLINED, "...and so is the deal");
	outbox_done(cfg.state_dir, &job, world_now());
	outbox_job_free(&job);
}

static void
test_expired(void)
{
	struct job_result res;
	struct outbox_job job, send;

	cfg.zoho.resend_on_expiry = 1;
	request_recorded("2000001234567890125", 0);
	CHECK(world_job(&cfg, "expired", "2000001234567890125", EVENT("RequestExpired"), &job) == 0,
	    "an expired job is claimed");
	script_reset();
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	script_answer("GET", LEAD_URL, 500, "{\"status\":500}");
	run(outcome_expired, &job, &res);
	CHECK(res.done == 0 && script_over(), "expired: the note is made; reading the lead for the task fails");
	CHECK(strstr(script_body(0), "expired unsigned") && strstr(script_body(0), "A fresh request is being sent."),
	    "...the note says a fresh request follows");
	CHECK(world_job_get(&cfg, "send:1001", &send) == -1, "...and no send is queued before the task");

	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", LEAD_URL, 200, W_LEAD_JSON(W_TRIGGER));
	script_answer("POST", TASKS_URL, 200, W_KOMMO_WRITTEN);
	run(outcome_expired, &job, &res);
	CHECK(res.done == 1 && script_over() && script_count_of("POST", NOTES_URL) == 0,
	    "the retry makes the task only; done");
	CHECK_STR(request_outcome("2000001234567890125"), DEAL_EXPIRED, "the request's outcome is expired");
	CHECK(world_job_get(&cfg, "send:1001", &send) == 0 && strcmp(jfield_text(send.state, "resend"), "true") == 0,
	    "one send job is queued for the lead, marked as a resend");
	outbox_job_free(&send);
	/* The resend starts (the deal is "sending" again) while the expiry job runs once
	 * more (its done mark lost): its record is made, the deal is not moved back. */
	deal_mark(cfg.state_dir, W_LEAD, DEAL_SENDING, "1", "(ref 1001-2)");
	script_reset();
	run(outcome_expired, &job, &res);
	CHECK(res.done == 1 && script_over(), "the expiry job again, its steps recorded: nothing to call (%s)",
	    res.error);
	CHECK_STR(lead_state(), DEAL_SENDING, "...and the deal stays with the newer send");
	outbox_done(cfg.state_dir, &job, world_now());
	outbox_job_free(&job);
	/* The queued send is taken off the queue, for the next case. */
	if (outbox_claim(cfg.state_dir, world_now(), &send) == 0) {
		outbox_done(cfg.state_dir, &send, world_now());
		outbox_job_free(&send);
	}

	/* A request that was itself a resend is not resent. */
	request_recorded("2000001234567890126", 1);
	CHECK(world_job(&cfg, "expired", "2000001234567890126", EVENT("RequestExpired"), &job) == 0,
	    "an expired job for a resent request");
	script_reset();
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	script_answer("GET", LEAD_URL, 200, W_LEAD_JSON(W_TRIGGER));
	script_answer("POST", TASKS_URL, 200, W_KOMMO_WRITTEN);
	run(outcome_expired, &job, &res);
	CHECK(res.done == 1 && script_over() && strstr(script_body(0), "fresh request") == NULL,
	    "...note and task, no word of a fresh request");
	CHECK(world_job_get(&cfg, "send:1001", &send) == -1, "...and no send is queued");
	outbox_done(cfg.state_dir, &job, world_now());
	outbox_job_free(&job);
	cfg.zoho.resend_on_expiry = 0;
}

static void
test_recalled_progress(void)
{
	struct job_result res;
	struct outbox_job job;

	request_recorded("2000001234567890127", 0);
	CHECK(world_job(&cfg, "recalled", "2000001234567890127", EVENT("RequestRecalled"), &job) == 0,
	    "a recalled job is claimed");
	script_reset();
	script_answer("POST", NOTES_URL, 401, "{\"title\":\"Unauthorized\",\"status\":401}");
	run(outcome_recalled, &job, &res);
	CHECK(res.done == 0 && res.retry_after == 3600 && script_over(),
	    "recalled: the long-lived token refused: retried in an hour, no refresh (%ld)", res.retry_after);
	world_rerun(&cfg, &job);
	script_reset();
	script_answer("GET", "/api/v4/leads/1001/notes?*", 200, "{\"_embedded\":{\"notes\":[]}}");
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	run(outcome_recalled, &job, &res);
	CHECK(res.done == 1 && script_over() && strstr(script_body(1), "was recalled in Zoho Sign"),
	    "the retry looks, then notes the recall; done");
	CHECK_STR(request_outcome("2000001234567890127"), DEAL_RECALLED, "the request's outcome is recalled");
	outbox_done(cfg.state_dir, &job, world_now());
	outbox_job_free(&job);

	CHECK(world_job(&cfg, "progress", "d-1", EVENT("RequestViewed"), &job) == 0, "a progress job is claimed");
	script_reset();
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	run(outcome_progress, &job, &res);
	CHECK(res.done == 1 && script_over() && strstr(script_body(0), "Contract viewed by Jane Doe"),
	    "progress: one short note");
	outbox_done(cfg.state_dir, &job, world_now());
	outbox_job_free(&job);

	cfg.kommo.progress_notes = 0;
	CHECK(world_job(&cfg, "progress", "d-2", EVENT("RequestSigningSuccess"), &job) == 0, "another progress job");
	script_reset();
	run(outcome_progress, &job, &res);
	CHECK(res.done == 1 && script_count() == 0, "...with progress_notes = no: done, nothing written");
	outbox_done(cfg.state_dir, &job, world_now());
	outbox_job_free(&job);
	cfg.kommo.progress_notes = 1;
}

int
main(void)
{
	if (world_open(&cfg) == -1 || world_zoho_connected(&cfg) == -1)
		return 1;
	script_begin();
	test_complete();
	test_complete_401();
	test_declined();
	test_expired();
	test_recalled_progress();
	script_end();
	world_close(&cfg);
	return CHECK_DONE();
}
