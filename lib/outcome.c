/*
 * outcome: step by step, like the send job: every finished step is recorded in the job's
 * state before the next starts (job.h), so a retry after a failure in the middle (say,
 * the upload worked and the stage move did not) repeats nothing that already happened.
 */
#include "outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crash.h"
#include "datefmt.h"
#include "deal.h"
#include "deal_status.h"
#include "jfield.h"
#include "job.h"
#include "job_step.h"
#include "kommo.h"
#include "kommo_drive.h"
#include "log.h"
#include "outbox.h"
#include "route.h"
#include "str.h"
#include "texts.h"
#include "zoho.h"

/* The text was not made: the job waits and tries again. Returns -1. */
static int
no_text(struct job_result *res)
{
	snprintf(res->error, sizeof res->error, "out of memory");
	return -1;
}

/* "Jane Doe <jane@example.com>", or whichever of the two is known. */
static void
person_text(const struct config *cfg, const char *name, const char *email, char *buf, size_t len)
{
	if (*name && *email)
		snprintf(buf, len, "%s <%s>", name, email);
	else
		snprintf(buf, len, "%s", *name ? name : *email ? email :
		    texts_plain(cfg->kommo.language, TEXTS_THE_RECIPIENT));
}

/* "29/11/2026 19:02 CET" from milliseconds since the epoch as text (now when absent): the
 * date as [zoho] date_format writes it (MMM in the notes' language), the time in
 * [zoho] time_zone (program.c's zone_use). */
static void
time_text(const struct config *cfg, const char *ms_text, char *buf, size_t len)
{
	long long ms = strtoll(ms_text, NULL, 10);
	time_t t = ms > 0 ? (time_t)(ms / 1000) : time(NULL);
	struct tm tm;
	size_t used;

	localtime_r(&t, &tm);
	if (datefmt_write_months(cfg->zoho.date_format, &tm, texts_months(cfg->kommo.language), buf,
	    len) == -1)
		datefmt_write("dd/MM/yyyy", &tm, buf, len);
	used = strlen(buf);
	strftime(buf + used, len - used, " %H:%M %Z", &tm);
}

/* The event's time. */
static void
event_time(const struct config *cfg, const struct outbox_job *job, char *buf, size_t len)
{
	time_text(cfg, jfield_text(job->state, "at_ms"), buf, len);
}

/*
 * Every signer of the request with the time each signed, from the request's actions
 * (the event names only the last one to act): "Jane Doe <jane@example.com> on
 * 29/11/2026 19:02 CET, Bob Roe <bob@ourco.example> on ...", in [kommo] language. Kept
 * in the job's state, so a retry writes the same note. Empty when Zoho lists no signed
 * action.
 */
static int
signer_list(const struct config *cfg, struct outbox_job *job, struct job_result *res)
{
	struct remote_result rr;
	json_object *request = NULL, *actions;
	char list[1500] = "", person[600], when[64];
	size_t i, n;

	if (json_object_object_get_ex(job->state, "signers", NULL)) /* recorded, even when empty */
		return 0;
	zoho_request_get(cfg, job->subject, &request, &rr);
	if (job_failed(&rr, res))
		return -1;
	actions = jfield_typed(request, "actions", json_type_array);
	n = actions ? json_object_array_length(actions) : 0;
	for (i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(actions, i);
		const char *status = jfield_text(a, "action_status"), *at = jfield_text(a, "signed_time");
		size_t used = strlen(list);
		char *signed_at = NULL;

		if (strcmp(status, "SIGNED") != 0 && strcmp(status, "APPROVED") != 0)
			continue;
		person_text(cfg, jfield_text(a, "recipient_name"), jfield_text(a, "recipient_email"), person,
		    sizeof person);
		if (*at) {
			time_text(cfg, at, when, sizeof when);
			signed_at = TEXTS(cfg->kommo.language, TEXTS_SIGNER_AT, person, when);
			if (signed_at == NULL) {
				json_object_put(request);
				return no_text(res);
			}
		}
		snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", signed_at ? signed_at : person);
		free(signed_at);
	}
	json_object_put(request);
	return job_step_record(cfg, job, "signers", json_object_new_string(list), res);
}

/* "Jane Doe <jane@example.com>", or whichever of the two the event carried. */
static void
event_who(const struct config *cfg, const struct outbox_job *job, char *buf, size_t len)
{
	person_text(cfg, jfield_text(job->state, "by_name"), jfield_text(job->state, "by_email"), buf, len);
}

/* The outcome onto the deal's records; when the state refuses it the job runs again
 * (its steps are flagged), so the deal never stays "in flight" after its outcome. */
static int
record_step(const struct config *cfg, struct outbox_job *job, const char *outcome, struct job_result *res)
{
	if (deal_request_outcome(cfg->state_dir, job->subject, outcome) != -1)
		return 0;
	snprintf(res->error, sizeof res->error, "the outcome (%s) could not be recorded", outcome);
	return -1;
}

/* A note on the job's lead, once (see job_step_note); text (from texts) is freed. */
static int
add_note(const struct config *cfg, struct outbox_job *job, const char *flag, char *text,
    struct job_result *res)
{
	int rc = text ? job_step_note(cfg, job, jfield_text(job->state, "lead"), flag, text, res) : no_text(res);

	free(text);
	return rc;
}

/* A task for the lead's responsible user, once (see job_step_task); text is freed. */
static int
task_once(const struct config *cfg, struct outbox_job *job, const char *text, struct job_result *res)
{
	const char *lead_id = jfield_text(job->state, "lead");
	struct remote_result rr;
	json_object *lead = NULL;
	char responsible[32];

	if (job_step_done(job, "tasked"))
		return 0;
	kommo_lead_fetch(cfg, lead_id, &lead, &rr);
	if (rr.outcome == REMOTE_NOT_FOUND) {
		log_info("lead %s: gone; no task", lead_id);
		return job_step_record(cfg, job, "tasked", NULL, res);
	}
	if (job_failed(&rr, res))
		return -1;
	snprintf(responsible, sizeof responsible, "%s", jfield_text(lead, "responsible_user_id"));
	json_object_put(lead);
	return job_step_task(cfg, job, lead_id, "tasked", responsible, text, res);
}

static int
add_task(const struct config *cfg, struct outbox_job *job, char *text, struct job_result *res)
{
	int rc = text ? task_once(cfg, job, text, res) : no_text(res);

	free(text);
	return rc;
}

/* Where move_stage takes the lead, in the pipeline of the route that sent the request. */
struct lead_move {
	const char *lead_id, *status_id;
	const struct route_stages *route;
};

/* An earlier try may have moved the lead and lost only the answer: a second PATCH would
 * undo a manager's move made since. The move is done once the lead left the stage. */
static void
move_look(const struct config *cfg, const void *arg, int *done, struct remote_result *rr)
{
	const struct lead_move *m = arg;
	json_object *lead = NULL;

	kommo_lead_fetch(cfg, m->lead_id, &lead, rr);
	if (rr->outcome == REMOTE_NOT_FOUND)
		rr->outcome = REMOTE_OK; /* deleted: nothing left to move */
	*done = !lead || strcmp(jfield_text(lead, "status_id"), m->route->trigger_status_id) != 0;
	json_object_put(lead);
}

static void
move_write(const struct config *cfg, const void *arg, struct remote_result *rr)
{
	const struct lead_move *m = arg;

	crash_point("outcome-before-move");
	kommo_lead_move(cfg, m->lead_id, m->status_id, m->route->pipeline_id, rr);
}

/*
 * Moves the lead to the signed (or declined) stage of the route that sent the request,
 * as recorded with it (route_recorded), whatever the config says now.
 */
static int
move_stage(const struct config *cfg, struct outbox_job *job, int declined, struct job_result *res)
{
	struct route_stages route;
	struct lead_move m = { jfield_text(job->state, "lead"), NULL, &route };
	const struct job_write w = { move_look, move_write, &m, "outcome-after-move-call" };
	json_object *rec = NULL;
	int rc = 0;

	if (job_step_done(job, "moved"))
		return 0;
	if (deal_request_load(cfg->state_dir, job->subject, &rec) == -1) {
		snprintf(res->error, sizeof res->error, "cannot read the deals store");
		return -1;
	}
	route_recorded(cfg, rec, &route);
	m.status_id = declined ? route.declined_status_id : route.signed_status_id;
	if (!str_empty(m.status_id))
		rc = job_write_once(cfg, job, "moved", &w, res);
	json_object_put(rec);
	return rc;
}

/* The signed PDF onto the drive; the file's ids are kept so it is uploaded once. */
static int
upload_pdf(const struct config *cfg, struct outbox_job *job, const char *file_name, struct job_result *res)
{
	struct remote_result rr;
	struct kommo_drive_file file;
	char *pdf = NULL;
	size_t len = 0;

	if (job_step_done(job, "file_uuid"))
		return 0;
	zoho_request_pdf(cfg, job->subject, cfg->zoho.attach_certificate, &pdf, &len, &rr);
	if (job_failed(&rr, res))
		return -1;
	kommo_drive_upload(cfg, file_name, "application/pdf", pdf, len, &file, &rr);
	free(pdf);
	crash_point("outcome-after-upload");
	if (job_failed(&rr, res))
		return -1;
	json_object_object_add(job->state, "version_uuid", json_object_new_string(file.version_uuid));
	return job_step_record(cfg, job, "file_uuid", json_object_new_string(file.uuid), res);
}

/* The uploaded PDF, shown on the lead. */
struct lead_pdf {
	const char *lead_id, *uuid, *version_uuid, *file_name;
};

static void
link_look(const struct config *cfg, const void *arg, int *done, struct remote_result *rr)
{
	const struct lead_pdf *f = arg;

	kommo_lead_has_file(cfg, f->lead_id, f->uuid, done, rr);
}

static void
link_write(const struct config *cfg, const void *arg, struct remote_result *rr)
{
	const struct lead_pdf *f = arg;

	kommo_lead_file_link(cfg, f->lead_id, f->uuid, rr);
}

static void
attach_look(const struct config *cfg, const void *arg, int *done, struct remote_result *rr)
{
	const struct lead_pdf *f = arg;

	kommo_lead_has_note(cfg, f->lead_id, "attachment", "file_uuid", f->uuid, done, rr);
}

static void
attach_write(const struct config *cfg, const void *arg, struct remote_result *rr)
{
	const struct lead_pdf *f = arg;

	kommo_note_attachment(cfg, f->lead_id, f->uuid, f->version_uuid, f->file_name, rr);
}

/* The PDF in the lead's Files tab, and an attachment note in its feed. */
static int
link_file(const struct config *cfg, struct outbox_job *job, const char *file_name, struct job_result *res)
{
	const struct lead_pdf f = { jfield_text(job->state, "lead"), jfield_text(job->state, "file_uuid"),
		jfield_text(job->state, "version_uuid"), file_name };
	const struct job_write link = { link_look, link_write, &f, "outcome-after-link" };
	const struct job_write attach = { attach_look, attach_write, &f, "outcome-after-attachment-note" };

	if (job_write_once(cfg, job, "linked", &link, res) == -1)
		return -1;
	return job_write_once(cfg, job, "attach_noted", &attach, res);
}

/* The lead's status field moved to status for the request (deal_status). */
static int
show_status(const struct config *cfg, struct outbox_job *job, const char *request_id, const char *status,
    struct job_result *res)
{
	return deal_status_step(cfg, job, jfield_text(job->state, "lead"), request_id, status, res);
}

/* 1 when the request's outcome is recorded already (see outcome.h): nothing left to do. */
static int
recorded(const struct config *cfg, const struct outbox_job *job, const char *outcome,
    struct job_result *res)
{
	json_object *rec = NULL;

	deal_request_load(cfg->state_dir, job->subject, &rec);
	res->done = strcmp(jfield_text(rec, "outcome"), outcome) == 0;
	json_object_put(rec);
	return res->done;
}

/* The completion note: every signer with their time, else the one the event names. */
static char *
signed_note(const struct config *cfg, const struct outbox_job *job)
{
	const char *signers = jfield_text(job->state, "signers");
	char who[900], when[64];

	if (*signers)
		return TEXTS(cfg->kommo.language, TEXTS_SIGNED_ALL, signers, job->subject);
	event_who(cfg, job, who, sizeof who);
	event_time(cfg, job, when, sizeof when);
	return TEXTS(cfg->kommo.language, TEXTS_SIGNED, who, when, job->subject);
}

void
outcome_complete(const struct config *cfg, struct outbox_job *job, struct job_result *res)
{
	char request[25], *file_name;
	int rc;

	if (recorded(cfg, job, DEAL_COMPLETED, res) || signer_list(cfg, job, res) == -1)
		return;
	snprintf(request, sizeof request, "%.24s", job->subject); /* a file name of a sane length */
	file_name = TEXTS(cfg->kommo.language, TEXTS_SIGNED_FILE, request);
	rc = file_name ? upload_pdf(cfg, job, file_name, res) : no_text(res);
	if (rc == 0)
		rc = link_file(cfg, job, file_name, res);
	free(file_name);
	if (rc == 0)
		rc = add_note(cfg, job, "noted", signed_note(cfg, job), res);
	if (rc == 0)
		rc = move_stage(cfg, job, 0, res);
	if (rc == 0)
		rc = show_status(cfg, job, job->subject, "signed", res);
	if (rc == 0) {
		crash_point("outcome-after-move");
		rc = record_step(cfg, job, DEAL_COMPLETED, res);
	}
	if (rc == 0) {
		log_info("lead %s: request %s completed; PDF attached, deal moved", jfield_text(job->state, "lead"),
		    job->subject);
		res->done = 1;
	}
}

void
outcome_declined(const struct config *cfg, struct outbox_job *job, struct job_result *res)
{
	const enum texts_lang lang = cfg->kommo.language;
	char who[900], when[64];
	const char *reason = jfield_text(job->state, "reason");
	int rc;

	if (recorded(cfg, job, DEAL_DECLINED, res))
		return;
	event_who(cfg, job, who, sizeof who);
	event_time(cfg, job, when, sizeof when);
	rc = add_note(cfg, job, "noted", TEXTS(lang, TEXTS_DECLINED, who, when,
	    *reason ? reason : texts_plain(lang, TEXTS_NO_REASON), job->subject), res);
	if (rc == 0)
		rc = add_task(cfg, job, TEXTS(lang, TEXTS_DECLINED_TASK, job->subject), res);
	if (rc == 0)
		rc = move_stage(cfg, job, 1, res);
	if (rc == 0)
		rc = show_status(cfg, job, job->subject, "declined", res);
	if (rc == 0)
		rc = record_step(cfg, job, DEAL_DECLINED, res);
	if (rc == 0)
		res->done = 1;
}

void
outcome_expired(const struct config *cfg, struct outbox_job *job, struct job_result *res)
{
	const enum texts_lang lang = cfg->kommo.language;
	json_object *rec = NULL;
	char when[64], err[256];
	int resend, rc;

	/* Recorded by an earlier job: nothing left. Recorded by this one, the resend may
	 * still be left to queue: a refused queueing must not lose it. */
	if (!job_step_done(job, "expiry_recorded") && recorded(cfg, job, DEAL_EXPIRED, res))
		return;
	deal_request_load(cfg->state_dir, job->subject, &rec);
	/* One fresh request per contract: a request that was itself a resend is not resent. */
	resend = cfg->zoho.resend_on_expiry && strcmp(jfield_text(rec, "resend"), "true") != 0;
	json_object_put(rec);
	event_time(cfg, job, when, sizeof when);
	rc = add_note(cfg, job, "noted", TEXTS(lang, resend ? TEXTS_EXPIRED_RESENT : TEXTS_EXPIRED,
	    job->subject, when), res);
	if (rc == 0)
		rc = add_task(cfg, job, TEXTS(lang, resend ? TEXTS_EXPIRED_RESENT_TASK : TEXTS_EXPIRED_TASK,
		    job->subject), res);
	if (rc == 0 && !job_step_done(job, "expiry_recorded"))
		rc = show_status(cfg, job, job->subject, "expired", res);
	/* The request is no longer in flight before the new send job looks; recorded once,
	 * so a retry never moves the deal back from a newer send to "expired". */
	if (rc != 0 || (!job_step_done(job, "expiry_recorded") &&
	    (record_step(cfg, job, DEAL_EXPIRED, res) != 0 ||
	    job_step_record(cfg, job, "expiry_recorded", NULL, res) == -1)))
		return;
	if (resend && !job_step_done(job, "resent")) {
		json_object *initial = json_object_new_object();

		json_object_object_add(initial, "resend", json_object_new_boolean(1));
		rc = outbox_enqueue_once(cfg->state_dir, JOB_KIND_SEND, jfield_text(job->state, "lead"),
		    initial, (long long)time(NULL), err, sizeof err);
		json_object_put(initial);
		if (rc == -1) {
			snprintf(res->error, sizeof res->error, "%s", err);
			return;
		}
		if (job_step_record(cfg, job, "resent", NULL, res) == -1)
			return;
	}
	res->done = 1;
}

void
outcome_recalled(const struct config *cfg, struct outbox_job *job, struct job_result *res)
{
	char when[64];
	int rc;

	if (recorded(cfg, job, DEAL_RECALLED, res))
		return;
	event_time(cfg, job, when, sizeof when);
	rc = add_note(cfg, job, "noted", TEXTS(cfg->kommo.language, TEXTS_RECALLED, job->subject, when), res);
	if (rc == 0)
		rc = show_status(cfg, job, job->subject, "recalled", res);
	if (rc == 0)
		rc = record_step(cfg, job, DEAL_RECALLED, res);
	if (rc == 0)
		res->done = 1;
}

void
outcome_progress(const struct config *cfg, struct outbox_job *job, struct job_result *res)
{
	char who[900], when[64], request_id[64];
	enum texts_id what = strcmp(jfield_text(job->state, "op"), "RequestViewed") == 0 ? TEXTS_VIEWED_BY :
	    TEXTS_SIGNED_BY;

	/* The subject is the delivery, "<request id>:<operation>:..." (zoho_webhook_dedupe_key). */
	snprintf(request_id, sizeof request_id, "%.*s", (int)strcspn(job->subject, ":"), job->subject);
	if (what == TEXTS_VIEWED_BY && show_status(cfg, job, request_id, "viewed", res) == -1)
		return;
	if (!cfg->kommo.progress_notes) {
		res->done = 1;
		return;
	}
	event_who(cfg, job, who, sizeof who);
	event_time(cfg, job, when, sizeof when);
	res->done = add_note(cfg, job, "noted", TEXTS(cfg->kommo.language, what, who, when), res) == 0;
}

void
outcome_alert(const struct config *cfg, struct outbox_job *job, struct job_result *res)
{
	/* The reason is the job's last error, as the administrator's log has it. */
	enum texts_id what = strcmp(jfield_text(job->state, "what"), JOB_KIND_SEND) == 0 ? TEXTS_GAVE_UP_SEND :
	    TEXTS_GAVE_UP_OUTCOME;

	res->done = add_task(cfg, job, TEXTS(cfg->kommo.language, what, jfield_text(job->state, "reason")),
	    res) == 0;
}

json_object *
outcome_state_new(const struct outcome_event *ev)
{
	json_object *state = json_object_new_object();

	json_object_object_add(state, "lead", json_object_new_string(ev->lead_id));
	json_object_object_add(state, "op", json_object_new_string(ev->op));
	json_object_object_add(state, "by_name", json_object_new_string(ev->by_name));
	json_object_object_add(state, "by_email", json_object_new_string(ev->by_email));
	json_object_object_add(state, "at_ms", json_object_new_string(ev->at_ms));
	json_object_object_add(state, "reason", json_object_new_string(ev->reason));
	return state;
}

/* Queues kind:subject once with state (borrowed) as the job's state. */
static int
queue_state(const struct config *cfg, const char *kind, const char *subject, json_object *state)
{
	char err[256];
	int rc;

	rc = outbox_enqueue_once(cfg->state_dir, kind, subject, state, (long long)time(NULL), err, sizeof err);
	if (rc == -1)
		log_err("%s: cannot queue %s: %s", subject, kind, err);
	return rc == -1 ? -1 : 0;
}

int
outcome_queue(const struct config *cfg, const char *kind, const char *subject,
    const struct outcome_event *ev)
{
	json_object *state = outcome_state_new(ev);
	int rc = queue_state(cfg, kind, subject, state);

	json_object_put(state);
	return rc;
}

int
outcome_queue_early(const struct config *cfg, const char *request_id)
{
	json_object *entries = NULL;
	size_t i, n;

	if (deal_early_take(cfg->state_dir, request_id, &entries) == -1)
		return -1;
	if (entries == NULL)
		return 0; /* the usual case: nothing came early */
	n = json_object_is_type(entries, json_type_array) ? json_object_array_length(entries) : 0;
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(entries, i);

		/* Jobs are keyed kind:subject: queueing again after a crash here merges. */
		if (queue_state(cfg, jfield_text(e, "kind"), jfield_text(e, "subject"),
			jfield_typed(e, "state", json_type_object)) == -1) {
			json_object_put(entries);
			return -1;
		}
		log_info("request %s: %s, which came before the request was recorded, is queued now",
		    request_id, jfield_text(jfield_typed(e, "state", json_type_object), "op"));
	}
	json_object_put(entries);
	return deal_early_drop(cfg->state_dir, request_id);
}
