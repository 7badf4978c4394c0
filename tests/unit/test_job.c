/*
 * Unit tests for lib/job.c on a real outbox in a temporary directory. Each retry claims
 * the job again from the outbox, so it sees only what the steps saved: a step recorded
 * (flag or value) is skipped, a write tried and not known to be done is looked up
 * before it is made again, and a step whose record cannot be saved says so.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "diskfull.h"
#include "jfield.h"
#include "job.h"
#include "store.h"

/* How often each write (its arg: NOTE, TASK, MOVE) reached the remote. */
enum { NOTE, TASK, MOVE };
static int held[3];

/* The remote the writes go to: how its next calls answer. */
static struct {
	int looks, writes;  /* calls made */
	int lose_answer;    /* the next write is made but its answer is lost */
	int look_fails;     /* the next look fails */
	const char *fill;   /* the disk holding this state dir fills up while the next write is made */
} remote;

static void
answer(struct remote_result *rr, enum remote_outcome outcome)
{
	memset(rr, 0, sizeof *rr);
	rr->outcome = outcome;
	rr->retry_after = -1;
	if (outcome != REMOTE_OK)
		snprintf(rr->message, sizeof rr->message, "fake: no answer");
}

static void
look(const struct config *cfg, const void *arg, int *done, struct remote_result *rr)
{
	(void)cfg;
	remote.looks++;
	*done = held[*(const int *)arg] > 0;
	answer(rr, remote.look_fails ? REMOTE_RETRY : REMOTE_OK);
	remote.look_fails = 0;
}

static void
write_it(const struct config *cfg, const void *arg, struct remote_result *rr)
{
	(void)cfg;
	remote.writes++;
	held[*(const int *)arg]++; /* the remote's own record, not the job's */
	if (remote.fill)
		freeze(remote.fill, STORE_OUTBOX);
	remote.fill = NULL;
	answer(rr, remote.lose_answer ? REMOTE_RETRY : REMOTE_OK);
	remote.lose_answer = 0;
}

static const int note_arg = NOTE, task_arg = TASK, move_arg = MOVE;
static const struct job_write note = { look, write_it, &note_arg, "none" };
static const struct job_write task = { look, write_it, &task_arg, "none" };
static const struct job_write move = { look, write_it, &move_arg, "none" };

/* The job runs again as after a crash: what it held in memory is gone, its lease runs
 * out and the retry claims it from the outbox, as saved. */
static void
rerun(const char *dir, struct outbox_job *job, long long *now)
{
	outbox_job_free(job);
	*now += OUTBOX_LEASE_SECONDS + 1;
	if (outbox_claim(dir, *now, job) != 0)
		memset(job, 0, sizeof *job);
}

static void
test_write_once(const struct config *cfg, long long *now)
{
	struct job_result res = { .retry_after = -1 };
	struct outbox_job job;
	char err[256];

	memset(&remote, 0, sizeof remote);
	CHECK(outbox_enqueue(cfg->state_dir, "complete", "r1", *now, err, sizeof err) == 0 &&
	    outbox_claim(cfg->state_dir, *now, &job) == 0, "a job is claimed");
	CHECK(job_write_once(cfg, &job, "noted", &note, &res) == 0 && remote.writes == 1 && remote.looks == 0,
	    "a step never tried writes without looking first");
	rerun(cfg->state_dir, &job, now);
	CHECK(job_step_done(&job, "noted"), "the step is recorded in the saved job");
	CHECK(job_write_once(cfg, &job, "noted", &note, &res) == 0 && remote.writes == 1 && remote.looks == 0,
	    "a done step is skipped: no look, no write");

	remote.lose_answer = 1;
	CHECK(job_write_once(cfg, &job, "tasked", &task, &res) == -1 && res.done == 0 && remote.writes == 2,
	    "a write whose answer is lost fails the run");
	CHECK_STR(res.error, "fake: no answer", "...with the remote's reason");
	rerun(cfg->state_dir, &job, now);
	CHECK(job_step_done(&job, "tasked_tried") && !job_step_done(&job, "tasked"),
	    "it was marked tried, not done, before it went out");
	remote.look_fails = 1;
	CHECK(job_write_once(cfg, &job, "tasked", &task, &res) == -1 && remote.looks == 1 && remote.writes == 2,
	    "a retry looks first; when the look fails nothing is written");
	CHECK(job_write_once(cfg, &job, "tasked", &task, &res) == 0 && remote.looks == 2 && remote.writes == 2,
	    "a retry that finds the write there does not write again");
	CHECK(held[NOTE] == 1 && held[TASK] == 1, "the remote holds one note and one task (%d, %d)",
	    held[NOTE], held[TASK]);
	rerun(cfg->state_dir, &job, now);
	CHECK(job_step_done(&job, "tasked"), "...and the step is recorded as done");

	/* Tried, but the write never reached the remote (refused before it was made). */
	CHECK(job_step_record(cfg, &job, "moved_tried", NULL, &res) == 0, "a step marked tried");
	CHECK(job_write_once(cfg, &job, "moved", &move, &res) == 0 && remote.looks == 3 && remote.writes == 3,
	    "...whose look finds nothing writes after looking");
	outbox_done(cfg->state_dir, &job, *now);
	outbox_job_free(&job);
}

static void
test_values(const struct config *cfg, long long *now)
{
	struct job_result res = { .retry_after = -1 };
	struct outbox_job job;
	char err[256];

	CHECK(outbox_enqueue(cfg->state_dir, "send", "1001", *now, err, sizeof err) == 0 &&
	    outbox_claim(cfg->state_dir, *now, &job) == 0, "a send job is claimed");
	CHECK(!job_step_done(&job, "request_id"), "a value step not yet taken is not done");
	json_object_object_add(job.state, "recipients", json_object_new_string("Jane <jane@example.com>"));
	CHECK(job_step_record(cfg, &job, "request_id", json_object_new_string("2000001234567890123"), &res) == 0,
	    "a step records its value");
	rerun(cfg->state_dir, &job, now);
	CHECK(job_step_done(&job, "request_id"), "the value step is done for the retry");
	CHECK_STR(jfield_text(job.state, "request_id"), "2000001234567890123", "...with its value, as text");
	CHECK_STR(jfield_text(job.state, "recipients"), "Jane <jane@example.com>",
	    "...and what was set with it is saved with it");
	CHECK_STR(job_lead(&job), "1001", "a send job's lead is its subject");
	outbox_done(cfg->state_dir, &job, *now);
	outbox_job_free(&job);
}

static void
test_full_disk(const struct config *cfg, long long *now)
{
	struct job_result res = { .retry_after = -1 };
	struct outbox_job job;
	char err[256];

	memset(&remote, 0, sizeof remote);
	memset(held, 0, sizeof held);
	CHECK(outbox_enqueue_once(cfg->state_dir, "declined", "r2", NULL, *now, err, sizeof err) == 0 &&
	    outbox_claim(cfg->state_dir, *now, &job) == 0, "a job is claimed");
	json_object_object_add(job.state, "lead", json_object_new_string("1002"));
	CHECK_STR(job_lead(&job), "1002", "an outcome job's lead is in its state");

	freeze(cfg->state_dir, STORE_OUTBOX);
	CHECK(job_step_record(cfg, &job, "file_uuid", json_object_new_string("f-1"), &res) == -1 &&
	    res.done == 0 && strstr(res.error, "file_uuid") != NULL,
	    "a step whose record cannot be saved says so (%s)", res.error);
	CHECK(job_write_once(cfg, &job, "noted", &note, &res) == -1 && remote.writes == 0,
	    "a write whose tried mark cannot be saved is not made");
	CHECK(strstr(res.error, "noted_tried") != NULL, "...and the run says why (%s)", res.error);
	thaw();
	rerun(cfg->state_dir, &job, now);
	CHECK(!job_step_done(&job, "file_uuid") && !job_step_done(&job, "noted_tried"),
	    "nothing unsaved reaches the retry");

	/* The disk fills while the write is made: its done mark cannot be saved. */
	remote.fill = cfg->state_dir;
	CHECK(job_write_once(cfg, &job, "noted", &note, &res) == -1 && remote.writes == 1,
	    "a write made whose done mark cannot be saved fails the run");
	CHECK(strstr(res.error, "noted") != NULL, "...and says the step was not recorded (%s)", res.error);
	thaw();
	rerun(cfg->state_dir, &job, now);
	CHECK(job_write_once(cfg, &job, "noted", &note, &res) == 0 && remote.writes == 1 && held[NOTE] == 1,
	    "the retry finds the write and does not make it again (%d writes)", remote.writes);
	outbox_done(cfg->state_dir, &job, *now);
	outbox_job_free(&job);
}

static void
test_cut(void)
{
	struct job_result res = { .retry_after = -1 };
	struct remote_result rr;

	answer(&rr, REMOTE_OK);
	CHECK(job_failed(&rr, &res) == 0 && res.cut == 0, "a call that worked is no failure");
	answer(&rr, REMOTE_RETRY);
	rr.not_started = 1;
	CHECK(job_failed(&rr, &res) == 1 && res.cut == 1 && res.done == 0,
	    "a call the run's time kept from starting cuts the run (no attempt counted)");
	answer(&rr, REMOTE_RETRY);
	rr.retry_after = 60;
	CHECK(job_failed(&rr, &res) == 1 && res.cut == 0 && res.retry_after == 60,
	    "a remote's failure is an attempt, with the remote's wait");
	answer(&rr, REMOTE_AUTH);
	CHECK(job_failed(&rr, &res) == 1 && res.retry_after == 3600, "refused credentials wait an hour");
}

int
main(void)
{
	char dir[] = "/tmp/kzs-job-XXXXXX", cmd[64];
	struct config cfg;
	long long now = 1000000;

	if (mkdtemp(dir) == NULL)
		return 1;
	signal(SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG instead */
	memset(&cfg, 0, sizeof cfg);
	cfg.state_dir = dir;
	test_write_once(&cfg, &now);
	test_values(&cfg, &now);
	test_full_disk(&cfg, &now);
	test_cut();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return CHECK_DONE();
}
