/*
 * jfield: reading fields of remote JSON answers without trusting their types.
 * Ids may arrive as numbers or strings; both come back as their text.
 */
#ifndef KZS_JFIELD_H
#define KZS_JFIELD_H

#include <json-c/json.h>

/* Text of obj[key] (number, string or bool); "" when absent or null. */
const char *jfield_text(json_object *obj, const char *key);

/* obj[key] when it is of the given type, else NULL (borrowed reference). */
json_object *jfield_typed(json_object *obj, const char *key, json_type type);

#endif
