/*
 * zoho: Zoho Sign API v1 over lib/remote_call and lib/zoho_token.
 */
#include "zoho.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "jfield.h"
#include "log.h"
#include "pace.h"
#include "remote_call.h"
#include "store.h"
#include "str.h"
#include "zoho_token.h"

#define TEMPLATE_CACHE_SECONDS 3600
#define ZOHO_PACE "zoho" /* the pacing file pace-zoho, shared by every Sign call */

/* Judges Zoho's envelope: a non-zero "code" is a failure whatever the HTTP status. */
static void
judge_answer(const struct config *cfg, const struct remote_call_request *req,
    const struct http_response *res, json_object *json, struct remote_result *rr)
{
	json_object *code;
	char shown[40];

	(void)cfg;
	(void)req;
	(void)res;
	if (json == NULL) {
		if (rr->outcome == REMOTE_OK) {
			rr->outcome = REMOTE_RETRY;
			remote_message(rr, NULL, "answer is not JSON");
		}
		return;
	}
	if (!json_object_object_get_ex(json, "code", &code) || json_object_get_int64(code) == 0)
		return;
	if (rr->outcome == REMOTE_OK)
		rr->outcome = REMOTE_REFUSED;
	/* Any failure that carries Zoho's envelope: its code and message say why. */
	snprintf(shown, sizeof shown, "code %.30s", json_object_get_string(code));
	remote_message(rr, shown, jfield_text(json, "message"));
}

static int
calls_per_minute(const struct config *cfg)
{
	return cfg->limits.zoho_calls_per_minute;
}

/* The Sign API of the connected data centre, with the shared access token; a 401 gets
 * one refresh and one retry. */
const struct remote_call_service zoho_sign = {
	.label = "Zoho Sign",
	.base = zoho_token_sign_base,
	.token = &zoho_token_kind,
	.auth_scheme = "Zoho-oauthtoken",
	.pace_key = ZOHO_PACE,
	.pace_limit = calls_per_minute,
	.pace_window_ms = PACE_ZOHO_WINDOW_MS,
	.judge = judge_answer,
};

int
zoho_turn_reserve(const struct config *cfg)
{
	return pace_reserve(cfg->state_dir, zoho_sign.pace_key, zoho_sign.pace_limit(cfg),
	    zoho_sign.pace_window_ms) == PACE_NOT_NOW ? -1 : 0;
}

static void
call(const struct config *cfg, const char *method, const char *path, const char *form,
    json_object **answer, struct remote_result *rr)
{
	remote_call(&zoho_sign, cfg, &(struct remote_call_request){ .method = method, .target = path,
	    .content_type = form ? "application/x-www-form-urlencoded" : NULL, .body = form,
	    .body_len = form ? strlen(form) : 0 }, answer, rr);
}

/* Hands out a new reference to the object obj[key], or NULL. */
static json_object *
take(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return json_object_get(v);
}

static json_object *
template_cached(const struct config *cfg, const char *key)
{
	char *record = NULL;
	json_object *obj, *at, *tpl = NULL;

	if (store_get1(cfg->state_dir, STORE_CACHE, key, &record) != 0)
		return NULL;
	obj = json_tokener_parse(record);
	free(record);
	if (obj && json_object_object_get_ex(obj, "fetched_at", &at) &&
	    json_object_get_int64(at) + TEMPLATE_CACHE_SECONDS > (long long)time(NULL))
		tpl = take(obj, "template");
	json_object_put(obj);
	return tpl;
}

/* GET path, whose answer wraps the object under key ("templates", "requests"). */
static void
get_wrapped(const struct config *cfg, const char *path, const char *key, json_object **out,
    struct remote_result *rr)
{
	json_object *answer;
	char why[64];

	*out = NULL;
	call(cfg, "GET", path, NULL, &answer, rr);
	if (rr->outcome != REMOTE_OK)
		return;
	*out = take(answer, key);
	json_object_put(answer);
	if (*out == NULL) {
		rr->outcome = REMOTE_RETRY;
		snprintf(why, sizeof why, "answer has no %s object", key);
		remote_message(rr, NULL, why);
	}
}

void
zoho_template_fetch(const struct config *cfg, const char *template_id, json_object **tpl,
    struct remote_result *rr)
{
	char path[128];

	snprintf(path, sizeof path, "/templates/%s", template_id);
	get_wrapped(cfg, path, "templates", tpl, rr);
}

void
zoho_template_get(const struct config *cfg, const char *template_id, json_object **tpl,
    struct remote_result *rr)
{
	char key[128];
	json_object *record;

	snprintf(key, sizeof key, "template:%s", template_id);
	*tpl = template_cached(cfg, key);
	if (*tpl) {
		memset(rr, 0, sizeof *rr);
		rr->outcome = REMOTE_OK;
		return;
	}
	zoho_template_fetch(cfg, template_id, tpl, rr);
	if (rr->outcome != REMOTE_OK)
		return;
	record = json_object_new_object();
	json_object_object_add(record, "fetched_at", json_object_new_int64((long long)time(NULL)));
	json_object_object_add(record, "template", json_object_get(*tpl));
	store_put1(cfg->state_dir, STORE_CACHE, key, json_object_to_json_string_ext(record, JSON_C_TO_STRING_PLAIN));
	json_object_put(record);
}

void
zoho_request_create(const struct config *cfg, const char *template_id, const char *data_json,
    json_object **request, struct remote_result *rr)
{
	char path[128];
	char *data = http_form_escape(data_json), *form;
	json_object *answer;

	*request = NULL;
	form = data ? str_fmt("data=%s&is_quicksend=true", data) : NULL;
	free(data);
	if (form == NULL) {
		memset(rr, 0, sizeof *rr);
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "out of memory");
		return;
	}
	snprintf(path, sizeof path, "/templates/%s/createdocument", template_id);
	call(cfg, "POST", path, form, &answer, rr);
	free(form);
	if (rr->outcome != REMOTE_OK)
		return;
	*request = take(answer, "requests");
	json_object_put(answer);
	if (*request == NULL || *jfield_text(*request, "request_id") == '\0') {
		json_object_put(*request);
		*request = NULL;
		rr->outcome = REMOTE_RETRY;
		remote_message(rr, NULL, "answer has no request id");
	}
}

void
zoho_request_find(const struct config *cfg, const char *marker, json_object **request,
    struct remote_result *rr)
{
	json_object *query = json_object_new_object(), *page = json_object_new_object();
	json_object *search = json_object_new_object(), *answer, *list;
	char *data, *path;
	size_t i, n;

	*request = NULL;
	json_object_object_add(page, "row_count", json_object_new_int(25));
	json_object_object_add(page, "start_index", json_object_new_int(1));
	json_object_object_add(page, "sort_column", json_object_new_string("created_time"));
	json_object_object_add(page, "sort_order", json_object_new_string("DESC"));
	json_object_object_add(search, "request_name", json_object_new_string(marker));
	json_object_object_add(page, "search_columns", search);
	json_object_object_add(query, "page_context", page);
	data = http_form_escape(json_object_to_json_string_ext(query, JSON_C_TO_STRING_PLAIN));
	json_object_put(query);
	path = data ? str_fmt("/requests?data=%s", data) : NULL;
	free(data);
	if (path == NULL) {
		memset(rr, 0, sizeof *rr);
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "out of memory");
		return;
	}
	call(cfg, "GET", path, NULL, &answer, rr);
	free(path);
	if (rr->outcome != REMOTE_OK)
		return;
	/* The search is Zoho's; the exact check of the name is ours. */
	list = jfield_typed(answer, "requests", json_type_array);
	n = list ? json_object_array_length(list) : 0;
	for (i = 0; i < n && *request == NULL; i++) {
		json_object *r = json_object_array_get_idx(list, i);

		if (strstr(jfield_text(r, "request_name"), marker) != NULL)
			*request = json_object_get(r);
	}
	json_object_put(answer);
}

void
zoho_request_pdf(const struct config *cfg, const char *request_id, int with_certificate,
    char **pdf, size_t *len, struct remote_result *rr)
{
	struct http_response res;
	char path[160];

	*pdf = NULL;
	*len = 0;
	/* merge=true makes one PDF of several documents (else Zoho sends a zip). */
	snprintf(path, sizeof path, "/requests/%.24s/pdf?merge=true%s", request_id,
	    with_certificate ? "&with_coc=true" : "");
	remote_call(&zoho_sign, cfg, &(struct remote_call_request){ .method = "GET", .target = path,
	    .raw = &res }, NULL, rr);
	if (rr->outcome == REMOTE_OK && (res.len < 5 || memcmp(res.body, "%PDF-", 5) != 0)) {
		rr->outcome = REMOTE_RETRY;
		char why[96];

		snprintf(why, sizeof why, "answer is not a PDF (%.60s)", res.content_type);
		remote_message(rr, NULL, why);
	}
	if (rr->outcome == REMOTE_OK) {
		*pdf = res.body;
		*len = res.len;
		res.body = NULL;
	}
	http_response_free(&res);
}

void
zoho_request_get(const struct config *cfg, const char *request_id, json_object **request,
    struct remote_result *rr)
{
	char path[64];

	snprintf(path, sizeof path, "/requests/%.24s", request_id);
	get_wrapped(cfg, path, "requests", request, rr);
}
