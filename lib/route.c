/*
 * route: the choice of a route for a lead, and the configuration as one route sees it.
 * Pure: the lead comes in as Kommo gave it, nothing is read or written here.
 */
#include "route.h"

#include <stdio.h>
#include <string.h>

#include "fill.h"
#include "jfield.h"

/* The default route exists when its pipeline, stage and template are all set. */
static int
default_route(const struct config *cfg)
{
	return cfg->kommo.pipeline_id != NULL && cfg->kommo.trigger_status_id != NULL &&
	    cfg->zoho.template_id != NULL;
}

int
route_stage_starts(const struct config *cfg, const char *pipeline_id, const char *status_id)
{
	size_t i;

	for (i = 0; i < cfg->nroutes; i++)
		if (strcmp(cfg->routes[i].pipeline_id, pipeline_id) == 0 &&
		    strcmp(cfg->routes[i].trigger_status_id, status_id) == 0)
			return 1;
	return default_route(cfg) && strcmp(cfg->kommo.pipeline_id, pipeline_id) == 0 &&
	    strcmp(cfg->kommo.trigger_status_id, status_id) == 0;
}

const char *
route_name(const struct config_route *route)
{
	return route ? route->name : "";
}

/* 1 when the lead is in the route's stage and meets its condition; else 0, why says why not. */
static int
route_fits(const struct config_route *r, json_object *lead, char *why, size_t whylen)
{
	struct fill_input in = { .lead = lead };
	char value[256], need[128];

	if (strcmp(jfield_text(lead, "pipeline_id"), r->pipeline_id) != 0 ||
	    strcmp(jfield_text(lead, "status_id"), r->trigger_status_id) != 0) {
		snprintf(why, whylen, "not in the trigger stage");
		return 0;
	}
	if (r->when_field == NULL) {
		snprintf(why, whylen, "pipeline %s, stage %s", r->pipeline_id, r->trigger_status_id);
		return 1;
	}
	/* A list field's value is its option's text, as [fields] reads it. */
	if (fill_source(&in, r->when_field, value, sizeof value, need, sizeof need) != 0)
		value[0] = '\0';
	if (strcmp(value, r->when_value) != 0) {
		snprintf(why, whylen, "%s is \"%.60s\", not \"%.60s\"", r->when_field, value, r->when_value);
		return 0;
	}
	snprintf(why, whylen, "pipeline %s, stage %s, %s is \"%.60s\"", r->pipeline_id,
	    r->trigger_status_id, r->when_field, r->when_value);
	return 1;
}

int
route_choose(const struct config *cfg, json_object *lead, const struct config_route **route,
    char *why, size_t whylen)
{
	char each[256], tried[1024] = "";
	size_t i;

	*route = NULL;
	for (i = 0; i < cfg->nroutes; i++) {
		const struct config_route *r = &cfg->routes[i];

		if (route_fits(r, lead, each, sizeof each)) {
			*route = r;
			snprintf(why, whylen, "route %s (%s)", r->name, each);
			return 1;
		}
		snprintf(tried + strlen(tried), sizeof tried - strlen(tried), "%sroute %s: %s",
		    i ? "; " : "", r->name, each);
	}
	if (default_route(cfg)) {
		struct config_route def = { .pipeline_id = cfg->kommo.pipeline_id,
			.trigger_status_id = cfg->kommo.trigger_status_id };

		if (route_fits(&def, lead, each, sizeof each)) {
			snprintf(why, whylen, "the default route (%s)", each);
			return 1;
		}
		if (cfg->nroutes == 0) { /* one route only: as it was before there were routes */
			snprintf(why, whylen, "%s", each);
			return 0;
		}
		snprintf(tried + strlen(tried), sizeof tried - strlen(tried), "; the default route: %s", each);
	}
	snprintf(why, whylen, "no route matches (%s)", tried);
	return 0;
}

void
route_view(const struct config *cfg, const struct config_route *route, struct config *view)
{
	*view = *cfg;
	if (route == NULL)
		return;
	view->kommo.pipeline_id = route->pipeline_id;
	view->kommo.trigger_status_id = route->trigger_status_id;
	view->kommo.signed_status_id = route->signed_status_id;
	view->kommo.declined_status_id = route->declined_status_id;
	view->zoho.template_id = route->template_id;
	view->fields = route->fields;
	view->nfields = route->nfields;
	view->signers = route->signers;
	view->nsigners = route->nsigners;
}

static void
add_text(json_object *obj, const char *key, const char *value)
{
	json_object_object_add(obj, key, json_object_new_string(value ? value : ""));
}

json_object *
route_record(const struct config *view, const struct config_route *route)
{
	json_object *rec = json_object_new_object();

	if (rec == NULL)
		return NULL;
	add_text(rec, "name", route_name(route));
	add_text(rec, "pipeline_id", view->kommo.pipeline_id);
	add_text(rec, "trigger_status_id", view->kommo.trigger_status_id);
	add_text(rec, "signed_status_id", view->kommo.signed_status_id);
	add_text(rec, "declined_status_id", view->kommo.declined_status_id);
	return rec;
}

void
route_recorded(const struct config *cfg, json_object *rec, struct route_stages *out)
{
	json_object *route = jfield_typed(rec, "route", json_type_object);

	if (route == NULL) {
		out->pipeline_id = cfg->kommo.pipeline_id;
		out->trigger_status_id = cfg->kommo.trigger_status_id;
		out->signed_status_id = cfg->kommo.signed_status_id;
		out->declined_status_id = cfg->kommo.declined_status_id;
		return;
	}
	out->pipeline_id = jfield_text(route, "pipeline_id");
	out->trigger_status_id = jfield_text(route, "trigger_status_id");
	out->signed_status_id = jfield_text(route, "signed_status_id");
	out->declined_status_id = jfield_text(route, "declined_status_id");
}
