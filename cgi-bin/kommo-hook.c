/*
 * kommo-hook: receives Kommo's lead webhooks. It checks the secret, the account and
 * the body, queues a send job for each lead that entered the trigger stage, answers
 * 200 at once, and sends the contracts after the response is finished.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "contract.h"
#include "crash.h"
#include "drain.h"
#include "form.h"
#include "kommo_webhook.h"
#include "log.h"
#include "program.h"
#include "route.h"
#include "status.h"
#include "str.h"
#include "web.h"

#define KOMMO_HOOK_MAX_BODY (1024 * 1024) /* a 300-lead bulk move is about 250 KiB */

/*
 * 0 when the query's one secret parameter equals [kommo] hook_secret; else the status
 * to refuse with and its reason: 400 when secret is given more than once (which one is
 * meant is ambiguous, so none is taken), 401 when it is missing or wrong.
 */
static int
secret_check(const struct config *cfg, const char *query, const char **reason)
{
	struct form q;
	char err[128];
	size_t i, n = 0;
	int ok;

	*reason = "missing or wrong secret in the webhook URL";
	if (form_parse(query, strlen(query), &q, err, sizeof err) == -1)
		return 401;
	for (i = 0; i < q.n; i++)
		n += strcmp(q.pairs[i].key, "secret") == 0;
	ok = n == 1 && str_secret_equal(form_get(&q, "secret"), cfg->kommo.hook_secret);
	form_free(&q);
	if (n > 1) {
		*reason = "parameter secret given more than once in the webhook URL";
		return 400;
	}
	return ok ? 0 : 401;
}

/* A lead entering the trigger stage of any route (the send job checks its condition). */
static int
event_wanted(const struct config *cfg, const struct kommo_webhook_event *ev)
{
	return route_stage_starts(cfg, ev->pipeline_id, ev->status_id);
}

static void
kommo_hook_handle(struct web_request *req, void *arg)
{
	struct config *cfg = arg;
	struct kommo_webhook hook;
	char err[256], answer[96];
	const char *reason;
	size_t i, queued = 0;
	int status;

	if (program_request_begin(cfg, req) == -1)
		return;
	if (strcmp(req->method, "POST") != 0) {
		web_refuse(req, 405, "only POST is accepted");
		return;
	}
	if ((status = secret_check(cfg, req->query, &reason)) != 0) {
		web_refuse(req, status, reason);
		return;
	}
	if (req->body_too_large) {
		web_refuse(req, 413, "body larger than 1 MiB");
		return;
	}
	if (!web_content_type_is(req, "application/x-www-form-urlencoded")) {
		web_refuse(req, 415, "expected Content-Type application/x-www-form-urlencoded");
		return;
	}
	if (kommo_webhook_parse(req->body, req->body_len, &hook, err, sizeof err) == -1) {
		web_refuse(req, 400, err);
		return;
	}
	if (hook.account_id[0] == '\0') {
		kommo_webhook_free(&hook);
		web_refuse(req, 400, "account[id] is missing");
		return;
	}
	if (strcmp(hook.account_id, cfg->kommo.account_id) != 0) {
		snprintf(err, sizeof err, "account %s is not the configured account", hook.account_id);
		kommo_webhook_free(&hook);
		web_refuse(req, 403, err);
		return;
	}
	/* Stored before the answer: once we say 200, Kommo will not send it again. */
	for (i = 0; i < hook.nevents; i++) {
		const struct kommo_webhook_event *ev = &hook.events[i];

		if (!event_wanted(cfg, ev))
			continue;
		if (contract_queue(cfg, ev->lead_id, (long long)time(NULL), err, sizeof err) == -1) {
			kommo_webhook_free(&hook);
			web_refuse(req, 503, "cannot store the event; please retry");
			return;
		}
		queued++;
	}
	crash_point("kommo-hook-after-store");
	status_hook_received(cfg->state_dir, "kommo-hook");
	snprintf(answer, sizeof answer, "accepted %zu of %zu\n", queued, hook.nevents);
	kommo_webhook_free(&hook);
	web_respond(req, 200, NULL, answer);
}

int
main(void)
{
	struct config cfg;
	int rc;

	if (program_start("kommo-hook", CONFIG_NEED_KOMMO_HOOK, &cfg) == -1)
		return 1;
	rc = web_serve(KOMMO_HOOK_MAX_BODY, kommo_hook_handle, drain_after_answer, &cfg);
	config_free(&cfg);
	return rc == 0 ? 0 : 1;
}
