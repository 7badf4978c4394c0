/*
 * fake-kommo: the Kommo API v4 (/api/v4/...) and its file drive (/drive/v1.0/...) as
 * tests/fakes/API.md (Kommo) describes them, with state under $FAKE_DIR/kommo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "fake_json.h"
#include "fake_kommo_oauth.h"
#include "fake_serve.h"
#include "fake_store.h"

#define HAL "application/hal+json"
#define PROBLEM "application/problem+json"
#define MAX_FILE_SIZE 314572800LL /* the value seen in Kommo's answers */
#define MAX_BATCH 250             /* entities per write */

static const char *
status_title(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 402: return "Payment Required";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}

static struct json_object *
problem(int status, const char *detail)
{
	struct json_object *o = json_object_new_object();
	char type[64];

	snprintf(type, sizeof type, "https://httpstatus.es/%d", status);
	json_object_object_add(o, "title", json_object_new_string(status_title(status)));
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	return o;
}

/* Kommo's error shape; the drive answers the same way (inferred: undocumented). */
static void
kommo_error(struct fake_resp *resp, int status, const char *detail, long retry_after)
{
	struct json_object *o = problem(status, detail);

	if (status == 429)
		json_object_object_add(o, "retry_after", json_object_new_int64(retry_after < 0 ? 1 : retry_after));
	if (status >= 500) {
		char trace[33];

		fake_random_hex(trace, 16);
		json_object_object_add(o, "trace_id", json_object_new_string(trace));
	}
	fake_respond_json(resp, status, PROBLEM, o);
}

/* Adds one entry to validation-errors, grouped by request_id as Kommo does. */
static void
invalid(struct json_object **list, size_t index, const char *code, const char *path,
    const char *detail)
{
	struct json_object *entry = NULL, *err = json_object_new_object();
	char rid[24];
	size_t i;

	snprintf(rid, sizeof rid, "%zu", index);
	if (*list == NULL)
		*list = json_object_new_array();
	for (i = 0; i < json_object_array_length(*list) && entry == NULL; i++) {
		struct json_object *e = json_object_array_get_idx(*list, i);

		if (strcmp(fake_json_str(e, "request_id"), rid) == 0)
			entry = e;
	}
	if (entry == NULL) {
		entry = json_object_new_object();
		json_object_object_add(entry, "request_id", json_object_new_string(rid));
		json_object_object_add(entry, "errors", json_object_new_array());
		json_object_array_add(*list, entry);
	}
	json_object_object_add(err, "code", json_object_new_string(code));
	json_object_object_add(err, "path", json_object_new_string(path));
	json_object_object_add(err, "detail", json_object_new_string(detail));
	json_object_array_add(fake_json_get(entry, "errors"), err);
}

/* Answers 400 with the collected validation errors, if any; returns 1 when it did. */
static int
refuse_invalid(struct fake_resp *resp, struct json_object *list)
{
	struct json_object *o;

	if (list == NULL)
		return 0;
	o = problem(400, "Request validation failed");
	json_object_object_add(o, "validation-errors", list);
	fake_respond_json(resp, 400, PROBLEM, o);
	return 1;
}

/*
 * The body as JSON of the wanted type, sent as application/json; otherwise answers 400
 * and returns NULL (the exact answer to a wrong content type is inferred).
 */
static struct json_object *
body_json(const struct fake_req *req, struct fake_resp *resp, enum json_type want)
{
	struct json_object *body, *list = NULL;
	size_t n;

	if (!fake_content_type_is(req, "application/json")) {
		invalid(&list, 0, "InvalidType", "", "Content-Type must be application/json");
		refuse_invalid(resp, list);
		return NULL;
	}
	body = fake_json_parse(req->body, req->body_len);
	if (!json_object_is_type(body, want)) {
		invalid(&list, 0, "InvalidType", "",
		    want == json_type_array ? "The body must be a JSON array" : "The body must be a JSON object");
		refuse_invalid(resp, list);
		json_object_put(body);
		return NULL;
	}
	n = want == json_type_array ? json_object_array_length(body) : 1;
	if (n == 0 || n > MAX_BATCH) {
		invalid(&list, 0, "InvalidCount", "", "Between 1 and 250 entities per request");
		refuse_invalid(resp, list);
		json_object_put(body);
		return NULL;
	}
	return body;
}

static struct json_object *
read_entity(const char *kind, const char *id)
{
	char rel[256];

	snprintf(rel, sizeof rel, "kommo/%s/%s.json", kind, id);
	return fake_read_json(rel);
}

static int
lead_exists(int64_t id)
{
	char rel[64];

	snprintf(rel, sizeof rel, "kommo/leads/%lld.json", (long long)id);
	return fake_exists(rel);
}

static void
self_link(struct json_object *o, const char *path)
{
	struct json_object *links = json_object_new_object(), *self = json_object_new_object();
	char href[1024];

	snprintf(href, sizeof href, "%s%s", fake_self_url(), path);
	json_object_object_add(self, "href", json_object_new_string(href));
	json_object_object_add(links, "self", self);
	json_object_object_add(o, "_links", links);
}

/* The request_id an answer echoes: the client's own, else the index. */
static struct json_object *
request_id_of(struct json_object *item, size_t index)
{
	const char *rid = fake_json_str(item, "request_id");
	char text[24];

	if (rid != NULL)
		return json_object_new_string(rid);
	snprintf(text, sizeof text, "%zu", index);
	return json_object_new_string(text);
}

/* Wraps items as {"_links":..,"_embedded":{name:items}} and answers 200. */
static void
respond_embedded(struct fake_resp *resp, const char *path, const char *name,
    struct json_object *items, int with_total)
{
	struct json_object *o = json_object_new_object(), *emb = json_object_new_object();

	if (with_total)
		json_object_object_add(o, "_total_items",
		    json_object_new_int((int)json_object_array_length(items)));
	self_link(o, path);
	json_object_object_add(emb, name, items);
	json_object_object_add(o, "_embedded", emb);
	fake_respond_json(resp, 200, HAL, o);
}

/* Is "with" (a comma-separated list) asking for `what`? */
static int
query_with(const struct fake_req *req, const char *what)
{
	char *with = fake_query(req, "with"), *tok, *save = NULL;
	int found = 0;

	for (tok = with ? strtok_r(with, ",", &save) : NULL; tok && !found; tok = strtok_r(NULL, ",", &save))
		found = strcmp(tok, what) == 0;
	free(with);
	return found;
}

/* ---- reading ---- */

/*
 * The drive_url the account names (rel "kommo/drive_url"), or the origin of an upload
 * URL (rel "kommo/upload_origin", "kommo/next_origin"): the fake's own unless a test
 * wrote another there, to play a Kommo whose answers point elsewhere.
 */
static void
named_origin(struct fbuf *out, const char *rel)
{
	struct fbuf b = {0};

	if (fake_read(rel, &b) == 0 && b.len > 0) {
		b.data[strcspn(b.data, "\r\n")] = '\0';
		fbuf_adds(out, b.data);
	} else {
		fbuf_adds(out, fake_self_url());
	}
	fbuf_free(&b);
}

static void
get_account(const struct fake_req *req, struct fake_resp *resp, const char *cap)
{
	struct json_object *acct = fake_read_json("kommo/account.json");
	struct fbuf url = {0};

	(void)cap;
	if (acct == NULL) {
		kommo_error(resp, 500, "fixture kommo/account.json is missing", -1);
		return;
	}
	if (query_with(req, "drive_url")) {
		if (fake_exists("kommo/drive_url"))
			named_origin(&url, "kommo/drive_url");
		else
			fbuf_addf(&url, "%s/drive", fake_self_url());
		json_object_object_add(acct, "drive_url", json_object_new_string(url.data));
		fbuf_free(&url);
	}
	fake_respond_json(resp, 200, HAL, acct);
}

/* Kommo answers 204 with no body when there is no result. */
static void
serve_entity(struct fake_resp *resp, struct json_object *entity)
{
	if (entity == NULL)
		fake_respond(resp, 204, NULL, "", 0);
	else
		fake_respond_json(resp, 200, HAL, entity);
}

static void
get_lead(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	struct json_object *lead = read_entity("leads", id);

	if (lead != NULL && !query_with(req, "contacts"))
		json_object_object_del(fake_json_get(lead, "_embedded"), "contacts");
	serve_entity(resp, lead);
}

/* Query integer `key`, or dflt when absent; -1 when present but not a number. */
static long long
query_int(const struct fake_req *req, const char *key, long long dflt)
{
	char *v = fake_query(req, key), *end = NULL;
	long long n = dflt;

	if (v != NULL) {
		n = strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 0)
			n = -1;
	}
	free(v);
	return n;
}

/* Is the lead in the stage filter[statuses][i] names? -1 when there is no such entry. */
static int
lead_in_status(const struct fake_req *req, struct json_object *lead, int i)
{
	static const char *const keys[] = {"pipeline_id", "status_id"};
	int k, ok = 1;

	for (k = 0; k < 2; k++) {
		char key[64], *want;
		const char *has = fake_json_id(lead, keys[k]);

		snprintf(key, sizeof key, "filter[statuses][%d][%s]", i, keys[k]);
		if ((want = fake_query(req, key)) == NULL)
			return k == 0 ? -1 : ok;
		ok = ok && strcmp(want, has ? has : "") == 0;
		free(want);
	}
	return ok;
}

/* Does the lead pass filter[statuses][i][...] (any of them, as Kommo ORs the entries)
 * and filter[updated_at][from|to]? */
static int
lead_matches(const struct fake_req *req, struct json_object *lead, long long from, long long to)
{
	int64_t updated = 0;
	int i, in = -1, ok = 0;

	for (i = 0; !ok && (in = lead_in_status(req, lead, i)) != -1; i++)
		ok = in;
	if (i == 0) /* no stage filter */
		ok = 1;
	fake_json_int(lead, "updated_at", &updated);
	return ok && (from < 0 || updated >= from) && (to < 0 || updated <= to);
}

/* This request's address with page=N in place of its own page parameter. */
static void
next_page_href(const struct fake_req *req, long long page, char *href, size_t len)
{
	const char *p = req->query;
	size_t used = (size_t)snprintf(href, len, "%s%s?page=%lld", fake_self_url(), req->path, page);

	while (*p && used < len) {
		size_t seg = strcspn(p, "&");

		if (seg > 0 && strncmp(p, "page=", 5) != 0)
			used += (size_t)snprintf(href + used, len - used, "&%.*s", (int)seg, p);
		p += seg + (p[seg] == '&');
	}
}

/*
 * Answers one page of a list as Kommo does: _page, _links (self, and next while more
 * follow), _embedded.<name> = items (taken); with total >= 0 also _total_items and
 * _page_count for pages of limit.
 */
static void
respond_page(const struct fake_req *req, struct fake_resp *resp, const char *name,
    struct json_object *items, long long page, int more, long long total, long long limit)
{
	struct json_object *o = json_object_new_object(), *links, *next;
	char href[1024];

	if (total >= 0) {
		json_object_object_add(o, "_total_items", json_object_new_int64(total));
		json_object_object_add(o, "_page_count", json_object_new_int64((total + limit - 1) / limit));
	}
	json_object_object_add(o, "_page", json_object_new_int64(page));
	self_link(o, req->path);
	if (more) {
		next_page_href(req, page + 1, href, sizeof href);
		next = json_object_new_object();
		json_object_object_add(next, "href", json_object_new_string(href));
		json_object_object_get_ex(o, "_links", &links);
		json_object_object_add(links, "next", next);
	}
	json_object_object_add(o, "_embedded", json_object_new_object());
	json_object_object_add(json_object_object_get(o, "_embedded"), name, items);
	fake_respond_json(resp, 200, HAL, o);
}

/* GET /api/v4/leads: leads by id, filtered by one stage and an updated_at range, paged
 * with limit (at most 250) and page; 204 when the page is empty, _links.next when more
 * follow. Other filters are not modelled. */
static void
get_leads(const struct fake_req *req, struct fake_resp *resp, const char *cap)
{
	struct json_object *ids = fake_list("kommo/leads"), *out = json_object_new_array();
	long long limit = query_int(req, "limit", 50), page = query_int(req, "page", 1);
	long long from = query_int(req, "filter[updated_at][from]", -2), to = query_int(req, "filter[updated_at][to]", -2);
	long long skip, matched = 0;
	size_t i, n = json_object_array_length(ids);

	(void)cap;
	if (limit < 1 || limit > 250 || page < 1 || from == -1 || to == -1) {
		kommo_error(resp, 400, "limit must be 1..250, page 1 or more, updated_at a unix time", -1);
		goto out;
	}
	skip = (page - 1) * limit;
	for (i = 0; i < n; i++) {
		struct json_object *lead = read_entity("leads", json_object_get_string(json_object_array_get_idx(ids, i)));

		if (lead != NULL && lead_matches(req, lead, from < 0 ? -1 : from, to < 0 ? -1 : to)) {
			matched++;
			if (matched > skip && matched <= skip + limit) {
				if (!query_with(req, "contacts"))
					json_object_object_del(fake_json_get(lead, "_embedded"), "contacts");
				json_object_array_add(out, json_object_get(lead));
			}
		}
		json_object_put(lead);
	}
	if (json_object_array_length(out) == 0) {
		fake_respond(resp, 204, NULL, "", 0);
		goto out;
	}
	respond_page(req, resp, "leads", out, page, matched > skip + limit, -1, limit);
	out = NULL;
out:
	json_object_put(out);
	json_object_put(ids);
}

/*
 * One page of a whole list kept in the fixture rel (a JSON array), as Kommo pages its
 * lists: limit (default 50, at most 250) and page; _page, _page_count and _total_items;
 * _links.next while more follow; 204 with no body when the page is empty.
 */
static void
serve_list_page(const struct fake_req *req, struct fake_resp *resp, const char *rel, const char *name)
{
	struct json_object *all = fake_read_json(rel), *out;
	long long limit = query_int(req, "limit", 50), page = query_int(req, "page", 1);
	long long total = json_object_is_type(all, json_type_array) ? (long long)json_object_array_length(all) : 0;
	long long i;

	if (limit < 1 || limit > 250 || page < 1) {
		kommo_error(resp, 400, "limit must be 1..250, page 1 or more", -1);
		json_object_put(all);
		return;
	}
	if ((page - 1) * limit >= total) {
		fake_respond(resp, 204, NULL, "", 0);
		json_object_put(all);
		return;
	}
	out = json_object_new_array();
	for (i = (page - 1) * limit; i < total && i < page * limit; i++)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(all, (size_t)i)));
	respond_page(req, resp, name, out, page, page * limit < total, total, limit);
	json_object_put(all);
}

/* GET /api/v4/users: the account's users from kommo/users.json, paged. */
static void
get_users(const struct fake_req *req, struct fake_resp *resp, const char *cap)
{
	(void)cap;
	serve_list_page(req, resp, "kommo/users.json", "users");
}

/* GET /api/v4/users/{id}: that user of kommo/users.json; 204 when there is none
 * (inferred: as for a lead, contact or company that is not there). */
static void
get_user(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	struct json_object *all = fake_read_json("kommo/users.json"), *user = NULL;
	size_t i, n = json_object_is_type(all, json_type_array) ? json_object_array_length(all) : 0;

	(void)req;
	for (i = 0; i < n && user == NULL; i++) {
		struct json_object *u = json_object_array_get_idx(all, i);
		const char *uid = fake_json_id(u, "id");

		if (uid != NULL && strcmp(uid, id) == 0)
			user = json_object_get(u);
	}
	json_object_put(all);
	serve_entity(resp, user);
}

/* GET /api/v4/{leads,contacts,companies}/custom_fields from
 * kommo/custom_fields/<entity>.json, paged. */
static void
get_custom_fields(const struct fake_req *req, struct fake_resp *resp, const char *entity)
{
	char rel[64];

	if (strcmp(entity, "leads") != 0 && strcmp(entity, "contacts") != 0 &&
	    strcmp(entity, "companies") != 0) {
		kommo_error(resp, 404, "no such endpoint", -1);
		return;
	}
	snprintf(rel, sizeof rel, "kommo/custom_fields/%s.json", entity);
	serve_list_page(req, resp, rel, "custom_fields");
}

/* The lead field with this id from kommo/custom_fields/leads.json (a new reference), or NULL. */
static struct json_object *
lead_field(int64_t id)
{
	struct json_object *all = fake_read_json("kommo/custom_fields/leads.json"), *found = NULL;
	size_t i, n = json_object_is_type(all, json_type_array) ? json_object_array_length(all) : 0;

	for (i = 0; i < n && found == NULL; i++) {
		struct json_object *f = json_object_array_get_idx(all, i);
		int64_t fid;

		if (fake_json_int(f, "id", &fid) && fid == id)
			found = json_object_get(f);
	}
	json_object_put(all);
	return found;
}

/* GET /api/v4/leads/custom_fields/{id}: one field, 204 when there is none (inferred, as
 * for a lead). */
static void
get_lead_field(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	(void)req;
	serve_entity(resp, lead_field(strtoll(id, NULL, 10)));
}

static void
get_contact(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	(void)req;
	serve_entity(resp, read_entity("contacts", id));
}

static void
get_company(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	(void)req;
	serve_entity(resp, read_entity("companies", id));
}

static void
get_pipelines(const struct fake_req *req, struct fake_resp *resp, const char *cap)
{
	(void)req;
	(void)cap;
	serve_entity(resp, fake_read_json("kommo/pipelines.json"));
}

/* ---- moving leads ---- */

static const char *const int_fields[] = {"status_id", "pipeline_id", "price",
    "responsible_user_id", "loss_reason_id", "created_by", "updated_by", "closed_at"};

/* The option of a select-like field with this enum_id, or NULL. */
static struct json_object *
field_enum(struct json_object *field, int64_t enum_id)
{
	struct json_object *enums = fake_json_get(field, "enums");
	size_t i, n = json_object_is_type(enums, json_type_array) ? json_object_array_length(enums) : 0;

	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(enums, i);
		int64_t eid;

		if (fake_json_int(e, "id", &eid) && eid == enum_id)
			return e;
	}
	return NULL;
}

static int
field_is_select(struct json_object *field)
{
	const char *type = fake_json_str(field, "type");

	return type && (strcmp(type, "select") == 0 || strcmp(type, "radiobutton") == 0 ||
	    strcmp(type, "multiselect") == 0);
}

/*
 * custom_fields_values of a lead change: [{field_id, values: [{value} | {enum_id}]}],
 * the field one of the account's lead fields, a select's enum_id one of its options
 * ("field_code" and the other types' value shapes are not modelled). The value stored
 * is what a GET then shows: {field_id, field_name, field_code, field_type, values:
 * [{value, enum_id?}]}. NULL (and list filled) when refused.
 */
static struct json_object *
field_values(struct json_object *cfv, size_t index, struct json_object **list)
{
	struct json_object *out = json_object_new_array();
	size_t i, n;

	if (!json_object_is_type(cfv, json_type_array)) {
		invalid(list, index, "InvalidType", "custom_fields_values", "This value should be of type array.");
		json_object_put(out);
		return NULL;
	}
	n = json_object_array_length(cfv);
	for (i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(cfv, i), *values = fake_json_get(item, "values");
		struct json_object *field = NULL, *stored, *svalues, *v, *one;
		char path[96];
		int64_t fid, eid;
		const char *text;

		snprintf(path, sizeof path, "custom_fields_values.%zu.field_id", i);
		if (!fake_json_int(item, "field_id", &fid) || (field = lead_field(fid)) == NULL) {
			invalid(list, index, "NotFound", path, "Field not found");
			continue;
		}
		snprintf(path, sizeof path, "custom_fields_values.%zu.values", i);
		if (!json_object_is_type(values, json_type_array) || json_object_array_length(values) != 1) {
			/* one value is all the product writes; several are not modelled */
			invalid(list, index, "InvalidType", path, "fake: exactly one value is modelled");
			json_object_put(field);
			continue;
		}
		v = json_object_array_get_idx(values, 0);
		one = json_object_new_object();
		if (field_is_select(field)) {
			struct json_object *e = fake_json_int(v, "enum_id", &eid) ? field_enum(field, eid) : NULL;

			if (e == NULL) {
				snprintf(path, sizeof path, "custom_fields_values.%zu.values.0.enum_id", i);
				invalid(list, index, "InvalidEnum", path, "The value you selected is not a valid choice.");
				json_object_put(one);
				json_object_put(field);
				continue;
			}
			json_object_object_add(one, "value", json_object_new_string(fake_json_str(e, "value")));
			json_object_object_add(one, "enum_id", json_object_new_int64(eid));
		} else if ((text = fake_json_str(v, "value")) != NULL) {
			json_object_object_add(one, "value", json_object_new_string(text));
		} else {
			snprintf(path, sizeof path, "custom_fields_values.%zu.values.0.value", i);
			invalid(list, index, "InvalidType", path, "This value should be of type string.");
			json_object_put(one);
			json_object_put(field);
			continue;
		}
		stored = json_object_new_object();
		svalues = json_object_new_array();
		json_object_array_add(svalues, one);
		json_object_object_add(stored, "field_id", json_object_new_int64(fid));
		json_object_object_add(stored, "field_name", json_object_new_string(fake_json_str(field, "name") ?
		    fake_json_str(field, "name") : ""));
		json_object_object_add(stored, "field_code", NULL);
		json_object_object_add(stored, "field_type", json_object_new_string(fake_json_str(field, "type") ?
		    fake_json_str(field, "type") : ""));
		json_object_object_add(stored, "values", svalues);
		json_object_array_add(out, stored);
		json_object_put(field);
	}
	return out;
}

static void
check_field_values(struct json_object *cfv, size_t index, struct json_object **list)
{
	json_object_put(field_values(cfv, index, list));
}

/* The lead's custom_fields_values with the changed fields replaced or added. */
static void
merge_field_values(struct json_object *lead, struct json_object *cfv)
{
	struct json_object *changed = field_values(cfv, 0, &(struct json_object *){ NULL });
	struct json_object *old = fake_json_get(lead, "custom_fields_values"), *out = json_object_new_array();
	size_t i, j, n = json_object_is_type(old, json_type_array) ? json_object_array_length(old) : 0;

	for (i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(old, i);
		int64_t fid, cid;
		int replaced = 0;

		for (j = 0; changed && j < json_object_array_length(changed); j++)
			if (fake_json_int(f, "field_id", &fid) &&
			    fake_json_int(json_object_array_get_idx(changed, j), "field_id", &cid) && fid == cid)
				replaced = 1;
		if (!replaced)
			json_object_array_add(out, json_object_get(f));
	}
	for (j = 0; changed && j < json_object_array_length(changed); j++)
		json_object_array_add(out, json_object_get(json_object_array_get_idx(changed, j)));
	json_object_put(changed);
	json_object_object_add(lead, "custom_fields_values", out);
}

static void
check_patch(struct json_object *patch, size_t index, struct json_object **list)
{
	size_t i;

	if (!json_object_is_type(patch, json_type_object)) {
		invalid(list, index, "InvalidType", "", "Each lead must be an object");
		return;
	}
	for (i = 0; i < sizeof int_fields / sizeof int_fields[0]; i++) {
		struct json_object *v = fake_json_get(patch, int_fields[i]);

		if (v != NULL && !json_object_is_type(v, json_type_int))
			invalid(list, index, "InvalidType", int_fields[i], "This value should be of type int.");
	}
	if (fake_json_get(patch, "name") != NULL && fake_json_str(patch, "name") == NULL)
		invalid(list, index, "InvalidType", "name", "This value should be of type string.");
	if (fake_json_get(patch, "custom_fields_values") != NULL)
		check_field_values(fake_json_get(patch, "custom_fields_values"), index, list);
}

/* Applies the changed fields to the stored lead; returns its new updated_at, or -1. */
static int64_t
apply_patch(int64_t id, struct json_object *patch)
{
	char rel[64], key_id[24];
	struct json_object *lead;
	int64_t now = (int64_t)time(NULL);
	int rc;

	snprintf(key_id, sizeof key_id, "%lld", (long long)id);
	snprintf(rel, sizeof rel, "kommo/leads/%s.json", key_id);
	if ((lead = fake_read_json(rel)) == NULL)
		return -1;
	json_object_object_foreach(patch, key, val) {
		if (strcmp(key, "custom_fields_values") == 0)
			merge_field_values(lead, val);
		else if (strcmp(key, "id") != 0 && strcmp(key, "request_id") != 0 && key[0] != '_')
			json_object_object_add(lead, key, json_object_get(val));
	}
	json_object_object_add(lead, "updated_at", json_object_new_int64(now));
	rc = fake_write_json(rel, lead);
	json_object_put(lead);
	return rc == 0 ? now : -1;
}

/* PATCH /api/v4/leads/{id} (path_id set, body an object) or /api/v4/leads (an array). */
static void
patch_leads(const struct fake_req *req, struct fake_resp *resp, const char *path_id)
{
	struct json_object *body = body_json(req, resp, path_id ? json_type_object : json_type_array);
	struct json_object *list = NULL, *items, *out;
	size_t i, n;

	if (body == NULL)
		return;
	if (path_id != NULL) { /* the single form takes the id from the path */
		items = json_object_new_array();
		json_object_array_add(items, json_object_get(body));
		json_object_object_add(body, "id", json_object_new_int64(strtoll(path_id, NULL, 10)));
	} else {
		items = json_object_get(body);
	}
	n = json_object_array_length(items);
	for (i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(items, i);
		int64_t id;

		check_patch(item, i, &list);
		if (!fake_json_int(item, "id", &id))
			invalid(&list, i, "NotBlank", "id", "This value should not be blank.");
		else if (!lead_exists(id)) /* inferred: Kommo's answer for an unknown id is undocumented */
			invalid(&list, i, "NotFound", "id", "Lead not found");
	}
	if (refuse_invalid(resp, list))
		goto out;
	out = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(items, i), *r = json_object_new_object();
		int64_t id = 0;

		fake_json_int(item, "id", &id);
		json_object_object_add(r, "id", json_object_new_int64(id));
		json_object_object_add(r, "updated_at", json_object_new_int64(apply_patch(id, item)));
		json_object_object_add(r, "request_id", request_id_of(item, i));
		json_object_array_add(out, r);
	}
	if (path_id != NULL) {
		struct json_object *r = json_object_get(json_object_array_get_idx(out, 0));

		json_object_object_del(r, "request_id");
		self_link(r, req->path);
		fake_respond_json(resp, 200, HAL, r);
		json_object_put(out);
	} else {
		respond_embedded(resp, req->path, "leads", out, 0);
	}
out:
	json_object_put(items);
	json_object_put(body);
}

static void
patch_lead(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	patch_leads(req, resp, id);
}

static void
patch_lead_list(const struct fake_req *req, struct fake_resp *resp, const char *cap)
{
	(void)cap;
	patch_leads(req, resp, NULL);
}

/* ---- files on the drive, and links to leads ---- */

static struct json_object *
drive_file(const char *uuid)
{
	char rel[128];

	if (uuid == NULL || !fake_safe_name(uuid))
		return NULL;
	snprintf(rel, sizeof rel, "kommo/files/%s.json", uuid);
	return fake_read_json(rel);
}

/* ---- notes and tasks ---- */

struct note_type {
	const char *name;
	const char *required[4]; /* params that must be non-empty strings */
};

/* The required params of common, service_message and attachment are documented; the rest inferred. */
static const struct note_type note_types[] = {
	{"common", {"text"}},
	{"call_in", {"phone"}},
	{"call_out", {"phone"}},
	{"service_message", {"service", "text"}},
	{"extended_service_message", {"service", "text"}},
	{"geolocation", {"text", "address"}},
	{"sms_in", {"text", "phone"}},
	{"sms_out", {"text", "phone"}},
	{"attachment", {"file_uuid", "file_name"}},
};

static void
check_note(struct json_object *note, size_t index, int64_t path_lead, struct json_object **list)
{
	const char *type = fake_json_str(note, "note_type");
	struct json_object *params = fake_json_get(note, "params"), *file;
	const struct note_type *nt = NULL;
	int64_t entity_id;
	size_t i;

	if (!json_object_is_type(note, json_type_object)) {
		invalid(list, index, "InvalidType", "", "Each note must be an object");
		return;
	}
	if (!fake_json_int(note, "entity_id", &entity_id)) {
		if (path_lead == 0) {
			invalid(list, index, "NotBlank", "entity_id", "This value should not be blank.");
			return;
		}
		entity_id = path_lead;
	}
	if ((path_lead != 0 && entity_id != path_lead) || !lead_exists(entity_id))
		invalid(list, index, "NotFound", "entity_id", "Entity not found");
	for (i = 0; type != NULL && i < sizeof note_types / sizeof note_types[0]; i++)
		if (strcmp(type, note_types[i].name) == 0)
			nt = &note_types[i];
	if (nt == NULL) {
		invalid(list, index, "NotSupportedChoice", "note_type", "The value you selected is not a valid choice.");
		return;
	}
	if (!json_object_is_type(params, json_type_object)) {
		invalid(list, index, "NotBlank", "params", "This value should not be blank.");
		return;
	}
	for (i = 0; i < 4 && nt->required[i] != NULL; i++) {
		if (fake_json_text(params, nt->required[i]) == NULL) {
			char path[64];

			snprintf(path, sizeof path, "params.%s", nt->required[i]);
			invalid(list, index, "NotBlank", path, "This value should not be blank.");
		}
	}
	if (strcmp(nt->name, "attachment") == 0 && fake_json_text(params, "file_uuid") != NULL) {
		const char *version = fake_json_str(params, "version_uuid");

		if ((file = drive_file(fake_json_str(params, "file_uuid"))) == NULL)
			invalid(list, index, "NotFound", "params.file_uuid", "File not found");
		else if (version != NULL && strcmp(version, fake_json_str(file, "version_uuid")) != 0)
			invalid(list, index, "NotFound", "params.version_uuid", "File version not found");
		json_object_put(file);
	}
}

/* Assigns ids and stores each item as one line of `log`; returns what the answer lists. */
static struct json_object *
store_items(struct json_object *items, const char *counter, long long first, const char *log,
    int64_t path_lead)
{
	struct json_object *out = json_object_new_array();
	size_t i, n = json_object_array_length(items);

	for (i = 0; i < n; i++) {
		struct json_object *item = fake_json_copy(json_object_array_get_idx(items, i));
		struct json_object *r = json_object_new_object();
		int64_t id = fake_next_id(counter, first), entity_id = path_lead;

		json_object_object_add(item, "id", json_object_new_int64(id));
		if (path_lead != 0)
			json_object_object_add(item, "entity_id", json_object_new_int64(path_lead));
		fake_json_int(item, "entity_id", &entity_id);
		json_object_object_add(item, "created_at", json_object_new_int64((int64_t)time(NULL)));
		fake_append(log, fake_json_string(item));
		json_object_object_add(r, "id", json_object_new_int64(id));
		if (entity_id != 0)
			json_object_object_add(r, "entity_id", json_object_new_int64(entity_id));
		json_object_object_add(r, "request_id", request_id_of(item, i));
		json_object_array_add(out, r);
		json_object_put(item);
	}
	return out;
}

static void
add_notes(const struct fake_req *req, struct fake_resp *resp, int64_t path_lead)
{
	struct json_object *body = body_json(req, resp, json_type_array), *list = NULL;
	size_t i;

	if (body == NULL)
		return;
	for (i = 0; i < json_object_array_length(body); i++)
		check_note(json_object_array_get_idx(body, i), i, path_lead, &list);
	if (!refuse_invalid(resp, list))
		respond_embedded(resp, req->path, "notes",
		    store_items(body, "kommo/note_id", 70000001, "kommo/notes.jsonl", path_lead), 1);
	json_object_put(body);
}

static void
post_notes(const struct fake_req *req, struct fake_resp *resp, const char *cap)
{
	(void)cap;
	add_notes(req, resp, 0);
}

static void
post_lead_notes(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	add_notes(req, resp, strtoll(id, NULL, 10));
}

static void
check_task(struct json_object *task, size_t index, struct json_object **list)
{
	static const char *const optional_ints[] = {"task_type_id", "responsible_user_id", "duration"};
	const char *entity_type = fake_json_str(task, "entity_type");
	int64_t v, entity_id;
	size_t i;

	if (!json_object_is_type(task, json_type_object)) {
		invalid(list, index, "InvalidType", "", "Each task must be an object");
		return;
	}
	if (fake_json_text(task, "text") == NULL)
		invalid(list, index, "NotBlank", "text", "This value should not be blank.");
	if (!fake_json_int(task, "complete_till", &v))
		invalid(list, index, "NotBlank", "complete_till", "This value should be of type int.");
	for (i = 0; i < sizeof optional_ints / sizeof optional_ints[0]; i++)
		if (fake_json_get(task, optional_ints[i]) != NULL && !fake_json_int(task, optional_ints[i], &v))
			invalid(list, index, "InvalidType", optional_ints[i], "This value should be of type int.");
	if (fake_json_get(task, "entity_id") == NULL && entity_type == NULL)
		return;
	if (!fake_json_int(task, "entity_id", &entity_id))
		invalid(list, index, "InvalidType", "entity_id", "This value should be of type int.");
	else if (entity_type == NULL || (strcmp(entity_type, "leads") != 0 &&
	    strcmp(entity_type, "contacts") != 0 && strcmp(entity_type, "companies") != 0))
		invalid(list, index, "NotSupportedChoice", "entity_type", "The value you selected is not a valid choice.");
	else if (strcmp(entity_type, "leads") == 0 && !lead_exists(entity_id))
		invalid(list, index, "NotFound", "entity_id", "Entity not found");
}

static void
post_tasks(const struct fake_req *req, struct fake_resp *resp, const char *cap)
{
	struct json_object *body = body_json(req, resp, json_type_array), *list = NULL;
	size_t i;

	(void)cap;
	if (body == NULL)
		return;
	for (i = 0; i < json_object_array_length(body); i++)
		check_task(json_object_array_get_idx(body, i), i, &list);
	if (!refuse_invalid(resp, list))
		respond_embedded(resp, req->path, "tasks",
		    store_items(body, "kommo/task_id", 80000001, "kommo/tasks.jsonl", 0), 0);
	json_object_put(body);
}

/* ---- the lead's Files tab ---- */

static void
put_lead_files(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	struct json_object *body, *list = NULL, *out;
	size_t i, n;

	if (!lead_exists(strtoll(id, NULL, 10))) { /* inferred answer for an unknown lead */
		kommo_error(resp, 404, "Lead not found", -1);
		return;
	}
	if ((body = body_json(req, resp, json_type_array)) == NULL)
		return;
	n = json_object_array_length(body);
	for (i = 0; i < n; i++) {
		struct json_object *file = drive_file(fake_json_str(json_object_array_get_idx(body, i), "file_uuid"));

		if (file == NULL)
			invalid(&list, i, "NotFound", "file_uuid", "File not found");
		json_object_put(file);
	}
	if (refuse_invalid(resp, list)) {
		json_object_put(body);
		return;
	}
	out = json_object_new_array();
	for (i = 0; i < n; i++) {
		struct json_object *link = json_object_new_object();

		json_object_object_add(link, "id", json_object_new_int64(fake_next_id("kommo/lead_file_id", 90000001)));
		json_object_object_add(link, "lead_id", json_object_new_int64(strtoll(id, NULL, 10)));
		json_object_object_add(link, "file_uuid", json_object_new_string(
		    fake_json_str(json_object_array_get_idx(body, i), "file_uuid")));
		fake_append("kommo/lead_files.jsonl", fake_json_string(link));
		json_object_object_del(link, "lead_id");
		json_object_array_add(out, link);
	}
	respond_embedded(resp, req->path, "files", out, 0);
	json_object_put(body);
}

/* GET list of one lead's records in a .jsonl file (idkey names the lead), 204 when none. */
static void
list_for_lead(const struct fake_req *req, struct fake_resp *resp, const char *id, const char *file,
    const char *idkey, int drop_idkey, const char *name)
{
	struct json_object *out = json_object_new_array();
	struct fbuf lines = {0};
	char *line, *save = NULL;

	if (fake_read(file, &lines) == 0) {
		for (line = strtok_r(lines.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			struct json_object *item = fake_json_parse(line, strlen(line));
			const char *lead = fake_json_id(item, idkey);

			if (lead != NULL && strcmp(lead, id) == 0) {
				if (drop_idkey)
					json_object_object_del(item, idkey);
				json_object_array_add(out, json_object_get(item));
			}
			json_object_put(item);
		}
	}
	fbuf_free(&lines);
	if (json_object_array_length(out) == 0) {
		json_object_put(out);
		fake_respond(resp, 204, NULL, "", 0);
	} else {
		respond_embedded(resp, req->path, name, out, 0);
	}
}

static void
get_lead_files(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	list_for_lead(req, resp, id, "kommo/lead_files.jsonl", "lead_id", 1, "files");
}

/* GET /api/v4/leads/{id}/notes: the lead's notes, oldest first (filters and paging
 * are not modelled: tests hold few notes per lead). */
static void
get_lead_notes(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	list_for_lead(req, resp, id, "kommo/notes.jsonl", "entity_id", 0, "notes");
}

/* GET /api/v4/tasks?filter[entity_type]=leads&filter[entity_id]=N: that lead's tasks,
 * oldest first, 204 when none. Only the per-lead listing the product uses is modelled:
 * other filters are refused rather than answered wrongly. */
static void
get_tasks(const struct fake_req *req, struct fake_resp *resp, const char *unused)
{
	char *type = fake_query(req, "filter[entity_type]"), *id = fake_query(req, "filter[entity_id]");

	(void)unused;
	if (type == NULL || strcmp(type, "leads") != 0 || id == NULL || *id == '\0' ||
	    strspn(id, "0123456789") != strlen(id))
		kommo_error(resp, 400, "fake: only filter[entity_type]=leads&filter[entity_id]=N is modelled", -1);
	else
		list_for_lead(req, resp, id, "kommo/tasks.jsonl", "entity_id", 0, "tasks");
	free(type);
	free(id);
}

static const struct fake_endpoint kommo_endpoints[] = {
	{"GET", "/api/v4/account", get_account},
	{"GET", "/api/v4/leads/pipelines", get_pipelines},
	{"GET", "/api/v4/users", get_users},
	{"GET", "/api/v4/users/{n}", get_user},
	{"GET", "/api/v4/{s}/custom_fields", get_custom_fields},
	{"GET", "/api/v4/leads/custom_fields/{n}", get_lead_field},
	{"GET", "/api/v4/leads", get_leads},
	{"GET", "/api/v4/leads/{n}", get_lead},
	{"PATCH", "/api/v4/leads/{n}", patch_lead},
	{"PATCH", "/api/v4/leads", patch_lead_list},
	{"POST", "/api/v4/leads/notes", post_notes},
	{"POST", "/api/v4/leads/{n}/notes", post_lead_notes},
	{"GET", "/api/v4/leads/{n}/notes", get_lead_notes},
	{"PUT", "/api/v4/leads/{n}/files", put_lead_files},
	{"GET", "/api/v4/leads/{n}/files", get_lead_files},
	{"GET", "/api/v4/contacts/{n}", get_contact},
	{"GET", "/api/v4/companies/{n}", get_company},
	{"POST", "/api/v4/tasks", post_tasks},
	{"GET", "/api/v4/tasks", get_tasks},
};

/* Every call, the drive's parts included, carries the long-lived token (or an OAuth one). */
static int
authorized(const struct fake_req *req, struct fake_resp *resp)
{
	struct fbuf token = {0};
	char want[1024];
	int ok = 0;

	if (fake_read("kommo/token", &token) == 0) {
		token.len = strcspn(token.data, "\r\n");
		token.data[token.len] = '\0';
		snprintf(want, sizeof want, "Bearer %s", token.data);
		ok = token.len > 0 && strcmp(req->authorization, want) == 0;
	}
	fbuf_free(&token);
	ok = ok || fake_kommo_oauth_authorized(req->authorization); /* or a token issued by OAuth */
	if (!ok)
		kommo_error(resp, 401, req->authorization[0] ? "Invalid token" : "Authorization required", -1);
	return ok;
}

static void
kommo_handle(const struct fake_req *req, struct fake_resp *resp)
{
	if (authorized(req, resp))
		fake_dispatch(req, resp, kommo_endpoints, sizeof kommo_endpoints / sizeof kommo_endpoints[0],
		    kommo_error);
}

/* ---- the drive: upload sessions ---- */

static void
upload_url(struct fbuf *out, const char *token, long long part)
{
	named_origin(out, part > 0 ? "kommo/next_origin" : "kommo/upload_origin");
	fbuf_addf(out, "/drive/v1.0/upload/%s", token);
	if (part > 0)
		fbuf_addf(out, "?part=%lld", part);
}

static void
post_session(const struct fake_req *req, struct fake_resp *resp, const char *cap)
{
	struct json_object *body = body_json(req, resp, json_type_object), *session, *o;
	struct fbuf url = {0};
	const char *file_uuid;
	char token[33], rel[128];
	int64_t size;
	long long id;

	(void)cap;
	if (body == NULL)
		return;
	file_uuid = fake_json_str(body, "file_uuid");
	if (fake_json_text(body, "file_name") == NULL || !fake_json_int(body, "file_size", &size) ||
	    size <= 0 || size > MAX_FILE_SIZE ||
	    (fake_json_get(body, "content_type") != NULL && fake_json_str(body, "content_type") == NULL)) {
		kommo_error(resp, 400, "file_name and file_size (1..314572800) are required", -1);
		goto out;
	}
	if (file_uuid != NULL) { /* a new version of an existing file */
		struct json_object *existing = drive_file(file_uuid);

		json_object_put(existing);
		if (existing == NULL) {
			kommo_error(resp, 400, "file_uuid: no such file", -1);
			goto out;
		}
	}
	fake_random_hex(token, 16);
	id = fake_next_id("kommo/session_id", 3000001);
	session = fake_json_copy(body);
	json_object_object_add(session, "session_id", json_object_new_int64(id));
	json_object_object_add(session, "received", json_object_new_int64(0));
	json_object_object_add(session, "parts", json_object_new_int64(0));
	snprintf(rel, sizeof rel, "kommo/sessions/%s.json", token);
	fake_write_json(rel, session);
	json_object_put(session);

	upload_url(&url, token, 0);
	o = json_object_new_object();
	json_object_object_add(o, "max_file_size", json_object_new_int64(MAX_FILE_SIZE));
	json_object_object_add(o, "max_part_size", json_object_new_int64(fake_number("kommo/max_part_size", 131072)));
	json_object_object_add(o, "session_id", json_object_new_int64(id));
	json_object_object_add(o, "upload_url", json_object_new_string(url.data));
	fake_respond_json(resp, 200, "application/json", o);
	fbuf_free(&url);
out:
	json_object_put(body);
}

/* Turns a completed session into a file on the drive; returns the file object. */
static struct json_object *
finish_upload(const char *token, struct json_object *session)
{
	struct json_object *file = json_object_new_object();
	char uuid[40], version[40], hex[33], from[128], to[128];
	const char *given = fake_json_str(session, "file_uuid");
	const char *ctype = fake_json_str(session, "content_type");
	int64_t size = 0;

	fake_random_hex(hex, 16);
	snprintf(uuid, sizeof uuid, "%.8s-%.4s-4%.3s-8%.3s-%.12s", hex, hex + 8, hex + 12, hex + 15, hex + 18);
	fake_random_hex(hex, 16);
	snprintf(version, sizeof version, "%.8s-%.4s-4%.3s-8%.3s-%.12s", hex, hex + 8, hex + 12, hex + 15, hex + 18);
	if (given != NULL)
		snprintf(uuid, sizeof uuid, "%s", given);
	fake_json_int(session, "file_size", &size);
	json_object_object_add(file, "id", json_object_new_int64(fake_next_id("kommo/file_id", 5000001)));
	json_object_object_add(file, "uuid", json_object_new_string(uuid));
	json_object_object_add(file, "version_uuid", json_object_new_string(version));
	json_object_object_add(file, "name", json_object_new_string(fake_json_str(session, "file_name")));
	json_object_object_add(file, "size", json_object_new_int64(size));
	json_object_object_add(file, "type", json_object_new_string("file"));
	json_object_object_add(file, "mime_type", json_object_new_string(ctype ? ctype : "application/octet-stream"));
	json_object_object_add(file, "created_at", json_object_new_int64((int64_t)time(NULL)));

	snprintf(from, sizeof from, "kommo/sessions/%s.bin", token);
	snprintf(to, sizeof to, "kommo/files/%s", uuid);
	fake_rename(from, to);
	snprintf(to, sizeof to, "kommo/files/%s.json", uuid);
	fake_write_json(to, file);
	snprintf(from, sizeof from, "kommo/sessions/%s.json", token);
	fake_remove(from);
	return file;
}

/*
 * One part. Each answer's next_url names the next part; a part sent to any other URL,
 * larger than max_part_size or beyond file_size is refused (inferred answers).
 */
static void
post_part(const struct fake_req *req, struct fake_resp *resp, const char *token)
{
	long long max_part = fake_number("kommo/max_part_size", 131072);
	struct json_object *session, *o;
	char rel[128], *part_param = fake_query(req, "part");
	long long part = part_param ? strtoll(part_param, NULL, 10) : 0;
	int64_t size = 0, received = 0, parts = 0;
	struct fbuf url = {0};

	free(part_param);
	snprintf(rel, sizeof rel, "kommo/sessions/%s.json", token);
	if ((session = fake_read_json(rel)) == NULL) {
		kommo_error(resp, 404, "No such upload session", -1);
		return;
	}
	fake_json_int(session, "file_size", &size);
	fake_json_int(session, "received", &received);
	fake_json_int(session, "parts", &parts);
	if (part != parts)
		kommo_error(resp, 400, "Unexpected part: follow next_url", -1);
	else if (req->body_len == 0 || (long long)req->body_len > max_part)
		kommo_error(resp, 400, "Part size must be between 1 and max_part_size", -1);
	else if (received + (int64_t)req->body_len > size)
		kommo_error(resp, 400, "More bytes than file_size", -1);
	else {
		snprintf(rel, sizeof rel, "kommo/sessions/%s.bin", token);
		fake_append_bytes(rel, req->body, req->body_len);
		received += (int64_t)req->body_len;
		if (received == size) {
			fake_respond_json(resp, 200, "application/json", finish_upload(token, session));
		} else {
			json_object_object_add(session, "received", json_object_new_int64(received));
			json_object_object_add(session, "parts", json_object_new_int64(parts + 1));
			snprintf(rel, sizeof rel, "kommo/sessions/%s.json", token);
			fake_write_json(rel, session);
			upload_url(&url, token, parts + 1);
			o = json_object_new_object();
			json_object_object_add(o, "next_url", json_object_new_string(url.data));
			fake_respond_json(resp, 200, "application/json", o);
			fbuf_free(&url);
		}
	}
	json_object_put(session);
}

static const struct fake_endpoint drive_endpoints[] = {
	{"POST", "/drive/v1.0/sessions", post_session},
	{"POST", "/drive/v1.0/upload/{s}", post_part},
};

static void
drive_handle(const struct fake_req *req, struct fake_resp *resp)
{
	if (authorized(req, resp))
		fake_dispatch(req, resp, drive_endpoints, sizeof drive_endpoints / sizeof drive_endpoints[0],
		    kommo_error);
}

int
main(void)
{
	static const struct fake_service services[] = {
		/* Kommo's limit is per client address (its 429 example): the drive counts in it. */
		{"drive", "/drive", drive_handle, kommo_error, "kommo/rate_limit", 7, 1000},
		/* OAuth: the authorize page (www.kommo.com in real life) and the token endpoint. */
		{"kommo_oauth", "/oauth", fake_kommo_oauth_handle, kommo_error, NULL, 0, 0},
		{"kommo_oauth", "/oauth2", fake_kommo_oauth_handle, kommo_error, NULL, 0, 0},
		/* Kommo documents 7 requests per second. */
		{"kommo", "", kommo_handle, kommo_error, "kommo/rate_limit", 7, 1000},
	};

	return fake_serve("fake-kommo", services, sizeof services / sizeof services[0]);
}
