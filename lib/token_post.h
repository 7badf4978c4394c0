/*
 * token_post: one POST to an OAuth token endpoint (Zoho Accounts' or Kommo's), judged
 * by lib/remote, with its JSON answer handed back. No Authorization header: the client
 * credentials travel in the body.
 */
#ifndef KZS_TOKEN_POST_H
#define KZS_TOKEN_POST_H

#include <json-c/json.h>

#include "config.h"
#include "remote.h"

/* *answer is the parsed JSON answer or NULL; the caller puts it. `what` names the call. */
void token_post(const struct config *cfg, const char *what, const char *url,
    const char *content_type_header, const char *body, json_object **answer,
    struct remote_result *rr);

#endif
