/*
 * world: what the unit tests of the jobs share: a state directory of their own, a
 * configuration as an operator would write it, Zoho Sign connected, and the remotes'
 * answers about one deal (lead 1001, its contact and company, the template), as the
 * fakes serve them (tests/fakes/API.md).
 */
#ifndef KZS_WORLD_H
#define KZS_WORLD_H

#include "config.h"
#include "outbox.h"

#define W_LEAD "1001"
#define W_PIPELINE "8572511"
#define W_TRIGGER "67548619"
#define W_SIGNED "67548625"
#define W_DECLINED "67548631"
#define W_RESPONSIBLE "504"
#define W_TEMPLATE "112233445566778899"
#define W_REQUEST "2000001234567890123"
#define W_ZOHO_TOKEN "zoho-access-1"
#define W_KOMMO_TOKEN "kommo-long-lived-token"

/* Kommo: the lead in the trigger stage, with main contact 2001 and company 3001. */
#define W_LEAD_JSON(status) \
	"{\"id\":1001,\"name\":\"Deal 1001\",\"price\":5000,\"responsible_user_id\":504," \
	"\"status_id\":" status ",\"pipeline_id\":8572511,\"updated_at\":1726572758," \
	"\"custom_fields_values\":null,\"_embedded\":{\"contacts\":[{\"id\":2001,\"is_main\":true}]," \
	"\"companies\":[{\"id\":3001}]}}"
#define W_CONTACT_JSON(email) \
	"{\"id\":2001,\"name\":\"Jane Doe\",\"first_name\":\"Jane\",\"last_name\":\"Doe\"," \
	"\"custom_fields_values\":[{\"field_id\":264913,\"field_name\":\"Email\",\"field_code\":\"EMAIL\"," \
	"\"field_type\":\"multitext\",\"values\":[{\"value\":\"" email "\",\"enum_code\":\"WORK\"}]}]}"
#define W_CONTACT_NO_EMAIL \
	"{\"id\":2001,\"name\":\"Jane Doe\",\"first_name\":\"Jane\",\"last_name\":\"Doe\"," \
	"\"custom_fields_values\":null}"
#define W_COMPANY_JSON "{\"id\":3001,\"name\":\"Acme Ltd\",\"custom_fields_values\":null}"
/* Zoho Sign: GET /templates/{id}. */
#define W_TEMPLATE_JSON \
	"{\"code\":0,\"status\":\"success\",\"templates\":{\"template_id\":112233445566778899," \
	"\"template_name\":\"Sales contract\",\"actions\":[{\"action_id\":99887766554433221," \
	"\"action_type\":\"SIGN\",\"role\":\"Client\",\"recipient_name\":\"\",\"recipient_email\":\"\"}]," \
	"\"document_fields\":[{\"document_id\":55443322110099887,\"fields\":[" \
	"{\"field_name\":\"CompanyName\",\"field_label\":\"Company name\",\"field_category\":\"textfield\"," \
	"\"is_mandatory\":true},{\"field_name\":\"DealAmount\",\"field_label\":\"Deal amount\"," \
	"\"field_category\":\"textfield\",\"is_mandatory\":false},{\"field_name\":\"ContractDate\"," \
	"\"field_label\":\"Contract date\",\"field_category\":\"datefield\",\"is_mandatory\":false}]}]}}"
/* Kommo's answer to a note or task write, and to a PATCH or PUT. */
#define W_KOMMO_WRITTEN "{\"_embedded\":{\"items\":[{\"id\":77}]}}"

/* Makes the state directory and parses the configuration into cfg; 0, or -1 (printed). */
int world_open(struct config *cfg);
/* Removes the state directory and frees cfg. */
void world_close(struct config *cfg);
/* Zoho Sign connected in the EU with a cached access token (W_ZOHO_TOKEN, an hour). */
int world_zoho_connected(const struct config *cfg);

/* Zoho's createdocument answer for request id whose name carries marker (JSON, malloc'd). */
char *world_request_json(const char *request_id, const char *marker);

/* Queues kind:subject with the state (JSON text, or NULL) and claims it; 0 or -1. */
int world_job(const struct config *cfg, const char *kind, const char *subject, const char *state,
    struct outbox_job *job);
/* The job runs again as after a crash: what it held in memory is gone, and it is claimed
 * anew from the outbox, later than any lease or wait (the tests' clock moves on). 0 or -1. */
int world_rerun(const struct config *cfg, struct outbox_job *job);
/* The tests' clock: the time the last claim was made at. */
long long world_now(void);

/* The job with this key as the outbox holds it (outbox_job_free it); 0, or -1 when absent. */
int world_job_get(const struct config *cfg, const char *key, struct outbox_job *out);

/* Every record of state file `name` but the one keyed `skip` (NULL: none), as sorted
 * "key=value" lines, malloc'd: compared before and after, it shows nothing was stored. */
char *world_snapshot(const struct config *cfg, const char *name, const char *skip);

#endif
