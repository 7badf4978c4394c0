/*
 * zoho: the Zoho Sign API v1 calls the product makes, with the shared access token,
 * one refresh-and-retry on 401, and Zoho's "code" checked even on HTTP 200.
 */
#ifndef KZS_ZOHO_H
#define KZS_ZOHO_H

#include <json-c/json.h>
#include <stddef.h>

#include "config.h"
#include "remote.h"
#include "remote_call.h"

/* GET /templates/{id} asked of Zoho now, neither read from nor written to the cache. */
void zoho_template_fetch(const struct config *cfg, const char *template_id, json_object **tpl,
    struct remote_result *rr);

/* GET /templates/{id}, cached for an hour in the cache store. *tpl is the "templates" object. */
void zoho_template_get(const struct config *cfg, const char *template_id, json_object **tpl,
    struct remote_result *rr);

/*
 * Takes this process's next Zoho Sign turn ahead of the call (pace_reserve): 0 when it
 * is held for the next call, -1 when no turn is left in this run (nothing reserved; the
 * run is over for this process).
 */
int zoho_turn_reserve(const struct config *cfg);

/*
 * POST /templates/{id}/createdocument, urlencoded data=<json>&is_quicksend=true.
 * *request is the answer's "requests" object.
 */
void zoho_request_create(const struct config *cfg, const char *template_id, const char *data_json,
    json_object **request, struct remote_result *rr);

/*
 * GET /requests searching request_name for marker. *request is the newest request whose
 * name contains it, or NULL when Zoho has none (outcome OK either way).
 */
void zoho_request_find(const struct config *cfg, const char *marker, json_object **request,
    struct remote_result *rr);

/* GET /requests/{id}: *request is the answer's "requests" object. */
void zoho_request_get(const struct config *cfg, const char *request_id, json_object **request,
    struct remote_result *rr);

/* GET /requests/{id}/pdf as one PDF (merged; with the completion certificate if asked). */
void zoho_request_pdf(const struct config *cfg, const char *request_id, int with_certificate,
    char **pdf, size_t *len, struct remote_result *rr);

/*
 * Zoho Sign as remote_call sees it: the Sign API of the connected data centre, the
 * shared access token (renewed once after a 401), the pace, and Zoho's "code" checked
 * even in a 200 answer.
 */
extern const struct remote_call_service zoho_sign;

#endif
