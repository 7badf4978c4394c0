/*
 * deal_status: the contract's status and request id shown on the lead, for managers'
 * filters and reports. [kommo] status_field_id (a select or text field of leads) is set
 * to the word for sent, viewed, signed, declined, expired or recalled as the request
 * moves ([kommo] status_values, config_status_word); [kommo] request_field_id gets the
 * Zoho Sign request id when it is sent. Both optional: unset, nothing is written.
 *
 * Each write is a job step (job.h): once, marked tried, looked up on the lead before it
 * is written again. The status only moves forward, whatever order the jobs run in and
 * in however many processes: sent < viewed < the outcomes, per request (a resend starts
 * again at sent), kept in the deal record (deal_status_claim, deal_status_passed).
 */
#ifndef KZS_DEAL_STATUS_H
#define KZS_DEAL_STATUS_H

#include <json-c/json.h>

#include "config.h"
#include "job.h"

/* The rank of a status: sent 1, viewed 2, the four outcomes 3; 0 for no status. */
int deal_status_rank(const char *status);

/*
 * The body of PATCH /api/v4/leads/{id} that sets one custom field: the option enum_id
 * (a select field) or, with enum_id NULL, the text value. The caller frees it.
 */
char *deal_status_patch_body(const char *field_id, const char *enum_id, const char *value);

/* The lead's value of field_id as text (a select's option label), "" when it has none. */
const char *deal_status_lead_value(json_object *lead, const char *field_id);

/* The id of the field's option (enums[]) whose value is word, or NULL. */
const char *deal_status_option(json_object *field, const char *word);

/* 1 when the field's type takes one option (enum_id) rather than a text value. */
int deal_status_field_is_select(json_object *field);

/* GET /api/v4/leads/custom_fields/{id}: the field with its type and options. */
void deal_status_field_fetch(const struct config *cfg, const char *field_id, json_object **field,
    struct remote_result *rr);

/*
 * The job's step: the lead's status field set to status for request_id, unless the lead
 * is at that status or beyond (or at a newer request). A field or option missing in
 * Kommo, or a value Kommo refuses, is the administrator's to fix: logged with the config
 * key, and the job goes on. 0 to go on, -1 to retry (res says why).
 */
int deal_status_step(const struct config *cfg, struct outbox_job *job, const char *lead_id,
    const char *request_id, const char *status, struct job_result *res);

/* The job's step: the lead's request field set to request_id, once. As above. */
int deal_status_request_step(const struct config *cfg, struct outbox_job *job, const char *lead_id,
    const char *request_id, struct job_result *res);

#endif
