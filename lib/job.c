/*
 * job: the result of a run and the once-only steps, over the job's state in the outbox.
 */
#include "job.h"

#include <stdio.h>
#include <string.h>

#include "crash.h"
#include "jfield.h"

const char *
job_lead(const struct outbox_job *job)
{
	return strcmp(job->kind, JOB_KIND_SEND) == 0 ? job->subject : jfield_text(job->state, "lead");
}

int
job_failed(const struct remote_result *rr, struct job_result *res)
{
	if (rr->outcome == REMOTE_OK)
		return 0;
	res->done = 0;
	res->cut = rr->not_started;
	res->retry_after = rr->retry_after;
	/* Refused credentials need a person; do not keep knocking every 30 s. */
	if (rr->outcome == REMOTE_AUTH && res->retry_after < 0)
		res->retry_after = 3600;
	snprintf(res->error, sizeof res->error, "%s", rr->message);
	return 1;
}

int
job_step_done(const struct outbox_job *job, const char *key)
{
	const char *value = jfield_text(job->state, key);

	return *value != '\0' && strcmp(value, "false") != 0;
}

int
job_step_record(const struct config *cfg, struct outbox_job *job, const char *key, json_object *value,
    struct job_result *res)
{
	json_object_object_add(job->state, key, value ? value : json_object_new_boolean(1));
	if (outbox_save(cfg->state_dir, job) == 0)
		return 0;
	res->done = 0;
	snprintf(res->error, sizeof res->error, "cannot record the step %s in the outbox", key);
	return -1;
}

int
job_write_once(const struct config *cfg, struct outbox_job *job, const char *key,
    const struct job_write *w, struct job_result *res)
{
	struct remote_result rr;
	char tried[64];
	int done = 0;

	if (job_step_done(job, key))
		return 0;
	snprintf(tried, sizeof tried, "%s_tried", key);
	if (job_step_done(job, tried)) {
		w->look(cfg, w->arg, &done, &rr);
		if (job_failed(&rr, res))
			return -1;
	}
	if (!done) {
		/* Unrecorded, a write that then went through would be made again by the retry. */
		if (job_step_record(cfg, job, tried, NULL, res) == -1) {
			snprintf(res->error, sizeof res->error, "cannot record the attempt (%s) in the outbox; "
			    "not attempted", tried);
			return -1;
		}
		w->write(cfg, w->arg, &rr);
		if (job_failed(&rr, res))
			return -1;
		crash_point(w->crash_after);
	}
	return job_step_record(cfg, job, key, NULL, res);
}
