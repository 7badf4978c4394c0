/*
 * kommo: the Kommo API v4 calls the product makes. Each returns the remote outcome;
 * JSON answers are handed to the caller, who owns them (json_object_put).
 */
#ifndef KZS_KOMMO_H
#define KZS_KOMMO_H

#include <json-c/json.h>

#include "config.h"
#include "remote.h"

/* GET /api/v4/leads/{id}?with=contacts */
void kommo_lead_fetch(const struct config *cfg, const char *lead_id, json_object **lead,
    struct remote_result *rr);
/* GET /api/v4/contacts/{id} */
void kommo_contact_fetch(const struct config *cfg, const char *contact_id, json_object **contact,
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

#endif
