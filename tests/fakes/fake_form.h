/*
 * fake_form: query strings and application/x-www-form-urlencoded bodies, both ways.
 * Written apart from lib/form.c on purpose: the fakes check our client independently.
 */
#ifndef FAKE_FORM_H
#define FAKE_FORM_H

#include <stddef.h>

#include "fake_buf.h"

/* Decoded value of the first `key` in "a=1&b=2" (len bytes), or NULL; caller frees. */
char *fake_form_get(const char *form, size_t len, const char *key);

/* Appends s percent-encoded (unreserved characters kept) to out. */
void fake_url_encode(struct fbuf *out, const char *s);

#endif
