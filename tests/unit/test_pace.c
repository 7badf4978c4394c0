/*
 * Unit and stress tests for lib/pace.c: 1 to 64 processes wait at once for Kommo's and
 * Zoho's limits, on a test clock (scaled, so a Zoho minute passes in a fraction of a
 * second, and with a wall clock that jumps); at most N turns in any window, each
 * process goes no earlier than its turn; deadlines, stop, reboots and symlinks.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "http.h"
#include "pace.h"

#define TURNS_MAX 8192

/* Shared by every forked caller: the test clock and the turns they were given. */
struct shared {
	long long real_base_us; /* CLOCK_MONOTONIC when the clock was set */
	long long mono_base_ms, wall_base_ms;
	long long wall_jump_ms; /* added to the wall clock; moved during a run */
	int speed;              /* test ms per real ms */
	int nturns, early;
	long long turn[TURNS_MAX];
};

static struct shared *sh;
static long long first_mono; /* this process: the first clock reading of a pace_wait */
static int callers_ahead;     /* run_callers: every other caller takes its turns ahead */

static long long
real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
test_now(long long *wall_ms, long long *mono_ms)
{
	long long elapsed = (real_us() - sh->real_base_us) * sh->speed / 1000;

	*mono_ms = sh->mono_base_ms + elapsed;
	*wall_ms = sh->wall_base_ms + elapsed + __atomic_load_n(&sh->wall_jump_ms, __ATOMIC_SEQ_CST);
	if (first_mono < 0)
		first_mono = *mono_ms;
}

static void
test_sleep(long long ms)
{
	long long us = ms * 1000 / sh->speed;
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 + 1000 };

	nanosleep(&ts, NULL);
}

static const struct pace_clock test_clock = { test_now, test_sleep };

/* The test clock starts at 30 days of uptime (a jump of a day is not a reboot). */
static void
clock_set(int speed)
{
	sh->speed = speed;
	sh->real_base_us = real_us();
	sh->mono_base_ms = 30LL * 86400 * 1000;
	sh->wall_base_ms = 1780000000000LL;
	sh->wall_jump_ms = 0;
}

static long long
test_mono(void)
{
	long long wall, mono;

	test_now(&wall, &mono);
	return mono;
}

/* One pace_wait; its turn goes to the shared list. The wait it returns, or PACE_NOT_NOW. */
static long
take_turn(const char *dir, const char *service, int n, long window)
{
	long waited;

	first_mono = -1;
	waited = pace_wait(dir, service, n, window);
	if (waited >= 0) {
		long long turn = first_mono + waited;
		int i = __atomic_fetch_add(&sh->nturns, 1, __ATOMIC_SEQ_CST);

		if (i < TURNS_MAX)
			sh->turn[i] = turn;
		if (test_mono() < turn)
			__atomic_fetch_add(&sh->early, 1, __ATOMIC_SEQ_CST);
	}
	return waited;
}

/*
 * One turn taken ahead (pace_reserve), work_ms of work, then the call's pace_wait: the
 * reserved turn goes to the shared list. 1 when the wait was for that turn and ended
 * no earlier, 0 when it was not, -1 when no turn was given.
 */
static int
take_turn_ahead(const char *dir, const char *service, int n, long window, long work_ms)
{
	long ahead, waited;
	long long turn;
	int i;

	first_mono = -1;
	ahead = pace_reserve(dir, service, n, window);
	if (ahead < 0)
		return -1;
	turn = first_mono + ahead;
	i = __atomic_fetch_add(&sh->nturns, 1, __ATOMIC_SEQ_CST);
	if (i < TURNS_MAX)
		sh->turn[i] = turn;
	test_sleep(work_ms);
	first_mono = -1;
	waited = pace_wait(dir, service, n, window);
	if (test_mono() < turn)
		__atomic_fetch_add(&sh->early, 1, __ATOMIC_SEQ_CST);
	return waited >= 0 && (first_mono + waited == turn || (waited == 0 && first_mono >= turn));
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* The most turns in any window of `window` ms (half-open). */
static int
most_in_window(long window)
{
	int i, first = 0, most = 0, n = sh->nturns < TURNS_MAX ? sh->nturns : TURNS_MAX;

	qsort(sh->turn, (size_t)n, sizeof sh->turn[0], cmp_ll);
	for (i = 0; i < n; i++) {
		while (sh->turn[i] - sh->turn[first] >= window)
			first++;
		if (i - first + 1 > most)
			most = i - first + 1;
	}
	return most;
}

/*
 * callers processes take `calls` turns each at once, for n per window (test ms), on a
 * clock `speed` times real time; with jumps, the parent moves the wall clock back and
 * forth meanwhile.
 */
static void
run_callers(const char *dir, const char *label, int callers, int calls, int n, long window,
    int speed, int jumps)
{
	static const long long jump_ms[] = { -3600000, 7200000, -86400000, 600000, 0 };
	char service[64];
	int i, status, bad = 0, most;

	snprintf(service, sizeof service, "t%d-%d-%d-%d", callers, n, jumps, callers_ahead);
	clock_set(speed);
	sh->nturns = 0;
	sh->early = 0;
	for (i = 0; i < callers; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			int c;

			for (c = 0; c < calls; c++)
				if (callers_ahead && i % 2 == 0 ?
				    take_turn_ahead(dir, service, n, window, PACE_AHEAD_MS / 4) != 1 :
				    take_turn(dir, service, n, window) < 0)
					_exit(2);
			_exit(0);
		}
		if (pid < 0)
			bad++;
	}
	for (i = 0; jumps && i < 40; i++) {
		__atomic_store_n(&sh->wall_jump_ms, jump_ms[i % 5], __ATOMIC_SEQ_CST);
		usleep(20000);
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	most = most_in_window(window);
	CHECK(bad == 0 && sh->nturns == callers * calls, "%s: %d callers x %d calls all had their turn (%d)",
	    label, callers, calls, sh->nturns);
	CHECK(most <= n, "%s: %d callers: at most %d turns in any %ld ms (most: %d)", label, callers, n,
	    window, most);
	CHECK(sh->early == 0, "%s: %d callers: nobody went before its turn (%d did)", label, callers, sh->early);
}

static void
test_concurrent(const char *dir)
{
	static const int counts[] = { 1, 8, 32, 64 };
	size_t i;

	for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		int c = counts[i], calls = c == 1 ? 13 : c == 8 ? 4 : 2;

		run_callers(dir, "Kommo 6 per 1100 ms", c, calls, 6, PACE_KOMMO_WINDOW_MS, 4, 0);
		run_callers(dir, "Zoho 45 per 62100 ms", c, c == 1 ? 50 : calls * 2, 45, PACE_ZOHO_WINDOW_MS,
		    200, 0);
	}
	/* The clock jumps back and forth while they wait. */
	run_callers(dir, "Kommo, wall clock jumping", 32, 2, 6, PACE_KOMMO_WINDOW_MS, 4, 1);
	run_callers(dir, "Zoho, wall clock jumping", 32, 4, 45, PACE_ZOHO_WINDOW_MS, 200, 1);
	/* Configured above the remotes' own limits, and above the file's slots. */
	run_callers(dir, "kommo_calls_per_second = 10", 8, 4, 10, PACE_KOMMO_WINDOW_MS, 4, 0);
	run_callers(dir, "zoho_calls_per_minute = 90", 8, 25, 90, PACE_ZOHO_WINDOW_MS, 200, 0);
	run_callers(dir, "1000 calls per 1100 ms", 8, 200, 1000, PACE_KOMMO_WINDOW_MS, 1, 0);
}

/* A turn past the run's deadline is given back: no call starts, nothing is reserved. */
static void
test_deadline(const char *dir)
{
	struct http_request req = { .method = "GET", .url = "http://127.0.0.1:1/" };
	struct http_response res;

	clock_set(20);
	sh->nturns = 0;
	take_turn(dir, "deadline", 1, 1100);
	pace_set_deadline(sh->wall_base_ms / 1000 + 1); /* 1 s away, the next turn 1.1 s */
	CHECK(pace_wait(dir, "deadline", 1, 1100) == PACE_NOT_NOW, "a turn past the deadline is not given");
	CHECK(http_perform(&req, &res) == -1 && res.not_started == 1,
	    "...and no call starts after it in this run");
	http_response_free(&res);
	pace_set_deadline(0);
	http_set_deadline(0);
	take_turn(dir, "deadline", 1, 1100);
	CHECK(sh->nturns == 2 && sh->turn[1] - sh->turn[0] == 1100,
	    "the turn given back was not used up: the next caller has it (%lld ms after the first)",
	    sh->turn[1] - sh->turn[0]);
}

/* Turns taken ahead: shared windows, the deadline with PACE_AHEAD_MS to spare, a turn
 * held too long lost. */
static void
test_ahead(const char *dir)
{
	unsigned long refused = pace_turns_refused();
	long waited, first, again;

	/* Half the callers take their turns ahead of a little work: those turns count in the
	 * same window, and each such call waits for its own turn and takes no other. */
	callers_ahead = 1;
	run_callers(dir, "Kommo, half the turns taken ahead", 8, 4, 6, PACE_KOMMO_WINDOW_MS, 1, 0);
	run_callers(dir, "Zoho, half the turns taken ahead", 8, 8, 45, PACE_ZOHO_WINDOW_MS, 20, 0);
	callers_ahead = 0;

	clock_set(20);
	sh->nturns = 0;
	take_turn(dir, "ahead-deadline", 1, 10000);
	/* The next turn is 10 s away; the deadline 11 s: not PACE_AHEAD_MS before it. */
	pace_set_deadline(sh->wall_base_ms / 1000 + 11);
	CHECK(pace_reserve(dir, "ahead-deadline", 1, 10000) == PACE_NOT_NOW &&
	    pace_turns_refused() == refused + 1,
	    "a turn that lies less than PACE_AHEAD_MS before the deadline is not taken ahead");
	pace_set_deadline(0);
	http_set_deadline(0);
	take_turn(dir, "ahead-deadline", 1, 10000);
	CHECK(sh->nturns == 2 && sh->turn[1] - sh->turn[0] == 10000,
	    "...and nothing was reserved: the next caller has that turn (%lld ms after the first)",
	    sh->turn[1] - sh->turn[0]);

	clock_set(100);
	first = pace_reserve(dir, "ahead-late", 1, 60000);
	CHECK(first >= 0 && first < 1000, "a turn taken ahead, now (in %ld ms)", first);
	test_sleep(PACE_AHEAD_MS + 1000);
	waited = pace_wait(dir, "ahead-late", 1, 60000);
	CHECK(waited > 30000,
	    "a turn held longer than PACE_AHEAD_MS past its time is lost: the call waits a window for a new one (%ld ms)",
	    waited);
	first = pace_reserve(dir, "ahead-late", 1, 60000);
	again = pace_reserve(dir, "ahead-late", 1, 60000);
	CHECK(first > 0 && again >= 0 && again <= first,
	    "reserving again while a turn is held gives that turn, not another (%ld ms, then %ld ms)", first, again);
	pace_let_go();
}

/* A stop (the SIGTERM handler) ends a wait under way. */
static void
stop_on_term(int sig)
{
	(void)sig;
	pace_stop();
}

static void
test_stop(const char *dir)
{
	int status, i;
	pid_t pid;

	clock_set(1);
	for (i = 0; i < 6; i++)
		take_turn(dir, "stop", 6, 60000);
	pid = fork();
	if (pid == 0) {
		signal(SIGTERM, stop_on_term);
		_exit(pace_wait(dir, "stop", 6, 60000) == PACE_NOT_NOW && pace_stopped() ? 0 : 1);
	}
	usleep(200000);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "SIGTERM ends a 60 s wait with PACE_NOT_NOW");
}

/* count turns at once, then one more: how long that one waited. */
static long
wait_after_turns(const char *dir, const char *service, int count, int n, long window)
{
	int i;

	for (i = 0; i < count; i++)
		take_turn(dir, service, n, window);
	first_mono = -1;
	return pace_wait(dir, service, n, window);
}

/* A reboot (the monotonic clock starts again) starts afresh; a jump of the wall clock does not. */
static void
test_reboot(const char *dir)
{
	long waited;

	clock_set(1000);
	sh->nturns = 0;
	sh->wall_jump_ms = -86400000;
	take_turn(dir, "reboot", 6, 60000);
	sh->wall_jump_ms = 0;
	waited = wait_after_turns(dir, "reboot", 5, 6, 60000);
	CHECK(waited > 0 && first_mono + waited == sh->turn[0] + 60000,
	    "a wall clock a day back and forth: the window holds (turn %lld ms after the first)",
	    first_mono + waited - sh->turn[0]);
	sh->mono_base_ms = 1000; /* up for 1 s: a reboot since */
	CHECK(pace_wait(dir, "reboot", 6, 60000) == 0, "after a reboot (monotonic clock behind) no wait on the old times");
	sh->mono_base_ms = 2LL * 86400 * 1000; /* up for 2 days, but 3 days passed */
	sh->wall_base_ms += 3LL * 86400 * 1000;
	waited = wait_after_turns(dir, "reboot2", 6, 6, 60000);
	sh->mono_base_ms = 2LL * 86400 * 1000 + 60000;
	sh->wall_base_ms += 5LL * 86400 * 1000;
	CHECK(waited > 0 && pace_wait(dir, "reboot2", 6, 60000) == 0,
	    "after a reboot (the boot began after the file was written, by the wall clock) no wait");
}

int
main(void)
{
	char dir[] = "/tmp/kzs-pace-XXXXXX", path[600], victim[600];
	struct stat st;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return 1;
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	pace_clock_use(&test_clock);

	test_concurrent(dir);
	test_deadline(dir);
	test_ahead(dir);
	test_stop(dir);
	test_reboot(dir);

	/* A symbolic link in place of the pacing file is not followed. */
	snprintf(victim, sizeof victim, "%s/victim", dir);
	snprintf(path, sizeof path, "%s/pace-link", dir);
	f = fopen(victim, "w");
	if (f)
		fclose(f);
	CHECK(symlink(victim, path) == 0, "a symlink pace-link -> victim");
	clock_set(1);
	pace_wait(dir, "link", 6, 1100);
	CHECK(stat(victim, &st) == 0 && st.st_size == 0, "the victim of the symlink was not written");
	return CHECK_DONE();
}
