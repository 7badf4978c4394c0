/*
 * zoho_token: the Zoho access token shared by every process. It is cached in the
 * tokens store with its expiry and refreshed by one process at a time, because Zoho
 * allows only 10 token requests per 10 minutes and then blocks the client. The
 * token's life is lib/token's.
 */
#ifndef KZS_ZOHO_TOKEN_H
#define KZS_ZOHO_TOKEN_H

#include <stddef.h>

#include "config.h"
#include "remote.h"
#include "token.h"
#include "zoho_dc.h"

/* tokens store keys */
#define ZOHO_TOKEN_ACCESS "zoho.access"       /* {"token":..,"expires_at":..} */
#define ZOHO_TOKEN_REFRESH "zoho.refresh"     /* {"refresh_token","accounts_url","sign_url","dc","connected_at"} */
#define ZOHO_TOKEN_THROTTLE "zoho.throttled_until" /* unix seconds as text */
#define ZOHO_TOKEN_AUTH_NEEDED "zoho.auth_needed"  /* {"reason","at","refresh_sha"} */

/* How Zoho's token is had, stored and forgotten (lib/token). */
extern const struct token_kind zoho_token_kind;

/*
 * Writes a usable access token into tok. `rejected` is a token the Sign API just
 * answered 401 to (or NULL): a cached token equal to it is refreshed, any other
 * cached token is taken as already refreshed by another process. While Zoho's refusal
 * of the refresh token is on record, answers REMOTE_AUTH without asking Zoho.
 */
void zoho_token_get(const struct config *cfg, const char *rejected, char *tok, size_t toklen,
    struct remote_result *rr);

/* The Sign API base for the connected data centre: stored by oauth-callback, else config. */
void zoho_token_sign_base(const struct config *cfg, char *buf, size_t buflen);

/*
 * Stores a refresh token oauth-callback obtained for the data centre dc, replacing any
 * other, and in the same transaction caches the access token the same exchange gave
 * (valid expires_in seconds; none: the old cached one is forgotten) and forgets the
 * throttle mark and any refusal on record. 0, or -1 with err.
 */
int zoho_token_connect(const struct config *cfg, const char *refresh_token,
    const char *access_token, long expires_in, const struct zoho_dc *dc, char *err,
    size_t errlen);

/* Stops token requests for Zoho's throttle window (every process waits). */
void zoho_token_pause(const struct config *cfg);

/* What the start page shows. */
struct zoho_token_status {
	int stored;             /* oauth-callback stored a refresh token */
	int configured;         /* [zoho] refresh_token is set (used when none is stored) */
	char accounts_url[256]; /* of the stored token */
	char dc[16];
	long long connected_at;
	char auth_needed[160];  /* why Zoho refused the refresh token in use; "" when it did not */
};
void zoho_token_status(const struct config *cfg, struct zoho_token_status *st);

#endif
