/*
 * fake_json: typed accessors over json-c for the fakes' request validation.
 */
#include "fake_json.h"

#include <ctype.h>
#include <string.h>

#include <json-c/json.h>

struct json_object *
fake_json_parse(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;
	size_t end;

	if (tok == NULL)
		return NULL;
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (obj != NULL && json_tokener_get_error(tok) == json_tokener_success) {
		for (end = json_tokener_get_parse_end(tok); end < len; end++) {
			if (!isspace((unsigned char)text[end])) {
				json_object_put(obj);
				obj = NULL;
				break;
			}
		}
	} else {
		json_object_put(obj); /* a truncated text is not a value */
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

struct json_object *
fake_json_get(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

const char *
fake_json_str(struct json_object *obj, const char *key)
{
	struct json_object *v = fake_json_get(obj, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

const char *
fake_json_text(struct json_object *obj, const char *key)
{
	const char *s = fake_json_str(obj, key);

	return s != NULL && *s != '\0' ? s : NULL;
}

int
fake_json_int(struct json_object *obj, const char *key, int64_t *out)
{
	struct json_object *v = fake_json_get(obj, key);

	if (!json_object_is_type(v, json_type_int))
		return 0;
	*out = json_object_get_int64(v);
	return 1;
}

const char *
fake_json_id(struct json_object *obj, const char *key)
{
	struct json_object *v = fake_json_get(obj, key);
	const char *s;

	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v); /* an int's own decimal text */
	if (*s == '\0' || strspn(s, "0123456789") != strlen(s))
		return NULL;
	return s;
}

const char *
fake_json_string(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

struct json_object *
fake_json_copy(struct json_object *obj)
{
	struct json_object *copy = NULL;

	if (json_object_deep_copy(obj, &copy, NULL) != 0)
		return NULL;
	return copy;
}

int
fake_safe_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

	return n > 0 && n <= 64 && s[n] == '\0';
}
