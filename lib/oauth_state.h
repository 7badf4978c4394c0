/*
 * oauth_state: single-use nonces for the OAuth flows. A flow's state is bound to the
 * browser that started it (a hash of its flow cookie is kept with it) and expires after
 * 10 minutes; a start code (from `kzsctl authorize-url`) lets one browser start a flow.
 */
#ifndef KZS_OAUTH_STATE_H
#define KZS_OAUTH_STATE_H

#include <stddef.h>

#include "oauth_cookie.h"

/* In the states store (STORE_STATES): key the nonce; value {"provider","expires_at"}
 * and "binding" (SHA-256 of the flow cookie, hex) for a flow's state, or "start":true
 * for a start code. */
#define OAUTH_STATE_SECONDS 600
#define OAUTH_STATE_LEN 64           /* hex digits of 32 random bytes */

enum oauth_state_result {
	OAUTH_STATE_OK,
	OAUTH_STATE_UNKNOWN, /* never made, already used, or of the other kind */
	OAUTH_STATE_EXPIRED,
	OAUTH_STATE_UNBOUND, /* live, but this browser lacks its cookie: left as it was */
	OAUTH_STATE_ERROR,   /* the store could not be read (logged) */
};

/*
 * Makes a nonce for provider into out (OAUTH_STATE_LEN + 1 bytes): a flow's state bound
 * to cookie, or a start code when cookie is NULL. 0, or -1 with err.
 */
int oauth_state_create(const char *dir, const char *provider, const char *cookie, char *out,
    size_t outlen, char *err, size_t errlen);

/*
 * Takes (removes) a flow's state if one of the browser's cookies[0..n) is the one it is
 * bound to; on OAUTH_STATE_OK the provider it was made for is in provider. An expired
 * state is removed too; an unbound or unknown one changes nothing.
 */
enum oauth_state_result oauth_state_take(const char *dir, const char *state,
    char cookies[][OAUTH_COOKIE_VALUE_LEN + 1], size_t n, char *provider, size_t providerlen);

/* Takes a start code the same way (no cookie is needed: the code is the proof). */
enum oauth_state_result oauth_state_take_start(const char *dir, const char *code, char *provider,
    size_t providerlen);

#endif
