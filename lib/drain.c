/*
 * drain: claim, run, record. The table below is the one that maps job kinds to their
 * runners; a few slot files keep the number of processes working after an answer down.
 */
#include "drain.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "contract.h"
#include "http.h"
#include "job.h"
#include "log.h"
#include "outbox.h"
#include "outcome.h"
#include "pace.h"
#include "step.h"
#include "store.h"

static const struct {
	const char *kind;
	job_run_fn run;
} drain_kinds[] = {
	{ JOB_KIND_SEND, contract_run },
	{ JOB_KIND_COMPLETE, outcome_complete },
	{ JOB_KIND_DECLINED, outcome_declined },
	{ JOB_KIND_EXPIRED, outcome_expired },
	{ JOB_KIND_RECALLED, outcome_recalled },
	{ JOB_KIND_PROGRESS, outcome_progress },
	{ JOB_KIND_ALERT, outcome_alert },
};

static job_run_fn
runner(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof drain_kinds / sizeof drain_kinds[0]; i++)
		if (strcmp(drain_kinds[i].kind, kind) == 0)
			return drain_kinds[i].run;
	return NULL;
}

/*
 * A job that kept failing for [limits] give_up_hours becomes a dead letter: kept for
 * the administrator (kzsctl jobs, kzsctl retry), and the deal's responsible user gets
 * a task through an alert job of its own (Kommo may be what is failing).
 */
static void
give_up(const struct config *cfg, struct outbox_job *job, const char *error)
{
	const char *lead = job_lead(job);
	char err[256];

	log_err("job %s: gave up after %d attempts over %d hours: %s; \"kzsctl retry\" starts it again",
	    job->key, job->attempts + 1, cfg->limits.give_up_hours, error);
	outbox_bury(cfg->state_dir, job, error, (long long)time(NULL));
	if (strcmp(job->kind, JOB_KIND_ALERT) != 0 && *lead) {
		json_object *state = json_object_new_object();

		json_object_object_add(state, "lead", json_object_new_string(lead));
		json_object_object_add(state, "what", json_object_new_string(job->kind));
		json_object_object_add(state, "reason", json_object_new_string(error));
		if (outbox_enqueue_once(cfg->state_dir, JOB_KIND_ALERT, job->key, state, (long long)time(NULL),
			err, sizeof err) == -1)
			log_err("job %s: cannot queue the alert: %s", job->key, err);
		json_object_put(state);
	}
}

/* SIGTERM (the web server stopping, an operator): the job at hand goes back at its
 * next call and no other is taken (see pace_stop). */
static void
on_term(int sig)
{
	(void)sig;
	pace_stop();
}

/* Runs one claimed job and records how it went. 1 when the run's time is up. */
static int
run_one(const struct config *cfg, struct outbox_job *job)
{
	struct job_result res = { .retry_after = -1 };
	job_run_fn run = runner(job->kind);

	if (run == NULL) {
		log_err("job %s: unknown kind, kept for the administrator", job->key);
		outbox_retry(cfg->state_dir, job, "unknown job kind", 86400, (long long)time(NULL));
		return 0;
	}
	step_begin(); /* tokens read for the job are kept until it ends (step.h) */
	run(cfg, job, &res);
	if (res.done) {
		outbox_done(cfg->state_dir, job, (long long)time(NULL));
	} else if (res.cut) {
		/* Stopped by this run's time box (or a SIGTERM), not by a failure: no attempt, no wait. */
		const char *why = pace_stopped() ? "this process was told to stop" : "this run's time is up";

		/* res.error names what ended it: no call started, or no Zoho Sign turn left. */
		log_info("job %s: put off, %s (%s); the next run goes on", job->key, why,
		    res.error[0] ? res.error : "no call started");
		outbox_put_back(cfg->state_dir, job, pace_stopped() ? "put off: the process was told to stop" :
		    "put off: the time for the run was up", (long long)time(NULL));
		return 1;
	} else if ((long long)time(NULL) - job->created_at >= 3600LL * cfg->limits.give_up_hours) {
		give_up(cfg, job, res.error);
	} else {
		long delay = outbox_backoff(job->attempts + 1, res.retry_after);

		log_warn("job %s: %s; attempt %d, next in %ld s", job->key, res.error,
		    job->attempts + 1, delay);
		outbox_retry(cfg->state_dir, job, res.error, delay, (long long)time(NULL));
	}
	return 0;
}

/*
 * Runs due jobs until none is due, the unix time deadline passes or a SIGTERM comes.
 * Sets *cut when the run's time ended it (so the caller does not start another).
 */
static int
run_until(const struct config *cfg, long long deadline, int *cut)
{
	struct sigaction term = { .sa_handler = on_term }, before;
	int ran = 0;

	*cut = 0;
	sigemptyset(&term.sa_mask);
	sigaction(SIGTERM, &term, &before);
	/* The time box holds inside a job too: no remote call starts, no turn is waited for, after it. */
	http_set_deadline(deadline);
	pace_set_deadline(deadline);
	while (!*cut && !pace_stopped() && (long long)time(NULL) < deadline) {
		struct outbox_job job;

		if (outbox_claim(cfg->state_dir, (long long)time(NULL), &job) != 0)
			break;
		*cut = run_one(cfg, &job);
		ran++;
		outbox_job_free(&job);
	}
	http_set_deadline(0);
	pace_set_deadline(0);
	pace_let_go();
	sigaction(SIGTERM, &before, NULL);
	*cut = *cut || pace_stopped() || (long long)time(NULL) >= deadline;
	return ran;
}

/* How often a cron run that waits looks at the queue again. */
#define DRAIN_LOOK_AGAIN_S 1

/*
 * When a job may be run: one another process holds (an answer's after-work) whenever it
 * is put back; a queued one at its time. Given-up jobs and jobs waiting after a failure
 * are left to later runs: their wait is a remote's trouble, not the pace.
 */
static long long
may_run_at(const struct outbox_outlook *o, long long now)
{
	if (o->held > 0)
		return now + DRAIN_LOOK_AGAIN_S;
	return o->first_is_retry ? LLONG_MAX : o->first_at;
}

/*
 * Sleeps until a job may be run, looking every DRAIN_LOOK_AGAIN_S (jobs queued meanwhile
 * are seen too); 0 when none will be before deadline (or a SIGTERM came), 1 to drain.
 * With watch, it waits for new jobs until the deadline however empty the queue.
 */
static int
wait_due(const struct config *cfg, long long deadline, int watch)
{
	for (;;) {
		long long now = (long long)time(NULL);
		struct outbox_outlook o;

		if (pace_stopped() || now >= deadline)
			return 0;
		if (outbox_outlook(cfg->state_dir, now, &o) == -1)
			return 0;
		if (o.due)
			return 1;
		if (!watch && may_run_at(&o, now) >= deadline)
			return 0;
		sleep(DRAIN_LOOK_AGAIN_S); /* a SIGTERM ends it early */
	}
}

/*
 * The lock that keeps cron runs from overlapping, held (without waiting) until the run
 * ends; *busy = 1 when another run holds it. The file is empty and readable by all, so a
 * run as another user (an operator's sudo) does not lock out the cron's; one that cannot
 * be used is logged and the run goes on without it (-1, *busy = 0).
 */
static int
cron_lock(const struct config *cfg, int *busy)
{
	char path[600];
	int fd;

	*busy = 0;
	snprintf(path, sizeof path, "%s/drain-cron", cfg->state_dir);
	fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	*busy = fd != -1 && errno == EWOULDBLOCK;
	if (!*busy)
		log_warn("%s: %s; this run cannot keep others out", path, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

int
drain_cron(const struct config *cfg, int watch, int *busy)
{
	struct sigaction term = { .sa_handler = on_term }, before;
	long long deadline = (long long)time(NULL) + cfg->limits.cron_drain_seconds;
	int lock = cron_lock(cfg, busy), ran = 0, cut = 0;

	if (*busy)
		return 0;
	/* For the waits between jobs too; run_until sets its own for the jobs. */
	sigemptyset(&term.sa_mask);
	sigaction(SIGTERM, &term, &before);
	do {
		ran += run_until(cfg, deadline, &cut);
		/* Nothing can be recorded (a full disk?): waiting for more would only spin. */
		if (store_write_failed_within(STORE_WRITE_HOLD_SECONDS)) {
			log_warn("drain: a state change could not be written; this run stops, "
			    "the next one goes on");
			break;
		}
	} while (!cut && wait_due(cfg, deadline, watch));
	sigaction(SIGTERM, &before, NULL);
	if (lock != -1)
		close(lock);
	return ran;
}

/*
 * One of the [limits] drainers slot files, locked (without waiting) for as long as this
 * process drains; -1 when every slot is taken. The lock goes with the process.
 */
static int
slot_take(const struct config *cfg)
{
	char path[600];
	int i, fd;

	for (i = 0; i < cfg->limits.drainers; i++) {
		snprintf(path, sizeof path, "%s/drainer-%d", cfg->state_dir, i);
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
		if (fd == -1) {
			log_warn("%s: %s; this process leaves the queued work to others", path, strerror(errno));
			continue;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * At most [limits] drainers processes work at once; a process finding every slot taken
 * leaves the work to them. So that a job queued meanwhile is not left for the cron, a
 * drainer looks for due work again after it lets its slot go, and carries on if any.
 * after_answer_seconds is the whole process's time, however often this is called.
 */
void
drain_after_answer(void *arg)
{
	const struct config *cfg = arg;
	static pid_t owner;
	static long long deadline;
	int slot, cut = 0;

	if (owner != getpid()) {
		struct sigaction term = { .sa_handler = on_term };

		owner = getpid();
		deadline = (long long)time(NULL) + cfg->limits.after_answer_seconds;
		/* For the rest of this process (libfcgi's own handler only notes a SIGTERM). */
		sigemptyset(&term.sa_mask);
		sigaction(SIGTERM, &term, NULL);
	}
	while (!cut && !pace_stopped() && (long long)time(NULL) < deadline &&
	    (slot = slot_take(cfg)) != -1) {
		run_until(cfg, deadline, &cut);
		close(slot);
		if (outbox_due(cfg->state_dir, (long long)time(NULL)) != 1)
			break;
	}
}
