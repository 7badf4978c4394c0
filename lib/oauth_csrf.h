/*
 * oauth_csrf: the token the start page's Connect forms carry. It is an HMAC of the
 * browser's kzs_csrf cookie and the logged-in user under a key only this server has, so
 * another site can neither read it nor make one, and it is worthless without the cookie.
 */
#ifndef KZS_OAUTH_CSRF_H
#define KZS_OAUTH_CSRF_H

#include <stddef.h>

#include "config.h"

#define OAUTH_CSRF_LEN 64 /* hex digits of an HMAC-SHA256 */

/*
 * The token for cookie (the kzs_csrf value) and user (REMOTE_USER, NULL or "" when the
 * [admin] secret is used) into out (OAUTH_CSRF_LEN + 1 bytes). 0, or -1 when the
 * configuration holds no secret to key it with.
 */
int oauth_csrf_token(const struct config *cfg, const char *cookie, const char *user, char *out,
    size_t outlen);

/* 1 when token is the one for cookie and user, compared in constant time; else 0. */
int oauth_csrf_valid(const struct config *cfg, const char *cookie, const char *user,
    const char *token);

#endif
