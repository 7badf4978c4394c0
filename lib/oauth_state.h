/*
 * oauth_state: single-use CSRF nonces for the OAuth flows. Each start of a flow makes
 * one (random from OpenSSL) with the provider it is for and a 10-minute expiry; the
 * callback takes it, which removes it whether it was still good or not.
 */
#ifndef KZS_OAUTH_STATE_H
#define KZS_OAUTH_STATE_H

#include <stddef.h>

#define STORE_STATES "states"        /* key: the nonce; value {"provider","expires_at"} */
#define OAUTH_STATE_SECONDS 600
#define OAUTH_STATE_LEN 64           /* hex digits of 32 random bytes */

enum oauth_state_result {
	OAUTH_STATE_OK,
	OAUTH_STATE_UNKNOWN, /* never made, or already used */
	OAUTH_STATE_EXPIRED,
	OAUTH_STATE_ERROR,   /* the store could not be read (logged) */
};

/* Makes a nonce for provider into out (OAUTH_STATE_LEN + 1 bytes). 0, or -1 with err. */
int oauth_state_create(const char *dir, const char *provider, char *out, size_t outlen,
    char *err, size_t errlen);

/* Takes (removes) state; on OAUTH_STATE_OK the provider it was made for is in provider. */
enum oauth_state_result oauth_state_take(const char *dir, const char *state, char *provider,
    size_t providerlen);

#endif
