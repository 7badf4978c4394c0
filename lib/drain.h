/*
 * drain: runs due outbox jobs, each under its lease, within a time budget. Called
 * after each answered request and by the cron line (kzsctl drain).
 */
#ifndef KZS_DRAIN_H
#define KZS_DRAIN_H

#include "config.h"

/*
 * kzsctl drain: runs due jobs for at most [limits] cron_drain_seconds, and while none is
 * due but one will be within the run (one another process holds comes back when that
 * process's time is up) sleeps until then rather than ending. With watch (the cron
 * line) it also waits for jobs queued later, to the end of the run, so that a burst's
 * tail goes out at the remotes' pace whatever the cron interval. No remote call or turn
 * starts after the run's end (see http_set_deadline, pace_set_deadline); a SIGTERM ends
 * it at once, or at the next call with the job put back due now. Runs never overlap:
 * when another holds the lock file drain-cron, sets *busy and returns 0 at once.
 * Returns how many jobs ran.
 */
int drain_cron(const struct config *cfg, int watch, int *busy);

/* web_serve's after-answer step: drains if one of the [limits] drainers slots is free,
 * for at most [limits] after_answer_seconds in all over this process's life. */
void drain_after_answer(void *cfg);

#endif
