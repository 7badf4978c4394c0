/*
 * remote_call: the one way the product calls a remote (Kommo, its file drive, Zoho
 * Sign, the token endpoints of Zoho Accounts and Kommo). A `struct remote_call_service` describes
 * the remote: its base URL, its token and how it goes in the Authorization header, its
 * pace, when it is not to be called, and how its answers say "error". The call then
 * goes the same way for all: URL, token, pace, one HTTP call, judged, and one more try
 * with a renewed token after a 401.
 */
#ifndef KZS_REMOTE_CALL_H
#define KZS_REMOTE_CALL_H

#include <json-c/json.h>
#include <stddef.h>

#include "config.h"
#include "http.h"
#include "remote.h"
#include "token.h"

struct remote_call_request {
	const char *remote;       /* names the remote in messages; NULL: the service's label */
	const char *method;       /* GET POST PUT PATCH */
	const char *target;       /* a path under the service's base, or an absolute URL */
	const char *content_type; /* of the body; no body when NULL */
	const char *body;
	size_t body_len;
	/* Not NULL: the answer is left here as it came (the caller frees it), not read as
	 * JSON and not judged by the service. */
	struct http_response *raw;
};

struct remote_call_service {
	const char *label; /* names the remote in messages: "Kommo", "Zoho Sign" */
	/* The base URL that paths are under. */
	void (*base)(const struct config *cfg, char *buf, size_t buflen);
	/* The token the call carries as "Authorization: <auth_scheme> <token>"; NULL: none. */
	const struct token_kind *token;
	const char *auth_scheme;
	/* The pacing file pace-<pace_key> shared by every process (pace.h); NULL: not paced. */
	const char *pace_key;
	int (*pace_limit)(const struct config *cfg); /* calls per pace_window_ms */
	long pace_window_ms;
	/* 1, with rr saying why, when the remote is not to be called now; NULL: never. */
	int (*held)(const struct config *cfg, struct remote_result *rr);
	/* Reads the service's own signs of failure in an answer already judged by status
	 * (json is the parsed answer or NULL) and acts on them, and puts the remote's own
	 * error code and words into rr->message (remote_message); NULL: the status says all. */
	void (*judge)(const struct config *cfg, const struct remote_call_request *req,
	    const struct http_response *res, json_object *json, struct remote_result *rr);
	/* 1: the JSON answer to a failed call is handed back too (a token endpoint's
	 * answer says why it refused); 0: only a successful call's. */
	int failure_answers;
};

/*
 * One call. *answer (when answer is not NULL) is the JSON answer of a call that ended
 * REMOTE_OK (or any, see failure_answers), else NULL; the caller puts it. A 401 to a renewable token gets one more
 * try with a new token: the 401 did nothing, so nothing is done twice.
 */
void remote_call(const struct remote_call_service *svc, const struct config *cfg,
    const struct remote_call_request *req, json_object **answer, struct remote_result *rr);

#endif
