/*
 * kommo: the Kommo API v4 calls the product makes. Each returns the remote outcome;
 * JSON answers are handed to the caller, who owns them (json_object_put).
 */
#ifndef KZS_KOMMO_H
#define KZS_KOMMO_H

#include <json-c/json.h>

#include "config.h"
#include "remote.h"
#include "remote_call.h"

/* GET /api/v4/leads/{id}?with=contacts */
void kommo_lead_fetch(const struct config *cfg, const char *lead_id, json_object **lead,
    struct remote_result *rr);
/* GET /api/v4/contacts/{id} */
void kommo_contact_fetch(const struct config *cfg, const char *contact_id, json_object **contact,
    struct remote_result *rr);
/* GET /api/v4/users/{id}: one user of the account (id, name, email, ...). */
void kommo_user_fetch(const struct config *cfg, const char *user_id, json_object **user,
    struct remote_result *rr);

/* GET /api/v4/companies/{id} */
void kommo_company_fetch(const struct config *cfg, const char *company_id, json_object **company,
    struct remote_result *rr);
/* POST /api/v4/leads/notes: one common note. */
void kommo_note_add(const struct config *cfg, const char *lead_id, const char *text,
    struct remote_result *rr);
/* POST /api/v4/tasks: one task on the lead for `responsible_user_id` ("" = token's user). */
void kommo_task_add(const struct config *cfg, const char *lead_id, const char *responsible_user_id,
    const char *text, long due_unix, struct remote_result *rr);

/* PATCH /api/v4/leads/{id} with status_id and pipeline_id only. */
void kommo_lead_move(const struct config *cfg, const char *lead_id, const char *status_id,
    const char *pipeline_id, struct remote_result *rr);
/* PUT /api/v4/leads/{id}/files: shows a drive file in the lead's Files tab. */
void kommo_lead_file_link(const struct config *cfg, const char *lead_id, const char *file_uuid,
    struct remote_result *rr);
/* GET /api/v4/leads/{id}/notes (newest 50 of note_type): *has = 1 when one has
 * params.<field> equal to want (a common note's text, an attachment's file_uuid). */
void kommo_lead_has_note(const struct config *cfg, const char *lead_id, const char *note_type,
    const char *field, const char *want, int *has, struct remote_result *rr);
/* GET /api/v4/leads/{id}/files: *has = 1 when file_uuid is among the lead's files. */
void kommo_lead_has_file(const struct config *cfg, const char *lead_id, const char *file_uuid,
    int *has, struct remote_result *rr);
/* GET /api/v4/tasks of the lead (newest 50): *has = 1 when one has exactly this text. */
void kommo_lead_has_task(const struct config *cfg, const char *lead_id, const char *text, int *has,
    struct remote_result *rr);
/* GET /api/v4/leads: page `page` (from 1) of the leads in any of the n stages (stages[2i]
 * the pipeline id, stages[2i+1] the stage id; at most KOMMO_LEADS_STAGES) updated at or
 * after updated_since (unix). *answer is NULL when the page is empty; the leads are in
 * _embedded.leads and _links.next is there when another page follows. */
#define KOMMO_LEADS_PAGE 250
#define KOMMO_LEADS_STAGES 20
void kommo_leads_in_stages(const struct config *cfg, const char *const *stages, size_t n,
    long long updated_since, int page, json_object **answer, struct remote_result *rr);
/* POST /api/v4/leads/notes: an attachment note pointing at a drive file. */
void kommo_note_attachment(const struct config *cfg, const char *lead_id, const char *file_uuid,
    const char *version_uuid, const char *file_name, struct remote_result *rr);

/*
 * Kommo as remote_call sees it: the API base, the Bearer token (lib/kommo_token), the
 * pace, the 403 pause of every process's calls, and problem+json failures. A target
 * may be an absolute URL the API gave us (the file drive); an answer that is not JSON
 * counts as a failure.
 */
extern const struct remote_call_service kommo_api;

#endif
