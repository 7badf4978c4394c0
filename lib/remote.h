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

struct remote_result {
	enum remote_outcome outcome;
	long http_status;
	long retry_after; /* seconds, -1 when the remote did not say */
	char message[256];
	int not_started; /* the call was not made: the run's time was up (see http_set_deadline) */
};

/*
 * Classifies a finished HTTP call by status alone and parses a JSON body into *json
 * (NULL when the body is empty or not JSON). `what` names the call in messages.
 */
void remote_classify(const char *what, int rc, const struct http_response *res,
    struct remote_result *out, json_object **json);

const char *remote_outcome_name(enum remote_outcome o);

#endif
