/*
 * contract: the "send" job. For one lead that entered the trigger stage it re-reads
 * the lead, its main contact and company, fills the Zoho template and sends it, then
 * notes the request on the lead; data that does not fit becomes a note and a task.
 */
#ifndef KZS_CONTRACT_H
#define KZS_CONTRACT_H

#include "config.h"
#include "job.h"

void contract_run(const struct config *cfg, struct job *job, struct job_result *res);

#endif
