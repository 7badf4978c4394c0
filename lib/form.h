/*
 * form: a pure parser for application/x-www-form-urlencoded bodies and query strings.
 * No I/O; every malformed byte sequence is an error with a one-line reason.
 */
#ifndef KZS_FORM_H
#define KZS_FORM_H

#include <stddef.h>

struct form_pair {
	char *key;   /* percent-decoded, '+' decoded to space, NUL-terminated */
	char *value; /* likewise; "" for "key" or "key=" */
};

struct form {
	struct form_pair *pairs;
	size_t n;
};

/*
 * Parses "a=1&b=2". Empty segments ("a=1&&b=2", a trailing '&') are skipped.
 * Errors (return -1, reason in err): a '%' not followed by two hex digits, a decoded
 * NUL byte, an empty key ("=v"). On error *out is left empty.
 */
int form_parse(const char *body, size_t len, struct form *out, char *err, size_t errlen);

/* First value for key, or NULL. */
const char *form_get(const struct form *f, const char *key);

void form_free(struct form *f);

#endif
