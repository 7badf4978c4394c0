/*
 * queue_stress DIR JOBS WORKERS: the outbox alone, at scale. Two processes enqueue JOBS
 * distinct jobs (every tenth one twice, a merge) while WORKERS processes claim them;
 * a worker puts about one claim in five back with a short backoff (a failure) or at
 * once (not its turn) before it finishes the job. Each finished job is written to
 * DIR/done.<pid> after outbox_done succeeded. Then the queue must be empty, every job
 * finished exactly once, and the index sound. Prints the counts and "ok"/"not ok" lines.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "outbox.h"

static const char *dir;
static long jobs;

static void
enqueue_range(long first, long step)
{
	char err[256], subject[32];
	long i;

	for (i = first; i < jobs; i += step) {
		/* Every tenth job is due a little later and merged once before that: a merge
		 * into a running job would (rightly) run it again. */
		long long at = (long long)time(NULL) + (i % 10 == 0 ? 10 : 0);

		snprintf(subject, sizeof subject, "%ld", i);
		while (outbox_enqueue(dir, "send", subject, at, err, sizeof err) == -1)
			usleep(1000); /* never lost: tried again, as Kommo resends a refused webhook */
		if (i % 10 == 0 && outbox_enqueue(dir, "send", subject, at, err, sizeof err) != 1)
			printf("not ok - the second enqueue of %s did not merge: %s\n", subject, err);
	}
}

/* Claims until the enqueuers finished and nothing is left to wait for. */
static void
work(unsigned seed, const char *stop_file)
{
	char path[600];
	FILE *done;

	snprintf(path, sizeof path, "%s/done.%ld", dir, (long)getpid());
	done = fopen(path, "w");
	if (done == NULL)
		_exit(2);
	srandom(seed);
	for (;;) {
		struct outbox_outlook o;
		struct outbox_job job;
		long long now = (long long)time(NULL);
		int rc = outbox_claim(dir, now, &job), dice;

		if (rc != 0) {
			if (access(stop_file, F_OK) == 0 && outbox_outlook(dir, now, &o) == 0 && !o.due &&
			    o.held == 0 && o.first_at == LLONG_MAX)
				break;
			usleep(5000);
			continue;
		}
		dice = (int)(random() % 10);
		if (dice == 0 && job.attempts < 2)
			outbox_retry(dir, &job, "HTTP 500", 1, now);
		else if (dice == 1)
			outbox_put_back(dir, &job, "not its turn", now);
		else if (outbox_done(dir, &job, now) == 0)
			fprintf(done, "%s\n", job.key);
		outbox_job_free(&job);
	}
	fclose(done);
	_exit(0);
}

static int
run(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

int
main(int argc, char **argv)
{
	char stop_file[600], cmd[2000], err[256];
	struct outbox_index_report rep;
	int workers, i, status, failed = 0;
	pid_t enq[2];
	time_t started = time(NULL);

	if (argc != 4) {
		fprintf(stderr, "usage: queue_stress DIR JOBS WORKERS\n");
		return 2;
	}
	dir = argv[1];
	jobs = strtol(argv[2], NULL, 10);
	workers = atoi(argv[3]);
	snprintf(stop_file, sizeof stop_file, "%s/enqueued", dir);
	for (i = 0; i < workers; i++)
		if (fork() == 0)
			work((unsigned)i + 1, stop_file);
	for (i = 0; i < 2; i++)
		if ((enq[i] = fork()) == 0) {
			enqueue_range(i, 2);
			_exit(0);
		}
	for (i = 0; i < 2; i++)
		waitpid(enq[i], &status, 0);
	fclose(fopen(stop_file, "w"));
	printf("# %ld jobs enqueued in %ld s\n", jobs, (long)(time(NULL) - started));
	while (wait(&status) > 0 || errno == EINTR)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	printf("# all finished after %ld s\n", (long)(time(NULL) - started));
	printf("%s - every worker ended cleanly\n", failed ? "not ok" : "ok");

	snprintf(cmd, sizeof cmd, "cat %s/done.* | sort | uniq -c | awk '$1 != 1' | grep -c . >/dev/null", dir);
	printf("%s - no job finished twice\n", run(cmd) == 1 ? "ok" : "not ok");
	snprintf(cmd, sizeof cmd, "test \"$(cat %s/done.* | sort -u | wc -l)\" = %ld", dir, jobs);
	printf("%s - every one of the %ld jobs finished\n", run(cmd) == 0 ? "ok" : "not ok", jobs);
	printf("%s - the queue is empty\n", outbox_due(dir, (long long)time(NULL) + 3600) == 0 ? "ok" : "not ok");
	i = outbox_index_check(dir, &rep, err, sizeof err);
	printf("%s - the index is sound (%zu entries, %zu jobs): %s\n",
	    i == 0 && rep.runnable == 0 && rep.entries == 0 ? "ok" : "not ok", rep.entries, rep.runnable,
	    i == 0 ? "clean" : err);
	return 0;
}
