/*
 * zoho_webhook: Zoho Sign webhook JSON to one event. json-c parses (strict, UTF-8
 * checked, depth-limited); ids are read from json-c's int64 or from digit strings and
 * never from a double, because 17-18 digit ids do not survive one.
 */
#include "zoho_webhook.h"
#include "msg.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

enum zw_text_kind {
	ZW_LINE,      /* one line; longer than the limit is refused */
	ZW_PARAGRAPH, /* keeps '\n' and '\t'; longer than the limit is cut */
};

static const struct {
	const char *name;
	enum zoho_webhook_op op;
} zw_ops[] = {
	{ "RequestSubmitted", ZOHO_WEBHOOK_OP_SUBMITTED },
	{ "RequestViewed", ZOHO_WEBHOOK_OP_VIEWED },
	{ "RequestSigningSuccess", ZOHO_WEBHOOK_OP_SIGNING_SUCCESS },
	{ "RequestCompleted", ZOHO_WEBHOOK_OP_COMPLETED },
	{ "RequestRejected", ZOHO_WEBHOOK_OP_REJECTED },
	{ "RequestForwarded", ZOHO_WEBHOOK_OP_FORWARDED },
	{ "RequestExpired", ZOHO_WEBHOOK_OP_EXPIRED },
	{ "RequestRecalled", ZOHO_WEBHOOK_OP_RECALLED },
};

static int
zw_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* obj[key], or NULL when absent or JSON null (both mean "not given"). */
static json_object *
zw_get(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

/*
 * An id or a millisecond time from a JSON integer or a string of digits, into dst as
 * canonical digits (no sign, no leading zero). NULL on success, else why not.
 */
static const char *
zw_id(json_object *v, int allow_zero, char dst[ZOHO_WEBHOOK_ID_MAX + 1])
{
	const char *s;
	size_t n;

	dst[0] = '\0';
	switch (json_object_get_type(v)) {
	case json_type_int: {
		/* json-c keeps integers exact in int64/uint64 and clamps beyond uint64. */
		int64_t i = json_object_get_int64(v);
		if (i < 0)
			return "must not be negative";
		if ((uint64_t)i != json_object_get_uint64(v))
			return "is larger than 19 digits can hold";
		snprintf(dst, ZOHO_WEBHOOK_ID_MAX + 1, "%" PRId64, i);
		break;
	}
	case json_type_double:
		/* Fraction, exponent, or too big: json-c already went through a double. */
		return "must be an integer, not a fraction or exponent number";
	case json_type_string:
		s = json_object_get_string(v);
		n = strspn(s, "0123456789");
		if (n == 0 || n != (size_t)json_object_get_string_len(v))
			return "must be a string of digits";
		if (n > ZOHO_WEBHOOK_ID_MAX ||
		    (n == ZOHO_WEBHOOK_ID_MAX && strcmp(s, "9223372036854775807") > 0))
			return "is larger than 19 digits can hold";
		if (s[0] == '0' && n > 1)
			return "must not have a leading zero";
		memcpy(dst, s, n + 1);
		break;
	default:
		return "must be an integer or a string of digits";
	}
	if (!allow_zero && strcmp(dst, "0") == 0) {
		dst[0] = '\0';
		return "must not be 0";
	}
	return NULL;
}

/* Reads obj[key] as an id; absent is fine unless required. */
static int
zw_id_field(json_object *obj, const char *objname, const char *key, int required,
    int allow_zero, char dst[ZOHO_WEBHOOK_ID_MAX + 1], char *err, size_t errlen)
{
	json_object *v = zw_get(obj, key);
	const char *why;

	if (v == NULL) {
		if (!required)
			return 0;
		msg_set(err, errlen, "%s.%s is missing", objname, key);
		return -1;
	}
	if ((why = zw_id(v, allow_zero, dst)) != NULL) {
		msg_set(err, errlen, "%s.%s %s", objname, key, why);
		return -1;
	}
	return 0;
}

/*
 * Length of the well-formed UTF-8 character at s (at most n bytes), or 0 when s does not
 * start one. json-c's own check lets overlong forms, surrogates and code points past
 * U+10FFFF through; these would make the text unusable in the JSON we send on.
 */
static size_t
zw_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
	} else
		return 0;
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * Reads obj[key] as text of at most max bytes into dst (max + 1 bytes). Control
 * characters (\u0000 included) become spaces, except '\n' and '\t' in a paragraph;
 * each byte of an ill-formed UTF-8 sequence becomes '?', so the length never grows.
 */
static int
zw_text_field(json_object *obj, const char *objname, const char *key,
    enum zw_text_kind kind, char *dst, size_t max, int *truncated,
    char *err, size_t errlen)
{
	json_object *v = zw_get(obj, key);
	const char *s;
	size_t n, i;

	dst[0] = '\0';
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		msg_set(err, errlen, "%s.%s must be a string", objname, key);
		return -1;
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n > max) {
		if (kind == ZW_LINE) {
			msg_set(err, errlen, "%s.%s is longer than %zu bytes", objname, key, max);
			return -1;
		}
		/* Cut before a UTF-8 continuation byte's lead, never inside a character. */
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		if (truncated != NULL)
			*truncated = 1;
	}
	for (i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = zw_utf8_len((const unsigned char *)s + i, n - i);
		if (k > 1) {
			memcpy(dst + i, s + i, k);
			i += k;
			continue;
		}
		if (k == 0)
			c = '?';
		else if ((c < 0x20 || c == 0x7f) &&
		    !(kind == ZW_PARAGRAPH && (c == '\n' || c == '\t')))
			c = ' ';
		dst[i++] = (char)c;
	}
	dst[n] = '\0';
	return 0;
}

/* notifications.operation_type: a required token of letters, digits and '_'. */
static int
zw_operation(json_object *notif, struct zoho_webhook_event *ev, char *err, size_t errlen)
{
	json_object *v = zw_get(notif, "operation_type");
	const char *s;
	size_t n, i;

	if (v == NULL) {
		msg_set(err, errlen, "notifications.operation_type is missing");
		return -1;
	}
	if (!json_object_is_type(v, json_type_string)) {
		msg_set(err, errlen, "notifications.operation_type must be a string");
		return -1;
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n == 0 || n > ZOHO_WEBHOOK_OPERATION_MAX) {
		msg_set(err, errlen, "notifications.operation_type must be 1-%d characters",
		    ZOHO_WEBHOOK_OPERATION_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_')) {
			msg_set(err, errlen,
			    "notifications.operation_type must be letters, digits or '_'");
			return -1;
		}
	}
	memcpy(ev->operation_type, s, n + 1);
	ev->op = ZOHO_WEBHOOK_OP_UNKNOWN;
	for (i = 0; i < sizeof zw_ops / sizeof zw_ops[0]; i++)
		if (strcmp(s, zw_ops[i].name) == 0)
			ev->op = zw_ops[i].op;
	return 0;
}

/* requests.document_ids: [{"document_id":id,...},...]; a bare id is taken too. */
static int
zw_documents(json_object *req, struct zoho_webhook_event *ev, char *err, size_t errlen)
{
	json_object *arr = zw_get(req, "document_ids");
	size_t n, i;

	if (arr == NULL)
		return 0;
	if (!json_object_is_type(arr, json_type_array)) {
		msg_set(err, errlen, "requests.document_ids must be an array");
		return -1;
	}
	n = json_object_array_length(arr);
	if (n > ZOHO_WEBHOOK_DOCS_MAX) {
		msg_set(err, errlen, "requests.document_ids has more than %d entries",
		    ZOHO_WEBHOOK_DOCS_MAX);
		return -1;
	}
	for (i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(arr, i), *id;
		const char *why;

		if (d != NULL && json_object_is_type(d, json_type_object)) {
			if ((id = zw_get(d, "document_id")) == NULL) {
				msg_set(err, errlen, "requests.document_ids[%zu].document_id is missing",
				    i);
				return -1;
			}
			if ((why = zw_id(id, 0, ev->document_ids[i])) != NULL) {
				msg_set(err, errlen, "requests.document_ids[%zu].document_id %s",
				    i, why);
				return -1;
			}
		} else if (d == NULL || (why = zw_id(d, 0, ev->document_ids[i])) != NULL) {
			msg_set(err, errlen, "requests.document_ids[%zu] must be an object "
			    "with a document_id, or an id", i);
			return -1;
		}
	}
	ev->ndocument_ids = n;
	return 0;
}

/* The two objects of a parsed body into ev. */
static int
zw_fill(json_object *top, struct zoho_webhook_event *ev, char *err, size_t errlen)
{
	json_object *req = zw_get(top, "requests"), *notif = zw_get(top, "notifications");

	if (req == NULL || notif == NULL) {
		msg_set(err, errlen, "missing \"%s\" object", req == NULL ? "requests" : "notifications");
		return -1;
	}
	if (!json_object_is_type(req, json_type_object) ||
	    !json_object_is_type(notif, json_type_object)) {
		msg_set(err, errlen, "\"%s\" must be an object",
		    !json_object_is_type(req, json_type_object) ? "requests" : "notifications");
		return -1;
	}

	if (zw_id_field(req, "requests", "request_id", 1, 0, ev->request_id, err, errlen) ||
	    zw_text_field(req, "requests", "request_name", ZW_LINE, ev->request_name,
		ZOHO_WEBHOOK_NAME_MAX, NULL, err, errlen) ||
	    zw_text_field(req, "requests", "request_status", ZW_LINE, ev->request_status,
		ZOHO_WEBHOOK_STATUS_MAX, NULL, err, errlen) ||
	    zw_documents(req, ev, err, errlen))
		return -1;

	if (zw_operation(notif, ev, err, errlen) ||
	    zw_id_field(notif, "notifications", "action_id", 0, 0, ev->action_id,
		err, errlen) ||
	    zw_id_field(notif, "notifications", "performed_at", 0, 1, ev->performed_at_ms,
		err, errlen) ||
	    zw_text_field(notif, "notifications", "performed_by_email", ZW_LINE,
		ev->performed_by_email, ZOHO_WEBHOOK_EMAIL_MAX, NULL, err, errlen) ||
	    zw_text_field(notif, "notifications", "performed_by_name", ZW_LINE,
		ev->performed_by_name, ZOHO_WEBHOOK_NAME_MAX, NULL, err, errlen) ||
	    zw_text_field(notif, "notifications", "reason", ZW_PARAGRAPH, ev->reason,
		ZOHO_WEBHOOK_REASON_MAX, &ev->reason_truncated, err, errlen))
		return -1;

	if (ev->performed_at_ms[0] != '\0') {
		int64_t t = 0;
		const char *p;
		/* At most 19 digits and <= INT64_MAX: checked by zw_id. */
		for (p = ev->performed_at_ms; *p != '\0'; p++)
			t = t * 10 + (*p - '0');
		ev->performed_at = t;
	}
	return 0;
}

int
zoho_webhook_parse(const char *body, size_t len, struct zoho_webhook_event *out,
    char *err, size_t errlen)
{
	struct json_tokener *tok;
	json_object *top;
	size_t i, end;
	int rc = -1;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL)
		return -1;
	memset(out, 0, sizeof *out);

	for (i = 0; body != NULL && i < len && zw_is_space(body[i]); i++)
		;
	if (body == NULL || i == len) {
		msg_set(err, errlen, "empty body");
		return -1;
	}
	if (len > INT_MAX) {
		msg_set(err, errlen, "body too large");
		return -1;
	}
	if (memchr(body, '\0', len) != NULL) {
		msg_set(err, errlen, "body contains a NUL byte");
		return -1;
	}
	if (body[i] != '{') {
		msg_set(err, errlen, "body is not a JSON object");
		return -1;
	}

	if ((tok = json_tokener_new_ex(ZOHO_WEBHOOK_MAX_DEPTH)) == NULL) {
		msg_set(err, errlen, "out of memory");
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	top = json_tokener_parse_ex(tok, body, (int)len);
	if (top == NULL) {
		enum json_tokener_error e = json_tokener_get_error(tok);
		if (e == json_tokener_continue)
			msg_set(err, errlen, "not JSON: body ends inside the object");
		else
			msg_set(err, errlen, "not JSON: %s at byte %zu", json_tokener_error_desc(e),
			    json_tokener_get_parse_end(tok));
		goto done;
	}
	for (end = json_tokener_get_parse_end(tok); end < len && zw_is_space(body[end]); end++)
		;
	if (end < len) {
		msg_set(err, errlen, "not JSON: data after the object at byte %zu", end);
		goto done;
	}
	if (!json_object_is_type(top, json_type_object)) {
		msg_set(err, errlen, "body is not a JSON object");
		goto done;
	}
	rc = zw_fill(top, out, err, errlen);
done:
	json_object_put(top);
	json_tokener_free(tok);
	if (rc != 0)
		memset(out, 0, sizeof *out);
	return rc;
}

const char *
zoho_webhook_op_name(enum zoho_webhook_op op)
{
	size_t i;

	for (i = 0; i < sizeof zw_ops / sizeof zw_ops[0]; i++)
		if (zw_ops[i].op == op)
			return zw_ops[i].name;
	return "unknown";
}

void
zoho_webhook_dedupe_key(const struct zoho_webhook_event *ev, char *buf, size_t len)
{
	int n;

	if (buf == NULL || len == 0)
		return;
	if (ev == NULL) {
		buf[0] = '\0';
		return;
	}
	n = snprintf(buf, len, "%s:%s:%s:%s", ev->request_id, ev->operation_type,
	    ev->action_id, ev->performed_at_ms);
	if (n < 0 || (size_t)n >= len)
		buf[0] = '\0';
}

int
zoho_webhook_ref(const struct zoho_webhook_event *ev, char lead_id[ZOHO_WEBHOOK_ID_MAX + 1], char *marker,
    size_t len)
{
	const char *p = ev->request_name, *at = NULL, *digits;
	size_t lead_len, attempt_len;

	/* The last one counts: the lead's own name may hold anything, the mark is appended. */
	while ((p = strstr(p, "(ref ")) != NULL)
		at = p++;
	if (at == NULL)
		return -1;
	digits = at + 5;
	lead_len = strspn(digits, "0123456789");
	if (lead_len == 0 || lead_len > ZOHO_WEBHOOK_ID_MAX || digits[0] == '0' || digits[lead_len] != '-')
		return -1;
	attempt_len = strspn(digits + lead_len + 1, "0123456789");
	if (attempt_len == 0 || attempt_len > 19 || digits[lead_len + 1 + attempt_len] != ')')
		return -1;
	memcpy(lead_id, digits, lead_len);
	lead_id[lead_len] = '\0';
	if (snprintf(marker, len, "%.*s", (int)(digits + lead_len + attempt_len + 2 - at), at) >= (int)len)
		return -1;
	return 0;
}
