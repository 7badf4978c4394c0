/*
 * Unit tests for lib/fill.c: the createdocument request built from a template, the
 * mapping and a deal, and the problems reported when the deal's data does not fit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fill.h"
#include "jfield.h"

static const char template_json[] =
    "{\"template_id\":20000000000000001,\"template_name\":\"Sales contract\","
    "\"actions\":[{\"action_id\":30000000000000123,\"action_type\":\"SIGN\",\"role\":\"Client\","
    "\"recipient_name\":\"\",\"recipient_email\":\"\",\"signing_order\":1}],"
    "\"document_fields\":[{\"document_id\":1,\"fields\":["
    "{\"field_name\":\"CompanyName\",\"field_label\":\"Company\",\"field_category\":\"textfield\",\"is_mandatory\":true},"
    "{\"field_name\":\"DealAmount\",\"field_label\":\"Amount\",\"field_category\":\"textfield\",\"is_mandatory\":false},"
    "{\"field_name\":\"ContractDate\",\"field_label\":\"Date\",\"field_category\":\"datefield\",\"is_mandatory\":false},"
    "{\"field_name\":\"Vip\",\"field_label\":\"VIP\",\"field_category\":\"checkbox\",\"is_mandatory\":false}]}]}";

static const char lead_json[] =
    "{\"id\":1001,\"name\":\"Big deal\",\"price\":5000,\"status_id\":67548619,"
    "\"custom_fields_values\":[{\"field_id\":777,\"field_name\":\"Ref\",\"values\":[{\"value\":\"R-42\"}]},"
    "{\"field_id\":778,\"field_name\":\"Signed on\",\"values\":[1726572758]}]}";

static const char contact_json[] =
    "{\"id\":2001,\"name\":\"Jane Doe\",\"first_name\":\"Jane\",\"last_name\":\"Doe\","
    "\"custom_fields_values\":[{\"field_id\":10,\"field_code\":\"PHONE\",\"values\":[{\"value\":\"+31 20 555\",\"enum_code\":\"WORK\"}]},"
    "{\"field_id\":11,\"field_code\":\"EMAIL\",\"values\":[{\"value\":\"jane@example.com\",\"enum_code\":\"WORK\"}]}]}";

static const char company_json[] = "{\"id\":3001,\"name\":\"Acme Ltd\",\"custom_fields_values\":null}";

static struct config_map fields[] = {
	{ (char *)(uintptr_t)"CompanyName", (char *)(uintptr_t)"company.name", 1 },
	{ (char *)(uintptr_t)"DealAmount", (char *)(uintptr_t)"lead.price", 2 },
	{ (char *)(uintptr_t)"ContractDate", (char *)(uintptr_t)"today", 3 },
	{ (char *)(uintptr_t)"Vip", (char *)(uintptr_t)"\"yes\"", 4 },
};
static struct config_map signers[] = {
	{ (char *)(uintptr_t)"Client", (char *)(uintptr_t)"contact.main", 5 },
};

static void
setup(struct config *cfg, struct fill_input *in)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->fields = fields;
	cfg->nfields = sizeof fields / sizeof fields[0];
	cfg->signers = signers;
	cfg->nsigners = 1;
	memset(in, 0, sizeof *in);
	in->tpl = json_tokener_parse(template_json);
	in->lead = json_tokener_parse(lead_json);
	in->contact = json_tokener_parse(contact_json);
	in->company = json_tokener_parse(company_json);
	in->today = "29/11/2026";
	in->marker = "(ref 1001-1)";
}

static void
teardown(struct fill_input *in)
{
	json_object_put(in->tpl);
	json_object_put(in->lead);
	json_object_put(in->contact);
	json_object_put(in->company);
}

static json_object *
path(json_object *root, const char *a, const char *b, const char *c)
{
	json_object *o = jfield_typed(root, a, json_type_object);

	o = b ? jfield_typed(o, b, json_type_object) : o;
	return c ? jfield_typed(o, c, json_type_object) : o;
}

static void
test_complete_request(void)
{
	struct config cfg;
	struct fill_input in;
	struct fill_result out;
	json_object *data, *fd, *actions, *a;

	setup(&cfg, &in);
	CHECK(fill_request(&cfg, &in, &out) == 0, "a deal with all data fills the template");
	data = json_tokener_parse(out.data_json ? out.data_json : "null");
	fd = path(data, "templates", "field_data", NULL);
	CHECK_STR(jfield_text(path(fd, "field_text_data", NULL, NULL), "CompanyName"), "Acme Ltd",
	    "company.name goes into a text field");
	CHECK_STR(jfield_text(path(fd, "field_text_data", NULL, NULL), "DealAmount"), "5000",
	    "lead.price is carried as text");
	CHECK_STR(jfield_text(path(fd, "field_date_data", NULL, NULL), "ContractDate"), "29/11/2026",
	    "today goes into the date data of a date field");
	CHECK_STR(jfield_text(path(fd, "field_boolean_data", NULL, NULL), "Vip"), "true",
	    "a quoted literal \"yes\" ticks a checkbox");
	CHECK_STR(jfield_text(path(data, "templates", NULL, NULL), "request_name"), "Big deal (ref 1001-1)",
	    "request name is the deal name and the marker");
	actions = jfield_typed(path(data, "templates", NULL, NULL), "actions", json_type_array);
	CHECK(actions && json_object_array_length(actions) == 1, "one action per template action");
	a = actions ? json_object_array_get_idx(actions, 0) : NULL;
	CHECK(a && json_object_is_type(json_object_object_get(a, "action_id"), json_type_string),
	    "action_id is sent as a string");
	CHECK_STR(jfield_text(a, "action_id"), "30000000000000123", "the 17-digit action id is exact");
	CHECK_STR(jfield_text(a, "recipient_email"), "jane@example.com", "recipient is the main contact's email");
	CHECK_STR(jfield_text(a, "recipient_name"), "Jane Doe", "recipient name is the contact's name");
	CHECK_STR(jfield_text(a, "role"), "Client", "role is kept");
	CHECK_STR(out.recipients, "Jane Doe <jane@example.com>", "recipients line for the note");
	json_object_put(data);
	fill_result_free(&out);
	teardown(&in);
}

static void
test_sources(void)
{
	struct config cfg;
	struct fill_input in;
	char buf[128], why[256];

	setup(&cfg, &in);
	CHECK(fill_source(&in, "lead.cf.777", buf, sizeof buf, why, sizeof why) == 0 &&
	    strcmp(buf, "R-42") == 0, "lead.cf.<id> reads the custom field value");
	CHECK(fill_source(&in, "lead.cf.778", buf, sizeof buf, why, sizeof why) == 0 &&
	    strcmp(buf, "1726572758") == 0, "a date custom field's bare timestamp is read");
	CHECK(fill_source(&in, "contact.phone", buf, sizeof buf, why, sizeof why) == 0 &&
	    strcmp(buf, "+31 20 555") == 0, "contact.phone reads the PHONE field");
	CHECK(fill_source(&in, "contact.first_name", buf, sizeof buf, why, sizeof why) == 0 &&
	    strcmp(buf, "Jane") == 0, "contact.first_name");
	CHECK(fill_source(&in, "lead.id", buf, sizeof buf, why, sizeof why) == 0 &&
	    strcmp(buf, "1001") == 0, "lead.id");
	CHECK(fill_source(&in, "company.cf.5", buf, sizeof buf, why, sizeof why) == -1 &&
	    strcmp(why, "the company's custom field 5: fill it in") == 0,
	    "a custom field the company lacks: the manager fills it in (%s)", why);
	CHECK(fill_source(&in, "lead.cf.999", buf, sizeof buf, why, sizeof why) == -1,
	    "an unknown custom field id is reported: %s", why);
	CHECK(fill_source(&in, "lead.cost", buf, sizeof buf, why, sizeof why) == -2 &&
	    strcmp(why, "lead.cost names nothing Kommo has on a deal") == 0,
	    "an attribute Kommo does not have: the administrator's (%s)", why);
	CHECK(fill_source(&in, "deal.name", buf, sizeof buf, why, sizeof why) == -2 &&
	    strcmp(why, "deal.name is not a known source") == 0, "an unknown source: the administrator's (%s)", why);
	json_object_put(in.company);
	in.company = NULL;
	CHECK(fill_source(&in, "company.name", buf, sizeof buf, why, sizeof why) == -1 &&
	    strcmp(why, "a company on the deal: link one") == 0, "no company: %s", why);
	teardown(&in);
}

/* 1 when r has the problem text, for the manager (admin NULL) or with that admin line. */
static int
has_problem(const struct fill_result *r, const char *text, const char *admin)
{
	size_t i;

	for (i = 0; i < r->nproblems; i++)
		if (strcmp(r->problems[i].text, text) == 0 &&
		    (admin ? r->problems[i].admin && strcmp(r->problems[i].admin, admin) == 0 :
		    r->problems[i].admin == NULL))
			return 1;
	return 0;
}

/* What the sales manager can fix on the deal: the text says what to do, no admin line. */
static void
test_manager_problems(void)
{
	struct config cfg;
	struct fill_input in;
	struct fill_result out;

	setup(&cfg, &in);
	json_object_put(in.contact);
	in.contact = NULL;
	CHECK(fill_request(&cfg, &in, &out) == 1 && out.data_json == NULL &&
	    has_problem(&out, "the deal has no main contact to sign as \"Client\" (contact.main): link one and "
	    "make it the main contact", NULL), "no main contact: nothing to send, the manager links one");
	fill_result_free(&out);

	in.contact = json_tokener_parse("{\"id\":2002,\"name\":\"Bob\",\"custom_fields_values\":null}");
	CHECK(fill_request(&cfg, &in, &out) == 1 &&
	    has_problem(&out, "the main contact \"Bob\" has no email address: add it (signs as \"Client\", "
	    "contact.main)", NULL),
	    "contact without email: the manager adds it");
	fill_result_free(&out);
	json_object_put(in.contact);
	in.contact = json_tokener_parse(contact_json);

	json_object_put(in.company);
	in.company = json_tokener_parse("{\"id\":3001,\"name\":\"\"}");
	CHECK(fill_request(&cfg, &in, &out) == 1 && out.nproblems == 1 &&
	    has_problem(&out, "field \"CompanyName\" needs the company's name: fill it in", NULL),
	    "an empty source: the manager fills it in");
	fill_result_free(&out);
	json_object_put(in.company);
	in.company = NULL;
	CHECK(fill_request(&cfg, &in, &out) == 1 &&
	    has_problem(&out, "field \"CompanyName\" needs a company on the deal: link one", NULL),
	    "no company: the manager links one");
	fill_result_free(&out);
	in.company = json_tokener_parse(company_json);

	fields[1].source = (char *)(uintptr_t)"lead.cf.4242";
	CHECK(fill_request(&cfg, &in, &out) == 1 && out.nproblems == 1 &&
	    has_problem(&out, "field \"DealAmount\" needs the deal's custom field 4242: fill it in", NULL),
	    "a custom field the deal lacks: the manager fills it in");
	fill_result_free(&out);
	fields[1].source = (char *)(uintptr_t)"lead.price";
	teardown(&in);
}

/* What only the administrator can fix: "ask your administrator" on the lead, the config
 * key in the admin line. */
static void
test_admin_problems(void)
{
	struct config cfg;
	struct fill_input in;
	struct fill_result out;
	json_object *actions;

	setup(&cfg, &in);
	cfg.nsigners = 0;
	CHECK(fill_request(&cfg, &in, &out) == 1 && out.nproblems == 1 &&
	    has_problem(&out, "the template's signer \"Client\" is not set up: ask your administrator",
	    "[signers] Client: the template's role \"Client\" has no entry in [signers]"),
	    "a template role without a signer");
	fill_result_free(&out);
	cfg.nsigners = 1;

	fields[0].name = (char *)(uintptr_t)"Currency";
	CHECK(fill_request(&cfg, &in, &out) == 1 && out.nproblems == 1 &&
	    has_problem(&out, "the template has no field \"Currency\": ask your administrator",
	    "[fields] Currency: Zoho Sign template 20000000000000001 has no field of that name or label"),
	    "a [fields] name the template lacks");
	fill_result_free(&out);
	fields[0].name = (char *)(uintptr_t)"CompanyName";

	fields[1].source = (char *)(uintptr_t)"lead.cost";
	CHECK(fill_request(&cfg, &in, &out) == 1 && out.nproblems == 1 &&
	    has_problem(&out, "the source of field \"DealAmount\" is not set up right: ask your administrator",
	    "[fields] DealAmount: lead.cost names nothing Kommo has on a deal"),
	    "a [fields] source that names no known field");
	fill_result_free(&out);
	fields[1].source = (char *)(uintptr_t)"lead.price";

	/* Both kinds at once: each says its own. */
	json_object_put(in.contact);
	in.contact = NULL;
	fields[0].name = (char *)(uintptr_t)"Currency";
	CHECK(fill_request(&cfg, &in, &out) == 1 && out.nproblems == 2 &&
	    out.problems[0].admin != NULL && out.problems[1].admin == NULL,
	    "the administrator's problem and the manager's, in order");
	fill_result_free(&out);
	fields[0].name = (char *)(uintptr_t)"CompanyName";

	json_object_object_get_ex(in.tpl, "actions", &actions);
	json_object_array_del_idx(actions, 0, 1);
	CHECK(fill_request(&cfg, &in, &out) == 1 && out.nproblems == 1 &&
	    has_problem(&out, "the Zoho Sign template has no signers: ask your administrator",
	    "[zoho] template_id: Zoho Sign template 20000000000000001 has no recipients"),
	    "a template without recipients");
	fill_result_free(&out);

	teardown(&in);
}

struct problems {
	char text[2048];
	size_t n;
};

static void
collect(const char *problem, void *arg)
{
	struct problems *p = arg;
	size_t used = strlen(p->text);

	snprintf(p->text + used, sizeof p->text - used, "%s\n", problem);
	p->n++;
}

/* The configuration against the template, as kzsctl check runs it before any deal. */
static void
test_template_check(void)
{
	struct config cfg;
	struct fill_input in;
	struct problems p = { "", 0 };

	setup(&cfg, &in);
	CHECK(fill_fields_check(&cfg, in.tpl, collect, &p) == 0 && fill_roles_check(&cfg, in.tpl, collect, &p) == 0,
	    "a mapping that fits the template: no problem");

	fields[2].source = (char *)(uintptr_t)"lead.name";
	fields[3].source = (char *)(uintptr_t)"contact.email";
	CHECK(fill_fields_check(&cfg, in.tpl, collect, &p) == 2 &&
	    strstr(p.text, "[fields] ContractDate = lead.name: a date field") != NULL &&
	    strstr(p.text, "[fields] Vip = contact.email: a checkbox") != NULL,
	    "a text source for a date field or a checkbox is named");
	fields[2].source = (char *)(uintptr_t)"\"01/12/2026\"";
	fields[3].source = (char *)(uintptr_t)"lead.cf.779";
	p.n = 0;
	p.text[0] = '\0';
	CHECK(fill_fields_check(&cfg, in.tpl, collect, &p) == 0,
	    "a quoted date for a date field, a custom field for a checkbox fit");
	fields[2].source = (char *)(uintptr_t)"today";
	fields[3].source = (char *)(uintptr_t)"\"yes\"";

	fields[0].name = (char *)(uintptr_t)"Company"; /* the field's label */
	CHECK(fill_fields_check(&cfg, in.tpl, collect, &p) == 0, "a field named by its label fits");
	fields[0].name = (char *)(uintptr_t)"NoSuchField";
	CHECK(fill_fields_check(&cfg, in.tpl, collect, &p) == 2 &&
	    strstr(p.text, "[fields] NoSuchField: the template has no field of that name (line 1); its fields: "
		"CompanyName, DealAmount, ContractDate, Vip") != NULL &&
	    strstr(p.text, "mandatory field \"CompanyName\" is not filled") != NULL,
	    "a name the template lacks, and the mandatory field it leaves empty");
	fields[0].name = (char *)(uintptr_t)"CompanyName";

	p.n = 0;
	p.text[0] = '\0';
	signers[0].name = (char *)(uintptr_t)"Buyer";
	CHECK(fill_roles_check(&cfg, in.tpl, collect, &p) == 2 &&
	    strstr(p.text, "[signers]: the template role \"Client\" has no signer") != NULL &&
	    strstr(p.text, "[signers] Buyer: the template has no role of that name (line 5); its roles: Client") != NULL,
	    "a role without a signer, and a signer for no role");
	signers[0].name = (char *)(uintptr_t)"Client";
	teardown(&in);
}

/* A template whose two roles sign in order: the client, then an approver of ours. */
static const char two_roles_json[] =
    "{\"template_id\":20000000000000002,\"actions\":["
    "{\"action_id\":301,\"action_type\":\"SIGN\",\"role\":\"Client\",\"signing_order\":1},"
    "{\"action_id\":302,\"action_type\":\"APPROVER\",\"role\":\"Countersigner\",\"signing_order\":2}],"
    "\"document_fields\":[]}";

#define EMAIL_CF(id, v) "{\"field_id\":" #id ",\"field_code\":\"EMAIL\",\"values\":[{\"value\":\"" v "\"}]}"
#define ROLE_CF(v) "{\"field_id\":555,\"field_name\":\"Role in deal\",\"values\":[{\"value\":\"" v "\"}]}"

/* Fills the two roles, Client by contact.main and Countersigner by source; the
 * recipients, or the one problem. */
static int
fill_two(const char *source, struct fill_input *in, struct fill_result *out)
{
	static struct config_map two[2];
	struct config cfg;

	memset(&cfg, 0, sizeof cfg);
	two[0] = (struct config_map){ (char *)(uintptr_t)"Client", (char *)(uintptr_t)"contact.main", 1 };
	two[1] = (struct config_map){ (char *)(uintptr_t)"Countersigner", (char *)(uintptr_t)source, 2 };
	cfg.signers = two;
	cfg.nsigners = 2;
	return fill_request(&cfg, in, out);
}

static void
test_signer_sources(void)
{
	static const struct {
		const char *source, *want; /* want: the recipients, or the one problem */
		int admin;                 /* 1 when the problem is the administrator's */
	} cases[] = {
		{ "contact.other", "Jane Doe <jane@example.com>, Ann Other <ann@client.example>", 0 },
		{ "contact.cf.555", "Jane Doe <jane@example.com>, Carl Role <carl@client.example>", 0 },
		{ "user.responsible", "Jane Doe <jane@example.com>, Sam Sales <sam@ourco.example>", 0 },
		{ "user.41", "Jane Doe <jane@example.com>, Olga Boss <olga@ourco.example>", 0 },
		{ "fixed: Jane Roe <jane.roe@ourco.example>", "Jane Doe <jane@example.com>, Jane Roe <jane.roe@ourco.example>", 0 },
		{ "lead.cf.900", "Jane Doe <jane@example.com>, sign@partner.example <sign@partner.example>", 0 },
		{ "lead.cf.900 name lead.cf.901", "Jane Doe <jane@example.com>, Pat Partner <sign@partner.example>", 0 },
		{ "lead.cf.902", "the deal's custom field 902: fill it in with the e-mail address of who signs as "
		  "\"Countersigner\" (lead.cf.902)", 0 },
		{ "lead.cf.903", "the e-mail address \"not an address\" of who signs as \"Countersigner\" "
		  "(lead.cf.903) is not a valid address: correct it", 0 },
		{ "contact.cf.556", "no contact of the deal has \"Countersigner\" in its custom field 556, to sign "
		  "as \"Countersigner\" (contact.cf.556): set it on the contact who signs", 0 },
		{ "user.42", "Kommo user \"No Mail\", who signs as \"Countersigner\" (user.42), has no e-mail "
		  "address: ask your administrator", 1 },
		{ "user.43", "Kommo user 43, who signs as \"Countersigner\" (user.43), was not found: ask your "
		  "administrator", 1 },
	};
	struct fill_input in;
	struct fill_result out;
	struct config cfg;
	size_t i;
	int rc;

	setup(&cfg, &in);
	json_object_put(in.tpl);
	json_object_put(in.lead);
	in.tpl = json_tokener_parse(two_roles_json);
	in.lead = json_tokener_parse("{\"id\":1001,\"name\":\"Big deal\",\"responsible_user_id\":40,"
	    "\"custom_fields_values\":[" EMAIL_CF(900, "sign@partner.example") ","
	    "{\"field_id\":901,\"values\":[{\"value\":\"Pat Partner\"}]}," EMAIL_CF(903, "not an address") "]}");
	in.others = json_tokener_parse("[{\"id\":2002,\"name\":\"Ann Other\",\"custom_fields_values\":["
	    EMAIL_CF(11, "ann@client.example") "]},"
	    "{\"id\":2003,\"name\":\"Carl Role\",\"custom_fields_values\":[" EMAIL_CF(11, "carl@client.example") ","
	    ROLE_CF("Countersigner") "]}]");
	in.users = json_tokener_parse("{\"40\":{\"id\":40,\"name\":\"Sam Sales\",\"email\":\"sam@ourco.example\"},"
	    "\"41\":{\"id\":41,\"name\":\"Olga Boss\",\"email\":\"olga@ourco.example\"},"
	    "\"42\":{\"id\":42,\"name\":\"No Mail\",\"email\":\"\"}}");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rc = fill_two(cases[i].source, &in, &out);
		if (strchr(cases[i].want, '<') != NULL && strncmp(cases[i].want, "the ", 4) != 0)
			CHECK(rc == 0 && strcmp(out.recipients, cases[i].want) == 0, "%s: %s (%s)", cases[i].source,
			    cases[i].want, rc == 0 ? out.recipients : out.problems[0].text);
		else
			CHECK(rc == 1 && out.nproblems == 1 && strcmp(out.problems[0].text, cases[i].want) == 0 &&
			    (out.problems[0].admin != NULL) == cases[i].admin, "%s: %s (%s)", cases[i].source,
			    cases[i].want, out.nproblems ? out.problems[0].text : "sent");
		fill_result_free(&out);
	}

	/* The template's order and action types are kept; only the recipients are filled. */
	rc = fill_two("user.responsible", &in, &out);
	{
		json_object *root = json_tokener_parse(out.data_json ? out.data_json : "{}");
		json_object *acts = jfield_typed(path(root, "templates", NULL, NULL), "actions", json_type_array);
		json_object *a0 = acts ? json_object_array_get_idx(acts, 0) : NULL;
		json_object *a1 = acts ? json_object_array_get_idx(acts, 1) : NULL;

		CHECK(rc == 0 && a0 && a1 && strcmp(jfield_text(a0, "action_id"), "301") == 0 &&
		    strcmp(jfield_text(a0, "action_type"), "SIGN") == 0 &&
		    strcmp(jfield_text(a1, "action_id"), "302") == 0 &&
		    strcmp(jfield_text(a1, "action_type"), "APPROVER") == 0 &&
		    strcmp(jfield_text(a1, "recipient_email"), "sam@ourco.example") == 0,
		    "two roles: the template's actions in its order, with their types (%s)", out.data_json);
		json_object_put(root);
	}
	fill_result_free(&out);

	/* No other contact read, no responsible user: the manager's problems. */
	json_object_put(in.others);
	in.others = NULL;
	json_object_object_del(in.lead, "responsible_user_id");
	CHECK(fill_two("contact.other", &in, &out) == 1 && out.nproblems == 1 &&
	    has_problem(&out, "the deal has no second contact to sign as \"Countersigner\" (contact.other): link "
	    "one besides the main contact", NULL), "contact.other without a second contact: the manager links one");
	fill_result_free(&out);
	CHECK(fill_two("user.responsible", &in, &out) == 1 &&
	    has_problem(&out, "the deal has no responsible user to sign as \"Countersigner\" (user.responsible): "
	    "set one", NULL), "user.responsible without one: the manager sets one");
	fill_result_free(&out);
	json_object_put(in.users);
	in.users = NULL;
	teardown(&in);
}

/* The shape of an e-mail address, checked before anything is sent. */
static void
test_email_shape(void)
{
	static const struct {
		const char *email;
		int ok;
	} cases[] = {
		{ "jane@example.com", 1 }, { "j.doe+sign@mail.example.co.uk", 1 }, { "a@b.c", 1 },
		{ "", 0 }, { "jane", 0 }, { "jane@", 0 }, { "@example.com", 0 }, { "jane@example", 0 },
		{ "jane@@example.com", 0 }, { "jane@ex@ample.com", 0 }, { "jane doe@example.com", 0 },
		{ "<jane@example.com>", 0 }, { "jane@example.com ", 0 }, { "jane@.example.com", 0 },
		{ "jane@example.com.", 0 }, { "jane,bob@example.com", 0 }, { "jane\t@example.com", 0 },
		{ "\"jane\"@example.com", 0 },
	};
	char long_local[300];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		CHECK(config_email_valid(cases[i].email) == cases[i].ok, "e-mail \"%s\": %s", cases[i].email,
		    cases[i].ok ? "taken" : "refused");
	memset(long_local, 'a', 250);
	memcpy(long_local + 250, "@b.cd", 6);
	CHECK(config_email_valid(long_local) == 0, "an address of 255 characters is refused");
	long_local[249] = '\0';
	memcpy(long_local + 245, "@b.cd", 6);
	CHECK(config_email_valid(long_local) == 1, "one of 250 is taken");
}

int
main(void)
{
	test_complete_request();
	test_sources();
	test_manager_problems();
	test_signer_sources();
	test_email_shape();
	test_admin_problems();
	test_template_check();
	return CHECK_DONE();
}
