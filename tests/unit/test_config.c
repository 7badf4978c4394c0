/*
 * Unit tests for lib/config.c: parsing, defaults, every class of error with its exact
 * file:line, secrets kept out of every message, config_check and config_load.
 */
#include "check.h"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every secret in the test files contains this, so a leak is one strstr away. */
#define SECRET_MARK "S3CR3T"

struct warnings {
	int count;
	int last_line;
	char last_file[256];
	char text[8192]; /* every message, each followed by " | " */
};

static void
collect(const char *file, int line, const char *message, void *arg)
{
	struct warnings *w = arg;
	size_t used = strlen(w->text);

	w->count++;
	w->last_line = line;
	snprintf(w->last_file, sizeof w->last_file, "%s", file);
	snprintf(w->text + used, sizeof w->text - used, "%s | ", message);
}

static const char full_text[] =
	"[state]\n"
	"dir = /home/acme/kzs/state\n"
	"\n"
	"[kommo]\n"
	"subdomain = acme                 ; API base https://acme.kommo.com/api/v4\n"
	"base_url =                       ; optional override of https://<subdomain>.kommo.com\n"
	"account_id = 12345678            ; webhooks from any other account are refused\n"
	"token = kommo-token-" SECRET_MARK "-0123456789abcdef ; long-lived token\n"
	"client_id = kommo-client-id\n"
	"client_secret = kommo-client-secret-" SECRET_MARK "\n"
	"redirect_uri = https://example.com/cgi-bin/kommo-oauth\n"
	"oauth_url = http://127.0.0.1:9/oauth/   ; a test server's authorize page\n"
	"hook_secret = hook-" SECRET_MARK "-0123456789abcdef   ; kommo-hook requires ?secret=<this>\n"
	"pipeline_id = 8572511\n"
	"trigger_status_id = 67548619     ; the \"Contract\" stage\n"
	"signed_status_id = 67548625      ; where a completed deal goes\n"
	"declined_status_id =             ; optional\n"
	"task_type_id = 2\n"
	"task_due_hours = 48\n"
	"progress_notes = off\n"
	"\n"
	"[zoho]\n"
	"dc = eu                          ; com eu in com.au jp sa ca\n"
	"accounts_url =                   ; optional override, e.g. https://accounts.zoho.eu\n"
	"sign_url =                       ; optional override of https://sign.zoho.<dc>/api/v1\n"
	"client_id = 1000.ABCDEFGHIJ\n"
	"client_secret = zoho-client-secret-" SECRET_MARK "\n"
	"redirect_uri = https://example.com/cgi-bin/oauth-callback\n"
	"refresh_token = 1000.refresh." SECRET_MARK "\n"
	"webhook_secret = webhook-" SECRET_MARK "-0123456789abcdef ; HMAC key set in Zoho Sign > Webhooks\n"
	"template_id = 123456789012345678\n"
	"attach_certificate = yes\n"
	"resend_on_expiry = TRUE\n"
	"\n"
	"[fields]                         ; template field name = source\n"
	"CompanyName = company.name\n"
	"ContractDate = today\n"
	"DealAmount = lead.price\n"
	"Client Email = contact.email\n"
	"Note = \"Payable in EUR; net 30 # days\"\n"
	"Budget = lead.cf.123456\n"
	"\n"
	"[signers]                        ; template role = who signs\n"
	"Client = contact.main\n"
	"\n"
	"[admin]\n"
	"secret = admin-" SECRET_MARK "-0123456789abcdef ; opens oauth-callback's start page\n";

static int
parse(const char *text, struct config *cfg, struct warnings *w, char *err, size_t errlen)
{
	if (w != NULL)
		memset(w, 0, sizeof *w);
	return config_parse(text, strlen(text), "t.conf", cfg, collect, w, err, errlen);
}

/* Parses text that must fail; returns the message (static buffer). */
static const char *
parse_error(const char *text)
{
	static char err[1024];
	struct config cfg;
	struct warnings w;
	int rc;

	strcpy(err, "(parse succeeded)");
	rc = parse(text, &cfg, &w, err, sizeof err);
	if (rc == 0) {
		config_free(&cfg);
		strcpy(err, "(parse succeeded)");
	}
	return err;
}

static int
starts_with(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void
test_full_file(void)
{
	struct config cfg;
	struct warnings w;
	char err[512] = "";
	int rc = parse(full_text, &cfg, &w, err, sizeof err);

	CHECK(rc == 0, "full example parses (%s)", err);
	if (rc != 0)
		return;
	CHECK(w.count == 0, "full example gives no warning (%s)", w.text);
	CHECK_STR(cfg.path, "t.conf", "path is the file name");
	CHECK_STR(cfg.state_dir, "/home/acme/kzs/state", "[state] dir");
	CHECK_STR(cfg.kommo.subdomain, "acme", "kommo subdomain, inline comment cut");
	CHECK_STR(cfg.kommo.base_url, "https://acme.kommo.com", "kommo base_url derived");
	CHECK_STR(cfg.kommo.account_id, "12345678", "kommo account_id");
	CHECK_STR(cfg.kommo.token, "kommo-token-" SECRET_MARK "-0123456789abcdef", "kommo token");
	CHECK_STR(cfg.kommo.client_id, "kommo-client-id", "kommo client_id");
	CHECK_STR(cfg.kommo.client_secret, "kommo-client-secret-" SECRET_MARK, "kommo client_secret");
	CHECK_STR(cfg.kommo.redirect_uri, "https://example.com/cgi-bin/kommo-oauth", "kommo redirect_uri");
	CHECK_STR(cfg.kommo.oauth_url, "http://127.0.0.1:9/oauth", "kommo oauth_url, '/' stripped");
	CHECK_STR(cfg.admin.secret, "admin-" SECRET_MARK "-0123456789abcdef", "[admin] secret");
	CHECK_STR(cfg.kommo.hook_secret, "hook-" SECRET_MARK "-0123456789abcdef", "kommo hook_secret");
	CHECK_STR(cfg.kommo.pipeline_id, "8572511", "kommo pipeline_id");
	CHECK_STR(cfg.kommo.trigger_status_id, "67548619", "kommo trigger_status_id");
	CHECK_STR(cfg.kommo.signed_status_id, "67548625", "kommo signed_status_id");
	CHECK(cfg.kommo.declined_status_id == NULL, "empty declined_status_id is NULL");
	CHECK_STR(cfg.kommo.task_type_id, "2", "kommo task_type_id");
	CHECK(cfg.kommo.task_due_hours == 48, "task_due_hours 48 (got %d)", cfg.kommo.task_due_hours);
	CHECK(cfg.kommo.progress_notes == 0, "progress_notes off");
	CHECK_STR(cfg.zoho.dc, "eu", "zoho dc");
	CHECK_STR(cfg.zoho.accounts_url, "https://accounts.zoho.eu", "zoho accounts_url derived");
	CHECK_STR(cfg.zoho.sign_url, "https://sign.zoho.eu/api/v1", "zoho sign_url derived");
	CHECK_STR(cfg.zoho.client_id, "1000.ABCDEFGHIJ", "zoho client_id");
	CHECK_STR(cfg.zoho.client_secret, "zoho-client-secret-" SECRET_MARK, "zoho client_secret");
	CHECK_STR(cfg.zoho.redirect_uri, "https://example.com/cgi-bin/oauth-callback", "zoho redirect_uri");
	CHECK_STR(cfg.zoho.refresh_token, "1000.refresh." SECRET_MARK, "zoho refresh_token");
	CHECK_STR(cfg.zoho.webhook_secret, "webhook-" SECRET_MARK "-0123456789abcdef", "zoho webhook_secret");
	CHECK_STR(cfg.zoho.template_id, "123456789012345678", "zoho template_id stays text");
	CHECK(cfg.zoho.attach_certificate == 1, "attach_certificate yes");
	CHECK(cfg.zoho.resend_on_expiry == 1, "resend_on_expiry TRUE");
	CHECK(cfg.nfields == 6, "six [fields] lines (got %zu)", cfg.nfields);
	if (cfg.nfields == 6) {
		CHECK_STR(cfg.fields[0].name, "CompanyName", "field 1 name");
		CHECK_STR(cfg.fields[0].source, "company.name", "field 1 source");
		CHECK(cfg.fields[0].line == 36, "field 1 line 36 (got %d)", cfg.fields[0].line);
		CHECK_STR(cfg.fields[1].name, "ContractDate", "field 2 name, file order kept");
		CHECK_STR(cfg.fields[1].source, "today", "field 2 source");
		CHECK_STR(cfg.fields[2].source, "lead.price", "field 3 source");
		CHECK_STR(cfg.fields[3].name, "Client Email", "field name with a space");
		CHECK_STR(cfg.fields[3].source, "contact.email", "field 4 source");
		CHECK_STR(cfg.fields[4].source, "\"Payable in EUR; net 30 # days\"",
		    "literal keeps its quotes and its ; and #");
		CHECK_STR(cfg.fields[5].source, "lead.cf.123456", "custom field source");
	}
	CHECK(cfg.nsigners == 1, "one signer");
	if (cfg.nsigners == 1) {
		CHECK_STR(cfg.signers[0].name, "Client", "signer role");
		CHECK_STR(cfg.signers[0].source, "contact.main", "signer source");
		CHECK(cfg.signers[0].line == 44, "signer line 44 (got %d)", cfg.signers[0].line);
	}
	CHECK(config_check(&cfg, CONFIG_NEED_KOMMO_HOOK | CONFIG_NEED_ZOHO_HOOK | CONFIG_NEED_OAUTH,
	    err, sizeof err) == 0, "full example satisfies every need (%s)", err);
	config_free(&cfg);
	CHECK(cfg.path == NULL && cfg.fields == NULL && cfg.nfields == 0, "config_free zeroes the struct");
	config_free(&cfg); /* a second free of the zeroed struct must be harmless */
}

static void
test_comments_and_quotes(void)
{
	struct config cfg;
	struct warnings w;
	char err[512] = "";
	const char *text =
		"\xEF\xBB\xBF; leading comment after a byte order mark\r\n"
		"# hash comment\r\n"
		"   ; indented comment\r\n"
		"[kommo]   # comment after a header\r\n"
		"\tsubdomain\t=\tacme-2\t\r\n"
		"token = abc#def;ghi\r\n"
		"client_id = \"id ; with # marks\"   ; real comment\r\n"
		"client_secret = \"\"\r\n"
		"hook_secret = ; only a comment\r\n"
		"redirect_uri = https://example.com/cb/  # trailing slash kept\r\n"
		"[zoho]\r\n"
		"client_secret = a \"quoted\" middle\r\n"
		"template_id = \"  padded  \"\r\n"
		"[fields]\r\n"
		"Empty Literal = \"\"\r\n"
		"Name.with-dots_and_underscores = contact.last_name";

	CHECK(parse(text, &cfg, &w, err, sizeof err) == 0, "comments, quotes and CRLF parse (%s)", err);
	if (err[0] != '\0')
		return;
	CHECK_STR(cfg.kommo.subdomain, "acme-2", "tabs trimmed, CR dropped");
	CHECK_STR(cfg.kommo.token, "abc#def;ghi", "; and # without whitespace before are kept");
	CHECK_STR(cfg.kommo.client_id, "id ; with # marks", "quotes removed, ; and # inside kept");
	CHECK(cfg.kommo.client_secret == NULL, "\"\" is unset (NULL)");
	CHECK(cfg.kommo.hook_secret == NULL, "a value that is only a comment is unset");
	CHECK_STR(cfg.kommo.redirect_uri, "https://example.com/cb/", "redirect_uri kept exactly");
	CHECK_STR(cfg.zoho.client_secret, "a \"quoted\" middle", "quotes not at the start are text");
	CHECK_STR(cfg.zoho.template_id, "  padded  ", "spaces inside quotes kept");
	CHECK(cfg.nfields == 2, "two fields");
	if (cfg.nfields == 2) {
		CHECK_STR(cfg.fields[0].source, "\"\"", "empty literal kept with its quotes");
		CHECK_STR(cfg.fields[1].name, "Name.with-dots_and_underscores", "field name characters");
		CHECK_STR(cfg.fields[1].source, "contact.last_name", "last line without newline");
		CHECK(cfg.fields[1].line == 16, "last line number 16 (got %d)", cfg.fields[1].line);
	}
	config_free(&cfg);
}

static void
test_defaults(void)
{
	static const struct {
		const char *dc, *accounts, *sign;
	} dcs[] = {
		{ "com", "https://accounts.zoho.com", "https://sign.zoho.com/api/v1" },
		{ "eu", "https://accounts.zoho.eu", "https://sign.zoho.eu/api/v1" },
		{ "in", "https://accounts.zoho.in", "https://sign.zoho.in/api/v1" },
		{ "com.au", "https://accounts.zoho.com.au", "https://sign.zoho.com.au/api/v1" },
		{ "jp", "https://accounts.zoho.jp", "https://sign.zoho.jp/api/v1" },
		{ "sa", "https://accounts.zoho.sa", "https://sign.zoho.sa/api/v1" },
		{ "ca", "https://accounts.zohocloud.ca", "https://sign.zohocloud.ca/api/v1" },
	};
	struct config cfg;
	char text[256], err[512] = "";
	size_t i;

	CHECK(parse("", &cfg, NULL, err, sizeof err) == 0, "an empty file parses");
	CHECK_STR(cfg.kommo.task_type_id, "1", "task_type_id defaults to 1");
	CHECK(cfg.kommo.task_due_hours == 24, "task_due_hours defaults to 24");
	CHECK(cfg.kommo.progress_notes == 1, "progress_notes defaults to yes");
	CHECK(cfg.kommo.language == TEXTS_EN, "language defaults to en");
	config_free(&cfg);
	CHECK(parse("[kommo]\nlanguage = pt\n", &cfg, NULL, err, sizeof err) == 0 && cfg.kommo.language == TEXTS_PT,
	    "language = pt (%s)", err);
	config_free(&cfg);
	CHECK(parse("[kommo]\nlanguage = es\n", &cfg, NULL, err, sizeof err) == 0 && cfg.kommo.language == TEXTS_ES,
	    "language = es (%s)", err);
	config_free(&cfg);
	CHECK(parse("", &cfg, NULL, err, sizeof err) == 0, "an empty file parses again");
	CHECK(cfg.limits.http_timeout == 20, "http_timeout defaults to 20 s");
	CHECK(cfg.limits.kommo_calls_per_second == 6 && cfg.limits.zoho_calls_per_minute == 45,
	    "pacing defaults below Kommo's 7/s and Zoho's 50/min");
	CHECK(cfg.limits.kommo_ban_pause_minutes == 30 && cfg.limits.give_up_hours == 72,
	    "ban pause 30 min, give up after 72 h by default");
	CHECK(cfg.limits.cron_drain_seconds == 280, "a cron run lasts 280 s by default (a cron line every 5 min)");
	CHECK(cfg.zoho.attach_certificate == 0 && cfg.zoho.resend_on_expiry == 0, "zoho booleans default to no");
	CHECK_STR(cfg.zoho.dc, "eu", "dc defaults to eu");
	CHECK_STR(cfg.zoho.date_format, "dd/MM/yyyy", "date_format defaults to dd/MM/yyyy");
	CHECK_STR(cfg.zoho.time_zone, "UTC", "time_zone defaults to UTC");
	CHECK_STR(cfg.zoho.accounts_url, "https://accounts.zoho.eu", "accounts_url for default dc");
	CHECK_STR(cfg.zoho.sign_url, "https://sign.zoho.eu/api/v1", "sign_url for default dc");
	CHECK_STR(cfg.kommo.oauth_url, "https://www.kommo.com/oauth", "kommo oauth_url defaults to Kommo's page");
	CHECK(cfg.admin.secret == NULL, "no [admin] secret by default");
	CHECK(cfg.kommo.base_url == NULL, "no subdomain, no base_url");
	CHECK(cfg.state_dir == NULL && cfg.kommo.token == NULL && cfg.nsigners == 0, "unset keys are NULL");
	config_free(&cfg);

	CHECK(parse("[kommo]\ntask_type_id =\ntask_due_hours =\nprogress_notes =\n", &cfg, NULL,
	    err, sizeof err) == 0, "empty values parse");
	CHECK_STR(cfg.kommo.task_type_id, "1", "empty task_type_id takes the default");
	CHECK(cfg.kommo.task_due_hours == 24 && cfg.kommo.progress_notes == 1, "empty numbers take defaults");
	config_free(&cfg);

	for (i = 0; i < sizeof dcs / sizeof dcs[0]; i++) {
		snprintf(text, sizeof text, "[zoho]\ndc = %s\n", dcs[i].dc);
		CHECK(parse(text, &cfg, NULL, err, sizeof err) == 0, "dc %s parses", dcs[i].dc);
		CHECK_STR(cfg.zoho.accounts_url, dcs[i].accounts, "accounts_url for dc %s", dcs[i].dc);
		CHECK_STR(cfg.zoho.sign_url, dcs[i].sign, "sign_url for dc %s", dcs[i].dc);
		config_free(&cfg);
	}

	CHECK(parse("[kommo]\nsubdomain = acme\nbase_url = http://127.0.0.1:8080/\n"
	    "[zoho]\ndc = com\naccounts_url = https://accounts.example.test//\n"
	    "sign_url = http://localhost:9000/api/v1/\n", &cfg, NULL, err, sizeof err) == 0,
	    "URL overrides parse (%s)", err);
	CHECK_STR(cfg.kommo.base_url, "http://127.0.0.1:8080", "base_url override wins, '/' stripped");
	CHECK_STR(cfg.zoho.accounts_url, "https://accounts.example.test", "accounts_url '/'s stripped");
	CHECK_STR(cfg.zoho.sign_url, "http://localhost:9000/api/v1", "sign_url '/' stripped");
	config_free(&cfg);

	CHECK(parse("[kommo]\nbase_url = http://[::1]:8080\n", &cfg, NULL, err, sizeof err) == 0,
	    "http to [::1] is allowed");
	config_free(&cfg);
}

static void
test_errors(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[kommo]\nsubdomain acme\n", "t.conf:2: expected 'key = value'" },
		{ "[state]\nbackend = sqlite\n", "t.conf:2: [state] backend: expected gdbm (files in [state] dir, the default) or mariadb (the [mariadb] section's database)" },
		{ "[state]\nbackend = MariaDB\n", "t.conf:2: [state] backend: expected gdbm" },
		{ "[mariadb]\nport = 0\n", "t.conf:2: [mariadb] port: expected a TCP port from 1 to 65535" },
		{ "[mariadb]\nport = 65536\n", "t.conf:2: [mariadb] port: expected a TCP port from 1 to 65535" },
		{ "[mariadb]\ndatabase = kzs;drop\n", "t.conf:2: [mariadb] database: expected a name of letters, digits and _ (at most 64)" },
		{ "[mariadb]\nuser = o'brien\n", "t.conf:2: [mariadb] user: expected a name of letters, digits and _ (at most 64)" },
		{ "[mariadb]\npassword_file = kzs.password\n", "t.conf:2: [mariadb] password_file: expected the absolute path of a file" },
		{ "[mariadb]\ntls = sometimes\n", "t.conf:2: [mariadb] tls: expected yes or no" },
		{ "[limits]\nhttp_timeout = 0\n", "t.conf:2: [limits] http_timeout: expected a whole number of seconds from 1 to 300" },
		{ "[limits]\nhttp_timeout = 301\n", "t.conf:2: [limits] http_timeout: expected a whole number of seconds from 1 to 300" },
		{ "[limits]\ncron_drain_seconds = 3601\n", "t.conf:2: [limits] cron_drain_seconds: expected a whole number of seconds from 1 to 3600" },
		{ "[limits]\nkommo_calls_per_second = 0\n", "t.conf:2: [limits] kommo_calls_per_second: expected a whole number of calls from 1 to 100000" },
		{ "; c\n[kommo]\n= acme\n", "t.conf:3: expected 'key = value'" },
		{ "[kommo]\nsub/domain = acme\n", "t.conf:2: expected 'key = value' (a key has only letters, digits, space, _ - .)" },
		{ "subdomain = acme\n", "t.conf:1: expected a [section] line before the first key" },
		{ "[kommo\n", "t.conf:1: expected '[section]'" },
		{ "[kommo] extra\n", "t.conf:1: expected '[section]'" },
		{ "[]\n", "t.conf:1: expected '[section]'" },
		{ "[kommo]\npipeline_id = 1\n\npipeline_id = 2\n", "t.conf:4: [kommo] pipeline_id: set twice (first on line 2)" },
		{ "[kommo]\ndeclined_status_id =\ndeclined_status_id =\n", "t.conf:3: [kommo] declined_status_id: set twice (first on line 2)" },
		{ "[kommo]\naccount_id = 12a\n", "t.conf:2: [kommo] account_id: expected a numeric id (1 to 19 digits)" },
		{ "[kommo]\npipeline_id = 12345678901234567890\n", "t.conf:2: [kommo] pipeline_id: expected a numeric id (1 to 19 digits)" },
		{ "[kommo]\ntrigger_status_id = -5\n", "t.conf:2: [kommo] trigger_status_id: expected a numeric id (1 to 19 digits)" },
		{ "[kommo]\ntask_type_id = 1.5\n", "t.conf:2: [kommo] task_type_id: expected a numeric id (1 to 19 digits)" },
		{ "[kommo]\ntask_due_hours = 0\n", "t.conf:2: [kommo] task_due_hours: expected a whole number of hours from 1 to 8760" },
		{ "[kommo]\ntask_due_hours = 8761\n", "t.conf:2: [kommo] task_due_hours: expected a whole number of hours from 1 to 8760" },
		{ "[kommo]\ntask_due_hours = 24h\n", "t.conf:2: [kommo] task_due_hours: expected a whole number of hours from 1 to 8760" },
		{ "[kommo]\nprogress_notes = maybe\n", "t.conf:2: [kommo] progress_notes: expected yes or no (or true/false, on/off, 1/0)" },
		{ "[kommo]\n\nlanguage = fr\n", "t.conf:3: [kommo] language: expected en, es or pt (the language of the notes and tasks on deals)" },
		{ "[kommo]\nlanguage = ES\n", "t.conf:2: [kommo] language: expected en, es or pt (the language of the notes and tasks on deals)" },
		{ "[zoho]\nattach_certificate = 2\n", "t.conf:2: [zoho] attach_certificate: expected yes or no (or true/false, on/off, 1/0)" },
		{ "[zoho]\ndc = us\n", "t.conf:2: [zoho] dc: expected one of com eu in com.au jp sa ca" },
		{ "[zoho]\ndate_format = %d/%m/%Y\n", "t.conf:2: [zoho] date_format: expected the day, month and year as the Zoho Sign account writes them, e.g. dd/MM/yyyy, MM/dd/yyyy, yyyy-MM-dd or dd MMM yyyy" },
		{ "[zoho]\ndate_format = dd/MM\n", "t.conf:2: [zoho] date_format: expected the day, month and year as the Zoho Sign account writes them, e.g. dd/MM/yyyy, MM/dd/yyyy, yyyy-MM-dd or dd MMM yyyy" },
		{ "[zoho]\ntime_zone = ../../etc/passwd\n", "t.conf:2: [zoho] time_zone: expected a time zone name such as Europe/Amsterdam or UTC" },
		{ "[zoho]\ntime_zone = /usr/share/zoneinfo/UTC\n", "t.conf:2: [zoho] time_zone: expected a time zone name such as Europe/Amsterdam or UTC" },
		{ "[zoho]\ndc = EU\n", "t.conf:2: [zoho] dc: expected one of com eu in com.au jp sa ca" },
		{ "[kommo]\nsubdomain = acme.kommo.com\n", "t.conf:2: [kommo] subdomain: expected the account name of your Kommo address, e.g. acme for https://acme.kommo.com (lower-case letters, digits, -)" },
		{ "[state]\ndir = kzs/state\n", "t.conf:2: [state] dir: expected an absolute path (starting with /)" },
		{ "[kommo]\nbase_url = http://acme.kommo.com\n", "t.conf:2: [kommo] base_url: expected a URL starting with https:// (http:// only to 127.0.0.1, localhost or [::1])" },
		{ "[kommo]\nbase_url = http://localhost@evil.example\n", "t.conf:2: [kommo] base_url: expected a URL starting with https:// (http:// only to 127.0.0.1, localhost or [::1])" },
		{ "[kommo]\nbase_url = http://127.0.0.1.evil.example\n", "t.conf:2: [kommo] base_url: expected a URL starting with https:// (http:// only to 127.0.0.1, localhost or [::1])" },
		{ "[kommo]\nbase_url = http://localhost:80x\n", "t.conf:2: [kommo] base_url: expected a URL starting with https:// (http:// only to 127.0.0.1, localhost or [::1])" },
		{ "[zoho]\naccounts_url = https://\n", "t.conf:2: [zoho] accounts_url: expected a URL starting with https:// (http:// only to 127.0.0.1, localhost or [::1])" },
		{ "[kommo]\noauth_url = http://www.kommo.com/oauth\n", "t.conf:2: [kommo] oauth_url: expected a URL starting with https:// (http:// only to 127.0.0.1, localhost or [::1])" },
		{ "[admin]\nsecret = \"x\n", "t.conf:2: [admin] secret: the closing double quote is missing" },
		{ "[zoho]\nredirect_uri = ftp://example.com/cb\n", "t.conf:2: [zoho] redirect_uri: expected a URL starting with https:// (http:// only to 127.0.0.1, localhost or [::1])" },
		{ "[zoho]\nsign_url = https://sign.zoho.eu\n", "t.conf:2: [zoho] sign_url: expected a URL ending in /api/v1, e.g. https://sign.zoho.eu/api/v1" },
		{ "[zoho]\ntemplate_id = \"123\n", "t.conf:2: [zoho] template_id: the closing double quote is missing" },
		{ "[zoho]\ntemplate_id = \"123\" 456\n", "t.conf:2: [zoho] template_id: only a comment may follow the closing double quote" },
		{ "[zoho]\ntemplate_id = 12\00134\n", "t.conf:2: [zoho] template_id: contains a control character" },
		{ "[fields]\nPrice = lead.cost\n", "t.conf:2: [fields] Price: expected one of lead.id lead.name lead.price lead.cf.<field id> contact.name contact.first_name contact.last_name contact.email contact.phone contact.cf.<field id> company.name company.cf.<field id> today, or a \"quoted literal\"" },
		{ "[fields]\nPrice = lead.cf.\n", "t.conf:2: [fields] Price: expected one of lead.id" },
		{ "[fields]\nPrice = lead.cf.12x\n", "t.conf:2: [fields] Price: expected one of lead.id" },
		{ "[fields]\nPrice = lead.price extra\n", "t.conf:2: [fields] Price: expected one of lead.id" },
		{ "[fields]\nPrice =\n", "t.conf:2: [fields] Price: expected one of lead.id" },
		{ "[fields]\nPrice = lead.price\nPrice = today\n", "t.conf:3: [fields] Price: set twice (first on line 2)" },
		{ "[signers]\nClient = contact.email\n", "t.conf:2: [signers] Client: expected one of " CONFIG_SIGNER_SOURCES_TEXT },
		{ "[signers]\nClient = \"contact.main\"\n", "t.conf:2: [signers] Client: expected one of contact.main" },
		{ "[signers]\nClient = contact.others\n", "t.conf:2: [signers] Client: expected one of contact.main" },
		{ "[signers]\nClient = user.\n", "t.conf:2: [signers] Client: expected a numeric id (1 to 19 digits) after the last dot" },
		{ "[signers]\nClient = user.boss\n", "t.conf:2: [signers] Client: expected a numeric id" },
		{ "[signers]\nClient = user.12345678901234567890\n", "t.conf:2: [signers] Client: expected a numeric id" },
		{ "[signers]\nClient = contact.cf.role\n", "t.conf:2: [signers] Client: expected a numeric id" },
		{ "[signers]\nClient = lead.cf.\n", "t.conf:2: [signers] Client: expected a numeric id" },
		{ "[signers]\nClient = lead.cf.12 lead.cf.13\n", "t.conf:2: [signers] Client: expected lead.cf.<field id>, or lead.cf.<field id> name lead.cf.<field id>" },
		{ "[signers]\nClient = lead.cf.12 name\n", "t.conf:2: [signers] Client: expected lead.cf.<field id>, or" },
		{ "[signers]\nClient = lead.cf.12 name contact.name\n", "t.conf:2: [signers] Client: the name field: expected lead.cf.<field id>" },
		{ "[signers]\nClient = lead.cf.12 name lead.cf.13 x\n", "t.conf:2: [signers] Client: the name field: expected lead.cf.<field id>" },
		{ "[signers]\nClient = fixed:\n", "t.conf:2: [signers] Client: expected fixed: Name <email>, the address in angle brackets at the end" },
		{ "[signers]\nClient = fixed: Jane Roe jane@ourco.example\n", "t.conf:2: [signers] Client: expected fixed: Name <email>, the address" },
		{ "[signers]\nClient = fixed: <jane@ourco.example>\n", "t.conf:2: [signers] Client: expected fixed: Name <email>, with a name of 1 to 127 characters" },
		{ "[signers]\nClient = fixed: Jane Roe <jane@ourco.example> x\n", "t.conf:2: [signers] Client: expected fixed: Name <email>, the address" },
		{ "[signers]\nClient = fixed: Jane Roe <jane at ourco.example>\n", "t.conf:2: [signers] Client: fixed: the address in angle brackets is not an e-mail address" },
		{ "[signers]\nClient = fixed: Jane Roe <jane@ourco>\n", "t.conf:2: [signers] Client: fixed: the address in angle brackets is not an e-mail address" },
		{ "[signers]\nClient = fixed: Jane <Roe <jane@ourco.example>\n", "t.conf:2: [signers] Client: fixed: the address in angle brackets is not an e-mail address" },
		{ "[signers]\nClient = contact.main\nClient = user.responsible\n", "t.conf:3: [signers] Client: set twice (first on line 2)" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[1024] = "(parse succeeded)";
		struct config cfg;
		int rc;

		rc = config_parse(cases[i].text, strlen(cases[i].text), "t.conf", &cfg, NULL, NULL,
		    err, sizeof err);
		if (rc == 0)
			config_free(&cfg);
		CHECK(rc == -1 && starts_with(err, cases[i].want), "error case %zu: %s", i, cases[i].want);
		if (!(rc == -1 && starts_with(err, cases[i].want)))
			printf("#   got  \"%s\"\n", err);
		CHECK(cfg.path == NULL && cfg.state_dir == NULL && cfg.nfields == 0,
		    "error case %zu leaves the struct zeroed", i);
	}

	CHECK_STR(parse_error("[kommo]\nsubdomain = acme\n[kommo]\nsubdomain = other\n"),
	    "t.conf:4: [kommo] subdomain: set twice (first on line 2)",
	    "a repeated section still refuses a duplicate key");
	{
		static char many[40000];
		size_t used = (size_t)snprintf(many, sizeof many, "[fields]\n");
		int k;
		for (k = 0; k < 1001; k++)
			used += (size_t)snprintf(many + used, sizeof many - used, "F%d = today\n", k);
		CHECK_STR(parse_error(many), "t.conf:1002: [fields] F1000: more than 1000 entries in [fields]",
		    "[fields] is capped at 1000 entries");
	}
	CHECK_STR(parse_error("[state]\ndir = /x\n[zoho]\nclient_id = a\nclient_id = b\n"),
	    "t.conf:5: [zoho] client_id: set twice (first on line 4)", "duplicate in [zoho]");

	{
		static const char with_nul[] = "[zoho]\n\ntemplate_id = 12\0" "34\n";
		char err[256] = "";
		struct config cfg;
		CHECK(config_parse(with_nul, sizeof with_nul - 1, "t.conf", &cfg, NULL, NULL, err,
		    sizeof err) == -1, "a NUL byte in a value is refused");
		CHECK_STR(err, "t.conf:3: [zoho] template_id: contains a control character", "NUL byte message");
	}
	{
		char small[16];
		struct config cfg;
		CHECK(config_parse("junk\n", 5, "t.conf", &cfg, NULL, NULL, small, sizeof small) == -1,
		    "error with a small buffer");
		CHECK(strlen(small) == sizeof small - 1, "message truncated to the buffer");
		CHECK(config_parse("junk\n", 5, "t.conf", &cfg, NULL, NULL, NULL, 0) == -1,
		    "error with no buffer at all");
	}
}

/* No message, error or warning, ever contains a secret's text. */
/* Every [signers] source, as the parse gives it to the reader and to fill. */
static void
test_signer_sources(void)
{
	static const char text[] =
	    "[signers]\n"
	    "A = contact.main\n"
	    "B = contact.other ; the first linked contact not the main one\n"
	    "C = contact.cf.555\n"
	    "D = user.responsible\n"
	    "E = user.41\n"
	    "F = fixed: Jane Roe <jane@ourco.example>\n"
	    "G = lead.cf.900\n"
	    "H = lead.cf.900 name lead.cf.901\n"
	    "I = fixed:Ann   <ann@ourco.example> # a comment\n";
	static const struct {
		enum config_signer_kind kind;
		const char *id, *name_id, *name, *email;
	} want[] = {
		{ CONFIG_SIGNER_CONTACT_MAIN, "", "", "", "" },
		{ CONFIG_SIGNER_CONTACT_OTHER, "", "", "", "" },
		{ CONFIG_SIGNER_CONTACT_CF, "555", "", "", "" },
		{ CONFIG_SIGNER_USER_RESPONSIBLE, "", "", "", "" },
		{ CONFIG_SIGNER_USER, "41", "", "", "" },
		{ CONFIG_SIGNER_FIXED, "", "", "Jane Roe", "jane@ourco.example" },
		{ CONFIG_SIGNER_LEAD_CF, "900", "", "", "" },
		{ CONFIG_SIGNER_LEAD_CF, "900", "901", "", "" },
		{ CONFIG_SIGNER_FIXED, "", "", "Ann", "ann@ourco.example" },
	};
	struct config cfg;
	char err[512];
	size_t i;

	CHECK(config_parse(text, sizeof text - 1, "t.conf", &cfg, NULL, NULL, err, sizeof err) == 0 &&
	    cfg.nsigners == sizeof want / sizeof want[0], "every signer source is taken (%s)", err);
	for (i = 0; i < cfg.nsigners && i < sizeof want / sizeof want[0]; i++) {
		struct config_signer s;
		char why[300] = "";

		CHECK(config_signer_parse(cfg.signers[i].source, &s, why, sizeof why) == 0 && s.kind == want[i].kind &&
		    strcmp(s.id, want[i].id) == 0 && strcmp(s.name_id, want[i].name_id) == 0 &&
		    strcmp(s.name, want[i].name) == 0 && strcmp(s.email, want[i].email) == 0,
		    "%s = %s: kind %d, id \"%s\", name id \"%s\", person \"%s\" <%s>", cfg.signers[i].name,
		    cfg.signers[i].source, (int)s.kind, s.id, s.name_id, s.name, s.email);
	}
	config_free(&cfg);
}

static void
test_secrets_stay_out(void)
{
	static const char *const secret_keys[] = {
		"[kommo]\ntoken", "[kommo]\nclient_secret", "[kommo]\nhook_secret",
		"[zoho]\nclient_secret", "[zoho]\nrefresh_token", "[zoho]\nwebhook_secret",
		"[admin]\nsecret", "[kommo]\noauth_url",
		/* a secret pasted into the wrong key must not show either */
		"[kommo]\naccount_id", "[zoho]\ndc", "[kommo]\nbase_url", "[kommo]\nsubdomain",
		"[kommo]\ntask_due_hours", "[kommo]\nprogress_notes", "[state]\ndir",
		"[fields]\nField", "[signers]\nRole", "[kommo]\ntokne",
	};
	static const char *const bad_values[] = {
		" = \"" SECRET_MARK "-unterminated\n",
		" = \"" SECRET_MARK "\" trailing\n",
		" = " SECRET_MARK "\x01tail\n",
		" = x\n@KEY@ = " SECRET_MARK "-again\n", /* duplicate: @KEY@ is the key again */
		" = ok\n" SECRET_MARK "-line-without-equals\n",
		" = " SECRET_MARK "\n[other\n",
		" = " SECRET_MARK "\n",
		" = " SECRET_MARK "@:/\n",
	};
	size_t i, j;
	int leaks = 0, errors = 0;

	for (i = 0; i < sizeof secret_keys / sizeof secret_keys[0]; i++) {
		const char *key = strchr(secret_keys[i], '\n') + 1;
		for (j = 0; j < sizeof bad_values / sizeof bad_values[0]; j++) {
			char text[512], err[1024] = "";
			const char *at = strstr(bad_values[j], "@KEY@");
			struct config cfg;
			struct warnings w;

			if (at != NULL)
				snprintf(text, sizeof text, "%s%.*s%s%s", secret_keys[i],
				    (int)(at - bad_values[j]), bad_values[j], key, at + 5);
			else
				snprintf(text, sizeof text, "%s%s", secret_keys[i], bad_values[j]);
			if (parse(text, &cfg, &w, err, sizeof err) == 0)
				config_free(&cfg);
			else
				errors++;
			if (strstr(err, SECRET_MARK) != NULL || strstr(w.text, SECRET_MARK) != NULL) {
				leaks++;
				printf("# leak for %s: err \"%s\" warnings \"%s\"\n", text, err, w.text);
			}
		}
	}
	CHECK(errors > 80, "the bad secret lines produced errors (%d)", errors);
	CHECK(leaks == 0, "no error or warning contains a secret (%d leaks)", leaks);

	/* Warnings on a file full of secrets: an unknown key and a short hook_secret. */
	{
		struct config cfg;
		struct warnings w;
		char err[512] = "";
		int rc = parse("[kommo]\nhook_secret = " SECRET_MARK "\ntokn = " SECRET_MARK "x\n"
		    "[zoho]\nwebhook_secret = \"" SECRET_MARK "\"\n", &cfg, &w, err, sizeof err);
		CHECK(rc == 0, "short secrets and a typo still parse");
		CHECK(w.count == 3, "three warnings (got %d: %s)", w.count, w.text);
		CHECK(strstr(w.text, "t.conf:2: [kommo] hook_secret: shorter than 16 characters") != NULL,
		    "short hook_secret warned with file:line");
		CHECK(strstr(w.text, SECRET_MARK) == NULL, "warnings carry no secret");
		if (rc == 0)
			config_free(&cfg);
	}
}

static void
test_unknown_keys_warn(void)
{
	struct config cfg;
	struct warnings w;
	char err[512] = "";
	int rc = parse("[kommo]\nsubdomain = acme\nsubdomian = acme\nToken = x\n"
	    "[mystery]\nanything = goes\nanything = twice\n[zoho]\ndc = com\n", &cfg, &w, err, sizeof err);

	CHECK(rc == 0, "unknown keys and sections are not fatal (%s)", err);
	CHECK(w.count == 3, "three warnings (got %d)", w.count);
	CHECK(strstr(w.text, "t.conf:3: [kommo] subdomian: unknown key, ignored | ") != NULL,
	    "unknown key warned with file:line and key");
	CHECK(strstr(w.text, "t.conf:4: [kommo] Token: unknown key, ignored | ") != NULL,
	    "keys are case-sensitive");
	CHECK(strstr(w.text, "t.conf:5: unknown section [mystery], its keys are ignored | ") != NULL,
	    "unknown section warned once");
	CHECK(w.last_line == 5 && strcmp(w.last_file, "t.conf") == 0, "callback gets file and line");
	if (rc == 0) {
		CHECK_STR(cfg.kommo.subdomain, "acme", "known key still read");
		CHECK_STR(cfg.zoho.dc, "com", "section after an unknown one is read");
		config_free(&cfg);
	}
	rc = config_parse("[kommo]\nsubdomian = x\n", 22, "t.conf", &cfg, NULL, NULL, err, sizeof err);
	CHECK(rc == 0, "a NULL warning callback is allowed");
	if (rc == 0)
		config_free(&cfg);
}

static void
expect_check(struct config *cfg, unsigned needs, const char *want, const char *what)
{
	char err[512] = "";
	int rc = config_check(cfg, needs, err, sizeof err);

	if (want == NULL) {
		CHECK(rc == 0, "%s: passes (%s)", what, err);
		return;
	}
	CHECK(rc == -1 && starts_with(err, want), "%s: %s", what, want);
	if (!(rc == -1 && starts_with(err, want)))
		printf("#   got  \"%s\"\n", err);
	CHECK(strstr(err, SECRET_MARK) == NULL, "%s: no secret in the message", what);
}

/* Frees one string member and unsets it, as if the key were missing from the file. */
#define UNSET(member) do { free(member); (member) = NULL; } while (0)

static void
test_check(void)
{
	struct config cfg;
	char err[512];
	const unsigned K = CONFIG_NEED_KOMMO_HOOK, Z = CONFIG_NEED_ZOHO_HOOK, O = CONFIG_NEED_OAUTH;

#define FRESH() do { config_free(&cfg); parse(full_text, &cfg, NULL, err, sizeof err); } while (0)
	memset(&cfg, 0, sizeof cfg);
	FRESH();
	expect_check(&cfg, 0, NULL, "no needs");
	expect_check(&cfg, K, NULL, "kommo-hook needs");
	expect_check(&cfg, Z, NULL, "zoho-hook needs");
	expect_check(&cfg, O, NULL, "oauth needs");

	UNSET(cfg.state_dir);
	expect_check(&cfg, K, "t.conf: [state] dir is required (", "kommo-hook without dir");
	expect_check(&cfg, Z, "t.conf: [state] dir is required (", "zoho-hook without dir");
	expect_check(&cfg, O, "t.conf: [state] dir is required (", "oauth without dir");
	expect_check(&cfg, 0, NULL, "no needs, no dir");

	FRESH();
	UNSET(cfg.kommo.account_id);
	expect_check(&cfg, K, "t.conf: [kommo] account_id is required (", "kommo-hook without account_id");
	expect_check(&cfg, Z | O, NULL, "zoho-hook and oauth do not need account_id");
	FRESH();
	UNSET(cfg.kommo.hook_secret);
	expect_check(&cfg, K, "t.conf: [kommo] hook_secret is required (", "kommo-hook without hook_secret");
	FRESH();
	UNSET(cfg.kommo.pipeline_id);
	expect_check(&cfg, K, "t.conf: [kommo] pipeline_id is required (", "kommo-hook without pipeline_id");
	FRESH();
	UNSET(cfg.kommo.trigger_status_id);
	expect_check(&cfg, K, "t.conf: [kommo] trigger_status_id is required (", "kommo-hook without trigger stage");
	expect_check(&cfg, Z, NULL, "zoho-hook does not need the trigger stage");

	FRESH();
	UNSET(cfg.kommo.base_url);
	expect_check(&cfg, K, NULL, "subdomain alone is enough");
	UNSET(cfg.kommo.subdomain);
	expect_check(&cfg, K, "t.conf: [kommo] subdomain is required (", "kommo-hook without subdomain or base_url");
	expect_check(&cfg, Z, "t.conf: [kommo] subdomain is required (", "zoho-hook without subdomain or base_url");

	FRESH();
	UNSET(cfg.kommo.token);
	expect_check(&cfg, K | Z, NULL, "kommo OAuth client instead of a token");
	UNSET(cfg.kommo.client_secret);
	expect_check(&cfg, K, "t.conf: [kommo] client_secret is required (", "kommo client_id without secret");
	UNSET(cfg.kommo.client_id);
	expect_check(&cfg, K, "t.conf: [kommo] token is required (", "kommo-hook without any Kommo auth");
	expect_check(&cfg, Z, "t.conf: [kommo] token is required (", "zoho-hook without any Kommo auth");
	expect_check(&cfg, O, NULL, "oauth does not need Kommo auth");
	FRESH();
	UNSET(cfg.kommo.client_id);
	UNSET(cfg.kommo.client_secret);
	expect_check(&cfg, K | Z, NULL, "a token alone is enough");

	FRESH();
	UNSET(cfg.zoho.template_id);
	expect_check(&cfg, K, "t.conf: [zoho] template_id is required (", "kommo-hook without template");
	FRESH();
	UNSET(cfg.zoho.client_id);
	expect_check(&cfg, K, "t.conf: [zoho] client_id is required (", "kommo-hook without zoho client_id");
	expect_check(&cfg, Z, "t.conf: [zoho] client_id is required (", "zoho-hook without zoho client_id");
	expect_check(&cfg, O, "t.conf: [zoho] client_id is required (", "oauth without zoho client_id");
	FRESH();
	UNSET(cfg.zoho.client_secret);
	expect_check(&cfg, K, "t.conf: [zoho] client_secret is required (", "kommo-hook without zoho secret");
	expect_check(&cfg, O, "t.conf: [zoho] client_secret is required (", "oauth without zoho secret");
	FRESH();
	UNSET(cfg.zoho.redirect_uri);
	expect_check(&cfg, O, "t.conf: [zoho] redirect_uri is required (", "oauth without redirect_uri");
	expect_check(&cfg, K | Z, NULL, "hooks do not need the redirect_uri");

	FRESH();
	UNSET(cfg.zoho.webhook_secret);
	expect_check(&cfg, Z, "t.conf: [zoho] webhook_secret is required (", "zoho-hook without webhook_secret");
	expect_check(&cfg, K | O, NULL, "kommo-hook and oauth do not need webhook_secret");
	FRESH();
	UNSET(cfg.kommo.signed_status_id);
	expect_check(&cfg, Z, "t.conf: [kommo] signed_status_id is required (", "zoho-hook without signed stage");
	expect_check(&cfg, K, NULL, "kommo-hook does not need the signed stage");

	FRESH();
	cfg.nsigners = 0; /* config_free frees by pointer; the count only limits the loop */
	free(cfg.signers[0].name);
	free(cfg.signers[0].source);
	expect_check(&cfg, K, "t.conf: [signers] at least one entry is required (", "kommo-hook without signers");
	expect_check(&cfg, Z, NULL, "zoho-hook does not need signers");
	config_free(&cfg);
#undef FRESH
}

static int
write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	if (fwrite(text, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0)
		return -1;
	return chmod(path, mode);
}

static void
test_load(void)
{
	char dir[] = "/tmp/kzs-test-config-XXXXXX", path[512], other[512], big[512];
	char err[1024], home[4096];
	const char *def;
	struct passwd *pw;
	struct config cfg;
	struct warnings w;
	char *blob;

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof path, "%s/kzs.conf", dir);
	snprintf(other, sizeof other, "%s/missing.conf", dir);
	snprintf(big, sizeof big, "%s/big.conf", dir);

	CHECK(write_file(path, full_text, strlen(full_text), 0644) == 0, "wrote a 0644 config");
	setenv("KZS_CONFIG", path, 1);
	memset(&w, 0, sizeof w);
	CHECK(config_load(NULL, CONFIG_NEED_KOMMO_HOOK, &cfg, collect, &w, err, sizeof err) == 0,
	    "config_load finds the file through KZS_CONFIG");
	CHECK_STR(cfg.path, path, "path is the KZS_CONFIG file");
	CHECK_STR(cfg.kommo.account_id, "12345678", "values read through config_load");
	CHECK(w.count == 1 && w.last_line == 0 && strcmp(w.last_file, path) == 0,
	    "one warning, line 0, for mode 0644 (%d: %s)", w.count, w.text);
	CHECK(strstr(w.text, "readable by others; chmod 600") != NULL, "warning says chmod 600");
	CHECK(strstr(w.text, path) != NULL, "warning names the file");
	config_free(&cfg);

	chmod(path, 0600);
	memset(&w, 0, sizeof w);
	CHECK(config_load("", 0, &cfg, collect, &w, err, sizeof err) == 0, "empty path falls to KZS_CONFIG");
	CHECK(w.count == 0, "no warning at mode 0600 (%s)", w.text);
	config_free(&cfg);

	setenv("KZS_CONFIG", other, 1);
	CHECK(config_load(path, 0, &cfg, NULL, NULL, err, sizeof err) == 0, "an explicit path beats KZS_CONFIG");
	CHECK_STR(cfg.path, path, "explicit path used");
	config_free(&cfg);

	memset(&cfg, 0xff, sizeof cfg); /* config_load must not trust what is in *out */
	CHECK(config_load(NULL, 0, &cfg, NULL, NULL, err, sizeof err) == -1, "a missing file is an error");
	CHECK(starts_with(err, other), "error names the path (%s)", err);
	CHECK(strstr(err, strerror(ENOENT)) != NULL, "error carries the errno text");
	CHECK(strstr(err, "KZS_CONFIG") != NULL, "error says how to point to the file");
	CHECK(cfg.path == NULL, "struct zeroed after a load error");

	CHECK(config_load(dir, 0, &cfg, NULL, NULL, err, sizeof err) == -1, "a directory is an error");
	CHECK(starts_with(err, dir) && strstr(err, "not a regular file") != NULL, "directory refused (%s)", err);

	setenv("KZS_CONFIG", path, 1);
	chmod(path, 0600);
	{
		static const char partial[] = "[state]\ndir = /srv/kzs\n[zoho]\nclient_id = x\n";
		write_file(path, partial, strlen(partial), 0600);
	}
	CHECK(config_load(NULL, CONFIG_NEED_OAUTH, &cfg, NULL, NULL, err, sizeof err) == -1,
	    "config_load applies config_check");
	CHECK(starts_with(err, path) && strstr(err, ": [zoho] client_secret is required (") != NULL,
	    "missing need names the file and key (%s)", err);
	CHECK(cfg.path == NULL, "struct freed when a need is missing");

	{
		static const char bad[] = "[kommo]\nsubdomain = Bad!\n";
		write_file(path, bad, strlen(bad), 0600);
	}
	CHECK(config_load(NULL, 0, &cfg, NULL, NULL, err, sizeof err) == -1, "a parse error is passed on");
	CHECK(starts_with(err, path) && strstr(err, ":2: [kommo] subdomain: ") != NULL,
	    "parse error names path:line (%s)", err);

	{
		static const char atlantis[] = "[zoho]\ntime_zone = Europe/Atlantis\n";
		static const char amsterdam[] = "[zoho]\ntime_zone = Europe/Amsterdam\n";

		write_file(path, atlantis, strlen(atlantis), 0600);
		CHECK(config_load(NULL, 0, &cfg, NULL, NULL, err, sizeof err) == -1,
		    "a time zone this machine does not have is an error");
		CHECK(starts_with(err, path) && strstr(err, ": [zoho] time_zone Europe/Atlantis: no such zone") != NULL,
		    "the error names the file, the key and the zone (%s)", err);
		CHECK(cfg.path == NULL, "struct freed after an unknown zone");
		write_file(path, amsterdam, strlen(amsterdam), 0600);
		CHECK(config_load(NULL, 0, &cfg, NULL, NULL, err, sizeof err) == 0, "Europe/Amsterdam loads (%s)", err);
		CHECK_STR(cfg.zoho.time_zone, "Europe/Amsterdam", "the zone is kept as written");
		config_free(&cfg);
	}

	blob = malloc(1024 * 1024 + 2);
	if (blob != NULL) {
		memset(blob, '\n', 1024 * 1024 + 1);
		CHECK(write_file(big, blob, 1024 * 1024 + 1, 0600) == 0, "wrote a file over 1 MiB");
		CHECK(config_load(big, 0, &cfg, NULL, NULL, err, sizeof err) == -1, "a file over 1 MiB is an error");
		CHECK(starts_with(err, big) && strstr(err, "1 MiB") != NULL, "size error names the file (%s)", err);
		CHECK(write_file(big, blob, 1024 * 1024, 0600) == 0, "wrote a file of exactly 1 MiB");
		CHECK(config_load(big, 0, &cfg, NULL, NULL, err, sizeof err) == 0, "exactly 1 MiB is fine (%s)", err);
		config_free(&cfg);
		free(blob);
	}

	pw = getpwuid(geteuid());
	def = config_default_path(home, sizeof home);
	if (def != NULL && access(def, F_OK) != 0 && errno == ENOENT) {
		setenv("KZS_CONFIG", "", 1);
		CHECK(config_load(NULL, 0, &cfg, NULL, NULL, err, sizeof err) == -1,
		    "empty KZS_CONFIG falls to the default path, which is absent here");
		CHECK(starts_with(err, def) && strstr(err, "default location") != NULL &&
		    strstr(err, "KZS_CONFIG") != NULL, "error names the default path (%s)", err);
	}
	CHECK(pw != NULL && def != NULL, "default path is known");
	if (pw != NULL && def != NULL) {
		char want[4096];
		snprintf(want, sizeof want, "%s/kzs/kzs.conf", strcmp(pw->pw_dir, "/") == 0 ? "" : pw->pw_dir);
		CHECK_STR(def, want, "default path is ~/kzs/kzs.conf from the user database");
	}
	CHECK(config_default_path(home, 5) == NULL, "a too small buffer gives NULL");

	unlink(path);
	unlink(big);
	rmdir(dir);
	unsetenv("KZS_CONFIG");
}

static void
test_example_file(void)
{
	static const char *const documented[] = {
		"dir", "subdomain", "base_url", "account_id", "token", "client_id", "client_secret",
		"redirect_uri", "hook_secret", "pipeline_id", "trigger_status_id", "signed_status_id",
		"declined_status_id", "task_type_id", "task_due_hours", "progress_notes", "dc",
		"accounts_url", "sign_url", "refresh_token", "webhook_secret", "template_id",
		"attach_certificate", "resend_on_expiry", "http_timeout", "kommo_calls_per_second",
		"zoho_calls_per_minute", "kommo_ban_pause_minutes", "give_up_hours", "oauth_url", "secret",
		"date_format", "after_answer_seconds", "time_zone", "drainers", "cron_drain_seconds",
		"file", "language", "backend", "host", "port", "socket", "database", "user",
		"password_file", "tls",
	};
	struct config cfg;
	struct warnings w;
	char err[1024] = "", *text = NULL, needle[64];
	FILE *f = fopen("deploy/kzs.conf.example", "r");
	size_t len = 0, i;
	long size;
	int rc;

	CHECK(f != NULL, "deploy/kzs.conf.example exists (run from the repo root)");
	if (f == NULL)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	if (size > 0 && (text = malloc((size_t)size + 1)) != NULL) {
		len = fread(text, 1, (size_t)size, f);
		text[len] = '\0';
	}
	fclose(f);
	CHECK(text != NULL && len == (size_t)size, "read the example");
	if (text == NULL)
		return;
	memset(&w, 0, sizeof w);
	rc = config_parse(text, len, "deploy/kzs.conf.example", &cfg, collect, &w, err, sizeof err);
	CHECK(rc == 0, "the example parses (%s)", err);
	CHECK(w.count == 0, "the example gives no warning (%s)", w.text);
	if (rc == 0) {
		CHECK(cfg.kommo.token == NULL && cfg.kommo.client_secret == NULL &&
		    cfg.kommo.hook_secret == NULL && cfg.zoho.client_secret == NULL &&
		    cfg.zoho.refresh_token == NULL && cfg.zoho.webhook_secret == NULL &&
		    cfg.admin.secret == NULL,
		    "the example leaves every secret empty");
		CHECK(cfg.nfields > 0 && cfg.nsigners > 0, "the example shows [fields] and [signers]");
		config_free(&cfg);
	}
	for (i = 0; i < sizeof documented / sizeof documented[0]; i++) {
		snprintf(needle, sizeof needle, "\n%s =", documented[i]);
		CHECK(strstr(text, needle) != NULL, "the example has a line for %s", documented[i]);
	}
	CHECK(strstr(text, "chmod 600") != NULL && strstr(text, "KZS_CONFIG") != NULL &&
	    strstr(text, "~/kzs/kzs.conf") != NULL, "the example tells where it goes and its mode");
	free(text);
}

/* Every prefix of a valid file either parses or fails cleanly (ASan watches). */
static void
test_truncations(void)
{
	size_t len = strlen(full_text), i;
	int ok = 0, failed = 0;

	for (i = 0; i <= len; i++) {
		struct config cfg;
		char err[256];
		if (config_parse(full_text, i, "t.conf", &cfg, NULL, NULL, err, sizeof err) == 0) {
			ok++;
			config_free(&cfg);
		} else {
			failed++;
		}
	}
	CHECK(ok > 0 && failed > 0 && ok + failed == (int)len + 1,
	    "every prefix of the full file parses or fails cleanly (%d ok, %d failed)", ok, failed);
}

/* [log] file: an absolute file path; unset means stderr. */
static void
test_log_file(void)
{
	struct config cfg;
	struct warnings w;
	char err[512] = "";
	int rc = parse("[log]\nfile = /home/acme/kzs/kzs.log   ; where the programs log\n", &cfg, &w, err,
	    sizeof err);

	CHECK(rc == 0 && w.count == 0, "[log] file parses without a warning (%s)", err);
	if (rc == 0) {
		CHECK_STR(cfg.log.file, "/home/acme/kzs/kzs.log", "[log] file read, comment cut");
		config_free(&cfg);
	}
	rc = parse("[log]\nfile =\n", &cfg, &w, err, sizeof err);
	CHECK(rc == 0 && cfg.log.file == NULL, "[log] file empty: unset, the log goes to stderr");
	if (rc == 0)
		config_free(&cfg);
	CHECK_STR(parse_error("[log]\nfile = kzs.log\n"),
	    "t.conf:2: [log] file: expected the absolute path of a file, e.g. /home/acme/kzs/kzs.log",
	    "[log] file relative: refused with file:line");
	CHECK_STR(parse_error("[state]\ndir = /s\n[log]\nfile = /home/acme/kzs/\n"),
	    "t.conf:4: [log] file: expected the absolute path of a file, e.g. /home/acme/kzs/kzs.log",
	    "[log] file naming a folder: refused");
	CHECK_STR(parse_error("[log]\nfile = /a.log\nfile = /b.log\n"),
	    "t.conf:3: [log] file: set twice (first on line 2)", "[log] file twice: refused");
}

static void
test_free_partial(void)
{
	struct config cfg;

	memset(&cfg, 0, sizeof cfg);
	config_free(&cfg);
	config_free(NULL);
	cfg.path = strdup("x");
	cfg.kommo.token = strdup("y");
	cfg.fields = calloc(2, sizeof *cfg.fields);
	if (cfg.fields != NULL) {
		cfg.fields[0].name = strdup("a");
		cfg.nfields = 1; /* second entry is NULL names: must not matter */
	}
	config_free(&cfg);
	CHECK(cfg.path == NULL && cfg.kommo.token == NULL && cfg.fields == NULL,
	    "config_free handles a zeroed and a half-filled struct");
}


/* [route NAME] sections: their keys, condition, own lines first, then the global ones. */
static void
test_routes(void)
{
	static const char text[] =
	    "[fields]\n"                                    /* 1 */
	    "Company = company.name\n"                      /* 2 */
	    "Price = lead.price\n"                          /* 3 */
	    "[signers]\n"                                   /* 4 */
	    "Client = contact.main\n"                       /* 5 */
	    "[route b2c]\n"                                 /* 6 */
	    "pipeline_id = 100\n"                           /* 7 */
	    "trigger_status_id = 101\n"                     /* 8 */
	    "template_id = 900\n"                           /* 9 */
	    "signed_status_id = 102\n"                      /* 10 */
	    "declined_status_id = 103\n"                    /* 11 */
	    "when = lead.cf.555 = \"B2C ; #\"  ; comment\n" /* 12 */
	    "[route b2c fields]\n"                          /* 13 */
	    "Price = \"0\"\n"                               /* 14 */
	    "Name = contact.name\n"                         /* 15 */
	    "[route rest]\n"                                /* 16 */
	    "pipeline_id = 200\n"                           /* 17 */
	    "trigger_status_id = 201\n"                     /* 18 */
	    "template_id = 901\n"                           /* 19 */
	    "[route rest signers]\n"                        /* 20 */
	    "Buyer = contact.main\n";                       /* 21 */
	const struct config_route *r;
	struct config cfg;
	char err[512];

	CHECK(parse(text, &cfg, NULL, err, sizeof err) == 0, "routes parse (%s)", err);
	CHECK(cfg.nroutes == 2, "two routes (got %zu)", cfg.nroutes);
	if (cfg.nroutes == 2) {
		r = &cfg.routes[0];
		CHECK_STR(r->name, "b2c", "first route in file order");
		CHECK(r->line == 6, "its line");
		CHECK_STR(r->pipeline_id, "100", "pipeline_id");
		CHECK_STR(r->trigger_status_id, "101", "trigger_status_id");
		CHECK_STR(r->template_id, "900", "template_id");
		CHECK_STR(r->signed_status_id, "102", "signed_status_id");
		CHECK_STR(r->declined_status_id, "103", "declined_status_id");
		CHECK_STR(r->when_field, "lead.cf.555", "condition's field");
		CHECK_STR(r->when_value, "B2C ; #", "condition's value, quoted text kept whole");
		CHECK(r->nfields == 3 && r->nown_fields == 2, "two own fields and one inherited (%zu, %zu)",
		    r->nfields, r->nown_fields);
		if (r->nfields == 3) {
			CHECK(strcmp(r->fields[0].name, "Price") == 0 && strcmp(r->fields[0].source, "\"0\"") == 0 &&
			    r->fields[0].line == 14, "the route's Price overrides the global one");
			CHECK_STR(r->fields[1].name, "Name", "the route's own line");
			CHECK(strcmp(r->fields[2].name, "Company") == 0 && r->fields[2].line == 2,
			    "the global Company is inherited");
		}
		CHECK(r->nsigners == 1 && r->nown_signers == 0 && strcmp(r->signers[0].name, "Client") == 0,
		    "the global signer is inherited");
		r = &cfg.routes[1];
		CHECK_STR(r->name, "rest", "second route");
		CHECK(r->when_field == NULL && r->signed_status_id == NULL && r->declined_status_id == NULL,
		    "no condition, no outcome stages");
		CHECK(r->nsigners == 2 && strcmp(r->signers[0].name, "Buyer") == 0 &&
		    strcmp(r->signers[1].name, "Client") == 0, "own signer, then the global one");
		CHECK(r->nfields == 2, "both global fields inherited");
	}
	CHECK(cfg.kommo.pipeline_id == NULL && cfg.nfields == 2, "globals untouched");
	config_free(&cfg);
	CHECK(cfg.routes == NULL && cfg.nroutes == 0, "config_free frees the routes");

	CHECK(parse("[route a]\npipeline_id = 1\ntrigger_status_id = 2\ntemplate_id = 3\n"
	    "when = lead.cf.7 = \"\"\n[route a signers]\nC = contact.main\n", &cfg, NULL, err, sizeof err) == 0,
	    "an empty value in a condition (%s)", err);
	CHECK(cfg.nroutes == 1 && strcmp(cfg.routes[0].when_value, "") == 0, "the empty value is kept");
	config_free(&cfg);
}

/* Every bad route line refused with its file, line and key. */
static void
test_route_errors(void)
{
#define ROUTE_OK "pipeline_id = 1\ntrigger_status_id = 2\ntemplate_id = 3\n"
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[signers]\nC = contact.main\n[route a]\npipeline_id = 1\ntrigger_status_id = 2\n",
		    "t.conf:3: [route a] template_id is required" },
		{ "[signers]\nC = contact.main\n[route a]\ntrigger_status_id = 2\ntemplate_id = 3\n",
		    "t.conf:3: [route a] pipeline_id is required" },
		{ "[signers]\nC = contact.main\n[route a]\npipeline_id = 1\ntemplate_id = 3\n",
		    "t.conf:3: [route a] trigger_status_id is required" },
		{ "[route a]\n" ROUTE_OK "tempalte_id = 4\n",
		    "t.conf:5: [route a] tempalte_id: unknown key in a route" },
		{ "[route a]\n" ROUTE_OK "[route b]\n" ROUTE_OK "[route a]\n",
		    "t.conf:9: [route a]: a route of this name is already defined on line 1" },
		{ "[route a]\n" ROUTE_OK "when = lead.cf. = \"x\"\n",
		    "t.conf:5: [route a] when: expected lead.cf.<field id> = \"value\"" },
		{ "[route a]\n" ROUTE_OK "when = contact.cf.5 = \"x\"\n",
		    "t.conf:5: [route a] when: expected lead.cf.<field id> = \"value\"" },
		{ "[route a]\n" ROUTE_OK "when = lead.cf.5 \"x\"\n",
		    "t.conf:5: [route a] when: expected lead.cf.<field id> = \"value\", the value in double quotes" },
		{ "[route a]\n" ROUTE_OK "when = lead.cf.5 = x\n",
		    "t.conf:5: [route a] when: expected lead.cf.<field id> = \"value\", the value in double quotes" },
		{ "[route a]\n" ROUTE_OK "when = lead.cf.5 = \"x\n",
		    "t.conf:5: [route a] when: the closing double quote is missing" },
		{ "[route a]\n" ROUTE_OK "when = lead.cf.5 = \"x\"\nwhen = lead.cf.5 = \"y\"\n",
		    "t.conf:6: [route a] when: set twice (first on line 5)" },
		{ "[route a]\npipeline_id = x\n", "t.conf:2: [route a] pipeline_id: expected a numeric id" },
		{ "[route]\n", "t.conf:1: expected [route NAME], [route NAME fields] or [route NAME signers]" },
		{ "[route a b]\n", "t.conf:1: expected [route NAME], [route NAME fields] or [route NAME signers]" },
		{ "[route a fields]\nX = today\n", "t.conf:1: [route a fields]: no [route a] line above it" },
		{ "[route a]\n" ROUTE_OK "[route a fields]\nX = tomorrow\n",
		    "t.conf:6: [route a fields] X: expected one of lead.id" },
		{ "[route a]\n" ROUTE_OK "[route a signers]\nC = contact.main\nC = contact.main\n",
		    "t.conf:7: [route a signers] C: set twice (first on line 6)" },
		{ "[route a]\n" ROUTE_OK, "t.conf:1: [route a] signers: none; add a [route a signers] or [signers] line" },
	};
#undef ROUTE_OK
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *err = parse_error(cases[i].text);

		CHECK(starts_with(err, cases[i].want), "route error case %zu: %s", i, cases[i].want);
		if (!starts_with(err, cases[i].want))
			printf("#   got  \"%s\"\n", err);
	}
}

/* With routes the [kommo]/[zoho] route is optional; set in part, it is checked as before. */
static void
test_route_check(void)
{
	static const char routes_only[] =
	    "[state]\ndir = /s\n[kommo]\nsubdomain = acme\naccount_id = 1\ntoken = t\n"
	    "hook_secret = 0123456789abcdef0123\nsigned_status_id =\n"
	    "[zoho]\nclient_id = c\nclient_secret = s\nwebhook_secret = 0123456789abcdef0123\n"
	    "[route a]\npipeline_id = 1\ntrigger_status_id = 2\ntemplate_id = 3\n"
	    "[route a signers]\nC = contact.main\n";
	struct config cfg;
	char err[512], text[1024];

	CHECK(parse(routes_only, &cfg, NULL, err, sizeof err) == 0, "routes only parse (%s)", err);
	expect_check(&cfg, CONFIG_NEED_KOMMO_HOOK | CONFIG_NEED_ZOHO_HOOK, NULL,
	    "routes alone: no default pipeline, template, [signers] or signed stage needed");
	config_free(&cfg);
	snprintf(text, sizeof text, "%s[kommo]\npipeline_id = 5\n", routes_only);
	CHECK(parse(text, &cfg, NULL, err, sizeof err) == 0, "with a default pipeline (%s)", err);
	expect_check(&cfg, CONFIG_NEED_KOMMO_HOOK, "t.conf: [kommo] trigger_status_id is required (",
	    "a default route set in part is refused");
	config_free(&cfg);
}

/* [state] backend and the [mariadb] section: read, defaulted, and the keys it needs. */
static void
test_mariadb(void)
{
	static const char text[] = "[state]\ndir = /srv/kzs\nbackend = mariadb\n[mariadb]\n"
		"socket = /run/mysqld/mysqld.sock\ndatabase = kzs\nuser = kzs_app\n"
		"password_file = /srv/kzs/db.password\n";
	struct config cfg;
	char err[512] = "";

	memset(&cfg, 0, sizeof cfg);
	CHECK(parse("[state]\ndir = /srv/kzs\n", &cfg, NULL, err, sizeof err) == 0 &&
	    cfg.state_backend == CONFIG_BACKEND_GDBM, "without backend: gdbm");
	config_free(&cfg);
	CHECK(parse(text, &cfg, NULL, err, sizeof err) == 0, "a mariadb section parses (%s)", err);
	CHECK(cfg.state_backend == CONFIG_BACKEND_MARIADB, "backend = mariadb");
	CHECK(cfg.mariadb.port == 3306 && cfg.mariadb.tls == 0 && cfg.mariadb.host == NULL,
	    "port 3306 and no TLS unless set");
	CHECK_STR(cfg.mariadb.user, "kzs_app", "the user");
#ifdef KZS_MARIADB
	expect_check(&cfg, 0, NULL, "socket, database, user and password file are enough");
	UNSET(cfg.mariadb.socket);
	expect_check(&cfg, 0, "t.conf: [mariadb] socket is required (the server's Unix socket, or host",
	    "neither socket nor host");
	cfg.mariadb.host = strdup("db.internal");
	expect_check(&cfg, 0, NULL, "host instead of socket");
	UNSET(cfg.mariadb.database);
	expect_check(&cfg, 0, "t.conf: [mariadb] database is required", "no database");
	cfg.mariadb.database = strdup("kzs");
	UNSET(cfg.mariadb.user);
	expect_check(&cfg, 0, "t.conf: [mariadb] user is required", "no user");
	cfg.mariadb.user = strdup("kzs");
	UNSET(cfg.mariadb.password_file);
	expect_check(&cfg, CONFIG_NEED_ZOHO_HOOK, "t.conf: [mariadb] password_file is required",
	    "no password file, whatever the program needs");
#else
	expect_check(&cfg, 0, "t.conf: [state] backend = mariadb, but these programs were built without "
	    "MariaDB support", "a build without MariaDB refuses it");
#endif
	config_free(&cfg);
}

int
main(void)
{
	test_mariadb();
	test_full_file();
	test_comments_and_quotes();
	test_defaults();
	test_errors();
	test_signer_sources();
	test_secrets_stay_out();
	test_unknown_keys_warn();
	test_check();
	test_load();
	test_example_file();
	test_truncations();
	test_log_file();
	test_free_partial();
	test_routes();
	test_route_errors();
	test_route_check();
	return CHECK_DONE();
}
