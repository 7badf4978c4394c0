/*
 * pace: a sliding window of the last max_calls reserved start times, in a small file
 * per service under a flock. The file is not a GDBM store on purpose: it is touched
 * before every remote call, holds nothing worth an fsync, and may be lost at any time.
 */
#include "pace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Slots kept; a higher rate is paced as the same rate over a shorter window. */
#define PACE_MAX_CALLS 64

static long long
pace_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long
pace_wait(const char *dir, const char *service, int max_calls, long window_ms)
{
	long long ring[PACE_MAX_CALLS] = { 0 }, now, slot;
	char path[512];
	int fd, n;

	if (max_calls <= 0)
		return 0;
	n = max_calls;
	if (n > PACE_MAX_CALLS) {
		/* The same average rate over a shorter window. */
		window_ms = window_ms * PACE_MAX_CALLS / max_calls;
		n = PACE_MAX_CALLS;
	}
	snprintf(path, sizeof path, "%s/pace-%s", dir, service);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1 || flock(fd, LOCK_EX) == -1) {
		log_warn("%s: %s; calls are not paced", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return 0;
	}
	/* ring[0] is the oldest reservation, ring[n-1] the newest; a short file reads as zeros. */
	if (pread(fd, ring, sizeof ring[0] * (size_t)n, 0) == -1)
		memset(ring, 0, sizeof ring);
	now = pace_now_ms();
	slot = now;
	if (ring[0] + window_ms > slot)
		slot = ring[0] + window_ms;
	if (ring[n - 1] > slot)
		slot = ring[n - 1];
	/* Never wait on a clock that jumped back: anything far in the future is stale. */
	if (slot > now + window_ms)
		slot = now;
	memmove(ring, ring + 1, sizeof ring[0] * (size_t)(n - 1));
	ring[n - 1] = slot;
	if (pwrite(fd, ring, sizeof ring[0] * (size_t)n, 0) == -1)
		log_warn("%s: %s", path, strerror(errno));
	close(fd);
	if (slot > now) {
		struct timespec ts = { (time_t)((slot - now) / 1000), (long)((slot - now) % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	return (long)(slot - now);
}
