/*
 * pace: the last max_calls reserved start times, in a small file per service under a
 * flock. A waiter's slot may lie many windows ahead: with 64 processes waiting for
 * Kommo the last one's turn is 11 s away, and it must still be counted by those after.
 * So the times are kept on the monotonic clock, which the wall clock's jumps do not
 * move; the file also notes both clocks at its last write, so that a file from an
 * earlier boot (another monotonic clock) is recognised and started afresh.
 * The file is not a GDBM store on purpose: it is touched before every remote call,
 * holds nothing worth an fsync, and may be lost at any time.
 *
 * With the state in a shared database (store_shared), the ring is a row of kzs_pace
 * instead, so every host keeps to the one limit; its times are then on the database
 * server's clock, the one clock all hosts read, and a turn becomes a wait on this host.
 */
#include "pace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "store.h"
#include "store_sql.h"

/* Slots kept; a higher rate is paced as a slightly lower one over a shorter window. */
#define PACE_SLOTS_MAX 512
#define PACE_MAGIC 0x32505a4bu /* "KZP2" */
#define PACE_LONG_AGO (LLONG_MIN / 4) /* an empty slot: far enough back to add a window */

struct pace_head {
	uint32_t magic;
	uint32_t slots;   /* how many times follow, oldest first */
	int64_t wall_ms;  /* both clocks at the last write */
	int64_t mono_ms;
};
#define PACE_FILE_SIZE (sizeof(struct pace_head) + PACE_SLOTS_MAX * sizeof(int64_t))

static volatile sig_atomic_t stop_flag;
static long long run_deadline; /* unix seconds, 0 = none */
static const struct pace_clock *test_clock;
static unsigned long turns_refused; /* see pace_turns_refused */
/* A turn this process took ahead (pace_reserve), for its next pace_wait on service. */
static struct {
	pid_t pid; /* 0: none; a child does not inherit its parent's turn */
	char service[32];
	long long slot;
} pace_held;

static void
system_now(long long *wall_ms, long long *mono_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*wall_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	*mono_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
system_sleep(long long ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL); /* a signal ends it early; the caller looks at the clock again */
}

static void
clock_now(long long *wall_ms, long long *mono_ms)
{
	(test_clock ? test_clock->now : system_now)(wall_ms, mono_ms);
}

void
pace_clock_use(const struct pace_clock *clock)
{
	test_clock = clock;
}

void
pace_set_deadline(long long deadline)
{
	run_deadline = deadline;
}

void
pace_stop(void)
{
	stop_flag = 1;
}

int
pace_stopped(void)
{
	return stop_flag != 0;
}

/*
 * How many slots stand for max_calls per window_ms. Above PACE_SLOTS_MAX the window is
 * cut into k parts of window_ms / k (rounded up), each with n = max_calls / k slots:
 * any window_ms then holds at most k * n <= max_calls calls.
 */
static void
shape(int max_calls, long window_ms, int *n, long long *w)
{
	long long k = (max_calls + PACE_SLOTS_MAX - 1) / PACE_SLOTS_MAX;

	*n = (int)(max_calls / k);
	*w = (window_ms + k - 1) / k;
}

/* The pacing file, locked; never through a symbolic link, never anything but a file. */
static int
open_ring(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (flock(fd, LOCK_EX) == -1) {
		close(fd);
		return -1;
	}
	/* Its whole size at once, so a later write never needs space (a full disk); until then
	 * it reads as empty. */
	if (st.st_size < (off_t)PACE_FILE_SIZE && (errno = posix_fallocate(fd, 0, PACE_FILE_SIZE)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Fills ring[0..n-1] (oldest first) from the file. A missing or foreign file, or one
 * written on another boot, reads as empty. It was another boot when the monotonic clock
 * is behind the one written, or when by the wall clock this boot began after the write.
 */
static void
read_ring(int fd, int n, long long wall, long long mono, long long *ring)
{
	long long stored[PACE_SLOTS_MAX];
	struct pace_head h;
	int i, keep;

	for (i = 0; i < n; i++)
		ring[i] = PACE_LONG_AGO;
	if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h || h.magic != PACE_MAGIC || h.slots == 0 ||
	    h.slots > PACE_SLOTS_MAX)
		return;
	if (mono < h.mono_ms || wall - mono > h.wall_ms)
		return;
	if (pread(fd, stored, sizeof stored[0] * h.slots, sizeof h) != (ssize_t)(sizeof stored[0] * h.slots))
		return;
	/* The limit may have changed since: the newest reservations are the ones that count. */
	keep = (int)h.slots < n ? (int)h.slots : n;
	memcpy(ring + n - keep, stored + h.slots - (uint32_t)keep, sizeof ring[0] * (size_t)keep);
}

static void
write_ring(int fd, const char *path, int n, long long wall, long long mono, const long long *ring)
{
	struct pace_head h = { PACE_MAGIC, (uint32_t)n, wall, mono };

	if (pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h ||
	    pwrite(fd, ring, sizeof ring[0] * (size_t)n, sizeof h) != (ssize_t)(sizeof ring[0] * (size_t)n))
		log_warn("%s: %s", path, strerror(errno));
}

/* The run is over for this process: no call starts, and the job goes back (see http.h). */
static long
give_back(void)
{
	turns_refused++;
	http_set_deadline(1);
	return PACE_NOT_NOW;
}

unsigned long
pace_turns_refused(void)
{
	return turns_refused;
}

/* 1 when a turn wait_ms from now (wall ms), and ahead_ms after it, lies past the run's deadline. */
static int
past_deadline(long long wait_ms, long long ahead_ms, long long wall)
{
	return run_deadline != 0 && wall + wait_ms + ahead_ms > run_deadline * 1000;
}

/* Sleeps until the monotonic clock reaches slot; PACE_NOT_NOW if told to stop meanwhile. */
static long
sleep_until(long long slot, long long start)
{
	long long wall, mono;

	for (;;) {
		if (stop_flag)
			return give_back();
		clock_now(&wall, &mono);
		if (mono >= slot)
			return slot > start ? (long)(slot - start) : 0;
		(test_clock ? test_clock->sleep_ms : system_sleep)(slot - mono);
	}
}

/* The turn after the n-th last reservation's window, and never before the last one's. */
static long long
next_turn(const long long *ring, int n, long long w, long long now)
{
	long long slot = now;

	if (ring[0] + w > slot)
		slot = ring[0] + w;
	if (ring[n - 1] > slot)
		slot = ring[n - 1];
	return slot;
}

/* Records slot as the newest reservation. */
static void
book(long long *ring, int n, long long slot)
{
	memmove(ring, ring + 1, sizeof ring[0] * (size_t)(n - 1));
	ring[n - 1] = slot;
}

/* A visit of the shared ring: the turn as a wait from the server's now, and this host's
 * clocks at that now. */
struct shared_visit {
	long long w, ahead_ms, wall, mono, wait;
	int refused;
};

static int
decide_shared(long long *ring, int n, long long now_ms, void *arg)
{
	struct shared_visit *v = arg;
	long long turn = next_turn(ring, n, v->w, now_ms);

	/* Read here, not after the visit: its commit may wait for the disk, and the turn
	 * counted from then would come late, crowding the window of the turns after it. */
	clock_now(&v->wall, &v->mono);
	v->wait = turn - now_ms;
	if (past_deadline(v->wait, v->ahead_ms, v->wall)) {
		v->refused = 1;
		return 0;
	}
	book(ring, n, turn);
	return 1;
}

static long
take_shared(const char *service, int n, long long w, long ahead_ms, long long *slot, long long *mono)
{
	long long ring[PACE_SLOTS_MAX];
	struct shared_visit v = { .w = w, .ahead_ms = ahead_ms };

	/* No call unpaced: a database out of reach could not record its answer either. */
	if (store_sql_ring_visit(service, ring, n, PACE_LONG_AGO, decide_shared, &v) == -1)
		return give_back();
	if (v.refused)
		return give_back();
	*mono = v.mono;
	*slot = v.mono + v.wait;
	return 1;
}

/*
 * Reserves the next turn for service, at least ahead_ms before the run's deadline: sets
 * *slot (monotonic ms) and *mono (the clock read). Returns 1 when reserved, 0 when calls
 * are not paced (no limit, or the file cannot be used), PACE_NOT_NOW (see pace_wait).
 */
static long
take(const char *dir, const char *service, int max_calls, long window_ms, long ahead_ms,
    long long *slot, long long *mono)
{
	long long ring[PACE_SLOTS_MAX], wall, w;
	char path[512];
	int fd, n;

	if (max_calls <= 0)
		return 0;
	if (stop_flag)
		return give_back();
	shape(max_calls, window_ms, &n, &w);
	if (store_shared())
		return take_shared(service, n, w, ahead_ms, slot, mono);
	snprintf(path, sizeof path, "%s/pace-%s", dir, service);
	fd = open_ring(path);
	if (fd == -1) {
		log_warn("%s: %s; calls are not paced", path, strerror(errno));
		return 0;
	}
	clock_now(&wall, mono);
	read_ring(fd, n, wall, *mono, ring);
	*slot = next_turn(ring, n, w, *mono);
	if (past_deadline(*slot - *mono, ahead_ms, wall)) {
		close(fd); /* nothing reserved: those after us are not held up by a turn unused */
		return give_back();
	}
	book(ring, n, *slot);
	write_ring(fd, path, n, wall, *mono, ring);
	close(fd);
	return 1;
}

/* 1 when this process holds a turn for service (pace_reserve), not yet used. */
static int
holds(const char *service)
{
	return pace_held.pid == getpid() && strcmp(pace_held.service, service) == 0;
}

void
pace_let_go(void)
{
	pace_held.pid = 0;
}

long
pace_reserve(const char *dir, const char *service, int max_calls, long window_ms)
{
	long long slot, start, mono, wall;
	long rc;

	clock_now(&wall, &start);
	if (!stop_flag && holds(service) && start <= pace_held.slot + PACE_AHEAD_MS)
		return pace_held.slot > start ? (long)(pace_held.slot - start) : 0;
	pace_let_go(); /* a turn held too long is lost: used now it would crowd a window */
	rc = take(dir, service, max_calls, window_ms, PACE_AHEAD_MS, &slot, &mono);
	if (rc != 1)
		return rc;
	pace_held.pid = getpid();
	snprintf(pace_held.service, sizeof pace_held.service, "%s", service);
	pace_held.slot = slot;
	return slot > start ? (long)(slot - start) : 0;
}

long
pace_wait(const char *dir, const char *service, int max_calls, long window_ms)
{
	long long slot, mono, wall;
	long rc;

	if (holds(service)) {
		slot = pace_held.slot;
		pace_let_go();
		clock_now(&wall, &mono);
		if (mono <= slot + PACE_AHEAD_MS)
			return sleep_until(slot, mono);
		/* Later than that the turn is lost (see pace_reserve), and a new one is taken. */
	}
	rc = take(dir, service, max_calls, window_ms, 0, &slot, &mono);
	return rc == 1 ? sleep_until(slot, mono) : rc;
}
