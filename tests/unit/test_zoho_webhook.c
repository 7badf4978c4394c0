/* Unit tests for zoho_webhook_parse: Zoho's payload, exact big ids, limits, refusals. */
#include "zoho_webhook.h"

#include "check.h"
#include "testbuf.h"

#include <stdarg.h>
#include <stdlib.h>

static char err[256];
static struct zoho_webhook_event zero_event;

/*
 * Zoho's payload shape (typings of Zoho's own n8n node), with 17-18 digit ids chosen
 * so that a double would change them: 123456789012345679 -> ...680 through a double.
 */
static const char sample[] =
    "{\"requests\":{\"request_id\":123456789012345679,"
    "\"request_name\":\"NDA \xe2\x80\x94 ACME\",\"request_status\":\"completed\","
    "\"owner_email\":\"owner@example.com\",\"owner_first_name\":\"Olga\","
    "\"is_sequential\":true,\"modified_time\":1667831890816,\"zsdocumentid\":\"zs1\","
    "\"document_ids\":[{\"document_id\":98765432109876543,\"document_name\":\"NDA.pdf\","
    "\"total_pages\":7},{\"document_id\":\"987654321098765431\",\"document_name\":"
    "\"Annex.pdf\",\"total_pages\":2}],"
    "\"actions\":[{\"action_id\":11111111111111111,\"action_type\":\"SIGN\","
    "\"action_status\":\"SIGNED\",\"recipient_name\":\"Jane Doe\","
    "\"recipient_email\":\"jane@example.com\",\"signing_order\":0}],"
    "\"self_sign\":false,\"is_embedded\":false},"
    "\"notifications\":{\"operation_type\":\"RequestCompleted\","
    "\"activity\":\"Document has been completed\",\"action_id\":222222222222222223,"
    "\"performed_by_email\":\"jane@example.com\",\"performed_by_name\":\"Jane Doe\","
    "\"performed_at\":1667831890816,\"reason\":\"\",\"ip_address\":\"203.0.113.5\"}}\n";

/* A body with the given inner text of "requests" and "notifications". */
static char *
body2(const char *req, const char *notif)
{
	struct buf b = { 0 };

	buf_add(&b, "{\"requests\":{%s},\"notifications\":{%s}}", req, notif);
	return b.s;
}

static int
parse_len(const char *body, size_t len, struct zoho_webhook_event *ev)
{
	memset(ev, 0xa5, sizeof *ev); /* garbage: the parser must always set *out */
	memset(err, 'x', sizeof err - 1);
	err[sizeof err - 1] = '\0';
	return zoho_webhook_parse(body, len, ev, err, sizeof err);
}

static int
parse(const char *body, struct zoho_webhook_event *ev)
{
	return parse_len(body, strlen(body), ev);
}

static int
printable_line(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Expects body[0..len) refused with a message containing want; *out must be all zero. */
static void
refused_len(const char *what, const char *body, size_t len, const char *want)
{
	struct zoho_webhook_event ev;
	int rc = parse_len(body, len, &ev);

	CHECK(rc == -1, "%s: refused", what);
	CHECK(memcmp(&ev, &zero_event, sizeof ev) == 0, "%s: output left all zero", what);
	CHECK(strstr(err, want) != NULL, "%s: message contains \"%s\" (got \"%s\")", what, want, err);
	CHECK(err[0] != '\0' && printable_line(err), "%s: message is one printable line", what);
}

static void
refused(const char *what, const char *body, const char *want)
{
	refused_len(what, body, strlen(body), want);
}

/* Same, for a body built from the inner text of both objects. */
static void
refused2(const char *what, const char *req, const char *notif, const char *want)
{
	char *b = body2(req, notif);

	refused(what, b, want);
	free(b);
}

/* Parses a body built from both objects' inner text; 0 on success. */
static int
parse2(const char *req, const char *notif, struct zoho_webhook_event *ev)
{
	char *b = body2(req, notif);
	int rc = parse(b, ev);

	free(b);
	return rc;
}

#define REQ "\"request_id\":123456789012345679"
#define OP "\"operation_type\":\"RequestViewed\""

static void
test_sample(void)
{
	struct zoho_webhook_event ev;
	char key[ZOHO_WEBHOOK_DEDUPE_KEY_SIZE];

	CHECK(parse(sample, &ev) == 0, "Zoho sample payload accepted (err \"%s\")", err);
	CHECK_STR(ev.request_id, "123456789012345679", "18-digit numeric request_id exact");
	CHECK_STR(ev.request_name, "NDA \xe2\x80\x94 ACME", "request_name with UTF-8");
	CHECK_STR(ev.request_status, "completed", "request_status");
	CHECK_STR(ev.operation_type, "RequestCompleted", "operation_type text");
	CHECK(ev.op == ZOHO_WEBHOOK_OP_COMPLETED, "operation_type enum");
	CHECK_STR(ev.action_id, "222222222222222223", "18-digit numeric action_id exact");
	CHECK_STR(ev.performed_by_email, "jane@example.com", "performed_by_email");
	CHECK_STR(ev.performed_by_name, "Jane Doe", "performed_by_name");
	CHECK_STR(ev.performed_at_ms, "1667831890816", "performed_at digits");
	CHECK(ev.performed_at == INT64_C(1667831890816), "performed_at as int64");
	CHECK_STR(ev.reason, "", "empty reason");
	CHECK(ev.reason_truncated == 0, "reason not truncated");
	CHECK(ev.ndocument_ids == 2, "two document ids (got %zu)", ev.ndocument_ids);
	CHECK_STR(ev.document_ids[0], "98765432109876543", "17-digit numeric document_id exact");
	CHECK_STR(ev.document_ids[1], "987654321098765431", "string document_id exact");
	CHECK(strcmp(ev.document_ids[0], "98765432109876544") != 0,
	    "numeric id did not go through a double");

	zoho_webhook_dedupe_key(&ev, key, sizeof key);
	CHECK_STR(key, "123456789012345679:RequestCompleted:222222222222222223:1667831890816",
	    "dedupe key of the sample");
}

static void
test_operations(void)
{
	static const struct {
		const char *name;
		enum zoho_webhook_op op;
	} ops[] = {
		{ "RequestSubmitted", ZOHO_WEBHOOK_OP_SUBMITTED },
		{ "RequestViewed", ZOHO_WEBHOOK_OP_VIEWED },
		{ "RequestSigningSuccess", ZOHO_WEBHOOK_OP_SIGNING_SUCCESS },
		{ "RequestCompleted", ZOHO_WEBHOOK_OP_COMPLETED },
		{ "RequestRejected", ZOHO_WEBHOOK_OP_REJECTED },
		{ "RequestForwarded", ZOHO_WEBHOOK_OP_FORWARDED },
		{ "RequestExpired", ZOHO_WEBHOOK_OP_EXPIRED },
		{ "RequestRecalled", ZOHO_WEBHOOK_OP_RECALLED },
	};
	struct zoho_webhook_event ev;
	char notif[128];
	size_t i;

	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		snprintf(notif, sizeof notif, "\"operation_type\":\"%s\"", ops[i].name);
		CHECK(parse2(REQ, notif, &ev) == 0 && ev.op == ops[i].op &&
		    strcmp(ev.operation_type, ops[i].name) == 0, "%s -> its enum", ops[i].name);
		CHECK_STR(zoho_webhook_op_name(ops[i].op), ops[i].name, "zoho_webhook_op_name of %s", ops[i].name);
	}

	CHECK(parse2(REQ, "\"operation_type\":\"RequestApproved\"", &ev) == 0,
	    "unknown operation_type accepted (err \"%s\")", err);
	CHECK(ev.op == ZOHO_WEBHOOK_OP_UNKNOWN, "unknown operation_type -> ZOHO_WEBHOOK_OP_UNKNOWN");
	CHECK_STR(ev.operation_type, "RequestApproved", "unknown operation_type text kept");
	CHECK(parse2(REQ, "\"operation_type\":\"requestcompleted\"", &ev) == 0 &&
	    ev.op == ZOHO_WEBHOOK_OP_UNKNOWN, "operation_type is case-sensitive");
	CHECK_STR(zoho_webhook_op_name(ZOHO_WEBHOOK_OP_UNKNOWN), "unknown", "zoho_webhook_op_name(UNKNOWN)");
	CHECK_STR(zoho_webhook_op_name((enum zoho_webhook_op)99), "unknown", "zoho_webhook_op_name out of range");

	refused2("operation_type missing", REQ, "\"action_id\":1", "notifications.operation_type is missing");
	refused2("operation_type null", REQ, "\"operation_type\":null", "operation_type is missing");
	refused2("operation_type empty", REQ, "\"operation_type\":\"\"", "operation_type must be 1-64");
	refused2("operation_type a number", REQ, "\"operation_type\":5", "operation_type must be a string");
	refused2("operation_type with ':'", REQ, "\"operation_type\":\"Request:Viewed\"",
	    "letters, digits or '_'");
	refused2("operation_type with a space", REQ, "\"operation_type\":\"Request Viewed\"",
	    "letters, digits or '_'");
	refused2("operation_type with \\u0000", REQ, "\"operation_type\":\"RequestViewed\\u0000x\"",
	    "letters, digits or '_'");
	{
		char n[128];
		snprintf(n, sizeof n, "\"operation_type\":\"%064d\"", 7);
		CHECK(parse2(REQ, n, &ev) == 0 && strlen(ev.operation_type) == 64,
		    "64-character operation_type accepted");
		snprintf(n, sizeof n, "\"operation_type\":\"%065d\"", 7);
		refused2("65-character operation_type", REQ, n, "operation_type must be 1-64");
	}
}

static void
test_ids(void)
{
	struct zoho_webhook_event ev, ev2;
	char k1[ZOHO_WEBHOOK_DEDUPE_KEY_SIZE], k2[ZOHO_WEBHOOK_DEDUPE_KEY_SIZE];

	/* The same event with ids as strings gives the same fields and key. */
	CHECK(parse2("\"request_id\":\"123456789012345679\"",
	    OP ",\"action_id\":\"22222222222222222\",\"performed_at\":\"1667831890816\"", &ev) == 0,
	    "string ids accepted (err \"%s\")", err);
	CHECK(parse2("\"request_id\":123456789012345679",
	    OP ",\"action_id\":22222222222222222,\"performed_at\":1667831890816", &ev2) == 0,
	    "numeric ids accepted");
	CHECK_STR(ev.request_id, "123456789012345679", "string request_id");
	CHECK_STR(ev.action_id, "22222222222222222", "string action_id");
	CHECK(ev.performed_at == INT64_C(1667831890816), "string performed_at as int64");
	zoho_webhook_dedupe_key(&ev, k1, sizeof k1);
	zoho_webhook_dedupe_key(&ev2, k2, sizeof k2);
	CHECK_STR(k1, k2, "string and numeric ids give the same dedupe key");

	CHECK(parse2("\"request_id\":9223372036854775807", OP, &ev) == 0 &&
	    strcmp(ev.request_id, "9223372036854775807") == 0, "INT64_MAX accepted exactly");
	CHECK(parse2("\"request_id\":\"9223372036854775807\"", OP, &ev) == 0,
	    "INT64_MAX as a string accepted");
	CHECK(parse2("\"request_id\":1", OP, &ev) == 0 && strcmp(ev.request_id, "1") == 0,
	    "one-digit id accepted");

	/* json-c turns these into doubles: refused, never rounded into an id. */
	refused2("request_id 1.5e17", "\"request_id\":1.5e17", OP, "not a fraction or exponent");
	refused2("request_id 123.0", "\"request_id\":123.0", OP, "not a fraction or exponent");
	refused2("request_id 1E17", "\"request_id\":1E17", OP, "not a fraction or exponent");
	refused2("request_id 18 digits .0", "\"request_id\":123456789012345679.0", OP,
	    "not a fraction or exponent");
	refused2("action_id 1.5", REQ, OP ",\"action_id\":1.5", "notifications.action_id must be an integer");
	refused2("performed_at 1.6e12", REQ, OP ",\"performed_at\":1.6e12",
	    "notifications.performed_at must be an integer");

	/* Beyond int64: json-c clamps these to UINT64_MAX; refused, never clamped. */
	refused2("20-digit request_id", "\"request_id\":99999999999999999999", OP,
	    "larger than 19 digits can hold");
	refused2("INT64_MAX + 1", "\"request_id\":9223372036854775808", OP,
	    "larger than 19 digits can hold");
	refused2("UINT64_MAX", "\"request_id\":18446744073709551615", OP,
	    "larger than 19 digits can hold");
	refused2("30-digit request_id", "\"request_id\":123456789012345678901234567890", OP,
	    "larger than 19 digits can hold");
	refused2("20-digit string request_id", "\"request_id\":\"12345678901234567890\"", OP,
	    "larger than 19 digits can hold");
	refused2("INT64_MAX + 1 as a string", "\"request_id\":\"9223372036854775808\"", OP,
	    "larger than 19 digits can hold");

	refused2("negative request_id", "\"request_id\":-5", OP, "must not be negative");
	refused2("request_id 0", "\"request_id\":0", OP, "must not be 0");
	refused2("request_id \"0\"", "\"request_id\":\"0\"", OP, "must not be 0");
	refused2("request_id -0", "\"request_id\":-0", OP, "must not be 0");
	refused2("request_id with a leading zero (string)", "\"request_id\":\"0123\"", OP,
	    "leading zero");
	refused2("request_id with a leading zero (number)", "\"request_id\":0123", OP, "not JSON");
	refused2("request_id \"12a\"", "\"request_id\":\"12a\"", OP, "must be a string of digits");
	refused2("request_id \"\"", "\"request_id\":\"\"", OP, "must be a string of digits");
	refused2("request_id \" 123\"", "\"request_id\":\" 123\"", OP, "must be a string of digits");
	refused2("request_id \"-5\"", "\"request_id\":\"-5\"", OP, "must be a string of digits");
	refused2("request_id \"123\\u0000\"", "\"request_id\":\"123\\u0000\"", OP,
	    "must be a string of digits");
	refused2("request_id true", "\"request_id\":true", OP, "integer or a string of digits");
	refused2("request_id object", "\"request_id\":{\"id\":1}", OP, "integer or a string of digits");
	refused2("request_id array", "\"request_id\":[1]", OP, "integer or a string of digits");
	refused2("request_id missing", "\"request_name\":\"x\"", OP, "requests.request_id is missing");
	refused2("request_id null", "\"request_id\":null", OP, "requests.request_id is missing");
	refused2("action_id 0", REQ, OP ",\"action_id\":0", "notifications.action_id must not be 0");

	CHECK(parse2(REQ, OP ",\"performed_at\":0", &ev) == 0 &&
	    strcmp(ev.performed_at_ms, "0") == 0 && ev.performed_at == 0,
	    "performed_at 0 accepted");
	CHECK(parse2(REQ, OP, &ev) == 0 && ev.action_id[0] == '\0' &&
	    ev.performed_at_ms[0] == '\0' && ev.performed_at == 0 && ev.ndocument_ids == 0,
	    "optional ids absent -> \"\" and 0");
	CHECK(parse2(REQ, OP ",\"action_id\":null,\"performed_at\":null", &ev) == 0 &&
	    ev.action_id[0] == '\0' && ev.performed_at_ms[0] == '\0', "null optional ids -> \"\"");
}

static void
test_documents(void)
{
	struct zoho_webhook_event ev;
	struct buf b = { 0 };
	int i;

	CHECK(parse2(REQ ",\"document_ids\":[]", OP, &ev) == 0 && ev.ndocument_ids == 0,
	    "empty document_ids");
	CHECK(parse2(REQ ",\"document_ids\":[123456789012345678,\"5\"]", OP, &ev) == 0 &&
	    ev.ndocument_ids == 2 && strcmp(ev.document_ids[0], "123456789012345678") == 0 &&
	    strcmp(ev.document_ids[1], "5") == 0, "bare ids in document_ids accepted");
	refused2("document_ids an object", REQ ",\"document_ids\":{\"document_id\":1}", OP,
	    "requests.document_ids must be an array");
	refused2("document_ids element without document_id",
	    REQ ",\"document_ids\":[{\"document_id\":1},{\"document_name\":\"a\"}]", OP,
	    "requests.document_ids[1].document_id is missing");
	refused2("document_id a double", REQ ",\"document_ids\":[{\"document_id\":1.5e17}]", OP,
	    "requests.document_ids[0].document_id must be an integer");
	refused2("document_ids element null", REQ ",\"document_ids\":[null]", OP,
	    "requests.document_ids[0] must be an object");
	refused2("document_ids element a double", REQ ",\"document_ids\":[1.0]", OP,
	    "requests.document_ids[0] must be an object");

	buf_add(&b, "{\"requests\":{" REQ ",\"document_ids\":[");
	for (i = 0; i < ZOHO_WEBHOOK_DOCS_MAX; i++)
		buf_add(&b, "%s{\"document_id\":%d}", i ? "," : "", 1000 + i);
	buf_add(&b, "]},\"notifications\":{" OP "}}");
	CHECK(parse(b.s, &ev) == 0 && ev.ndocument_ids == ZOHO_WEBHOOK_DOCS_MAX &&
	    strcmp(ev.document_ids[ZOHO_WEBHOOK_DOCS_MAX - 1], "1063") == 0,
	    "%d document ids accepted", ZOHO_WEBHOOK_DOCS_MAX);
	free(b.s);
	memset(&b, 0, sizeof b);
	buf_add(&b, "{\"requests\":{" REQ ",\"document_ids\":[");
	for (i = 0; i <= ZOHO_WEBHOOK_DOCS_MAX; i++)
		buf_add(&b, "%s{\"document_id\":%d}", i ? "," : "", 1000 + i);
	buf_add(&b, "]},\"notifications\":{" OP "}}");
	refused("65 document ids", b.s, "more than 64 entries");
	free(b.s);
}

/* A body whose field key (in notifications, or requests when in_req) is n times c. */
static char *
body_text(int in_req, const char *key, char c, size_t n, const char *suffix)
{
	struct buf b = { 0 };
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	memset(s, c, n);
	s[n] = '\0';
	if (in_req)
		buf_add(&b, "{\"requests\":{" REQ ",\"%s\":\"%s%s\"},\"notifications\":{" OP "}}",
		    key, s, suffix);
	else
		buf_add(&b, "{\"requests\":{" REQ "},\"notifications\":{" OP ",\"%s\":\"%s%s\"}}",
		    key, s, suffix);
	free(s);
	return b.s;
}

static void
test_text(void)
{
	struct zoho_webhook_event ev;
	char *b;

	b = body_text(1, "request_name", 'n', ZOHO_WEBHOOK_NAME_MAX, "");
	CHECK(parse(b, &ev) == 0 && strlen(ev.request_name) == ZOHO_WEBHOOK_NAME_MAX,
	    "request_name of %d bytes accepted", ZOHO_WEBHOOK_NAME_MAX);
	free(b);
	b = body_text(1, "request_name", 'n', ZOHO_WEBHOOK_NAME_MAX + 1, "");
	refused("request_name too long", b, "requests.request_name is longer than 512 bytes");
	free(b);
	b = body_text(0, "performed_by_name", 'n', ZOHO_WEBHOOK_NAME_MAX + 1, "");
	refused("performed_by_name too long", b, "performed_by_name is longer than 512 bytes");
	free(b);
	b = body_text(0, "performed_by_email", 'e', ZOHO_WEBHOOK_EMAIL_MAX, "");
	CHECK(parse(b, &ev) == 0 && strlen(ev.performed_by_email) == ZOHO_WEBHOOK_EMAIL_MAX,
	    "performed_by_email of %d bytes accepted", ZOHO_WEBHOOK_EMAIL_MAX);
	free(b);
	b = body_text(0, "performed_by_email", 'e', ZOHO_WEBHOOK_EMAIL_MAX + 1, "");
	refused("performed_by_email too long", b, "performed_by_email is longer than 320 bytes");
	free(b);
	b = body_text(1, "request_status", 's', ZOHO_WEBHOOK_STATUS_MAX + 1, "");
	refused("request_status too long", b, "request_status is longer than 64 bytes");
	free(b);

	/* Reason is human text: cut, never refused. */
	b = body_text(0, "reason", 'r', ZOHO_WEBHOOK_REASON_MAX, "");
	CHECK(parse(b, &ev) == 0 && strlen(ev.reason) == ZOHO_WEBHOOK_REASON_MAX &&
	    ev.reason_truncated == 0, "reason of %d bytes kept whole", ZOHO_WEBHOOK_REASON_MAX);
	free(b);
	b = body_text(0, "reason", 'r', 5000, "");
	CHECK(parse(b, &ev) == 0 && strlen(ev.reason) == ZOHO_WEBHOOK_REASON_MAX &&
	    ev.reason_truncated == 1, "reason of 5000 bytes cut to %d", ZOHO_WEBHOOK_REASON_MAX);
	free(b);
	b = body_text(0, "reason", 'r', ZOHO_WEBHOOK_REASON_MAX - 1, "\xc3\xa9zz"); /* é straddles */
	CHECK(parse(b, &ev) == 0 && strlen(ev.reason) == ZOHO_WEBHOOK_REASON_MAX - 1 &&
	    ev.reason_truncated == 1, "reason cut before a 2-byte character that straddles the limit");
	free(b);
	b = body_text(0, "reason", 'r', ZOHO_WEBHOOK_REASON_MAX - 2, "\xc3\xa9zz");
	CHECK(parse(b, &ev) == 0 && strlen(ev.reason) == ZOHO_WEBHOOK_REASON_MAX &&
	    memcmp(ev.reason + ZOHO_WEBHOOK_REASON_MAX - 2, "\xc3\xa9", 2) == 0,
	    "reason keeps a character that ends exactly at the limit");
	free(b);

	CHECK(parse2(REQ ",\"request_name\":\"a\\tb\\nc\\u0000d\\u007fe\"",
	    OP ",\"reason\":\"line1\\nline2\\tx\\ry\\u0001z\"", &ev) == 0,
	    "control characters accepted (err \"%s\")", err);
	CHECK_STR(ev.request_name, "a b c d e", "control characters in a name become spaces");
	CHECK_STR(ev.reason, "line1\nline2\tx y z", "reason keeps newline and tab only");
	CHECK(parse2(REQ ",\"request_name\":\"\\u00e9\\ud83d\\ude00\"", OP, &ev) == 0 &&
	    strcmp(ev.request_name, "\xc3\xa9\xf0\x9f\x98\x80") == 0, "\\u escapes decoded to UTF-8");
	/* json-c passes these ill-formed sequences; each byte becomes '?'. */
	CHECK(parse2(REQ ",\"request_name\":\"a\xc0\xaf" "b\xed\xa0\x80" "c\xf4\x90\x80\x80\"",
	    OP ",\"performed_by_name\":\"\xf0\x9f\x98\x80\xe0\x80\x80\"", &ev) == 0,
	    "ill-formed UTF-8 json-c lets through accepted (err \"%s\")", err);
	CHECK_STR(ev.request_name, "a??b???c????", "overlong, surrogate and >U+10FFFF bytes -> '?'");
	CHECK_STR(ev.performed_by_name, "\xf0\x9f\x98\x80???", "valid 4-byte kept, overlong 3-byte -> '?'");
	CHECK(parse2(REQ ",\"request_name\":\"x\\ud800y\"", OP, &ev) == 0 &&
	    strcmp(ev.request_name, "x\xef\xbf\xbd" "y") == 0, "lone surrogate escape -> U+FFFD (json-c)");
	CHECK(parse2(REQ ",\"request_name\":null", OP ",\"reason\":null", &ev) == 0 &&
	    ev.request_name[0] == '\0' && ev.reason[0] == '\0', "null text fields -> \"\"");

	refused2("request_name a number", REQ ",\"request_name\":5", OP,
	    "requests.request_name must be a string");
	refused2("performed_by_email an object", REQ, OP ",\"performed_by_email\":{}",
	    "notifications.performed_by_email must be a string");
	refused2("reason an array", REQ, OP ",\"reason\":[\"x\"]", "notifications.reason must be a string");
}

static void
test_structure(void)
{
	static const char nul_body[] = "{\"requests\":{" REQ "},\"notifications\":{" OP "}}\0";
	struct zoho_webhook_event ev;
	char *b;
	size_t i;

	refused("empty body", "", "empty body");
	refused_len("NULL body", NULL, 0, "empty body");
	refused("whitespace only", " \n\t\r ", "empty body");
	refused("not JSON", "hello", "not a JSON object");
	refused("a JSON array", "[{\"requests\":{}}]", "not a JSON object");
	refused("a JSON number", "123", "not a JSON object");
	refused("a JSON string", "\"x\"", "not a JSON object");
	refused("JSON null", "null", "not a JSON object");
	refused("form body", "requests=1&notifications=2", "not a JSON object");
	refused("UTF-8 BOM first", "\xef\xbb\xbf{}", "not a JSON object");
	refused("lone '{'", "{", "not JSON: body ends inside the object");
	refused("cut short", "{\"requests\":{" REQ "},\"notifications\":{" OP, "not JSON");
	refused("unquoted key", "{requests:{}}", "not JSON");
	refused("trailing comma", "{\"requests\":{" REQ ",},\"notifications\":{" OP "}}", "not JSON");
	refused("invalid UTF-8", "{\"requests\":{" REQ ",\"request_name\":\"\xff\"},"
	    "\"notifications\":{" OP "}}", "invalid utf-8");
	refused("TRUE in capitals", "{\"requests\":{" REQ ",\"is_sequential\":TRUE},"
	    "\"notifications\":{" OP "}}", "not JSON");
	refused_len("NUL byte after the object", nul_body, sizeof nul_body - 1, "NUL byte");
	refused_len("NUL byte inside", "{\"requests\"\0:{}}", 16, "NUL byte");

	/* Zoho's HMAC test vector body starts with "{{": signed as is, but not JSON. */
	refused("Zoho's documented \"{{\" sample",
	    "{{\"requests\":{\"request_name\":\"Test Name\"},"
	    "\"notifications\":{\"operation_type\":\"RequestSigningSuccess\"}}",
	    "not JSON: quoted object property name expected at byte 1");
	/* And the same body without the stray brace lacks a request_id. */
	refused("the \"{{\" sample repaired",
	    "{\"requests\":{\"request_name\":\"Test Name\"},"
	    "\"notifications\":{\"operation_type\":\"RequestSigningSuccess\"}}",
	    "requests.request_id is missing");

	refused("no requests", "{\"notifications\":{" OP "}}", "missing \"requests\" object");
	refused("no notifications", "{\"requests\":{" REQ "}}", "missing \"notifications\" object");
	refused("requests null", "{\"requests\":null,\"notifications\":{" OP "}}",
	    "missing \"requests\" object");
	refused("empty object", "{}", "missing \"requests\" object");
	refused("requests an array", "{\"requests\":[{" REQ "}],\"notifications\":{" OP "}}",
	    "\"requests\" must be an object");
	refused("notifications an array (not one object)",
	    "{\"requests\":{" REQ "},\"notifications\":[{" OP "}]}",
	    "\"notifications\" must be an object");
	refused("notifications a string", "{\"requests\":{" REQ "},\"notifications\":\"x\"}",
	    "\"notifications\" must be an object");

	/* Trailing data: whitespace is fine, anything else is not. */
	CHECK(parse(" \r\n{\"requests\":{" REQ "},\"notifications\":{" OP "}} \r\n\t", &ev) == 0,
	    "surrounding whitespace accepted (err \"%s\")", err);
	refused("trailing garbage", "{\"requests\":{" REQ "},\"notifications\":{" OP "}} x",
	    "not JSON");
	refused("two objects", "{\"requests\":{" REQ "},\"notifications\":{" OP "}}{}", "not JSON");
	refused("trailing '}'", "{\"requests\":{" REQ "},\"notifications\":{" OP "}}}", "not JSON");

	/* Nesting: Zoho needs 4 levels; ZOHO_WEBHOOK_MAX_DEPTH is the limit, even in ignored keys. */
	{
		struct buf d = { 0 };
		int depth;
		for (depth = ZOHO_WEBHOOK_MAX_DEPTH - 2; depth <= ZOHO_WEBHOOK_MAX_DEPTH - 1; depth++) {
			int k;
			/* top object + requests object + depth arrays */
			d.len = 0;
			buf_add(&d, "{\"requests\":{" REQ ",\"x\":");
			for (k = 0; k < depth; k++)
				buf_add(&d, "[");
			for (k = 0; k < depth; k++)
				buf_add(&d, "]");
			buf_add(&d, "},\"notifications\":{" OP "}}");
			if (depth == ZOHO_WEBHOOK_MAX_DEPTH - 2)
				CHECK(parse(d.s, &ev) == 0, "nesting of %d levels accepted (err \"%s\")",
				    depth + 2, err);
			else
				refused("nesting one level too deep", d.s, "nesting too deep");
		}
		free(d.s);
	}
	b = malloc(200001);
	if (b == NULL)
		abort();
	b[0] = '{';
	memcpy(b + 1, "\"a\":", 4);
	for (i = 5; i < 200000; i++)
		b[i] = '[';
	b[200000] = '\0';
	refused("200000 nested arrays", b, "nesting too deep");
	free(b);

	/* Duplicate keys: the last one counts (json-c). */
	CHECK(parse("{\"requests\":{\"request_id\":1,\"request_id\":2},\"notifications\":{" OP "}}",
	    &ev) == 0 && strcmp(ev.request_id, "2") == 0, "duplicate key: last value counts");

	/* err may be NULL or tiny. */
	CHECK(zoho_webhook_parse("x", 1, &ev, NULL, 0) == -1, "NULL err accepted");
	{
		char tiny[4] = "zzz";
		CHECK(zoho_webhook_parse("x", 1, &ev, tiny, sizeof tiny) == -1 &&
		    strlen(tiny) == 3, "a short err buffer gets a truncated message");
	}
	CHECK(zoho_webhook_parse(sample, strlen(sample), NULL, err, sizeof err) == -1,
	    "NULL out refused");
	/* len is honoured: the sample cut before its last '}' is incomplete. */
	refused_len("length shorter than the text", sample, strlen(sample) - 2, "not JSON");
}

static void
test_dedupe(void)
{
	struct zoho_webhook_event ev;
	char key[ZOHO_WEBHOOK_DEDUPE_KEY_SIZE], small[20];
	char notif[256];

	CHECK(parse2(REQ, OP, &ev) == 0, "minimal event");
	zoho_webhook_dedupe_key(&ev, key, sizeof key);
	CHECK_STR(key, "123456789012345679:RequestViewed::", "dedupe key with empty parts");

	snprintf(notif, sizeof notif, "\"operation_type\":\"%064d\",\"action_id\":9223372036854775807,"
	    "\"performed_at\":9223372036854775807", 1);
	CHECK(parse2("\"request_id\":9223372036854775807", notif, &ev) == 0, "longest key fields");
	zoho_webhook_dedupe_key(&ev, key, sizeof key);
	CHECK(strlen(key) == ZOHO_WEBHOOK_DEDUPE_KEY_SIZE - 1, "longest key fills ZOHO_WEBHOOK_DEDUPE_KEY_SIZE exactly");

	memset(small, 'z', sizeof small);
	zoho_webhook_dedupe_key(&ev, small, sizeof small);
	CHECK(small[0] == '\0', "key that does not fit -> \"\", not a truncated key");

	/* Deliveries of different events differ in their key. */
	{
		struct zoho_webhook_event a, b;
		char ka[ZOHO_WEBHOOK_DEDUPE_KEY_SIZE], kb[ZOHO_WEBHOOK_DEDUPE_KEY_SIZE];
		CHECK(parse2(REQ, "\"operation_type\":\"RequestSigningSuccess\",\"action_id\":11,"
		    "\"performed_at\":1000", &a) == 0 &&
		    parse2(REQ, "\"operation_type\":\"RequestSigningSuccess\",\"action_id\":12,"
		    "\"performed_at\":1000", &b) == 0, "two signers' events");
		zoho_webhook_dedupe_key(&a, ka, sizeof ka);
		zoho_webhook_dedupe_key(&b, kb, sizeof kb);
		CHECK(strcmp(ka, kb) != 0, "two signers' events have different keys");
		CHECK(parse2(REQ, "\"operation_type\":\"RequestSigningSuccess\",\"action_id\":11,"
		    "\"performed_at\":1000,\"activity\":\"again\"", &b) == 0, "repeated delivery");
		zoho_webhook_dedupe_key(&b, kb, sizeof kb);
		CHECK_STR(kb, ka, "a repeated delivery has the same key");
	}
}

int
main(void)
{
	test_sample();
	test_operations();
	test_ids();
	test_documents();
	test_text();
	test_structure();
	test_dedupe();
	return CHECK_DONE();
}
