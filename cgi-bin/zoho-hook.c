/*
 * zoho-hook: receives Zoho Sign's webhook. It checks the HMAC signature over the exact
 * bytes received, parses the payload, ignores requests this integration did not make,
 * deliveries it has seen and stale ones, queues the outcome's job (or keeps it until
 * a request Zoho reported early is recorded), answers 200 at once (Zoho waits 5 s),
 * and does the work after the response is finished.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "crash.h"
#include "deal.h"
#include "drain.h"
#include "hmac.h"
#include "jfield.h"
#include "log.h"
#include "outbox.h"
#include "outcome.h"
#include "program.h"
#include "status.h"
#include "store.h"
#include "web.h"
#include "zoho_webhook.h"

#define ZOHO_HOOK_MAX_BODY (256 * 1024) /* Zoho's payload is a few KiB */
/*
 * How long a delivery is remembered as seen, counted from the event's own time. An
 * event older than that is refused as stale, so a delivery whose key "kzsctl prune"
 * forgot can never be accepted again (Zoho's signature has no timestamp of its own).
 */
#define SEEN_DAYS 30

/* The job kind an operation queues, keyed so that repeats merge; NULL: nothing to do. */
static const char *
job_kind(const struct zoho_webhook_event *ev)
{
	switch (ev->op) {
	case ZOHO_WEBHOOK_OP_COMPLETED: return JOB_KIND_COMPLETE;
	case ZOHO_WEBHOOK_OP_REJECTED: return JOB_KIND_DECLINED;
	case ZOHO_WEBHOOK_OP_EXPIRED: return JOB_KIND_EXPIRED;
	case ZOHO_WEBHOOK_OP_RECALLED: return JOB_KIND_RECALLED;
	case ZOHO_WEBHOOK_OP_VIEWED: return JOB_KIND_PROGRESS;
	case ZOHO_WEBHOOK_OP_SIGNING_SUCCESS:
		/* The last signature leaves the request completed: that is the completion (the
		 * Completed webhook may be late, lost, or come first; the job runs once). */
		return strcmp(ev->request_status, "completed") == 0 ? JOB_KIND_COMPLETE : JOB_KIND_PROGRESS;
	default: return NULL;
	}
}

/* Until when the delivery's key is kept: SEEN_DAYS from the event (from now without one). */
static long long
seen_until(const struct zoho_webhook_event *ev, long long now)
{
	long long at = ev->performed_at_ms[0] ? (long long)(ev->performed_at / 1000) : now;

	return at + SEEN_DAYS * 86400LL;
}

/* One event, as the outcome job and the early queue take it. */
struct hook_event {
	const struct zoho_webhook_event *ev;
	const char *kind;
	const char *subject; /* the job's subject: the request, or the delivery for progress */
	const char *lead_id;
};

static void
hook_event_state(const struct hook_event *he, struct outcome_event *oe)
{
	const struct zoho_webhook_event *ev = he->ev;

	oe->lead_id = he->lead_id;
	oe->op = ev->operation_type;
	oe->by_name = ev->performed_by_name;
	oe->by_email = ev->performed_by_email;
	oe->at_ms = ev->performed_at_ms;
	oe->reason = ev->reason;
}

/* The account's webhook may serve other tools too. */
static void
not_ours(struct web_request *req, const struct zoho_webhook_event *ev)
{
	log_info("request %s: not sent by this integration; %s ignored", ev->request_id, ev->operation_type);
	web_respond(req, 200, NULL, "ignored: not a request of this integration\n");
}

/*
 * The request is not recorded (yet?), but its name carries our reference: while that
 * lead's send with this marker still waits for Zoho's answer, the event is kept until
 * the request is recorded. 1 kept, 0 recorded meanwhile (*rec set), 2 not ours, -1
 * store error.
 */
static int
keep_early(const struct config *cfg, struct hook_event *he, const char *lead_id, const char *marker,
    const char *dedupe, json_object **rec)
{
	struct outcome_event oe;
	json_object *entry;
	int rc;

	he->lead_id = lead_id;
	hook_event_state(he, &oe);
	he->lead_id = NULL;
	entry = json_object_new_object();
	json_object_object_add(entry, "kind", json_object_new_string(he->kind));
	json_object_object_add(entry, "subject", json_object_new_string(he->subject));
	json_object_object_add(entry, "dedupe", json_object_new_string(dedupe));
	json_object_object_add(entry, "state", outcome_state_new(&oe));
	rc = deal_early_keep(cfg->state_dir, he->ev->request_id, lead_id, marker, entry, rec);
	json_object_put(entry);
	if (rc == 3)
		log_warn("request %s: too many events before the request was recorded; %s left to the reconcile",
		    he->ev->request_id, he->ev->operation_type);
	return rc == 3 ? 2 : rc;
}

/* Whether the event is acted on; answers the request when not. */
static int
hook_wanted(struct web_request *req, const struct zoho_webhook_event *ev, const char *kind, const char *dedupe,
    const struct config *cfg)
{
	char *seen = NULL;
	int rc;

	if (kind == NULL) {
		log_info("request %s: %s needs nothing from us", ev->request_id, ev->operation_type);
		web_respond(req, 200, NULL, "ignored: nothing to do for this operation\n");
		return 0;
	}
	if (seen_until(ev, (long long)time(NULL)) < (long long)time(NULL)) {
		/* 200, not 4xx: Zoho disables a webhook after 20 failures in a row, and a
		 * replay changes nothing either way. */
		log_warn("request %s: %s performed at %s ms is older than %d days; ignored as stale (a replay?)",
		    ev->request_id, ev->operation_type, ev->performed_at_ms, SEEN_DAYS);
		web_respond(req, 200, NULL, "ignored: stale, the event is older than 30 days\n");
		return 0;
	}
	if (strcmp(kind, JOB_KIND_PROGRESS) == 0 && ev->performed_at_ms[0] == '\0') {
		/* Without a time a repeat could not be told apart once its key expired. */
		log_info("request %s: %s without notifications.performed_at; ignored", ev->request_id,
		    ev->operation_type);
		web_respond(req, 200, NULL, "ignored: no event time\n");
		return 0;
	}
	rc = store_get1(cfg->state_dir, STORE_SEEN, dedupe, &seen);
	free(seen);
	if (rc == 0) {
		web_respond(req, 200, NULL, "duplicate: already handled\n");
		return 0;
	}
	return 1;
}

/*
 * Queues the outcome (or, with rec NULL, leaves it kept for later), then marks the
 * delivery seen and answers. Queued before it is marked seen: a crash in between only
 * makes a repeat merge.
 */
static void
hook_accept(struct web_request *req, const struct config *cfg, struct hook_event *he, json_object *rec,
    const char *dedupe)
{
	struct outcome_event oe;
	char until[32];
	int rc = 0;

	if (rec != NULL) {
		he->lead_id = jfield_text(rec, "lead");
		hook_event_state(he, &oe);
		rc = outcome_queue(cfg, he->kind, he->subject, &oe);
	} else {
		log_info("request %s: %s came before the request was recorded; kept until it is",
		    he->ev->request_id, he->ev->operation_type);
	}
	crash_point("zoho-hook-after-queue");
	snprintf(until, sizeof until, "%lld", seen_until(he->ev, (long long)time(NULL)));
	if (rc == -1 || store_put1(cfg->state_dir, STORE_SEEN, dedupe, until) == -1) {
		web_refuse(req, 503, "cannot store the event; please retry");
		return;
	}
	status_hook_received(cfg->state_dir, "zoho-hook");
	web_respond(req, 200, NULL, rec ? "accepted\n" : "accepted: kept until the request is recorded\n");
}

static void
zoho_hook_handle(struct web_request *req, void *arg)
{
	struct config *cfg = arg;
	struct zoho_webhook_event ev;
	struct hook_event he = { &ev, NULL, NULL, NULL };
	json_object *rec = NULL;
	char err[256], dedupe[ZOHO_WEBHOOK_DEDUPE_KEY_SIZE], lead_id[ZOHO_WEBHOOK_ID_MAX + 1], marker[64];
	const char *signature;
	int rc;

	if (program_request_begin(cfg, req) == -1)
		return;
	if (strcmp(req->method, "POST") != 0) {
		web_refuse(req, 405, "only POST is accepted");
		return;
	}
	if (req->body_too_large) {
		web_refuse(req, 413, "body larger than 256 KiB");
		return;
	}
	if (!web_content_type_is(req, "application/json")) {
		web_refuse(req, 415, "expected Content-Type application/json");
		return;
	}
	/* Over the bytes as received: re-serialised JSON would not match. */
	signature = web_getenv(req, "HTTP_X_ZS_WEBHOOK_SIGNATURE");
	if (!hmac_zoho_verify(cfg->zoho.webhook_secret, req->body, req->body_len, signature)) {
		web_refuse(req, 401, signature ? "X-ZS-WEBHOOK-SIGNATURE does not match the body" :
		    "missing X-ZS-WEBHOOK-SIGNATURE header");
		return;
	}
	if (zoho_webhook_parse(req->body, req->body_len, &ev, err, sizeof err) == -1) {
		web_refuse(req, 400, err);
		return;
	}
	if (deal_request_load(cfg->state_dir, ev.request_id, &rec) == -1) {
		web_refuse(req, 503, "cannot read the state; please retry");
		return;
	}
	he.kind = job_kind(&ev);
	zoho_webhook_dedupe_key(&ev, dedupe, sizeof dedupe);
	he.subject = he.kind && strcmp(he.kind, JOB_KIND_PROGRESS) == 0 ? dedupe : ev.request_id;
	if (rec == NULL && zoho_webhook_ref(&ev, lead_id, marker, sizeof marker) == -1) {
		not_ours(req, &ev);
		return;
	}
	if (!hook_wanted(req, &ev, he.kind, dedupe, cfg)) {
		json_object_put(rec);
		return;
	}
	if (rec == NULL) {
		rc = keep_early(cfg, &he, lead_id, marker, dedupe, &rec);
		if (rc == -1) {
			web_refuse(req, 503, "cannot store the event; please retry");
			return;
		}
		if (rc == 2) {
			not_ours(req, &ev);
			return;
		}
	}
	hook_accept(req, cfg, &he, rec, dedupe);
	json_object_put(rec);
}


int
main(void)
{
	struct config cfg;
	int rc;

	if (program_start("zoho-hook", CONFIG_NEED_ZOHO_HOOK, &cfg) == -1)
		return 1;
	rc = web_serve(ZOHO_HOOK_MAX_BODY, zoho_hook_handle, drain_after_answer, &cfg);
	config_free(&cfg);
	return rc == 0 ? 0 : 1;
}
