/*
 * Unit tests for lib/drain.c through drain_cron and the scripted transport: a job that
 * works is removed; one that fails is retried with backoff (or the remote's wait) and
 * its attempts counted; one the run's time cuts short goes back due now with no attempt
 * counted; refused credentials wait an hour; a job failing past [limits] give_up_hours
 * is kept as dead and an alert job gives the manager a task, in the same run.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "drain.h"
#include "jfield.h"
#include "job.h"
#include "script.h"
#include "world.h"
#include "zoho_token.h"

#define EVENT "{\"lead\":\"1001\",\"op\":\"RequestViewed\",\"by_name\":\"Jane Doe\"," \
	"\"by_email\":\"jane@example.com\",\"at_ms\":\"1764442920000\",\"reason\":\"\"}"
#define NOTES_URL "/api/v4/leads/notes"
#define NOTES_LOOK "/api/v4/leads/1001/notes?*"

static struct config cfg;

static void
queue(const char *kind, const char *subject, const char *state, long long at)
{
	json_object *initial = state ? json_tokener_parse(state) : NULL;
	char err[256];

	CHECK(outbox_enqueue_once(cfg.state_dir, kind, subject, initial, at, err, sizeof err) == 0,
	    "%s:%s is queued", kind, subject);
	json_object_put(initial);
}

static int
drain(void)
{
	int busy = -1, ran = drain_cron(&cfg, 0, &busy);

	return busy == 0 ? ran : -1;
}

/* The job as the outbox holds it after the run. */
static int
job_now(const char *key, struct outbox_job *job)
{
	return world_job_get(&cfg, key, job);
}

static void
test_done(void)
{
	struct outbox_job job;

	script_reset();
	queue("progress", "d-1", EVENT, (long long)time(NULL));
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	CHECK(drain() == 1 && script_over(), "a due job runs: one note");
	CHECK(job_now("progress:d-1", &job) == -1, "...and, done, it leaves the queue");
}

static void
test_retried(void)
{
	struct outbox_job job;
	long long before, after;

	script_reset();
	queue("progress", "d-2", EVENT, (long long)time(NULL));
	script_answer("POST", NOTES_URL, 500, "{\"title\":\"Internal Server Error\",\"status\":500}");
	before = (long long)time(NULL);
	CHECK(drain() == 1 && script_over(), "a job whose note fails with 500 runs once");
	after = (long long)time(NULL);
	CHECK(job_now("progress:d-2", &job) == 0 && job.attempts == 1 && !job.dead,
	    "...stays queued with one attempt counted (%d)", job.attempts);
	CHECK(job.next_at >= before + 30 && job.next_at <= after + 30 + 8,
	    "...due again after the first backoff, 30 s and up to a quarter more (%lld s)", job.next_at - before);
	CHECK(strstr(job.last_error, "HTTP 500") != NULL, "...with the reason kept (%s)", job.last_error);
	outbox_job_free(&job);
	script_reset();
	CHECK(drain() == 0 && script_count() == 0, "a run before it is due leaves it alone");

	outbox_make_all_due(cfg.state_dir, (long long)time(NULL));
	script_reset();
	script_answer("GET", NOTES_LOOK, 204, NULL);
	script_answer("POST", NOTES_URL, 503, "<html>unavailable</html>");
	before = (long long)time(NULL);
	CHECK(drain() == 1 && script_over(), "its second run looks for the note first, then writes it: 503");
	after = (long long)time(NULL);
	CHECK(job_now("progress:d-2", &job) == 0 && job.attempts == 2 && job.next_at >= before + 60 &&
	    job.next_at <= after + 60 + 16, "...two attempts, the wait doubled (%d, %lld s)", job.attempts,
	    job.next_at - before);
	outbox_job_free(&job);

	outbox_make_all_due(cfg.state_dir, (long long)time(NULL));
	script_reset();
	script_answer_wait("GET", NOTES_LOOK, 429, 120, "{\"title\":\"Too Many Requests\"}");
	before = (long long)time(NULL);
	CHECK(drain() == 1 && script_over(), "a third run meets 429 with Retry-After 120");
	after = (long long)time(NULL);
	CHECK(job_now("progress:d-2", &job) == 0 && job.attempts == 3 && job.next_at >= before + 120 &&
	    job.next_at <= after + 120, "...three attempts, due when Kommo said (%lld s)", job.next_at - before);
	outbox_job_free(&job);

	outbox_make_all_due(cfg.state_dir, (long long)time(NULL));
	script_reset();
	script_answer("GET", NOTES_LOOK, 200, "{\"_embedded\":{\"notes\":[]}}");
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	CHECK(drain() == 1 && script_over() && job_now("progress:d-2", &job) == -1,
	    "the fourth run writes the note once and the job leaves the queue");
}

static void
test_credentials_refused(void)
{
	struct zoho_token_status st;
	struct outbox_job job;
	long long before, after;

	script_reset();
	queue("progress", "d-3", EVENT, (long long)time(NULL));
	script_answer("POST", NOTES_URL, 401, "{\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"Invalid token\"}");
	before = (long long)time(NULL);
	CHECK(drain() == 1 && script_over(), "Kommo refuses the long-lived token: no refresh, no second try");
	after = (long long)time(NULL);
	CHECK(job_now("progress:d-3", &job) == 0 && job.attempts == 1 && job.next_at >= before + 3600 &&
	    job.next_at <= after + 3600, "...the job waits an hour, one attempt counted (%lld s)", job.next_at - before);
	outbox_job_free(&job);
	outbox_make_all_due(cfg.state_dir, (long long)time(NULL));
	script_reset();
	script_answer("GET", NOTES_LOOK, 204, NULL);
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	CHECK(drain() == 1 && script_over(), "...and runs again when made due");

	/* Zoho refuses the refresh token (no access token is cached in this state dir). */
	script_reset();
	queue("send", W_LEAD, NULL, (long long)time(NULL));
	script_answer("GET", "/api/v4/leads/1001?with=contacts", 200, W_LEAD_JSON(W_TRIGGER));
	script_answer("GET", "/api/v4/contacts/2001", 200, W_CONTACT_JSON("jane@example.com"));
	script_answer("GET", "/api/v4/companies/3001", 200, W_COMPANY_JSON);
	script_answer("POST", "https://accounts.zoho.eu/oauth/v2/token", 200, "{\"error\":\"invalid_code\"}");
	before = (long long)time(NULL);
	CHECK(drain() == 1 && script_over(), "a send whose Zoho token refresh is refused (invalid_code)");
	after = (long long)time(NULL);
	CHECK(job_now("send:1001", &job) == 0 && job.attempts == 1 && job.next_at >= before + 3600 &&
	    job.next_at <= after + 3600 && strstr(job.last_error, "Zoho authorization needed"),
	    "...waits an hour saying Zoho must be connected again (%s)", job.last_error);
	outbox_job_free(&job);
	zoho_token_status(&cfg, &st);
	CHECK(strstr(st.auth_needed, "invalid_code") != NULL, "...and the refusal is on record (%s)", st.auth_needed);
	outbox_make_all_due(cfg.state_dir, (long long)time(NULL));
	script_reset();
	script_answer("GET", "/api/v4/leads/1001?with=contacts", 200, W_LEAD_JSON(W_TRIGGER));
	script_answer("GET", "/api/v4/contacts/2001", 200, W_CONTACT_JSON("jane@example.com"));
	script_answer("GET", "/api/v4/companies/3001", 200, W_COMPANY_JSON);
	CHECK(drain() == 1 && script_over(), "...its next run asks Zoho for no token at all");
	CHECK(job_now("send:1001", &job) == 0 && job.attempts == 2, "...and counts the attempt");
	outbox_job_free(&job);
	world_zoho_connected(&cfg); /* reconnected: the refusal is forgotten */
	outbox_make_all_due(cfg.state_dir, (long long)time(NULL));
	script_reset();
	script_answer("GET", "/api/v4/leads/1001?with=contacts", 200, W_LEAD_JSON("142"));
	CHECK(drain() == 1 && script_over() && job_now("send:1001", &job) == -1,
	    "once reconnected, it runs again (the lead has left the stage: done)");
}

static void
test_give_up(void)
{
	struct outbox_job job;

	script_reset();
	queue("progress", "d-4", EVENT, (long long)time(NULL) - 3600LL * cfg.limits.give_up_hours - 60);
	script_answer("POST", NOTES_URL, 500, "{\"status\":500}");
	script_answer("GET", "/api/v4/leads/1001?with=contacts", 200, W_LEAD_JSON(W_TRIGGER));
	script_answer("POST", "/api/v4/tasks", 200, W_KOMMO_WRITTEN);
	CHECK(drain() == 2 && script_over(), "a job failing past give_up_hours, then its alert, in one run");
	CHECK(job_now("progress:d-4", &job) == 0 && job.dead == 1 && strstr(job.last_error, "HTTP 500"),
	    "...the job is kept as dead with its reason (%s)", job.last_error);
	outbox_job_free(&job);
	CHECK(strstr(script_body(2), "gave up on this deal (bringing back the signing outcome)") &&
	    strstr(script_body(2), "\"responsible_user_id\":504"),
	    "...the alert is a task for the lead's responsible user");
	CHECK(job_now("alert:progress:d-4", &job) == -1, "...and the alert job, done, leaves the queue");
	script_reset();
	CHECK(drain() == 0 && script_count() == 0, "a dead job is not run again");
	outbox_make_all_due(cfg.state_dir, (long long)time(NULL));
	script_answer("GET", NOTES_LOOK, 204, NULL);
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	CHECK(drain() == 1 && script_over() && job_now("progress:d-4", &job) == -1,
	    "made due by the admin (kzsctl retry), it runs with a fresh give-up period, looking first");
}

static void
test_unknown_and_busy(void)
{
	struct outbox_job job;
	char path[600];
	int fd, busy = 0;

	script_reset();
	queue("bogus", "x", NULL, (long long)time(NULL));
	CHECK(drain() == 1 && script_count() == 0, "a job of an unknown kind calls nothing");
	CHECK(job_now("bogus:x", &job) == 0 && job.next_at >= (long long)time(NULL) + 86000,
	    "...and is kept, not run again for a day");
	outbox_job_free(&job);

	queue("progress", "d-5", EVENT, (long long)time(NULL));
	snprintf(path, sizeof path, "%s/drain-cron", cfg.state_dir);
	fd = open(path, O_RDONLY | O_CREAT, 0644);
	CHECK(fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == 0, "another run holds the drain-cron lock");
	CHECK(drain_cron(&cfg, 0, &busy) == 0 && busy == 1 && script_count() == 0,
	    "...so this run does nothing and says so");
	close(fd);
	script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	CHECK(drain() == 1 && script_over(), "once it is gone the next run does the job");
}

/* Three jobs, a Kommo pace of one call a second and a run of two seconds: the run ends
 * before the last call can start. */
static void
test_cut(void)
{
	static const char *const keys[] = { "progress:c-1", "progress:c-2", "progress:c-3" };
	int put_back = 0, left = 0, counted = 0, done = 0, due = 0;
	size_t i;

	script_reset();
	queue("progress", "c-1", EVENT, (long long)time(NULL) - 3);
	queue("progress", "c-2", EVENT, (long long)time(NULL) - 2);
	queue("progress", "c-3", EVENT, (long long)time(NULL) - 1);
	for (i = 0; i < 3; i++)
		script_answer("POST", NOTES_URL, 200, W_KOMMO_WRITTEN);
	cfg.limits.kommo_calls_per_second = 1;
	cfg.limits.cron_drain_seconds = 2;
	drain();
	for (i = 0; i < 3; i++) {
		struct outbox_job job;

		if (job_now(keys[i], &job) == -1) {
			done++;
			continue;
		}
		left++;
		put_back += strstr(job.last_error, "the time for the run was up") != NULL;
		due += job.next_at <= (long long)time(NULL);
		counted += job.attempts;
		outbox_job_free(&job);
	}
	CHECK(put_back == 1 && done + left == 3 && left >= 1, "the run's end puts the job it cut back "
	    "(%d done, %d put back, %d not started)", done, put_back, left - put_back);
	CHECK(due == left && counted == 0, "...due now, with no attempt counted (%d due, %d attempts)", due, counted);
	CHECK(script_count() == (size_t)done, "...and its call was never made (%zu calls)", script_count());
	cfg.limits.kommo_calls_per_second = 100000;
	cfg.limits.cron_drain_seconds = 280;
}

int
main(void)
{
	if (world_open(&cfg) == -1)
		return 1;
	script_begin();
	test_done();
	test_retried();
	test_credentials_refused();
	test_give_up();
	test_unknown_and_busy();
	test_cut();
	script_end();
	world_close(&cfg);
	return CHECK_DONE();
}
