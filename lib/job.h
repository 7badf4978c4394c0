/*
 * job: what every job is made of, whatever its kind. A job is a list of steps, and each
 * step records its outcome in the job's state (a flag, or a value such as the request id
 * or the uploaded file's uuid), saved before the next step starts: a retry skips every
 * step that is recorded. A write whose answer may be lost (Kommo may make a note and
 * lose only its answer) is marked "tried" before it goes out, and a step found tried is
 * looked up before it is written again.
 *
 * The jobs (contract, outcome) are built on this module; drain runs them and records
 * how each run went from its job_result.
 */
#ifndef KZS_JOB_H
#define KZS_JOB_H

#include <json-c/json.h>

#include "config.h"
#include "outbox.h"
#include "remote.h"

/* The kinds of job, as in the outbox's keys "<kind>:<subject>"; drain has their runners. */
#define JOB_KIND_SEND "send"    /* subject: the lead id (contract.h) */
#define JOB_KIND_COMPLETE "complete" /* subject: the request id (outcome.h) */
#define JOB_KIND_DECLINED "declined"
#define JOB_KIND_EXPIRED "expired"
#define JOB_KIND_RECALLED "recalled"
#define JOB_KIND_PROGRESS "progress" /* subject: the delivery */
#define JOB_KIND_ALERT "alert"       /* subject: the key of the job given up */

/* The lead a job is about ("" when it names none). */
const char *job_lead(const struct outbox_job *job);

/* How one run of a job went. */
struct job_result {
	int done;          /* 1: finished (or nothing left to do); 0: try again later */
	int cut;           /* with done=0: the run's time (or a SIGTERM) kept a call from
	                    * starting; the job goes back due now, no attempt counted */
	long retry_after;  /* with done=0: the remote's hint in seconds, -1 when none */
	char error[256];   /* with done=0: why, for the log and the job record */
};

/* Runs one job of a kind; drain has the table of kinds and their runners. */
typedef void (*job_run_fn)(const struct config *cfg, struct outbox_job *job, struct job_result *res);

/* Copies a failed remote call into res; returns 1 when it failed, 0 when it worked. */
int job_failed(const struct remote_result *rr, struct job_result *res);

/* 1 when the step recorded under key is done: its flag or value is in the job's state. */
int job_step_done(const struct outbox_job *job, const char *key);

/*
 * Records a step's outcome under key (value taken; NULL records the flag true) and saves
 * the job. -1 when it could not be saved (a full disk): res says so and the next step
 * must not start, since a retry would not know this one happened.
 */
int job_step_record(const struct config *cfg, struct outbox_job *job, const char *key, json_object *value,
    struct job_result *res);

/* One write and the way to see whether it happened; arg is passed to both. */
struct job_write {
	/* *done = 1 when the write is there (or no longer wanted). */
	void (*look)(const struct config *cfg, const void *arg, int *done, struct remote_result *rr);
	void (*write)(const struct config *cfg, const void *arg, struct remote_result *rr);
	const void *arg;
	const char *crash_after; /* the crash point once the write worked (lib/crash.h) */
};

/*
 * The write, once, as the step key: skipped when done; marked "<key>_tried" (saved)
 * before it goes out, and when an earlier try may have done it look() asks first.
 * Returns 0 when done, -1 to retry (res says why).
 */
int job_write_once(const struct config *cfg, struct outbox_job *job, const char *key,
    const struct job_write *w, struct job_result *res);

#endif
