/*
 * pace: keeps every process together under a remote's rate limit (Kommo: 7 calls/s,
 * Zoho Sign: 50 calls/min) by reserving a slot in a shared window before each call.
 *
 * Each turn is taken in a visit of the pacing file just before its call, also within a
 * job step that makes several calls: a turn is a moment, good only for about as long
 * as the margin between our pace and the remote's (100 ms for Kommo), less than one
 * Kommo call takes. Turns a step took together would be used late, one call after
 * another, crowding the turns other processes took after them, or would have to be
 * spread out and partly lost, slowing every process down. A Zoho Sign step makes
 * one call, and a contract job takes that turn ahead (pace_reserve): one visit.
 */
#ifndef KZS_PACE_H
#define KZS_PACE_H

/* [limits] kommo_calls_per_second, per second and 100 ms more: a process may send a
 * little after the time it reserved, and Kommo counts calls as they arrive. */
#define PACE_KOMMO_WINDOW_MS 1100
/* [limits] zoho_calls_per_minute, per minute and as late as a turn taken ahead may be
 * used (PACE_AHEAD_MS: a contract job calls once its Kommo reads are done) and 100 ms
 * more: Zoho too counts calls as they arrive. */
#define PACE_ZOHO_WINDOW_MS (60000 + PACE_AHEAD_MS + 100)

/* pace_wait's answer when the caller's turn is not given (see pace_set_deadline). */
#define PACE_NOT_NOW (-1L)

/*
 * Waits until a call fits: at most max_calls in any window_ms, counted over all
 * processes sharing dir, however many wait at once. Returns the milliseconds waited.
 * If the pacing file cannot be used, logs it and does not wait (the remote's 429
 * handling still protects us).
 *
 * Returns PACE_NOT_NOW, reserving nothing, when the turn lies past the run's deadline
 * or the process was told to stop (pace_stop): the run is then over for this process
 * (http_set_deadline is moved to the past, so no call starts and the drain puts the
 * job back due now, no attempt counted).
 */
long pace_wait(const char *dir, const char *service, int max_calls, long window_ms);

/*
 * Takes this process's next turn for service now, ahead of the call, so that a job can
 * know it will make its call in this run before it does the work that leads to it
 * (a contract job reads Kommo only once it has its Zoho turn). The next pace_wait for
 * service in this process then waits for that turn instead of taking another; a turn
 * already held is kept. Returns the milliseconds until the turn, or PACE_NOT_NOW as
 * pace_wait does (nothing reserved) when the turn, and PACE_AHEAD_MS after it, lie past
 * the run's deadline.
 */
long pace_reserve(const char *dir, const char *service, int max_calls, long window_ms);

/* The time a job has between its turn taken ahead and the run's deadline; and a held turn
 * used later than this after its time is lost (used so late it could crowd the window of
 * the turns after it), the call then waiting for a new one. */
#define PACE_AHEAD_MS 2000

/* Forgets a turn held (the run is over); it stays counted, unused. */
void pace_let_go(void);

/* How many turns this process was refused (PACE_NOT_NOW), ever. */
unsigned long pace_turns_refused(void);

/* The run's time box, as unix seconds (0: none): no turn is given after it. */
void pace_set_deadline(long long deadline);

/* Async-signal-safe (a SIGTERM handler calls it): no turn is given any more, and a
 * wait under way ends. pace_stopped says whether it was called. */
void pace_stop(void);
int pace_stopped(void);

/* Tests only: a clock in place of the system's. now gives the wall clock and a
 * monotonic clock in ms; sleep_ms waits (it may return early). NULL: the system's. */
struct pace_clock {
	void (*now)(long long *wall_ms, long long *mono_ms);
	void (*sleep_ms)(long long ms);
};
void pace_clock_use(const struct pace_clock *clock);

#endif
