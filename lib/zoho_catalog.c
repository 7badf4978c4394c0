/*
 * zoho_catalog: Zoho Sign's templates as plain lists.
 */
#include "zoho_catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jfield.h"
#include "remote_call.h"
#include "str.h"
#include "zoho.h"

#define TEMPLATES_PAGE 100
#define MAX_PAGES 100 /* a list that never says it is done ends here */

#define COPY(dst, obj, key) snprintf((dst), sizeof(dst), "%s", jfield_text((obj), (key)))

static void
api_get(const struct config *cfg, const char *path, json_object **answer, struct remote_result *rr)
{
	remote_call(&zoho_sign, cfg, &(struct remote_call_request){ .method = "GET", .target = path },
	    answer, rr);
}

static void
out_of_memory(struct remote_result *rr)
{
	rr->outcome = REMOTE_RETRY;
	snprintf(rr->message, sizeof rr->message, "out of memory");
}

/* One page of the list from start (1-based) into out; *more when Zoho says more follow. */
static void
templates_page(const struct config *cfg, long start, struct zoho_catalog_templates *out, size_t *got,
    int *more, struct remote_result *rr)
{
	json_object *answer = NULL, *items;
	char query[128], *data, *path;
	size_t i, n;

	*got = 0;
	*more = 0;
	snprintf(query, sizeof query, "{\"page_context\":{\"row_count\":%d,\"start_index\":%ld}}",
	    TEMPLATES_PAGE, start);
	data = http_form_escape(query);
	path = data ? str_fmt("/templates?data=%s", data) : NULL;
	free(data);
	if (path == NULL) {
		memset(rr, 0, sizeof *rr);
		out_of_memory(rr);
		return;
	}
	api_get(cfg, path, &answer, rr);
	free(path);
	if (rr->outcome == REMOTE_NOT_FOUND) /* no templates (more) to list */
		rr->outcome = REMOTE_OK;
	items = jfield_typed(answer, "templates", json_type_array);
	n = items ? json_object_array_length(items) : 0;
	if (rr->outcome == REMOTE_OK && n > 0) {
		struct zoho_catalog_template_entry *grown = realloc(out->items, (out->n + n) * sizeof *grown);

		if (grown == NULL) {
			out_of_memory(rr);
			n = 0;
		} else {
			out->items = grown;
		}
		for (i = 0; i < n; i++) {
			json_object *t = json_object_array_get_idx(items, i);

			COPY(out->items[out->n].id, t, "template_id");
			COPY(out->items[out->n].name, t, "template_name");
			out->n++;
		}
		*got = n;
		*more = strcmp(jfield_text(jfield_typed(answer, "page_context", json_type_object),
		    "has_more_rows"), "true") == 0;
	}
	json_object_put(answer);
}

void
zoho_catalog_templates(const struct config *cfg, struct zoho_catalog_templates *out, struct remote_result *rr)
{
	long start = 1;
	int page, more = 1;
	size_t got;

	memset(out, 0, sizeof *out);
	memset(rr, 0, sizeof *rr);
	for (page = 0; page < MAX_PAGES && more && rr->outcome == REMOTE_OK; page++) {
		templates_page(cfg, start, out, &got, &more, rr);
		more = more && got > 0;
		start += (long)got;
	}
	if (rr->outcome != REMOTE_OK)
		zoho_catalog_templates_free(out);
}

int
zoho_catalog_template_read(json_object *tpl, struct zoho_catalog_template *out)
{
	json_object *actions = jfield_typed(tpl, "actions", json_type_array);
	json_object *docs = jfield_typed(tpl, "document_fields", json_type_array);
	size_t i, d, nd = docs ? json_object_array_length(docs) : 0;

	memset(out, 0, sizeof *out);
	COPY(out->id, tpl, "template_id");
	COPY(out->name, tpl, "template_name");
	out->nroles = actions ? json_object_array_length(actions) : 0;
	if (out->nroles > 0 && (out->roles = calloc(out->nroles, sizeof *out->roles)) == NULL)
		goto oom;
	for (i = 0; i < out->nroles; i++) {
		json_object *a = json_object_array_get_idx(actions, i);

		COPY(out->roles[i].action_id, a, "action_id");
		COPY(out->roles[i].action_type, a, "action_type");
		COPY(out->roles[i].role, a, "role");
	}
	for (d = 0; d < nd; d++) {
		json_object *fields = jfield_typed(json_object_array_get_idx(docs, d), "fields",
		    json_type_array);
		size_t nf = fields ? json_object_array_length(fields) : 0;
		struct zoho_catalog_field *grown;

		if (nf == 0)
			continue;
		if ((grown = realloc(out->fields, (out->nfields + nf) * sizeof *grown)) == NULL)
			goto oom;
		out->fields = grown;
		for (i = 0; i < nf; i++) {
			json_object *f = json_object_array_get_idx(fields, i);
			struct zoho_catalog_field *zf = &out->fields[out->nfields++];

			COPY(zf->name, f, "field_name");
			COPY(zf->label, f, "field_label");
			COPY(zf->type_name, f, "field_type_name");
			COPY(zf->category, f, "field_category");
			zf->mandatory = strcmp(jfield_text(f, "is_mandatory"), "true") == 0;
		}
	}
	return 0;
oom:
	zoho_catalog_template_free(out);
	return -1;
}

void
zoho_catalog_template(const struct config *cfg, const char *template_id, struct zoho_catalog_template *out,
    struct remote_result *rr)
{
	json_object *tpl = NULL;

	memset(out, 0, sizeof *out);
	zoho_template_fetch(cfg, template_id, &tpl, rr);
	if (rr->outcome == REMOTE_OK && zoho_catalog_template_read(tpl, out) == -1)
		out_of_memory(rr);
	json_object_put(tpl);
}

const struct zoho_catalog_field *
zoho_catalog_template_field(const struct zoho_catalog_template *tpl, const char *name)
{
	size_t i;

	for (i = 0; i < tpl->nfields; i++)
		if (strcmp(tpl->fields[i].name, name) == 0)
			return &tpl->fields[i];
	for (i = 0; i < tpl->nfields; i++)
		if (strcmp(tpl->fields[i].label, name) == 0)
			return &tpl->fields[i];
	return NULL;
}

const struct zoho_catalog_role *
zoho_catalog_template_role(const struct zoho_catalog_template *tpl, const char *role)
{
	size_t i;

	for (i = 0; i < tpl->nroles; i++)
		if (strcmp(tpl->roles[i].role, role) == 0)
			return &tpl->roles[i];
	return NULL;
}

void
zoho_catalog_templates_free(struct zoho_catalog_templates *list)
{
	free(list->items);
	memset(list, 0, sizeof *list);
}

void
zoho_catalog_template_free(struct zoho_catalog_template *tpl)
{
	free(tpl->roles);
	free(tpl->fields);
	memset(tpl, 0, sizeof *tpl);
}
