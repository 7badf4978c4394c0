/*
 * zoho_accounts: one call to a Zoho Accounts token endpoint (refreshing, or exchanging
 * an authorization code) and how its answer reads. Errors come with HTTP 200 or 400
 * and an "error" key; the throttle answer is told by its shape, since its texts are localised.
 */
#ifndef KZS_ZOHO_ACCOUNTS_H
#define KZS_ZOHO_ACCOUNTS_H

#include <json-c/json.h>

#include "config.h"
#include "remote.h"

enum zoho_accounts_answer {
	ZOHO_ACCOUNTS_TOKEN,     /* the answer has an access_token and no error */
	ZOHO_ACCOUNTS_REFUSED,   /* invalid_code, invalid_client, ...: the grant or client is wrong */
	ZOHO_ACCOUNTS_THROTTLED, /* Zoho's "too many requests" answer ("Access Denied") */
	ZOHO_ACCOUNTS_FAILED,    /* no answer, or any other error (logged): ask again later */
};

/*
 * POSTs the urlencoded params { name, value, ..., NULL } to <accounts_url>/oauth/v2/token.
 * *answer is the JSON answer when there is one (the caller puts it); its "error" is in
 * jfield_text(*answer, "error"). rr carries the HTTP status and, unless the answer is
 * TOKEN, a message without any secret in it.
 */
enum zoho_accounts_answer zoho_accounts_token(const struct config *cfg, const char *accounts_url,
    const char *const *params, json_object **answer, struct remote_result *rr);

#endif
