/*
 * job_step: job_write_once and the note and task writes on it.
 */
#include "job_step.h"

#include <stdio.h>
#include <time.h>

#include "crash.h"
#include "kommo.h"

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

int
job_write_once(const struct config *cfg, struct job *job, const char *flag,
    const struct job_write *w, struct job_result *res)
{
	struct remote_result rr;
	char tried[64];
	int done = 0;

	if (job_flag(job, flag))
		return 0;
	snprintf(tried, sizeof tried, "%s_tried", flag);
	if (job_flag(job, tried)) {
		w->look(cfg, w->arg, &done, &rr);
		if (job_failed(&rr, res))
			return -1;
	}
	if (!done) {
		/* Unrecorded, a write that then went through would be made again by the retry. */
		if (job_flag_set(cfg->state_dir, job, tried) == -1) {
			res->done = 0;
			snprintf(res->error, sizeof res->error, "cannot record the attempt (%s) in the outbox; "
			    "not attempted", tried);
			return -1;
		}
		w->write(cfg, w->arg, &rr);
		if (job_failed(&rr, res))
			return -1;
		crash_point(w->crash_after);
	}
	job_flag_set(cfg->state_dir, job, flag);
	return 0;
}

/* What job_note and job_task write. */
struct kommo_post {
	const char *lead_id, *text;
	const char *responsible; /* tasks only */
	long due;                /* tasks only */
};

static void
note_look(const struct config *cfg, const void *arg, int *done, struct remote_result *rr)
{
	const struct kommo_post *p = arg;

	kommo_lead_has_note(cfg, p->lead_id, "common", "text", p->text, done, rr);
}

static void
note_write(const struct config *cfg, const void *arg, struct remote_result *rr)
{
	const struct kommo_post *p = arg;

	kommo_note_add(cfg, p->lead_id, p->text, rr);
}

static void
task_look(const struct config *cfg, const void *arg, int *done, struct remote_result *rr)
{
	const struct kommo_post *p = arg;

	kommo_lead_has_task(cfg, p->lead_id, p->text, done, rr);
}

static void
task_write(const struct config *cfg, const void *arg, struct remote_result *rr)
{
	const struct kommo_post *p = arg;

	kommo_task_add(cfg, p->lead_id, p->responsible, p->text, p->due, rr);
}

int
job_note(const struct config *cfg, struct job *job, const char *lead_id, const char *flag,
    const char *text, struct job_result *res)
{
	const struct kommo_post note = { .lead_id = lead_id, .text = text };
	const struct job_write w = { note_look, note_write, &note, "note-after-post" };

	return job_write_once(cfg, job, flag, &w, res);
}

int
job_task(const struct config *cfg, struct job *job, const char *lead_id, const char *flag,
    const char *responsible, const char *text, struct job_result *res)
{
	const struct kommo_post task = { .lead_id = lead_id, .text = text, .responsible = responsible,
		.due = (long)time(NULL) + 3600L * cfg->kommo.task_due_hours };
	const struct job_write w = { task_look, task_write, &task, "task-after-post" };

	return job_write_once(cfg, job, flag, &w, res);
}
