/*
 * reconcile: in-flight deals first collected under the store's lock, then asked about
 * one by one without it; the outcome jobs are the ones zoho-hook queues, so a webhook
 * and a reconcile that find the same outcome merge into one job.
 */
#include "reconcile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deal.h"
#include "jfield.h"
#include "job.h"
#include "kommo.h"
#include "log.h"
#include "outbox.h"
#include "outcome.h"
#include "store.h"
#include "str.h"
#include "zoho.h"

#define LEADS_SINCE_KEY "reconcile.leads_since"
#define LEADS_FIRST_LOOK_BACK_S 86400
/* Kommo's clock and ours may differ a little: each run overlaps the last by this much
 * (a lead seen twice is harmless, a lead never seen is not). */
#define LEADS_OVERLAP_S 300

struct inflight {
	char lead[24];
	char request[32];
};

struct inflight_list {
	struct inflight *items;
	size_t n, cap;
	long long older_than;
};

static void
collect_inflight(const char *lead_id, const struct deal *d, void *arg)
{
	struct inflight_list *list = arg;

	if (strcmp(d->state, DEAL_INFLIGHT) != 0 || d->since > list->older_than)
		return;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 32;
		struct inflight *items = realloc(list->items, cap * sizeof *items);

		if (items == NULL)
			return;
		list->items = items;
		list->cap = cap;
	}
	snprintf(list->items[list->n].lead, sizeof list->items[0].lead, "%s", lead_id);
	snprintf(list->items[list->n].request, sizeof list->items[0].request, "%s", d->request_id);
	list->n++;
}

/* The outcome job for a request status, with the op its webhook would have carried. */
static const char *
kind_for_status(const char *status, const char **op)
{
	static const struct {
		const char *status, *kind, *op;
	} map[] = {
		{ "completed", JOB_KIND_COMPLETE, "RequestCompleted" },
		{ "declined", JOB_KIND_DECLINED, "RequestRejected" },
		{ "expired", JOB_KIND_EXPIRED, "RequestExpired" },
		{ "recalled", JOB_KIND_RECALLED, "RequestRecalled" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(status, map[i].status) == 0) {
			*op = map[i].op;
			return map[i].kind;
		}
	return NULL;
}

/* The signer to name in the note: the last action that signed (or declined). */
static json_object *
last_actor(json_object *request)
{
	json_object *actions = jfield_typed(request, "actions", json_type_array), *who = NULL;
	size_t i, n = actions ? json_object_array_length(actions) : 0;

	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(actions, i);
		const char *st = jfield_text(a, "action_status");

		if (strcmp(st, "SIGNED") == 0 || strcmp(st, "DECLINED") == 0 || who == NULL)
			who = a;
	}
	return who;
}

static int
one(const struct config *cfg, const struct inflight *it, struct reconcile_counts *out)
{
	struct remote_result rr;
	json_object *request = NULL, *who;
	const char *kind, *op = "";
	int rc = 0;

	zoho_request_get(cfg, it->request, &request, &rr);
	out->checked++;
	if (rr.outcome != REMOTE_OK) {
		log_warn("reconcile: request %s (lead %s): %s", it->request, it->lead, rr.message);
		out->failed++;
		return 0;
	}
	kind = kind_for_status(jfield_text(request, "request_status"), &op);
	if (kind != NULL) {
		struct outcome_event ev;

		who = last_actor(request);
		ev.lead_id = it->lead;
		ev.op = op;
		ev.by_name = jfield_text(who, "recipient_name");
		ev.by_email = jfield_text(who, "recipient_email");
		ev.at_ms = jfield_text(request, "modified_time");
		ev.reason = jfield_text(request, "decline_reason");
		rc = outcome_queue(cfg, kind, it->request, &ev);
		if (rc == 0) {
			out->queued++;
			log_info("reconcile: request %s (lead %s) is %s; outcome queued", it->request, it->lead,
			    jfield_text(request, "request_status"));
		}
	}
	json_object_put(request);
	return rc;
}

int
reconcile_run(const struct config *cfg, long min_age_s, struct reconcile_counts *out)
{
	struct inflight_list list = { .older_than = (long long)time(NULL) - min_age_s };
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (deal_each(cfg->state_dir, collect_inflight, &list) == -1)
		return -1;
	for (i = 0; i < list.n && rc == 0; i++)
		rc = one(cfg, &list.items[i], out);
	free(list.items);
	return rc;
}

/* Should a lead listed in the trigger stage be started? Only when no webhook did.
 * 1 yes, 0 no, -1 when the deals store cannot say. */
static int
lead_needs_start(const struct config *cfg, json_object *lead)
{
	struct deal deal;

	if (deal_load(cfg->state_dir, jfield_text(lead, "id"), &deal) == -1)
		return -1;
	if (deal.state[0] == '\0')
		return 1;
	/* Blocked, then fixed and moved back: its webhook would have started it too. */
	return strcmp(deal.state, DEAL_BLOCKED) == 0 &&
	    strcmp(deal.updated_at, jfield_text(lead, "updated_at")) != 0;
}

/* Queues sends for one page of leads: 1 when another page follows, 0 when not, -1 when
 * the state could not be read or written (the run then counts as failed). */
static int
lead_page(const struct config *cfg, json_object *answer, struct reconcile_counts *out)
{
	json_object *leads = jfield_typed(jfield_typed(answer, "_embedded", json_type_object), "leads",
	    json_type_array);
	size_t i, n = leads ? json_object_array_length(leads) : 0;
	char err[256];

	for (i = 0; i < n; i++) {
		json_object *lead = json_object_array_get_idx(leads, i);
		const char *id = jfield_text(lead, "id");
		int rc;

		out->leads_listed++;
		if (!*id || (rc = lead_needs_start(cfg, lead)) == 0)
			continue;
		if (rc == -1) {
			log_err("reconcile: lead %s: cannot read the deals store", id);
			return -1;
		}
		rc = outbox_enqueue_once(cfg->state_dir, JOB_KIND_SEND, id, NULL, (long long)time(NULL),
		    err, sizeof err);
		if (rc == -1) {
			log_err("reconcile: lead %s: cannot queue it: %s", id, err);
			return -1;
		}
		if (rc == 0) {
			out->leads_started++;
			log_info("reconcile: lead %s is in the trigger stage without a request; sending", id);
		}
	}
	/* Kommo may link a next page that is not there: a short page is the last. */
	return n == KOMMO_LEADS_PAGE &&
	    jfield_typed(jfield_typed(answer, "_links", json_type_object), "next", json_type_object) != NULL;
}

/* Adds a route's (pipeline, trigger stage) to stages once; n counts the pairs. */
static void
add_stage(const char **stages, size_t *n, const char *pipeline, const char *stage)
{
	size_t i;

	if (str_empty(pipeline) || str_empty(stage))
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(stages[2 * i], pipeline) == 0 && strcmp(stages[2 * i + 1], stage) == 0)
			return;
	stages[2 * *n] = pipeline;
	stages[2 * *n + 1] = stage;
	(*n)++;
}

/* Lists and starts the leads in n of the trigger stages, page after page. */
static int
list_stages(const struct config *cfg, const char *const *stages, size_t n, long long since,
    struct reconcile_counts *out)
{
	struct remote_result rr;
	int page, more = 1;

	for (page = 1; more == 1; page++) {
		json_object *answer = NULL;

		kommo_leads_in_stages(cfg, stages, n, since, page, &answer, &rr);
		if (rr.outcome != REMOTE_OK) {
			log_warn("reconcile: cannot list the leads in the trigger stage: %s", rr.message);
			return -1;
		}
		more = answer != NULL ? lead_page(cfg, answer, out) : 0;
		json_object_put(answer);
	}
	return more;
}

int
reconcile_leads(const struct config *cfg, struct reconcile_counts *out)
{
	long long now = (long long)time(NULL), since = now - LEADS_FIRST_LOOK_BACK_S;
	const char **stages;
	char *stored = NULL, mark[32];
	size_t i, n = 0;
	int rc = 0;

	if (store_get1(cfg->state_dir, STORE_CACHE, LEADS_SINCE_KEY, &stored) == 0 && stored && *stored)
		since = strtoll(stored, NULL, 10);
	free(stored);
	/* Every route's trigger stage, the default route's too when it is configured. */
	if ((stages = calloc(2 * (cfg->nroutes + 1), sizeof *stages)) == NULL)
		return -1;
	add_stage(stages, &n, cfg->kommo.pipeline_id, cfg->kommo.trigger_status_id);
	for (i = 0; i < cfg->nroutes; i++)
		add_stage(stages, &n, cfg->routes[i].pipeline_id, cfg->routes[i].trigger_status_id);
	for (i = 0; i < n && rc == 0; i += KOMMO_LEADS_STAGES)
		rc = list_stages(cfg, stages + 2 * i, n - i < KOMMO_LEADS_STAGES ? n - i : KOMMO_LEADS_STAGES,
		    since, out) == -1 ? -1 : 0;
	free(stages);
	if (rc == -1)
		return -1;
	/* Only a complete run moves the time on: the next one covers the same leads. */
	snprintf(mark, sizeof mark, "%lld", now - LEADS_OVERLAP_S);
	return store_put1(cfg->state_dir, STORE_CACHE, LEADS_SINCE_KEY, mark);
}
