/*
 * remote: one place that turns HTTP statuses into retry/give-up decisions, so that
 * Kommo and Zoho calls are judged alike.
 */
#include "remote.h"

#include <stdio.h>
#include <string.h>

const char *
remote_outcome_name(enum remote_outcome o)
{
	switch (o) {
	case REMOTE_OK: return "ok";
	case REMOTE_NOT_FOUND: return "not found";
	case REMOTE_RETRY: return "temporary failure";
	case REMOTE_AUTH: return "authorization refused";
	case REMOTE_REFUSED: return "refused";
	}
	return "?";
}

void
remote_classify(const char *what, int rc, const struct http_response *res,
    struct remote_result *out, json_object **json)
{
	memset(out, 0, sizeof *out);
	out->retry_after = res->retry_after;
	out->http_status = res->status;
	out->not_started = res->not_started;
	if (json)
		*json = NULL;
	if (rc == -1) {
		out->outcome = REMOTE_RETRY;
		snprintf(out->message, sizeof out->message, "%.100s: %.150s", what, res->error);
		return;
	}
	if (json && res->len > 0 && res->body[0] != '<') {
		*json = json_tokener_parse(res->body);
		if (*json && out->retry_after < 0) {
			json_object *ra;

			/* Kommo puts retry_after in its 429 problem body. */
			if (json_object_object_get_ex(*json, "retry_after", &ra))
				out->retry_after = json_object_get_int(ra);
		}
	}
	if (res->status >= 200 && res->status < 300 && res->status != 204)
		out->outcome = REMOTE_OK;
	else if (res->status == 204 || res->status == 404)
		out->outcome = REMOTE_NOT_FOUND;
	else if (res->status == 401)
		out->outcome = REMOTE_AUTH;
	else if (res->status == 429 || res->status == 403 || res->status >= 500 ||
	    res->status == 408)
		out->outcome = REMOTE_RETRY; /* 403 from Kommo is an IP ban: wait it out */
	else
		out->outcome = REMOTE_REFUSED;
	if (out->outcome != REMOTE_OK)
		snprintf(out->message, sizeof out->message, "%s: HTTP %ld", what, res->status);
}
