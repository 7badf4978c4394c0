/*
 * config: reads the one INI file every program shares into struct config.
 * config_parse is pure (text in, struct out); config_load adds finding and reading the
 * file and the permission check. No message ever carries a value from the file, so a
 * secret typed into the wrong place cannot end up in a log or an error page.
 */
#include "config.h"
#include "datefmt.h"
#include "msg.h"
#include "texts.h"
#include "zone.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_MAX_SIZE (1024 * 1024)
#define CONFIG_MAX_KEY 200
#define CONFIG_MAX_MAP 1000 /* [fields] or [signers] lines; keeps the duplicate scan cheap */
#define CONFIG_MIN_SHARED_SECRET 16

enum section {
	SEC_NONE, SEC_UNKNOWN, SEC_STATE, SEC_MARIADB, SEC_KOMMO, SEC_ZOHO, SEC_LIMITS, SEC_ADMIN, SEC_LOG,
	SEC_FIELDS, SEC_SIGNERS,
	SEC_ROUTE, SEC_ROUTE_FIELDS, SEC_ROUTE_SIGNERS /* [route NAME], [route NAME fields|signers] */
};

static const char *const section_names[] = {
	[SEC_NONE] = "", [SEC_UNKNOWN] = "", [SEC_STATE] = "state", [SEC_MARIADB] = "mariadb",
	[SEC_KOMMO] = "kommo",
	[SEC_ZOHO] = "zoho", [SEC_LIMITS] = "limits", [SEC_ADMIN] = "admin", [SEC_LOG] = "log", [SEC_FIELDS] = "fields",
	[SEC_SIGNERS] = "signers",
};

enum kind {
	KIND_TEXT,      /* any printable text */
	KIND_SECRET,    /* any printable text, and a shared secret: warn when short */
	KIND_PATH,      /* absolute path */
	KIND_FILE,      /* absolute path of a file: not ending in / */
	KIND_SUBDOMAIN, /* [a-z0-9-]{1,63} */
	KIND_ID,        /* 1..19 ASCII digits, kept as text */
	KIND_HOURS,     /* int 1..8760 */
	KIND_SECONDS,   /* int 1..300 */
	KIND_RUN,       /* int 1..3600, seconds */
	KIND_RATE,      /* int 1..100000 */
	KIND_MINUTES,   /* int 1..1440 */
	KIND_PROCS,     /* int 1..64 */
	KIND_BOOL,      /* int 0/1 */
	KIND_DC,        /* one of dc_names */
	KIND_DATE,      /* a pattern datefmt_write takes (dd/MM/yyyy) */
	KIND_ZONE,      /* a tz database name (Europe/Amsterdam) */
	KIND_LANGUAGE,  /* en, es or pt: an enum texts_lang */
	KIND_URL,       /* https://, or http:// to loopback; kept exactly as written */
	KIND_BASE_URL,  /* KIND_URL without trailing '/' */
	KIND_SIGN_URL,  /* KIND_BASE_URL ending in /api/v1 */
	KIND_WHEN,      /* lead.cf.<field id> = "value" (a route's condition) */
	KIND_STATUS_WORDS, /* "status:word, ...": see config_status_word */
	KIND_BACKEND,   /* gdbm or mariadb: an enum config_backend */
	KIND_PORT,      /* int 1..65535 */
	KIND_NAME,      /* [A-Za-z0-9_]{1,64}: a database name, a user */
};

struct key {
	enum section section;
	const char *name;
	enum kind kind;
	size_t offset; /* of the char * or int in struct config (struct config_route for routes) */
};

#define K(sec, name, kind, member) { sec, name, kind, offsetof(struct config, member) }
static const struct key keys[] = {
	K(SEC_STATE, "dir", KIND_PATH, state_dir),
	K(SEC_STATE, "backend", KIND_BACKEND, state_backend),
	K(SEC_MARIADB, "host", KIND_TEXT, mariadb.host),
	K(SEC_MARIADB, "port", KIND_PORT, mariadb.port),
	K(SEC_MARIADB, "socket", KIND_FILE, mariadb.socket),
	K(SEC_MARIADB, "database", KIND_NAME, mariadb.database),
	K(SEC_MARIADB, "user", KIND_NAME, mariadb.user),
	K(SEC_MARIADB, "password_file", KIND_FILE, mariadb.password_file),
	K(SEC_MARIADB, "tls", KIND_BOOL, mariadb.tls),
	K(SEC_KOMMO, "subdomain", KIND_SUBDOMAIN, kommo.subdomain),
	K(SEC_KOMMO, "base_url", KIND_BASE_URL, kommo.base_url),
	K(SEC_KOMMO, "account_id", KIND_ID, kommo.account_id),
	K(SEC_KOMMO, "token", KIND_TEXT, kommo.token),
	K(SEC_KOMMO, "client_id", KIND_TEXT, kommo.client_id),
	K(SEC_KOMMO, "client_secret", KIND_TEXT, kommo.client_secret),
	K(SEC_KOMMO, "redirect_uri", KIND_URL, kommo.redirect_uri),
	K(SEC_KOMMO, "oauth_url", KIND_BASE_URL, kommo.oauth_url),
	K(SEC_KOMMO, "hook_secret", KIND_SECRET, kommo.hook_secret),
	K(SEC_KOMMO, "pipeline_id", KIND_ID, kommo.pipeline_id),
	K(SEC_KOMMO, "trigger_status_id", KIND_ID, kommo.trigger_status_id),
	K(SEC_KOMMO, "signed_status_id", KIND_ID, kommo.signed_status_id),
	K(SEC_KOMMO, "declined_status_id", KIND_ID, kommo.declined_status_id),
	K(SEC_KOMMO, "task_type_id", KIND_ID, kommo.task_type_id),
	K(SEC_KOMMO, "task_due_hours", KIND_HOURS, kommo.task_due_hours),
	K(SEC_KOMMO, "progress_notes", KIND_BOOL, kommo.progress_notes),
	K(SEC_KOMMO, "status_field_id", KIND_ID, kommo.status_field_id),
	K(SEC_KOMMO, "status_values", KIND_STATUS_WORDS, kommo.status_values),
	K(SEC_KOMMO, "request_field_id", KIND_ID, kommo.request_field_id),
	K(SEC_KOMMO, "language", KIND_LANGUAGE, kommo.language),
	K(SEC_ZOHO, "dc", KIND_DC, zoho.dc),
	K(SEC_ZOHO, "accounts_url", KIND_BASE_URL, zoho.accounts_url),
	K(SEC_ZOHO, "sign_url", KIND_SIGN_URL, zoho.sign_url),
	K(SEC_ZOHO, "client_id", KIND_TEXT, zoho.client_id),
	K(SEC_ZOHO, "client_secret", KIND_TEXT, zoho.client_secret),
	K(SEC_ZOHO, "redirect_uri", KIND_URL, zoho.redirect_uri),
	K(SEC_ZOHO, "refresh_token", KIND_TEXT, zoho.refresh_token),
	K(SEC_ZOHO, "webhook_secret", KIND_SECRET, zoho.webhook_secret),
	K(SEC_ZOHO, "template_id", KIND_TEXT, zoho.template_id),
	K(SEC_ZOHO, "attach_certificate", KIND_BOOL, zoho.attach_certificate),
	K(SEC_ZOHO, "resend_on_expiry", KIND_BOOL, zoho.resend_on_expiry),
	K(SEC_ZOHO, "date_format", KIND_DATE, zoho.date_format),
	K(SEC_ZOHO, "time_zone", KIND_ZONE, zoho.time_zone),
	K(SEC_LIMITS, "http_timeout", KIND_SECONDS, limits.http_timeout),
	K(SEC_LIMITS, "kommo_calls_per_second", KIND_RATE, limits.kommo_calls_per_second),
	K(SEC_LIMITS, "zoho_calls_per_minute", KIND_RATE, limits.zoho_calls_per_minute),
	K(SEC_LIMITS, "kommo_ban_pause_minutes", KIND_MINUTES, limits.kommo_ban_pause_minutes),
	K(SEC_LIMITS, "give_up_hours", KIND_HOURS, limits.give_up_hours),
	K(SEC_LIMITS, "after_answer_seconds", KIND_SECONDS, limits.after_answer_seconds),
	K(SEC_LIMITS, "drainers", KIND_PROCS, limits.drainers),
	K(SEC_LIMITS, "cron_drain_seconds", KIND_RUN, limits.cron_drain_seconds),
	K(SEC_ADMIN, "secret", KIND_SECRET, admin.secret),
	K(SEC_LOG, "file", KIND_FILE, log.file),
};
#undef K
#define NKEYS (sizeof keys / sizeof keys[0])

#define R(name, kind, member) { SEC_ROUTE, name, kind, offsetof(struct config_route, member) }
static const struct key route_keys[] = {
	R("pipeline_id", KIND_ID, pipeline_id),
	R("trigger_status_id", KIND_ID, trigger_status_id),
	R("template_id", KIND_TEXT, template_id),
	R("signed_status_id", KIND_ID, signed_status_id),
	R("declined_status_id", KIND_ID, declined_status_id),
	R("when", KIND_WHEN, when_field),
};
#undef R
#define NROUTE_KEYS (sizeof route_keys / sizeof route_keys[0])
#define CONFIG_MAX_ROUTES 100
#define CONFIG_MAX_ROUTE_NAME 64

static const char *const dc_names[] = { "com", "eu", "in", "com.au", "jp", "sa", "ca" };

static const char *const field_sources[] = {
	"lead.id", "lead.name", "lead.price", "contact.name", "contact.first_name",
	"contact.last_name", "contact.email", "contact.phone", "company.name", "today",
};
static const char *const field_cf_prefixes[] = { "lead.cf.", "contact.cf.", "company.cf." };

struct parser {
	const char *file;
	struct config *cfg;
	config_warn_fn warn;
	void *warn_arg;
	char *err;
	size_t errlen;
	int line;
	enum section section;
	int seen[NKEYS]; /* line each key was set on, 0 if not yet */
	size_t route;    /* in a route's sections: its index in cfg->routes */
	int route_seen[NROUTE_KEYS]; /* as seen, for the route's keys */
};

/* Error at the current line: "file:line: <message>"; always returns -1. */
static int
fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	msg_set(p->err, p->errlen, "%s:%d: %s", p->file, p->line, msg);
	return -1;
}

static void
warn_line(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
warn_line(struct parser *p, const char *fmt, ...)
{
	char msg[512], full[1024];
	va_list ap;

	if (p->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(full, sizeof full, "%s:%d: %s", p->file, p->line, msg);
	p->warn(p->file, p->line, full, p->warn_arg);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*s)[*n - 1]))
		(*n)--;
}

/* Letters, digits, space, _ - . ; bytes >= 0x80 so UTF-8 template field names work. */
static int
key_is_valid(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit((char)c) ||
		    c == ' ' || c == '_' || c == '-' || c == '.' || c >= 0x80))
			return 0;
	}
	return 1;
}

static int
digits_only(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s), i;

	if (n < min || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

int
config_map_name_valid(const char *name)
{
	size_t n = strlen(name);

	/* The line's key is trimmed: a name starting or ending with a space would not match. */
	return n > 0 && n <= CONFIG_MAX_KEY && name[0] != ' ' && name[n - 1] != ' ' &&
	    key_is_valid(name, n);
}

/* "https://host[:port]/...", or "http://" when the host is loopback. */
static int
url_is_allowed(const char *v)
{
	const char *auth, *host_end, *port = NULL;
	size_t alen, hlen, i;
	int https;

	if (strncmp(v, "https://", 8) == 0) {
		https = 1;
		auth = v + 8;
	} else if (strncmp(v, "http://", 7) == 0) {
		https = 0;
		auth = v + 7;
	} else {
		return 0;
	}
	for (i = 0; v[i] != '\0'; i++)
		if (is_space(v[i]) || v[i] == '"' || v[i] == '\\' || v[i] == '<' || v[i] == '>')
			return 0;
	alen = strcspn(auth, "/?#");
	if (alen == 0 || memchr(auth, '@', alen) != NULL)
		return 0;
	if (auth[0] == '[') {
		const char *close = memchr(auth, ']', alen);
		if (close == NULL)
			return 0;
		host_end = close + 1;
	} else {
		host_end = memchr(auth, ':', alen);
		if (host_end == NULL)
			host_end = auth + alen;
		for (i = 0; auth + i < host_end; i++) {
			char c = auth[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
			    c == '.' || c == '-'))
				return 0;
		}
	}
	hlen = (size_t)(host_end - auth);
	if (hlen == 0)
		return 0;
	if (host_end < auth + alen) {
		size_t plen;
		if (*host_end != ':')
			return 0;
		port = host_end + 1;
		plen = (size_t)(auth + alen - port);
		if (plen == 0 || plen > 5)
			return 0;
		for (i = 0; i < plen; i++)
			if (!is_digit(port[i]))
				return 0;
	}
	if (https)
		return 1;
	return (hlen == 9 && strncmp(auth, "127.0.0.1", 9) == 0) ||
	    (hlen == 9 && strncasecmp(auth, "localhost", 9) == 0) ||
	    (hlen == 5 && strncmp(auth, "[::1]", 5) == 0);
}

static void
strip_trailing_slashes(char *v)
{
	size_t n = strlen(v);
	const char *auth = strstr(v, "://");
	size_t min = auth ? (size_t)(auth - v) + 4 : 1;

	while (n > min && v[n - 1] == '/')
		v[--n] = '\0';
}

static int
bool_value(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int
field_source_is_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		return 1; /* the value parser allows no other quote inside */
	for (i = 0; i < sizeof field_sources / sizeof field_sources[0]; i++)
		if (strcmp(s, field_sources[i]) == 0)
			return 1;
	for (i = 0; i < sizeof field_cf_prefixes / sizeof field_cf_prefixes[0]; i++) {
		size_t plen = strlen(field_cf_prefixes[i]);
		if (strncmp(s, field_cf_prefixes[i], plen) == 0)
			return digits_only(s + plen, 1, 19);
	}
	return 0;
}

int
config_email_valid(const char *text)
{
	const char *at = strchr(text, '@'), *dot;
	size_t i, n = strlen(text);

	if (n < 3 || n > CONFIG_EMAIL_MAX || at == NULL || at == text || strchr(at + 1, '@') != NULL)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c <= 0x20 || c == 0x7f || strchr("<>\",;", c) != NULL)
			return 0;
	}
	dot = strchr(at + 1, '.');
	/* a dot inside the domain: neither its first nor its last character */
	return dot != NULL && dot != at + 1 && text[n - 1] != '.';
}

/* "cf.<id>" after a prefix: the id into id. 1 when it is there and numeric. */
static int
cf_id(const char *s, const char *prefix, char *id, size_t idlen)
{
	size_t plen = strlen(prefix);

	if (strncmp(s, prefix, plen) != 0 || !digits_only(s + plen, 1, 19))
		return 0;
	snprintf(id, idlen, "%s", s + plen);
	return 1;
}

/* "fixed: Jane Roe <jane@ourco.example>" into out; -1 with why. */
static int
fixed_person(const char *s, struct config_signer *out, char *why, size_t whylen)
{
	const char *open = strchr(s, '<'), *close = strrchr(s, '>');
	size_t namelen, emaillen;

	while (*s == ' ' || *s == '\t')
		s++;
	if (open == NULL || close == NULL || close < open || close[1] != '\0') {
		snprintf(why, whylen, "expected fixed: Name <email>, the address in angle brackets at the end");
		return -1;
	}
	namelen = (size_t)(open - s);
	while (namelen > 0 && (s[namelen - 1] == ' ' || s[namelen - 1] == '\t'))
		namelen--;
	emaillen = (size_t)(close - open - 1);
	if (namelen == 0 || namelen >= sizeof out->name || memchr(s, '>', namelen) != NULL) {
		snprintf(why, whylen, "expected fixed: Name <email>, with a name of 1 to %zu characters "
		    "before the address", sizeof out->name - 1);
		return -1;
	}
	snprintf(out->name, sizeof out->name, "%.*s", (int)namelen, s);
	if (emaillen < sizeof out->email)
		snprintf(out->email, sizeof out->email, "%.*s", (int)emaillen, open + 1);
	if (!config_email_valid(out->email)) {
		snprintf(why, whylen, "fixed: the address in angle brackets is not an e-mail address "
		    "(one @, a dot in the domain, no spaces)");
		return -1;
	}
	return 0;
}

int
config_signer_parse(const char *source, struct config_signer *out, char *why, size_t whylen)
{
	const char *name_part;

	memset(out, 0, sizeof *out);
	if (strcmp(source, "contact.main") == 0)
		out->kind = CONFIG_SIGNER_CONTACT_MAIN;
	else if (strcmp(source, "contact.other") == 0)
		out->kind = CONFIG_SIGNER_CONTACT_OTHER;
	else if (strcmp(source, "user.responsible") == 0)
		out->kind = CONFIG_SIGNER_USER_RESPONSIBLE;
	else if (strncmp(source, "fixed:", 6) == 0) {
		out->kind = CONFIG_SIGNER_FIXED;
		return fixed_person(source + 6, out, why, whylen);
	} else if (strncmp(source, "contact.cf.", 11) == 0) {
		out->kind = CONFIG_SIGNER_CONTACT_CF;
		if (!cf_id(source, "contact.cf.", out->id, sizeof out->id))
			goto bad_id;
	} else if (strncmp(source, "user.", 5) == 0) {
		out->kind = CONFIG_SIGNER_USER;
		if (!cf_id(source, "user.", out->id, sizeof out->id))
			goto bad_id;
	} else if (strncmp(source, "lead.cf.", 8) == 0) {
		char email_part[64];
		size_t n = strcspn(source, " \t");

		out->kind = CONFIG_SIGNER_LEAD_CF;
		snprintf(email_part, sizeof email_part, "%.*s", (int)(n < 40 ? n : 40), source);
		if (n >= 40 || !cf_id(email_part, "lead.cf.", out->id, sizeof out->id))
			goto bad_id;
		name_part = source + n;
		while (*name_part == ' ' || *name_part == '\t')
			name_part++;
		if (*name_part == '\0')
			return 0;
		if (strncmp(name_part, "name", 4) != 0 || (name_part[4] != ' ' && name_part[4] != '\t')) {
			snprintf(why, whylen, "expected lead.cf.<field id>, or lead.cf.<field id> name "
			    "lead.cf.<field id> (the e-mail field, then the name field)");
			return -1;
		}
		name_part += 5;
		while (*name_part == ' ' || *name_part == '\t')
			name_part++;
		if (!cf_id(name_part, "lead.cf.", out->name_id, sizeof out->name_id)) {
			snprintf(why, whylen, "the name field: expected lead.cf.<field id> (1 to 19 digits)");
			return -1;
		}
	} else {
		snprintf(why, whylen, "expected one of " CONFIG_SIGNER_SOURCES_TEXT);
		return -1;
	}
	return 0;
bad_id:
	snprintf(why, whylen, "expected a numeric id (1 to 19 digits) after the last dot; the sources: "
	    CONFIG_SIGNER_SOURCES_TEXT);
	return -1;
}

/*
 * Cuts the value part of a line: a double-quoted string (quotes removed unless
 * keep_quotes), or bare text up to a ';' or '#' that follows whitespace.
 */
static int
value_span(struct parser *p, const char *label, const char *v, size_t n, int keep_quotes,
    const char **out, size_t *outn)
{
	size_t i;

	trim(&v, &n);
	if (n > 0 && v[0] == '"') {
		const char *close = memchr(v + 1, '"', n - 1);
		const char *rest;
		size_t restn;

		if (close == NULL)
			return fail(p, "%s: the closing double quote is missing", label);
		rest = close + 1;
		restn = n - (size_t)(rest - v);
		trim(&rest, &restn);
		if (restn > 0 && rest[0] != ';' && rest[0] != '#')
			return fail(p, "%s: only a comment may follow the closing double quote", label);
		if (keep_quotes) {
			*out = v;
			*outn = (size_t)(close - v) + 1;
		} else {
			*out = v + 1;
			*outn = (size_t)(close - v) - 1;
		}
	} else {
		if (n > 0 && (v[0] == ';' || v[0] == '#'))
			n = 0;
		for (i = 1; i < n; i++) {
			if ((v[i] == ';' || v[i] == '#') && is_space(v[i - 1])) {
				n = i;
				break;
			}
		}
		trim(&v, &n);
		*out = v;
		*outn = n;
	}
	for (i = 0; i < *outn; i++) {
		unsigned char c = (unsigned char)(*out)[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(p, "%s: contains a control character", label);
	}
	return 0;
}

static int
oom(struct parser *p)
{
	return fail(p, "out of memory");
}

static int
map_add(struct parser *p, struct config_map **map, size_t *n, const char *name, size_t namelen,
    const char *source, size_t sourcelen)
{
	struct config_map *grown;
	char *nm = strndup(name, namelen), *src = strndup(source, sourcelen);

	if (nm == NULL || src == NULL)
		goto fail;
	grown = realloc(*map, (*n + 1) * sizeof **map);
	if (grown == NULL)
		goto fail;
	*map = grown;
	grown[*n].name = nm;
	grown[*n].source = src;
	grown[*n].line = p->line;
	(*n)++;
	return 0;
fail:
	free(nm);
	free(src);
	return oom(p);
}

/* The section's name as messages write it: "fields", "route b2c fields". */
static void
section_label(const struct parser *p, char *buf, size_t len)
{
	static const char *const route_part[] = {
		[SEC_ROUTE] = "", [SEC_ROUTE_FIELDS] = " fields", [SEC_ROUTE_SIGNERS] = " signers",
	};

	if (p->section >= SEC_ROUTE)
		snprintf(buf, len, "route %s%s", p->cfg->routes[p->route].name, route_part[p->section]);
	else
		snprintf(buf, len, "%s", section_names[p->section]);
}

static int
parse_map_line(struct parser *p, const char *key, size_t keylen, const char *v, size_t n)
{
	int fields = p->section == SEC_FIELDS || p->section == SEC_ROUTE_FIELDS;
	struct config_route *route = p->section >= SEC_ROUTE ? &p->cfg->routes[p->route] : NULL;
	struct config_map **map = route ? (fields ? &route->fields : &route->signers) :
	    fields ? &p->cfg->fields : &p->cfg->signers;
	size_t *count = route ? (fields ? &route->nfields : &route->nsigners) :
	    fields ? &p->cfg->nfields : &p->cfg->nsigners;
	char label[2 * CONFIG_MAX_KEY + 32], sec[CONFIG_MAX_KEY + 32];
	const char *src;
	size_t srcn, i;
	char *tmp;
	int ok;

	section_label(p, sec, sizeof sec);
	snprintf(label, sizeof label, "[%s] %.*s", sec, (int)keylen, key);
	if (*count >= CONFIG_MAX_MAP)
		return fail(p, "%s: more than %d entries in [%s]", label, CONFIG_MAX_MAP, sec);
	for (i = 0; i < *count; i++)
		if (strlen((*map)[i].name) == keylen && memcmp((*map)[i].name, key, keylen) == 0)
			return fail(p, "%s: set twice (first on line %d)", label, (*map)[i].line);
	if (value_span(p, label, v, n, 1, &src, &srcn) < 0)
		return -1;
	if ((tmp = strndup(src, srcn)) == NULL)
		return oom(p);
	if (fields) {
		ok = field_source_is_valid(tmp);
		free(tmp);
		if (!ok)
			return fail(p, "%s: expected one of " CONFIG_FIELD_SOURCES_TEXT, label);
	} else {
		struct config_signer signer;
		char why[300];

		ok = config_signer_parse(tmp, &signer, why, sizeof why) == 0;
		free(tmp);
		if (!ok)
			return fail(p, "%s: %s", label, why);
	}
	if (map_add(p, map, count, key, keylen, src, srcn) < 0)
		return -1;
	if (route != NULL) { /* the lines so far are all the route's own */
		route->nown_fields = route->nfields;
		route->nown_signers = route->nsigners;
	}
	return 0;
}

static const char *const status_names[] = CONFIG_STATUS_NAMES;
#define NSTATUS (sizeof status_names / sizeof status_names[0])

/*
 * Walks "status:word, status:word": the word given for want (if any) into buf. NULL
 * when the text is well made, else what is wrong with it.
 */
static const char *
status_words(const char *v, const char *want, char *buf, size_t len)
{
	int seen[NSTATUS] = { 0 };

	while (*v) {
		const char *end = strchr(v, ','), *colon, *word;
		size_t n = end ? (size_t)(end - v) : strlen(v), namelen, wordlen, i;

		trim(&v, &n);
		colon = memchr(v, ':', n);
		if (colon == NULL)
			return "each entry is status:word, e.g. signed:Signed";
		namelen = (size_t)(colon - v);
		word = colon + 1;
		wordlen = n - namelen - 1;
		trim(&word, &wordlen);
		while (namelen > 0 && is_space(v[namelen - 1]))
			namelen--;
		for (i = 0; i < NSTATUS; i++)
			if (strlen(status_names[i]) == namelen && strncmp(v, status_names[i], namelen) == 0)
				break;
		if (i == NSTATUS)
			return "a status is one of sent viewed signed declined expired recalled";
		if (wordlen == 0 || seen[i]++)
			return "each status once, with a word after the colon";
		if (want != NULL && strcmp(want, status_names[i]) == 0)
			snprintf(buf, len, "%.*s", (int)wordlen, word);
		v = end ? end + 1 : v + n;
	}
	return NULL;
}

int
config_status_word(const struct config *cfg, const char *status, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < NSTATUS; i++)
		if (strcmp(status, status_names[i]) == 0)
			break;
	if (i == NSTATUS || len == 0)
		return -1;
	snprintf(buf, len, "%c%s", status[0] - 'a' + 'A', status + 1);
	if (cfg->kommo.status_values != NULL)
		status_words(cfg->kommo.status_values, status, buf, len);
	return 0;
}

/* Checks and stores one value into obj (struct config, or a route); v is the caller's. */
static int
set_value(struct parser *p, void *obj, const struct key *k, const char *label, char *v)
{
	const char *why;
	char *base = obj;
	char **slot = (char **)(void *)(base + k->offset);
	int *islot = (int *)(void *)(base + k->offset);
	size_t i;

	switch (k->kind) {
	case KIND_TEXT:
		break;
	case KIND_SECRET:
		if (strlen(v) < CONFIG_MIN_SHARED_SECRET)
			warn_line(p, "%s: shorter than %d characters; use a long random string "
			    "(for example from: openssl rand -hex 24)", label, CONFIG_MIN_SHARED_SECRET);
		break;
	case KIND_PATH:
		if (v[0] != '/')
			return fail(p, "%s: expected an absolute path (starting with /)", label);
		break;
	case KIND_FILE:
		if (v[0] != '/' || v[strlen(v) - 1] == '/')
			return fail(p, "%s: expected the absolute path of a file, "
			    "e.g. /home/acme/kzs/kzs.log", label);
		break;
	case KIND_SUBDOMAIN:
		if (strlen(v) > 63 || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(v))
			return fail(p, "%s: expected the account name of your Kommo address, "
			    "e.g. acme for https://acme.kommo.com (lower-case letters, digits, -)", label);
		break;
	case KIND_ID:
		if (!digits_only(v, 1, 19))
			return fail(p, "%s: expected a numeric id (1 to 19 digits)", label);
		break;
	case KIND_HOURS:
		if (!digits_only(v, 1, 4) || atoi(v) < 1 || atoi(v) > 8760)
			return fail(p, "%s: expected a whole number of hours from 1 to 8760", label);
		*islot = atoi(v);
		return 0;
	case KIND_SECONDS:
		if (!digits_only(v, 1, 3) || atoi(v) < 1 || atoi(v) > 300)
			return fail(p, "%s: expected a whole number of seconds from 1 to 300", label);
		*islot = atoi(v);
		return 0;
	case KIND_RUN:
		if (!digits_only(v, 1, 4) || atoi(v) < 1 || atoi(v) > 3600)
			return fail(p, "%s: expected a whole number of seconds from 1 to 3600", label);
		*islot = atoi(v);
		return 0;
	case KIND_RATE:
		if (!digits_only(v, 1, 6) || atoi(v) < 1 || atoi(v) > 100000)
			return fail(p, "%s: expected a whole number of calls from 1 to 100000", label);
		*islot = atoi(v);
		return 0;
	case KIND_MINUTES:
		if (!digits_only(v, 1, 4) || atoi(v) < 1 || atoi(v) > 1440)
			return fail(p, "%s: expected a whole number of minutes from 1 to 1440", label);
		*islot = atoi(v);
		return 0;
	case KIND_PROCS:
		if (!digits_only(v, 1, 2) || atoi(v) < 1 || atoi(v) > 64)
			return fail(p, "%s: expected a whole number of processes from 1 to 64", label);
		*islot = atoi(v);
		return 0;
	case KIND_BOOL:
		if (bool_value(v, islot) < 0)
			return fail(p, "%s: expected yes or no (or true/false, on/off, 1/0)", label);
		return 0;
	case KIND_DC:
		for (i = 0; i < sizeof dc_names / sizeof dc_names[0]; i++)
			if (strcmp(v, dc_names[i]) == 0)
				break;
		if (i == sizeof dc_names / sizeof dc_names[0])
			return fail(p, "%s: expected one of com eu in com.au jp sa ca", label);
		break;
	case KIND_DATE: {
		struct tm any = { .tm_mday = 1, .tm_year = 100 };
		char buf[64];

		if (datefmt_write(v, &any, buf, sizeof buf) == -1)
			return fail(p, "%s: expected the day, month and year as the Zoho Sign account "
			    "writes them, e.g. dd/MM/yyyy, MM/dd/yyyy, yyyy-MM-dd or dd MMM yyyy", label);
		break;
	}
	case KIND_LANGUAGE: {
		int lang = texts_lang_parse(v);

		if (lang == -1)
			return fail(p, "%s: expected " TEXTS_LANG_NAMES " (the language of the notes and tasks "
			    "on deals)", label);
		*(enum texts_lang *)(void *)(base + k->offset) = (enum texts_lang)lang;
		return 0;
	}
	case KIND_ZONE:
		if (!zone_name_ok(v))
			return fail(p, "%s: expected a time zone name such as Europe/Amsterdam or UTC", label);
		break;
	case KIND_STATUS_WORDS:
		if ((why = status_words(v, NULL, NULL, 0)) != NULL)
			return fail(p, "%s: %s", label, why);
		break;
	case KIND_URL:
	case KIND_BASE_URL:
	case KIND_SIGN_URL:
		if (!url_is_allowed(v))
			return fail(p, "%s: expected a URL starting with https:// "
			    "(http:// only to 127.0.0.1, localhost or [::1])", label);
		if (k->kind == KIND_URL)
			break;
		strip_trailing_slashes(v);
		if (k->kind == KIND_SIGN_URL) {
			size_t n = strlen(v);
			if (n < 7 || strcmp(v + n - 7, "/api/v1") != 0)
				return fail(p, "%s: expected a URL ending in /api/v1, "
				    "e.g. https://sign.zoho.eu/api/v1", label);
		}
		break;
	case KIND_WHEN: /* parse_when's */
		break;
	case KIND_BACKEND:
		if (strcmp(v, "gdbm") != 0 && strcmp(v, "mariadb") != 0)
			return fail(p, "%s: expected gdbm (files in [state] dir, the default) or mariadb "
			    "(the [mariadb] section's database)", label);
		*islot = strcmp(v, "mariadb") == 0 ? CONFIG_BACKEND_MARIADB : CONFIG_BACKEND_GDBM;
		return 0;
	case KIND_PORT:
		if (!digits_only(v, 1, 5) || atoi(v) < 1 || atoi(v) > 65535)
			return fail(p, "%s: expected a TCP port from 1 to 65535", label);
		*islot = atoi(v);
		return 0;
	case KIND_NAME:
		if (strlen(v) > 64 || strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(v))
			return fail(p, "%s: expected a name of letters, digits and _ (at most 64)", label);
		break;
	}
	if ((*slot = strdup(v)) == NULL)
		return oom(p);
	return 0;
}

/* A route's condition: lead.cf.<field id> = "value" (the value may be empty, ""). */
static int
parse_when(struct parser *p, struct config_route *r, const char *label, const char *v, size_t n)
{
	static const char prefix[] = "lead.cf.";
	const size_t plen = sizeof prefix - 1;
	const char *val;
	size_t idn = 0, valn;

	trim(&v, &n);
	if (n > plen && memcmp(v, prefix, plen) == 0)
		while (plen + idn < n && is_digit(v[plen + idn]))
			idn++;
	if (idn == 0 || idn > 19)
		return fail(p, "%s: expected lead.cf.<field id> = \"value\" (the deal's custom field "
		    "and the value it must have)", label);
	val = v + plen + idn;
	valn = n - plen - idn;
	trim(&val, &valn);
	if (valn == 0 || val[0] != '=' || (val++, valn--, trim(&val, &valn), valn == 0) || val[0] != '"')
		return fail(p, "%s: expected lead.cf.<field id> = \"value\", the value in double quotes",
		    label);
	if ((r->when_field = strndup(v, plen + idn)) == NULL)
		return oom(p);
	if (value_span(p, label, val, valn, 0, &val, &valn) < 0)
		return -1;
	if ((r->when_value = strndup(val, valn)) == NULL)
		return oom(p);
	return 0;
}

/*
 * One "key = value" line of a keyed section into obj: the globals (unknown keys warned
 * about and ignored) or a route (unknown keys refused: a route is new, a typo in it
 * would send with the wrong template or stage).
 */
static int
parse_key_line(struct parser *p, const char *key, size_t keylen, const char *v, size_t n)
{
	int route = p->section == SEC_ROUTE;
	const struct key *table = route ? route_keys : keys, *k = NULL;
	size_t ntable = route ? NROUTE_KEYS : NKEYS;
	int *seen = route ? p->route_seen : p->seen;
	void *obj = route ? (void *)&p->cfg->routes[p->route] : (void *)p->cfg;
	char label[2 * CONFIG_MAX_KEY + 32], sec[CONFIG_MAX_KEY + 32];
	const char *val;
	size_t i, valn;
	char *copy;
	int rc;

	section_label(p, sec, sizeof sec);
	snprintf(label, sizeof label, "[%s] %.*s", sec, (int)keylen, key);
	for (i = 0; i < ntable; i++) {
		if (table[i].section == p->section && strlen(table[i].name) == keylen &&
		    memcmp(table[i].name, key, keylen) == 0) {
			k = &table[i];
			break;
		}
	}
	if (k == NULL && route)
		return fail(p, "%s: unknown key in a route (a route takes pipeline_id, trigger_status_id, "
		    "template_id, signed_status_id, declined_status_id, when)", label);
	if (k == NULL) {
		warn_line(p, "%s: unknown key, ignored", label);
		return 0;
	}
	if (seen[i])
		return fail(p, "%s: set twice (first on line %d)", label, seen[i]);
	seen[i] = p->line;
	if (k->kind == KIND_WHEN)
		return parse_when(p, obj, label, v, n);
	if (value_span(p, label, v, n, 0, &val, &valn) < 0)
		return -1;
	if (valn == 0)
		return 0; /* empty means unset: the default applies */
	if ((copy = strndup(val, valn)) == NULL)
		return oom(p);
	rc = set_value(p, obj, k, label, copy);
	free(copy);
	return rc;
}

static struct config_route *
route_named(struct config *c, const char *name, size_t namelen)
{
	size_t i;

	for (i = 0; i < c->nroutes; i++)
		if (strlen(c->routes[i].name) == namelen && memcmp(c->routes[i].name, name, namelen) == 0)
			return &c->routes[i];
	return NULL;
}

/* A new route from its [route NAME] line. */
static int
route_add(struct parser *p, const char *name, size_t namelen)
{
	struct config_route *grown, *r = route_named(p->cfg, name, namelen);

	if (r != NULL)
		return fail(p, "[route %.*s]: a route of this name is already defined on line %d; give "
		    "each route its own name", (int)namelen, name, r->line);
	if (p->cfg->nroutes >= CONFIG_MAX_ROUTES)
		return fail(p, "[route %.*s]: more than %d routes", (int)namelen, name, CONFIG_MAX_ROUTES);
	grown = realloc(p->cfg->routes, (p->cfg->nroutes + 1) * sizeof *grown);
	if (grown == NULL)
		return oom(p);
	p->cfg->routes = grown;
	r = &grown[p->cfg->nroutes];
	memset(r, 0, sizeof *r);
	if ((r->name = strndup(name, namelen)) == NULL)
		return oom(p);
	r->line = p->line;
	p->route = p->cfg->nroutes++;
	memset(p->route_seen, 0, sizeof p->route_seen);
	p->section = SEC_ROUTE;
	return 0;
}

/*
 * "[route NAME]", "[route NAME fields]" or "[route NAME signers]" (name is what follows
 * "route "). A route's fields and signers sections come after the route's own line.
 */
static int
parse_route_section(struct parser *p, const char *name, size_t n)
{
	static const char *const usage = "expected [route NAME], [route NAME fields] or "
	    "[route NAME signers]; a route's name has letters, digits, _ - . only";
	size_t namelen = 0;
	const char *part;
	size_t partlen;
	struct config_route *r;

	trim(&name, &n);
	while (namelen < n && name[namelen] != ' ' && name[namelen] != '\t')
		namelen++;
	part = name + namelen;
	partlen = n - namelen;
	trim(&part, &partlen);
	if (namelen == 0 || namelen > CONFIG_MAX_ROUTE_NAME || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") < namelen)
		return fail(p, "%s", usage);
	if (partlen == 0)
		return route_add(p, name, namelen);
	if (!(partlen == 6 && memcmp(part, "fields", 6) == 0) && !(partlen == 7 && memcmp(part, "signers", 7) == 0))
		return fail(p, "%s", usage);
	if ((r = route_named(p->cfg, name, namelen)) == NULL)
		return fail(p, "[route %.*s %.*s]: no [route %.*s] line above it; put the route's own "
		    "section first", (int)namelen, name, (int)partlen, part, (int)namelen, name);
	p->route = (size_t)(r - p->cfg->routes);
	p->section = partlen == 6 ? SEC_ROUTE_FIELDS : SEC_ROUTE_SIGNERS;
	return 0;
}

static int
parse_section(struct parser *p, const char *s, size_t n)
{
	const char *close = memchr(s, ']', n), *name = s + 1, *rest;
	size_t namelen, restn, i;

	if (close == NULL)
		return fail(p, "expected '[section]'");
	namelen = (size_t)(close - name);
	trim(&name, &namelen);
	rest = close + 1;
	restn = n - (size_t)(rest - s);
	trim(&rest, &restn);
	if (namelen == 0 || !key_is_valid(name, namelen) || namelen > CONFIG_MAX_KEY ||
	    (restn > 0 && rest[0] != ';' && rest[0] != '#'))
		return fail(p, "expected '[section]'");
	if (namelen >= 5 && memcmp(name, "route", 5) == 0 && (namelen == 5 || is_space(name[5])))
		return parse_route_section(p, name + 5, namelen - 5);
	for (i = SEC_STATE; i <= SEC_SIGNERS; i++) {
		if (strlen(section_names[i]) == namelen && memcmp(section_names[i], name, namelen) == 0) {
			p->section = (enum section)i;
			return 0;
		}
	}
	p->section = SEC_UNKNOWN;
	warn_line(p, "unknown section [%.*s], its keys are ignored", (int)namelen, name);
	return 0;
}

static int
parse_line(struct parser *p, const char *s, size_t n)
{
	const char *eq, *key;
	size_t keylen;

	trim(&s, &n);
	if (n == 0 || s[0] == ';' || s[0] == '#')
		return 0;
	if (s[0] == '[')
		return parse_section(p, s, n);
	eq = memchr(s, '=', n);
	if (eq == NULL || eq == s)
		return fail(p, "expected 'key = value'");
	key = s;
	keylen = (size_t)(eq - s);
	trim(&key, &keylen);
	if (!key_is_valid(key, keylen))
		return fail(p, "expected 'key = value' (a key has only letters, digits, space, _ - .)");
	if (keylen > CONFIG_MAX_KEY)
		return fail(p, "key longer than %d characters", CONFIG_MAX_KEY);
	switch (p->section) {
	case SEC_NONE:
		return fail(p, "expected a [section] line before the first key");
	case SEC_UNKNOWN:
		return 0;
	case SEC_FIELDS:
	case SEC_SIGNERS:
	case SEC_ROUTE_FIELDS:
	case SEC_ROUTE_SIGNERS:
		return parse_map_line(p, key, keylen, eq + 1, n - (size_t)(eq + 1 - s));
	default:
		return parse_key_line(p, key, keylen, eq + 1, n - (size_t)(eq + 1 - s));
	}
}

/*
 * Adds the global lines a route's own do not name, after them (shallow copies: the
 * strings stay the global list's).
 */
static int
inherit(struct config_map **map, size_t *n, size_t *nown, const struct config_map *global, size_t nglobal)
{
	struct config_map *grown;
	size_t i, j;

	if (nglobal == 0)
		return 0;
	if ((grown = realloc(*map, (*n + nglobal) * sizeof *grown)) == NULL)
		return -1;
	*map = grown;
	for (i = 0; i < nglobal; i++) {
		for (j = 0; j < *nown && strcmp(grown[j].name, global[i].name) != 0; j++)
			;
		if (j == *nown)
			grown[(*n)++] = global[i];
	}
	return 0;
}

/* At the end of the file: each route has what it needs, and the global lines it inherits. */
static int
finish_routes(struct parser *p)
{
	struct config *c = p->cfg;
	size_t i;

	for (i = 0; i < c->nroutes; i++) {
		struct config_route *r = &c->routes[i];
		const char *missing = r->pipeline_id == NULL ? "pipeline_id" :
		    r->trigger_status_id == NULL ? "trigger_status_id" :
		    r->template_id == NULL ? "template_id" : NULL;

		p->line = r->line;
		if (missing != NULL)
			return fail(p, "[route %s] %s is required (a route sends the template_id when a "
			    "lead enters the trigger_status_id of the pipeline_id)", r->name, missing);
		if (inherit(&r->fields, &r->nfields, &r->nown_fields, c->fields, c->nfields) < 0 ||
		    inherit(&r->signers, &r->nsigners, &r->nown_signers, c->signers, c->nsigners) < 0)
			return oom(p);
		if (r->nsigners == 0)
			return fail(p, "[route %s] signers: none; add a [route %s signers] or [signers] line "
			    "(the template role that signs, e.g. Client = contact.main)", r->name, r->name);
	}
	return 0;
}

static int
set_default(char **slot, const char *value)
{
	if (*slot != NULL)
		return 0;
	return (*slot = strdup(value)) == NULL ? -1 : 0;
}

static int
apply_defaults(struct config *c)
{
	char buf[128];

	if (c->kommo.subdomain != NULL) {
		snprintf(buf, sizeof buf, "https://%s.kommo.com", c->kommo.subdomain);
		if (set_default(&c->kommo.base_url, buf) < 0)
			return -1;
	}
	if (set_default(&c->kommo.task_type_id, "1") < 0 || set_default(&c->zoho.dc, "eu") < 0 ||
	    set_default(&c->zoho.date_format, "dd/MM/yyyy") < 0 ||
	    set_default(&c->zoho.time_zone, "UTC") < 0 ||
	    set_default(&c->kommo.oauth_url, "https://www.kommo.com/oauth") < 0)
		return -1;
	/* Canada is the one data centre outside the zoho.<dc> pattern. */
	if (strcmp(c->zoho.dc, "ca") == 0)
		snprintf(buf, sizeof buf, "https://accounts.zohocloud.ca");
	else
		snprintf(buf, sizeof buf, "https://accounts.zoho.%s", c->zoho.dc);
	if (set_default(&c->zoho.accounts_url, buf) < 0)
		return -1;
	if (strcmp(c->zoho.dc, "ca") == 0)
		snprintf(buf, sizeof buf, "https://sign.zohocloud.ca/api/v1");
	else
		snprintf(buf, sizeof buf, "https://sign.zoho.%s/api/v1", c->zoho.dc);
	return set_default(&c->zoho.sign_url, buf);
}

int
config_parse(const char *text, size_t len, const char *filename, struct config *out,
    config_warn_fn warn, void *warn_arg, char *err, size_t errlen)
{
	struct parser p;
	size_t pos = 0;

	memset(out, 0, sizeof *out);
	memset(&p, 0, sizeof p);
	msg_set(err, errlen, "%s", "");
	if (filename == NULL)
		filename = "config";
	if (text == NULL)
		len = 0;
	p.file = filename;
	p.cfg = out;
	p.warn = warn;
	p.warn_arg = warn_arg;
	p.err = err;
	p.errlen = errlen;
	out->kommo.task_due_hours = 24;
	out->kommo.progress_notes = 1;
	out->limits.http_timeout = 20;
	out->limits.kommo_calls_per_second = 6; /* Kommo allows 7 */
	out->limits.zoho_calls_per_minute = 45; /* Zoho Sign allows 50 */
	out->limits.kommo_ban_pause_minutes = 30;
	out->limits.give_up_hours = 72;
	out->limits.after_answer_seconds = 25;
	out->limits.drainers = 2;
	out->limits.cron_drain_seconds = 280; /* for a cron line every 5 minutes */
	out->mariadb.port = 3306;
	if ((out->path = strdup(filename)) == NULL) {
		oom(&p);
		goto fail;
	}
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		pos += n + (nl ? 1 : 0);
		p.line++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (p.line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
			s += 3; /* byte order mark that some Windows editors write */
			n -= 3;
		}
		if (parse_line(&p, s, n) < 0)
			goto fail;
	}
	if (finish_routes(&p) < 0)
		goto fail;
	if (apply_defaults(out) < 0) {
		msg_set(err, errlen, "%s: out of memory", filename);
		goto fail;
	}
	return 0;
fail:
	config_free(out);
	return -1;
}

static int
missing(const struct config *cfg, char *err, size_t errlen, const char *section,
    const char *key, const char *why)
{
	msg_set(err, errlen, "%s: [%s] %s is required (%s)", cfg->path ? cfg->path : "config",
	    section, key, why);
	return -1;
}

static int
check_kommo_api(const struct config *c, char *err, size_t errlen)
{
	if (c->kommo.base_url == NULL && c->kommo.subdomain == NULL)
		return missing(c, err, errlen, "kommo", "subdomain",
		    "the Kommo account name, acme for https://acme.kommo.com; or set base_url");
	if (c->kommo.token != NULL)
		return 0;
	if (c->kommo.client_id == NULL)
		return missing(c, err, errlen, "kommo", "token",
		    "a long-lived token to call the Kommo API, or client_id and client_secret for OAuth");
	if (c->kommo.client_secret == NULL)
		return missing(c, err, errlen, "kommo", "client_secret",
		    "with client_id, to call the Kommo API through OAuth; or set token");
	return 0;
}

static int
check_zoho_api(const struct config *c, char *err, size_t errlen, const char *what)
{
	if (c->zoho.client_id == NULL)
		return missing(c, err, errlen, "zoho", "client_id", what);
	if (c->zoho.client_secret == NULL)
		return missing(c, err, errlen, "zoho", "client_secret", what);
	return 0;
}

/* The [kommo] and [zoho] keys make a route of their own, unless [route] sections alone are
 * meant: routes without [kommo] pipeline_id or trigger_status_id. */
static int
default_route_used(const struct config *c)
{
	return c->nroutes == 0 || c->kommo.pipeline_id != NULL || c->kommo.trigger_status_id != NULL;
}

/* [state] backend = mariadb: the [mariadb] keys it cannot do without. */
static int
check_mariadb(const struct config *c, char *err, size_t errlen)
{
#ifndef KZS_MARIADB
	msg_set(err, errlen, "%s: [state] backend = mariadb, but these programs were built without "
	    "MariaDB support (install libmariadb-dev and run make again)", c->path ? c->path : "config");
	return -1;
#else
	if (c->mariadb.host == NULL && c->mariadb.socket == NULL)
		return missing(c, err, errlen, "mariadb", "socket",
		    "the server's Unix socket, or host (and port) to reach it over TCP");
	if (c->mariadb.database == NULL)
		return missing(c, err, errlen, "mariadb", "database", "the database holding the state tables");
	if (c->mariadb.user == NULL)
		return missing(c, err, errlen, "mariadb", "user", "the database user the programs log in as");
	if (c->mariadb.password_file == NULL)
		return missing(c, err, errlen, "mariadb", "password_file",
		    "a file (mode 600) holding that user's password");
	return 0;
#endif
}

int
config_check(const struct config *c, unsigned needs, char *err, size_t errlen)
{
	if (c->state_backend == CONFIG_BACKEND_MARIADB && check_mariadb(c, err, errlen) < 0)
		return -1;
	if (needs == 0)
		return 0;
	if (c->state_dir == NULL)
		return missing(c, err, errlen, "state", "dir",
		    "the directory where queued events, jobs and tokens are kept");
	if (needs & CONFIG_NEED_KOMMO_HOOK) {
		if (c->kommo.account_id == NULL)
			return missing(c, err, errlen, "kommo", "account_id",
			    "webhooks from any other Kommo account are refused");
		if (c->kommo.hook_secret == NULL)
			return missing(c, err, errlen, "kommo", "hook_secret",
			    "kommo-hook accepts only requests carrying ?secret=<this>");
		if (check_kommo_api(c, err, errlen) < 0)
			return -1;
		if (check_zoho_api(c, err, errlen, "to send contracts through the Zoho Sign API") < 0)
			return -1;
	}
	if ((needs & CONFIG_NEED_KOMMO_HOOK) && default_route_used(c)) {
		if (c->kommo.pipeline_id == NULL)
			return missing(c, err, errlen, "kommo", "pipeline_id",
			    "the pipeline whose trigger stage sends contracts");
		if (c->kommo.trigger_status_id == NULL)
			return missing(c, err, errlen, "kommo", "trigger_status_id",
			    "the stage that sends a contract when a lead enters it");
		if (c->zoho.template_id == NULL)
			return missing(c, err, errlen, "zoho", "template_id",
			    "the Zoho Sign template the contract is made from");
		if (c->nsigners == 0) {
			msg_set(err, errlen, "%s: [signers] at least one entry is required "
			    "(the template role that signs, e.g. Client = contact.main)",
			    c->path ? c->path : "config");
			return -1;
		}
	}
	if (needs & CONFIG_NEED_ZOHO_HOOK) {
		if (c->zoho.webhook_secret == NULL)
			return missing(c, err, errlen, "zoho", "webhook_secret",
			    "the HMAC key that signs Zoho Sign webhooks, set in Zoho Sign > Webhooks");
		if (c->kommo.signed_status_id == NULL && default_route_used(c))
			return missing(c, err, errlen, "kommo", "signed_status_id",
			    "the stage a lead moves to once the contract is signed");
		if (check_kommo_api(c, err, errlen) < 0)
			return -1;
		if (check_zoho_api(c, err, errlen, "to download the signed document from Zoho Sign") < 0)
			return -1;
	}
	if (needs & CONFIG_NEED_OAUTH) {
		if (check_zoho_api(c, err, errlen, "from the Zoho API console, for the OAuth flow") < 0)
			return -1;
		if (c->zoho.redirect_uri == NULL)
			return missing(c, err, errlen, "zoho", "redirect_uri",
			    "the oauth-callback address, exactly as registered in the Zoho API console");
	}
	return 0;
}

const char *
config_default_path(char *buf, size_t buflen)
{
	struct passwd *pw = getpwuid(geteuid());
	int n;

	if (buf == NULL || pw == NULL || pw->pw_dir == NULL || pw->pw_dir[0] != '/')
		return NULL;
	n = snprintf(buf, buflen, "%s/kzs/kzs.conf", strcmp(pw->pw_dir, "/") == 0 ? "" : pw->pw_dir);
	if (n < 0 || (size_t)n >= buflen)
		return NULL;
	return buf;
}

/* Reads at most CONFIG_MAX_SIZE bytes of fd into a new buffer; -1 with errno, or -2 if larger. */
static int
read_all(int fd, size_t hint, char **out, size_t *outlen)
{
	size_t cap = hint + 1 > 4096 ? hint + 1 : 4096, len = 0;
	char *buf = NULL, *grown;
	ssize_t r;

	if (cap > CONFIG_MAX_SIZE + 1)
		cap = CONFIG_MAX_SIZE + 1;
	if ((buf = malloc(cap)) == NULL)
		return -1;
	for (;;) {
		if (len == cap) {
			if (cap > CONFIG_MAX_SIZE) {
				free(buf);
				return -2;
			}
			cap = cap * 2 > CONFIG_MAX_SIZE + 1 ? CONFIG_MAX_SIZE + 1 : cap * 2;
			if ((grown = realloc(buf, cap)) == NULL) {
				free(buf);
				return -1;
			}
			buf = grown;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;
			free(buf);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > CONFIG_MAX_SIZE) {
		free(buf);
		return -2;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

int
config_load(const char *path, unsigned needs, struct config *out,
    config_warn_fn warn, void *warn_arg, char *err, size_t errlen)
{
	char defbuf[4096], msg[1024];
	const char *env = getenv("KZS_CONFIG"), *how;
	struct stat st;
	char *text;
	size_t len;
	int fd, rc;

	memset(out, 0, sizeof *out);
	if (path != NULL && path[0] != '\0') {
		how = "check the path given, or set KZS_CONFIG to the config file's path";
	} else if (env != NULL && env[0] != '\0') {
		path = env;
		how = "it was named by KZS_CONFIG; set KZS_CONFIG to the config file's path";
	} else {
		path = config_default_path(defbuf, sizeof defbuf);
		how = "this is the default location; put the file there, "
		    "or set KZS_CONFIG to the config file's path";
		if (path == NULL) {
			msg_set(err, errlen, "cannot find the home directory of uid %ld for the "
			    "default config file ~/kzs/kzs.conf; set KZS_CONFIG to the config file's path",
			    (long)geteuid());
			return -1;
		}
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		msg_set(err, errlen, "%s: cannot read the config file: %s (%s)", path,
		    strerror(errno), how);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		msg_set(err, errlen, "%s: cannot read the config file: %s (%s)", path,
		    strerror(errno), how);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		msg_set(err, errlen, "%s: cannot read the config file: not a regular file (%s)",
		    path, how);
		close(fd);
		return -1;
	}
	if (st.st_size > CONFIG_MAX_SIZE) {
		msg_set(err, errlen, "%s: larger than 1 MiB; is this the config file?", path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0 && warn != NULL) {
		snprintf(msg, sizeof msg, "%s: readable by others; chmod 600 %s", path, path);
		warn(path, 0, msg, warn_arg);
	}
	rc = read_all(fd, (size_t)st.st_size, &text, &len);
	if (rc < 0) {
		if (rc == -2)
			msg_set(err, errlen, "%s: larger than 1 MiB; is this the config file?", path);
		else
			msg_set(err, errlen, "%s: cannot read the config file: %s (%s)", path,
			    strerror(errno), how);
		close(fd);
		return -1;
	}
	close(fd);
	rc = config_parse(text, len, path, out, warn, warn_arg, err, errlen);
	free(text);
	if (rc < 0)
		return -1;
	if (!zone_installed(out->zoho.time_zone)) {
		msg_set(err, errlen, "%s: [zoho] time_zone %s: no such zone in this machine's time zone "
		    "database (%s); check the spelling, e.g. Europe/Amsterdam", path, out->zoho.time_zone,
		    zone_dir());
		config_free(out);
		return -1;
	}
	if (config_check(out, needs, err, errlen) < 0) {
		config_free(out);
		return -1;
	}
	return 0;
}

static void
map_free(struct config_map *map, size_t n)
{
	size_t i;

	for (i = 0; map != NULL && i < n; i++) {
		free(map[i].name);
		free(map[i].source);
	}
	free(map);
}

/* The kinds kept as an int in the struct, not as an owned string. */
static int
kind_is_number(enum kind kind)
{
	switch (kind) {
	case KIND_HOURS: case KIND_BOOL: case KIND_SECONDS: case KIND_RUN: case KIND_RATE:
	case KIND_MINUTES: case KIND_PROCS: case KIND_LANGUAGE: case KIND_BACKEND: case KIND_PORT:
		return 1;
	default:
		return 0;
	}
}

void
config_free(struct config *cfg)
{
	size_t i, k;

	if (cfg == NULL)
		return;
	for (i = 0; i < NKEYS; i++) {
		if (!kind_is_number(keys[i].kind))
			free(*(char **)(void *)((char *)cfg + keys[i].offset));
	}
	free(cfg->path);
	map_free(cfg->fields, cfg->nfields);
	map_free(cfg->signers, cfg->nsigners);
	for (i = 0; i < cfg->nroutes; i++) {
		struct config_route *r = &cfg->routes[i];

		free(r->name);
		for (k = 0; k < NROUTE_KEYS; k++)
			free(*(char **)(void *)((char *)r + route_keys[k].offset));
		free(r->when_value);
		map_free(r->fields, r->nown_fields); /* the inherited lines are the global lists' */
		map_free(r->signers, r->nown_signers);
	}
	free(cfg->routes);
	memset(cfg, 0, sizeof *cfg);
}
