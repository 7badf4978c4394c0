/*
 * outbox: jobs are JSON records keyed by "<kind>:<subject>" in the outbox store.
 */
#include "outbox.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crash.h"
#include "jfield.h"
#include "log.h"
#include "store.h"

#define BACKOFF_FIRST 30   /* seconds */
#define BACKOFF_MAX 3600

void
outbox_job_free(struct outbox_job *job)
{
	json_object_put(job->state);
	job->state = NULL;
}

static long long
int_field(json_object *obj, const char *key)
{
	return strtoll(jfield_text(obj, key), NULL, 10);
}

static int
decode_job(const char *key, const char *text, struct outbox_job *job)
{
	json_object *obj = json_tokener_parse(text), *state;

	memset(job, 0, sizeof *job);
	if (obj == NULL)
		return -1;
	snprintf(job->key, sizeof job->key, "%s", key);
	snprintf(job->kind, sizeof job->kind, "%s", jfield_text(obj, "kind"));
	snprintf(job->subject, sizeof job->subject, "%s", jfield_text(obj, "subject"));
	snprintf(job->last_error, sizeof job->last_error, "%s", jfield_text(obj, "last_error"));
	job->gen = (long)int_field(obj, "gen");
	job->attempts = (int)int_field(obj, "attempts");
	job->created_at = int_field(obj, "created_at");
	job->dead = (int)int_field(obj, "dead");
	job->next_at = int_field(obj, "next_at");
	job->lease_until = int_field(obj, "lease_until");
	job->lease_pid = (long)int_field(obj, "lease_pid");
	snprintf(job->lease_host, sizeof job->lease_host, "%s", jfield_text(obj, "lease_host"));
	state = jfield_typed(obj, "state", json_type_object);
	job->state = state ? json_object_get(state) : json_object_new_object();
	json_object_put(obj);
	return 0;
}

static int
write_job(struct store *s, const struct outbox_job *job)
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
	if (job->lease_host[0])
		json_object_object_add(obj, "lease_host", json_object_new_string(job->lease_host));
	json_object_object_add(obj, "last_error", json_object_new_string(job->last_error));
	if (job->dead)
		json_object_object_add(obj, "dead", json_object_new_int(1));
	json_object_object_add(obj, "state", json_object_get(job->state));
	rc = store_put(s, job->key, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
	return rc;
}

/*
 * The due index lives in the outbox file beside the jobs, under keys that start with
 * '#' (no job key does):
 *   "#index"        "clean" while the index matches the jobs. A transaction that changes
 *                   the index first sets it to "changing" and back at its end, so a writer
 *                   killed halfway (or refused by a full disk halfway) leaves "changing"
 *                   and the next transaction rebuilds the index from the jobs themselves.
 *                   Absent (a file from before the index, or just restored) reads the same.
 *   "#n"            how many heap entries there are.
 *   "#h<i>"         heap entry i, "<due> <key>": a binary min-heap on the due time, so the
 *                   most overdue job is found touching O(log N) records, not all N.
 *   "#leased"       the keys of the jobs under a lease, one per line (about as many as
 *                   processes run jobs): looked at first, so a dead holder's job is taken
 *                   over at once.
 *   "#aside:<key>"  a job record that could not be decoded, kept for the admin.
 * An entry is only a hint: the claimer checks its job (there, not given up, not leased,
 * due at the entry's time) and drops stale entries as it meets them. A job whose due
 * time changes gets a new entry; the old one is never searched for.
 */
#define INDEX_KEY "#index"
#define INDEX_CLEAN "clean"
#define ASIDE_PREFIX "#aside:"

struct queue {
	struct store *s;
	long n;             /* heap entries */
	int changing;       /* "#index" says "changing" in this transaction */
	char *leased;       /* "#leased": keys, each ended by '\n' */
	int leased_changed;
};

struct entry {
	long long due;
	long pos; /* where it was found (kzsctl check) */
	char key[OUTBOX_KEY_MAX];
};

/* Before the first change to the index in a transaction. */
static int
queue_mark(struct queue *q)
{
	if (q->changing)
		return 0;
	if (store_put(q->s, INDEX_KEY, "changing") == -1)
		return -1;
	q->changing = 1;
	return 0;
}

static void
entry_name(long i, char *name, size_t len)
{
	snprintf(name, len, "#h%ld", i);
}

static int
entry_get(struct queue *q, long i, struct entry *e)
{
	char name[32], *text = NULL, *end;
	int rc;

	entry_name(i, name, sizeof name);
	rc = store_get(q->s, name, &text);
	if (rc == 0) {
		e->due = strtoll(text, &end, 10);
		rc = *end == ' ' && end[1] != '\0' ? 0 : -1;
		if (rc == 0)
			snprintf(e->key, sizeof e->key, "%s", end + 1);
	}
	free(text);
	return rc == 0 ? 0 : -1;
}

static int
entry_set(struct queue *q, long i, const struct entry *e)
{
	char name[32], val[OUTBOX_KEY_MAX + 32];

	entry_name(i, name, sizeof name);
	snprintf(val, sizeof val, "%lld %s", e->due, e->key);
	return store_put(q->s, name, val);
}

static int
heap_push(struct queue *q, long long due, const char *key)
{
	struct entry e, parent;
	long i;

	if (queue_mark(q) == -1)
		return -1;
	e.due = due;
	snprintf(e.key, sizeof e.key, "%s", key);
	for (i = q->n; i > 0; i = (i - 1) / 2) {
		if (entry_get(q, (i - 1) / 2, &parent) == -1)
			return -1;
		if (parent.due <= due)
			break;
		if (entry_set(q, i, &parent) == -1)
			return -1;
	}
	if (entry_set(q, i, &e) == -1)
		return -1;
	q->n++;
	return 0;
}

/* Removes the top entry. */
static int
heap_pop(struct queue *q)
{
	struct entry last, child[2];
	char name[32];
	long i = 0, c;

	if (q->n == 0)
		return 0;
	if (queue_mark(q) == -1 || entry_get(q, q->n - 1, &last) == -1)
		return -1;
	entry_name(q->n - 1, name, sizeof name);
	if (store_delete(q->s, name) == -1)
		return -1;
	if (--q->n == 0)
		return 0;
	while ((c = 2 * i + 1) < q->n) {
		int pick = 0;

		if (entry_get(q, c, &child[0]) == -1)
			return -1;
		if (c + 1 < q->n) {
			if (entry_get(q, c + 1, &child[1]) == -1)
				return -1;
			pick = child[1].due < child[0].due;
		}
		if (child[pick].due >= last.due)
			break;
		if (entry_set(q, i, &child[pick]) == -1)
			return -1;
		i = c + pick;
	}
	return entry_set(q, i, &last);
}

/* The line "key\n" in a list of keys, each ended by '\n'; NULL when absent. */
static char *
list_find(char *list, const char *key)
{
	size_t len = strlen(key);
	char *p = list;

	while (*p != '\0') {
		char *nl = strchr(p, '\n');

		if (nl == NULL)
			return NULL;
		if ((size_t)(nl - p) == len && memcmp(p, key, len) == 0)
			return p;
		p = nl + 1;
	}
	return NULL;
}

static int
leased_add(struct queue *q, const char *key)
{
	size_t have = strlen(q->leased), len = strlen(key);
	char *grown;

	if (list_find(q->leased, key) != NULL)
		return 0;
	if (queue_mark(q) == -1 || (grown = realloc(q->leased, have + len + 2)) == NULL)
		return -1;
	q->leased = grown;
	memcpy(q->leased + have, key, len);
	memcpy(q->leased + have + len, "\n", 2);
	q->leased_changed = 1;
	return 0;
}

static int
leased_drop(struct queue *q, const char *key)
{
	char *line = list_find(q->leased, key);

	if (line == NULL)
		return 0;
	if (queue_mark(q) == -1)
		return -1;
	memmove(line, line + strlen(key) + 1, strlen(line + strlen(key) + 1) + 1);
	q->leased_changed = 1;
	return 0;
}

/* Keeps an undecodable job record for the admin, out of the queue's way. */
static int
put_aside(struct store *s, const char *key, const char *text)
{
	char aside[OUTBOX_KEY_MAX + sizeof ASIDE_PREFIX];

	snprintf(aside, sizeof aside, "%s%s", ASIDE_PREFIX, key);
	if (store_put(s, aside, text) == -1 || store_delete(s, key) == -1)
		return -1;
	log_warn("outbox: the job %s cannot be read; set aside as \"%s\" (kzsctl check lists it)", key, aside);
	return 0;
}

/* Reads a job: 0 decoded, 1 absent, 2 undecodable (then set aside), -1 error. */
static int
load_job(struct store *s, const char *key, struct outbox_job *job)
{
	char *text = NULL;
	int rc = store_get(s, key, &text);

	memset(job, 0, sizeof *job);
	if (rc == 0 && decode_job(key, text, job) == -1)
		rc = put_aside(s, key, text) == -1 ? -1 : 2;
	free(text);
	return rc;
}

struct rebuild {
	struct entry *entries;
	size_t n, cap;
	char *leased;
	size_t leased_len;
	char (*aside)[OUTBOX_KEY_MAX];
	size_t n_aside;
	long highest; /* the highest "#h<i>" found */
	int failed;
};

static int
rebuild_add_entry(struct rebuild *r, long long due, const char *key)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct entry *grown = realloc(r->entries, cap * sizeof *grown);

		if (grown == NULL)
			return -1;
		r->entries = grown;
		r->cap = cap;
	}
	r->entries[r->n].due = due;
	snprintf(r->entries[r->n].key, OUTBOX_KEY_MAX, "%s", key);
	r->n++;
	return 0;
}

static int
rebuild_add_leased(struct rebuild *r, const char *key)
{
	size_t len = strlen(key);
	char *grown = realloc(r->leased, r->leased_len + len + 2);

	if (grown == NULL)
		return -1;
	r->leased = grown;
	memcpy(r->leased + r->leased_len, key, len);
	r->leased_len += len + 1;
	memcpy(r->leased + r->leased_len - 1, "\n", 2);
	return 0;
}

static int
rebuild_add_aside(struct rebuild *r, const char *key)
{
	char (*grown)[OUTBOX_KEY_MAX] = realloc(r->aside, (r->n_aside + 1) * sizeof *grown);

	if (grown == NULL)
		return -1;
	r->aside = grown;
	snprintf(r->aside[r->n_aside++], OUTBOX_KEY_MAX, "%s", key);
	return 0;
}

static int
rebuild_one(const char *key, const char *val, void *arg)
{
	struct rebuild *r = arg;
	struct outbox_job job;
	int rc = 0;

	if (key[0] == '#') {
		if (key[1] == 'h' && strtol(key + 2, NULL, 10) > r->highest)
			r->highest = strtol(key + 2, NULL, 10);
		return 0;
	}
	if (decode_job(key, val, &job) == -1)
		rc = rebuild_add_aside(r, key);
	else if (job.lease_pid != 0 && !job.dead)
		rc = rebuild_add_leased(r, key);
	else if (!job.dead)
		rc = rebuild_add_entry(r, job.next_at, key);
	outbox_job_free(&job);
	r->failed |= rc == -1;
	return rc == -1;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return (x->due > y->due) - (x->due < y->due);
}

/*
 * Builds the index again from the jobs: O(N), after a damage or an interrupted change
 * (why, logged when there were jobs) or after every job's due time changed (why NULL).
 */
static int
queue_rebuild(struct queue *q, const char *why)
{
	struct rebuild r = { .highest = -1 };
	size_t i;
	long j;
	int rc = -1;

	r.leased = calloc(1, 1);
	if (r.leased == NULL || store_each(q->s, rebuild_one, &r) == -1 || r.failed || queue_mark(q) == -1)
		goto out;
	/* Sorted by due time, the entries are a heap as they stand. */
	if (r.n > 1)
		qsort(r.entries, r.n, sizeof *r.entries, entry_cmp);
	for (i = 0; i < r.n; i++)
		if (entry_set(q, (long)i, &r.entries[i]) == -1)
			goto out;
	for (j = (long)r.n; j <= r.highest; j++) {
		char name[32];

		entry_name(j, name, sizeof name);
		if (store_delete(q->s, name) == -1)
			goto out;
	}
	for (i = 0; i < r.n_aside; i++) {
		struct outbox_job job;

		if (load_job(q->s, r.aside[i], &job) == -1)
			goto out;
		outbox_job_free(&job);
	}
	free(q->leased);
	q->leased = r.leased;
	r.leased = NULL;
	q->leased_changed = 1;
	q->n = (long)r.n;
	if (why != NULL && (r.n > 0 || r.leased_len > 0 || strstr(why, "half") != NULL))
		log_warn("outbox: the queue's index %s; built again from the jobs (%zu waiting)", why, r.n);
	rc = 0;
out:
	free(r.entries);
	free(r.leased);
	free(r.aside);
	return rc;
}

/* Starts a write transaction on the queue; the index is rebuilt if it is not clean. */
static int
queue_open(const char *dir, struct queue *q, char *err, size_t errlen)
{
	char *text = NULL;
	int rc, clean;

	memset(q, 0, sizeof *q);
	if (store_begin(dir, STORE_OUTBOX, 1, &q->s, err, errlen) == -1)
		return -1;
	rc = store_get(q->s, INDEX_KEY, &text);
	clean = rc == 0 && strcmp(text, INDEX_CLEAN) == 0;
	free(text);
	text = NULL;
	if (clean && store_get(q->s, "#n", &text) == 0)
		q->n = strtol(text, NULL, 10);
	else
		clean = 0;
	free(text);
	if (rc != -1 && clean && store_get(q->s, "#leased", &q->leased) == -1)
		rc = -1;
	if (rc != -1 && q->leased == NULL && (q->leased = calloc(1, 1)) == NULL)
		rc = -1;
	if (rc != -1 && !clean)
		rc = queue_rebuild(q, rc == 0 ? "was left half-changed (a process stopped while writing it)" :
		    "is missing (a file from before it)");
	if (rc == -1) {
		snprintf(err, errlen, "cannot read the outbox's index");
		store_abort(q->s);
		free(q->leased);
		return -1;
	}
	return 0;
}

static void
queue_abort(struct queue *q)
{
	store_abort(q->s);
	free(q->leased);
	q->leased = NULL;
}

/* Ends the transaction: the index is marked clean again, all synced. */
static int
queue_close(struct queue *q)
{
	char n[32];

	if (q->changing) {
		snprintf(n, sizeof n, "%ld", q->n);
		if (store_put(q->s, "#n", n) == -1 ||
		    (q->leased_changed && store_put(q->s, "#leased", q->leased) == -1) ||
		    store_put(q->s, INDEX_KEY, INDEX_CLEAN) == -1) {
			queue_abort(q);
			return -1;
		}
	}
	free(q->leased);
	q->leased = NULL;
	return store_commit(q->s);
}

/*
 * Creates kind:subject, or (rerun) makes the queued one run again with the new event.
 * initial (borrowed, may be NULL) becomes a new job's state.
 */
static int
add(const char *dir, const char *kind, const char *subject, json_object *initial, int rerun,
    long long now, char *err, size_t errlen)
{
	struct queue q;
	struct outbox_job job;
	char key[OUTBOX_KEY_MAX];
	int merged = 0, rc;

	snprintf(key, sizeof key, "%s:%s", kind, subject);
	if (strchr(key, '\n') != NULL || key[0] == '#') {
		snprintf(err, errlen, "not a job key: %s", kind);
		return -1;
	}
	if (queue_open(dir, &q, err, errlen) == -1)
		return -1;
	rc = load_job(q.s, key, &job);
	if (rc == -1) {
		snprintf(err, errlen, "cannot read the outbox");
		queue_abort(&q);
		return -1;
	}
	if (rc == 0) {
		merged = 1;
		if (!rerun) {
			outbox_job_free(&job);
			if (!q.changing) {
				queue_abort(&q); /* nothing written */
				return 1;
			}
			if (queue_close(&q) == -1) {
				snprintf(err, errlen, "cannot sync the outbox to disk");
				return -1;
			}
			return 1;
		}
		job.gen++;
		/* A fresh event makes a waiting job due now, but never shortens a backoff. */
		if (job.attempts == 0 && job.next_at > now) {
			job.next_at = now;
			if (job.lease_pid == 0 && !job.dead)
				rc = heap_push(&q, job.next_at, key);
		}
	} else {
		memset(&job, 0, sizeof job);
		snprintf(job.key, sizeof job.key, "%s", key);
		snprintf(job.kind, sizeof job.kind, "%s", kind);
		snprintf(job.subject, sizeof job.subject, "%s", subject);
		job.gen = 1;
		job.created_at = now;
		job.next_at = now;
		job.state = initial ? json_object_get(initial) : json_object_new_object();
		rc = heap_push(&q, job.next_at, key);
	}
	crash_point("outbox-enqueue-halfway");
	if (rc == -1 || write_job(q.s, &job) == -1) {
		snprintf(err, errlen, "cannot write the outbox");
		outbox_job_free(&job);
		queue_abort(&q);
		return -1;
	}
	outbox_job_free(&job);
	if (queue_close(&q) == -1) {
		snprintf(err, errlen, "cannot sync the outbox to disk");
		return -1;
	}
	return merged;
}

int
outbox_enqueue(const char *dir, const char *kind, const char *subject, long long now,
    char *err, size_t errlen)
{
	return add(dir, kind, subject, NULL, 1, now, err, errlen);
}

int
outbox_enqueue_once(const char *dir, const char *kind, const char *subject, json_object *initial,
    long long now, char *err, size_t errlen)
{
	return add(dir, kind, subject, initial, 0, now, err, errlen);
}

/*
 * Where this process's pid means something: this boot of the machine and its process id
 * namespace (a container has its own). With the state in a shared database, a lease may
 * be another host's, whose pid says nothing here: only a holder of the same place is
 * looked for by its pid. "" when /proc cannot tell (no holder's pid is then looked for).
 */
static const char *
lease_host(void)
{
	static char host[80];
	char boot[40] = "", ns[40] = "";
	FILE *f;
	ssize_t n;

	if (host[0] != '\0')
		return host;
	if ((f = fopen("/proc/sys/kernel/random/boot_id", "re")) != NULL) {
		if (fgets(boot, sizeof boot, f) == NULL)
			boot[0] = '\0';
		fclose(f);
		boot[strcspn(boot, "\n")] = '\0';
	}
	n = readlink("/proc/self/ns/pid", ns, sizeof ns - 1);
	if (boot[0] != '\0' && n > 0) {
		ns[n] = '\0';
		snprintf(host, sizeof host, "%s %s", boot, ns);
	}
	return host;
}

static int
lease_free(const struct outbox_job *job, long long now)
{
	if (job->lease_pid == 0 || job->lease_until < now)
		return 1;
	/* A holder that no longer exists (killed by the web server) leaves its lease behind. */
	if (job->lease_pid != (long)getpid() && job->lease_host[0] != '\0' &&
	    strcmp(job->lease_host, lease_host()) == 0 && kill((pid_t)job->lease_pid, 0) == -1 &&
	    errno == ESRCH)
		return 1;
	return 0;
}

/*
 * Looks at the leased jobs: 0 with *out one whose holder is gone or late, else 1; *held
 * counts those still held. Keys of jobs no longer leased are dropped from the list.
 */
static int
queue_leased(struct queue *q, long long now, struct outbox_job *out, int *held)
{
	char *keys = strdup(q->leased), *key, *save = NULL;
	int rc = 1;

	if (keys == NULL)
		return -1;
	for (key = strtok_r(keys, "\n", &save); key != NULL && rc == 1; key = strtok_r(NULL, "\n", &save)) {
		struct outbox_job job;
		int found = load_job(q->s, key, &job);

		if (found == -1) {
			rc = -1;
			continue;
		}
		if (found != 0 || job.lease_pid == 0 || job.dead) {
			if (leased_drop(q, key) == -1)
				rc = -1;
		} else if (lease_free(&job, now)) {
			*out = job; /* handed over, state and all */
			rc = 0;
			continue;
		} else {
			(*held)++;
		}
		outbox_job_free(&job);
	}
	free(keys);
	return rc;
}

/*
 * The valid top of the heap in *top and *job (0), dropping stale entries on the way; 1
 * when the heap holds no valid entry.
 */
static int
queue_top(struct queue *q, struct entry *top, struct outbox_job *job)
{
	while (q->n > 0) {
		int found;

		if (entry_get(q, 0, top) == -1)
			return -1;
		found = load_job(q->s, top->key, job);
		if (found == -1)
			return -1;
		if (found == 0 && !job->dead && job->lease_pid == 0 && job->next_at == top->due)
			return 0;
		outbox_job_free(job);
		if (heap_pop(q) == -1) /* a stale entry */
			return -1;
	}
	return 1;
}

/*
 * What the queue holds (see outbox_outlook); with take, the job to run next is moved to
 * *out: a late holder's job or the top of the heap, whichever has waited longer.
 */
static int
queue_look(struct queue *q, long long now, int take, struct outbox_job *out, struct outbox_outlook *o)
{
	struct outbox_job late, first;
	struct entry top;
	int has_late, has_top, take_late;

	memset(o, 0, sizeof *o);
	o->first_at = LLONG_MAX;
	if ((has_late = queue_leased(q, now, &late, &o->held)) == -1)
		return -1;
	has_late = has_late == 0;
	if ((has_top = queue_top(q, &top, &first)) == -1) {
		if (has_late)
			outbox_job_free(&late);
		return -1;
	}
	has_top = has_top == 0;
	if (has_top) {
		o->first_at = top.due;
		o->first_is_retry = first.attempts > 0;
	}
	take_late = has_late && (!has_top || late.next_at < top.due);
	o->due = take_late || (has_top && top.due <= now);
	if (take && take_late) {
		*out = late;
		has_late = 0;
	} else if (take && o->due) {
		if (heap_pop(q) == -1) {
			outbox_job_free(&first);
			if (has_late)
				outbox_job_free(&late);
			return -1;
		}
		*out = first;
		has_top = 0;
	}
	if (has_late)
		outbox_job_free(&late);
	if (has_top)
		outbox_job_free(&first);
	return 0;
}

int
outbox_outlook(const char *dir, long long now, struct outbox_outlook *o)
{
	struct queue q;
	char err[256];

	if (queue_open(dir, &q, err, sizeof err) == -1)
		return -1;
	if (queue_look(&q, now, 0, NULL, o) == -1) {
		queue_abort(&q);
		return -1;
	}
	if (q.changing)
		return queue_close(&q); /* stale entries were dropped */
	queue_abort(&q);
	return 0;
}

int
outbox_due(const char *dir, long long now)
{
	struct outbox_outlook o;

	return outbox_outlook(dir, now, &o) == -1 ? -1 : o.due;
}

int
outbox_claim(const char *dir, long long now, struct outbox_job *out)
{
	struct outbox_outlook o;
	struct queue q;
	char err[256];

	memset(out, 0, sizeof *out);
	if (queue_open(dir, &q, err, sizeof err) == -1)
		return -1;
	if (queue_look(&q, now, 1, out, &o) == -1) {
		queue_abort(&q);
		return -1;
	}
	if (o.due) {
		crash_point("outbox-claim-halfway"); /* out of the heap, not yet leased */
		out->lease_pid = (long)getpid();
		snprintf(out->lease_host, sizeof out->lease_host, "%s", lease_host());
		out->lease_until = now + OUTBOX_LEASE_SECONDS;
		out->claimed_gen = out->gen;
		if (leased_add(&q, out->key) == -1 || write_job(q.s, out) == -1) {
			outbox_job_free(out);
			queue_abort(&q);
			return -1;
		}
	}
	if (queue_close(&q) == -1) {
		outbox_job_free(out);
		return -1;
	}
	return o.due ? 0 : 1;
}

/* Rewrites the job, keeping a gen bumped by a concurrent enqueue; the lease ends. */
static int
update(const char *dir, struct outbox_job *job, int remove_if_unchanged, long long now)
{
	struct queue q;
	struct outbox_job current;
	char err[256];
	int rc;

	if (queue_open(dir, &q, err, sizeof err) == -1)
		return -1;
	if (load_job(q.s, job->key, &current) == 0) {
		job->gen = current.gen;
		outbox_job_free(&current);
	}
	rc = leased_drop(&q, job->key);
	if (rc == 0 && remove_if_unchanged && job->gen == job->claimed_gen) {
		rc = store_delete(q.s, job->key) == -1 ? -1 : 0;
	} else if (rc == 0) {
		if (remove_if_unchanged) {
			/* Enqueued again while running: run once more, from the start. */
			json_object_put(job->state);
			job->state = json_object_new_object();
			job->attempts = 0;
			job->next_at = now;
			job->last_error[0] = '\0';
		}
		job->lease_pid = 0;
		job->lease_until = 0;
		job->lease_host[0] = '\0';
		if (write_job(q.s, job) == -1 || (!job->dead && heap_push(&q, job->next_at, job->key) == -1))
			rc = -1;
	}
	if (rc == -1) {
		queue_abort(&q); /* the job stays as it was, leased: it runs again, its steps once */
		return -1;
	}
	return queue_close(&q);
}

int
outbox_save(const char *dir, const struct outbox_job *job)
{
	struct outbox_job saved = *job, current;
	struct store *s;
	char err[256];

	if (store_begin(dir, STORE_OUTBOX, 1, &s, err, sizeof err) == -1)
		return -1;
	/* An event merged in while the job runs raised its gen: kept, so that done runs the
	 * job once more instead of forgetting the event. */
	if (load_job(s, job->key, &current) == 0) {
		if (current.gen > saved.gen)
			saved.gen = current.gen;
		outbox_job_free(&current);
	}
	if (write_job(s, &saved) == -1) {
		store_abort(s);
		return -1;
	}
	return store_commit(s);
}

int
outbox_done(const char *dir, struct outbox_job *job, long long now)
{
	return update(dir, job, 1, now);
}

/* Ends the lease; the job is due again at next_at. */
static int
release(const char *dir, struct outbox_job *job, const char *why, long long next_at, long long now)
{
	job->next_at = next_at;
	snprintf(job->last_error, sizeof job->last_error, "%s", why);
	return update(dir, job, 0, now);
}

int
outbox_retry(const char *dir, struct outbox_job *job, const char *error, long delay_s, long long now)
{
	job->attempts++;
	return release(dir, job, error, now + delay_s, now);
}

int
outbox_put_back(const char *dir, struct outbox_job *job, const char *reason, long long now)
{
	return release(dir, job, reason, now, now);
}

int
outbox_bury(const char *dir, struct outbox_job *job, const char *error, long long now)
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
	struct outbox_job job;

	if (key[0] != '#' && decode_job(key, val, &job) == 0) {
		ctx->fn(&job, ctx->arg);
		outbox_job_free(&job);
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
collect_job_key(const char *key, const char *val, void *arg)
{
	struct key_list *list = arg;

	(void)val;
	if (key[0] == '#')
		return 0;
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
	struct queue q;
	char err[256];
	size_t i;
	int count = 0;

	if (queue_open(dir, &q, err, sizeof err) == -1)
		return -1;
	/* Marked first: a run stopped or refused halfway leaves the index to be rebuilt, so
	 * no job whose due time changed is left without its entry. */
	if (queue_mark(&q) == -1 || store_each(q.s, collect_job_key, &list) == -1) {
		free(list.keys);
		queue_abort(&q);
		return -1;
	}
	/* Keys first: GDBM does not promise a stable walk while records are rewritten. */
	for (i = 0; i < list.n; i++) {
		struct outbox_job job;
		int rc = load_job(q.s, list.keys[i], &job);

		if (rc == 0) {
			job.next_at = now;
			if (job.dead) {
				job.dead = 0;
				job.created_at = now;
			}
			rc = write_job(q.s, &job);
			outbox_job_free(&job);
			count++;
		}
		if (rc == -1) {
			free(list.keys);
			queue_abort(&q);
			return -1;
		}
	}
	free(list.keys);
	/* Every due time changed: the index is built again in one go. */
	if (queue_rebuild(&q, NULL) == -1) {
		queue_abort(&q);
		return -1;
	}
	if (queue_close(&q) == -1)
		return -1;
	return count;
}

int
outbox_index_rebuild(const char *dir, char *err, size_t errlen)
{
	struct queue q;

	if (queue_open(dir, &q, err, errlen) == -1)
		return -1;
	if (queue_rebuild(&q, NULL) == -1) {
		snprintf(err, errlen, "cannot rebuild the outbox's index");
		queue_abort(&q);
		return -1;
	}
	if (queue_close(&q) == -1) {
		snprintf(err, errlen, "cannot write the outbox's index");
		return -1;
	}
	return 0;
}

struct check_walk {
	struct rebuild want;        /* what the jobs say the index must hold */
	struct entry *have;         /* the heap entries found, sorted by key later */
	size_t n_have, cap_have;
	char *leased;               /* "#leased" */
	char index[16];
	long n;
	int bad_entry;
};

static int
check_one(const char *key, const char *val, void *arg)
{
	struct check_walk *w = arg;

	if (strcmp(key, INDEX_KEY) == 0)
		snprintf(w->index, sizeof w->index, "%s", val);
	else if (strcmp(key, "#n") == 0)
		w->n = strtol(val, NULL, 10);
	else if (strcmp(key, "#leased") == 0)
		w->leased = strdup(val);
	else if (strncmp(key, ASIDE_PREFIX, strlen(ASIDE_PREFIX)) == 0)
		return rebuild_add_aside(&w->want, key + strlen(ASIDE_PREFIX)) == -1;
	else if (key[0] == '#' && key[1] == 'h') {
		char *end;
		long long due = strtoll(val, &end, 10);
		long i = strtol(key + 2, NULL, 10);

		if (*end != ' ' || i < 0) {
			w->bad_entry = 1;
			return 0;
		}
		if (w->n_have == w->cap_have) {
			size_t cap = w->cap_have ? w->cap_have * 2 : 256;
			struct entry *grown = realloc(w->have, cap * sizeof *grown);

			if (grown == NULL)
				return 1;
			w->have = grown;
			w->cap_have = cap;
		}
		w->have[w->n_have].due = due;
		w->have[w->n_have].pos = i;
		snprintf(w->have[w->n_have].key, OUTBOX_KEY_MAX, "%s", end + 1);
		w->n_have++;
	} else if (key[0] != '#')
		return rebuild_one(key, val, &w->want);
	return 0;
}

static int
entry_pos_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Entry i sits at position i and no entry is due before its parent. */
static int
heap_is_sound(const struct entry *have, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (have[i].pos != (long)i || (i > 0 && have[(i - 1) / 2].due > have[i].due))
			return 0;
	return 1;
}

static int
entry_key_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : (x->due > y->due) - (x->due < y->due);
}

int
outbox_index_check(const char *dir, struct outbox_index_report *r, char *err, size_t errlen)
{
	struct check_walk w = { .want = { .highest = -1 } };
	struct store *s;
	size_t i;
	int rc = 0;

	memset(r, 0, sizeof *r);
	if (store_begin(dir, STORE_OUTBOX, 0, &s, err, errlen) == -1)
		return -1;
	w.want.leased = calloc(1, 1);
	if (w.want.leased == NULL || store_each(s, check_one, &w) == -1 || w.want.failed) {
		snprintf(err, errlen, "cannot read the outbox");
		rc = -1;
	}
	store_abort(s);
	r->runnable = w.want.n;
	r->entries = w.n_have;
	r->set_aside = w.want.n_aside;
	if (w.n_have > 1)
		qsort(w.have, w.n_have, sizeof *w.have, entry_pos_cmp);
	if (rc == 0 && !heap_is_sound(w.have, w.n_have))
		w.bad_entry = 1;
	if (w.n_have > 1)
		qsort(w.have, w.n_have, sizeof *w.have, entry_key_cmp);
	if (rc == 0 && w.index[0] == '\0' && w.n_have == 0) {
		r->not_built = 1; /* a file from before the index: the next change builds it */
		goto out;
	}
	if (rc == 0 && strcmp(w.index, INDEX_CLEAN) != 0) {
		snprintf(err, errlen, "the queue's index is %s", w.index[0] ? "half-changed" : "missing");
		rc = -1;
	} else if (rc == 0 && (w.bad_entry || w.n != (long)w.n_have)) {
		snprintf(err, errlen, "the queue's index is out of order or has %zu entries, not %ld", w.n_have, w.n);
		rc = -1;
	}
	for (i = 0; rc == 0 && i < w.want.n; i++)
		if (w.n_have == 0 || bsearch(&w.want.entries[i], w.have, w.n_have, sizeof *w.have, entry_key_cmp) == NULL) {
			snprintf(err, errlen, "the queue's index lacks the job %s", w.want.entries[i].key);
			rc = -1;
		}
	if (rc == 0) {
		char *key, *save = NULL;

		for (key = strtok_r(w.want.leased, "\n", &save); key && rc == 0; key = strtok_r(NULL, "\n", &save))
			if (w.leased == NULL || list_find(w.leased, key) == NULL) {
				snprintf(err, errlen, "the queue's index lacks the leased job %s", key);
				rc = -1;
			}
	}
	if (rc == 0 && w.want.n_aside > 0)
		snprintf(r->first_aside, sizeof r->first_aside, "%s%s", ASIDE_PREFIX, w.want.aside[0]);
out:
	free(w.want.entries);
	free(w.want.leased);
	free(w.want.aside);
	free(w.have);
	free(w.leased);
	return rc;
}
