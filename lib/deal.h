/*
 * deal: what we know about each lead's contract, in the deals store:
 * "lead:<id>" -> state, request id, lead's updated_at when we last acted;
 * "req:<request id>" -> the lead id and the request's actions (for zoho-hook);
 * "early:<request id>" -> events Zoho sent before the request was recorded.
 */
#ifndef KZS_DEAL_H
#define KZS_DEAL_H

#include <json-c/json.h>

#define DEAL_NONE ""
#define DEAL_SENDING "sending"   /* intent recorded, Zoho's answer not yet stored */
#define DEAL_INFLIGHT "inflight" /* a request is out for signature */
#define DEAL_BLOCKED "blocked"   /* data did not fit; the manager has a note and a task */
/* After an outcome the lead has no request in flight; a new entry into the stage sends anew. */
#define DEAL_COMPLETED "completed"
#define DEAL_DECLINED "declined"
#define DEAL_EXPIRED "expired"
#define DEAL_RECALLED "recalled"

struct deal {
	char state[16];
	char request_id[32];
	char updated_at[24]; /* the lead's updated_at when the state was set */
	char marker[64];     /* with "sending": the mark in the request's name */
	long long since;     /* when the state was set */
	/* The contract status last written to the lead's status field ([kommo]
	 * status_field_id), as a rank (deal_status.h), for request status_request: a status
	 * is written only when it ranks above it, so the field never moves back. */
	char status_request[32];
	int status_rank;
	/* A status write under way: the job writing it, its rank and request, since when. */
	char claim_by[160];
	char claim_request[32];
	int claim_rank;
	long long claim_at;
};

/* Calls fn for every lead record (read-only, under one shared lock). */
typedef void (*deal_each_fn)(const char *lead_id, const struct deal *d, void *arg);
int deal_each(const char *dir, deal_each_fn fn, void *arg);

/* 0 with *out filled (state "" when unknown), -1 on a store error. */
int deal_load(const char *dir, const char *lead_id, struct deal *out);

/* Sets state (and updated_at) keeping the request id; marker may be NULL. */
int deal_mark(const char *dir, const char *lead_id, const char *state, const char *updated_at,
    const char *marker);

/*
 * Records a created request: lead -> inflight with request id, and request -> lead, at
 * once. resend marks a request sent again after its predecessor expired. The request's
 * "route" object, when the caller added one (route.h), is kept on the request's record.
 */
int deal_record_request(const char *dir, const char *lead_id, const char *updated_at,
    json_object *request, int resend);

/* The "req:<id>" record ({lead, actions, outcome?, resend?, route?}); *rec NULL when unknown. */
int deal_request_load(const char *dir, const char *request_id, json_object **rec);

/*
 * Sets the request's outcome and, when it is still the lead's current request, the
 * lead's state, in one transaction. 1 when the request is not recorded, -1 on a store
 * error (a full disk: nothing changed, or the request's outcome only).
 */
int deal_request_outcome(const char *dir, const char *request_id, const char *outcome);

/*
 * Keeps entry (an event, with a "dedupe" key that makes a repeat count once) for a
 * request Zoho reported before we recorded it, while lead_id's send with marker is
 * still waiting for Zoho's answer. Under the deals lock, so a request recorded at the
 * same moment is seen: 1 kept; 0 recorded meanwhile (*rec is its record, to act on at
 * once); 2 no such send is waiting; 3 too many kept already; -1 store error.
 */
int deal_early_keep(const char *dir, const char *request_id, const char *lead_id, const char *marker,
    json_object *entry, json_object **rec);

/* The entries kept for request_id (a JSON array; *entries NULL when none). -1 on error. */
int deal_early_take(const char *dir, const char *request_id, json_object **entries);

/* Forgets them, once they are queued. */
int deal_early_drop(const char *dir, const char *request_id);

/* How long a status write under way holds off the others (a job's lease is 90 s). */
#define DEAL_CLAIM_SECONDS 300

enum deal_claim {
	DEAL_CLAIM_GO,     /* write it: the claim is recorded (or was this job's already) */
	DEAL_CLAIM_PASSED, /* not wanted: the lead is at this rank or beyond, or at another request */
	DEAL_CLAIM_BUSY,   /* another job is writing a status to this lead: try again shortly */
};

/*
 * Before a status of `rank` for request_id is written to the lead by job `by` (its
 * outbox key), in one transaction: whether to write it (*verdict), and if so the claim
 * recorded, so that a job writing a lower status at the same time waits or gives way.
 * A status counts only for the lead's current request; a new request starts at 0.
 * -1 on a store error.
 */
int deal_status_claim(const char *dir, const char *lead_id, const char *request_id, int rank,
    const char *by, long long now, enum deal_claim *verdict);

/* After the write (or a write found unneeded): the lead is at rank for request_id, and
 * by's claim is released. Harmless to repeat. -1 on a store error. */
int deal_status_passed(const char *dir, const char *lead_id, const char *request_id, int rank,
    const char *by);

#endif
