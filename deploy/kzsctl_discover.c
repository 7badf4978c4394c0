/*
 * kzsctl_discover: the lookups are lib/kommo_catalog's and lib/zoho_catalog's, the
 * [signers]/[fields] block lib/config_draft's; this file prints them as aligned text.
 */
#include "kzsctl_discover.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config_draft.h"
#include "kommo_catalog.h"
#include "log.h"
#include "remote.h"
#include "zoho_catalog.h"

#define TABLE_COLS 5
#define CELL_MAX 1024
#define TEMPLATE_ID_MAX 24 /* Zoho's ids have 17 to 19 digits */

/* Rows of text cells printed in columns two spaces apart. */
struct table {
	size_t ncols, n;
	char (*rows)[TABLE_COLS][CELL_MAX];
};

/* Adds a row of t->ncols cells; a remote's text is escaped to stay on its line. */
static void
table_row(struct table *t, ...)
{
	char (*grown)[TABLE_COLS][CELL_MAX] = realloc(t->rows, (t->n + 1) * sizeof *grown);
	va_list ap;
	size_t c;

	if (grown == NULL)
		return;
	t->rows = grown;
	va_start(ap, t);
	for (c = 0; c < t->ncols; c++)
		log_escape(va_arg(ap, const char *), t->rows[t->n][c], CELL_MAX);
	va_end(ap);
	t->n++;
}

/* Characters, not bytes: names may be UTF-8. */
static size_t
text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static void
table_print(struct table *t)
{
	size_t width[TABLE_COLS] = { 0 }, r, c;

	for (r = 0; r < t->n; r++)
		for (c = 0; c < t->ncols; c++)
			if (text_width(t->rows[r][c]) > width[c])
				width[c] = text_width(t->rows[r][c]);
	for (r = 0; r < t->n; r++) {
		size_t last = t->ncols;

		while (last > 1 && t->rows[r][last - 1][0] == '\0')
			last--; /* no spaces at the end of a line */
		for (c = 0; c < last; c++) {
			fputs(t->rows[r][c], stdout);
			if (c + 1 < last)
				printf("%*s", (int)(width[c] - text_width(t->rows[r][c]) + 2), "");
		}
		putchar('\n');
	}
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
}

/* A failed lookup: what could not be read, and why, on one line. 1 for the exit code. */
static int
failed(const char *what, const char *remote, const struct remote_result *rr)
{
	char why[4 * sizeof rr->message];

	log_escape(rr->message, why, sizeof why);
	if (rr->outcome == REMOTE_NOT_FOUND)
		fprintf(stderr, "kzsctl: %s has no %s (%s)\n", remote, what, why);
	else if (rr->retry_after > 0)
		fprintf(stderr, "kzsctl: could not read %s from %s: %s; try again in %ld s\n", what, remote,
		    why, rr->retry_after);
	else
		fprintf(stderr, "kzsctl: could not read %s from %s: %s\n", what, remote, why);
	return 1;
}

static const char *
or_dash(const char *s)
{
	return *s ? s : "-";
}

/* kommo: the account and its users. */
static int
show_kommo(const struct config *cfg)
{
	struct kommo_catalog_account account;
	struct kommo_catalog_users users;
	struct remote_result rr;
	struct table t = { .ncols = 2 };
	size_t i;

	kommo_catalog_account(cfg, &account, &rr);
	if (rr.outcome != REMOTE_OK)
		return failed("the account", "Kommo", &rr);
	kommo_catalog_users(cfg, &users, &rr);
	if (rr.outcome != REMOTE_OK)
		return failed("the users (an administrator's token can)", "Kommo", &rr);
	table_row(&t, "account id", or_dash(account.id));
	table_row(&t, "subdomain", or_dash(account.subdomain));
	table_row(&t, "name", or_dash(account.name));
	table_print(&t);
	putchar('\n');
	t.ncols = 3;
	table_row(&t, "user id", "name", "email");
	for (i = 0; i < users.n; i++)
		table_row(&t, users.items[i].id, or_dash(users.items[i].name), or_dash(users.items[i].email));
	table_print(&t);
	kommo_catalog_users_free(&users);
	return 0;
}

/* Adds a part to a note: "a, b". */
static void
note_add(char *buf, size_t buflen, const char *part)
{
	size_t used = strlen(buf);

	snprintf(buf + used, buflen - used, "%s%s", used ? ", " : "", part);
}

/* What the configuration says of a stage: the [kommo] keys naming it; won or lost. */
static void
stage_note(const struct config *cfg, const struct kommo_catalog_pipeline *p, const char *stage, char *buf,
    size_t buflen)
{
	const struct {
		const char *key, *value;
	} keys[] = {
		{ "[kommo] trigger_status_id", cfg->kommo.trigger_status_id },
		{ "[kommo] signed_status_id", cfg->kommo.signed_status_id },
		{ "[kommo] declined_status_id", cfg->kommo.declined_status_id },
	};
	int ours = cfg->kommo.pipeline_id != NULL && strcmp(cfg->kommo.pipeline_id, p->id) == 0;
	size_t i;

	buf[0] = '\0';
	if (strcmp(stage, KOMMO_CATALOG_STAGE_WON) == 0)
		note_add(buf, buflen, "won");
	if (strcmp(stage, KOMMO_CATALOG_STAGE_LOST) == 0)
		note_add(buf, buflen, "lost");
	for (i = 0; ours && i < sizeof keys / sizeof keys[0]; i++)
		if (keys[i].value != NULL && strcmp(keys[i].value, stage) == 0)
			note_add(buf, buflen, keys[i].key);
}

/* pipelines: each pipeline, then its stages, with ids. */
static int
show_pipelines(const struct config *cfg)
{
	struct kommo_catalog_pipelines list;
	struct remote_result rr;
	struct table t = { .ncols = 4 };
	size_t i, s;

	kommo_catalog_pipelines(cfg, &list, &rr);
	if (rr.outcome != REMOTE_OK)
		return failed("the pipelines", "Kommo", &rr);
	for (i = 0; i < list.n; i++) {
		const struct kommo_catalog_pipeline *p = &list.items[i];
		char note[128] = "";

		if (p->is_main)
			note_add(note, sizeof note, "main");
		if (p->is_archive)
			note_add(note, sizeof note, "archived");
		if (cfg->kommo.pipeline_id != NULL && strcmp(cfg->kommo.pipeline_id, p->id) == 0)
			note_add(note, sizeof note, "[kommo] pipeline_id");
		table_row(&t, "pipeline", p->id, or_dash(p->name), note);
		for (s = 0; s < p->nstages; s++) {
			stage_note(cfg, p, p->stages[s].id, note, sizeof note);
			table_row(&t, "  stage", p->stages[s].id, or_dash(p->stages[s].name), note);
		}
	}
	if (list.n == 0)
		printf("no pipelines\n");
	table_print(&t);
	kommo_catalog_pipelines_free(&list);
	return 0;
}

/* fields: the custom fields of leads, contacts and companies, with their [fields] source. */
static int
show_fields(const struct config *cfg)
{
	struct kommo_catalog_fields list;
	struct remote_result rr;
	struct table t = { .ncols = 5 };
	size_t i;

	kommo_catalog_fields(cfg, &list, &rr);
	if (rr.outcome != REMOTE_OK)
		return failed("the custom fields", "Kommo", &rr);
	table_row(&t, "entity", "field id", "type", "source", "name");
	for (i = 0; i < list.n; i++) {
		const struct kommo_catalog_field *f = &list.items[i];
		char source[64];

		config_draft_kommo_source(f, source, sizeof source);
		table_row(&t, f->entity, f->id, or_dash(f->type), source, or_dash(f->name));
	}
	table_print(&t);
	kommo_catalog_fields_free(&list);
	return 0;
}

/* templates: id and name of each. */
static int
show_templates(const struct config *cfg)
{
	struct zoho_catalog_templates list;
	struct remote_result rr;
	struct table t = { .ncols = 2 };
	size_t i;

	zoho_catalog_templates(cfg, &list, &rr);
	if (rr.outcome != REMOTE_OK)
		return failed("the templates", "Zoho Sign", &rr);
	table_row(&t, "template id", "name");
	for (i = 0; i < list.n; i++)
		table_row(&t, list.items[i].id, or_dash(list.items[i].name));
	table_print(&t);
	zoho_catalog_templates_free(&list);
	return 0;
}

static void
print_template(const struct zoho_catalog_template *tpl)
{
	struct table t = { .ncols = 3 };
	size_t i;

	table_row(&t, "template", tpl->id, or_dash(tpl->name));
	table_print(&t);
	putchar('\n');
	table_row(&t, "role", "action id", "action");
	for (i = 0; i < tpl->nroles; i++)
		table_row(&t, or_dash(tpl->roles[i].role), or_dash(tpl->roles[i].action_id),
		    or_dash(tpl->roles[i].action_type));
	table_print(&t);
	putchar('\n');
	t.ncols = 5;
	table_row(&t, "field", "label", "type", "category", "mandatory");
	for (i = 0; i < tpl->nfields; i++) {
		const struct zoho_catalog_field *f = &tpl->fields[i];

		table_row(&t, or_dash(f->name), or_dash(f->label), or_dash(f->type_name),
		    or_dash(f->category), f->mandatory ? "yes" : "no");
	}
	table_print(&t);
}

/* template ID [--config] */
static int
show_template(const struct config *cfg, const char *id, int as_config)
{
	struct zoho_catalog_template tpl;
	struct kommo_catalog_fields kommo = { 0 };
	struct remote_result rr;
	char what[64];

	snprintf(what, sizeof what, "template %s", id);
	zoho_catalog_template(cfg, id, &tpl, &rr);
	if (rr.outcome != REMOTE_OK)
		return failed(what, "Zoho Sign", &rr);
	if (as_config) {
		kommo_catalog_fields(cfg, &kommo, &rr);
		if (rr.outcome != REMOTE_OK) {
			zoho_catalog_template_free(&tpl);
			return failed("the custom fields to match the template's with", "Kommo", &rr);
		}
		config_draft_write(stdout, &tpl, &kommo);
		kommo_catalog_fields_free(&kommo);
	} else {
		print_template(&tpl);
	}
	zoho_catalog_template_free(&tpl);
	return 0;
}

static const char *const commands[] = { "kommo", "pipelines", "fields", "templates", "template" };

int
discover_is_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(name, commands[i]) == 0)
			return 1;
	return 0;
}

/* A template id: digits only. */
static int
is_id(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= TEMPLATE_ID_MAX && strspn(s, "0123456789") == n;
}

/* template's arguments, in either order: its id and, or not, --config. */
static int
template_args(int argc, char **argv, const char **id, int *as_config)
{
	int i;

	*id = NULL;
	*as_config = 0;
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && !*as_config)
			*as_config = 1;
		else if (*id == NULL && is_id(argv[i]))
			*id = argv[i];
		else
			return 0;
	}
	return *id != NULL;
}

int
discover_args_fit(int argc, char **argv)
{
	const char *id;
	int as_config;

	if (strcmp(argv[1], "template") == 0)
		return template_args(argc, argv, &id, &as_config);
	return argc == 2;
}

void
discover_usage(FILE *out)
{
	fprintf(out,
	    "       kzsctl kommo      the Kommo account's id and subdomain, and its users\n"
	    "       kzsctl pipelines  every pipeline and its stages, with their ids\n"
	    "       kzsctl fields     the custom fields of leads, contacts and companies, with\n"
	    "                         the [fields] source that reads each\n"
	    "       kzsctl templates  the Zoho Sign templates, with their ids\n"
	    "       kzsctl template ID [--config]\n"
	    "                         a template's roles and fields; with --config, a ready\n"
	    "                         [signers] and [fields] block for it\n");
}

int
discover_run(const struct config *cfg, int argc, char **argv)
{
	const char *cmd = argv[1], *id;
	int as_config;

	if (strcmp(cmd, "kommo") == 0)
		return show_kommo(cfg);
	if (strcmp(cmd, "pipelines") == 0)
		return show_pipelines(cfg);
	if (strcmp(cmd, "fields") == 0)
		return show_fields(cfg);
	if (strcmp(cmd, "templates") == 0)
		return show_templates(cfg);
	template_args(argc, argv, &id, &as_config);
	return show_template(cfg, id, as_config);
}
