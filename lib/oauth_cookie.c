/*
 * oauth_cookie: the header is split by hand (RFC 6265 section 5.4: "; " between pairs)
 * because nothing else here reads cookies; a value that is not ours is skipped, not
 * an error, since other programs on the same host may set cookies of their own.
 */
#include "oauth_cookie.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "str.h"

static int
value_ok(const char *v, size_t n)
{
	size_t i;

	if (n != OAUTH_COOKIE_VALUE_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("0123456789abcdef", v[i]) == NULL || v[i] == '\0')
			return 0;
	return 1;
}

size_t
oauth_cookie_values(const char *header, const char *name,
    char values[][OAUTH_COOKIE_VALUE_LEN + 1], size_t max)
{
	size_t found = 0, namelen = strlen(name);
	const char *p = header;

	while (p != NULL && *p != '\0' && found < max) {
		const char *end = strchr(p, ';'), *eq;
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		len = end ? (size_t)(end - p) : strlen(p);
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		eq = memchr(p, '=', len);
		if (eq != NULL && (size_t)(eq - p) == namelen && strncmp(p, name, namelen) == 0 &&
		    value_ok(eq + 1, len - namelen - 1)) {
			memcpy(values[found], eq + 1, OAUTH_COOKIE_VALUE_LEN);
			values[found++][OAUTH_COOKIE_VALUE_LEN] = '\0';
		}
		p = end ? end + 1 : NULL;
	}
	return found;
}

int
oauth_cookie_random(char *out, size_t outlen)
{
	unsigned char raw[OAUTH_COOKIE_VALUE_LEN / 2];
	size_t i;

	if (outlen < OAUTH_COOKIE_VALUE_LEN + 1 || RAND_bytes(raw, sizeof raw) != 1)
		return -1;
	for (i = 0; i < sizeof raw; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* A path the web server gave us (SCRIPT_NAME) fit to be written into the header as is. */
static int
path_ok(const char *path)
{
	size_t i;

	if (path == NULL || path[0] != '/' || strlen(path) > 200)
		return 0;
	for (i = 0; path[i] != '\0'; i++)
		if ((unsigned char)path[i] <= 0x20 || (unsigned char)path[i] >= 0x7f || path[i] == ';' ||
		    path[i] == ',' || path[i] == '"' || path[i] == '\\')
			return 0;
	return 1;
}

char *
oauth_cookie_line(const char *name, const char *value, const char *path, int max_age,
    int secure)
{
	char path_attr[220] = "", age_attr[40] = "";

	if (path_ok(path))
		snprintf(path_attr, sizeof path_attr, "; Path=%s", path);
	if (max_age >= 0)
		snprintf(age_attr, sizeof age_attr, "; Max-Age=%d", max_age);
	return str_fmt("Set-Cookie: %s=%s%s%s; HttpOnly; SameSite=Lax%s\r\n", name, value, path_attr,
	    age_attr, secure ? "; Secure" : "");
}
