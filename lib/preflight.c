/*
 * preflight: each check reuses what the programs themselves do or refuse on: config_load
 * and config_check with each program's needs, program_config_private, the state
 * format's reading, store_admin_check and the outbox's index check (on the GDBM files, or
 * with [state] backend = mariadb on the database's tables, after the connection and the
 * schema check every program makes), the Kommo and Zoho Sign calls through remote_call,
 * and fill's reading of the template.
 */
#include "preflight.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "deal_status.h"
#include "fill.h"
#include "http.h"
#include "jfield.h"
#include "kommo.h"
#include "kommo_catalog.h"
#include "outbox.h"
#include "program.h"
#include "remote.h"
#include "route.h"
#include "state_format.h"
#include "store.h"
#include "store_admin.h"
#include "store_sql.h"
#include "str.h"
#include "zoho.h"
#include "zone.h"

#define PREFLIGHT_PROBE_BYTES 4096 /* one block: a full disk refuses it */

struct preflight {
	preflight_line_fn line;
	void *arg;
	int fails;
	const struct config *cfg; /* as the route being checked sees it (route_view) */
	const char *what; /* of the template lines, for fill's problems */
	char route[96];   /* "" for the default route; "route NAME: " before each finding */
	char kommo_sec[96], zoho_sec[96]; /* where the route's keys are: "[kommo]", "[route NAME]" */
};

static void
say(struct preflight *p, int ok, const char *what, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
say(struct preflight *p, int ok, const char *what, const char *fmt, ...)
{
	char detail[1500];

	char label[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	snprintf(label, sizeof label, "%s%s", p->route, what);
	p->fails += !ok;
	p->line(ok, label, detail, p->arg);
}

/* A config warning is a mistake in the file (an unknown key, a short secret). The
 * file's permissions (line 0) are checked as the programs refuse them, below. */
static void
warn_config(const char *file, int line, const char *message, void *arg)
{
	(void)file;
	if (line > 0)
		say(arg, 0, "configuration", "%s", message);
}

/* What each program's start requires of the file: config_check with its needs. */
static void
check_programs(struct preflight *p)
{
	static const struct {
		const char *name;
		unsigned needs;
	} programs[] = {
		{ "kommo-hook", CONFIG_NEED_KOMMO_HOOK },
		{ "zoho-hook", CONFIG_NEED_ZOHO_HOOK },
		{ "oauth-callback", CONFIG_NEED_OAUTH },
	};
	char err[1200];
	size_t i;

	if (program_config_private(p->cfg->path, err, sizeof err) == 0)
		say(p, 1, "configuration", "%s, open to its owner only", p->cfg->path);
	else
		say(p, 0, "configuration", "%s", err);
	for (i = 0; i < sizeof programs / sizeof programs[0]; i++) {
		if (config_check(p->cfg, programs[i].needs, err, sizeof err) == 0)
			say(p, 1, programs[i].name, "every key it needs is set");
		else
			say(p, 0, programs[i].name, "%s", err);
	}
}

/* The pacing against the remotes' limits, http_timeout against the time it must fit in. */
static void
check_limits(struct preflight *p)
{
	const struct config *c = p->cfg;
	int after = c->limits.after_answer_seconds + HTTP_DEADLINE_GRACE_S;
	int io = PREFLIGHT_SERVER_IO_TIMEOUT - PREFLIGHT_REQUEST_MARGIN;

	if (c->limits.kommo_calls_per_second > PREFLIGHT_KOMMO_MAX_PER_SECOND)
		say(p, 0, "pacing", "[limits] kommo_calls_per_second = %d: Kommo blocks an address that "
		    "keeps going over %d calls a second; set it to 6 (the default) or less",
		    c->limits.kommo_calls_per_second, PREFLIGHT_KOMMO_MAX_PER_SECOND);
	else
		say(p, 1, "pacing", "Kommo %d calls a second ([limits] kommo_calls_per_second; Kommo allows %d)",
		    c->limits.kommo_calls_per_second, PREFLIGHT_KOMMO_MAX_PER_SECOND);
	if (c->limits.zoho_calls_per_minute > PREFLIGHT_ZOHO_MAX_PER_MINUTE)
		say(p, 0, "pacing", "[limits] zoho_calls_per_minute = %d: Zoho Sign allows %d calls a "
		    "minute; set it to 45 (the default) or less", c->limits.zoho_calls_per_minute,
		    PREFLIGHT_ZOHO_MAX_PER_MINUTE);
	else
		say(p, 1, "pacing", "Zoho Sign %d calls a minute ([limits] zoho_calls_per_minute; Zoho "
		    "allows %d)", c->limits.zoho_calls_per_minute, PREFLIGHT_ZOHO_MAX_PER_MINUTE);
	if (c->limits.http_timeout > io)
		say(p, 0, "timeouts", "[limits] http_timeout = %d s: oauth-callback waits that long for "
		    "one call while the web server waits for its answer, and mod_fcgid gives up after "
		    "FcgidIOTimeout, %d s by default (nginx: fastcgi_read_timeout, %d s in "
		    "deploy/nginx.conf); set it to %d or less (default 20)", c->limits.http_timeout,
		    PREFLIGHT_SERVER_IO_TIMEOUT, PREFLIGHT_SERVER_IO_TIMEOUT, io);
	if (c->limits.http_timeout > after)
		say(p, 0, "timeouts", "[limits] http_timeout = %d s: longer than a web process works after "
		    "answering ([limits] after_answer_seconds = %d, and %d s more for a call under way), so "
		    "a slow call there is always cut short; set it to %d or less, or raise after_answer_seconds",
		    c->limits.http_timeout, c->limits.after_answer_seconds, HTTP_DEADLINE_GRACE_S, after);
	if (c->limits.http_timeout <= io && c->limits.http_timeout <= after)
		say(p, 1, "timeouts", "[limits] http_timeout %d s fits in the work after an answer (%d s) "
		    "and in mod_fcgid's FcgidIOTimeout (%d s by default) with %d s to spare",
		    c->limits.http_timeout, after, PREFLIGHT_SERVER_IO_TIMEOUT,
		    PREFLIGHT_SERVER_IO_TIMEOUT - c->limits.http_timeout);
}

/* Writes one block into dir and removes it: 0, or -1 with why in err. */
static int
probe_write(const char *dir, char *err, size_t errlen)
{
	char path[1100], block[PREFLIGHT_PROBE_BYTES] = { 0 };
	int fd, rc, saved;

	snprintf(path, sizeof path, "%s/.check-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	rc = write(fd, block, sizeof block) == (ssize_t)sizeof block && fsync(fd) == 0 ? 0 : -1;
	saved = errno;
	if (close(fd) == -1 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	unlink(path);
	if (rc == -1)
		snprintf(err, errlen, "%s", strerror(saved));
	return rc;
}

/* The folder: there, a folder, ours, closed to others, writable. 0 when its files can be read. */
static int
check_state_folder(struct preflight *p)
{
	const char *dir = p->cfg->state_dir;
	char err[300];
	struct stat st;

	if (dir == NULL) {
		say(p, 0, "state folder", "[state] dir is not set; set it to a folder of your own, mode 700");
		return -1;
	}
	if (stat(dir, &st) == -1) {
		say(p, 0, "state folder", "%s: %s; create it (mkdir -m 700 %s), or set [state] dir to the "
		    "folder", dir, strerror(errno), dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		say(p, 0, "state folder", "%s is not a folder; set [state] dir to a folder", dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		say(p, 0, "state folder", "%s belongs to uid %lu, not to uid %lu running this check, as the "
		    "programs must too; chown it, or set [state] dir to a folder of that user's", dir,
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
		return -1;
	}
	if (st.st_mode & 077) {
		say(p, 0, "state folder", "%s has mode %03o, open to others; chmod 700 %s ([state] dir "
		    "holds the tokens)", dir, (unsigned)(st.st_mode & 0777), dir);
		if (st.st_mode & 022)
			return -1; /* the programs refuse it (store_dir_check) */
	}
	/* A full disk still lets the state be read through: only this line says so. */
	if (probe_write(dir, err, sizeof err) == -1)
		say(p, 0, "state folder", "%s: a test write failed: %s; free some space or fix the folder "
		    "([state] dir)", dir, err);
	else if ((st.st_mode & 077) == 0)
		say(p, 1, "state folder", "%s: mode 700, yours, writable", dir);
	return 0;
}

/* The recorded format, read only (the programs upgrade an older one when they start). */
static int
check_state_format(struct preflight *p)
{
	const char *dir = p->cfg->state_dir;
	char err[1200];
	int found;

	if (state_format_read(dir, &found, err, sizeof err) == -1) {
		say(p, 0, "state format", "%s", err);
		return -1;
	}
	if (found > STATE_FORMAT) {
		state_format_newer(dir, found, err, sizeof err);
		say(p, 0, "state format", "%s", err);
		return -1;
	}
	if (found == 0 && store_shared())
		return 0; /* the file is GDBM's: the database line gives the schema version */
	if (found == STATE_FORMAT)
		say(p, 1, "state format", "%d, the newest this build knows", found);
	else if (found == 0)
		say(p, 1, "state format", "none recorded yet: the first program to write the state records %d",
		    STATE_FORMAT);
	else
		say(p, 1, "state format", "%d, upgraded to %d by the next program to start", found, STATE_FORMAT);
	return 0;
}

/* The outbox's index of due times against its jobs, and the jobs set aside. */
static void
check_outbox_index(struct preflight *p)
{
	struct outbox_index_report r;
	char err[256];

	if (outbox_index_check(p->cfg->state_dir, &r, err, sizeof err) == -1) {
		if (store_shared())
			say(p, 0, "outbox index", "DAMAGED: %s; kzsctl dump DIR, then kzsctl restore DIR outbox "
			    "builds it again from the jobs", err);
		else
			say(p, 0, "outbox index", "DAMAGED: %s; run kzsctl recover outbox", err);
		return;
	}
	if (r.not_built && r.runnable == 0)
		say(p, 1, "outbox index", "none yet, no job waiting: the first webhook builds it");
	else if (r.not_built)
		say(p, 1, "outbox index", "none yet (a queue from an earlier version): the next webhook or "
		    "drain builds it from the %zu waiting job(s)", r.runnable);
	else
		say(p, 1, "outbox index", "%zu entries for %zu waiting job(s)", r.entries, r.runnable);
	if (r.set_aside > 0)
		say(p, 0, "outbox", "%zu job record(s) could not be read and were set aside, the first as "
		    "\"%s\"; they are not run: see them with kzsctl dump, then queue their deals again",
		    r.set_aside, r.first_aside);
}

/* Every record of every state file read through (kzsctl check before it was the preflight). */
static void
check_state_files(struct preflight *p)
{
	const char *dir = p->cfg->state_dir;
	char err[512], what[64];
	size_t i, records, present = 0;

	for (i = 0; i < store_admin_count; i++) {
		if (!store_admin_present(dir, store_admin_names[i]))
			continue;
		present++;
		snprintf(what, sizeof what, "state file %s", store_admin_names[i]);
		if (store_admin_check(dir, store_admin_names[i], &records, err, sizeof err) == -1) {
			say(p, 0, what, "DAMAGED: %s; run kzsctl recover %s, or kzsctl restore <dump folder> %s",
			    err, store_admin_names[i], store_admin_names[i]);
			continue;
		}
		say(p, 1, what, "%zu record(s), each readable", records);
		if (strcmp(store_admin_names[i], "outbox") == 0)
			check_outbox_index(p);
	}
	if (present == 0)
		say(p, 1, "state files", "no state file in %s yet: each is created by the first webhook or "
		    "job that needs it", dir);
}

/* The password file of [mariadb], a secret: readable by its owner only. */
static void
check_password_file(struct preflight *p)
{
	const char *path = p->cfg->mariadb.password_file;
	struct stat st;

	if (path == NULL || stat(path, &st) == -1)
		return; /* the connection's own line says what is wrong with it */
	if (st.st_mode & 077)
		say(p, 0, "database password", "[mariadb] password_file %s has mode %03o, open to others; "
		    "chmod 600 %s", path, (unsigned)(st.st_mode & 0777), path);
}

/* GDBM files left in [state] dir, which backend = mariadb does not read. */
static void
check_old_files(struct preflight *p)
{
	char path[1100], found[200] = "";
	size_t i;

	for (i = 0; i < store_admin_count; i++) {
		snprintf(path, sizeof path, "%s/%s.db", p->cfg->state_dir, store_admin_names[i]);
		if (access(path, F_OK) == 0)
			snprintf(found + strlen(found), sizeof found - strlen(found), "%s%s.db", found[0] ? ", " : "",
			    store_admin_names[i]);
	}
	if (found[0])
		say(p, 1, "old state files", "%s in %s are not used with [state] backend = mariadb (the "
		    "database holds the state); keep them as a backup, or remove them", found, p->cfg->state_dir);
}

/*
 * [state] backend = mariadb: the database answers, in the schema this build knows (as each
 * program checks it when it connects), and every state table reads through. 0 when usable.
 */
static int
check_database(struct preflight *p)
{
	const struct config *c = p->cfg;
	char err[1200], where[700], what[64];
	size_t i, records;

	if (c->mariadb.socket != NULL)
		snprintf(where, sizeof where, "the database %s on the socket %s", c->mariadb.database,
		    c->mariadb.socket);
	else
		snprintf(where, sizeof where, "the database %s on %s port %d", c->mariadb.database,
		    c->mariadb.host, c->mariadb.port);
	check_password_file(p);
	if (store_admin_usable(c->state_dir, err, sizeof err) == -1) {
		say(p, 0, "database", "%s", err);
		return -1;
	}
	say(p, 1, "database", "%s answers to %s; schema version %d, the newest this build knows, every "
	    "table with the columns it made", where, c->mariadb.user, STORE_SQL_SCHEMA);
	for (i = 0; i < store_admin_count; i++) {
		snprintf(what, sizeof what, "state table kzs_%s", store_admin_names[i]);
		if (store_admin_check(c->state_dir, store_admin_names[i], &records, err, sizeof err) == -1) {
			say(p, 0, what, "%s", err);
			continue;
		}
		say(p, 1, what, "%zu record(s), each readable", records);
		if (strcmp(store_admin_names[i], "outbox") == 0)
			check_outbox_index(p);
	}
	check_old_files(p);
	return 0;
}

/* GET /api/v4/account with the token the programs use: Kommo answers, for our account. */
/* 0 when the connection works. */
static int
check_kommo(struct preflight *p)
{
	const struct config *c = p->cfg;
	struct kommo_catalog_account account;
	struct remote_result rr;
	const char *id = account.id;

	kommo_catalog_account(c, &account, &rr);
	if (rr.outcome == REMOTE_OK && c->kommo.account_id != NULL && strcmp(id, c->kommo.account_id) != 0)
		say(p, 0, "Kommo connection", "the token opens account %s, not [kommo] account_id %s; set "
		    "account_id to %s, or give that account's token", id, c->kommo.account_id, id);
	else if (rr.outcome == REMOTE_OK)
		say(p, 1, "Kommo connection", "account %s (%s) answers GET /api/v4/account", id,
		    account.subdomain);
	else if (rr.outcome == REMOTE_AUTH && c->kommo.token != NULL)
		say(p, 0, "Kommo connection", "Kommo refused the token (%s); make a new long-lived token in "
		    "Kommo and set [kommo] token", rr.message);
	else if (rr.outcome == REMOTE_AUTH)
		say(p, 0, "Kommo connection", "Kommo refused our authorization (%s); connect again: kzsctl "
		    "authorize-url kommo ([kommo] client_id, client_secret)", rr.message);
	else
		say(p, 0, "Kommo connection", "GET %s/api/v4/account did not answer (%s); check [kommo] "
		    "base_url (or subdomain) and the network", c->kommo.base_url ? c->kommo.base_url : "",
		    rr.message);
	return rr.outcome == REMOTE_OK ? 0 : -1;
}

/* One configured stage of the pipeline: `key` names it in [kommo]. */
static void
check_stage(struct preflight *p, const struct kommo_catalog_pipeline *pipeline, const char *key, const char *id)
{
	const struct kommo_catalog_stage *stage = kommo_catalog_stage_find(pipeline, id);

	if (stage != NULL)
		say(p, 1, "Kommo stage", "%s %s %s is \"%s\" in \"%s\"", p->kommo_sec, key, id, stage->name,
		    pipeline->name);
	else
		say(p, 0, "Kommo stage", "%s %s %s is no stage of pipeline %s \"%s\"; see the ids "
		    "with: kzsctl pipelines", p->kommo_sec, key, id, pipeline->id, pipeline->name);
}

/* The pipeline and every configured stage exist in the connected account. */
static void
check_pipeline(struct preflight *p)
{
	const struct config *c = p->cfg;
	const struct kommo_catalog_pipeline *pipeline;
	struct kommo_catalog_pipelines list;
	struct remote_result rr;

	if (c->kommo.pipeline_id == NULL) {
		say(p, 0, "Kommo pipeline", "%s pipeline_id is not set; see the ids with: kzsctl pipelines",
		    p->kommo_sec);
		return;
	}
	kommo_catalog_pipelines(c, &list, &rr);
	if (rr.outcome != REMOTE_OK) {
		say(p, 0, "Kommo pipeline", "the pipelines could not be read (%s); fix the Kommo "
		    "connection first", rr.message);
		return;
	}
	pipeline = kommo_catalog_pipeline_find(&list, c->kommo.pipeline_id);
	if (pipeline == NULL) {
		say(p, 0, "Kommo pipeline", "%s pipeline_id %s is no pipeline of the account; see the "
		    "ids with: kzsctl pipelines", p->kommo_sec, c->kommo.pipeline_id);
	} else {
		say(p, 1, "Kommo pipeline", "%s pipeline_id %s is \"%s\"", p->kommo_sec, pipeline->id,
		    pipeline->name);
		if (c->kommo.trigger_status_id != NULL)
			check_stage(p, pipeline, "trigger_status_id", c->kommo.trigger_status_id);
		if (c->kommo.signed_status_id != NULL)
			check_stage(p, pipeline, "signed_status_id", c->kommo.signed_status_id);
		if (!str_empty(c->kommo.declined_status_id))
			check_stage(p, pipeline, "declined_status_id", c->kommo.declined_status_id);
	}
	kommo_catalog_pipelines_free(&list);
}

static void
template_problem(const char *problem, void *arg)
{
	struct preflight *p = arg;

	say(p, 0, p->what, "%s", problem);
}

/* A configured lead field (key names it): the field of leads, of a type that takes
 * the words; 1 with its select options still to check. */
static int
check_lead_field(struct preflight *p, const struct kommo_catalog_fields *fields, const char *key,
    const char *id, int select_ok)
{
	size_t i;

	for (i = 0; i < fields->n; i++) {
		const struct kommo_catalog_field *f = &fields->items[i];
		int is_text = strcmp(f->type, "text") == 0 || strcmp(f->type, "textarea") == 0;
		int is_select = strcmp(f->type, "select") == 0 || strcmp(f->type, "radiobutton") == 0;

		if (strcmp(f->entity, "leads") != 0 || strcmp(f->id, id) != 0)
			continue;
		if (is_text || (select_ok && is_select)) {
			say(p, 1, "Kommo lead field", "[kommo] %s %s is \"%s\" (%s)", key, id, f->name, f->type);
			return is_select;
		}
		say(p, 0, "Kommo lead field", "[kommo] %s %s \"%s\" is a %s field; use a %s field of leads "
		    "(see: kzsctl fields)", key, id, f->name, f->type, select_ok ? "text or select" : "text");
		return 0;
	}
	say(p, 0, "Kommo lead field", "[kommo] %s %s is no custom field of leads; see the ids with: kzsctl "
	    "fields", key, id);
	return 0;
}

/* Every status word ([kommo] status_values) is an option of the select field. */
static void
check_status_options(struct preflight *p)
{
	static const char *const statuses[] = CONFIG_STATUS_NAMES;
	const struct config *c = p->cfg;
	json_object *field = NULL;
	struct remote_result rr;
	char word[128], missing[600] = "";
	size_t i;

	deal_status_field_fetch(c, c->kommo.status_field_id, &field, &rr);
	if (rr.outcome != REMOTE_OK) {
		say(p, 0, "Kommo status options", "the options of field %s could not be read (%s)",
		    c->kommo.status_field_id, rr.message);
		return;
	}
	for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (config_status_word(c, statuses[i], word, sizeof word) == 0 && deal_status_option(field, word) == NULL)
			snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s\"%s\" (%s)",
			    missing[0] ? ", " : "", word, statuses[i]);
	if (missing[0])
		say(p, 0, "Kommo status options", "[kommo] status_values: field %s \"%s\" has no option %s; add "
		    "them in Kommo, or name its options in status_values (status:option, ...)",
		    c->kommo.status_field_id, jfield_text(field, "name"), missing);
	else
		say(p, 1, "Kommo status options", "field %s has an option for every status", c->kommo.status_field_id);
	json_object_put(field);
}

/* [kommo] status_field_id and request_field_id, when set, exist on leads and fit. */
/* 1 when some route's condition names a lead field. */
static int
routes_have_conditions(const struct config *c)
{
	size_t i;

	for (i = 0; i < c->nroutes; i++)
		if (c->routes[i].when_field != NULL)
			return 1;
	return 0;
}

/* Each route's condition (when = lead.cf.<id> = "value") names a field of leads. */
static void
check_route_conditions(struct preflight *p, const struct kommo_catalog_fields *fields)
{
	const struct config *c = p->cfg;
	size_t i, j;

	for (i = 0; i < c->nroutes; i++) {
		const struct config_route *r = &c->routes[i];
		const char *id = r->when_field ? r->when_field + strlen("lead.cf.") : NULL;

		if (id == NULL)
			continue;
		for (j = 0; j < fields->n; j++)
			if (strcmp(fields->items[j].entity, "leads") == 0 && strcmp(fields->items[j].id, id) == 0)
				break;
		if (j < fields->n)
			say(p, 1, "route condition", "[route %s] when: %s is \"%s\" (%s)", r->name, r->when_field,
			    fields->items[j].name, fields->items[j].type);
		else
			say(p, 0, "route condition", "[route %s] when: %s is no custom field of leads, so no lead "
			    "can match; see the ids with: kzsctl fields", r->name, r->when_field);
	}
}

static void
check_lead_fields(struct preflight *p)
{
	const struct config *c = p->cfg;
	struct kommo_catalog_fields fields;
	struct remote_result rr;

	if (str_empty(c->kommo.status_field_id) && str_empty(c->kommo.request_field_id) &&
	    !routes_have_conditions(c))
		return;
	kommo_catalog_fields(c, &fields, &rr);
	if (rr.outcome != REMOTE_OK) {
		say(p, 0, "Kommo lead field", "the custom fields could not be read (%s)", rr.message);
		return;
	}
	if (!str_empty(c->kommo.status_field_id) &&
	    check_lead_field(p, &fields, "status_field_id", c->kommo.status_field_id, 1))
		check_status_options(p);
	if (!str_empty(c->kommo.request_field_id))
		check_lead_field(p, &fields, "request_field_id", c->kommo.request_field_id, 0);
	check_route_conditions(p, &fields);
	kommo_catalog_fields_free(&fields);
}

/* [fields] and [signers] against the template, read as a send reads it (lib/fill). */
static void
check_template(struct preflight *p, json_object *tpl)
{
	const struct config *c = p->cfg;
	char roles[300] = "";
	size_t i;

	p->what = "template fields";
	if (fill_fields_check(c, tpl, template_problem, p) == 0)
		say(p, 1, p->what, "the %zu [fields] line(s) fit the template's fields, and every mandatory "
		    "field is filled", c->nfields);
	p->what = "template roles";
	for (i = 0; i < c->nsigners; i++)
		snprintf(roles + strlen(roles), sizeof roles - strlen(roles), "%s%s", i ? ", " : "",
		    c->signers[i].name);
	if (fill_roles_check(c, tpl, template_problem, p) == 0)
		say(p, 1, p->what, "each role of the template has its [signers] line (%s)", roles);
}

/* GET /templates/{id}: Zoho Sign answers our token, and the template is there. */
static void
check_zoho(struct preflight *p)
{
	const struct config *c = p->cfg;
	json_object *tpl = NULL;
	struct remote_result rr;

	if (c->zoho.template_id == NULL) {
		say(p, 0, "Zoho Sign connection", "not checked: %s template_id is not set; set it to "
		    "the template's id (Zoho Sign, Templates)", p->zoho_sec);
		return;
	}
	zoho_template_fetch(c, c->zoho.template_id, &tpl, &rr);
	if (rr.outcome == REMOTE_OK) {
		say(p, 1, "Zoho Sign connection", "template %s \"%s\" answers GET /templates/%s",
		    c->zoho.template_id, jfield_text(tpl, "template_name"), c->zoho.template_id);
		check_template(p, tpl);
	} else if (rr.outcome == REMOTE_NOT_FOUND) {
		say(p, 0, "Zoho Sign template", "%s template_id %s: no such template in the connected "
		    "Zoho Sign account (%s); copy the id from Zoho Sign, Templates", p->zoho_sec,
		    c->zoho.template_id, rr.message);
	} else if (rr.outcome == REMOTE_AUTH) {
		say(p, 0, "Zoho Sign connection", "Zoho refused our authorization (%s); connect again: "
		    "kzsctl authorize-url zoho, or set [zoho] refresh_token", rr.message);
	} else if (rr.outcome == REMOTE_REFUSED) {
		say(p, 0, "Zoho Sign connection", "Zoho Sign refused GET /templates/%s (%s); check %s "
		    "template_id", c->zoho.template_id, rr.message, p->zoho_sec);
	} else {
		say(p, 0, "Zoho Sign connection", "Zoho Sign did not answer (%s); check [zoho] dc (or "
		    "sign_url) and the network", rr.message);
	}
	json_object_put(tpl);
}

/*
 * Every route against its pipeline, stages and template: the default route of the
 * [kommo] and [zoho] keys (unless [route] sections alone are configured), then each
 * [route NAME] with its own keys, [fields] and [signers].
 */
static void
check_routes(struct preflight *p, int kommo_ok)
{
	const struct config *all = p->cfg;
	struct config view;
	size_t i;

	snprintf(p->kommo_sec, sizeof p->kommo_sec, "[kommo]");
	snprintf(p->zoho_sec, sizeof p->zoho_sec, "[zoho]");
	if (all->nroutes == 0 || all->kommo.pipeline_id != NULL || all->kommo.trigger_status_id != NULL) {
		if (kommo_ok)
			check_pipeline(p);
		check_zoho(p);
	}
	for (i = 0; i < all->nroutes; i++) {
		const struct config_route *r = &all->routes[i];

		route_view(all, r, &view);
		p->cfg = &view;
		snprintf(p->route, sizeof p->route, "route %s: ", r->name);
		snprintf(p->kommo_sec, sizeof p->kommo_sec, "[route %s]", r->name);
		snprintf(p->zoho_sec, sizeof p->zoho_sec, "[route %s]", r->name);
		if (kommo_ok)
			check_pipeline(p);
		check_zoho(p);
	}
	p->cfg = all;
	p->route[0] = '\0';
}

int
preflight_run(const char *config_path, int offline, preflight_line_fn line, void *arg)
{
	struct preflight p = { .line = line, .arg = arg };
	struct config cfg;
	char err[1200];
	int folder_ok, state_usable;

	if (config_load(config_path, 0, &cfg, warn_config, &p, err, sizeof err) == -1) {
		say(&p, 0, "configuration", "%s", err);
		return p.fails;
	}
	zone_use(cfg.zoho.time_zone);
	p.cfg = &cfg;
	check_programs(&p);
	check_limits(&p);
	/* The backend the programs would use, before any state is read (tokens included). */
	if (store_use(&cfg, err, sizeof err) == -1) {
		say(&p, 0, "state backend", "%s", err);
		config_free(&cfg);
		return p.fails;
	}
	folder_ok = check_state_folder(&p) == 0 && check_state_format(&p) == 0;
	state_usable = folder_ok;
	if (state_usable && store_shared())
		state_usable = check_database(&p) == 0;
	else if (state_usable)
		check_state_files(&p);
	if (offline) {
		say(&p, 1, "live calls", "skipped (--offline): the Kommo and Zoho Sign connections and the "
		    "template are not checked");
	} else if (!state_usable) {
		say(&p, 0, "live calls", "not made while the state (which keeps the tokens) is unusable; "
		    "fix %s as said above", folder_ok ? "the database" : "[state] dir");
	} else {
		int kommo_ok = check_kommo(&p) == 0;

		check_routes(&p, kommo_ok);
		if (kommo_ok)
			check_lead_fields(&p);
	}
	config_free(&cfg);
	return p.fails;
}
