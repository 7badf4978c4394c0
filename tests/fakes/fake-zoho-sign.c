/*
 * fake-zoho-sign: the Zoho Sign API v1 (/api/v1/...) as tests/fakes/API.md (Zoho Sign) describes
 * it, with state under $FAKE_DIR/zoho and the access tokens fake-zoho-accounts issued.
 * Ids are 17-18 digit integers, kept as int64 JSON tokens from file to answer.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "fake_form.h"
#include "fake_json.h"
#include "fake_pdf.h"
#include "fake_serve.h"
#include "fake_store.h"

#define ZJSON "application/json;charset=UTF-8"
/* Inferred: the codes Zoho uses for these failures are undocumented. */
#define CODE_INVALID 9043
#define CODE_TOKEN 9041
#define CODE_ALREADY_SUBMITTED 12008 /* documented: DOCUMENT_ALREADY_SUBMITTED */

#define FIRST_REQUEST_ID 234567890123456789LL /* beyond 2^53: a double would change them */
#define FIRST_ACTION_ID 345678901234567891LL
#define FIRST_DOCUMENT_ID 45678901234567891LL

static void
sign_fail(struct fake_resp *resp, int status, int code, const char *message)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "code", json_object_new_int(code));
	json_object_object_add(o, "message", json_object_new_string(message));
	json_object_object_add(o, "status", json_object_new_string("failure"));
	fake_respond_json(resp, status, ZJSON, o);
}

/* The failure envelope for an HTTP status (inferred codes, except the token's). */
static void
sign_error(struct fake_resp *resp, int status, const char *detail, long retry_after)
{
	(void)retry_after;
	if (status == 401)
		sign_fail(resp, status, CODE_TOKEN, "Invalid Oauth token");
	else if (status == 429)
		sign_fail(resp, status, 9029, "API rate limit exceeded");
	else if (status == 413)
		sign_fail(resp, status, 9018, "File size more than allowed size");
	else
		sign_fail(resp, status, status >= 500 ? 9999 : status == 404 ? 9004 : CODE_INVALID, detail);
}

static struct json_object *
success(const char *message)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "code", json_object_new_int(0));
	json_object_object_add(o, "status", json_object_new_string("success"));
	json_object_object_add(o, "message", json_object_new_string(message));
	return o;
}

static void
sign_ok(struct fake_resp *resp, const char *message, const char *key, struct json_object *value)
{
	struct json_object *o = success(message);

	json_object_object_add(o, key, value);
	fake_respond_json(resp, 200, ZJSON, o);
}

static struct json_object *
read_by_id(const char *dir, const char *id)
{
	char rel[128];

	snprintf(rel, sizeof rel, "zoho/%s/%s.json", dir, id);
	return fake_read_json(rel);
}

static void
write_request(struct json_object *request)
{
	char rel[128];

	snprintf(rel, sizeof rel, "zoho/requests/%s.json", fake_json_id(request, "request_id"));
	fake_write_json(rel, request);
}

/* What clients see of a stored request: all but the keys starting with '_'. */
static struct json_object *
public_request(struct json_object *stored)
{
	struct json_object *o = json_object_new_object();

	json_object_object_foreach(stored, key, val) {
		if (key[0] != '_')
			json_object_object_add(o, key, json_object_get(val));
	}
	return o;
}

/* ---- templates ---- */

static void
get_template(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	struct json_object *tmpl = read_by_id("templates", id);

	(void)req;
	if (tmpl == NULL) /* inferred: status and code for an unknown id are undocumented */
		sign_fail(resp, 404, 9004, "Template does not exist");
	else
		sign_ok(resp, "Template details retrieved successfully", "templates", tmpl);
}

/* Where the value of a field of this category goes in field_data; NULL when unknown. */
static const char *
data_key_for(const char *category)
{
	static const char *const map[][2] = {
		{"textfield", "field_text_data"},
		{"datefield", "field_date_data"},
		{"checkbox", "field_boolean_data"},
		{"dropdown", "field_text_data"},
		{"radiogroup", "field_radio_data"},
	};
	size_t i;

	for (i = 0; category != NULL && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(category, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* Calls fn on every field of every document of the template until it returns non-zero. */
static struct json_object *
each_field(struct json_object *tmpl, int (*fn)(struct json_object *field, void *arg), void *arg)
{
	struct json_object *docs = fake_json_get(tmpl, "document_fields");
	size_t d, f;

	for (d = 0; json_object_is_type(docs, json_type_array) && d < json_object_array_length(docs); d++) {
		struct json_object *fields = fake_json_get(json_object_array_get_idx(docs, d), "fields");

		for (f = 0; json_object_is_type(fields, json_type_array) && f < json_object_array_length(fields); f++) {
			struct json_object *field = json_object_array_get_idx(fields, f);

			if (fn(field, arg))
				return field;
		}
	}
	return NULL;
}

static int
field_named(struct json_object *field, void *key)
{
	const char *name = fake_json_str(field, "field_name"), *label = fake_json_str(field, "field_label");

	return (name && strcmp(name, key) == 0) || (label && strcmp(label, key) == 0);
}

struct mandatory_check {
	struct json_object *field_data;
	char *why;
	size_t whylen;
};

/* Is a mandatory field the sender can fill (signers fill the others) left empty? */
static int
mandatory_unfilled(struct json_object *field, void *arg)
{
	struct mandatory_check *c = arg;
	const char *want = data_key_for(fake_json_str(field, "field_category"));
	const char *name = fake_json_str(field, "field_name"), *label = fake_json_str(field, "field_label");
	struct json_object *sub, *v = NULL;

	if (!json_object_get_boolean(fake_json_get(field, "is_mandatory")) || want == NULL ||
	    fake_json_text(field, "default_value") != NULL)
		return 0;
	sub = fake_json_get(c->field_data, want);
	if (name != NULL)
		v = fake_json_get(sub, name);
	if (v == NULL && label != NULL)
		v = fake_json_get(sub, label);
	if ((json_object_is_type(v, json_type_string) && *json_object_get_string(v) != '\0') ||
	    (json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v)))
		return 0;
	snprintf(c->why, c->whylen, "Mandatory field %s is not filled", name ? name : "?");
	return 1;
}

static int
check_field_data(struct json_object *tmpl, struct json_object *field_data, char *why, size_t whylen)
{
	struct mandatory_check mc = {field_data, why, whylen};

	if (field_data != NULL && !json_object_is_type(field_data, json_type_object)) {
		snprintf(why, whylen, "field_data must be an object");
		return -1;
	}
	if (field_data != NULL) {
		json_object_object_foreach(field_data, sub, values) {
			if (!json_object_is_type(values, json_type_object)) {
				snprintf(why, whylen, "field_data.%s must be an object", sub);
				return -1;
			}
			json_object_object_foreach(values, key, val) {
				struct json_object *field = each_field(tmpl, field_named, key);
				const char *want = data_key_for(fake_json_str(field, "field_category"));
				int boolean = strcmp(sub, "field_boolean_data") == 0;

				if (field == NULL) {
					snprintf(why, whylen, "Field %s does not exist in the template", key);
					return -1;
				}
				if (want != NULL && strcmp(want, sub) != 0) {
					snprintf(why, whylen, "Field %s belongs in %s", key, want);
					return -1;
				}
				if (!json_object_is_type(val, boolean ? json_type_boolean : json_type_string)) {
					snprintf(why, whylen, "Field %s must be a %s", key, boolean ? "boolean" : "string");
					return -1;
				}
			}
		}
	}
	return each_field(tmpl, mandatory_unfilled, &mc) != NULL ? -1 : 0;
}

/* The template's action with this id, or NULL. */
static struct json_object *
template_action(struct json_object *tmpl, const char *id)
{
	struct json_object *actions = fake_json_get(tmpl, "actions");
	size_t i;

	for (i = 0; i < json_object_array_length(actions); i++) {
		struct json_object *a = json_object_array_get_idx(actions, i);
		const char *aid = fake_json_id(a, "action_id");

		if (aid != NULL && strcmp(aid, id) == 0)
			return a;
	}
	return NULL;
}

static int
check_actions(struct json_object *tmpl, struct json_object *actions, char *why, size_t whylen)
{
	size_t i, j, n = json_object_array_length(fake_json_get(tmpl, "actions"));

	if (!json_object_is_type(actions, json_type_array) || json_object_array_length(actions) != n) {
		snprintf(why, whylen, "actions must list the template's %zu action(s)", n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(actions, i), *ta;
		const char *id = fake_json_id(a, "action_id"), *email = fake_json_str(a, "recipient_email");
		const char *type = fake_json_str(a, "action_type");

		if (id == NULL) {
			snprintf(why, whylen, "actions[%zu]: action_id is required", i);
			return -1;
		}
		if ((ta = template_action(tmpl, id)) == NULL) {
			snprintf(why, whylen, "actions[%zu]: invalid action_id %s", i, id);
			return -1;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(fake_json_id(json_object_array_get_idx(actions, j), "action_id"), id) == 0) {
				snprintf(why, whylen, "actions[%zu]: action_id %s given twice", i, id);
				return -1;
			}
		}
		if (fake_json_text(a, "recipient_name") == NULL || email == NULL || strchr(email, '@') == NULL) {
			snprintf(why, whylen, "actions[%zu]: recipient_name and a valid recipient_email are required", i);
			return -1;
		}
		if (type != NULL && strcmp(type, fake_json_str(ta, "action_type")) != 0) {
			snprintf(why, whylen, "actions[%zu]: action_type must be %s", i, fake_json_str(ta, "action_type"));
			return -1;
		}
		/* Inferred: the template fixes the order; a request that reorders it is refused here so
		 * that a test sees it. */
		if (fake_json_get(a, "signing_order") != NULL &&
		    json_object_get_int64(fake_json_get(a, "signing_order")) !=
		    json_object_get_int64(fake_json_get(ta, "signing_order"))) {
			snprintf(why, whylen, "actions[%zu]: signing_order must be the template's", i);
			return -1;
		}
	}
	return 0;
}

/* Checks data={"templates":{...}} against the template; -1 with the reason in why. */
static int
check_document(struct json_object *tmpl, struct json_object *doc, char *why, size_t whylen)
{
	struct json_object *t = fake_json_get(doc, "templates");

	if (!json_object_is_type(t, json_type_object)) {
		snprintf(why, whylen, "data must be {\"templates\":{...}}");
		return -1;
	}
	if (fake_json_text(t, "request_name") == NULL) {
		snprintf(why, whylen, "request_name is required");
		return -1;
	}
	if (fake_json_get(t, "notes") != NULL && fake_json_str(t, "notes") == NULL) {
		snprintf(why, whylen, "notes must be a string");
		return -1;
	}
	if (check_actions(tmpl, fake_json_get(t, "actions"), why, whylen) == -1)
		return -1;
	return check_field_data(tmpl, fake_json_get(t, "field_data"), why, whylen);
}

/* The request a valid createdocument makes, with new request, action and document ids. */
static struct json_object *
new_request(struct json_object *tmpl, const char *template_id, struct json_object *doc, int quick)
{
	struct json_object *t = fake_json_get(doc, "templates"), *r = json_object_new_object();
	struct json_object *actions = json_object_new_array(), *docs = json_object_new_array();
	struct json_object *tdocs = fake_json_get(tmpl, "document_ids"), *received = json_object_new_object();
	int64_t now = fake_now_ms();
	size_t i;

	json_object_object_add(r, "request_id", json_object_new_int64(fake_next_id("zoho/request_id", FIRST_REQUEST_ID)));
	json_object_object_add(r, "request_name", json_object_get(fake_json_get(t, "request_name")));
	json_object_object_add(r, "request_status", json_object_new_string(quick ? "inprogress" : "draft"));
	json_object_object_add(r, "notes", json_object_new_string(fake_json_str(t, "notes") ? fake_json_str(t, "notes") : ""));
	json_object_object_add(r, "owner_email", json_object_new_string("owner@example.com"));
	json_object_object_add(r, "is_sequential", json_object_new_boolean(json_object_get_boolean(fake_json_get(tmpl, "is_sequential"))));
	json_object_object_add(r, "created_time", json_object_new_int64(now));
	json_object_object_add(r, "modified_time", json_object_new_int64(now));
	for (i = 0; i < json_object_array_length(fake_json_get(t, "actions")); i++) {
		struct json_object *in = json_object_array_get_idx(fake_json_get(t, "actions"), i);
		struct json_object *ta = template_action(tmpl, fake_json_id(in, "action_id"));
		struct json_object *a = json_object_new_object();

		json_object_object_add(a, "action_id", json_object_new_int64(fake_next_id("zoho/action_id", FIRST_ACTION_ID)));
		json_object_object_add(a, "action_type", json_object_get(fake_json_get(ta, "action_type")));
		json_object_object_add(a, "action_status", json_object_new_string("UNOPENED"));
		json_object_object_add(a, "recipient_email", json_object_get(fake_json_get(in, "recipient_email")));
		json_object_object_add(a, "recipient_name", json_object_get(fake_json_get(in, "recipient_name")));
		json_object_object_add(a, "role", json_object_get(fake_json_get(ta, "role")));
		json_object_object_add(a, "signing_order", json_object_get(fake_json_get(ta, "signing_order")));
		json_object_array_add(actions, a);
	}
	json_object_object_add(r, "actions", actions);
	for (i = 0; json_object_is_type(tdocs, json_type_array) && i < json_object_array_length(tdocs); i++) {
		struct json_object *d = json_object_new_object();

		json_object_object_add(d, "document_id", json_object_new_int64(fake_next_id("zoho/document_id", FIRST_DOCUMENT_ID)));
		json_object_object_add(d, "document_name", json_object_get(fake_json_get(json_object_array_get_idx(tdocs, i), "document_name")));
		json_object_object_add(d, "total_pages", json_object_new_int(1));
		json_object_array_add(docs, d);
	}
	json_object_object_add(r, "document_ids", docs);
	json_object_object_add(r, "field_data", fake_json_copy(fake_json_get(t, "field_data")));
	json_object_object_add(received, "template_id", json_object_new_string(template_id));
	json_object_object_add(received, "is_quicksend", json_object_new_boolean(quick));
	json_object_object_add(received, "data", json_object_get(doc));
	json_object_object_add(r, "_received", received);
	return r;
}

static void
post_createdocument(const struct fake_req *req, struct fake_resp *resp, const char *template_id)
{
	struct json_object *tmpl = read_by_id("templates", template_id), *doc = NULL, *request;
	char *data = NULL, *quick = NULL, why[512];

	if (tmpl == NULL) {
		sign_fail(resp, 404, 9004, "Template does not exist");
		return;
	}
	/* Zoho also takes multipart; our client sends urlencoded, so the fake takes only that. */
	if (!fake_content_type_is(req, "application/x-www-form-urlencoded")) {
		sign_fail(resp, 400, CODE_INVALID, "Content-Type must be application/x-www-form-urlencoded");
		goto out;
	}
	data = fake_form_get(req->body, req->body_len, "data");
	quick = fake_form_get(req->body, req->body_len, "is_quicksend");
	if (data == NULL || (doc = fake_json_parse(data, strlen(data))) == NULL) {
		sign_fail(resp, 400, CODE_INVALID, "data must be a JSON object");
		goto out;
	}
	if (quick != NULL && strcmp(quick, "true") != 0 && strcmp(quick, "false") != 0) {
		sign_fail(resp, 400, CODE_INVALID, "is_quicksend must be true or false");
		goto out;
	}
	if (check_document(tmpl, doc, why, sizeof why) == -1) {
		sign_fail(resp, 400, CODE_INVALID, why);
		goto out;
	}
	request = new_request(tmpl, template_id, doc, quick != NULL && strcmp(quick, "true") == 0);
	write_request(request);
	sign_ok(resp, quick != NULL && strcmp(quick, "true") == 0 ? "Document has been sent" :
	    "Document has been created", "requests", public_request(request));
	json_object_put(request);
out:
	json_object_put(doc);
	json_object_put(tmpl);
	free(data);
	free(quick);
}

/* ---- requests ---- */

static void
get_request(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	struct json_object *request = read_by_id("requests", id);

	(void)req;
	if (request == NULL) {
		sign_fail(resp, 404, 9004, "Request does not exist");
		return;
	}
	sign_ok(resp, "Request details retrieved successfully", "requests", public_request(request));
	json_object_put(request);
}

/* Moves a request from one status to another (submit a draft, recall one in progress). */
static void
change_status(struct fake_resp *resp, const char *id, const char *from, const char *to,
    const char *message)
{
	struct json_object *request = read_by_id("requests", id);
	const char *status = fake_json_str(request, "request_status");

	if (request == NULL) {
		sign_fail(resp, 404, 9004, "Request does not exist");
		return;
	}
	if (status == NULL || strcmp(status, from) != 0) {
		sign_fail(resp, 400, strcmp(from, "draft") == 0 ? CODE_ALREADY_SUBMITTED : CODE_INVALID,
		    strcmp(from, "draft") == 0 ? "Document already submitted" : "Document cannot be recalled");
	} else {
		json_object_object_add(request, "request_status", json_object_new_string(to));
		json_object_object_add(request, "modified_time", json_object_new_int64(fake_now_ms()));
		write_request(request);
		sign_ok(resp, message, "requests", public_request(request));
	}
	json_object_put(request);
}

static void
post_submit(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	(void)req;
	change_status(resp, id, "draft", "inprogress", "Document submitted successfully");
}

static void
post_recall(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	(void)req;
	change_status(resp, id, "inprogress", "recalled", "Document has been recalled");
}

static int
query_true(const struct fake_req *req, const char *key)
{
	char *v = fake_query(req, key);
	int yes = v != NULL && strcmp(v, "true") == 0;

	free(v);
	return yes;
}

/* A file name for Content-Disposition: printable ASCII without quotes or backslashes. */
static void
disposition(struct fake_resp *resp, const char *name, const char *ext)
{
	char clean[200];
	size_t i;

	snprintf(clean, sizeof clean, "%s", name ? name : "document");
	for (i = 0; clean[i]; i++)
		if (!isprint((unsigned char)clean[i]) || clean[i] == '"' || clean[i] == '\\')
			clean[i] = '_';
	fake_header(resp, "Content-Disposition: attachment; filename=\"%s.%s\"", clean, ext);
}

static void
get_pdf(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	struct json_object *request = read_by_id("requests", id), *docs;
	int coc = query_true(req, "with_coc");
	const char *name = fake_json_str(request, "request_name");
	struct fbuf out = {0};
	size_t i, n;

	if (request == NULL) {
		sign_fail(resp, 404, 9004, "Request does not exist");
		return;
	}
	docs = fake_json_get(request, "document_ids");
	n = json_object_is_type(docs, json_type_array) ? json_object_array_length(docs) : 0;
	if (n > 1 && !query_true(req, "merge")) { /* several documents: a ZIP, one PDF each */
		struct fake_zip_entry entries[41];
		struct fbuf files[41], names[41];
		size_t k;

		memset(files, 0, sizeof files);
		memset(names, 0, sizeof names);
		for (k = 0; k < n && k < 40; k++) {
			struct json_object *d = json_object_array_get_idx(docs, k);

			fbuf_addf(&names[k], "%s/%s", id, fake_json_id(d, "document_id"));
			fake_pdf(&files[k], names[k].data, fake_json_str(d, "document_name"), 0);
			fbuf_reset(&names[k]);
			fbuf_addf(&names[k], "%s.pdf", fake_json_str(d, "document_name"));
			entries[k] = (struct fake_zip_entry){names[k].data, &files[k]};
		}
		if (coc) {
			fake_pdf(&files[k], id, FAKE_PDF_COC_MARKER, 1);
			fbuf_adds(&names[k], "Completion Certificate.pdf");
			entries[k] = (struct fake_zip_entry){names[k].data, &files[k]};
			k++;
		}
		fake_zip(&out, entries, k);
		for (i = 0; i < k; i++) {
			fbuf_free(&files[i]);
			fbuf_free(&names[i]);
		}
		disposition(resp, name, "zip");
		fake_respond(resp, 200, "application/zip", out.data, out.len);
	} else {
		fake_pdf(&out, id, name ? name : "", coc);
		disposition(resp, name, "pdf");
		fake_respond(resp, 200, "application/pdf", out.data, out.len);
	}
	fbuf_free(&out);
	json_object_put(request);
}

/* Does hay contain needle, ignoring ASCII case? */
static int
contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay != NULL && *hay; hay++) {
		size_t i = 0;

		while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
			i++;
		if (i == n)
			return 1;
	}
	return n == 0;
}

/*
 * GET /requests or /templates with data={"page_context":{row_count, start_index,
 * search_columns:{<name_key>:text}}} (search_columns also taken beside page_context),
 * newest first.
 */
static void
serve_list(const struct fake_req *req, struct fake_resp *resp, const char *dir, const char *name_key)
{
	char *data = fake_query(req, "data"), rel[64];
	struct json_object *q = data ? fake_json_parse(data, strlen(data)) : NULL;
	struct json_object *pc = fake_json_get(q, "page_context"), *search, *ids, *o;
	struct json_object *items = json_object_new_array(), *page = json_object_new_object();
	int64_t rows = 100, start = 1, total = 0;
	const char *text;
	size_t i;

	snprintf(rel, sizeof rel, "zoho/%s", dir);
	ids = fake_list(rel);
	if (data != NULL && q == NULL) {
		sign_fail(resp, 400, CODE_INVALID, "data must be JSON");
		goto out;
	}
	fake_json_int(pc, "row_count", &rows);
	fake_json_int(pc, "start_index", &start);
	if (start < 1) /* 1-based; the PHP SDK sends 0 */
		start = 1;
	search = fake_json_get(pc, "search_columns");
	if (search == NULL)
		search = fake_json_get(q, "search_columns");
	text = fake_json_str(search, name_key);
	for (i = json_object_array_length(ids); i-- > 0;) {
		struct json_object *item = read_by_id(dir, json_object_get_string(json_object_array_get_idx(ids, i)));

		if (item != NULL && contains(fake_json_str(item, name_key), text ? text : "") &&
		    ++total >= start && total < start + rows)
			json_object_array_add(items, public_request(item));
		json_object_put(item);
	}
	json_object_object_add(page, "row_count", json_object_new_int64((int64_t)json_object_array_length(items)));
	json_object_object_add(page, "start_index", json_object_new_int64(start));
	json_object_object_add(page, "total_count", json_object_new_int64(total));
	json_object_object_add(page, "has_more_rows", json_object_new_boolean(start + rows - 1 < total));
	json_object_object_add(page, "sort_column", json_object_new_string("created_time"));
	json_object_object_add(page, "sort_order", json_object_new_string("DESC"));
	snprintf(rel, sizeof rel, "%s list retrieved successfully", dir);
	o = success(rel);
	json_object_object_add(o, dir, json_object_get(items));
	json_object_object_add(o, "page_context", json_object_get(page));
	fake_respond_json(resp, 200, ZJSON, o);
out:
	json_object_put(items);
	json_object_put(page);
	json_object_put(ids);
	json_object_put(q);
	free(data);
}

static void
list_requests(const struct fake_req *req, struct fake_resp *resp, const char *cap)
{
	(void)cap;
	serve_list(req, resp, "requests", "request_name");
}

static void
list_templates(const struct fake_req *req, struct fake_resp *resp, const char *cap)
{
	(void)cap;
	serve_list(req, resp, "templates", "template_name");
}

static const struct fake_endpoint endpoints[] = {
	{"GET", "/api/v1/templates", list_templates},
	{"GET", "/api/v1/templates/{n}", get_template},
	{"POST", "/api/v1/templates/{n}/createdocument", post_createdocument},
	{"GET", "/api/v1/requests", list_requests},
	{"GET", "/api/v1/requests/{n}", get_request},
	{"GET", "/api/v1/requests/{n}/pdf", get_pdf},
	{"POST", "/api/v1/requests/{n}/submit", post_submit},
	{"POST", "/api/v1/requests/{n}/recall", post_recall},
};

/* A token fake-zoho-accounts issued ("token expiry" lines) and that has not expired. */
static int
authorized(const struct fake_req *req)
{
	static const char prefix[] = "Zoho-oauthtoken ";
	const char *token = req->authorization + sizeof prefix - 1;
	char expiry[32];

	return strncmp(req->authorization, prefix, sizeof prefix - 1) == 0 && *token != '\0' &&
	    strchr(token, ' ') == NULL &&
	    fake_find_line("accounts/access_tokens", token, expiry, sizeof expiry) &&
	    strtoll(expiry, NULL, 10) > (long long)time(NULL);
}

static void
sign_handle(const struct fake_req *req, struct fake_resp *resp)
{
	if (!authorized(req))
		sign_error(resp, 401, "Invalid Oauth token", -1);
	else
		fake_dispatch(req, resp, endpoints, sizeof endpoints / sizeof endpoints[0], sign_error);
}

int
main(void)
{
	static const struct fake_service services[] = {
		{"sign", "", sign_handle, sign_error, "zoho/rate_limit", 50, 60000},
	};

	return fake_serve("fake-zoho-sign", services, 1);
}
