/*
 * fill: maps [fields] and [signers] onto a Zoho template. Everything it needs comes
 * in as plain JSON, so each rule is a unit test away.
 */
#include "fill.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jfield.h"
#include "str.h"
#include "texts.h"

void
fill_problem_add(struct fill_result *r, const char *text, const char *admin)
{
	struct fill_problem *p = &r->problems[r->nproblems];

	if (r->nproblems == FILL_MAX_PROBLEMS)
		return;
	p->text = strdup(text);
	p->admin = admin ? strdup(admin) : NULL;
	if (p->text == NULL || (admin && p->admin == NULL)) {
		free(p->text);
		free(p->admin);
		p->text = p->admin = NULL;
		r->no_memory = 1;
		return;
	}
	r->nproblems++;
}

/* A problem with its text from the message table (text is freed). */
static void
add_text(struct fill_result *r, char *text, const char *admin)
{
	if (text != NULL)
		fill_problem_add(r, text, admin);
	else
		r->no_memory = 1;
	free(text);
}

/* First value of the custom field with this id or code ("EMAIL"); NULL when unset. */
static const char *
custom_field(json_object *entity, const char *field_id, const char *field_code)
{
	json_object *list = jfield_typed(entity, "custom_fields_values", json_type_array);
	size_t i, n = list ? json_object_array_length(list) : 0;

	for (i = 0; i < n; i++) {
		json_object *cf = json_object_array_get_idx(list, i), *values, *first;
		int match = field_id ? strcmp(jfield_text(cf, "field_id"), field_id) == 0 :
		    strcmp(jfield_text(cf, "field_code"), field_code) == 0;

		if (!match)
			continue;
		values = jfield_typed(cf, "values", json_type_array);
		first = values && json_object_array_length(values) > 0 ?
		    json_object_array_get_idx(values, 0) : NULL;
		if (first == NULL)
			return NULL;
		/* Date fields carry the timestamp directly; others put it under "value". */
		if (!json_object_is_type(first, json_type_object))
			return json_object_get_string(first);
		return jfield_text(first, "value");
	}
	return NULL;
}

int
fill_source(const struct fill_input *in, const char *source, char *buf, size_t buflen,
    char *need, size_t needlen)
{
	/* label is for the administrator's messages; the manager's are in texts. */
	static const struct {
		const char *prefix, *label;
		enum texts_id absent, value, custom;
		size_t offset;
	} entities[] = {
		{ "lead.", "deal", TEXTS_COUNT, TEXTS_NEED_DEAL_VALUE, TEXTS_NEED_DEAL_CUSTOM,
		    offsetof(struct fill_input, lead) },
		{ "contact.", "main contact", TEXTS_NEED_CONTACT, TEXTS_NEED_CONTACT_VALUE,
		    TEXTS_NEED_CONTACT_CUSTOM, offsetof(struct fill_input, contact) },
		{ "company.", "company", TEXTS_NEED_COMPANY, TEXTS_NEED_COMPANY_VALUE, TEXTS_NEED_COMPANY_CUSTOM,
		    offsetof(struct fill_input, company) },
	};
	const char *value = NULL;
	size_t i, len = strlen(source);

	buf[0] = '\0';
	if (len >= 2 && source[0] == '"' && source[len - 1] == '"') {
		snprintf(buf, buflen, "%.*s", (int)(len - 2), source + 1);
		return 0;
	}
	if (strcmp(source, "today") == 0) {
		snprintf(buf, buflen, "%s", in->today);
		return 0;
	}
	for (i = 0; i < sizeof entities / sizeof entities[0]; i++) {
		size_t plen = strlen(entities[i].prefix);
		json_object *entity;
		const char *attr;

		if (strncmp(source, entities[i].prefix, plen) != 0)
			continue;
		entity = *(json_object *const *)(const void *)((const char *)in + entities[i].offset);
		attr = source + plen;
		if (entity == NULL) { /* never the lead, which every draft has */
			snprintf(need, needlen, "%s", texts_plain(in->lang, entities[i].absent));
			return -1;
		}
		if (strncmp(attr, "cf.", 3) == 0)
			value = custom_field(entity, attr + 3, NULL);
		else if (strcmp(attr, "email") == 0)
			value = custom_field(entity, NULL, "EMAIL");
		else if (strcmp(attr, "phone") == 0)
			value = custom_field(entity, NULL, "PHONE");
		else if (!json_object_object_get_ex(entity, attr, NULL)) {
			snprintf(need, needlen, "%s names nothing Kommo has on a %s", source, entities[i].label);
			return -2;
		} else
			value = jfield_text(entity, attr);
		if (value == NULL || *value == '\0') {
			int custom = strncmp(attr, "cf.", 3) == 0;
			char *text = TEXTS(in->lang, custom ? entities[i].custom : entities[i].value,
			    custom ? attr + 3 : attr);

			snprintf(need, needlen, "%s", text ? text : source);
			free(text);
			return -1;
		}
		snprintf(buf, buflen, "%s", value);
		return 0;
	}
	snprintf(need, needlen, "%s is not a known source", source);
	return -2;
}

/* Calls fn on every field of every document of the template until it returns non-zero;
 * that field, or NULL. The one walk over a template's fields. */
static json_object *
template_walk(json_object *tpl, int (*fn)(json_object *field, void *arg), void *arg)
{
	json_object *docs = jfield_typed(tpl, "document_fields", json_type_array);
	size_t d, nd = docs ? json_object_array_length(docs) : 0;

	for (d = 0; d < nd; d++) {
		json_object *fields = jfield_typed(json_object_array_get_idx(docs, d), "fields",
		    json_type_array);
		size_t f, nf = fields ? json_object_array_length(fields) : 0;

		for (f = 0; f < nf; f++) {
			json_object *field = json_object_array_get_idx(fields, f);

			if (fn(field, arg))
				return field;
		}
	}
	return NULL;
}

struct fill_name {
	const char *name;
};

static int
field_named(json_object *field, void *arg)
{
	const struct fill_name *want = arg;

	return strcmp(jfield_text(field, "field_name"), want->name) == 0 ||
	    strcmp(jfield_text(field, "field_label"), want->name) == 0;
}

/* The template field named `name` (by field_name or field_label), or NULL. */
static json_object *
template_field(json_object *tpl, const char *name)
{
	struct fill_name want = { name };

	return template_walk(tpl, field_named, &want);
}

/* Where a template field's value goes in the request, by its category. */
enum fill_slot {
	FILL_SLOT_NONE, /* the signer fills it (signature, initial, ...), or a kind not written here */
	FILL_SLOT_TEXT,
	FILL_SLOT_DATE,
	FILL_SLOT_BOOLEAN,
};

static enum fill_slot
slot_of(json_object *field)
{
	const char *category = jfield_text(field, "field_category");

	if (strcmp(category, "datefield") == 0)
		return FILL_SLOT_DATE;
	if (strcmp(category, "checkbox") == 0)
		return FILL_SLOT_BOOLEAN;
	if (strcmp(category, "textfield") == 0 || strcmp(category, "dropdown") == 0)
		return FILL_SLOT_TEXT;
	return FILL_SLOT_NONE;
}

static json_object *
build_field_data(const struct config *cfg, const struct fill_input *in, struct fill_result *out)
{
	json_object *data = json_object_new_object();
	json_object *text = json_object_new_object(), *date = json_object_new_object();
	json_object *boolean = json_object_new_object();
	size_t i;

	for (i = 0; i < cfg->nfields; i++) {
		const struct config_map *m = &cfg->fields[i];
		json_object *field = template_field(in->tpl, m->name);
		enum fill_slot slot;
		char value[1024], need[300], admin[400];
		int rc;

		if (field == NULL) {
			snprintf(admin, sizeof admin, "[fields] %s: Zoho Sign template %s has no field of that "
			    "name or label", m->name, jfield_text(in->tpl, "template_id"));
			add_text(out, TEXTS(in->lang, TEXTS_NO_FIELD, m->name), admin);
			continue;
		}
		rc = fill_source(in, m->source, value, sizeof value, need, sizeof need);
		if (rc == -1) {
			add_text(out, TEXTS(in->lang, TEXTS_FIELD_NEEDS, m->name, need), NULL);
			continue;
		}
		if (rc == -2) {
			snprintf(admin, sizeof admin, "[fields] %s: %s", m->name, need);
			add_text(out, TEXTS(in->lang, TEXTS_FIELD_SOURCE, m->name), admin);
			continue;
		}
		slot = slot_of(field);
		if (slot == FILL_SLOT_DATE)
			json_object_object_add(date, m->name, json_object_new_string(value));
		else if (slot == FILL_SLOT_BOOLEAN)
			json_object_object_add(boolean, m->name, json_object_new_boolean(
			    strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0));
		else
			json_object_object_add(text, m->name, json_object_new_string(value));
	}
	json_object_object_add(data, "field_text_data", text);
	json_object_object_add(data, "field_date_data", date);
	json_object_object_add(data, "field_boolean_data", boolean);
	return data;
}

static const struct config_map *
signer(const struct config *cfg, const char *role)
{
	size_t i;

	for (i = 0; i < cfg->nsigners; i++)
		if (strcmp(cfg->signers[i].name, role) == 0)
			return &cfg->signers[i];
	return NULL;
}

/* Who fills one role, as the request names them. */
struct person {
	char name[256];
	char email[300];
};

/* A Kommo contact or user as a person: its name, else its address. */
static void
person_of(const char *name, const char *email, struct person *p)
{
	if (email == NULL)
		email = "";
	snprintf(p->email, sizeof p->email, "%s", email);
	snprintf(p->name, sizeof p->name, "%s", name && *name ? name : email);
}

/* The first linked contact (main, then the others) whose custom field holds the role. */
static json_object *
contact_with_role(const struct fill_input *in, const char *field_id, const char *role)
{
	size_t i, n = in->others ? json_object_array_length(in->others) : 0;
	const char *v;

	if (in->contact && (v = custom_field(in->contact, field_id, NULL)) != NULL && strcmp(v, role) == 0)
		return in->contact;
	for (i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(in->others, i);

		if ((v = custom_field(c, field_id, NULL)) != NULL && strcmp(v, role) == 0)
			return c;
	}
	return NULL;
}

const char *
fill_signer_user(const struct config_signer *s, json_object *lead)
{
	const char *id;

	if (s->kind == CONFIG_SIGNER_USER)
		return s->id;
	if (s->kind != CONFIG_SIGNER_USER_RESPONSIBLE)
		return "";
	id = jfield_text(lead, "responsible_user_id");
	return strcmp(id, "0") == 0 ? "" : id;
}

/* A contact that signs: its person, or the manager's problem when it has no address
 * (no_email: the main contact's text or another contact's). */
static int
contact_signs(const struct fill_input *in, json_object *contact, enum texts_id no_email, const char *role,
    const char *source, struct person *p, struct fill_result *out)
{
	person_of(jfield_text(contact, "name"), custom_field(contact, NULL, "EMAIL"), p);
	if (p->email[0] != '\0')
		return 0;
	add_text(out, TEXTS(in->lang, no_email, jfield_text(contact, "name"), role, source), NULL);
	return -1;
}

/* A Kommo user that signs: the person, or the administrator's problem. */
static int
user_signs(const struct fill_input *in, const char *user_id, const char *role, const char *source,
    struct person *p, struct fill_result *out)
{
	json_object *user = jfield_typed(in->users, user_id, json_type_object);
	char admin[400];

	if (user == NULL) {
		snprintf(admin, sizeof admin, "[signers] %s = %s: Kommo has no user %s", role, source, user_id);
		add_text(out, TEXTS(in->lang, TEXTS_NO_USER, user_id, role, source), admin);
		return -1;
	}
	person_of(jfield_text(user, "name"), jfield_text(user, "email"), p);
	if (p->email[0] != '\0')
		return 0;
	snprintf(admin, sizeof admin, "[signers] %s = %s: Kommo user %s has no e-mail address; set it in "
	    "Kommo or choose another source", role, source, user_id);
	add_text(out, TEXTS(in->lang, TEXTS_USER_NO_EMAIL, jfield_text(user, "name"), role, source), admin);
	return -1;
}

/* Fills p with who signs as role by the line m; -1 after adding the problem. */
static int
resolve_signer(const struct fill_input *in, const struct config_map *m, struct person *p,
    struct fill_result *out)
{
	const char *role = m->name, *src = m->source, *v;
	struct config_signer s;
	json_object *c;
	char why[300], admin[400];

	if (config_signer_parse(src, &s, why, sizeof why) == -1) { /* refused at load: not reached */
		snprintf(admin, sizeof admin, "[signers] %s: %s", role, why);
		add_text(out, TEXTS(in->lang, TEXTS_SIGNER_SOURCE, role), admin);
		return -1;
	}
	switch (s.kind) {
	case CONFIG_SIGNER_CONTACT_MAIN:
		if (in->contact)
			return contact_signs(in, in->contact, TEXTS_NO_SIGNER_EMAIL, role, src, p, out);
		add_text(out, TEXTS(in->lang, TEXTS_NO_SIGNER_CONTACT, role, src), NULL);
		return -1;
	case CONFIG_SIGNER_CONTACT_OTHER:
		c = in->others && json_object_array_length(in->others) > 0 ?
		    json_object_array_get_idx(in->others, 0) : NULL;
		if (c)
			return contact_signs(in, c, TEXTS_NO_CONTACT_EMAIL, role, src, p, out);
		add_text(out, TEXTS(in->lang, TEXTS_NO_SECOND_CONTACT, role, src), NULL);
		return -1;
	case CONFIG_SIGNER_CONTACT_CF:
		if ((c = contact_with_role(in, s.id, role)) != NULL)
			return contact_signs(in, c, TEXTS_NO_CONTACT_EMAIL, role, src, p, out);
		add_text(out, TEXTS(in->lang, TEXTS_NO_ROLE_CONTACT, role, s.id, src), NULL);
		return -1;
	case CONFIG_SIGNER_USER_RESPONSIBLE:
	case CONFIG_SIGNER_USER:
		if (*fill_signer_user(&s, in->lead) != '\0')
			return user_signs(in, fill_signer_user(&s, in->lead), role, src, p, out);
		add_text(out, TEXTS(in->lang, TEXTS_NO_RESPONSIBLE, role, src), NULL);
		return -1;
	case CONFIG_SIGNER_FIXED:
		person_of(s.name, s.email, p);
		return 0;
	case CONFIG_SIGNER_LEAD_CF:
		v = custom_field(in->lead, s.id, NULL);
		if (v == NULL || *v == '\0') {
			add_text(out, TEXTS(in->lang, TEXTS_NO_SIGNER_FIELD, s.id, role, src), NULL);
			return -1;
		}
		person_of(s.name_id[0] ? custom_field(in->lead, s.name_id, NULL) : NULL, v, p);
		return 0;
	}
	return -1;
}

static json_object *
build_actions(const struct config *cfg, const struct fill_input *in, struct fill_result *out)
{
	json_object *tpl_actions = jfield_typed(in->tpl, "actions", json_type_array);
	json_object *actions = json_object_new_array();
	size_t i, n = tpl_actions ? json_object_array_length(tpl_actions) : 0;
	char admin[400];

	if (n == 0) {
		snprintf(admin, sizeof admin, "[zoho] template_id: Zoho Sign template %s has no recipients",
		    jfield_text(in->tpl, "template_id"));
		fill_problem_add(out, texts_plain(in->lang, TEXTS_NO_SIGNERS), admin);
	}
	for (i = 0; i < n; i++) {
		json_object *ta = json_object_array_get_idx(tpl_actions, i), *a;
		const char *role = jfield_text(ta, "role");
		const struct config_map *m = signer(cfg, role);
		struct person p;

		if (m == NULL) {
			snprintf(admin, sizeof admin, "[signers] %s: the template's role \"%s\" has no entry in "
			    "[signers]", role, role);
			add_text(out, TEXTS(in->lang, TEXTS_ROLE_NOT_SET, role), admin);
			continue;
		}
		if (resolve_signer(in, m, &p, out) == -1)
			continue;
		if (!config_email_valid(p.email)) {
			add_text(out, TEXTS(in->lang, TEXTS_BAD_EMAIL, p.email, role, m->source), NULL);
			continue;
		}
		/* Only the recipient is ours: the action, its type and its place in the order are
		 * the template's (Zoho keeps the order by action_id). */
		a = json_object_new_object();
		json_object_object_add(a, "action_id", json_object_new_string(jfield_text(ta, "action_id")));
		json_object_object_add(a, "action_type", json_object_new_string(
		    *jfield_text(ta, "action_type") ? jfield_text(ta, "action_type") : "SIGN"));
		json_object_object_add(a, "role", json_object_new_string(role));
		json_object_object_add(a, "recipient_name", json_object_new_string(p.name));
		json_object_object_add(a, "recipient_email", json_object_new_string(p.email));
		json_object_object_add(a, "verify_recipient", json_object_new_boolean(0));
		json_object_array_add(actions, a);
		snprintf(out->recipients + strlen(out->recipients),
		    sizeof out->recipients - strlen(out->recipients), "%s%s <%s>",
		    out->recipients[0] ? ", " : "", p.name, p.email);
	}
	return actions;
}

int
fill_request(const struct config *cfg, const struct fill_input *in, struct fill_result *out)
{
	json_object *root, *templates, *field_data, *actions;
	char request_name[512];
	const char *lead_name = jfield_text(in->lead, "name");

	memset(out, 0, sizeof *out);
	field_data = build_field_data(cfg, in, out);
	actions = build_actions(cfg, in, out);
	if (out->no_memory) { /* a problem may be missing: neither send nor tell */
		json_object_put(field_data);
		json_object_put(actions);
		return -1;
	}
	if (out->nproblems > 0) {
		json_object_put(field_data);
		json_object_put(actions);
		return 1;
	}
	snprintf(request_name, sizeof request_name, "%s%s%s", *lead_name ? lead_name : "Contract",
	    in->marker ? " " : "", in->marker ? in->marker : "");
	root = json_object_new_object();
	templates = json_object_new_object();
	json_object_object_add(templates, "request_name", json_object_new_string(request_name));
	json_object_object_add(templates, "field_data", field_data);
	json_object_object_add(templates, "actions", actions);
	json_object_object_add(root, "templates", templates);
	out->data_json = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return out->data_json ? 0 : -1;
}

void
fill_result_free(struct fill_result *r)
{
	size_t i;

	free(r->data_json);
	for (i = 0; i < r->nproblems; i++) {
		free(r->problems[i].text);
		free(r->problems[i].admin);
	}
	memset(r, 0, sizeof *r);
}

/* The template checks: each problem is one sentence naming the config line to change. */
struct fill_check {
	const struct config *cfg;
	fill_check_fn problem;
	void *arg;
	size_t count;
	char names[400]; /* the template's field names, for a name not found */
};

static void
check_problem(struct fill_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
check_problem(struct fill_check *c, const char *fmt, ...)
{
	char text[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	c->problem(text, c->arg);
	c->count++;
}

static int
source_is_literal(const char *source)
{
	size_t n = strlen(source);

	return n >= 2 && source[0] == '"' && source[n - 1] == '"';
}

static int
name_listed(json_object *field, void *arg)
{
	struct fill_check *c = arg;
	size_t used = strlen(c->names);

	if (slot_of(field) != FILL_SLOT_NONE)
		snprintf(c->names + used, sizeof c->names - used, "%s%s", used ? ", " : "",
		    jfield_text(field, "field_name"));
	return 0;
}

/* A mandatory field the sender fills (signers fill the others), with no default, that no
 * [fields] line names. */
static int
mandatory_unfilled(json_object *field, void *arg)
{
	struct fill_check *c = arg;
	const char *name = jfield_text(field, "field_name"), *label = jfield_text(field, "field_label");
	json_object *mandatory = jfield_typed(field, "is_mandatory", json_type_boolean);
	size_t i;

	if (mandatory == NULL || !json_object_get_boolean(mandatory) || slot_of(field) == FILL_SLOT_NONE ||
	    *jfield_text(field, "default_value") != '\0')
		return 0;
	for (i = 0; i < c->cfg->nfields; i++)
		if (strcmp(c->cfg->fields[i].name, name) == 0 || strcmp(c->cfg->fields[i].name, label) == 0)
			return 0;
	check_problem(c, "[fields]: the template's mandatory field \"%s\" is not filled; add a line "
	    "\"%s = <source>\" to [fields], or make the field optional in the template", name, name);
	return 0;
}

size_t
fill_fields_check(const struct config *cfg, json_object *tpl, fill_check_fn problem, void *arg)
{
	struct fill_check c = { .cfg = cfg, .problem = problem, .arg = arg };
	size_t i;

	template_walk(tpl, name_listed, &c);
	for (i = 0; i < cfg->nfields; i++) {
		const struct config_map *m = &cfg->fields[i];
		json_object *field = template_field(tpl, m->name);
		enum fill_slot slot = field ? slot_of(field) : FILL_SLOT_NONE;

		if (field == NULL)
			check_problem(&c, "[fields] %s: the template has no field of that name (line %d); "
			    "its fields: %s", m->name, m->line, c.names[0] ? c.names : "none");
		else if (slot == FILL_SLOT_NONE)
			check_problem(&c, "[fields] %s: a %s field, which [fields] cannot fill (only text, "
			    "dropdown, date and checkbox fields); take the line out", m->name,
			    jfield_text(field, "field_category"));
		else if (slot == FILL_SLOT_DATE && strcmp(m->source, "today") != 0 &&
		    !source_is_literal(m->source))
			check_problem(&c, "[fields] %s = %s: a date field; give it today, or a \"quoted\" "
			    "date written as [zoho] date_format", m->name, m->source);
		else if (slot == FILL_SLOT_BOOLEAN && !source_is_literal(m->source) &&
		    strstr(m->source, ".cf.") == NULL)
			check_problem(&c, "[fields] %s = %s: a checkbox; give it a yes/no custom field "
			    "(lead.cf.<field id>, ...) or \"true\" or \"false\"", m->name, m->source);
	}
	template_walk(tpl, mandatory_unfilled, &c);
	return c.count;
}

size_t
fill_roles_check(const struct config *cfg, json_object *tpl, fill_check_fn problem, void *arg)
{
	struct fill_check c = { .cfg = cfg, .problem = problem, .arg = arg };
	json_object *actions = jfield_typed(tpl, "actions", json_type_array);
	size_t i, j, n = actions ? json_object_array_length(actions) : 0;
	char roles[300] = "";

	if (n == 0)
		check_problem(&c, "[zoho] template_id: the template has no recipients; add a signer "
		    "role to it in Zoho Sign");
	for (i = 0; i < n; i++) {
		const char *role = jfield_text(json_object_array_get_idx(actions, i), "role");

		snprintf(roles + strlen(roles), sizeof roles - strlen(roles), "%s%s", i ? ", " : "", role);
		if (signer(cfg, role) == NULL)
			check_problem(&c, "[signers]: the template role \"%s\" has no signer; add a line "
			    "\"%s = <source>\", the source one of " CONFIG_SIGNER_SOURCES_TEXT, role, role);
	}
	for (j = 0; j < cfg->nsigners; j++) {
		for (i = 0; i < n; i++)
			if (strcmp(jfield_text(json_object_array_get_idx(actions, i), "role"),
			    cfg->signers[j].name) == 0)
				break;
		if (n > 0 && i == n)
			check_problem(&c, "[signers] %s: the template has no role of that name (line %d); "
			    "its roles: %s", cfg->signers[j].name, cfg->signers[j].line, roles);
	}
	return c.count;
}
