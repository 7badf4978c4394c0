/*
 * Unit tests for lib/status.c: what "kzsctl status" prints and the admin page shows
 * for a state folder prepared here: the connections, the webhooks' last deliveries,
 * the queue's counts, the last errors (given up first), the requests in flight
 * (oldest first, with their age), the last outcomes (newest first); times in the
 * configured zone ([zoho] time_zone, here Asia/Kathmandu, UTC+05:45); text from
 * outside escaped in both forms; no secret or token of the configuration or the
 * tokens store shown; a damaged queue said so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "check.h"
#include "kommo_token.h"
#include "outbox.h"
#include "page.h"
#include "status.h"
#include "store.h"
#include "world.h"
#include "zone.h"

/* 2025-11-29 19:02:00 UTC, 2025-11-30 00:47 in Kathmandu: the status is asked for now. */
#define T 1764442920LL
#define REQ_DONE "2000000000000000003"
#define ERR_WAITING "Kommo GET /api/v4/leads/1003: HTTP 503: <script>alert(\"x\")</script> & more\nFORGED LINE"
#define STATUS_AT "Status at 2025-11-30 00:47 +0545 (times in Asia/Kathmandu)\n\n"
#define ERR_DEAD "Zoho code 2001: Request does not exist"

static struct config cfg;
static const char *dir; /* the state folder */

/* Every secret and token the state and configuration hold; none may be shown. */
static const char *const secrets[] = {
	"kommo-client-secret", "hook-secret-0123456789abcdef", "zoho-client-secret",
	"webhook-secret-0123456789abcdef", "1000.refresh.configured", "1000.refresh.connected",
	W_ZOHO_TOKEN, "kommo-access-token-1", "kommo-refresh-token-1", NULL,
};

/* The operator's configuration (world.h), with Kommo reached through OAuth (no
 * long-lived token), so that its tokens are in the state too, and the company in Kathmandu. */
static int
open_state(void)
{
	if (world_open(&cfg) == -1)
		return -1;
	free(cfg.kommo.token);
	cfg.kommo.token = NULL;
	free(cfg.zoho.time_zone);
	cfg.zoho.time_zone = strdup("Asia/Kathmandu");
	if (cfg.zoho.time_zone == NULL)
		return -1;
	zone_use(cfg.zoho.time_zone);
	dir = cfg.state_dir;
	return 0;
}

/* What kzsctl status prints (malloc'd); *rc its result. */
static char *
printed(int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		abort();
	*rc = status_print(&cfg, T, f);
	fclose(f);
	return text;
}

/* The admin page's status part, as a whole page (page_free it). */
static const char *
shown(struct page *p)
{
	memset(p, 0, sizeof *p);
	page_begin(p, "Status");
	status_page(&cfg, T, p);
	return page_end(p);
}

static void
no_secret(const char *text, const char *form)
{
	size_t i;
	int clean = 1;

	for (i = 0; secrets[i] != NULL; i++)
		if (strstr(text, secrets[i]) != NULL) {
			printf("#   %s shows %s\n", form, secrets[i]);
			clean = 0;
		}
	CHECK(clean, "the %s shows no secret or token", form);
}

static void
test_empty(void)
{
	struct page p;
	const char *html;
	char *text;
	int rc;

	text = printed(&rc);
	CHECK(rc == 0, "an empty state folder: status succeeds");
	CHECK(strncmp(text, STATUS_AT, strlen(STATUS_AT)) == 0, "...the time asked for is in the configured zone");
	CHECK(strstr(text, "  Zoho Sign: Connected with the refresh token in [zoho] refresh_token, to Zoho Sign in "
	    "the eu data centre (accounts server accounts.zoho.eu).\n") != NULL,
	    "...Zoho Sign reached with the configured refresh token");
	CHECK(strstr(text, "  Kommo: Authorization needed: not connected yet.\n") != NULL,
	    "...Kommo through OAuth, not connected yet");
	CHECK(strstr(text, "  kommo-hook: no delivery accepted yet\n") && strstr(text, "  zoho-hook: no delivery accepted yet\n"),
	    "...no webhook delivery yet");
	CHECK(strstr(text, "Jobs\n  0 due now, 0 running, 0 waiting, 0 given up\n") != NULL, "...no jobs");
	CHECK(strstr(text, "Last errors\n  none: no queued job has failed\n") != NULL, "...no errors");
	CHECK(strstr(text, "Requests in flight\n  none\n") != NULL, "...no requests in flight");
	CHECK(strstr(text, "Last outcomes\n  none yet\n") != NULL, "...no outcomes yet");
	no_secret(text, "text before connecting");
	free(text);

	html = shown(&p);
	CHECK(strstr(html, "<section id=\"status-jobs\"><h2>Jobs</h2>\n<ul>\n<li>0 due now, 0 running, 0 waiting, "
	    "0 given up</li>\n") != NULL, "the page says the same in its Jobs section");
	CHECK(strstr(html, "Zoho Sign:") == NULL, "...and leaves the connections to the admin page's own lines");
	page_free(&p);
}

static void
put(const char *store, const char *key, const char *value)
{
	if (store_put1(dir, store, key, value) != 0)
		printf("# cannot store %s\n", key);
}

/* A lead record as lib/deal writes it, set at `since`; request is JSON string text. */
static void
deal(const char *lead, const char *state, const char *request, long long since)
{
	char key[64], value[256];

	snprintf(key, sizeof key, "lead:%s", lead);
	snprintf(value, sizeof value, "{\"state\":\"%s\",\"request_id\":\"%s\",\"updated_at\":\"1\",\"since\":%lld}",
	    state, request, since);
	put(STORE_DEALS, key, value);
}

static void
hook_at(const char *program, long long at)
{
	char path[128];
	struct timeval tv[2] = { { (time_t)at, 0 }, { (time_t)at, 0 } };

	status_hook_received(dir, program);
	snprintf(path, sizeof path, "%s/%s.last", dir, program);
	if (utimes(path, tv) == -1)
		perror(path);
}

static void
job_at(const char *kind, const char *subject, long long at)
{
	char err[256];

	if (outbox_enqueue(dir, kind, subject, at, err, sizeof err) == -1)
		printf("# enqueue %s:%s: %s\n", kind, subject, err);
}

static void
claimed_at(long long at, struct outbox_job *job)
{
	if (outbox_claim(dir, at, job) != 0)
		printf("# nothing claimed at %lld\n", at);
}

static void
prepare(void)
{
	char value[256], lead[16];
	struct outbox_job job;
	int i;

	/* Connected: Zoho through oauth-callback, Kommo's OAuth tokens stored a day ago. */
	if (world_zoho_connected(&cfg) == -1)
		printf("# Zoho not connected\n");
	snprintf(value, sizeof value, "{\"access_token\":\"kommo-access-token-1\",\"refresh_token\":"
	    "\"kommo-refresh-token-1\",\"expires_at\":%lld,\"connected_at\":%lld}", T + 3600, T - 86400);
	put(STORE_TOKENS, KOMMO_TOKEN_OAUTH, value);

	hook_at("kommo-hook", T - 300);

	/* One job running, one waiting after a failure, one given up, one due. */
	job_at("send", "1002", T - 60);
	claimed_at(T - 50, &job);
	outbox_job_free(&job);
	job_at("send", "1003", T - 40);
	claimed_at(T - 40, &job);
	outbox_retry(dir, &job, ERR_WAITING, 600, T - 40);
	outbox_job_free(&job);
	job_at("complete", REQ_DONE, T - 30);
	claimed_at(T - 30, &job);
	outbox_bury(dir, &job, ERR_DEAD, T - 30);
	outbox_job_free(&job);
	job_at("send", "1001", T - 20);

	/* In flight: one for 3 d 4 h, one being sent for 7 min, and 20 younger ones. */
	deal("2001", "inflight", "2000000000000000001", T - 3 * 86400 - 4 * 3600);
	deal("2002", "sending", "", T - 420);
	for (i = 1; i <= 20; i++) {
		snprintf(lead, sizeof lead, "30%02d", i);
		deal(lead, "inflight", "2000000000000000099", T - 100 - i);
	}
	/* Outcomes, the newest last; one with a request id that is markup. */
	deal("2003", "completed", REQ_DONE, T - 7200);
	deal("2004", "declined", "\\\"><b>x</b>", T - 3600); /* JSON for "><b>x</b> */
	deal("2005", "blocked", "", T - 60);
}

static void
test_prepared(void)
{
	const char *html, *a, *b, *c;
	struct page p;
	char *text;
	int rc;

	text = printed(&rc);
	CHECK(rc == 0, "a prepared state: status succeeds");
	CHECK(strstr(text, "  Zoho Sign: Connected to Zoho Sign in the eu data centre (accounts server accounts.zoho.eu) since ")
	    != NULL, "Zoho Sign connected through oauth-callback, in its data centre");
	CHECK(strstr(text, "  Kommo: Connected to the Kommo account acme (https://acme.kommo.com) since 2025-11-29 00:47 +0545.\n")
	    != NULL, "Kommo connected a day ago, in the zone's time");
	CHECK(strstr(text, "  kommo-hook: last delivery accepted 2025-11-30 00:42 +0545 (5 min ago)\n") != NULL,
	    "kommo-hook's last delivery: its time in the zone and its age");
	CHECK(strstr(text, "  zoho-hook: no delivery accepted yet\n") != NULL, "zoho-hook: none yet");
	CHECK(strstr(text, "Jobs\n  1 due now, 1 running, 1 waiting (the next at 2025-11-30 00:56 +0545), 1 given up\n") != NULL,
	    "the queue: due, running, waiting with the next one's time, given up");

	CHECK((a = strstr(text, "  complete:" REQ_DONE ": given up after 1 attempt(s) (kzsctl retry starts it again): "
	    ERR_DEAD "\n")) != NULL, "the given-up job's error, and how to start it again");
	CHECK((b = strstr(text, "  send:1003: attempt 1 failed, next try 2025-11-30 00:56 +0545: Kommo GET /api/v4/leads/1003: "
	    "HTTP 503: <script>alert(\"x\")</script> & more\\nFORGED LINE\n")) != NULL,
	    "the waiting job's error, with its next try; a line break in it is shown as \\n");
	CHECK(a && b && a < b, "...the given-up job first");
	CHECK(strstr(text, "\nFORGED LINE") == NULL, "...so a remote's words cannot make a line of their own");

	CHECK((a = strstr(text, "  deal 2001: request 2000000000000000001 out for signature for 3 d 4 h (sent 2025-11-26 20:47 +0545)\n"))
	    != NULL, "a request in flight for 3 d 4 h, and when it was sent");
	CHECK((b = strstr(text, "  deal 2002: being sent since 2025-11-30 00:40 +0545 (7 min); Zoho's answer is not recorded yet\n"))
	    != NULL, "a request being sent for 7 min");
	CHECK(a && b && a < b, "...the oldest first");
	CHECK(strstr(text, "  deal 3020: ") && strstr(text, "  deal 3003: ") && !strstr(text, "  deal 3002: ") &&
	    !strstr(text, "  deal 3001: "), "20 listed: the two youngest are left out");
	CHECK(strstr(text, "  and 2 more, younger\n") != NULL, "...and counted");

	CHECK((a = strstr(text, "  2025-11-30 00:46 +0545: deal 2005: not sent: the deal's data did not fit the template; "
	    "the manager has a note and a task\n")) != NULL, "the last outcome: a deal whose data did not fit");
	CHECK((b = strstr(text, "  2025-11-29 23:47 +0545: deal 2004, request \"><b>x</b>: declined; the manager has a note and a task\n"))
	    != NULL, "...a decline");
	CHECK((c = strstr(text, "  2025-11-29 22:47 +0545: deal 2003, request " REQ_DONE ": signed; the PDF is on the deal and "
	    "the deal moved on\n")) != NULL, "...a signature");
	CHECK(a && b && c && a < b && b < c, "...the newest first");
	no_secret(text, "text");
	free(text);

	html = shown(&p);
	CHECK(strstr(html, "<p class=\"note\">Status at 2025-11-30 00:47 +0545 (times in Asia/Kathmandu).</p>") != NULL,
	    "the page: the time in the zone");
	CHECK(strstr(html, "<li>send:1003: attempt 1 failed, next try 2025-11-30 00:56 +0545: Kommo GET /api/v4/leads/1003: "
	    "HTTP 503: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more\nFORGED LINE</li>") != NULL,
	    "the page escapes an error's markup, quotes and ampersand");
	CHECK(strstr(html, "<li>2025-11-29 23:47 +0545: deal 2004, request &quot;&gt;&lt;b&gt;x&lt;/b&gt;: declined;") != NULL,
	    "...and a request id from the state");
	CHECK(strstr(html, "<script") == NULL && strstr(html, "<b>") == NULL, "...so none of it is markup");
	CHECK(strstr(html, "<li>deal 2001: request 2000000000000000001 out for signature for 3 d 4 h") != NULL &&
	    strstr(html, "<li>1 due now, 1 running, 1 waiting (the next at 2025-11-30 00:56 +0545), 1 given up</li>") != NULL,
	    "the page says what the text says");
	no_secret(html, "page");
	page_free(&p);
}

static void
test_damaged(void)
{
	char path[128], *text;
	FILE *f;
	int rc;

	snprintf(path, sizeof path, "%s/outbox.db", dir);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("this is not a queue\n", f);
		fclose(f);
	}
	text = printed(&rc);
	CHECK(rc == -1, "a damaged queue: status says it failed");
	CHECK(strstr(text, "Jobs\n  The queue could not be read; see the error log.\n") != NULL, "...and says so where the jobs were");
	CHECK(strstr(text, "  deal 2001: request ") != NULL, "...what could be read is still shown");
	free(text);
}

int
main(void)
{
	if (open_state() == -1)
		return 1;
	test_empty();
	prepare();
	test_prepared();
	test_damaged();
	world_close(&cfg);
	return CHECK_DONE();
}
