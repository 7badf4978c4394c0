/*
 * zoho-hook: receives Zoho Sign's webhook. It checks the HMAC signature over the exact
 * bytes received, parses the payload, ignores requests this integration did not make
 * and deliveries it has seen, queues the outcome's job, answers 200 at once (Zoho
 * waits 5 s), and does the work after the response is finished.
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
#include "store.h"
#include "web.h"
#include "zoho_webhook.h"

#define ZOHO_HOOK_MAX_BODY (256 * 1024) /* Zoho's payload is a few KiB */
#define SEEN_DAYS 30 /* how long a delivery is remembered as seen */

/* The job kind an operation queues, keyed so that repeats merge; NULL: nothing to do. */
static const char *
job_kind(enum zoho_op op)
{
	switch (op) {
	case ZOHO_OP_COMPLETED: return OUTCOME_COMPLETE;
	case ZOHO_OP_REJECTED: return OUTCOME_DECLINED;
	case ZOHO_OP_EXPIRED: return OUTCOME_EXPIRED;
	case ZOHO_OP_RECALLED: return OUTCOME_RECALLED;
	case ZOHO_OP_VIEWED:
	case ZOHO_OP_SIGNING_SUCCESS: return OUTCOME_PROGRESS;
	default: return NULL;
	}
}

/* Queues the job once, with the event's facts. */
static int
queue(const struct config *cfg, const char *kind, const char *subject, const struct zoho_event *ev,
    const char *lead_id)
{
	struct outcome_event oe = { lead_id, ev->operation_type, ev->performed_by_name,
		ev->performed_by_email, ev->performed_at_ms, ev->reason };

	return outcome_queue(cfg, kind, subject, &oe);
}

static void
zoho_hook_handle(struct web_request *req, void *arg)
{
	struct config *cfg = arg;
	struct zoho_event ev;
	json_object *rec = NULL;
	const char *kind;
	char err[256], dedupe[ZOHO_DEDUPE_KEY_SIZE], *seen = NULL, until[32];
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
	if (!hmac_zoho_verify(cfg->zoho.webhook_secret, req->body, req->body_len, req->header_signature)) {
		web_refuse(req, 401, req->header_signature ? "X-ZS-WEBHOOK-SIGNATURE does not match the body" :
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
	if (rec == NULL) {
		/* The account's webhook may serve other tools too. */
		log_info("request %s: not sent by this integration; %s ignored", ev.request_id, ev.operation_type);
		web_respond(req, 200, NULL, "ignored: not a request of this integration\n");
		return;
	}
	kind = job_kind(ev.op);
	/* The last signature leaves the request completed: that is the completion (the
	 * Completed webhook may be late, lost, or come first; the job runs once). */
	if (ev.op == ZOHO_OP_SIGNING_SUCCESS && strcmp(ev.request_status, "completed") == 0)
		kind = OUTCOME_COMPLETE;
	if (kind == NULL) {
		log_info("request %s: %s needs nothing from us", ev.request_id, ev.operation_type);
		json_object_put(rec);
		web_respond(req, 200, NULL, "ignored: nothing to do for this operation\n");
		return;
	}
	zoho_event_dedupe_key(&ev, dedupe, sizeof dedupe);
	rc = store_get1(cfg->state_dir, STORE_SEEN, dedupe, &seen);
	free(seen);
	if (rc == 0) {
		json_object_put(rec);
		web_respond(req, 200, NULL, "duplicate: already handled\n");
		return;
	}
	/* Queued before it is marked seen: a crash in between only makes a repeat merge. */
	rc = queue(cfg, kind, strcmp(kind, OUTCOME_PROGRESS) == 0 ? dedupe : ev.request_id, &ev,
	    jfield_text(rec, "lead"));
	json_object_put(rec);
	crash_point("zoho-hook-after-queue");
	snprintf(until, sizeof until, "%lld", (long long)time(NULL) + SEEN_DAYS * 86400LL);
	if (rc == -1 || store_put1(cfg->state_dir, STORE_SEEN, dedupe, until) == -1) {
		web_refuse(req, 503, "cannot store the event; please retry");
		return;
	}
	web_respond(req, 200, NULL, "accepted\n");
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
