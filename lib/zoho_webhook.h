/*
 * zoho_webhook: a pure parser for Zoho Sign webhook bodies (JSON), from raw body bytes
 * to one event. IDs stay exact: strings of digits, never passed through a double.
 */
#ifndef KZS_ZOHO_WEBHOOK_H
#define KZS_ZOHO_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#define ZOHO_WEBHOOK_ID_MAX 19        /* digits; every id fits int64_t (Zoho's have 17-18) */
#define ZOHO_WEBHOOK_OPERATION_MAX 64        /* operation_type */
#define ZOHO_WEBHOOK_STATUS_MAX 64    /* request_status */
#define ZOHO_WEBHOOK_NAME_MAX 512     /* request_name, performed_by_name: longer is refused */
#define ZOHO_WEBHOOK_EMAIL_MAX 320    /* performed_by_email: longer is refused */
#define ZOHO_WEBHOOK_REASON_MAX 1000  /* reason: longer is cut to this, never refused */
#define ZOHO_WEBHOOK_DOCS_MAX 64      /* document ids; Zoho allows 40 documents per request */
#define ZOHO_WEBHOOK_MAX_DEPTH 16     /* JSON nesting; Zoho's payload needs 4 */
/* Buffer size that always holds zoho_webhook_dedupe_key's result. */
#define ZOHO_WEBHOOK_DEDUPE_KEY_SIZE (3 * ZOHO_WEBHOOK_ID_MAX + ZOHO_WEBHOOK_OPERATION_MAX + 3 + 1)

/* notifications.operation_type values Zoho documents. */
enum zoho_webhook_op {
	ZOHO_WEBHOOK_OP_UNKNOWN = 0,     /* any other value: kept in operation_type, not an error */
	ZOHO_WEBHOOK_OP_SUBMITTED,       /* RequestSubmitted  (UI: Sent) */
	ZOHO_WEBHOOK_OP_VIEWED,          /* RequestViewed */
	ZOHO_WEBHOOK_OP_SIGNING_SUCCESS, /* RequestSigningSuccess: one recipient signed */
	ZOHO_WEBHOOK_OP_COMPLETED,       /* RequestCompleted: everyone signed */
	ZOHO_WEBHOOK_OP_REJECTED,        /* RequestRejected   (UI: Declined) */
	ZOHO_WEBHOOK_OP_FORWARDED,       /* RequestForwarded  (UI: Reassigned) */
	ZOHO_WEBHOOK_OP_EXPIRED,         /* RequestExpired */
	ZOHO_WEBHOOK_OP_RECALLED,        /* RequestRecalled */
};

/*
 * Text fields are "" when absent or null. Human text (request_name, request_status,
 * performed_by_*, reason) is kept as received except that control characters become
 * spaces (reason keeps '\n' and '\t') and each byte of ill-formed UTF-8 that json-c
 * lets through (overlong forms, surrogates) becomes '?': always valid UTF-8 text.
 */
struct zoho_webhook_event {
	char request_id[ZOHO_WEBHOOK_ID_MAX + 1];          /* requests.request_id; never "" */
	char request_name[ZOHO_WEBHOOK_NAME_MAX + 1];      /* requests.request_name */
	char request_status[ZOHO_WEBHOOK_STATUS_MAX + 1];  /* requests.request_status */
	char operation_type[ZOHO_WEBHOOK_OPERATION_MAX + 1];      /* notifications.operation_type; never "" */
	enum zoho_webhook_op op;                           /* operation_type, if known */
	char action_id[ZOHO_WEBHOOK_ID_MAX + 1];           /* notifications.action_id */
	char performed_by_email[ZOHO_WEBHOOK_EMAIL_MAX + 1];
	char performed_by_name[ZOHO_WEBHOOK_NAME_MAX + 1];
	char performed_at_ms[ZOHO_WEBHOOK_ID_MAX + 1];     /* epoch milliseconds as digits */
	int64_t performed_at;                      /* the same number; 0 when absent */
	char reason[ZOHO_WEBHOOK_REASON_MAX + 1];          /* decline/recall reason; may be "" */
	int reason_truncated;                      /* 1 when reason was cut */
	/* requests.document_ids[i].document_id */
	char document_ids[ZOHO_WEBHOOK_DOCS_MAX][ZOHO_WEBHOOK_ID_MAX + 1];
	size_t ndocument_ids;
};

/*
 * Parses a webhook body: {"requests":{...},"notifications":{...}}. Fields not listed
 * in struct zoho_webhook_event are ignored.
 * Ids (request_id, action_id, document_id) and performed_at are accepted as JSON
 * integers or as strings of digits, and must be 1-19 digits, no leading zero (ids are
 * never 0; performed_at may be), at most INT64_MAX, so one id has one spelling.
 * Errors (return -1, one-line printable reason in err, *out all zero):
 *   empty body, a NUL byte, not JSON (including Zoho's documented "{{..." sample),
 *   invalid UTF-8, nesting deeper than ZOHO_WEBHOOK_MAX_DEPTH, anything but whitespace after
 *   the object, a top level that is not an object; "requests" or "notifications"
 *   missing or not an object; request_id or operation_type missing; an id that is a
 *   JSON fraction or exponent (123.0, 1.5e17: json-c makes those doubles), negative,
 *   beyond INT64_MAX, or a string other than digits; operation_type not 1-64 ASCII
 *   letters, digits or '_'; a text field that is not a string, or longer than its
 *   limit (reason is cut at ZOHO_WEBHOOK_REASON_MAX bytes on a UTF-8 boundary instead);
 *   document_ids not an array, an element neither {"document_id":id} nor an id, or
 *   more than ZOHO_WEBHOOK_DOCS_MAX of them.
 * A duplicated key counts once, with its last value (json-c's behaviour); the
 * signature has already covered the raw bytes.
 */
int zoho_webhook_parse(const char *body, size_t len, struct zoho_webhook_event *out,
    char *err, size_t errlen);

/* Zoho's operation_type text for a known op; "unknown" for ZOHO_WEBHOOK_OP_UNKNOWN or any other. */
const char *zoho_webhook_op_name(enum zoho_webhook_op op);

/*
 * "<request_id>:<operation_type>:<action_id>:<performed_at_ms>" (empty parts stay
 * empty), the key that recognises a repeated delivery of the same event. No part can
 * hold ':', so the key is unambiguous. A buffer shorter than ZOHO_WEBHOOK_DEDUPE_KEY_SIZE
 * that cannot hold the key gets "" rather than a truncated key that could collide.
 */
void zoho_webhook_dedupe_key(const struct zoho_webhook_event *ev, char *buf, size_t len);

/*
 * The reference this integration puts at the end of every request name, "(ref
 * <lead id>-<attempt>)": the lead id into lead_id and the whole mark into marker (len
 * bytes). -1 when the name carries none (another tool's request) or marker is too short.
 */
int zoho_webhook_ref(const struct zoho_webhook_event *ev, char lead_id[ZOHO_WEBHOOK_ID_MAX + 1], char *marker,
    size_t len);

#endif
