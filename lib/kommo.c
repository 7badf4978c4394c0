/*
 * kommo: Kommo API v4 over lib/http. Authentication is the long-lived [kommo] token or
 * the OAuth tokens (lib/kommo_token); every id is passed as text and written into JSON
 * as an integer.
 */
#include "kommo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jfield.h"
#include "kommo_token.h"
#include "log.h"
#include "pace.h"
#include "store.h"

#define KOMMO_PAUSED_KEY "kommo.paused_until"

/*
 * Kommo answers 403 (often an HTML page) to an address it has blocked for sending too
 * much: every process then leaves Kommo alone for [limits] kommo_ban_pause_minutes.
 */
static void
kommo_pause(const struct config *cfg, struct remote_result *rr)
{
	long pause = 60L * cfg->limits.kommo_ban_pause_minutes;
	char until[32];

	snprintf(until, sizeof until, "%lld", (long long)time(NULL) + pause);
	store_put1(cfg->state_dir, STORE_CACHE, KOMMO_PAUSED_KEY, until);
	log_err("Kommo refused us with 403 (blocked address?): no Kommo calls for %ld minutes", pause / 60);
	rr->retry_after = pause;
}

/* 1 (and a "wait" result) while a 403 pause lasts. */
static int
kommo_paused(const struct config *cfg, struct remote_result *rr)
{
	char *until = NULL;
	long long left = 0;

	if (store_get1(cfg->state_dir, STORE_CACHE, KOMMO_PAUSED_KEY, &until) == 0)
		left = strtoll(until, NULL, 10) - (long long)time(NULL);
	free(until);
	if (left <= 0)
		return 0;
	memset(rr, 0, sizeof *rr);
	rr->outcome = REMOTE_RETRY;
	rr->retry_after = (long)left;
	snprintf(rr->message, sizeof rr->message, "Kommo calls paused for %lld s more after a 403", left);
	return 1;
}

/* One try of kommo_send with the token now at hand (copied to tok); the HTTP status. */
static long
kommo_send_once(const struct config *cfg, const char *method, const char *target,
    const char *content_type, const char *body, size_t body_len, json_object **answer,
    struct remote_result *rr, char *tok, size_t toklen)
{
	struct http_request req = { 0 };
	struct http_response res;
	char url[2048], auth[2100], ctype[128];
	json_object *json = NULL;
	long status;
	int rc;

	if (answer)
		*answer = NULL;
	if (strncmp(target, "http", 4) == 0)
		snprintf(url, sizeof url, "%s", target);
	else
		snprintf(url, sizeof url, "%s%s", cfg->kommo.base_url, target);
	/* No token (a refresh failed for now, or was refused): the call waits like a failed one. */
	kommo_token_get(cfg, tok, toklen, rr);
	if (rr->outcome != REMOTE_OK)
		return 0;
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
	req.method = method;
	req.url = url;
	req.timeout_s = cfg->limits.http_timeout;
	req.headers[0] = auth;
	if (body) {
		snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type);
		req.headers[1] = ctype;
		req.body = body;
		req.body_len = body_len;
	}
	if (kommo_paused(cfg, rr))
		return 0;
	/* The drive's calls count too: Kommo states its limit per address, not per host. */
	pace_wait(cfg->state_dir, "kommo", cfg->limits.kommo_calls_per_second, PACE_KOMMO_WINDOW_MS);
	rc = http_perform(&req, &res);
	remote_classify(target, rc, &res, rr, &json);
	if (res.status == 403)
		kommo_pause(cfg, rr);
	if (rr->outcome == REMOTE_OK && json == NULL) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "%s %.200s: answer is not JSON", method, target);
	}
	if (rr->outcome != REMOTE_OK) {
		json_object *detail;

		/* Kommo's problem+json says what was wrong; keep it for the log. */
		if (json && json_object_object_get_ex(json, "detail", &detail))
			snprintf(rr->message, sizeof rr->message, "%s %.100s: HTTP %ld: %.120s", method, target,
			    res.status, json_object_get_string(detail));
		json_object_put(json);
		json = NULL;
	}
	status = res.status;
	http_response_free(&res);
	if (answer)
		*answer = json;
	else
		json_object_put(json);
	return status;
}

void
kommo_send(const struct config *cfg, const char *method, const char *target,
    const char *content_type, const char *body, size_t body_len, json_object **answer,
    struct remote_result *rr)
{
	char tok[2048];

	/* An OAuth access token can be revoked before it expires: one refresh and one more
	 * try (a 401 did nothing, so nothing is done twice). */
	if (kommo_send_once(cfg, method, target, content_type, body, body_len, answer, rr, tok,
		sizeof tok) == 401 && kommo_token_oauth(cfg)) {
		kommo_token_forget(cfg, tok);
		kommo_send_once(cfg, method, target, content_type, body, body_len, answer, rr, tok, sizeof tok);
	}
}

static void
kommo_call(const struct config *cfg, const char *method, const char *path, const char *json_body,
    json_object **answer, struct remote_result *rr)
{
	kommo_send(cfg, method, path, "application/json", json_body, json_body ? strlen(json_body) : 0,
	    answer, rr);
}

static void
kommo_get_entity(const struct config *cfg, const char *entity, const char *id, const char *query,
    json_object **out, struct remote_result *rr)
{
	char path[256];

	snprintf(path, sizeof path, "/api/v4/%s/%s%s", entity, id, query);
	kommo_call(cfg, "GET", path, NULL, out, rr);
}

void
kommo_lead_fetch(const struct config *cfg, const char *lead_id, json_object **lead,
    struct remote_result *rr)
{
	kommo_get_entity(cfg, "leads", lead_id, "?with=contacts", lead, rr);
}

void
kommo_contact_fetch(const struct config *cfg, const char *contact_id, json_object **contact,
    struct remote_result *rr)
{
	kommo_get_entity(cfg, "contacts", contact_id, "", contact, rr);
}

void
kommo_company_fetch(const struct config *cfg, const char *company_id, json_object **company,
    struct remote_result *rr)
{
	kommo_get_entity(cfg, "companies", company_id, "", company, rr);
}

/* Posts a one-element JSON array and releases it. */
static void
kommo_post_one(const struct config *cfg, const char *path, json_object *item,
    struct remote_result *rr)
{
	json_object *list = json_object_new_array();

	json_object_array_add(list, item);
	kommo_call(cfg, "POST", path, json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN),
	    NULL, rr);
	json_object_put(list);
}

void
kommo_note_add(const struct config *cfg, const char *lead_id, const char *text,
    struct remote_result *rr)
{
	json_object *note = json_object_new_object(), *params = json_object_new_object();

	json_object_object_add(note, "entity_id", json_object_new_int64(strtoll(lead_id, NULL, 10)));
	json_object_object_add(note, "note_type", json_object_new_string("common"));
	json_object_object_add(params, "text", json_object_new_string(text));
	json_object_object_add(note, "params", params);
	kommo_post_one(cfg, "/api/v4/leads/notes", note, rr);
}

void
kommo_task_add(const struct config *cfg, const char *lead_id, const char *responsible_user_id,
    const char *text, long due_unix, struct remote_result *rr)
{
	json_object *task = json_object_new_object();

	json_object_object_add(task, "text", json_object_new_string(text));
	json_object_object_add(task, "complete_till", json_object_new_int64(due_unix));
	json_object_object_add(task, "entity_id", json_object_new_int64(strtoll(lead_id, NULL, 10)));
	json_object_object_add(task, "entity_type", json_object_new_string("leads"));
	json_object_object_add(task, "task_type_id",
	    json_object_new_int64(strtoll(cfg->kommo.task_type_id, NULL, 10)));
	if (responsible_user_id && *responsible_user_id)
		json_object_object_add(task, "responsible_user_id",
		    json_object_new_int64(strtoll(responsible_user_id, NULL, 10)));
	kommo_post_one(cfg, "/api/v4/tasks", task, rr);
}

void
kommo_lead_move(const struct config *cfg, const char *lead_id, const char *status_id,
    const char *pipeline_id, struct remote_result *rr)
{
	json_object *patch = json_object_new_object();
	char path[64];

	/* Only the changed fields: a whole-lead write would undo a manager's edits. */
	json_object_object_add(patch, "status_id", json_object_new_int64(strtoll(status_id, NULL, 10)));
	json_object_object_add(patch, "pipeline_id", json_object_new_int64(strtoll(pipeline_id, NULL, 10)));
	snprintf(path, sizeof path, "/api/v4/leads/%s", lead_id);
	kommo_call(cfg, "PATCH", path, json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN), NULL, rr);
	json_object_put(patch);
}

void
kommo_lead_file_link(const struct config *cfg, const char *lead_id, const char *file_uuid,
    struct remote_result *rr)
{
	json_object *list = json_object_new_array(), *item = json_object_new_object();
	char path[64];

	json_object_object_add(item, "file_uuid", json_object_new_string(file_uuid));
	json_object_array_add(list, item);
	snprintf(path, sizeof path, "/api/v4/leads/%s/files", lead_id);
	kommo_call(cfg, "PUT", path, json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN), NULL, rr);
	json_object_put(list);
}

void
kommo_note_attachment(const struct config *cfg, const char *lead_id, const char *file_uuid,
    const char *version_uuid, const char *file_name, struct remote_result *rr)
{
	json_object *note = json_object_new_object(), *params = json_object_new_object();

	json_object_object_add(note, "entity_id", json_object_new_int64(strtoll(lead_id, NULL, 10)));
	json_object_object_add(note, "note_type", json_object_new_string("attachment"));
	json_object_object_add(params, "file_uuid", json_object_new_string(file_uuid));
	if (version_uuid && *version_uuid)
		json_object_object_add(params, "version_uuid", json_object_new_string(version_uuid));
	json_object_object_add(params, "file_name", json_object_new_string(file_name));
	json_object_object_add(note, "params", params);
	kommo_post_one(cfg, "/api/v4/leads/notes", note, rr);
}

/* Looks through a lead's listed items for one whose field (under params, or at the
 * top level when in_params is 0) equals want. A 204 is an empty list. */
static void
kommo_lead_list_has(const struct config *cfg, const char *path, const char *list,
    const char *field, int in_params, const char *want, int *has, struct remote_result *rr)
{
	json_object *answer = NULL, *items;
	size_t i, n;

	*has = 0;
	kommo_call(cfg, "GET", path, NULL, &answer, rr);
	if (rr->outcome == REMOTE_NOT_FOUND) {
		rr->outcome = REMOTE_OK;
		return;
	}
	items = jfield_typed(jfield_typed(answer, "_embedded", json_type_object), list, json_type_array);
	n = items ? json_object_array_length(items) : 0;
	for (i = 0; i < n && !*has; i++) {
		json_object *item = json_object_array_get_idx(items, i);

		if (in_params)
			item = jfield_typed(item, "params", json_type_object);
		*has = strcmp(jfield_text(item, field), want) == 0;
	}
	json_object_put(answer);
}

void
kommo_lead_has_note(const struct config *cfg, const char *lead_id, const char *note_type,
    const char *field, const char *want, int *has, struct remote_result *rr)
{
	char path[192];

	snprintf(path, sizeof path, "/api/v4/leads/%s/notes?filter%%5Bnote_type%%5D=%s"
	    "&order%%5Bid%%5D=desc&limit=50", lead_id, note_type);
	kommo_lead_list_has(cfg, path, "notes", field, 1, want, has, rr);
}

void
kommo_lead_has_file(const struct config *cfg, const char *lead_id, const char *file_uuid,
    int *has, struct remote_result *rr)
{
	char path[64];

	snprintf(path, sizeof path, "/api/v4/leads/%s/files", lead_id);
	kommo_lead_list_has(cfg, path, "files", "file_uuid", 0, file_uuid, has, rr);
}

void
kommo_lead_has_task(const struct config *cfg, const char *lead_id, const char *text, int *has,
    struct remote_result *rr)
{
	char path[192];

	snprintf(path, sizeof path, "/api/v4/tasks?filter%%5Bentity_type%%5D=leads"
	    "&filter%%5Bentity_id%%5D=%s&order%%5Bid%%5D=desc&limit=50", lead_id);
	kommo_lead_list_has(cfg, path, "tasks", "text", 0, text, has, rr);
}

void
kommo_leads_in_stage(const struct config *cfg, long long updated_since, int page, json_object **answer,
    struct remote_result *rr)
{
	char path[320];

	snprintf(path, sizeof path, "/api/v4/leads?filter%%5Bstatuses%%5D%%5B0%%5D%%5Bpipeline_id%%5D=%s"
	    "&filter%%5Bstatuses%%5D%%5B0%%5D%%5Bstatus_id%%5D=%s&filter%%5Bupdated_at%%5D%%5Bfrom%%5D=%lld"
	    "&limit=%d&page=%d", cfg->kommo.pipeline_id, cfg->kommo.trigger_status_id, updated_since,
	    KOMMO_LEADS_PAGE, page);
	*answer = NULL;
	kommo_call(cfg, "GET", path, NULL, answer, rr);
	if (rr->outcome == REMOTE_NOT_FOUND) /* 204: nothing (more) to list */
		rr->outcome = REMOTE_OK;
}
