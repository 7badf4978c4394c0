/*
 * Unit tests for lib/program.c as an operator meets it: start-up reads the file that
 * KZS_CONFIG names (and refuses one that is missing, broken or lacks what the program
 * needs); an edit of the file is picked up at the next request, and an edit that does
 * not load keeps the previous configuration and says why, once; secrets open to others
 * or a state written by a newer build make every request a 503 with a one-line reason.
 * The log lines are read from the [log] file the configuration names.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "program.h"
#include "web.h"

static char tmp[] = "/tmp/kzs-program-XXXXXX";
static char conf[256], logfile[256], state[256];

#define ZOHO_CLIENT "client_id = 1000.CLIENT\nclient_secret = zoho-client-secret\n"
#define ZOHO_REDIRECT "redirect_uri = https://example.com/cgi-bin/oauth-callback\n"

/* The configuration file: [kommo] subdomain sub, the [zoho] lines, then extra lines. */
static void
write_config(const char *sub, const char *zoho, const char *extra)
{
	char text[2048], part[300];
	FILE *f;

	snprintf(text, sizeof text, "[state]\ndir = %s\n\n[log]\nfile = %s\n\n", state, logfile);
	snprintf(part, sizeof part, "[kommo]\nsubdomain = %s\n\n[zoho]\n%s\n", sub, zoho);
	strcat(text, part);
	strcat(text, extra);
	/* As an editor saves: a new file renamed over the old one. */
	snprintf(part, sizeof part, "%s.new", conf);
	f = fopen(part, "w");
	fputs(text, f);
	fclose(f);
	chmod(part, 0600);
	rename(part, conf);
}

/* The log lines written since the last call (malloc'd). */
static char *
new_log(void)
{
	static long seen;
	char *text = calloc(1, 65536);
	FILE *f = fopen(logfile, "r");

	if (f != NULL) {
		fseek(f, seen, SEEK_SET);
		seen += (long)fread(text, 1, 65535, f);
		fclose(f);
	}
	return text;
}

/* How many lines of the new log lines hold what. */
static int
logged(const char *log, const char *what)
{
	int n = 0;

	for (; (log = strstr(log, what)) != NULL; log++)
		n++;
	return n;
}

/* program_request_begin as a CGI request: the answer the web server reads, in out. */
static int
request(struct config *cfg, char *out, size_t len)
{
	struct web_request req = { .method = "POST", .query = "", .content_type = "" };
	char path[300];
	int saved, fd, rc;
	ssize_t n;

	snprintf(path, sizeof path, "%s/answer", tmp);
	fflush(stdout);
	saved = dup(1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	close(fd);
	rc = program_request_begin(cfg, &req);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fd = open(path, O_RDONLY);
	n = read(fd, out, len - 1);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	return rc;
}

static void
test_start(struct config *cfg)
{
	char *log;

	snprintf(conf, sizeof conf, "%s/absent.conf", tmp);
	setenv("KZS_CONFIG", conf, 1);
	CHECK(program_start("kzs-test", 0, cfg) == -1, "a program does not start without its config file");

	snprintf(conf, sizeof conf, "%s/kzs.conf", tmp);
	setenv("KZS_CONFIG", conf, 1);
	write_config("acme", ZOHO_REDIRECT, "");
	CHECK(program_start("kzs-test", CONFIG_NEED_OAUTH, cfg) == -1,
	    "nor with a file that lacks what the program needs");
	CHECK(program_start("kzs-test", 0, cfg) == 0, "(the same file serves a program that does not need it)");
	config_free(cfg);
	free(new_log());

	write_config("acme", ZOHO_CLIENT ZOHO_REDIRECT, "");
	CHECK(program_start("kzs-test", CONFIG_NEED_OAUTH, cfg) == 0 && strcmp(cfg->kommo.subdomain, "acme") == 0 &&
	    strcmp(cfg->kommo.base_url, "https://acme.kommo.com") == 0 && strcmp(cfg->path, conf) == 0,
	    "it starts with the file KZS_CONFIG names, defaults derived");
	log = new_log();
	CHECK(log[0] == '\0', "a clean start logs nothing");
	free(log);
}

static void
test_refresh(struct config *cfg)
{
	const char *before = cfg->kommo.subdomain;
	char *log;

	program_config_refresh(cfg);
	CHECK(cfg->kommo.subdomain == before, "an unchanged file is not read again");

	write_config("beta-company", ZOHO_CLIENT ZOHO_REDIRECT, "");
	program_config_refresh(cfg);
	log = new_log();
	CHECK(strcmp(cfg->kommo.subdomain, "beta-company") == 0 &&
	    strcmp(cfg->kommo.base_url, "https://beta-company.kommo.com") == 0,
	    "an edited file is read at the next request: %s", cfg->kommo.subdomain);
	CHECK(logged(log, "kzs.conf changed: configuration reloaded") == 1, "and the log says so");
	free(log);

	write_config("gamma", ZOHO_CLIENT ZOHO_REDIRECT, "[limits\ndrainers = 2\n");
	program_config_refresh(cfg);
	log = new_log();
	CHECK(strcmp(cfg->kommo.subdomain, "beta-company") == 0 && strcmp(cfg->zoho.client_id, "1000.CLIENT") == 0,
	    "an edit that does not parse keeps the previous configuration whole");
	CHECK(logged(log, "kzs.conf changed but does not load; still using the previous configuration") == 1 &&
	    logged(log, "kzs.conf:15: ") == 1, "the log says so, and where the file is wrong");
	free(log);
	program_config_refresh(cfg);
	program_config_refresh(cfg);
	log = new_log();
	CHECK(log[0] == '\0', "it is said once, not at every request");
	free(log);

	write_config("delta", ZOHO_CLIENT, "");
	program_config_refresh(cfg);
	log = new_log();
	CHECK(strcmp(cfg->kommo.subdomain, "beta-company") == 0 && cfg->zoho.redirect_uri != NULL,
	    "an edit that parses but lacks what the program needs is kept out too");
	CHECK(logged(log, "redirect_uri") >= 1 && logged(log, "still using the previous configuration") == 1,
	    "and the log names the missing key");
	free(log);

	write_config("epsilon", ZOHO_CLIENT ZOHO_REDIRECT, "[limits]\ndrainers = 3\n");
	program_config_refresh(cfg);
	log = new_log();
	CHECK(strcmp(cfg->kommo.subdomain, "epsilon") == 0 && cfg->limits.drainers == 3 &&
	    logged(log, "configuration reloaded") == 1, "once the file is mended it is read");
	free(log);

	unlink(conf);
	program_config_refresh(cfg);
	CHECK(strcmp(cfg->kommo.subdomain, "epsilon") == 0, "a file removed meanwhile leaves the configuration as it is");
	write_config("epsilon", ZOHO_CLIENT ZOHO_REDIRECT, "[limits]\ndrainers = 3\n");
	program_config_refresh(cfg);
	free(new_log());
}

static void
test_refusals(struct config *cfg)
{
	char answer[1024], *log, path[300];
	int fd;

	CHECK(request(cfg, answer, sizeof answer) == 0 && answer[0] == '\0',
	    "a request begins when all is in order, with nothing answered yet");

	chmod(conf, 0640);
	CHECK(request(cfg, answer, sizeof answer) == -1 &&
	    strncmp(answer, "Status: 503 Service Unavailable\r\n", 33) == 0 &&
	    strstr(answer, "\r\n\r\nthis service is not safely set up; its error log says what to fix\n"),
	    "a config file open to its group makes the request a 503 with a reason");
	log = new_log();
	CHECK(logged(log, "(mode 640); chmod 600 ") == 1 && logged(log, conf) >= 1, "the log says which chmod fixes it");
	free(log);
	CHECK(program_private(cfg) == -1, "program_private says the same");
	chmod(conf, 0600);
	CHECK(program_private(cfg) == 0 && request(cfg, answer, sizeof answer) == 0, "once mended, requests are served");

	chmod(state, 0770);
	CHECK(program_private(cfg) == -1 && request(cfg, answer, sizeof answer) == -1 &&
	    strncmp(answer, "Status: 503 ", 12) == 0, "a state folder others may enter is refused likewise");
	chmod(state, 0700);

	snprintf(path, sizeof path, "%s/format", state);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (write(fd, "9\n", 2) != 2)
		perror("format");
	close(fd);
	CHECK(request(cfg, answer, sizeof answer) == -1 && strncmp(answer, "Status: 503 ", 12) == 0 &&
	    strstr(answer, "was written by a newer version (format 9); this build knows up to 1: install the newer "
		"build or restore a dump\n") && strstr(answer, state) == NULL,
	    "a state written by a newer build: 503 saying so, without naming the folder");
	{
		char reason[300];

		CHECK(program_state_usable(cfg, reason, sizeof reason) == -1 && strstr(reason, "format 9"),
		    "program_state_usable refuses it: %s", reason);
	}
	fd = open(path, O_WRONLY | O_TRUNC);
	if (write(fd, "1\n", 2) != 2)
		perror("format");
	close(fd);
	CHECK(request(cfg, answer, sizeof answer) == 0, "with this build's format, requests are served again");
}

int
main(void)
{
	struct config cfg;

	if (mkdtemp(tmp) == NULL)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(logfile, sizeof logfile, "%s/kzs.log", tmp);
	snprintf(state, sizeof state, "%s/state", tmp);
	mkdir(state, 0700);
	test_start(&cfg);
	test_refresh(&cfg);
	test_refusals(&cfg);
	config_free(&cfg);
	if (fork() == 0)
		execlp("rm", "rm", "-rf", tmp, (char *)NULL);
	wait(NULL);
	return CHECK_DONE();
}
