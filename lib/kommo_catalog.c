/*
 * kommo_catalog: Kommo's lists read to their end. A list is asked page by page with
 * `page`, not by following _links.next: an address from an answer never gets our token.
 */
#include "kommo_catalog.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jfield.h"
#include "kommo.h"
#include "remote_call.h"

/* Kommo gives at most 250 users per page; 50 custom fields is within every limit
 * published for that list. A runaway list ends after this many pages. */
#define USERS_PAGE 250
#define FIELDS_PAGE 50
#define MAX_PAGES 200

#define COPY(dst, obj, key) snprintf((dst), sizeof(dst), "%s", jfield_text((obj), (key)))

static void
api_get(const struct config *cfg, const char *path, json_object **answer, struct remote_result *rr)
{
	remote_call(&kommo_api, cfg, &(struct remote_call_request){ .method = "GET", .target = path },
	    answer, rr);
}

/* One item of a list into the caller's array; -1 when out of memory. */
typedef int (*item_fn)(json_object *item, void *list);

/*
 * Every item of _embedded.<name> over the pages of path. A 204 is an empty page. The
 * list ends on a page without _links.next, or a short one (Kommo may name a next page
 * that is empty).
 */
static void
get_pages(const struct config *cfg, const char *path, const char *name, int limit, item_fn add,
    void *list, struct remote_result *rr)
{
	int page;

	for (page = 1; page <= MAX_PAGES; page++) {
		json_object *answer = NULL, *items, *next;
		char target[256];
		size_t i, n;

		snprintf(target, sizeof target, "%s?limit=%d&page=%d", path, limit, page);
		api_get(cfg, target, &answer, rr);
		if (rr->outcome == REMOTE_NOT_FOUND) {
			rr->outcome = REMOTE_OK;
			return;
		}
		if (rr->outcome != REMOTE_OK)
			return;
		items = jfield_typed(jfield_typed(answer, "_embedded", json_type_object), name,
		    json_type_array);
		n = items ? json_object_array_length(items) : 0;
		for (i = 0; i < n; i++) {
			if (add(json_object_array_get_idx(items, i), list) == -1) {
				json_object_put(answer);
				rr->outcome = REMOTE_RETRY;
				snprintf(rr->message, sizeof rr->message, "out of memory");
				return;
			}
		}
		next = jfield_typed(jfield_typed(answer, "_links", json_type_object), "next",
		    json_type_object);
		json_object_put(answer);
		if (next == NULL || n < (size_t)limit)
			return;
	}
}

void
kommo_catalog_account(const struct config *cfg, struct kommo_catalog_account *out, struct remote_result *rr)
{
	json_object *answer = NULL;

	memset(out, 0, sizeof *out);
	api_get(cfg, "/api/v4/account", &answer, rr);
	if (rr->outcome == REMOTE_OK) {
		COPY(out->id, answer, "id");
		COPY(out->name, answer, "name");
		COPY(out->subdomain, answer, "subdomain");
	} else if (rr->outcome == REMOTE_NOT_FOUND) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "/api/v4/account: Kommo answered no account");
	}
	json_object_put(answer);
}

static int
add_user(json_object *item, void *arg)
{
	struct kommo_catalog_users *list = arg;
	struct kommo_catalog_user *grown = realloc(list->items, (list->n + 1) * sizeof *grown), *u;

	if (grown == NULL)
		return -1;
	list->items = grown;
	u = &grown[list->n++];
	COPY(u->id, item, "id");
	COPY(u->name, item, "name");
	COPY(u->email, item, "email");
	return 0;
}

void
kommo_catalog_users(const struct config *cfg, struct kommo_catalog_users *out, struct remote_result *rr)
{
	memset(out, 0, sizeof *out);
	get_pages(cfg, "/api/v4/users", "users", USERS_PAGE, add_user, out, rr);
	if (rr->outcome != REMOTE_OK)
		kommo_catalog_users_free(out);
}

/* A pipeline's stages, from its _embedded.statuses; -1 when out of memory. */
static int
read_stages(json_object *item, struct kommo_catalog_pipeline *p)
{
	json_object *statuses = jfield_typed(jfield_typed(item, "_embedded", json_type_object),
	    "statuses", json_type_array);
	size_t i, n = statuses ? json_object_array_length(statuses) : 0;

	if (n == 0)
		return 0;
	if ((p->stages = calloc(n, sizeof *p->stages)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(statuses, i);

		COPY(p->stages[i].id, s, "id");
		COPY(p->stages[i].name, s, "name");
	}
	p->nstages = n;
	return 0;
}

void
kommo_catalog_pipelines(const struct config *cfg, struct kommo_catalog_pipelines *out,
    struct remote_result *rr)
{
	json_object *answer = NULL, *items;
	size_t i, n;

	memset(out, 0, sizeof *out);
	api_get(cfg, "/api/v4/leads/pipelines", &answer, rr);
	if (rr->outcome == REMOTE_NOT_FOUND) /* 204: no pipelines */
		rr->outcome = REMOTE_OK;
	items = jfield_typed(jfield_typed(answer, "_embedded", json_type_object), "pipelines",
	    json_type_array);
	n = items ? json_object_array_length(items) : 0;
	if (rr->outcome == REMOTE_OK && n > 0 && (out->items = calloc(n, sizeof *out->items)) == NULL) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "out of memory");
	}
	for (i = 0; out->items != NULL && i < n; i++) {
		json_object *item = json_object_array_get_idx(items, i);
		struct kommo_catalog_pipeline *p = &out->items[i];

		COPY(p->id, item, "id");
		COPY(p->name, item, "name");
		p->is_main = strcmp(jfield_text(item, "is_main"), "true") == 0;
		p->is_archive = strcmp(jfield_text(item, "is_archive"), "true") == 0;
		out->n = i + 1;
		if (read_stages(item, p) == -1) {
			rr->outcome = REMOTE_RETRY;
			snprintf(rr->message, sizeof rr->message, "out of memory");
			break;
		}
	}
	json_object_put(answer);
	if (rr->outcome != REMOTE_OK)
		kommo_catalog_pipelines_free(out);
}

/* The entity the fields being added belong to travels with the list. */
struct field_list {
	struct kommo_catalog_fields *fields;
	const char *entity;
};

static int
add_field(json_object *item, void *arg)
{
	struct field_list *fl = arg;
	struct kommo_catalog_fields *list = fl->fields;
	struct kommo_catalog_field *grown = realloc(list->items, (list->n + 1) * sizeof *grown), *f;

	if (grown == NULL)
		return -1;
	list->items = grown;
	f = &grown[list->n++];
	snprintf(f->entity, sizeof f->entity, "%s", fl->entity);
	COPY(f->id, item, "id");
	COPY(f->name, item, "name");
	COPY(f->type, item, "type");
	COPY(f->code, item, "code");
	return 0;
}

void
kommo_catalog_fields(const struct config *cfg, struct kommo_catalog_fields *out,
    struct remote_result *rr)
{
	static const char *const entities[] = { "leads", "contacts", "companies" };
	size_t i;

	memset(out, 0, sizeof *out);
	memset(rr, 0, sizeof *rr);
	for (i = 0; i < sizeof entities / sizeof entities[0] && rr->outcome == REMOTE_OK; i++) {
		struct field_list fl = { out, entities[i] };
		char path[64];

		snprintf(path, sizeof path, "/api/v4/%s/custom_fields", entities[i]);
		get_pages(cfg, path, "custom_fields", FIELDS_PAGE, add_field, &fl, rr);
	}
	if (rr->outcome != REMOTE_OK)
		kommo_catalog_fields_free(out);
}

const struct kommo_catalog_pipeline *
kommo_catalog_pipeline_find(const struct kommo_catalog_pipelines *list, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < list->n; i++)
		if (strcmp(list->items[i].id, id) == 0)
			return &list->items[i];
	return NULL;
}

const struct kommo_catalog_stage *
kommo_catalog_stage_find(const struct kommo_catalog_pipeline *pipeline, const char *id)
{
	size_t i;

	for (i = 0; pipeline != NULL && id != NULL && i < pipeline->nstages; i++)
		if (strcmp(pipeline->stages[i].id, id) == 0)
			return &pipeline->stages[i];
	return NULL;
}

void
kommo_catalog_users_free(struct kommo_catalog_users *list)
{
	free(list->items);
	memset(list, 0, sizeof *list);
}

void
kommo_catalog_pipelines_free(struct kommo_catalog_pipelines *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->items[i].stages);
	free(list->items);
	memset(list, 0, sizeof *list);
}

void
kommo_catalog_fields_free(struct kommo_catalog_fields *list)
{
	free(list->items);
	memset(list, 0, sizeof *list);
}
