/*
 * outcome: the jobs that bring a signing outcome back to the deal. Each kind below is a
 * job kind in the outbox, queued by zoho-hook with the event's facts as its state:
 *   complete  signed PDF onto the deal (drive upload, Files link, attachment note),
 *             a note saying who signed and when, and the move to the signed stage;
 *   declined  note with the signer and reason, task, move to the declined stage if set;
 *   expired   note and task, and one fresh request when [zoho] resend_on_expiry = yes;
 *   recalled  note;
 *   progress  a short note (viewed, signed by one recipient) unless progress_notes = no;
 *   alert     a task for the responsible user when another job was given up.
 */
#ifndef KZS_OUTCOME_H
#define KZS_OUTCOME_H

#include "config.h"
#include "job.h"

/* The runners of the kinds above (job.h names them). The four that end a request are
 * done at once when its outcome is recorded already: Zoho may report a completion twice
 * ("signed" by the last signer, then "completed"), in any order. */
void outcome_complete(const struct config *cfg, struct outbox_job *job, struct job_result *res);
void outcome_declined(const struct config *cfg, struct outbox_job *job, struct job_result *res);
void outcome_expired(const struct config *cfg, struct outbox_job *job, struct job_result *res);
void outcome_recalled(const struct config *cfg, struct outbox_job *job, struct job_result *res);
void outcome_progress(const struct config *cfg, struct outbox_job *job, struct job_result *res);
void outcome_alert(const struct config *cfg, struct outbox_job *job, struct job_result *res);

/* What happened, as a webhook or a reconcile found it: becomes the job's state. */
struct outcome_event {
	const char *lead_id;
	const char *op;       /* Zoho's operation_type, e.g. RequestCompleted */
	const char *by_name, *by_email;
	const char *at_ms;    /* epoch milliseconds as digits, "" when unknown */
	const char *reason;
};

/* Queues kind:subject once with the event's facts. Returns -1 on a store error. */
int outcome_queue(const struct config *cfg, const char *kind, const char *subject,
    const struct outcome_event *ev);

/* The job state for an event (the caller owns it). */
json_object *outcome_state_new(const struct outcome_event *ev);

/*
 * Queues the events zoho-hook kept for request_id because they came before the
 * request was recorded (deal_early_keep), then forgets them. Call it once the request
 * is recorded; calling it again is harmless. -1 on a store error (nothing forgotten).
 */
int outcome_queue_early(const struct config *cfg, const char *request_id);

#endif
