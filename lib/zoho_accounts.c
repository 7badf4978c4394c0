/*
 * zoho_accounts: the token endpoint. The callers decide what each answer means for
 * their caches and marks; this only sends and sorts.
 */
#include "zoho_accounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form_build.h"
#include "jfield.h"
#include "log.h"
#include "msg.h"
#include "remote_call.h"

/* The grant or the client is wrong: asking again will not help (tests/fakes/API.md, Zoho Accounts). */
static int
refusal(const char *error)
{
	return strncmp(error, "invalid_", 8) == 0 || strncmp(error, "unsupported_", 12) == 0;
}

/* An error code as Zoho writes its codes: lower-case letters, digits and '_'. */
static int
code_like(const char *error)
{
	return strspn(error, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(error);
}

/*
 * Zoho's throttle answer: {"error_description":..,"error":"Access Denied","status":
 * "failure"}, with HTTP 400 or 200. Its texts are localised, so a translated "Access
 * Denied" is recognised by that shape: a status "failure", a description, and an error
 * that is words rather than a code. Anything else is no reason to stop for 10 minutes.
 */
static int
throttle(json_object *answer, const char *error)
{
	if (strcmp(error, "Access Denied") == 0)
		return 1;
	return strcmp(jfield_text(answer, "status"), "failure") == 0 &&
	    jfield_text(answer, "error_description")[0] != '\0' && !code_like(error);
}

/* The token endpoint of the data centre named by each call: no token, no pacing; the
 * client credentials are in the body. */
static const struct remote_call_service accounts_service = {
	.label = "Zoho Accounts",
	.failure_answers = 1,
};

enum zoho_accounts_answer
zoho_accounts_token(const struct config *cfg, const char *accounts_url,
    const char *const *params, json_object **answer, struct remote_result *rr)
{
	char url[640], shown[44], code[56];
	const char *error;
	char *body;

	*answer = NULL;
	if ((body = form_build(params)) == NULL) {
		memset(rr, 0, sizeof *rr);
		rr->outcome = REMOTE_RETRY;
		rr->retry_after = -1;
		snprintf(rr->message, sizeof rr->message, "out of memory");
		return ZOHO_ACCOUNTS_FAILED;
	}
	snprintf(url, sizeof url, "%s/oauth/v2/token", accounts_url);
	remote_call(&accounts_service, cfg, &(struct remote_call_request){ .method = "POST", .target = url,
	    .content_type = "application/x-www-form-urlencoded", .body = body,
	    .body_len = strlen(body) }, answer, rr);
	free(body);
	error = jfield_text(*answer, "error");
	if (error[0] == '\0' && jfield_text(*answer, "access_token")[0] != '\0') {
		rr->outcome = REMOTE_OK;
		rr->message[0] = '\0';
		return ZOHO_ACCOUNTS_TOKEN;
	}
	if (error[0] == '\0') {
		if (rr->outcome == REMOTE_OK || rr->outcome == REMOTE_REFUSED) {
			rr->outcome = REMOTE_RETRY;
			remote_message(rr, NULL, "unexpected answer");
		}
		return ZOHO_ACCOUNTS_FAILED;
	}
	snprintf(code, sizeof code, "error %s", msg_printable(error, strlen(error), 40, shown, sizeof shown));
	remote_message(rr, code, NULL);
	if (refusal(error)) {
		rr->outcome = REMOTE_AUTH;
		return ZOHO_ACCOUNTS_REFUSED;
	}
	rr->outcome = REMOTE_RETRY;
	if (throttle(*answer, error))
		return ZOHO_ACCOUNTS_THROTTLED;
	log_warn("%s; not Zoho's throttle answer, so asking again is allowed", rr->message);
	return ZOHO_ACCOUNTS_FAILED;
}
