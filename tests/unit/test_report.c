/*
 * Unit tests for lib/report.c: a lasting trouble is logged at most once a minute per
 * topic, by all processes together. Each report is made in a forked process of its own
 * (as each web request is), whose error log (stderr) is a file the test counts lines
 * in; the stamp file's time is moved back to stand for a minute gone by.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "report.h"
#include "world.h"

static struct config cfg;
static const char *dir; /* a folder of the test's own (world.h) */

/* The error lines in the log file of child n that hold text. */
static int
lines_in(int n, const char *text)
{
	char path[128], line[2048];
	int count = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/log-%d", dir, n);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		count += strstr(line, " error: ") != NULL && strstr(line, text) != NULL;
	fclose(f);
	return count;
}

/*
 * Starts child n, which waits for the gate (a pipe; NULL: no wait) to be closed, then reports message
 * on topic `times` times, in state folder where (NULL: none); every: report_every_time.
 */
static pid_t
start(int n, const int *gate, const char *where, const char *topic, const char *message, int times, int every)
{
	char path[128];
	pid_t pid;

	snprintf(path, sizeof path, "%s/log-%d", dir, n);
	fflush(stdout);
	if ((pid = fork()) == -1) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), i;
		char c;

		alarm(20);
		dup2(fd, 2);
		close(fd);
		log_init("report-test");
		if (gate != NULL) {
			close(gate[1]);
			if (read(gate[0], &c, 1) < 0)
				_exit(3);
		}
		if (every)
			report_every_time();
		for (i = 0; i < times; i++)
			report_trouble(where, topic, "%s", message);
		_exit(0);
	}
	return pid;
}

static int
finish(pid_t pid)
{
	int status;

	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Child n reports and ends; the lines it logged. */
static int
report_in_child(int n, const char *where, const char *topic, const char *message, int times)
{
	if (!finish(start(n, NULL, where, topic, message, times, 0)))
		return -1;
	return lines_in(n, message);
}

/* The topic's stamp is moved `seconds` into the past (negative: the future). */
static void
stamp_moved(const char *topic, long seconds)
{
	char path[128];
	struct timeval tv[2];

	snprintf(path, sizeof path, "%s/%s.reported", dir, topic);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= seconds;
	tv[1] = tv[0];
	if (utimes(path, tv) == -1)
		perror(path);
}

static void
test_once_a_minute(void)
{
	const char *damaged = "deals: the file is damaged; run kzsctl recover deals";
	struct stat st;
	char path[128];

	CHECK(report_in_child(1, dir, "deals", damaged, 3) == 1, "a process meeting a trouble three times logs it once");
	snprintf(path, sizeof path, "%s/deals.reported", dir);
	CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) == 0,
	    "...and leaves a stamp for the others, for its owner only");
	CHECK(report_in_child(2, dir, "deals", damaged, 1) == 0, "another process within the minute logs nothing");
	CHECK(report_in_child(3, dir, "outbox", damaged, 1) == 1, "...but does log the same words on another topic");
	CHECK(report_in_child(4, dir, "deals", "deals: loose permissions; chmod 600 deals", 1) == 1,
	    "...and another message on the topic: it is new");
	CHECK(report_in_child(5, dir, "deals", "deals: loose permissions; chmod 600 deals", 1) == 0,
	    "...which the next process leaves alone in turn");

	stamp_moved("deals", REPORT_INTERVAL_SECONDS + 1);
	CHECK(report_in_child(6, dir, "deals", "deals: loose permissions; chmod 600 deals", 2) == 1,
	    "a minute later it is logged again, once");
	CHECK(report_in_child(7, dir, "deals", "deals: loose permissions; chmod 600 deals", 1) == 0,
	    "...and then not for another minute");
	stamp_moved("deals", REPORT_INTERVAL_SECONDS - 5);
	CHECK(report_in_child(8, dir, "deals", "deals: loose permissions; chmod 600 deals", 1) == 0,
	    "55 s after the last report it is still quiet");
	stamp_moved("deals", -3600);
	CHECK(report_in_child(9, dir, "deals", "deals: loose permissions; chmod 600 deals", 1) == 1,
	    "a stamp from the future (the clock was set back) does not silence it");
}

static void
test_together(void)
{
	const char *msg = "outbox: no space left on the device";
	pid_t a, b;
	int gate[2], la, lb;

	if (pipe(gate) == -1) {
		perror("pipe");
		exit(2);
	}
	a = start(10, gate, dir, "disk", msg, 5, 0);
	b = start(11, gate, dir, "disk", msg, 5, 0);
	close(gate[0]);
	close(gate[1]); /* both start now */
	CHECK(finish(a) && finish(b), "two processes report the same trouble at the same moment");
	la = lines_in(10, msg);
	lb = lines_in(11, msg);
	CHECK(la + lb == 1, "...one line in the log between them (%d + %d)", la, lb);
}

static void
test_no_folder(void)
{
	const char *msg = "cannot read the configuration: no such file";
	pid_t pid;

	CHECK(report_in_child(12, NULL, "config", msg, 3) == 1, "without a state folder a process still logs once");
	CHECK(report_in_child(13, NULL, "config", msg, 1) == 1, "...and another process logs it again (nothing shared)");
	pid = start(14, NULL, dir, "tokens", "tokens: damaged", 3, 1);
	CHECK(finish(pid) && lines_in(14, "tokens: damaged") == 3,
	    "kzsctl, which reports every time, shows each of the three");
}

static void
test_stamp_link(void)
{
	char target[128], link_path[128], text[64] = "";
	FILE *f;

	snprintf(target, sizeof target, "%s/victim", dir);
	snprintf(link_path, sizeof link_path, "%s/linked.reported", dir);
	if ((f = fopen(target, "w")) != NULL) {
		fputs("keep me\n", f);
		fclose(f);
	}
	if (symlink(target, link_path) == -1)
		perror("symlink");
	CHECK(report_in_child(15, dir, "linked", "linked: trouble", 1) == 1,
	    "a symbolic link in the stamp's place: the trouble is still logged");
	if ((f = fopen(target, "r")) != NULL) {
		if (fgets(text, sizeof text, f) == NULL)
			text[0] = '\0';
		fclose(f);
	}
	CHECK_STR(text, "keep me\n", "...and the file it points at is not written");
}

int
main(void)
{
	if (world_open(&cfg) == -1)
		return 1;
	dir = cfg.state_dir;
	test_once_a_minute();
	test_together();
	test_no_folder();
	test_stamp_link();
	world_close(&cfg);
	return CHECK_DONE();
}
