/*
 * route: which way a lead's contract goes. A route is a [route NAME] section of the
 * config (its pipeline, trigger stage, template, outcome stages, [fields], [signers] and
 * an optional condition on a lead field), or the default route made of the [kommo]
 * pipeline_id, trigger_status_id, signed_status_id, declined_status_id and [zoho]
 * template_id keys with the global [fields] and [signers]. The named routes are tried in
 * file order, the default route last; the first that matches sends.
 */
#ifndef KZS_ROUTE_H
#define KZS_ROUTE_H

#include <stddef.h>

#include <json-c/json.h>

#include "config.h"

/* 1 when some route starts when a lead enters this stage of this pipeline (kommo-hook's
 * filter; the condition is left to the send job, which reads the lead). */
int route_stage_starts(const struct config *cfg, const char *pipeline_id, const char *status_id);

/*
 * The route for a lead as Kommo gives it (GET /leads/{id}): 1 when one matches, *route
 * is it (NULL: the default route) and why says which and why; 0 when none does, why says
 * for each route why not ("not in the trigger stage" alone when there is only the
 * default route).
 */
int route_choose(const struct config *cfg, json_object *lead, const struct config_route **route,
    char *why, size_t whylen);

/*
 * cfg as route sends (NULL: the default route, cfg as it is): the route's pipeline,
 * stages, template, [fields] and [signers] in place of the global ones. view shares
 * cfg's strings: it lives no longer than cfg and is never given to config_free.
 */
void route_view(const struct config *cfg, const struct config_route *route, struct config *view);

/* The name a route is known by in logs and on the deal's record: "" for the default. */
const char *route_name(const struct config_route *route);

/*
 * The route as kept on the request's record (deal.h): its name and the pipeline and
 * stages it had when it sent, so the outcome moves the deal as the route said then,
 * whatever the config says later. view is route_view's. NULL when out of memory.
 */
json_object *route_record(const struct config *view, const struct config_route *route);

/* Where the outcome of a request moves its deal; "" or NULL: not moved. */
struct route_stages {
	const char *pipeline_id, *trigger_status_id, *signed_status_id, *declined_status_id;
};

/*
 * The pipeline and stages recorded with a request (rec, its "req:" record), for its
 * outcome; the default route's ([kommo] keys) when rec has no route (a request sent
 * before there were routes) or rec is NULL. The strings are rec's or cfg's.
 */
void route_recorded(const struct config *cfg, json_object *rec, struct route_stages *out);

#endif
