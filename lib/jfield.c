/*
 * jfield: reading fields of remote JSON answers without trusting their types.
 */
#include "jfield.h"

const char *
jfield_text(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || v == NULL)
		return "";
	switch (json_object_get_type(v)) {
	case json_type_string:
	case json_type_int:
	case json_type_boolean:
	case json_type_double:
		return json_object_get_string(v);
	default:
		return "";
	}
}

json_object *
jfield_typed(json_object *obj, const char *key, json_type type)
{
	json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}
