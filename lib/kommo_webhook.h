/*
 * kommo_webhook: a pure parser for Kommo's lead webhooks (the account-level
 * "status_lead"/"add_lead" hook and the Digital Pipeline hook), from raw body bytes
 * to a list of lead events. IDs stay strings of digits.
 */
#ifndef KZS_KOMMO_WEBHOOK_H
#define KZS_KOMMO_WEBHOOK_H

#include <stddef.h>

#define KOMMO_WEBHOOK_ID_MAX 19 /* digits; fits int64_t, and Kommo's ids are far shorter */

enum kommo_webhook_event_kind {
	KOMMO_WEBHOOK_STATUS, /* leads[status][i] : moved to a stage */
	KOMMO_WEBHOOK_ADD,    /* leads[add][i]    : created (possibly straight into a stage) */
};

struct kommo_webhook_event {
	enum kommo_webhook_event_kind kind;
	char lead_id[KOMMO_WEBHOOK_ID_MAX + 1];
	char status_id[KOMMO_WEBHOOK_ID_MAX + 1];
	char pipeline_id[KOMMO_WEBHOOK_ID_MAX + 1];
	char old_status_id[KOMMO_WEBHOOK_ID_MAX + 1];       /* "" when absent */
	char responsible_user_id[KOMMO_WEBHOOK_ID_MAX + 1]; /* "" when absent */
	char updated_at[KOMMO_WEBHOOK_ID_MAX + 1];          /* unix seconds as sent; "" when absent */
};

struct kommo_webhook {
	char account_id[KOMMO_WEBHOOK_ID_MAX + 1]; /* "" when the body has no account[id] */
	char subdomain[64];                /* "" when absent */
	struct kommo_webhook_event *events;   /* ordered by index within each action */
	size_t nevents;
};

/*
 * Parses a form-urlencoded body. Keys are PHP-style: entity[action][i][field], with
 * fields in any order and indices in any order (not necessarily contiguous).
 * Only leads[status][i][...] and leads[add][i][...] make events; any other entity,
 * action or field is ignored, as is leads[..][i][custom_fields]...
 * Errors (return -1, one-line reason in err, *out left empty):
 *   empty body; a form error (see form_parse); a key with an unclosed or stray bracket;
 *   an id field (id, status_id, pipeline_id, old_status_id, responsible_user_id,
 *   updated_at, account[id]) that is not 1..KOMMO_WEBHOOK_ID_MAX ASCII digits;
 *   an event without id, status_id or pipeline_id; an index that is not a number;
 *   more than 1000 events.
 * A body with no lead events at all is valid (nevents = 0).
 */
int kommo_webhook_parse(const char *body, size_t len, struct kommo_webhook *out,
    char *err, size_t errlen);

void kommo_webhook_free(struct kommo_webhook *w);

#endif
