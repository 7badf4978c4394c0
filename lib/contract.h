/*
 * contract: the "send" job. For one lead that entered the trigger stage it re-reads
 * the lead, its main contact and company, fills the Zoho template and sends it, then
 * notes the request on the lead; data that does not fit becomes a note and a task.
 *
 * The request is built by the draft functions below, the same for the job and for
 * "kzsctl send --dry-run", which stops before anything is sent or recorded.
 */
#ifndef KZS_CONTRACT_H
#define KZS_CONTRACT_H

#include <stddef.h>

#include <json-c/json.h>

#include "config.h"
#include "deal.h"
#include "fill.h"
#include "job.h"

void contract_run(const struct config *cfg, struct outbox_job *job, struct job_result *res);

/*
 * Queues a send job for the lead, as a Kommo webhook does for a lead that entered the
 * trigger stage: merged into one already queued (then 1). 0 queued, -1 on a store error.
 */
int contract_queue(const struct config *cfg, const char *lead_id, long long now, char *err,
    size_t errlen);

/* What a request for one lead is made from, and what it came to. */
struct contract_draft {
	json_object *lead, *contact, *company, *tpl; /* read from Kommo and Zoho Sign */
	const struct config_route *route;            /* the route that sends it (route.h) */
	json_object *others, *users; /* what the [signers] sources need (fill_input) */
	struct fill_result fill;                     /* the request's data, or the problems */
};

/* Reads the lead into d; rr says how it went (REMOTE_NOT_FOUND: Kommo has no such lead). */
void contract_draft_lead(const struct config *cfg, const char *lead_id, struct contract_draft *d,
    struct remote_result *rr);

/*
 * Reads the lead's main contact and company, the other contacts and the users the
 * [signers] sources need (only those), and the template: 0, 1 when Zoho Sign does
 * not have the template (the problem is in d->fill), -1 when a call failed (rr says why).
 */
int contract_draft_read(const struct config *cfg, struct contract_draft *d, struct remote_result *rr);

/*
 * Fills the request as of today, with marker in its name: 0 when d->fill.data_json is
 * ready, 1 when the contract cannot go out (d->fill.problems), -1 when out of memory.
 */
int contract_draft_fill(const struct config *cfg, struct contract_draft *d, const char *marker,
    struct job_result *res);

void contract_draft_free(struct contract_draft *d);

/* The mark in a request's name by which a lost answer is found: "(ref <lead>-<now>)". */
void contract_marker(const char *lead_id, long long now, char *buf, size_t len);

/*
 * 1 when a send job would leave the lead alone, with why: a request in flight, or (when
 * lead is given) no route matches the lead (route.h), or it is unchanged since the
 * manager was told what is missing. 0 when it would send.
 */
int contract_skip(const struct config *cfg, const struct deal *deal, json_object *lead, char *why,
    size_t whylen);

#endif
