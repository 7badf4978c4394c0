/*
 * Unit tests for lib/config_draft.c: which source each template field and role gets in
 * the [signers]/[fields] block kzsctl template ID --config prints, and that the block
 * is a configuration the parser takes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "config_draft.h"

static struct kommo_catalog_field kommo_items[] = {
	{ "leads", "512001", "Contract no", "text", "" },
	{ "leads", "512002", "Budget", "numeric", "" },
	{ "leads", "512003", "Start date", "date", "" },
	{ "contacts", "264911", "Phone", "multitext", "PHONE" },
	{ "contacts", "264913", "Email", "multitext", "EMAIL" },
	{ "contacts", "264920", "Contract no", "text", "" },
	{ "companies", "301001", "VAT number", "text", "" },
	{ "companies", "301002", "contract_no", "text", "" },
};
static const struct kommo_catalog_fields kommo = { kommo_items, sizeof kommo_items / sizeof kommo_items[0] };

static struct config_draft_choice
choose(const char *name, const char *label, const char *category, const struct kommo_catalog_fields *kf)
{
	struct zoho_catalog_field f = { .mandatory = 0 };
	struct config_draft_choice c;

	snprintf(f.name, sizeof f.name, "%s", name);
	snprintf(f.label, sizeof f.label, "%s", label);
	snprintf(f.category, sizeof f.category, "%s", category);
	config_draft_field(&f, kf, &c);
	return c;
}

static void
test_kommo_fields_first(void)
{
	struct config_draft_choice c = choose("ContractNo", "Contract number", "textfield", &kommo);

	CHECK_STR(c.source, "lead.cf.512001", "a Kommo field of the same name, case and spaces aside");
	CHECK_STR(c.why, "Kommo lead field \"Contract no\"; also contact.cf.264920, company.cf.301002",
	    "the lead's comes first, the others are named");
	c = choose("VAT", "vat number", "textfield", &kommo);
	CHECK_STR(c.source, "company.cf.301001", "matched by the field's label too");
	c = choose("Budget", "", "textfield", &kommo);
	CHECK_STR(c.source, "lead.cf.512002", "a Kommo field wins over a source known by the name");
	c = choose("Email", "", "textfield", &kommo);
	CHECK_STR(c.source, "contact.email", "the contact's EMAIL field is contact.email");
	c = choose("phone", "", "textfield", &kommo);
	CHECK_STR(c.source, "contact.phone", "the contact's PHONE field is contact.phone");
	c = choose("StartDate", "", "datefield", &kommo);
	CHECK_STR(c.source, "lead.cf.512003", "a Kommo date field for a date field");
	CHECK(strstr(c.why, "Unix time") != NULL, "with a word on how Kommo gives dates: %s", c.why);
}

static void
test_known_names(void)
{
	static const struct {
		const char *name, *category, *source;
	} cases[] = {
		{ "CompanyName", "textfield", "company.name" }, { "Company name", "textfield", "company.name" },
		{ "DealAmount", "textfield", "lead.price" }, { "deal_name", "textfield", "lead.name" },
		{ "Deal ID", "textfield", "lead.id" }, { "Client name", "textfield", "contact.name" },
		{ "First name", "textfield", "contact.first_name" }, { "SURNAME", "textfield", "contact.last_name" },
		{ "E-mail", "textfield", "contact.email" }, { "Telephone", "textfield", "contact.phone" },
		{ "ContractDate", "datefield", "today" }, { "Signed on", "datefield", "today" },
		{ "Choice", "dropdown", "" }, { "Agree", "checkbox", "" }, { "Notes", "textfield", "" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct config_draft_choice c = choose(cases[i].name, "", cases[i].category, NULL);

		CHECK_STR(c.source, cases[i].source, "\"%s\" (%s) without Kommo fields", cases[i].name,
		    cases[i].category);
	}
}

static void
test_left_out(void)
{
	struct config_draft_choice c = choose("Signature", "Signature", "image", &kommo);

	CHECK_STR(c.source, "", "a signature is left to the signer");
	CHECK_STR(c.why, "the signer fills it in", "and says so");
	c = choose("Pick one", "", "radiogroup", &kommo);
	CHECK_STR(c.source, "", "a radio group is not filled by the sender");
	c = choose("Client's VAT", "Client's VAT", "textfield", &kommo);
	CHECK_STR(c.source, "", "a name that cannot be a key is left out");
	CHECK(strstr(c.why, "rename the field") != NULL, "saying to rename it: %s", c.why);
	c = choose("Client's VAT", "ClientVat", "textfield", &kommo);
	CHECK_STR(c.name, "ClientVat", "the label stands in for a name that cannot be a key");
	c = choose("Line\nbreak", "", "image", &kommo);
	CHECK(strchr(c.name, '\n') == NULL, "a line break in a name stays out of the block");
	c = choose("Notes", "", "textfield", &kommo);
	CHECK_STR(c.why, "no Kommo field or source of this name", "an unknown name says so");
}

static void
add_field(struct zoho_catalog_template *t, const char *name, const char *category, int mandatory)
{
	struct zoho_catalog_field *f = &t->fields[t->nfields++];

	memset(f, 0, sizeof *f);
	snprintf(f->name, sizeof f->name, "%s", name);
	snprintf(f->label, sizeof f->label, "%s", name);
	snprintf(f->category, sizeof f->category, "%s", category);
	f->mandatory = mandatory;
}

static void
test_roles_and_block(void)
{
	struct zoho_catalog_role roles[] = {
		{ "1", "SIGN", "Client" }, { "2", "SIGN", "Witness" }, { "3", "VIEW", "Legal's copy" },
	};
	struct zoho_catalog_field fields[8];
	struct zoho_catalog_template tpl = { "112233445566778899", "Sales contract", roles, 3, fields, 0 };
	struct config_draft_choice c;
	struct config cfg;
	char *text = NULL, err[512], *conf;
	size_t len = 0;
	FILE *out;

	config_draft_role(&tpl, 0, &c);
	CHECK_STR(c.source, "contact.main", "the first role is the main contact's");
	config_draft_role(&tpl, 1, &c);
	CHECK_STR(c.source, "", "a second role is left out: the main contact already signs");
	CHECK(strstr(c.why, "\"Client\"") != NULL && strstr(c.why, "user.responsible") != NULL &&
	    strstr(c.why, "fixed: Name <email>") != NULL, "naming the role it signs and the sources to choose: %s", c.why);
	config_draft_role(&tpl, 2, &c);
	CHECK_STR(c.source, "", "a role whose name cannot be a key is left out");
	roles[0].role[6] = '\'';
	config_draft_role(&tpl, 1, &c);
	CHECK_STR(c.source, "contact.main", "the first role that can be named gets the main contact");
	roles[0].role[6] = '\0';

	add_field(&tpl, "CompanyName", "textfield", 1);
	add_field(&tpl, "ContractNo", "textfield", 0);
	add_field(&tpl, "Notes", "textfield", 0);
	add_field(&tpl, "Signature", "image", 1);
	add_field(&tpl, "CompanyName", "textfield", 1); /* on a second document */
	out = open_memstream(&text, &len);
	config_draft_write(out, &tpl, &kommo);
	fclose(out);
	CHECK_STR(text,
	    "; [signers] and [fields] for the Zoho Sign template \"Sales contract\" ([zoho] template_id = 112233445566778899).\n"
	    "; A line starting with ; is left out: give it a source and remove the ; to use it.\n"
	    "[signers]\n"
	    "Client = contact.main ; SIGN: the deal's main contact\n"
	    ";Witness = ; SIGN: contact.main already signs as \"Client\"; choose one of " CONFIG_SIGNER_SOURCES_TEXT "; a role without a line stops each contract\n"
	    ";Legal's copy = ; VIEW: its name cannot start a line here: rename the role in the template (letters, digits, space, _ - .); a role without a line stops each contract\n"
	    "\n[fields]\n"
	    "CompanyName = company.name ; textfield, mandatory: by its name\n"
	    "ContractNo = lead.cf.512001 ; textfield: Kommo lead field \"Contract no\"; also contact.cf.264920, company.cf.301002\n"
	    "; Notes: choose one of " CONFIG_FIELD_SOURCES_TEXT "\n"
	    ";Notes = ; textfield: no Kommo field or source of this name\n"
	    ";Signature = ; image, mandatory: the signer fills it in\n"
	    "; CompanyName (textfield, mandatory) again: the line above fills it too\n",
	    "the block: every role and field, with a source or commented out");

	/* The block as the end of a configuration file: the parser takes it. */
	conf = text ? malloc(strlen(text) + 64) : NULL;
	if (conf != NULL) {
		sprintf(conf, "[state]\ndir = /tmp/kzs-state\n%s", text);
		CHECK(config_parse(conf, strlen(conf), "draft.conf", &cfg, NULL, NULL, err, sizeof err) == 0,
		    "the configuration parser takes the block: %s", err);
		CHECK(cfg.nsigners == 1 && cfg.nfields == 2, "with its one signer and two fields (%zu, %zu)",
		    cfg.nsigners, cfg.nfields);
		config_free(&cfg);
	}
	free(conf);
	free(text);
}

int
main(void)
{
	test_kommo_fields_first();
	test_known_names();
	test_left_out();
	test_roles_and_block();
	return CHECK_DONE();
}
