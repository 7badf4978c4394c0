/*
 * world: the shared set-up of the job tests. The outbox is claimed on a clock of the
 * tests' own that only moves forward, so that a rerun always finds the job due.
 */
#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jfield.h"
#include "store.h"
#include "zoho_dc.h"
#include "zoho_token.h"

static char world_dir[64];
static long long world_clock;

int
world_open(struct config *cfg)
{
	char text[4096], err[256];
	int n;

	/* The library logs to stderr: whole lines of results keep the two apart. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(world_dir, sizeof world_dir, "/tmp/kzs-unit-XXXXXX");
	if (mkdtemp(world_dir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	n = snprintf(text, sizeof text,
	    "[state]\ndir = %s\n\n"
	    "[kommo]\nsubdomain = acme\naccount_id = 12345678\ntoken = " W_KOMMO_TOKEN "\n"
	    "client_id = kommo-client\nclient_secret = kommo-client-secret\n"
	    "redirect_uri = https://example.com/cgi-bin/oauth-callback\n"
	    "hook_secret = hook-secret-0123456789abcdef\npipeline_id = " W_PIPELINE "\n"
	    "trigger_status_id = " W_TRIGGER "\nsigned_status_id = " W_SIGNED "\n"
	    "declined_status_id = " W_DECLINED "\ntask_type_id = 1\n\n"
	    "[zoho]\ndc = eu\nclient_id = 1000.CLIENT\nclient_secret = zoho-client-secret\n"
	    "redirect_uri = https://example.com/cgi-bin/oauth-callback\n"
	    "refresh_token = 1000.refresh.configured\n"
	    "webhook_secret = webhook-secret-0123456789abcdef\ntemplate_id = " W_TEMPLATE "\n\n"
	    "[limits]\nkommo_calls_per_second = 100000\nzoho_calls_per_minute = 100000\n\n"
	    "[fields]\nCompanyName = company.name\nDealAmount = lead.price\nContractDate = today\n\n"
	    "[signers]\nClient = contact.main\n", world_dir);
	if (n < 0 || (size_t)n >= sizeof text ||
	    config_parse(text, (size_t)n, "unit.conf", cfg, NULL, NULL, err, sizeof err) == -1) {
		printf("# config: %s\n", err);
		return -1;
	}
	world_clock = (long long)time(NULL);
	return 0;
}

void
world_close(struct config *cfg)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", world_dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", world_dir);
	config_free(cfg);
}

int
world_zoho_connected(const struct config *cfg)
{
	struct zoho_dc dc;
	char err[256] = "";

	if (zoho_dc_lookup("https://accounts.zoho.eu", cfg, &dc) == -1 ||
	    zoho_token_connect(cfg, "1000.refresh.connected", W_ZOHO_TOKEN, 3600, &dc, err, sizeof err) == -1) {
		printf("# cannot connect Zoho: %s\n", err);
		return -1;
	}
	return 0;
}

char *
world_request_json(const char *request_id, const char *marker)
{
	static const char fmt[] =
	    "{\"code\":0,\"status\":\"success\",\"message\":\"Document has been sent\",\"requests\":"
	    "{\"request_id\":%s,\"request_name\":\"Deal 1001 %s\",\"request_status\":\"inprogress\","
	    "\"actions\":[{\"action_id\":99887766554433222,\"action_type\":\"SIGN\",\"role\":\"Client\","
	    "\"recipient_name\":\"Jane Doe\",\"recipient_email\":\"jane@example.com\"}],"
	    "\"document_ids\":[{\"document_id\":55443322110099888}]}}";
	size_t len = sizeof fmt + strlen(request_id) + strlen(marker);
	char *text = malloc(len);

	if (text != NULL)
		snprintf(text, len, fmt, request_id, marker);
	return text;
}

long long
world_now(void)
{
	return world_clock;
}

int
world_job(const struct config *cfg, const char *kind, const char *subject, const char *state,
    struct outbox_job *job)
{
	json_object *initial = state ? json_tokener_parse(state) : NULL;
	char err[256];
	int rc;

	memset(job, 0, sizeof *job);
	rc = outbox_enqueue_once(cfg->state_dir, kind, subject, initial, world_clock, err, sizeof err);
	json_object_put(initial);
	if (rc == -1) {
		printf("# enqueue %s:%s: %s\n", kind, subject, err);
		return -1;
	}
	return outbox_claim(cfg->state_dir, world_clock, job) == 0 ? 0 : -1;
}

int
world_rerun(const struct config *cfg, struct outbox_job *job)
{
	char key[OUTBOX_KEY_MAX];

	snprintf(key, sizeof key, "%s", job->key);
	outbox_job_free(job);
	memset(job, 0, sizeof *job);
	/* Past the lease and the longest wait a failed job is given. */
	world_clock += 2 * 3600;
	if (outbox_make_all_due(cfg->state_dir, world_clock) == -1 ||
	    outbox_claim(cfg->state_dir, world_clock, job) != 0 || strcmp(job->key, key) != 0) {
		printf("# rerun of %s: not claimed\n", key);
		return -1;
	}
	return 0;
}

struct world_find {
	const char *key;
	struct outbox_job *out;
	int found;
};

static void
world_find_one(const struct outbox_job *job, void *arg)
{
	struct world_find *f = arg;

	if (f->found || strcmp(job->key, f->key) != 0)
		return;
	*f->out = *job;
	f->out->state = json_object_get(job->state);
	f->found = 1;
}

int
world_job_get(const struct config *cfg, const char *key, struct outbox_job *out)
{
	struct world_find f = { key, out, 0 };

	memset(out, 0, sizeof *out);
	if (outbox_list(cfg->state_dir, world_find_one, &f) == -1)
		return -1;
	return f.found ? 0 : -1;
}

struct world_lines {
	char **line;
	size_t n;
};

static int
world_add_line(const char *key, const char *val, void *arg)
{
	struct world_lines *l = arg;
	size_t len = strlen(key) + strlen(val) + 3;

	l->line = realloc(l->line, (l->n + 1) * sizeof *l->line);
	if (l->line == NULL || (l->line[l->n] = malloc(len)) == NULL)
		abort();
	snprintf(l->line[l->n++], len, "%s=%s\n", key, val);
	return 0;
}

static int
world_by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *
world_snapshot(const struct config *cfg, const char *name, const char *skip)
{
	struct world_lines l = { NULL, 0 };
	size_t i, len = 0, skiplen = skip ? strlen(skip) : 0;
	char *all = calloc(1, 1), err[256];
	struct store *s;

	if (all == NULL)
		abort();
	if (store_begin(cfg->state_dir, name, 0, &s, err, sizeof err) == 0) {
		store_each(s, world_add_line, &l);
		store_abort(s);
	}
	if (l.n > 0)
		qsort(l.line, l.n, sizeof *l.line, world_by_text);
	for (i = 0; i < l.n; i++) {
		if (skip == NULL || strncmp(l.line[i], skip, skiplen) != 0 || l.line[i][skiplen] != '=') {
			all = realloc(all, len + strlen(l.line[i]) + 1);
			if (all == NULL)
				abort();
			memcpy(all + len, l.line[i], strlen(l.line[i]) + 1);
			len += strlen(l.line[i]);
		}
		free(l.line[i]);
	}
	free(l.line);
	return all;
}
