/*
 * zoho_catalog: what an integrator looks up in Zoho Sign to fill in the configuration:
 * the account's templates, and one template's roles (its actions) and fields. Reads
 * only, through the zoho_sign service, always fresh (not the send job's template cache).
 * Ids stay text: Zoho's exceed 2^53.
 */
#ifndef KZS_ZOHO_CATALOG_H
#define KZS_ZOHO_CATALOG_H

#include <json-c/json.h>
#include <stddef.h>

#include "config.h"
#include "remote.h"

struct zoho_catalog_template_entry {
	char id[32];
	char name[256];
};

struct zoho_catalog_templates {
	struct zoho_catalog_template_entry *items; /* in Zoho's order */
	size_t n;
};

/* A template's action: a recipient role the [signers] section names. */
struct zoho_catalog_role {
	char action_id[32];
	char action_type[32]; /* SIGN, VIEW, INPERSONSIGN ... */
	char role[256];
};

struct zoho_catalog_field {
	char name[256];      /* field_name */
	char label[256];     /* field_label */
	char type_name[64];  /* field_type_name: Textfield, Name, Email, Signature ... */
	char category[64];   /* field_category: textfield, datefield, checkbox, image ... */
	int mandatory;
};

struct zoho_catalog_template {
	char id[32];
	char name[256];
	struct zoho_catalog_role *roles; /* in the template's order */
	size_t nroles;
	struct zoho_catalog_field *fields; /* of every document, in order */
	size_t nfields;
};

/* GET /templates?data={"page_context":...}, page after page while has_more_rows. */
void zoho_catalog_templates(const struct config *cfg, struct zoho_catalog_templates *out,
    struct remote_result *rr);

/* GET /templates/{id}. REMOTE_NOT_FOUND when Zoho has no such template. */
void zoho_catalog_template(const struct config *cfg, const char *template_id,
    struct zoho_catalog_template *out, struct remote_result *rr);

/* Pure: a template from the "templates" object of GET /templates/{id}; -1 out of memory. */
int zoho_catalog_template_read(json_object *tpl, struct zoho_catalog_template *out);

/* The field called `name` (its field_name, else its field_label), or NULL. */
const struct zoho_catalog_field *zoho_catalog_template_field(const struct zoho_catalog_template *tpl,
    const char *name);

/* The action whose role is `role`, or NULL. */
const struct zoho_catalog_role *zoho_catalog_template_role(const struct zoho_catalog_template *tpl,
    const char *role);

void zoho_catalog_templates_free(struct zoho_catalog_templates *list);
void zoho_catalog_template_free(struct zoho_catalog_template *tpl);

#endif
