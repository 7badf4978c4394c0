/*
 * fake_json: small typed accessors over json-c for validating what clients send.
 * Integers are read from the token text as int64; nothing goes through a double.
 */
#ifndef FAKE_JSON_H
#define FAKE_JSON_H

#include <stddef.h>
#include <stdint.h>

struct json_object;

/* The whole text must be one JSON value (whitespace around it allowed); else NULL. */
struct json_object *fake_json_parse(const char *text, size_t len);

/* Member of an object, or NULL (also when obj is not an object). */
struct json_object *fake_json_get(struct json_object *obj, const char *key);
/* A string member, or NULL when absent or not a string. */
const char *fake_json_str(struct json_object *obj, const char *key);
/* A non-empty string member, or NULL. */
const char *fake_json_text(struct json_object *obj, const char *key);
/* 1 and *out when the member is an integer token. */
int fake_json_int(struct json_object *obj, const char *key, int64_t *out);
/* An id given as an integer token or a string of digits, as text; NULL otherwise. */
const char *fake_json_id(struct json_object *obj, const char *key);

/* Compact text of obj, ids as integer tokens; valid until obj changes or is released. */
const char *fake_json_string(struct json_object *obj);

/* Deep copy (json-c keeps integers as int64). */
struct json_object *fake_json_copy(struct json_object *obj);

/* Is s usable as a file name: 1..64 of [A-Za-z0-9_-]? */
int fake_safe_name(const char *s);

#endif
