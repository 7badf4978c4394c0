/*
 * job_step: the steps jobs are made of. A step that writes to Kommo is flagged in the
 * job once it is done, so a retry skips it; and since Kommo may do a write and lose
 * only its answer, a step that may have been done is looked up before it is written
 * again.
 */
#ifndef KZS_JOB_STEP_H
#define KZS_JOB_STEP_H

#include "config.h"
#include "drain.h"
#include "outbox.h"
#include "remote.h"

/* Copies a failed remote call into res; returns 1 when it failed, 0 when it worked. */
int job_failed(const struct remote_result *rr, struct job_result *res);

/* One write and the way to see whether it happened; arg is passed to both. */
struct job_write {
	/* *done = 1 when the write is there (or no longer wanted). */
	void (*look)(const struct config *cfg, const void *arg, int *done, struct remote_result *rr);
	void (*write)(const struct config *cfg, const void *arg, struct remote_result *rr);
	const void *arg;
	const char *crash_after; /* the crash point once the write worked (lib/crash.h) */
};

/*
 * The write, once: skipped when flag is set; when an earlier try may have done it
 * ("<flag>_tried" is set), look() asks first. Returns 0 when done, -1 to retry.
 */
int job_write_once(const struct config *cfg, struct job *job, const char *flag,
    const struct job_write *w, struct job_result *res);

/* A common note on the lead, once. */
int job_note(const struct config *cfg, struct job *job, const char *lead_id, const char *flag,
    const char *text, struct job_result *res);
/* A task on the lead for `responsible` ("" = the token's user), due after [kommo]
 * task_due_hours, once. Task texts name the request, so an older task does not match. */
int job_task(const struct config *cfg, struct job *job, const char *lead_id, const char *flag,
    const char *responsible, const char *text, struct job_result *res);

#endif
