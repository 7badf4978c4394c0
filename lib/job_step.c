/*
 * job_step: the note and task writes on job_write_once.
 */
#include "job_step.h"

#include <time.h>

#include "kommo.h"

/* What job_step_note and job_step_task write. */
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
job_step_note(const struct config *cfg, struct outbox_job *job, const char *lead_id, const char *key,
    const char *text, struct job_result *res)
{
	const struct kommo_post note = { .lead_id = lead_id, .text = text };
	const struct job_write w = { note_look, note_write, &note, "note-after-post" };

	return job_write_once(cfg, job, key, &w, res);
}

int
job_step_task(const struct config *cfg, struct outbox_job *job, const char *lead_id, const char *key,
    const char *responsible, const char *text, struct job_result *res)
{
	const struct kommo_post task = { .lead_id = lead_id, .text = text, .responsible = responsible,
		.due = (long)time(NULL) + 3600L * cfg->kommo.task_due_hours };
	const struct job_write w = { task_look, task_write, &task, "task-after-post" };

	return job_write_once(cfg, job, key, &w, res);
}
