/*
 * drain: claim, run, record. The table below maps job kinds to their runners.
 */
#include "drain.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <time.h>

#include "contract.h"
#include "http.h"
#include "jfield.h"
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
	unsigned long not_started;
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
		not_started = http_calls_not_started();
		run(cfg, &job, &res);
		ran++;
		if (res.done) {
			outbox_done(cfg->state_dir, &job, (long long)time(NULL));
		} else if (http_calls_not_started() != not_started) {
			/* Stopped by this run's time box, not by a failure: no attempt, no wait. */
			log_info("job %s: put off, this run's time is up; the next run goes on", job.key);
			outbox_put_back(cfg->state_dir, &job, "put off: the time for the run was up", (long long)time(NULL));
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
