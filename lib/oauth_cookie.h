/*
 * oauth_cookie: the cookies that tie an OAuth flow to the admin's browser: reading them
 * from the Cookie header (pure) and writing the Set-Cookie line (HttpOnly, SameSite=Lax,
 * Secure over HTTPS), and the random values they carry.
 */
#ifndef KZS_OAUTH_COOKIE_H
#define KZS_OAUTH_COOKIE_H

#include <stddef.h>

#define OAUTH_COOKIE_CSRF "kzs_csrf"        /* set by the start page; the forms' token fits it */
#define OAUTH_COOKIE_FLOW_PREFIX "kzs_flow_" /* + provider: set when a flow starts */
#define OAUTH_COOKIE_VALUE_LEN 64            /* hex digits of 32 random bytes */
#define OAUTH_COOKIE_MAX_VALUES 4            /* same-named cookies looked at (paths differ) */

/*
 * Copies into values[] (each OAUTH_COOKIE_VALUE_LEN + 1 bytes) the values of the cookies
 * called name in the Cookie header (NULL: none), in order, at most max; returns how many.
 * Only well-formed values count: exactly OAUTH_COOKIE_VALUE_LEN lower-case hex digits.
 */
size_t oauth_cookie_values(const char *header, const char *name,
    char values[][OAUTH_COOKIE_VALUE_LEN + 1], size_t max);

/* A fresh random value into out (OAUTH_COOKIE_VALUE_LEN + 1 bytes). 0, or -1. */
int oauth_cookie_random(char *out, size_t outlen);

/*
 * The header line "Set-Cookie: name=value; Path=path; Max-Age=..; HttpOnly;
 * SameSite=Lax[; Secure]\r\n", malloc'd (NULL when out of memory). path NULL or not a
 * plain path: no Path attribute; max_age < 0: a cookie that ends with the browser session.
 */
char *oauth_cookie_line(const char *name, const char *value, const char *path, int max_age,
    int secure);

#endif
