/*
 * config_draft: pure: a Zoho Sign template's roles and fields, and the Kommo account's
 * custom fields, to a ready [signers] and [fields] block for the configuration. Every
 * role and every field gets a line: with the most likely source, or commented out with
 * the reason and the sources to choose from.
 */
#ifndef KZS_CONFIG_DRAFT_H
#define KZS_CONFIG_DRAFT_H

#include <stdio.h>

#include "kommo_catalog.h"
#include "zoho_catalog.h"

struct config_draft_choice {
	char name[256];   /* the name the line starts with: field_name, else field_label */
	char source[300]; /* the source; "" when the line is left commented out */
	char why[640];    /* for the comment: how the source was found, or why there is none */
};

/*
 * The choice for one template field. In order: a Kommo custom field of the same name or
 * label (case and spaces aside; the lead's before the contact's before the company's),
 * a source known by that name (company.name for "Company name", contact.email for
 * "Email" ...), today for a date field. A field the sender cannot fill (a signature,
 * initials, a radio group ...) or whose name cannot be a configuration key stays
 * commented out.
 */
void config_draft_field(const struct zoho_catalog_field *field, const struct kommo_catalog_fields *kommo,
    struct config_draft_choice *out);

/* The choice for the template's role at index i: contact.main for the first one,
 * commented out with the other signer sources to choose from for the others. */
void config_draft_role(const struct zoho_catalog_template *tpl, size_t i, struct config_draft_choice *out);

/* The [fields] source that reads this Kommo custom field: contact.email and
 * contact.phone for the contact's EMAIL and PHONE, else <lead|contact|company>.cf.<id>. */
void config_draft_kommo_source(const struct kommo_catalog_field *kf, char *buf, size_t buflen);

/* Writes the block: a comment naming the template, [signers], then [fields]. */
void config_draft_write(FILE *out, const struct zoho_catalog_template *tpl,
    const struct kommo_catalog_fields *kommo);

#endif
