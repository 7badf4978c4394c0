/*
 * Unit tests for lib/outbox.c on real GDBM files in a temporary directory: merging,
 * leases, retries with backoff, putting back, reruns after a merge, taking over a dead lease,
 * and another host's only once it has run out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "outbox.h"
#include "jfield.h"
#include "store.h"

static void
count_one(const struct outbox_job *job, void *arg)
{
	(void)job;
	(*(int *)arg)++;
}

static int
jobs(const char *dir)
{
	int n = 0;

	outbox_list(dir, count_one, &n);
	return n;
}

/* 1 when a child process claimed a job (and then exited, leaving its lease). */
static int
claimed_in_child(const char *dir, long long now)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		struct outbox_job c;

		_exit(outbox_claim(dir, now, &c) == 0 ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Makes key's lease one held on another host, as a claim there would write it. */
static int
elsewhere(const char *dir, const char *key)
{
	struct store *s;
	char err[256], *val = NULL;
	json_object *job;
	int rc = -1;

	if (store_begin(dir, STORE_OUTBOX, 1, &s, err, sizeof err) == -1)
		return -1;
	if (store_get(s, key, &val) == 0 && (job = json_tokener_parse(val)) != NULL) {
		json_object_object_add(job, "lease_host", json_object_new_string("another-boot pid:[1]"));
		rc = store_put(s, key, json_object_to_json_string(job));
		json_object_put(job);
	}
	free(val);
	if (rc == 0)
		return store_commit(s);
	store_abort(s);
	return -1;
}

int
main(void)
{
	char dir[] = "/tmp/kzs-outbox-XXXXXX", err[256];
	struct outbox_job a, b;
	long long now = 1000000;

	if (mkdtemp(dir) == NULL)
		return 1;

	CHECK(outbox_claim(dir, now, &a) == 1, "an empty outbox has nothing due");
	CHECK(outbox_enqueue(dir, "send", "1001", now, err, sizeof err) == 0, "first enqueue creates a job");
	CHECK(outbox_enqueue(dir, "send", "1001", now, err, sizeof err) == 1, "second enqueue merges");
	CHECK(jobs(dir) == 1, "one job for one lead");

	CHECK(outbox_claim(dir, now, &a) == 0 && strcmp(a.key, "send:1001") == 0, "the job is claimed");
	CHECK(outbox_claim(dir, now, &b) == 1, "a leased job is not claimed twice");

	json_object_object_add(a.state, "request_id", json_object_new_string("10000001234560001"));
	CHECK(outbox_retry(dir, &a, "HTTP 500", 30, now) == 0, "a failed job is kept");
	outbox_job_free(&a);
	CHECK(outbox_claim(dir, now + 29, &a) == 1, "not due before its backoff");
	CHECK(outbox_due(dir, now + 29) == 0 && outbox_due(dir, now + 30) == 1,
	    "outbox_due sees the job due only after its backoff");
	CHECK(outbox_due(dir, now + 30) == 1, "...and looking took no lease");
	CHECK(outbox_claim(dir, now + 30, &a) == 0 && a.attempts == 1, "due after it, attempt counted");
	CHECK_STR(jfield_text(a.state, "request_id"), "10000001234560001", "progress survives a retry");
	CHECK_STR(a.last_error, "HTTP 500", "last error is recorded");

	/* Put back by a run's time box: due at once, the attempts as they were. */
	CHECK(outbox_put_back(dir, &a, "put off", now + 30) == 0, "a job is put back");
	outbox_job_free(&a);
	CHECK(outbox_claim(dir, now + 30, &a) == 0 && a.attempts == 1, "due at once, no attempt added");
	CHECK_STR(a.last_error, "put off", "the reason is recorded");
	CHECK_STR(jfield_text(a.state, "request_id"), "10000001234560001", "progress survives a put back");

	/* A webhook for the same lead while the job runs: it must run once more afterwards. */
	CHECK(outbox_enqueue(dir, "send", "1001", now + 31, err, sizeof err) == 1, "merge while running");
	CHECK(outbox_save(dir, &a) == 0, "a step saved after the merge keeps the merge");
	CHECK(outbox_done(dir, &a, now + 32) == 0, "done");
	outbox_job_free(&a);
	CHECK(outbox_claim(dir, now + 32, &a) == 0 && *jfield_text(a.state, "request_id") == '\0',
	    "merged during the run: runs again, from a clean state");
	CHECK(outbox_done(dir, &a, now + 33) == 0 && jobs(dir) == 0, "done again: removed");
	outbox_job_free(&a);

	/* A process that claims and dies leaves its lease; another process takes it over. */
	outbox_enqueue(dir, "send", "1002", now, err, sizeof err);
	CHECK(claimed_in_child(dir, now), "a child claims the job and exits");
	CHECK(outbox_claim(dir, now + 1, &a) == 0 && strcmp(a.key, "send:1002") == 0,
	    "the dead child's lease is taken over");

	/* A holder on another host (the state in a shared database): its pid says nothing
	 * here, so its lease stands until it runs out, whatever process has that pid here. */
	outbox_enqueue(dir, "send", "1004", now, err, sizeof err);
	CHECK(claimed_in_child(dir, now), "a child claims another job and exits");
	CHECK(elsewhere(dir, "send:1004") == 0, "...its lease made another host's");
	CHECK(outbox_claim(dir, now + 1, &b) == 1, "another host's lease is not taken over while it runs");
	CHECK(outbox_claim(dir, now + OUTBOX_LEASE_SECONDS + 1, &b) == 0 && strcmp(b.key, "send:1004") == 0,
	    "...and is once it has run out");
	CHECK(outbox_done(dir, &b, now + OUTBOX_LEASE_SECONDS + 1) == 0, "done by the one who took it over");
	outbox_job_free(&b);
	outbox_job_free(&a);
	CHECK(outbox_make_all_due(dir, now) == 1, "retry makes the queued job due");

	/* A dead letter is kept and listed but never claimed, until the admin's retry. */
	outbox_enqueue(dir, "send", "1003", now, err, sizeof err);
	CHECK(outbox_claim(dir, now, &a) == 0 && strcmp(a.key, "send:1003") == 0, "claim the third job");
	CHECK(outbox_bury(dir, &a, "HTTP 500 for 72 h", now) == 0, "give it up");
	outbox_job_free(&a);
	CHECK(jobs(dir) == 2, "the dead letter stays listed");
	CHECK(outbox_claim(dir, now + 86400, &a) == 0 && strcmp(a.key, "send:1002") == 0,
	    "only the live job is claimed, however late");
	outbox_job_free(&a);
	CHECK(outbox_claim(dir, now + 86400 + OUTBOX_LEASE_SECONDS + 1, &a) == 0 &&
	    strcmp(a.key, "send:1002") == 0, "never the dead one");
	outbox_job_free(&a);
	CHECK(outbox_make_all_due(dir, now + 90000) == 2, "retry revives it");
	{
		int found = 0, i;

		for (i = 0; i < 2; i++) {
			if (outbox_claim(dir, now + 90000 + i * 1000, &a) == 0 && strcmp(a.key, "send:1003") == 0)
				found = a.dead == 0 && a.created_at == now + 90000;
			outbox_job_free(&a);
		}
		CHECK(found, "revived: claimable, no longer dead, a fresh give-up period");
	}

	CHECK(outbox_backoff(1, -1) >= 30 && outbox_backoff(1, -1) <= 38, "first backoff about 30 s");
	CHECK(outbox_backoff(20, -1) <= 3600 + 900, "backoff is capped");
	CHECK(outbox_backoff(3, 7) == 7, "the remote's retry_after wins");

	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return CHECK_DONE();
}
