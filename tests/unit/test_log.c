/*
 * Unit tests for log: no value from outside can start a log line of its own, and the
 * [log] file gets whole lines from several processes at once.
 */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static const char *
escaped(const char *in, size_t outlen)
{
	static char out[256];

	log_escape(in, out, outlen);
	return out;
}

static void
test_escape(void)
{
	CHECK_STR(escaped("Jane Doe <jane@example.com>", 256), "Jane Doe <jane@example.com>",
	    "plain text stays as it is");
	CHECK_STR(escaped("Eve\r\nX-Injected: yes", 256), "Eve\\r\\nX-Injected: yes",
	    "CR and LF become \\r and \\n: one line");
	CHECK_STR(escaped("a\tb\x1b[31mc\x7f", 256), "a\\tb\\x1b[31mc\\x7f",
	    "tab, ESC and DEL are escaped: no terminal escapes");
	CHECK_STR(escaped("C:\\n", 256), "C:\\\\n", "a backslash is doubled, so a literal \\n reads back apart");
	CHECK_STR(escaped("Zoë 北京", 256), "Zoë 北京", "UTF-8 text stays readable");
	CHECK_STR(escaped("ab\ncd", 4), "ab", "cut before an escape that would not fit");
	CHECK_STR(escaped("abcdef", 4), "abc", "cut to the buffer, terminated");
}

#define WRITERS 4
#define LINES 300

/* Counts the file's lines; *bad gets those not of the form WRITERS' lines have. */
static int
count_lines(const char *path, const char *needle, int *bad)
{
	static char line[8192];
	FILE *f = fopen(path, "r");
	int n = 0;

	*bad = 0;
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strstr(line, needle) == NULL)
			continue;
		n++;
		/* a whole line: "<stamp> test_log[pid] info: writer W line L <pad>x\n" */
		if (strstr(line, " test_log[") == NULL || strstr(line, "] info: writer ") == NULL ||
		    strcmp(line + strlen(line) - 2, "x\n") != 0)
			(*bad)++;
	}
	fclose(f);
	return n;
}

static void
test_file(void)
{
	char dir[] = "/tmp/test_log.XXXXXX", path[256], err[512] = "", pad[901];
	struct stat st;
	int i, w, bad, status, all_ok = 1;
	pid_t pids[WRITERS];

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "a temporary folder");
		return;
	}
	snprintf(path, sizeof path, "%s/kzs.log", dir);
	log_init("test_log");
	umask(022);
	CHECK(log_use_file(path, err, sizeof err) == 0, "[log] file opened (%s)", err);
	log_info("first line to the file");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "created readable by its owner only (0600)");
	CHECK(count_lines(path, "first line to the file", &bad) == 1, "the line is in the file");

	/* Several processes at once, lines near the longest a message may be (1 KiB). */
	memset(pad, 'p', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	for (w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			for (i = 0; i < LINES; i++)
				log_info("writer %d line %d %sx", w, i, pad);
			_exit(0);
		}
	}
	for (w = 0; w < WRITERS; w++)
		if (pids[w] < 0 || waitpid(pids[w], &status, 0) != pids[w] || status != 0)
			all_ok = 0;
	CHECK(all_ok, "%d writers finished", WRITERS);
	CHECK(count_lines(path, "] info: writer ", &bad) == WRITERS * LINES && bad == 0,
	    "%d processes x %d lines of 1 KB: every line whole, none lost (%d broken)", WRITERS, LINES, bad);

	CHECK(log_use_file(path, err, sizeof err) == 0, "the same file again: kept open");
	CHECK(log_use_file(NULL, err, sizeof err) == 0, "no [log] file: back to stderr");
	log_info("this one goes to stderr");
	CHECK(count_lines(path, "goes to stderr", &bad) == 0, "after that, nothing more in the file");

	/* Appends to a file that is there, and leaves its mode as the owner set it. */
	chmod(path, 0640);
	CHECK(log_use_file(path, err, sizeof err) == 0, "an existing file is opened again");
	log_warn("appended after reopening");
	CHECK(count_lines(path, "first line to the file", &bad) == 1 &&
	    count_lines(path, "appended after reopening", &bad) == 1, "earlier lines kept, the new one appended");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640, "an existing file's mode is left alone");

	snprintf(path, sizeof path, "%s/no-such-folder/kzs.log", dir);
	CHECK(log_use_file(path, err, sizeof err) == -1, "a file in a missing folder cannot be opened");
	CHECK(strstr(err, "[log] file ") != NULL && strstr(err, "no-such-folder/kzs.log: cannot open it: "
	    "No such file or directory; logging to stderr") != NULL, "the reason names the file: %s", err);
	log_use_file(NULL, err, sizeof err);

	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_escape();
	test_file();
	return CHECK_DONE();
}
