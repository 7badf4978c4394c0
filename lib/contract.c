/*
 * contract: the send job, step by step. Each finished step is recorded in the job's
 * state before the next begins (job.h), so a retry after a failure resumes where it
 * stopped and no request, note or task is made twice. The send itself is marked tried
 * in the deal rather than in the job (the intent, deal.h): zoho-hook reads it there.
 */
#include "contract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crash.h"
#include "datefmt.h"
#include "deal.h"
#include "deal_status.h"
#include "fill.h"
#include "jfield.h"
#include "job.h"
#include "job_step.h"
#include "kommo.h"
#include "log.h"
#include "outcome.h"
#include "route.h"
#include "str.h"
#include "texts.h"
#include "zoho.h"

void
contract_draft_free(struct contract_draft *d)
{
	json_object_put(d->lead);
	json_object_put(d->contact);
	json_object_put(d->company);
	json_object_put(d->tpl);
	json_object_put(d->others);
	json_object_put(d->users);
	fill_result_free(&d->fill);
	memset(d, 0, sizeof *d);
}

int
contract_queue(const struct config *cfg, const char *lead_id, long long now, char *err, size_t errlen)
{
	return outbox_enqueue(cfg->state_dir, JOB_KIND_SEND, lead_id, now, err, errlen);
}

void
contract_marker(const char *lead_id, long long now, char *buf, size_t len)
{
	snprintf(buf, len, "(ref %.19s-%lld)", lead_id, now);
}

/* Id of the first linked entity in lead._embedded[list], preferring is_main. */
static const char *
linked_id(json_object *lead, const char *list, int want_main)
{
	json_object *embedded = jfield_typed(lead, "_embedded", json_type_object);
	json_object *items = jfield_typed(embedded, list, json_type_array);
	size_t i, n = items ? json_object_array_length(items) : 0;

	for (i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(items, i);

		if (!want_main || strcmp(jfield_text(item, "is_main"), "true") == 0)
			return jfield_text(item, "id");
	}
	return NULL;
}

/* Fetches a linked contact or company; a vanished one counts as absent. -1 when the
 * call failed (rr says why). */
static int
fetch_linked(const struct config *cfg, const char *id,
    void (*fetch)(const struct config *, const char *, json_object **, struct remote_result *),
    json_object **out, struct remote_result *rr)
{
	*out = NULL;
	if (id == NULL || *id == '\0')
		return 0;
	fetch(cfg, id, out, rr);
	return rr->outcome == REMOTE_OK || rr->outcome == REMOTE_NOT_FOUND ? 0 : -1;
}

void
contract_draft_lead(const struct config *cfg, const char *lead_id, struct contract_draft *d,
    struct remote_result *rr)
{
	kommo_lead_fetch(cfg, lead_id, &d->lead, rr);
}

int
contract_skip(const struct config *cfg, const struct deal *deal, json_object *lead, char *why,
    size_t whylen)
{
	const struct config_route *route;

	if (strcmp(deal->state, DEAL_INFLIGHT) == 0)
		snprintf(why, whylen, "request %s already in flight", deal->request_id);
	else if (lead && !route_choose(cfg, lead, &route, why, whylen))
		; /* why says why no route matches */
	else if (lead && strcmp(deal->state, DEAL_BLOCKED) == 0 &&
	    strcmp(deal->updated_at, jfield_text(lead, "updated_at")) == 0)
		snprintf(why, whylen, "unchanged since the manager was told what is missing");
	else
		return 0;
	return 1;
}

/* The template Zoho Sign does not have (or refuses to give): the administrator's to fix. */
static void
no_template(const struct config *cfg, const struct remote_result *rr, struct fill_result *out)
{
	char admin[400];

	snprintf(admin, sizeof admin, "[zoho] template_id: Zoho Sign has no template %s (%s)",
	    cfg->zoho.template_id, rr->message);
	fill_problem_add(out, texts_plain(cfg->kommo.language, TEXTS_NO_TEMPLATE), admin);
}

/* 1 when some [signers] line is of this kind. */
static int
signers_use(const struct config *cfg, enum config_signer_kind kind)
{
	struct config_signer s;
	char why[300];
	size_t i;

	for (i = 0; i < cfg->nsigners; i++)
		if (config_signer_parse(cfg->signers[i].source, &s, why, sizeof why) == 0 && s.kind == kind)
			return 1;
	return 0;
}

/*
 * The linked contacts besides the main one, in the deal's order: all of them (up to
 * FILL_MAX_OTHER_CONTACTS) for contact.cf, the first for contact.other, none otherwise.
 * A vanished one is left out. -1 when a call failed.
 */
static int
read_others(const struct config *cfg, struct contract_draft *d, struct remote_result *rr)
{
	json_object *items = jfield_typed(jfield_typed(d->lead, "_embedded", json_type_object), "contacts",
	    json_type_array);
	size_t i, n = items ? json_object_array_length(items) : 0, want = 0;

	if (signers_use(cfg, CONFIG_SIGNER_CONTACT_CF))
		want = FILL_MAX_OTHER_CONTACTS;
	else if (signers_use(cfg, CONFIG_SIGNER_CONTACT_OTHER))
		want = 1;
	if (want == 0)
		return 0;
	d->others = json_object_new_array();
	for (i = 0; i < n && json_object_array_length(d->others) < want; i++) {
		json_object *item = json_object_array_get_idx(items, i), *contact = NULL;

		if (strcmp(jfield_text(item, "is_main"), "true") == 0)
			continue;
		if (fetch_linked(cfg, jfield_text(item, "id"), kommo_contact_fetch, &contact, rr) == -1)
			return -1;
		if (contact)
			json_object_array_add(d->others, contact);
	}
	return 0;
}

/* The users the [signers] sources name (by id), each read once; one Kommo has not is
 * left out (fill says so). -1 when a call failed. */
static int
read_users(const struct config *cfg, struct contract_draft *d, struct remote_result *rr)
{
	struct config_signer s;
	char why[300];
	size_t i;

	for (i = 0; i < cfg->nsigners; i++) {
		const char *id;
		json_object *user = NULL;

		if (config_signer_parse(cfg->signers[i].source, &s, why, sizeof why) == -1)
			continue;
		id = fill_signer_user(&s, d->lead);
		if (*id == '\0' || json_object_object_get_ex(d->users, id, NULL))
			continue;
		if (fetch_linked(cfg, id, kommo_user_fetch, &user, rr) == -1)
			return -1;
		if (d->users == NULL)
			d->users = json_object_new_object();
		if (user)
			json_object_object_add(d->users, id, user);
	}
	return 0;
}

int
contract_draft_read(const struct config *cfg, struct contract_draft *d, struct remote_result *rr)
{
	if (fetch_linked(cfg, linked_id(d->lead, "contacts", 1),
		kommo_contact_fetch, &d->contact, rr) == -1 ||
	    fetch_linked(cfg, linked_id(d->lead, "companies", 0),
		kommo_company_fetch, &d->company, rr) == -1 ||
	    read_others(cfg, d, rr) == -1 || read_users(cfg, d, rr) == -1)
		return -1;
	zoho_template_get(cfg, cfg->zoho.template_id, &d->tpl, rr);
	if (rr->outcome == REMOTE_NOT_FOUND || rr->outcome == REMOTE_REFUSED) {
		memset(&d->fill, 0, sizeof d->fill);
		no_template(cfg, rr, &d->fill);
		return 1;
	}
	return rr->outcome == REMOTE_OK ? 0 : -1;
}

int
contract_draft_fill(const struct config *cfg, struct contract_draft *d, const char *marker,
    struct job_result *res)
{
	struct fill_input fin = { 0 };
	char today[32];
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	localtime_r(&now, &tm); /* the [zoho] time_zone's today */
	if (datefmt_write(cfg->zoho.date_format, &tm, today, sizeof today) == -1)
		datefmt_write("dd/MM/yyyy", &tm, today, sizeof today);
	fin.tpl = d->tpl;
	fin.lead = d->lead;
	fin.contact = d->contact;
	fin.company = d->company;
	fin.others = d->others;
	fin.users = d->users;
	fin.today = today;
	fin.marker = marker;
	fin.lang = cfg->kommo.language;
	rc = fill_request(cfg, &fin, &d->fill);
	if (rc == -1)
		snprintf(res->error, sizeof res->error, "out of memory");
	return rc;
}

/*
 * Reads the lead for the job. Returns 0 to go on, -1 to stop: res->done when there is
 * nothing to do (the lead left the stage, is gone, or was already handled), else res
 * says why to retry.
 */
static int
read_inputs(const struct config *cfg, struct outbox_job *job, const struct deal *deal,
    struct contract_draft *d, struct job_result *res)
{
	struct remote_result rr;
	char why[1024];

	contract_draft_lead(cfg, job->subject, d, &rr);
	if (rr.outcome == REMOTE_NOT_FOUND) {
		log_info("lead %s: no longer exists; nothing sent", job->subject);
		res->done = 1;
		return -1;
	}
	if (job_failed(&rr, res))
		return -1;
	if (contract_skip(cfg, deal, d->lead, why, sizeof why)) {
		log_info("lead %s: %s; nothing sent", job->subject, why);
		res->done = 1;
		return -1;
	}
	route_choose(cfg, d->lead, &d->route, why, sizeof why);
	return 0;
}

/*
 * Records why the contract cannot go out ("problems"), for the note and task steps, and
 * logs it; what only the administrator can fix is logged for them with its config key.
 * Returns 0, or -1 when it could not be recorded (res says so).
 */
static int
block_send(const struct config *cfg, struct outbox_job *job, json_object *lead,
    const struct fill_problem *problems, size_t n, struct job_result *res)
{
	char text[2048] = "";
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s", i ? "; " : "",
		    problems[i].text);
	json_object_object_add(job->state, "responsible",
	    json_object_new_string(jfield_text(lead, "responsible_user_id")));
	json_object_object_add(job->state, "updated_at",
	    json_object_new_string(jfield_text(lead, "updated_at")));
	if (job_step_record(cfg, job, "problems", json_object_new_string(text), res) == -1)
		return -1;
	log_warn("lead %s: contract not sent: %s", job->subject, text);
	for (i = 0; i < n; i++)
		if (problems[i].admin)
			log_err("lead %s: for the administrator: %s", job->subject, problems[i].admin);
	return 0;
}

/*
 * Records a request that Zoho holds for the lead, and moves the job to the note step.
 * The job learns the request before the deal does: a deal recorded as in flight while
 * the job's own record still lacks the request (a full disk refusing the second write)
 * would leave the job nothing to do on its retry, and the request without its note.
 * The other way round the retry finds the deal still "sending" and adopts the request
 * again (contract_run).
 */
static int
record_sent(const struct config *cfg, struct outbox_job *job, const struct contract_draft *d,
    json_object *request, const char *recipients, struct job_result *res)
{
	const char *request_id = jfield_text(request, "request_id");
	json_object *lead = d->lead;

	/* Saved with the request id, for the note that names them. */
	json_object_object_add(job->state, "recipients", json_object_new_string(recipients));
	if (job_step_record(cfg, job, "request_id", json_object_new_string(request_id), res) == -1) {
		/* Not in the retry's record either: it adopts the request through the marker. */
		json_object_object_del(job->state, "request_id");
		json_object_object_del(job->state, "recipients");
		snprintf(res->error, sizeof res->error, "Zoho Sign request %s could not be recorded", request_id);
		return -1;
	}
	/* The route goes onto the request's record: its outcome moves the deal by it. */
	json_object_object_add(request, "route", route_record(cfg, d->route));
	/* A job queued by an expiry (state "resend") marks its request, so it is resent once only.
	 * Unrecorded, the request's events would find no deal: the retry adopts it again. */
	if (deal_record_request(cfg->state_dir, job->subject, jfield_text(lead, "updated_at"), request,
	    strcmp(jfield_text(job->state, "resend"), "true") == 0) == -1) {
		snprintf(res->error, sizeof res->error, "Zoho Sign request %s could not be recorded", request_id);
		return -1;
	}
	return 0;
}

/*
 * An earlier attempt may have reached Zoho without us learning the answer (a timeout,
 * a crash). Its request carries the marker: adopt it rather than send a second one.
 * Returns 0 (*adopted: 1 when a request was found and recorded), -1 to retry.
 */
static int
adopt(const struct config *cfg, struct outbox_job *job, const struct contract_draft *d, const char *marker,
    int *adopted, struct job_result *res)
{
	struct remote_result rr;
	json_object *request = NULL, *actions;
	char recipients[512] = "";
	size_t i, n;
	int rc;

	*adopted = 0;
	zoho_request_find(cfg, marker, &request, &rr);
	if (job_failed(&rr, res))
		return -1;
	if (request == NULL)
		return 0;
	actions = jfield_typed(request, "actions", json_type_array);
	n = actions ? json_object_array_length(actions) : 0;
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(actions, i);

		snprintf(recipients + strlen(recipients), sizeof recipients - strlen(recipients),
		    "%s%s <%s>", i ? ", " : "", jfield_text(a, "recipient_name"), jfield_text(a, "recipient_email"));
	}
	log_info("lead %s: adopted Zoho Sign request %s %s, sent by an earlier attempt", job->subject,
	    jfield_text(request, "request_id"), marker);
	rc = record_sent(cfg, job, d, request, recipients, res);
	json_object_put(request);
	*adopted = rc == 0;
	return rc;
}

/* Sends the request, or records why it cannot go out. Returns 0 when it was sent or
 * blocked (the job's state holds "request_id" or "problems"), -1 to retry. */
static int
send_request(const struct config *cfg, struct outbox_job *job, const struct deal *deal,
    struct contract_draft *d, struct job_result *res)
{
	struct remote_result rr;
	json_object *request = NULL;
	char marker[64];
	int rc = contract_draft_read(cfg, d, &rr), adopted;

	if (rc == 1)
		return block_send(cfg, job, d->lead, d->fill.problems, d->fill.nproblems, res);
	if (rc == -1) {
		job_failed(&rr, res);
		return -1;
	}
	if (strcmp(deal->state, DEAL_SENDING) == 0 && deal->marker[0]) {
		if (adopt(cfg, job, d, deal->marker, &adopted, res) == -1)
			return -1;
		if (adopted)
			return 0;
		snprintf(marker, sizeof marker, "%s", deal->marker);
	} else {
		/* Unique per attempt to send: a later contract for the same lead gets its own. */
		contract_marker(job->subject, (long long)time(NULL), marker, sizeof marker);
	}
	rc = contract_draft_fill(cfg, d, marker, res);
	if (rc == 1) /* something the request needs is missing */
		return block_send(cfg, job, d->lead, d->fill.problems, d->fill.nproblems, res);
	if (rc == -1)
		return -1;
	/* Intent first: if we never learn Zoho's answer, the marker finds the request. */
	if (deal_mark(cfg->state_dir, job->subject, DEAL_SENDING, jfield_text(d->lead, "updated_at"),
	    marker) == -1) {
		/* Unrecorded, a lost answer could not be found again: nothing is sent. */
		snprintf(res->error, sizeof res->error, "the intent to send could not be recorded");
		return -1;
	}
	crash_point("send-after-intent");
	zoho_request_create(cfg, cfg->zoho.template_id, d->fill.data_json, &request, &rr);
	crash_point("send-after-zoho-created");
	if (rr.outcome == REMOTE_REFUSED) {
		/* Zoho's reason goes on the lead too: it may name the data it did not take. */
		char *text = TEXTS(cfg->kommo.language, TEXTS_ZOHO_REFUSED, rr.message);
		char *admin = str_fmt("[zoho] template_id: Zoho Sign refused the request made from template "
		    "%s: %s", cfg->zoho.template_id, rr.message);
		struct fill_problem why = { text, admin };

		rc = text && admin ? block_send(cfg, job, d->lead, &why, 1, res) : -1;
		if (rc == -1 && !(text && admin))
			snprintf(res->error, sizeof res->error, "out of memory");
		free(text);
		free(admin);
		return rc;
	}
	if (job_failed(&rr, res))
		return -1;
	rc = record_sent(cfg, job, d, request, d->fill.recipients, res);
	if (rc == 0)
		log_info("lead %s: Zoho Sign request %s sent to %s%s%s", job->subject,
		    jfield_text(request, "request_id"), d->fill.recipients, d->route ? " by route " : "",
		    route_name(d->route));
	json_object_put(request);
	return rc;
}

static void
tell_sent(const struct config *cfg, struct outbox_job *job, struct job_result *res)
{
	char *text;

	/* Zoho may have reported on the request before we recorded it (an answer lost, or
	 * slower than the webhook): those events were kept for now. */
	if (outcome_queue_early(cfg, jfield_text(job->state, "request_id")) == -1) {
		snprintf(res->error, sizeof res->error, "cannot queue the events that came before the request was recorded");
		return;
	}
	/* The request's id and the status "sent" on the lead, for the managers' filters. */
	if (deal_status_request_step(cfg, job, job->subject, jfield_text(job->state, "request_id"), res) == -1 ||
	    deal_status_step(cfg, job, job->subject, jfield_text(job->state, "request_id"), "sent", res) == -1)
		return;
	text = TEXTS(cfg->kommo.language, TEXTS_SENT, jfield_text(job->state, "recipients"),
	    jfield_text(job->state, "request_id"));
	if (text == NULL) {
		snprintf(res->error, sizeof res->error, "out of memory");
		return;
	}
	res->done = job_step_note(cfg, job, job->subject, "note_done", text, res) == 0;
	free(text);
}

static void
tell_blocked(const struct config *cfg, struct outbox_job *job, struct job_result *res)
{
	char *text;
	int rc;

	text = TEXTS(cfg->kommo.language, TEXTS_BLOCKED, jfield_text(job->state, "problems"));
	if (text == NULL) {
		snprintf(res->error, sizeof res->error, "out of memory");
		return;
	}
	/* The note and the task say the same: the task is what reaches the manager. */
	rc = job_step_note(cfg, job, job->subject, "blocked_note_done", text, res);
	if (rc == 0)
		rc = job_step_task(cfg, job, job->subject, "blocked_task_done", jfield_text(job->state, "responsible"),
		    text, res);
	free(text);
	if (rc == -1)
		return;
	if (deal_mark(cfg->state_dir, job->subject, DEAL_BLOCKED, jfield_text(job->state, "updated_at"),
	    NULL) == -1) {
		snprintf(res->error, sizeof res->error, "the blocked deal could not be recorded");
		return;
	}
	res->done = 1;
}

void
contract_run(const struct config *cfg, struct outbox_job *job, struct job_result *res)
{
	struct contract_draft d = { 0 };
	struct config route_cfg;
	struct deal deal;
	char why[128];
	int rc;

	if (deal_load(cfg->state_dir, job->subject, &deal) == -1) {
		snprintf(res->error, sizeof res->error, "cannot read the deals store");
		return;
	}
	/* The job knows its request, the deal does not yet (its write was refused): the
	 * deal still waits for Zoho's answer, so the request is adopted and recorded again. */
	if (job_step_done(job, "request_id") && strcmp(deal.state, DEAL_SENDING) == 0) {
		json_object_object_del(job->state, "request_id");
		json_object_object_del(job->state, "recipients");
	}
	if (job_step_done(job, "request_id")) {
		tell_sent(cfg, job, res);
		return;
	}
	if (job_step_done(job, "problems")) {
		tell_blocked(cfg, job, res);
		return;
	}
	if (contract_skip(cfg, &deal, NULL, why, sizeof why)) {
		log_info("lead %s: %s; nothing sent", job->subject, why);
		res->done = 1;
		return;
	}
	/* The Zoho turn first: a job that cannot send in this run reads nothing from Kommo,
	 * and is put back for the next run. */
	if (zoho_turn_reserve(cfg) == -1) {
		res->cut = 1;
		snprintf(res->error, sizeof res->error, "no Zoho Sign turn left in this run");
		return;
	}
	rc = read_inputs(cfg, job, &deal, &d, res);
	if (rc == 0) { /* the route's template, fields, signers */
		route_view(cfg, d.route, &route_cfg);
		rc = send_request(&route_cfg, job, &deal, &d, res);
	}
	contract_draft_free(&d);
	if (rc == 0 && job_step_done(job, "problems"))
		tell_blocked(cfg, job, res);
	else if (rc == 0)
		tell_sent(cfg, job, res);
}
