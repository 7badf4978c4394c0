/*
 * pace: keeps every process together under a remote's rate limit (Kommo: 7 calls/s,
 * Zoho Sign: 50 calls/min) by reserving a slot in a shared window before each call.
 */
#ifndef KZS_PACE_H
#define KZS_PACE_H

/* [limits] kommo_calls_per_second, per second and 100 ms more: a process may send a
 * little after the time it reserved, and Kommo counts calls as they arrive. */
#define PACE_KOMMO_WINDOW_MS 1100
#define PACE_ZOHO_WINDOW_MS 60000  /* [limits] zoho_calls_per_minute */

/*
 * Waits until a call fits: at most max_calls in any window_ms, counted over all
 * processes sharing dir. Returns the milliseconds waited. If the pacing file cannot be
 * used, logs it and does not wait (the remote's 429 handling still protects us).
 */
long pace_wait(const char *dir, const char *service, int max_calls, long window_ms);

#endif
