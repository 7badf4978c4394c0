/*
 * deal_status: the status and request id fields of the lead, written once and in order.
 */
#include "deal_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crash.h"
#include "deal.h"
#include "jfield.h"
#include "kommo.h"
#include "log.h"
#include "str.h"

int
deal_status_rank(const char *status)
{
	static const char *const outcomes[] = { "signed", "declined", "expired", "recalled" };
	size_t i;

	if (strcmp(status, "sent") == 0)
		return 1;
	if (strcmp(status, "viewed") == 0)
		return 2;
	for (i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++)
		if (strcmp(status, outcomes[i]) == 0)
			return 3;
	return 0;
}

char *
deal_status_patch_body(const char *field_id, const char *enum_id, const char *value)
{
	json_object *body = json_object_new_object(), *fields = json_object_new_array();
	json_object *field = json_object_new_object(), *values = json_object_new_array();
	json_object *one = json_object_new_object();
	char *text;

	if (enum_id != NULL)
		json_object_object_add(one, "enum_id", json_object_new_int64(strtoll(enum_id, NULL, 10)));
	else
		json_object_object_add(one, "value", json_object_new_string(value));
	json_object_array_add(values, one);
	json_object_object_add(field, "field_id", json_object_new_int64(strtoll(field_id, NULL, 10)));
	json_object_object_add(field, "values", values);
	json_object_array_add(fields, field);
	json_object_object_add(body, "custom_fields_values", fields);
	text = strdup(json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
	json_object_put(body);
	return text;
}

const char *
deal_status_lead_value(json_object *lead, const char *field_id)
{
	json_object *fields = jfield_typed(lead, "custom_fields_values", json_type_array);
	size_t i, n = fields ? json_object_array_length(fields) : 0;

	for (i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(fields, i);
		json_object *values = jfield_typed(f, "values", json_type_array);

		if (strcmp(jfield_text(f, "field_id"), field_id) == 0 && values &&
		    json_object_array_length(values) > 0)
			return jfield_text(json_object_array_get_idx(values, 0), "value");
	}
	return "";
}

const char *
deal_status_option(json_object *field, const char *word)
{
	json_object *enums = jfield_typed(field, "enums", json_type_array);
	size_t i, n = enums ? json_object_array_length(enums) : 0;

	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(enums, i);

		if (strcmp(jfield_text(e, "value"), word) == 0)
			return jfield_text(e, "id");
	}
	return NULL;
}

int
deal_status_field_is_select(json_object *field)
{
	const char *type = jfield_text(field, "type");

	return strcmp(type, "select") == 0 || strcmp(type, "radiobutton") == 0 ||
	    strcmp(type, "multiselect") == 0;
}

void
deal_status_field_fetch(const struct config *cfg, const char *field_id, json_object **field,
    struct remote_result *rr)
{
	char path[96];

	snprintf(path, sizeof path, "/api/v4/leads/custom_fields/%s", field_id);
	remote_call(&kommo_api, cfg, &(struct remote_call_request){ .method = "GET", .target = path }, field, rr);
}

/* One field of the lead set to word; key names the config key an administrator fixes. */
struct field_write {
	const char *lead_id, *field_id, *word, *key;
};

/* Done when the lead shows the word already (a write whose answer was lost), or is gone. */
static void
field_look(const struct config *cfg, const void *arg, int *done, struct remote_result *rr)
{
	const struct field_write *w = arg;
	json_object *lead = NULL;

	kommo_lead_fetch(cfg, w->lead_id, &lead, rr);
	if (rr->outcome == REMOTE_NOT_FOUND)
		rr->outcome = REMOTE_OK;
	*done = lead == NULL || strcmp(deal_status_lead_value(lead, w->field_id), w->word) == 0;
	json_object_put(lead);
}

/* Reads the field (a select's option for the word), then the PATCH. What only the
 * administrator can fix is logged and counts as done: the contract goes on without it. */
static void
field_write(const struct config *cfg, const void *arg, struct remote_result *rr)
{
	const struct field_write *w = arg;
	json_object *field = NULL;
	const char *enum_id = NULL;
	char path[64], *body;

	deal_status_field_fetch(cfg, w->field_id, &field, rr);
	if (rr->outcome == REMOTE_NOT_FOUND) {
		log_err("[kommo] %s: lead field %s does not exist in Kommo; lead %s does not show \"%s\" "
		    "(see: kzsctl fields)", w->key, w->field_id, w->lead_id, w->word);
		rr->outcome = REMOTE_OK;
		return;
	}
	if (rr->outcome != REMOTE_OK)
		return;
	if (deal_status_field_is_select(field) && (enum_id = deal_status_option(field, w->word)) == NULL) {
		log_err("[kommo] %s: lead field %s \"%s\" has no option \"%s\"; add it in Kommo or change "
		    "[kommo] status_values; lead %s does not show it", w->key, w->field_id,
		    jfield_text(field, "name"), w->word, w->lead_id);
		json_object_put(field);
		return;
	}
	body = deal_status_patch_body(w->field_id, enum_id, w->word);
	json_object_put(field);
	if (body == NULL) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "out of memory");
		return;
	}
	snprintf(path, sizeof path, "/api/v4/leads/%s", w->lead_id);
	remote_call(&kommo_api, cfg, &(struct remote_call_request){ .method = "PATCH", .target = path,
	    .content_type = "application/json", .body = body, .body_len = strlen(body) }, NULL, rr);
	free(body);
	if (rr->outcome == REMOTE_REFUSED || rr->outcome == REMOTE_NOT_FOUND) {
		if (rr->outcome == REMOTE_REFUSED)
			log_err("[kommo] %s: Kommo refused \"%s\" for lead field %s of lead %s: %s", w->key, w->word,
			    w->field_id, w->lead_id, rr->message);
		rr->outcome = REMOTE_OK;
	}
}

/* The field write once, as the job's step key. */
static int
write_field(const struct config *cfg, struct outbox_job *job, const char *step, const struct field_write *f,
    struct job_result *res)
{
	const struct job_write w = { field_look, field_write, f, "status-after-patch" };

	return job_write_once(cfg, job, step, &w, res);
}

int
deal_status_step(const struct config *cfg, struct outbox_job *job, const char *lead_id,
    const char *request_id, const char *status, struct job_result *res)
{
	const char *step = "status_written";
	int rank = deal_status_rank(status);
	enum deal_claim verdict = DEAL_CLAIM_GO;
	char word[128];
	struct field_write f = { lead_id, cfg->kommo.status_field_id, word, "status_values" };

	if (str_empty(cfg->kommo.status_field_id) || rank == 0 || config_status_word(cfg, status, word, sizeof word) == -1)
		return 0;
	if (!job_step_done(job, step)) {
		if (deal_status_claim(cfg->state_dir, lead_id, request_id, rank, job->key, (long long)time(NULL),
		    &verdict) == -1) {
			snprintf(res->error, sizeof res->error, "cannot read the deals store");
			return -1;
		}
		if (verdict == DEAL_CLAIM_BUSY) {
			res->retry_after = 10;
			snprintf(res->error, sizeof res->error, "lead %s: another contract status is being written; "
			    "\"%s\" waits for it", lead_id, word);
			return -1;
		}
		if (verdict == DEAL_CLAIM_PASSED) {
			log_info("lead %s: status \"%s\" of request %s not written: the lead is past it", lead_id, word,
			    request_id);
			return job_step_record(cfg, job, step, NULL, res);
		}
		if (write_field(cfg, job, step, &f, res) == -1)
			return -1;
	}
	/* Also after a retry: the rank may be all that is left to record. */
	if (deal_status_passed(cfg->state_dir, lead_id, request_id, rank, job->key) == -1) {
		snprintf(res->error, sizeof res->error, "the contract status could not be recorded");
		return -1;
	}
	return 0;
}

int
deal_status_request_step(const struct config *cfg, struct outbox_job *job, const char *lead_id,
    const char *request_id, struct job_result *res)
{
	struct field_write f = { lead_id, cfg->kommo.request_field_id, request_id, "request_field_id" };

	if (str_empty(cfg->kommo.request_field_id))
		return 0;
	return write_field(cfg, job, "request_field_written", &f, res);
}
