/*
 * remote: how a call to Kommo or Zoho ended, in the terms the job runner acts on.
 */
#ifndef KZS_REMOTE_H
#define KZS_REMOTE_H

#include <json-c/json.h>

#include "http.h"

enum remote_outcome {
	REMOTE_OK,
	REMOTE_NOT_FOUND, /* 204/404: the entity is gone */
	REMOTE_RETRY,     /* 5xx, 429, throttle, timeout, refused: try again later */
	REMOTE_AUTH,      /* credentials refused even after a refresh */
	REMOTE_REFUSED,   /* the remote says our request is wrong: retrying will not help */
};

/* At most this much of a call's path goes into its name (REMOTE_WHAT_MAX holds it all). */
#define REMOTE_PATH_SHOWN 80
#define REMOTE_WHAT_MAX 112

struct remote_result {
	enum remote_outcome outcome;
	long http_status;
	long retry_after; /* seconds, -1 when the remote did not say */
	/* The call, "<remote> <METHOD> <path>" (the path without its query), e.g. "Zoho Sign
	 * POST /api/v1/templates/123/createdocument"; "" when no call was made. */
	char what[REMOTE_WHAT_MAX];
	/* Why it failed, leading with `what`, then the HTTP status, then the remote's own
	 * code and words (see remote_message); "" when it worked. */
	char message[256];
	int not_started; /* the call was not made: the run's time was up (see http_set_deadline) */
};

/*
 * Classifies a finished HTTP call by status alone and parses a JSON body into *json
 * (NULL when the body is empty or not JSON). `what` names the call (see remote_result).
 */
void remote_classify(const char *what, int rc, const struct http_response *res,
    struct remote_result *out, json_object **json);

/*
 * rr->message as "<what>: HTTP <status>[, <code>][: <text>]": code is the remote's own
 * error code as it should read ("code 9043", "error invalid_code", "Bad Request"), text
 * its own words or ours; either may be NULL or "". The parts come in that order and
 * only text is ever cut (on a character boundary, "..." marking it), so the call, the
 * status and the code always reach the log and the job's last_error whole. Control
 * characters are kept: the log and kzsctl escape them.
 */
void remote_message(struct remote_result *rr, const char *code, const char *text);

/*
 * The same from a problem+json answer (RFC 7807; Kommo's and its drive's errors): the
 * title as the code (with the problem's status when it differs from HTTP's), then the
 * detail, a hint, and the first validation errors ("path: code detail").
 */
void remote_problem_message(struct remote_result *rr, json_object *problem);

const char *remote_outcome_name(enum remote_outcome o);

#endif
