/*
 * outbox: durable queue of remote work in the outbox store. A job is claimed with a
 * lease (pid, host + expiry) so two processes never run it at once; a late holder's lease
 * is taken over, and a dead one's at once when it held it on this host. Enqueueing a key
 * that is already queued merges into it. Claiming the next due job reads O(log N)
 * records through an index of due times (outbox.c).
 */
#ifndef KZS_OUTBOX_H
#define KZS_OUTBOX_H

#include <json-c/json.h>
#include <stddef.h>

#define OUTBOX_LEASE_SECONDS 90
#define OUTBOX_KEY_MAX 160

struct outbox_job {
	char key[OUTBOX_KEY_MAX]; /* "<kind>:<subject>", e.g. "send:1001" */
	char kind[16];
	char subject[128]; /* the lead id (send), the request id (outcomes), the delivery (progress) */
	long gen;         /* bumped by every enqueue of the same key */
	long claimed_gen; /* gen when claimed */
	int attempts;
	long long created_at, next_at, lease_until;
	long lease_pid;
	char lease_host[80]; /* where lease_pid means something (see outbox.c) */
	char last_error[256];
	int dead; /* gave up after [limits] give_up_hours: kept for the admin, not run */
	json_object *state; /* progress of the job's steps; owned by the job */
};

/* Queues kind:subject to run now, or merges into the queued one. 1 when merged. */
int outbox_enqueue(const char *dir, const char *kind, const char *subject, long long now,
    char *err, size_t errlen);

/*
 * Queues kind:subject with initial (borrowed, may be NULL) as its state, unless a job
 * with that key is queued already (then nothing changes). 1 when it was there.
 */
int outbox_enqueue_once(const char *dir, const char *kind, const char *subject,
    json_object *initial, long long now, char *err, size_t errlen);

/* Claims the most overdue runnable job. 0 claimed, 1 nothing due, -1 error. */
int outbox_claim(const char *dir, long long now, struct outbox_job *out);

/* 1 when a job could be claimed now, 0 when none, -1 on error; claims nothing. */
int outbox_due(const char *dir, long long now);

/* What a drain with nothing due may wait for. */
struct outbox_outlook {
	int due;            /* a job could be claimed now */
	int held;           /* jobs leased by a live process (it may put them back) */
	long long first_at; /* when the first waiting job falls due; LLONG_MAX when none */
	int first_is_retry; /* ...and it waits after a failure */
};
int outbox_outlook(const char *dir, long long now, struct outbox_outlook *o);

/* Records progress (job->state) while keeping the lease. */
int outbox_save(const char *dir, const struct outbox_job *job);

/* The job is complete: removed, unless it was enqueued again meanwhile (then it reruns). */
int outbox_done(const char *dir, struct outbox_job *job, long long now);

/* The job failed for now: runs again after delay_s, its state kept. */
int outbox_retry(const char *dir, struct outbox_job *job, const char *error, long delay_s, long long now);

/* Gives a job back, due now and without counting an attempt: it was not its fault
 * (the run's time was up before its next call). */
int outbox_put_back(const char *dir, struct outbox_job *job, const char *reason, long long now);

/* Stops retrying the job (a dead letter): it stays listed until "kzsctl retry". */
int outbox_bury(const char *dir, struct outbox_job *job, const char *error, long long now);

/* Delay before the next attempt: the remote's retry_after when given, else exponential with jitter. */
long outbox_backoff(int attempts, long retry_after);

/* Makes every job due now, dead letters too, with a fresh give-up period (the admin's
 * "retry"). Returns how many. */
int outbox_make_all_due(const char *dir, long long now);

/* Calls fn for each job (read-only); for listing. */
typedef void (*outbox_each_fn)(const struct outbox_job *job, void *arg);
int outbox_list(const char *dir, outbox_each_fn fn, void *arg);

/*
 * The due index (outbox.c) against the jobs: 0 sound, -1 damaged (err says how; "kzsctl
 * recover outbox" rebuilds it). Jobs that could not be read are set aside and counted.
 */
struct outbox_index_report {
	size_t runnable, entries, set_aside;
	int not_built; /* no index yet (a file from before it): built by the next change */
	char first_aside[OUTBOX_KEY_MAX + 8];
};
int outbox_index_check(const char *dir, struct outbox_index_report *r, char *err, size_t errlen);

/* Builds the due index again from the jobs themselves. */
int outbox_index_rebuild(const char *dir, char *err, size_t errlen);

void outbox_job_free(struct outbox_job *job);

#endif
