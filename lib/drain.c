/*
 * drain: claim, run, record. The table below maps job kinds to their runners.
 */
#include "drain.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <time.h>

#include "contract.h"
#include "crash.h"
#include "http.h"
#include "jfield.h"
#include "kommo.h"
#include "log.h"
#include "outcome.h"

static const struct {
	const char *kind;
	job_run_fn run;
} drain_kinds[] = {
	{ CONTRACT_JOB_KIND, contract_run },
	{ OUTCOME_COMPLETE, outcome_run },
	{ OUTCOME_DECLINED, outcome_run },
	{ OUTCOME_EXPIRED, outcome_run },
	{ OUTCOME_RECALLED, outcome_run },
	{ OUTCOME_PROGRESS, outcome_run },
	{ OUTCOME_ALERT, outcome_run },
};

int
job_failed(const struct remote_result *rr, struct job_result *res)
{
	if (rr->outcome == REMOTE_OK)
		return 0;
	res->done = 0;
	res->retry_after = rr->retry_after;
	/* Refused credentials need a person; do not keep knocking every 30 s. */
	if (rr->outcome == REMOTE_AUTH && res->retry_after < 0)
		res->retry_after = 3600;
	snprintf(res->error, sizeof res->error, "%s", rr->message);
	return 1;
}

/* What job_post_once writes: a common note, or a task when is_task. */
struct kommo_post {
	const char *lead_id, *text;
	int is_task;
	const char *responsible; /* tasks only: "" = the token's user */
	long due;                /* tasks only */
};

/* Posts a note or task once: skipped when flag is set; when an earlier try may have
 * posted it with only the answer lost ("<flag>_tried"), Kommo is asked first. */
static int
job_post_once(const struct config *cfg, struct job *job, const char *flag,
    const struct kommo_post *post, struct job_result *res)
{
	struct remote_result rr;
	char tried[64];
	int has = 0;

	if (job_flag(job, flag))
		return 0;
	snprintf(tried, sizeof tried, "%s_tried", flag);
	if (job_flag(job, tried)) {
		if (post->is_task)
			kommo_lead_has_task(cfg, post->lead_id, post->text, &has, &rr);
		else
			kommo_lead_has_note(cfg, post->lead_id, "common", "text", post->text, &has, &rr);
		if (job_failed(&rr, res))
			return -1;
	}
	if (!has) {
		job_flag_set(cfg->state_dir, job, tried);
		if (post->is_task)
			kommo_task_add(cfg, post->lead_id, post->responsible, post->text, post->due, &rr);
		else
			kommo_note_add(cfg, post->lead_id, post->text, &rr);
		if (job_failed(&rr, res))
			return -1;
		crash_point(post->is_task ? "task-after-post" : "note-after-post");
	}
	job_flag_set(cfg->state_dir, job, flag);
	return 0;
}

int
job_note(const struct config *cfg, struct job *job, const char *lead_id, const char *flag,
    const char *text, struct job_result *res)
{
	const struct kommo_post note = { .lead_id = lead_id, .text = text };

	return job_post_once(cfg, job, flag, &note, res);
}

int
job_task(const struct config *cfg, struct job *job, const char *lead_id, const char *flag,
    const char *responsible, const char *text, struct job_result *res)
{
	const struct kommo_post task = { .lead_id = lead_id, .text = text, .is_task = 1,
		.responsible = responsible, .due = (long)time(NULL) + 3600L * cfg->kommo.task_due_hours };

	return job_post_once(cfg, job, flag, &task, res);
}

static job_run_fn
drain_runner(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof drain_kinds / sizeof drain_kinds[0]; i++)
		if (strcmp(drain_kinds[i].kind, kind) == 0)
			return drain_kinds[i].run;
	return NULL;
}

/*
 * A job that kept failing for [limits] give_up_hours becomes a dead letter: kept for
 * the administrator (kzsctl jobs, kzsctl retry), and the deal's responsible user gets
 * a task through an alert job of its own (Kommo may be what is failing).
 */
static void
drain_give_up(const struct config *cfg, struct job *job, const char *error)
{
	const char *lead = strcmp(job->kind, CONTRACT_JOB_KIND) == 0 ? job->subject :
	    jfield_text(job->state, "lead");
	char err[256];

	log_err("job %s: gave up after %d attempts over %d hours: %s; \"kzsctl retry\" starts it again",
	    job->key, job->attempts + 1, cfg->limits.give_up_hours, error);
	outbox_bury(cfg->state_dir, job, error, (long long)time(NULL));
	if (strcmp(job->kind, OUTCOME_ALERT) != 0 && *lead) {
		json_object *state = json_object_new_object();

		json_object_object_add(state, "lead", json_object_new_string(lead));
		json_object_object_add(state, "what", json_object_new_string(job->kind));
		json_object_object_add(state, "reason", json_object_new_string(error));
		if (outbox_enqueue_once(cfg->state_dir, OUTCOME_ALERT, job->key, state, (long long)time(NULL),
			err, sizeof err) == -1)
			log_err("job %s: cannot queue the alert: %s", job->key, err);
		json_object_put(state);
	}
}

int
drain_run(const struct config *cfg, int budget_s)
{
	time_t start = time(NULL);
	int ran = 0;

	/* The budget holds inside a job too: no remote call starts after it. */
	http_set_deadline((long long)start + budget_s);
	while (time(NULL) - start < budget_s) {
		struct job job;
		struct job_result res = { .retry_after = -1 };
		job_run_fn run;

		if (outbox_claim(cfg->state_dir, (long long)time(NULL), &job) != 0)
			break;
		run = drain_runner(job.kind);
		if (run == NULL) {
			log_err("job %s: unknown kind, kept for the administrator", job.key);
			outbox_retry(cfg->state_dir, &job, "unknown job kind", 86400, (long long)time(NULL));
			job_free(&job);
			continue;
		}
		run(cfg, &job, &res);
		ran++;
		if (res.done) {
			outbox_done(cfg->state_dir, &job, (long long)time(NULL));
		} else if ((long long)time(NULL) - job.created_at >= 3600LL * cfg->limits.give_up_hours) {
			drain_give_up(cfg, &job, res.error);
		} else {
			long delay = outbox_backoff(job.attempts + 1, res.retry_after);

			log_warn("job %s: %s; attempt %d, next in %ld s", job.key, res.error,
			    job.attempts + 1, delay);
			outbox_retry(cfg->state_dir, &job, res.error, delay, (long long)time(NULL));
		}
		job_free(&job);
	}
	http_set_deadline(0);
	return ran;
}

void
drain_after_answer(void *cfg)
{
	const struct config *c = cfg;

	drain_run(c, c->limits.after_answer_seconds);
}
