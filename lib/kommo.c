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
#include "remote_call.h"
#include "store.h"

#define KOMMO_PAUSED_KEY "kommo.paused_until"

/*
 * Kommo answers 403 with an HTML page (its web server's, not the API's) to an address it
 * has blocked for sending too much: every process then leaves Kommo alone for [limits]
 * kommo_ban_pause_minutes. A 403 in the API's own problem JSON refuses this one request
 * (a user without the rights for it, such as the users list for a non-administrator):
 * that is not a block, and stopping every deal's calls for it would be wrong.
 */
static void
pause_all(const struct config *cfg, struct remote_result *rr)
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
paused(const struct config *cfg, struct remote_result *rr)
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

/* Kommo's answers are JSON; a failure's problem+json says what was wrong. */
static void
judge_answer(const struct config *cfg, const struct remote_call_request *req,
    const struct http_response *res, json_object *json, struct remote_result *rr)
{
	(void)req;
	if (res->status == 403 && json_object_is_type(json, json_type_object))
		rr->outcome = REMOTE_REFUSED;
	else if (res->status == 403)
		pause_all(cfg, rr);
	if (rr->outcome == REMOTE_OK && json == NULL) {
		rr->outcome = REMOTE_RETRY;
		remote_message(rr, NULL, "answer is not JSON");
	}
	if (rr->outcome != REMOTE_OK && json_object_is_type(json, json_type_object))
		remote_problem_message(rr, json);
}

static void
api_base(const struct config *cfg, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s", cfg->kommo.base_url);
}

static int
calls_per_second(const struct config *cfg)
{
	return cfg->limits.kommo_calls_per_second;
}

/* The drive's calls count too: Kommo states its limit per address, not per host. An
 * OAuth access token can be revoked before it expires: a 401 gets one refresh. */
const struct remote_call_service kommo_api = {
	.label = "Kommo",
	.base = api_base,
	.token = &kommo_token_kind,
	.auth_scheme = "Bearer",
	.pace_key = "kommo",
	.pace_limit = calls_per_second,
	.pace_window_ms = PACE_KOMMO_WINDOW_MS,
	.held = paused,
	.judge = judge_answer,
};

/* A call with a JSON body (or none). */
static void
call(const struct config *cfg, const char *method, const char *path, const char *json_body,
    json_object **answer, struct remote_result *rr)
{
	remote_call(&kommo_api, cfg, &(struct remote_call_request){ .method = method, .target = path,
	    .content_type = json_body ? "application/json" : NULL, .body = json_body,
	    .body_len = json_body ? strlen(json_body) : 0 }, answer, rr);
}

/* GET of one entity of a collection by its id. */
static void
get_entity(const struct config *cfg, const char *collection, const char *id, json_object **out,
    struct remote_result *rr)
{
	char path[256];

	snprintf(path, sizeof path, "/api/v4/%s/%s", collection, id);
	remote_call(&kommo_api, cfg, &(struct remote_call_request){ .method = "GET", .target = path },
	    out, rr);
}

/* A contract's first read calls remote_call itself: it goes no deeper than it must. */
void
kommo_lead_fetch(const struct config *cfg, const char *lead_id, json_object **lead,
    struct remote_result *rr)
{
	char path[256];

	snprintf(path, sizeof path, "/api/v4/leads/%s?with=contacts", lead_id);
	remote_call(&kommo_api, cfg, &(struct remote_call_request){ .method = "GET", .target = path },
	    lead, rr);
}

void
kommo_user_fetch(const struct config *cfg, const char *user_id, json_object **user,
    struct remote_result *rr)
{
	get_entity(cfg, "users", user_id, user, rr);
}

void
kommo_contact_fetch(const struct config *cfg, const char *contact_id, json_object **contact,
    struct remote_result *rr)
{
	get_entity(cfg, "contacts", contact_id, contact, rr);
}

void
kommo_company_fetch(const struct config *cfg, const char *company_id, json_object **company,
    struct remote_result *rr)
{
	get_entity(cfg, "companies", company_id, company, rr);
}

/* Posts a one-element JSON array and releases it. */
static void
post_one(const struct config *cfg, const char *path, json_object *item,
    struct remote_result *rr)
{
	json_object *list = json_object_new_array();

	json_object_array_add(list, item);
	call(cfg, "POST", path, json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN),
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
	post_one(cfg, "/api/v4/leads/notes", note, rr);
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
	post_one(cfg, "/api/v4/tasks", task, rr);
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
	call(cfg, "PATCH", path, json_object_to_json_string_ext(patch, JSON_C_TO_STRING_PLAIN), NULL, rr);
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
	call(cfg, "PUT", path, json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN), NULL, rr);
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
	post_one(cfg, "/api/v4/leads/notes", note, rr);
}

/* Looks through a lead's listed items for one whose field (under params, or at the
 * top level when in_params is 0) equals want. A 204 is an empty list. */
static void
lead_list_has(const struct config *cfg, const char *path, const char *list,
    const char *field, int in_params, const char *want, int *has, struct remote_result *rr)
{
	json_object *answer = NULL, *items;
	size_t i, n;

	*has = 0;
	call(cfg, "GET", path, NULL, &answer, rr);
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
	lead_list_has(cfg, path, "notes", field, 1, want, has, rr);
}

void
kommo_lead_has_file(const struct config *cfg, const char *lead_id, const char *file_uuid,
    int *has, struct remote_result *rr)
{
	char path[64];

	snprintf(path, sizeof path, "/api/v4/leads/%s/files", lead_id);
	lead_list_has(cfg, path, "files", "file_uuid", 0, file_uuid, has, rr);
}

void
kommo_lead_has_task(const struct config *cfg, const char *lead_id, const char *text, int *has,
    struct remote_result *rr)
{
	char path[192];

	snprintf(path, sizeof path, "/api/v4/tasks?filter%%5Bentity_type%%5D=leads"
	    "&filter%%5Bentity_id%%5D=%s&order%%5Bid%%5D=desc&limit=50", lead_id);
	lead_list_has(cfg, path, "tasks", "text", 0, text, has, rr);
}

void
kommo_leads_in_stages(const struct config *cfg, const char *const *stages, size_t n,
    long long updated_since, int page, json_object **answer, struct remote_result *rr)
{
	char path[160 + KOMMO_LEADS_STAGES * 150];
	size_t i, len = 0;

	if (n > KOMMO_LEADS_STAGES)
		n = KOMMO_LEADS_STAGES;
	len += (size_t)snprintf(path, sizeof path, "/api/v4/leads?");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(path + len, sizeof path - len,
		    "filter%%5Bstatuses%%5D%%5B%zu%%5D%%5Bpipeline_id%%5D=%.24s&"
		    "filter%%5Bstatuses%%5D%%5B%zu%%5D%%5Bstatus_id%%5D=%.24s&", i, stages[2 * i], i,
		    stages[2 * i + 1]);
	snprintf(path + len, sizeof path - len, "filter%%5Bupdated_at%%5D%%5Bfrom%%5D=%lld&limit=%d&page=%d",
	    updated_since, KOMMO_LEADS_PAGE, page);
	*answer = NULL;
	call(cfg, "GET", path, NULL, answer, rr);
	if (rr->outcome == REMOTE_NOT_FOUND) /* 204: nothing (more) to list */
		rr->outcome = REMOTE_OK;
}
