/*
 * outbox: jobs are JSON records keyed by "<kind>:<subject>" in the outbox store.
 */
#include "outbox.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jfield.h"
#include "log.h"
#include "store.h"

#define BACKOFF_FIRST 30   /* seconds */
#define BACKOFF_MAX 3600

void
job_free(struct job *job)
{
	json_object_put(job->state);
	job->state = NULL;
}

int
job_flag(const struct job *job, const char *flag)
{
	return strcmp(jfield_text(job->state, flag), "true") == 0;
}

int
job_state_set(const char *dir, struct job *job, const char *key, json_object *value)
{
	json_object_object_add(job->state, key, value);
	return outbox_save(dir, job);
}

int
job_flag_set(const char *dir, struct job *job, const char *flag)
{
	return job_state_set(dir, job, flag, json_object_new_boolean(1));
}

static long long
job_int(json_object *obj, const char *key)
{
	return strtoll(jfield_text(obj, key), NULL, 10);
}

static int
job_decode(const char *key, const char *text, struct job *job)
{
	json_object *obj = json_tokener_parse(text), *state;

	memset(job, 0, sizeof *job);
	if (obj == NULL)
		return -1;
	snprintf(job->key, sizeof job->key, "%s", key);
	snprintf(job->kind, sizeof job->kind, "%s", jfield_text(obj, "kind"));
	snprintf(job->subject, sizeof job->subject, "%s", jfield_text(obj, "subject"));
	snprintf(job->last_error, sizeof job->last_error, "%s", jfield_text(obj, "last_error"));
	job->gen = (long)job_int(obj, "gen");
	job->attempts = (int)job_int(obj, "attempts");
	job->created_at = job_int(obj, "created_at");
	job->dead = (int)job_int(obj, "dead");
	job->next_at = job_int(obj, "next_at");
	job->lease_until = job_int(obj, "lease_until");
	job->lease_pid = (long)job_int(obj, "lease_pid");
	state = jfield_typed(obj, "state", json_type_object);
	job->state = state ? json_object_get(state) : json_object_new_object();
	json_object_put(obj);
	return 0;
}

static int
job_store(struct store *s, const struct job *job)
{
	json_object *obj = json_object_new_object();
	int rc;

	json_object_object_add(obj, "kind", json_object_new_string(job->kind));
	json_object_object_add(obj, "subject", json_object_new_string(job->subject));
	json_object_object_add(obj, "gen", json_object_new_int64(job->gen));
	json_object_object_add(obj, "attempts", json_object_new_int(job->attempts));
	json_object_object_add(obj, "created_at", json_object_new_int64(job->created_at));
	json_object_object_add(obj, "next_at", json_object_new_int64(job->next_at));
	json_object_object_add(obj, "lease_until", json_object_new_int64(job->lease_until));
	json_object_object_add(obj, "lease_pid", json_object_new_int64(job->lease_pid));
	json_object_object_add(obj, "last_error", json_object_new_string(job->last_error));
	if (job->dead)
		json_object_object_add(obj, "dead", json_object_new_int(1));
	json_object_object_add(obj, "state", json_object_get(job->state));
	rc = store_put(s, job->key, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
	return rc;
}

static int
outbox_open(const char *dir, struct store **s)
{
	char err[256];

	if (store_begin(dir, STORE_OUTBOX, 1, s, err, sizeof err) == -1) {
		return -1;
	}
	return 0;
}

/*
 * Creates kind:subject, or (rerun) makes the queued one run again with the new event.
 * initial (borrowed, may be NULL) becomes a new job's state.
 */
static int
outbox_add(const char *dir, const char *kind, const char *subject, json_object *initial, int rerun,
    long long now, char *err, size_t errlen)
{
	struct store *s;
	struct job job;
	char key[OUTBOX_KEY_MAX], *text = NULL;
	int merged = 0, rc;

	snprintf(key, sizeof key, "%s:%s", kind, subject);
	if (store_begin(dir, STORE_OUTBOX, 1, &s, err, errlen) == -1)
		return -1;
	rc = store_get(s, key, &text);
	if (rc == -1) {
		/* Unread is not absent: a fresh job would overwrite the queued one's progress. */
		snprintf(err, errlen, "cannot read the outbox");
		store_abort(s);
		return -1;
	}
	if (rc == 0 && job_decode(key, text, &job) == 0) {
		merged = 1;
		free(text);
		if (!rerun) {
			job_free(&job);
			store_abort(s);
			return 1;
		}
		job.gen++;
		/* A fresh event makes a waiting job due now, but never shortens a backoff. */
		if (job.attempts == 0 && job.next_at > now)
			job.next_at = now;
	} else {
		free(text);
		memset(&job, 0, sizeof job);
		snprintf(job.key, sizeof job.key, "%s", key);
		snprintf(job.kind, sizeof job.kind, "%s", kind);
		snprintf(job.subject, sizeof job.subject, "%s", subject);
		job.gen = 1;
		job.created_at = now;
		job.next_at = now;
		job.state = initial ? json_object_get(initial) : json_object_new_object();
	}
	if (job_store(s, &job) == -1) {
		snprintf(err, errlen, "cannot write the outbox");
		job_free(&job);
		store_abort(s);
		return -1;
	}
	job_free(&job);
	if (store_commit(s) == -1) {
		snprintf(err, errlen, "cannot sync the outbox to disk");
		return -1;
	}
	return merged;
}

int
outbox_enqueue(const char *dir, const char *kind, const char *subject, long long now,
    char *err, size_t errlen)
{
	return outbox_add(dir, kind, subject, NULL, 1, now, err, errlen);
}

int
outbox_enqueue_once(const char *dir, const char *kind, const char *subject, json_object *initial,
    long long now, char *err, size_t errlen)
{
	return outbox_add(dir, kind, subject, initial, 0, now, err, errlen);
}

static int
job_lease_free(const struct job *job, long long now)
{
	if (job->lease_pid == 0 || job->lease_until < now)
		return 1;
	/* A holder that no longer exists (killed by the web server) leaves its lease behind. */
	if (job->lease_pid != (long)getpid() && kill((pid_t)job->lease_pid, 0) == -1 && errno == ESRCH)
		return 1;
	return 0;
}

struct claim_scan {
	long long now;
	char best_key[OUTBOX_KEY_MAX];
	long long best_next_at;
};

static int
claim_scan_one(const char *key, const char *val, void *arg)
{
	struct claim_scan *scan = arg;
	struct job job;

	if (job_decode(key, val, &job) == -1)
		return 0;
	if (!job.dead && job.next_at <= scan->now && job_lease_free(&job, scan->now) &&
	    (scan->best_key[0] == '\0' || job.next_at < scan->best_next_at)) {
		snprintf(scan->best_key, sizeof scan->best_key, "%s", key);
		scan->best_next_at = job.next_at;
	}
	job_free(&job);
	return 0;
}

/* Opens the outbox and finds the most overdue runnable job (scan->best_key, "" if none). */
static int
outbox_open_scan(const char *dir, struct store **s, struct claim_scan *scan)
{
	if (outbox_open(dir, s) == -1)
		return -1;
	store_each(*s, claim_scan_one, scan);
	return 0;
}

int
outbox_due(const char *dir, long long now)
{
	struct claim_scan scan = { .now = now };
	struct store *s;

	if (outbox_open_scan(dir, &s, &scan) == -1)
		return -1;
	store_abort(s);
	return scan.best_key[0] != '\0';
}

int
outbox_claim(const char *dir, long long now, struct job *out)
{
	struct claim_scan scan = { .now = now };
	struct store *s;
	char *text = NULL;

	memset(out, 0, sizeof *out);
	if (outbox_open_scan(dir, &s, &scan) == -1)
		return -1;
	if (scan.best_key[0] == '\0') {
		store_abort(s);
		return 1;
	}
	if (store_get(s, scan.best_key, &text) != 0 || job_decode(scan.best_key, text, out) == -1) {
		free(text);
		store_abort(s);
		return -1;
	}
	free(text);
	out->lease_pid = (long)getpid();
	out->lease_until = now + OUTBOX_LEASE_SECONDS;
	out->claimed_gen = out->gen;
	if (job_store(s, out) == -1 || store_commit(s) == -1) {
		job_free(out);
		return -1;
	}
	return 0;
}

/* Rewrites the job, keeping a gen bumped by a concurrent enqueue. */
static int
outbox_update(const char *dir, struct job *job, int remove_if_unchanged, long long now)
{
	struct store *s;
	char *text = NULL;
	struct job current;

	if (outbox_open(dir, &s) == -1)
		return -1;
	if (store_get(s, job->key, &text) == 0 && job_decode(job->key, text, &current) == 0) {
		job->gen = current.gen;
		job_free(&current);
	}
	free(text);
	if (remove_if_unchanged && job->gen == job->claimed_gen) {
		if (store_delete(s, job->key) == -1) {
			store_abort(s); /* the job stays as it was, leased: it runs again, its steps once */
			return -1;
		}
	} else {
		if (remove_if_unchanged) {
			/* Enqueued again while running: run once more, from the start. */
			json_object_put(job->state);
			job->state = json_object_new_object();
			job->attempts = 0;
			job->next_at = now;
			job->last_error[0] = '\0';
			job->lease_pid = 0;
			job->lease_until = 0;
		}
		if (job_store(s, job) == -1) {
			store_abort(s);
			return -1;
		}
	}
	return store_commit(s);
}

int
outbox_save(const char *dir, const struct job *job)
{
	struct store *s;

	if (outbox_open(dir, &s) == -1)
		return -1;
	if (job_store(s, job) == -1) {
		store_abort(s);
		return -1;
	}
	return store_commit(s);
}

int
outbox_done(const char *dir, struct job *job, long long now)
{
	return outbox_update(dir, job, 1, now);
}

/* Ends the lease; the job is due again at next_at. */
static int
outbox_release(const char *dir, struct job *job, const char *why, long long next_at, long long now)
{
	job->next_at = next_at;
	job->lease_pid = 0;
	job->lease_until = 0;
	snprintf(job->last_error, sizeof job->last_error, "%s", why);
	return outbox_update(dir, job, 0, now);
}

int
outbox_retry(const char *dir, struct job *job, const char *error, long delay_s, long long now)
{
	job->attempts++;
	return outbox_release(dir, job, error, now + delay_s, now);
}

int
outbox_put_back(const char *dir, struct job *job, const char *reason, long long now)
{
	return outbox_release(dir, job, reason, now, now);
}

int
outbox_bury(const char *dir, struct job *job, const char *error, long long now)
{
	job->dead = 1;
	return outbox_retry(dir, job, error, 0, now);
}

long
outbox_backoff(int attempts, long retry_after)
{
	long delay = BACKOFF_FIRST;
	int i;

	if (retry_after > 0)
		return retry_after;
	for (i = 1; i < attempts && delay < BACKOFF_MAX; i++)
		delay *= 2;
	if (delay > BACKOFF_MAX)
		delay = BACKOFF_MAX;
	/* Up to a quarter more, so that jobs failed together do not retry together. */
	return delay + (long)(random() % (delay / 4 + 1));
}

struct list_ctx {
	outbox_each_fn fn;
	void *arg;
};

static int
list_one(const char *key, const char *val, void *arg)
{
	struct list_ctx *ctx = arg;
	struct job job;

	if (job_decode(key, val, &job) == 0) {
		ctx->fn(&job, ctx->arg);
		job_free(&job);
	}
	return 0;
}

int
outbox_list(const char *dir, outbox_each_fn fn, void *arg)
{
	struct list_ctx ctx = { .fn = fn, .arg = arg };
	struct store *s;
	char err[256];

	if (store_begin(dir, STORE_OUTBOX, 0, &s, err, sizeof err) == -1) {
		return -1;
	}
	store_each(s, list_one, &ctx);
	store_abort(s);
	return 0;
}

struct key_list {
	char (*keys)[OUTBOX_KEY_MAX];
	size_t n, cap;
};

static int
collect_key(const char *key, const char *val, void *arg)
{
	struct key_list *list = arg;

	(void)val;
	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		char (*keys)[OUTBOX_KEY_MAX] = realloc(list->keys, cap * sizeof *keys);

		if (keys == NULL)
			return 1;
		list->keys = keys;
		list->cap = cap;
	}
	snprintf(list->keys[list->n++], OUTBOX_KEY_MAX, "%s", key);
	return 0;
}

int
outbox_make_all_due(const char *dir, long long now)
{
	struct key_list list = { 0 };
	struct store *s;
	size_t i;
	int count = 0;

	if (outbox_open(dir, &s) == -1)
		return -1;
	/* Keys first: GDBM does not promise a stable walk while records are rewritten. */
	store_each(s, collect_key, &list);
	for (i = 0; i < list.n; i++) {
		char *text = NULL;
		struct job job;

		if (store_get(s, list.keys[i], &text) == 0 && job_decode(list.keys[i], text, &job) == 0) {
			job.next_at = now;
			if (job.dead) {
				job.dead = 0;
				job.created_at = now;
			}
			if (job_store(s, &job) == 0)
				count++;
			job_free(&job);
		}
		free(text);
	}
	free(list.keys);
	if (store_commit(s) == -1)
		return -1;
	return count;
}
