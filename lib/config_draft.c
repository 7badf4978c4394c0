/*
 * config_draft: the choices are made by name only, so each rule is a unit test away;
 * the block is checked by the configuration's own parser when it is used.
 */
#include "config_draft.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

/* Names that say which built-in source a field wants, compared as by same_name(). */
static const struct {
	const char *name, *source;
} known_names[] = {
	{ "company", "company.name" }, { "companyname", "company.name" },
	{ "clientcompany", "company.name" }, { "organization", "company.name" },
	{ "organisation", "company.name" },
	{ "deal", "lead.name" }, { "dealname", "lead.name" }, { "lead", "lead.name" },
	{ "leadname", "lead.name" },
	{ "dealid", "lead.id" }, { "leadid", "lead.id" }, { "dealnumber", "lead.id" },
	{ "price", "lead.price" }, { "amount", "lead.price" }, { "dealamount", "lead.price" },
	{ "dealprice", "lead.price" }, { "dealvalue", "lead.price" }, { "budget", "lead.price" },
	{ "name", "contact.name" }, { "fullname", "contact.name" }, { "clientname", "contact.name" },
	{ "contactname", "contact.name" }, { "customername", "contact.name" },
	{ "firstname", "contact.first_name" }, { "givenname", "contact.first_name" },
	{ "lastname", "contact.last_name" }, { "surname", "contact.last_name" },
	{ "familyname", "contact.last_name" },
	{ "email", "contact.email" }, { "emailaddress", "contact.email" },
	{ "clientemail", "contact.email" }, { "contactemail", "contact.email" },
	{ "phone", "contact.phone" }, { "phonenumber", "contact.phone" },
	{ "telephone", "contact.phone" }, { "mobile", "contact.phone" },
	{ "clientphone", "contact.phone" }, { "contactphone", "contact.phone" },
	{ "date", "today" }, { "today", "today" }, { "contractdate", "today" },
};

/* The field categories whose value the sender gives (lib/fill.c writes them). */
static const char *const filled_by_sender[] = { "textfield", "datefield", "checkbox", "dropdown" };

/* Equal but for ASCII case and the separators space _ - . (so "Company name" is
 * "CompanyName"); an empty name equals nothing. */
static int
same_name(const char *a, const char *b)
{
	static const char separators[] = " _-.";

	if (*a == '\0' || *b == '\0')
		return 0;
	for (;;) {
		while (*a && strchr(separators, *a))
			a++;
		while (*b && strchr(separators, *b))
			b++;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		a++;
		b++;
	}
}

/* Control characters (a line break in a remote's name) would end a comment line early:
 * each becomes a space. A name that can be a configuration key has none. */
static void
one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

void
config_draft_kommo_source(const struct kommo_catalog_field *kf, char *buf, size_t buflen)
{
	if (strcmp(kf->entity, "contacts") == 0 && strcmp(kf->code, "EMAIL") == 0)
		snprintf(buf, buflen, "contact.email");
	else if (strcmp(kf->entity, "contacts") == 0 && strcmp(kf->code, "PHONE") == 0)
		snprintf(buf, buflen, "contact.phone");
	else
		snprintf(buf, buflen, "%s.cf.%s", strcmp(kf->entity, "leads") == 0 ? "lead" :
		    strcmp(kf->entity, "contacts") == 0 ? "contact" : "company", kf->id);
}

static const char *
entity_word(const char *entity)
{
	return strcmp(entity, "leads") == 0 ? "lead" : strcmp(entity, "contacts") == 0 ? "contact" :
	    "company";
}

/* The Kommo custom fields named like the template field: the first is the choice (the
 * list is in entity order), the others are named in why. 1 when there is one. */
static int
matching_fields(const struct zoho_catalog_field *field, const struct kommo_catalog_fields *kommo,
    struct config_draft_choice *out)
{
	size_t i, found = 0;

	for (i = 0; kommo != NULL && i < kommo->n; i++) {
		const struct kommo_catalog_field *kf = &kommo->items[i];
		char source[64];
		size_t used = strlen(out->why);

		if (!same_name(kf->name, field->name) && !same_name(kf->name, field->label))
			continue;
		config_draft_kommo_source(kf, source, sizeof source);
		if (found++ == 0) {
			snprintf(out->source, sizeof out->source, "%s", source);
			snprintf(out->why, sizeof out->why, "Kommo %s field \"%s\"%s", entity_word(kf->entity),
			    kf->name, strstr(kf->type, "date") || strcmp(kf->type, "birthday") == 0 ?
			    " (Kommo gives a date as a Unix time)" : "");
		} else {
			snprintf(out->why + used, sizeof out->why - used, "%s%s", found == 2 ? "; also " : ", ",
			    source);
		}
	}
	return found > 0;
}

static int
sender_fills(const char *category)
{
	size_t i;

	for (i = 0; i < sizeof filled_by_sender / sizeof filled_by_sender[0]; i++)
		if (strcmp(category, filled_by_sender[i]) == 0)
			return 1;
	return 0;
}

static void
choose_field(const struct zoho_catalog_field *field, const struct kommo_catalog_fields *kommo,
    struct config_draft_choice *out)
{
	size_t i;

	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s",
	    config_map_name_valid(field->name) || !config_map_name_valid(field->label) ? field->name :
	    field->label);
	if (!sender_fills(field->category)) {
		snprintf(out->why, sizeof out->why, "the signer fills it in");
		return;
	}
	if (!config_map_name_valid(out->name)) {
		snprintf(out->why, sizeof out->why, "its name cannot start a line here: rename the field in "
		    "the template (letters, digits, space, _ - .)");
		return;
	}
	if (matching_fields(field, kommo, out))
		return;
	for (i = 0; i < sizeof known_names / sizeof known_names[0]; i++) {
		if (same_name(field->name, known_names[i].name) || same_name(field->label, known_names[i].name)) {
			snprintf(out->source, sizeof out->source, "%s", known_names[i].source);
			snprintf(out->why, sizeof out->why, "by its name");
			return;
		}
	}
	if (strcmp(field->category, "datefield") == 0) {
		snprintf(out->source, sizeof out->source, "today");
		snprintf(out->why, sizeof out->why, "a date: the day the contract goes out");
		return;
	}
	snprintf(out->why, sizeof out->why, "no Kommo field or source of this name");
}

void
config_draft_field(const struct zoho_catalog_field *field, const struct kommo_catalog_fields *kommo,
    struct config_draft_choice *out)
{
	choose_field(field, kommo, out);
	one_line(out->name);
	one_line(out->why);
}

/* The first role that can be named in [signers]: the main contact signs it; the others
 * are left for the administrator to choose (the client signs, someone of ours countersigns). */
static size_t
signing_role(const struct zoho_catalog_template *tpl)
{
	size_t i;

	for (i = 0; i < tpl->nroles; i++)
		if (config_map_name_valid(tpl->roles[i].role))
			return i;
	return tpl->nroles;
}

void
config_draft_role(const struct zoho_catalog_template *tpl, size_t i, struct config_draft_choice *out)
{
	size_t first = signing_role(tpl);

	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", tpl->roles[i].role);
	if (!config_map_name_valid(out->name))
		snprintf(out->why, sizeof out->why, "its name cannot start a line here: rename the role in "
		    "the template (letters, digits, space, _ - .); a role without a line stops each contract");
	else if (i == first) {
		snprintf(out->source, sizeof out->source, "contact.main");
		snprintf(out->why, sizeof out->why, "the deal's main contact");
	} else
		snprintf(out->why, sizeof out->why, "contact.main already signs as \"%s\"; choose one of "
		    CONFIG_SIGNER_SOURCES_TEXT "; a role without a line stops each contract",
		    tpl->roles[first].role);
	one_line(out->name);
	one_line(out->why);
}

/* One line: "name = source ; what: why", or the same commented out without a source. */
static void
draft_line(FILE *out, const struct config_draft_choice *c, const char *what)
{
	if (c->source[0] != '\0')
		fprintf(out, "%s = %s ; %s: %s\n", c->name, c->source, what, c->why);
	else
		fprintf(out, ";%s = ; %s: %s\n", c->name, what, c->why);
}

/* 1 when an earlier field of the template already has a line under this name. */
static int
named_before(const struct zoho_catalog_template *tpl, size_t i, const char *name,
    const struct kommo_catalog_fields *kommo)
{
	size_t j;

	for (j = 0; j < i; j++) {
		struct config_draft_choice earlier;

		config_draft_field(&tpl->fields[j], kommo, &earlier);
		if (strcmp(earlier.name, name) == 0)
			return 1;
	}
	return 0;
}

void
config_draft_write(FILE *out, const struct zoho_catalog_template *tpl,
    const struct kommo_catalog_fields *kommo)
{
	char name[sizeof tpl->name], id[sizeof tpl->id];
	size_t i;

	snprintf(name, sizeof name, "%s", tpl->name);
	snprintf(id, sizeof id, "%s", tpl->id);
	one_line(name);
	one_line(id);
	fprintf(out, "; [signers] and [fields] for the Zoho Sign template \"%s\" ([zoho] template_id = %s).\n"
	    "; A line starting with ; is left out: give it a source and remove the ; to use it.\n",
	    name, id);
	fprintf(out, "[signers]\n");
	if (tpl->nroles == 0)
		fprintf(out, "; the template has no recipients: Zoho Sign refuses to send it\n");
	for (i = 0; i < tpl->nroles; i++) {
		struct config_draft_choice c;
		char what[64];

		config_draft_role(tpl, i, &c);
		snprintf(what, sizeof what, "%s", tpl->roles[i].action_type[0] ? tpl->roles[i].action_type : "SIGN");
		one_line(what);
		draft_line(out, &c, what);
	}
	fprintf(out, "\n[fields]\n");
	for (i = 0; i < tpl->nfields; i++) {
		const struct zoho_catalog_field *f = &tpl->fields[i];
		struct config_draft_choice c;
		char what[160];

		config_draft_field(f, kommo, &c);
		snprintf(what, sizeof what, "%s%s", f->category[0] ? f->category : "no category",
		    f->mandatory ? ", mandatory" : "");
		one_line(what);
		if (named_before(tpl, i, c.name, kommo)) {
			fprintf(out, "; %s (%s) again: the line above fills it too\n", c.name, what);
			continue;
		}
		if (c.source[0] == '\0' && sender_fills(f->category) && config_map_name_valid(c.name))
			fprintf(out, "; %s: choose one of " CONFIG_FIELD_SOURCES_TEXT "\n", c.name);
		draft_line(out, &c, what);
	}
}
