/*
 * config: the one INI file every program reads (see deploy/kzs.conf.example).
 * Parsing is pure (text in, struct out); loading adds the file lookup and permission check.
 */
#ifndef KZS_CONFIG_H
#define KZS_CONFIG_H

#include <stddef.h>

#include "texts.h"

/*
 * One "name = source" line of [fields] or [signers], in file order. A literal keeps
 * its double quotes in source ("\"ACME Ltd\"", the only values starting with '"'), so
 * the resolver can tell the literal text from a source name like lead.price.
 */
struct config_map {
	char *name;   /* template field name, or template role */
	char *source; /* lead.price, contact.cf.123, today, "literal", contact.main, ... */
	int line;     /* line number in the file, for messages */
};

/* The sources a [fields] line may name, as said in messages. */
#define CONFIG_FIELD_SOURCES_TEXT                                                  \
	"lead.id lead.name lead.price lead.cf.<field id> contact.name "            \
	"contact.first_name contact.last_name contact.email contact.phone "        \
	"contact.cf.<field id> company.name company.cf.<field id> today, "         \
	"or a \"quoted literal\""

/* The sources a [signers] line may name, as said in messages. */
#define CONFIG_SIGNER_SOURCES_TEXT                                                 \
	"contact.main, contact.other, contact.cf.<field id>, user.responsible, "   \
	"user.<user id>, fixed: Name <email>, or lead.cf.<field id> (the e-mail) " \
	"with an optional name lead.cf.<field id> (the name)"

/* Who fills a template role: the value of one [signers] line, parsed. */
enum config_signer_kind {
	CONFIG_SIGNER_CONTACT_MAIN,     /* contact.main: the deal's main contact */
	CONFIG_SIGNER_CONTACT_OTHER,    /* contact.other: the first linked contact not the main one */
	CONFIG_SIGNER_CONTACT_CF,       /* contact.cf.<id>: the linked contact whose field <id> is the role */
	CONFIG_SIGNER_USER_RESPONSIBLE, /* user.responsible: the deal's responsible Kommo user */
	CONFIG_SIGNER_USER,             /* user.<id>: this Kommo user */
	CONFIG_SIGNER_FIXED,            /* fixed: Jane Roe <jane@ourco.example> */
	CONFIG_SIGNER_LEAD_CF,          /* lead.cf.<id> [name lead.cf.<id2>]: e-mail (and name) on the deal */
};

#define CONFIG_EMAIL_MAX 254

struct config_signer {
	enum config_signer_kind kind;
	char id[20];      /* the field id (contact.cf, lead.cf's e-mail) or the user id */
	char name_id[20]; /* lead.cf: the field id of the name, "" when none */
	char name[128];   /* fixed: the name */
	char email[CONFIG_EMAIL_MAX + 1]; /* fixed: the e-mail address */
};

/*
 * Parses the value of a [signers] line. 0, or -1 with why (never quoting the value).
 * The same parse serves loading (config_parse), reading the deal and filling.
 */
int config_signer_parse(const char *source, struct config_signer *out, char *why, size_t whylen);

/* 1 when text has the shape of an e-mail address: one @, a dot in the domain, no
 * spaces, angle brackets, quotes, commas or control characters, at most CONFIG_EMAIL_MAX. */
int config_email_valid(const char *text);

/* 1 when a template field or role can be named on the left of a [fields] or [signers]
 * line as it is (letters, digits, space, _ - . and UTF-8; no space at either end). */
int config_map_name_valid(const char *name);

/*
 * One [route NAME] section: a pipeline's trigger stage, the template it sends, the
 * stages of the outcome, and an optional condition on a lead field. Its [route NAME
 * fields] and [route NAME signers] lines come first in fields and signers (nown_*),
 * then the global [fields] and [signers] lines they do not name (shallow copies, owned
 * by struct config's own lists).
 */
struct config_route {
	char *name;
	int line; /* of the [route NAME] line, for messages */
	char *pipeline_id, *trigger_status_id, *template_id;
	char *signed_status_id, *declined_status_id; /* NULL: the deal is not moved */
	char *when_field; /* "lead.cf.<id>" of when = lead.cf.<id> = "value"; NULL: always */
	char *when_value; /* the value it must equal, without quotes */
	struct config_map *fields;
	size_t nfields, nown_fields;
	struct config_map *signers;
	size_t nsigners, nown_signers;
};

/* Where the state is kept: [state] backend. */
enum config_backend {
	CONFIG_BACKEND_GDBM,    /* GDBM files in [state] dir (the default) */
	CONFIG_BACKEND_MARIADB, /* tables in the [mariadb] database, shared by several hosts */
};

/* Every string is owned by the struct; a key that is absent or empty is NULL. */
struct config {
	char *path;      /* file it was read from */
	char *state_dir; /* [state] dir: the state files, or with mariadb this host's own files */
	enum config_backend state_backend; /* [state] backend */

	struct {
		char *host;   /* TCP host, when no socket */
		int port;     /* default 3306 */
		char *socket; /* Unix socket path */
		char *database, *user;
		char *password_file; /* the password, one line (a trailing newline is not part of it) */
		int tls;             /* TLS with the server's certificate verified; default 0 */
	} mariadb;

	struct {
		char *subdomain;
		char *base_url; /* https://<subdomain>.kommo.com unless set */
		char *account_id;
		char *token; /* long-lived token; empty means OAuth */
		char *client_id, *client_secret, *redirect_uri;
		char *oauth_url; /* Kommo's authorize page; default https://www.kommo.com/oauth */
		char *hook_secret;
		char *pipeline_id;
		char *trigger_status_id;
		char *signed_status_id;
		char *declined_status_id; /* may be empty */
		char *task_type_id;       /* default "1" */
		int task_due_hours;       /* default 24 */
		int progress_notes;       /* default 1 */
		char *status_field_id;    /* a lead field showing the contract status; may be empty */
		char *status_values;      /* "sent:Sent, viewed:Viewed, ..." (checked by config_status_word) */
		char *request_field_id;   /* a lead field given the Zoho Sign request id; may be empty */
		enum texts_lang language; /* of the notes and tasks on deals; default en */
	} kommo;

	struct {
		char *dc; /* com eu in com.au jp sa ca; default eu */
		char *accounts_url; /* derived from dc unless set */
		char *sign_url;     /* derived from dc unless set, ends in /api/v1 */
		char *client_id, *client_secret, *redirect_uri;
		char *refresh_token; /* optional: one obtained elsewhere (self-client) */
		char *webhook_secret;
		char *template_id;
		int attach_certificate; /* default 0 */
		int resend_on_expiry;   /* default 0 */
		char *date_format;      /* how "today" is written (datefmt_write); default dd/MM/yyyy */
		char *time_zone;        /* whose "today", and the times in notes; default UTC */
	} zoho;

	struct {
		/* Opens oauth-callback's start page (?secret=); empty leaves it to the web
		 * server's own login (REMOTE_USER). */
		char *secret;
	} admin;

	struct {
		/* Log lines are appended here (0600, created if absent) instead of going to
		 * stderr, for hosts whose error log the user cannot read. */
		char *file;
	} log;

	struct {
		int http_timeout; /* seconds for one call to Kommo or Zoho; default 20 */
		int kommo_calls_per_second; /* shared by all processes; default 6 */
		int zoho_calls_per_minute;  /* shared by all processes; default 45 */
		int kommo_ban_pause_minutes; /* no Kommo call this long after a 403; default 30 */
		int give_up_hours;          /* a job failing this long becomes a dead letter; 72 */
		int after_answer_seconds;   /* a web process works on jobs this long after answering; 25 */
		int drainers;               /* processes working on jobs after answering, at most; 2 */
		int cron_drain_seconds;     /* length of a kzsctl drain run (the cron line); 280 */
	} limits;

	struct config_map *fields;
	size_t nfields;
	struct config_map *signers;
	size_t nsigners;

	/* The [route NAME] sections in file order; tried before the default route
	 * ([kommo] pipeline_id, trigger_status_id, [zoho] template_id), see lib/route.h. */
	struct config_route *routes;
	size_t nroutes;
};

/* What a program needs to be present; config_check reports the first missing key. */
enum config_need {
	CONFIG_NEED_KOMMO_HOOK = 1 << 0, /* kommo: account, secret, pipeline, stages, auth; zoho: template, auth */
	CONFIG_NEED_ZOHO_HOOK = 1 << 1,  /* zoho: webhook_secret, auth; kommo: API access, signed stage */
	CONFIG_NEED_OAUTH = 1 << 2,      /* zoho: client_id, client_secret, redirect_uri */
};

/*
 * Called once per warning (unknown key, loose permissions); line is 0 when not tied to a
 * line. message is complete, already starting with "file:line: " (or "file: ").
 */
typedef void (*config_warn_fn)(const char *file, int line, const char *message, void *arg);

/*
 * Parses INI text and applies defaults and derived URLs. *out is overwritten, not freed;
 * on error it is left zeroed, returns -1 and err holds
 * "file:line: [section] key: what is expected". warn may be NULL (warnings dropped).
 * Never copies a value from the file into err or a warning.
 */
int config_parse(const char *text, size_t len, const char *filename, struct config *out,
    config_warn_fn warn, void *warn_arg, char *err, size_t errlen);

/*
 * Finds the file (path if not NULL, else $KZS_CONFIG, else config_default_path()),
 * reads and parses it, applies defaults and derived URLs, and checks `needs`.
 * Warns when the file is readable by group or others.
 */
int config_load(const char *path, unsigned needs, struct config *out,
    config_warn_fn warn, void *warn_arg, char *err, size_t errlen);

/*
 * The contract statuses a lead's [kommo] status_field_id shows, in the order they may
 * follow one another, and the word written for each: its entry in [kommo] status_values
 * ("sent:Sent, viewed:Viewed, ...", any subset, in any order), else the status with a
 * capital letter ("Sent"). 0 with the word in buf; -1 for a status not in the list.
 */
#define CONFIG_STATUS_NAMES { "sent", "viewed", "signed", "declined", "expired", "recalled" }
int config_status_word(const struct config *cfg, const char *status, char *buf, size_t len);

/* Checks that the keys a program needs are set; -1 with "file: [section] key is required ..." */
int config_check(const struct config *cfg, unsigned needs, char *err, size_t errlen);

/* The documented default location: ~/kzs/kzs.conf of the user the program runs as
 * (home from getpwuid(geteuid()), not $HOME). Returns buf, or NULL if unknown. */
const char *config_default_path(char *buf, size_t buflen);

void config_free(struct config *cfg);

#endif
