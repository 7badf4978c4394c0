/*
 * outcome: the jobs that bring a signing outcome back to the deal. Each kind below is a
 * job kind in the outbox, queued by zoho-hook with the event's facts as its state:
 *   complete  signed PDF onto the deal (drive upload, Files link, attachment note),
 *             a note saying who signed and when, and the move to the signed stage;
 *   declined  note with the signer and reason, task, move to the declined stage if set;
 *   expired   note and task, and one fresh request when [zoho] resend_on_expiry = yes;
 *   recalled  note;
 *   progress  a short note (viewed, signed by one recipient) unless progress_notes = no.
 */
#ifndef KZS_OUTCOME_H
#define KZS_OUTCOME_H

#include "drain.h"

#define OUTCOME_COMPLETE "complete"
#define OUTCOME_DECLINED "declined"
#define OUTCOME_EXPIRED "expired"
#define OUTCOME_RECALLED "recalled"
#define OUTCOME_PROGRESS "progress"

void outcome_run(const struct config *cfg, struct job *job, struct job_result *res);

#endif
