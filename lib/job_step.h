/*
 * job_step: the Kommo steps more than one kind of job takes, each once (see job.h): a
 * note on the lead, a task for its manager. Their texts name the request or the lead's
 * problem, so a lookup finds this step's note or task and not an older one.
 */
#ifndef KZS_JOB_STEP_H
#define KZS_JOB_STEP_H

#include "config.h"
#include "job.h"

/* A common note on the lead, once, as the step key. */
int job_step_note(const struct config *cfg, struct outbox_job *job, const char *lead_id, const char *key,
    const char *text, struct job_result *res);
/* A task on the lead for `responsible` ("" = the token's user), due after [kommo]
 * task_due_hours, once, as the step key. */
int job_step_task(const struct config *cfg, struct outbox_job *job, const char *lead_id, const char *key,
    const char *responsible, const char *text, struct job_result *res);

#endif
