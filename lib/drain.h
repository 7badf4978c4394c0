/*
 * drain: runs due outbox jobs, each under its lease, within a time budget. Called
 * after each answered request and by the cron line (kzsctl drain).
 */
#ifndef KZS_DRAIN_H
#define KZS_DRAIN_H

#include "config.h"
#include "outbox.h"
#include "remote.h"

struct job_result {
	int done;          /* 1: finished (or nothing left to do); 0: try again later */
	long retry_after;  /* with done=0: the remote's hint in seconds, -1 when none */
	char error[256];   /* with done=0: why, for the log and the job record */
};

typedef void (*job_run_fn)(const struct config *cfg, struct job *job, struct job_result *res);

/* Runs due jobs until none is due or budget_s has passed; no remote call starts after
 * that (see http_set_deadline). A SIGTERM meanwhile ends it at the next call, the job
 * put back due now. Returns how many ran. */
int drain_run(const struct config *cfg, int budget_s);

/* web_serve's after-answer step: drains if one of the [limits] drainers slots is free,
 * for at most [limits] after_answer_seconds in all over this process's life. */
void drain_after_answer(void *cfg);

#endif
