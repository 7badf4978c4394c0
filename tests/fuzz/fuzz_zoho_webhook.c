/*
 * libFuzzer target for zoho_webhook_parse. Beyond "no crash, no leak" it checks the
 * promises zoho-hook relies on: a refusal leaves the event all zero with a one-line
 * printable reason; an accepted event has canonical ids (1-19 digits, no leading zero,
 * at most INT64_MAX), an operation_type token that agrees with its enum, text within
 * its limits that is valid UTF-8 without control characters, and a dedupe key that
 * fits ZOHO_WEBHOOK_DEDUPE_KEY_SIZE with exactly three ':'.
 */
#include "zoho_webhook.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_id(const char *s, size_t cap, int required, int allow_zero)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort(); /* not NUL-terminated within its field */
	if (n == 0) {
		if (required)
			abort();
		return;
	}
	if (n > ZOHO_WEBHOOK_ID_MAX || strspn(s, "0123456789") != n)
		abort();
	if (s[0] == '0' && !(allow_zero && n == 1))
		abort();
	if (n == ZOHO_WEBHOOK_ID_MAX && strcmp(s, "9223372036854775807") > 0)
		abort();
}

/* NUL-terminated within cap, at most max bytes, well-formed UTF-8, no control bytes. */
static void
check_text(const char *s, size_t cap, size_t max, int paragraph)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strnlen(s, cap), i = 0;

	if (n == cap || n > max)
		abort();
	while (i < n) {
		unsigned char c = p[i];
		size_t len, k;
		if (c < 0x80) {
			if ((c < 0x20 || c == 0x7f) && !(paragraph && (c == '\n' || c == '\t')))
				abort();
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4;
		else
			abort();
		if (i + len > n)
			abort();
		for (k = 1; k < len; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				abort();
		if ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] > 0x9f) ||
		    (c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] > 0x8f))
			abort();
		i += len;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct zoho_webhook_event zero;
	struct zoho_webhook_event ev;
	char err[256], key[ZOHO_WEBHOOK_DEDUPE_KEY_SIZE];
	const char *p;
	size_t i, n;
	int64_t t;

	memset(&ev, 0xa5, sizeof ev);
	if (zoho_webhook_parse((const char *)data, size, &ev, err, sizeof err) != 0) {
		if (memcmp(&ev, &zero, sizeof ev) != 0 || err[0] == '\0')
			abort();
		for (i = 0; err[i] != '\0'; i++)
			if ((unsigned char)err[i] < 0x20 || (unsigned char)err[i] >= 0x7f)
				abort();
		return 0;
	}

	check_id(ev.request_id, sizeof ev.request_id, 1, 0);
	check_id(ev.action_id, sizeof ev.action_id, 0, 0);
	check_id(ev.performed_at_ms, sizeof ev.performed_at_ms, 0, 1);
	for (t = 0, p = ev.performed_at_ms; *p != '\0'; p++)
		t = t * 10 + (*p - '0');
	if (t != ev.performed_at)
		abort();

	n = strnlen(ev.operation_type, sizeof ev.operation_type);
	if (n == 0 || n > ZOHO_WEBHOOK_OPERATION_MAX ||
	    strspn(ev.operation_type, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_") != n)
		abort();
	if (ev.op == ZOHO_WEBHOOK_OP_UNKNOWN) {
		for (i = ZOHO_WEBHOOK_OP_SUBMITTED; i <= ZOHO_WEBHOOK_OP_RECALLED; i++)
			if (strcmp(zoho_webhook_op_name((enum zoho_webhook_op)i), ev.operation_type) == 0)
				abort();
	} else if (ev.op < ZOHO_WEBHOOK_OP_SUBMITTED || ev.op > ZOHO_WEBHOOK_OP_RECALLED ||
	    strcmp(zoho_webhook_op_name(ev.op), ev.operation_type) != 0)
		abort();

	check_text(ev.request_name, sizeof ev.request_name, ZOHO_WEBHOOK_NAME_MAX, 0);
	check_text(ev.request_status, sizeof ev.request_status, ZOHO_WEBHOOK_STATUS_MAX, 0);
	check_text(ev.performed_by_email, sizeof ev.performed_by_email, ZOHO_WEBHOOK_EMAIL_MAX, 0);
	check_text(ev.performed_by_name, sizeof ev.performed_by_name, ZOHO_WEBHOOK_NAME_MAX, 0);
	check_text(ev.reason, sizeof ev.reason, ZOHO_WEBHOOK_REASON_MAX, 1);
	if (ev.reason_truncated != 0 && ev.reason_truncated != 1)
		abort();
	if (ev.reason_truncated && strlen(ev.reason) + 3 < ZOHO_WEBHOOK_REASON_MAX)
		abort(); /* a cut never loses more than one partial character */

	if (ev.ndocument_ids > ZOHO_WEBHOOK_DOCS_MAX)
		abort();
	for (i = 0; i < ev.ndocument_ids; i++)
		check_id(ev.document_ids[i], sizeof ev.document_ids[i], 1, 0);
	for (; i < ZOHO_WEBHOOK_DOCS_MAX; i++)
		if (ev.document_ids[i][0] != '\0')
			abort();

	zoho_webhook_dedupe_key(&ev, key, sizeof key);
	for (n = 0, p = key; *p != '\0'; p++)
		n += *p == ':';
	if (n != 3 || strncmp(key, ev.request_id, strlen(ev.request_id)) != 0)
		abort();
	return 0;
}
