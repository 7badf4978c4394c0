/*
 * step: one run of a job by the drain (all of its job_step steps). What a module read
 * of the shared state for the job's remote calls (an access token) may be kept in
 * memory for the rest of the step, instead of being read again before every call. A
 * step lasts until the next one begins; outside any step (kzsctl reconcile,
 * oauth-callback) nothing is kept.
 */
#ifndef KZS_STEP_H
#define KZS_STEP_H

/* The drain, before it runs a job: what the previous step kept is no longer used. */
void step_begin(void);

/* The step under way in this process; 0 when none. A child process is in none until it
 * begins one: what its parent kept is not its own. */
unsigned long step_current(void);

#endif
