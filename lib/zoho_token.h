/*
 * zoho_token: the Zoho access token shared by every process. It is cached in the
 * tokens store with its expiry and refreshed by one process at a time, because Zoho
 * allows only 10 token requests per 10 minutes and then blocks the client.
 */
#ifndef KZS_ZOHO_TOKEN_H
#define KZS_ZOHO_TOKEN_H

#include <stddef.h>

#include "config.h"
#include "remote.h"

/* tokens store keys */
#define TOKEN_ZOHO_ACCESS "zoho.access"       /* {"token":..,"expires_at":..} */
#define TOKEN_ZOHO_REFRESH "zoho.refresh"     /* {"refresh_token":..,"accounts_url":..,"sign_url":..} */
#define TOKEN_ZOHO_THROTTLE "zoho.throttled_until" /* unix seconds as text */

/*
 * Writes a usable access token into tok. `rejected` is a token the Sign API just
 * answered 401 to (or NULL): a cached token equal to it is refreshed, any other
 * cached token is taken as already refreshed by another process.
 */
void zoho_token_get(const struct config *cfg, const char *rejected, char *tok, size_t toklen,
    struct remote_result *rr);

/* The Sign API base for the connected data centre: stored by oauth-callback, else config. */
void zoho_sign_base(const struct config *cfg, char *buf, size_t buflen);

#endif
