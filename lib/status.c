/*
 * status: one walk of each state file (tokens, outbox, deals) feeds both outputs
 * through a sink that is either a page or a text stream, so the admin page and
 * "kzsctl status" cannot drift apart. Lists keep their best entries in fixed arrays:
 * a state with thousands of deals costs no more memory than one with twenty.
 */
#include "status.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "deal.h"
#include "kommo_token.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "zoho_dc.h"
#include "zoho_token.h"

/* Where the lines go: a page (HTML, escaped there) or a text stream (one line each). */
struct status_sink {
	struct page *p;
	FILE *out;
};

static void
sink_section(struct status_sink *s, const char *id, const char *title)
{
	if (s->p != NULL) {
		page_markup(s->p, "<section id=\"");
		page_markup(s->p, id);
		page_markup(s->p, "\"><h2>");
		page_text(s->p, "%s", title);
		page_markup(s->p, "</h2>\n<ul>\n");
	} else {
		fprintf(s->out, "%s\n", title);
	}
}

static void
sink_end(struct status_sink *s)
{
	if (s->p != NULL)
		page_markup(s->p, "</ul></section>\n");
	else
		fputc('\n', s->out);
}

static void sink_line(struct status_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sink_line(struct status_sink *s, const char *fmt, ...)
{
	char text[1024], shown[4 * sizeof text];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (s->p != NULL) {
		page_markup(s->p, "<li>");
		page_text(s->p, "%s", text);
		page_markup(s->p, "</li>\n");
	} else {
		/* Errors may quote Kommo or Zoho: one fact, one line, whatever they said. */
		log_escape(text, shown, sizeof shown);
		fprintf(s->out, "  %s\n", shown);
	}
}

/* "2026-12-07 14:05 CET", in [zoho] time_zone. */
static void
time_text(long long at, char *buf, size_t len)
{
	time_t t = (time_t)at;
	struct tm tm;

	buf[0] = '\0';
	if (at > 0 && localtime_r(&t, &tm) != NULL)
		strftime(buf, len, "%Y-%m-%d %H:%M %Z", &tm);
}

/* "3 d 4 h", "2 h 5 min", "7 min", "40 s". */
static void
age_text(long long seconds, char *buf, size_t len)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds >= 86400)
		snprintf(buf, len, "%lld d %lld h", seconds / 86400, seconds % 86400 / 3600);
	else if (seconds >= 3600)
		snprintf(buf, len, "%lld h %lld min", seconds / 3600, seconds % 3600 / 60);
	else if (seconds >= 60)
		snprintf(buf, len, "%lld min", seconds / 60);
	else
		snprintf(buf, len, "%lld s", seconds);
}

int
status_zoho_connection(const struct config *cfg, char *buf, size_t len)
{
	struct zoho_token_status st;
	char since[48];

	zoho_token_status(cfg, &st);
	time_text(st.connected_at, since, sizeof since);
	if (st.auth_needed[0] != '\0')
		snprintf(buf, len, "Authorization needed: %s.", st.auth_needed);
	else if (st.stored)
		snprintf(buf, len, "Connected to Zoho Sign in the %s data centre (accounts server %s)%s%s.",
		    st.dc, zoho_dc_host(st.accounts_url), since[0] ? " since " : "", since);
	else if (st.configured)
		snprintf(buf, len, "Connected with the refresh token in [zoho] refresh_token, to Zoho "
		    "Sign in the %s data centre (accounts server %s).", cfg->zoho.dc,
		    zoho_dc_host(cfg->zoho.accounts_url));
	else
		snprintf(buf, len, "Authorization needed: not connected yet.");
	return st.stored;
}

/* "the Kommo account acme (https://acme.kommo.com)"; kzsctl may run with neither set. */
static void
account_line(const struct config *cfg, char *buf, size_t len)
{
	const char *name = cfg->kommo.subdomain, *url = cfg->kommo.base_url;

	if (name != NULL)
		snprintf(buf, len, "the Kommo account %s%s%s%s", name, url ? " (" : "", url ? url : "",
		    url ? ")" : "");
	else
		snprintf(buf, len, "Kommo at %s", url ? url : "(no [kommo] subdomain set)");
}

int
status_kommo_connection(const struct config *cfg, char *buf, size_t len)
{
	struct kommo_token_status st;
	char since[48], account[320];

	kommo_token_status(cfg, &st);
	time_text(st.connected_at, since, sizeof since);
	account_line(cfg, account, sizeof account);
	if (!st.oauth && cfg->kommo.token != NULL)
		snprintf(buf, len, "Uses the long-lived token in [kommo] token, for %s.", account);
	else if (!st.oauth)
		snprintf(buf, len, "Not set up: set [kommo] token, or client_id, client_secret and "
		    "redirect_uri.");
	else if (st.auth_needed[0] != '\0')
		snprintf(buf, len, "Authorization needed: %s.", st.auth_needed);
	else if (st.stored)
		snprintf(buf, len, "Connected to %s%s%s.", account, since[0] ? " since " : "", since);
	else
		snprintf(buf, len, "Authorization needed: not connected yet.");
	return st.stored;
}

static void
connections(const struct config *cfg, struct status_sink *s)
{
	char line[512];

	sink_section(s, "status-connections", "Connections");
	status_zoho_connection(cfg, line, sizeof line);
	sink_line(s, "Zoho Sign: %s", line);
	status_kommo_connection(cfg, line, sizeof line);
	sink_line(s, "Kommo: %s", line);
	sink_end(s);
}

/* ---- webhooks ---- */

void
status_hook_received(const char *dir, const char *program)
{
	char path[1024], err[256];
	int fd;

	if ((size_t)snprintf(path, sizeof path, "%s/%s.last", dir, program) >= sizeof path)
		return;
	if ((fd = store_file_open(path, 1, 1, err, sizeof err)) < 0)
		return;
	if (futimens(fd, NULL) == -1)
		log_warn("%s: cannot set its time: the last delivery shown stays older", path);
	close(fd);
}

static void
hook_line(const struct config *cfg, const char *program, long long now, struct status_sink *s)
{
	char path[1024], when[48], age[32];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s.last", cfg->state_dir, program);
	if (lstat(path, &st) == -1 || !S_ISREG(st.st_mode)) {
		sink_line(s, "%s: no delivery accepted yet", program);
		return;
	}
	time_text((long long)st.st_mtime, when, sizeof when);
	age_text(now - (long long)st.st_mtime, age, sizeof age);
	sink_line(s, "%s: last delivery accepted %s (%s ago)", program, when, age);
}

static void
hooks(const struct config *cfg, long long now, struct status_sink *s)
{
	sink_section(s, "status-webhooks", "Webhooks");
	hook_line(cfg, "kommo-hook", now, s);
	hook_line(cfg, "zoho-hook", now, s);
	sink_end(s);
}

/* ---- the queue ---- */

struct jobs {
	long long now, next_at;
	int due, running, waiting, dead, failing;
	struct outbox_job errors[STATUS_ERRORS_MAX]; /* state not kept */
	size_t nerrors;
};

static void
one_job(const struct outbox_job *job, void *arg)
{
	struct jobs *q = arg;

	if (job->dead)
		q->dead++;
	else if (job->lease_until > q->now)
		q->running++;
	else if (job->next_at <= q->now)
		q->due++;
	else {
		q->waiting++;
		if (q->next_at == 0 || job->next_at < q->next_at)
			q->next_at = job->next_at;
	}
	if (job->last_error[0] == '\0')
		return;
	q->failing++;
	if (q->nerrors < STATUS_ERRORS_MAX) {
		q->errors[q->nerrors] = *job;
		q->errors[q->nerrors++].state = NULL;
	}
}

/* Given-up jobs first, then the one retried soonest. */
static int
error_order(const void *a, const void *b)
{
	const struct outbox_job *x = a, *y = b;

	if (x->dead != y->dead)
		return y->dead - x->dead;
	return (x->next_at > y->next_at) - (x->next_at < y->next_at);
}

static int
jobs(const struct config *cfg, long long now, struct status_sink *s)
{
	struct jobs *q = calloc(1, sizeof *q);
	char when[48];
	size_t i;

	sink_section(s, "status-jobs", "Jobs");
	if (q != NULL)
		q->now = now;
	if (q == NULL || outbox_list(cfg->state_dir, one_job, q) == -1) {
		sink_line(s, "The queue could not be read; see the error log.");
		sink_end(s);
		free(q);
		return -1;
	}
	time_text(q->next_at, when, sizeof when);
	sink_line(s, "%d due now, %d running, %d waiting%s%s%s, %d given up", q->due, q->running,
	    q->waiting, q->waiting ? " (the next at " : "", q->waiting ? when : "", q->waiting ? ")" : "",
	    q->dead);
	sink_end(s);

	sink_section(s, "status-errors", "Last errors");
	qsort(q->errors, q->nerrors, sizeof q->errors[0], error_order);
	for (i = 0; i < q->nerrors; i++) {
		const struct outbox_job *job = &q->errors[i];

		time_text(job->next_at, when, sizeof when);
		if (job->dead)
			sink_line(s, "%s: given up after %d attempt(s) (kzsctl retry starts it again): %s",
			    job->key, job->attempts, job->last_error);
		else
			sink_line(s, "%s: attempt %d failed, next try %s: %s", job->key, job->attempts,
			    when, job->last_error);
	}
	if (q->failing > (int)q->nerrors)
		sink_line(s, "and %d more (kzsctl jobs lists every job)", q->failing - (int)q->nerrors);
	if (q->failing == 0)
		sink_line(s, "none: no queued job has failed");
	sink_end(s);
	free(q);
	return 0;
}

/* ---- deals ---- */

struct status_deal {
	char lead[32];
	char request[32];
	char state[16];
	long long since;
};

/* The STATUS_LIST_MAX newest (or oldest) of a list of deals, and how many there were. */
struct status_top {
	int newest;
	size_t n, total;
	struct status_deal d[STATUS_LIST_MAX];
};

static int
before(const struct status_top *top, const struct status_deal *a, const struct status_deal *b)
{
	return top->newest ? a->since > b->since : a->since < b->since;
}

static void
top_add(struct status_top *top, const char *lead, const struct deal *d)
{
	struct status_deal e;
	size_t i, worst = 0;

	memset(&e, 0, sizeof e);
	snprintf(e.lead, sizeof e.lead, "%s", lead);
	snprintf(e.request, sizeof e.request, "%s", d->request_id);
	snprintf(e.state, sizeof e.state, "%s", d->state);
	e.since = d->since;
	top->total++;
	if (top->n < STATUS_LIST_MAX) {
		top->d[top->n++] = e;
		return;
	}
	for (i = 1; i < top->n; i++)
		if (before(top, &top->d[worst], &top->d[i]))
			worst = i;
	if (before(top, &e, &top->d[worst]))
		top->d[worst] = e;
}

static void
top_sort(struct status_top *top)
{
	size_t i, j;

	for (i = 1; i < top->n; i++) {
		struct status_deal e = top->d[i];

		for (j = i; j > 0 && before(top, &e, &top->d[j - 1]); j--)
			top->d[j] = top->d[j - 1];
		top->d[j] = e;
	}
}

struct deals {
	struct status_top inflight, outcomes;
};

static void
one_deal(const char *lead_id, const struct deal *d, void *arg)
{
	struct deals *all = arg;

	if (strcmp(d->state, DEAL_INFLIGHT) == 0 || strcmp(d->state, DEAL_SENDING) == 0)
		top_add(&all->inflight, lead_id, d);
	else if (d->state[0] != '\0')
		top_add(&all->outcomes, lead_id, d);
}

/* What an outcome state means to the sales team. */
static const char *
text_of_outcome(const char *state)
{
	if (strcmp(state, DEAL_COMPLETED) == 0)
		return "signed; the PDF is on the deal and the deal moved on";
	if (strcmp(state, DEAL_DECLINED) == 0)
		return "declined; the manager has a note and a task";
	if (strcmp(state, DEAL_EXPIRED) == 0)
		return "expired unsigned; the manager has a note and a task";
	if (strcmp(state, DEAL_RECALLED) == 0)
		return "recalled in Zoho Sign";
	if (strcmp(state, DEAL_BLOCKED) == 0)
		return "not sent: the deal's data did not fit the template; the manager has a note and a task";
	return state;
}

static int
deals(const struct config *cfg, long long now, struct status_sink *s)
{
	struct deals *all = calloc(1, sizeof *all);
	char when[48], age[32];
	size_t i;
	int rc = -1;

	if (all != NULL) {
		all->outcomes.newest = 1;
		rc = deal_each(cfg->state_dir, one_deal, all);
	}
	sink_section(s, "status-inflight", "Requests in flight");
	if (rc == -1) {
		sink_line(s, "The deals could not be read; see the error log.");
		sink_end(s);
		free(all);
		return -1;
	}
	top_sort(&all->inflight);
	for (i = 0; i < all->inflight.n; i++) {
		const struct status_deal *e = &all->inflight.d[i];

		time_text(e->since, when, sizeof when);
		age_text(now - e->since, age, sizeof age);
		if (strcmp(e->state, DEAL_SENDING) == 0)
			sink_line(s, "deal %s: being sent since %s (%s); Zoho's answer is not recorded yet",
			    e->lead, when, age);
		else
			sink_line(s, "deal %s: request %s out for signature for %s (sent %s)", e->lead,
			    e->request, age, when);
	}
	if (all->inflight.total > all->inflight.n)
		sink_line(s, "and %zu more, younger", all->inflight.total - all->inflight.n);
	if (all->inflight.total == 0)
		sink_line(s, "none");
	sink_end(s);

	sink_section(s, "status-outcomes", "Last outcomes");
	top_sort(&all->outcomes);
	for (i = 0; i < all->outcomes.n; i++) {
		const struct status_deal *e = &all->outcomes.d[i];

		time_text(e->since, when, sizeof when);
		if (e->request[0] != '\0')
			sink_line(s, "%s: deal %s, request %s: %s", when, e->lead, e->request,
			    text_of_outcome(e->state));
		else
			sink_line(s, "%s: deal %s: %s", when, e->lead, text_of_outcome(e->state));
	}
	if (all->outcomes.total == 0)
		sink_line(s, "none yet");
	sink_end(s);
	free(all);
	return 0;
}

/* ---- both outputs ---- */

static int
sections(const struct config *cfg, long long now, struct status_sink *s)
{
	int rc = 0;

	hooks(cfg, now, s);
	rc |= jobs(cfg, now, s);
	rc |= deals(cfg, now, s);
	return rc ? -1 : 0;
}

void
status_page(const struct config *cfg, long long now, struct page *p)
{
	struct status_sink s = { p, NULL };
	char when[48];

	time_text(now, when, sizeof when);
	page_markup(p, "<div id=\"status\"><p class=\"note\">");
	page_text(p, "Status at %s (times in %s).", when, cfg->zoho.time_zone);
	page_markup(p, "</p>\n");
	sections(cfg, now, &s);
	page_markup(p, "</div>\n");
}

int
status_print(const struct config *cfg, long long now, FILE *out)
{
	struct status_sink s = { NULL, out };
	char when[48];

	time_text(now, when, sizeof when);
	fprintf(out, "Status at %s (times in %s)\n\n", when, cfg->zoho.time_zone);
	connections(cfg, &s);
	return sections(cfg, now, &s);
}
