/*
 * kommo_token: the credential for Kommo API calls: the long-lived [kommo] token, or
 * OAuth tokens kept in the tokens store. Kommo rotates the refresh token on every
 * refresh, so one process refreshes at a time, under a lock, and the new pair replaces
 * the old one in a single store transaction. The token's life is lib/token's.
 */
#ifndef KZS_KOMMO_TOKEN_H
#define KZS_KOMMO_TOKEN_H

#include <stddef.h>

#include "config.h"
#include "remote.h"
#include "token.h"

/* tokens store keys */
#define KOMMO_TOKEN_OAUTH "kommo.oauth" /* {"access_token","refresh_token","expires_at","connected_at"} */
#define KOMMO_TOKEN_AUTH_NEEDED "kommo.auth_needed" /* {"reason","at"} */

/* How Kommo's token is had, stored and forgotten (lib/token). */
extern const struct token_kind kommo_token_kind;

/* 1 when Kommo is reached through OAuth: no [kommo] token, and client_id,
 * client_secret and redirect_uri set. */
int kommo_token_oauth(const struct config *cfg);

/*
 * A usable token into tok: [kommo] token when set, else the stored OAuth access token,
 * refreshed first when it is close to expiry. While Kommo's refusal of the refresh
 * token is on record, answers REMOTE_AUTH without asking Kommo.
 */
void kommo_token_get(const struct config *cfg, char *tok, size_t toklen, struct remote_result *rr);

/* After a 401: marks the stored OAuth access token expired if it is still `rejected`,
 * so the next kommo_token_get refreshes it. Nothing with the long-lived token. */
void kommo_token_forget(const struct config *cfg, const char *rejected);

/* Exchanges an authorization code from Kommo's consent page and stores the tokens. */
void kommo_token_exchange(const struct config *cfg, const char *code, struct remote_result *rr);

/* What the start page shows. */
struct kommo_token_status {
	int oauth;             /* kommo_token_oauth() */
	int stored;            /* OAuth tokens are stored */
	long long connected_at;
	char auth_needed[160]; /* why Kommo refused the refresh token; "" when it did not */
};
void kommo_token_status(const struct config *cfg, struct kommo_token_status *st);

#endif
