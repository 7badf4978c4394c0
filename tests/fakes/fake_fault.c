/*
 * fake_fault: the fault plan in $FAKE_DIR/faults, consumed under faults.lock (the
 * test harness appends rules under the same lock).
 */
#include "fake_fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_buf.h"
#include "fake_store.h"
#include "log.h"

/* Copies the next blank-separated word of *p into w and advances; 0 at the end. */
static int
next_word(const char **p, char *w, size_t wlen)
{
	size_t n;

	*p += strspn(*p, " \t");
	n = strcspn(*p, " \t");
	if (n == 0 || n >= wlen)
		return 0;
	memcpy(w, *p, n);
	w[n] = '\0';
	*p += n;
	return 1;
}

static long
to_long(const char *s, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s != '\0' && *end == '\0' && v >= min && v <= max ? v : -1;
}

/* Parses the action part of a rule; -1 when malformed. */
static int
parse_action(const char *p, struct fake_fault *f)
{
	char w[128];

	if (!next_word(&p, f->action, sizeof f->action))
		return -1;
	if (strcmp(f->action, "status") == 0 || strcmp(f->action, "body") == 0) {
		f->kind = f->action[0] == 's' ? FAULT_STATUS : FAULT_BODY;
		if (!next_word(&p, w, sizeof w) || (f->status = (int)to_long(w, 100, 599)) == -1)
			return -1;
		if (f->kind == FAULT_BODY) {
			if (!next_word(&p, f->content_type, sizeof f->content_type))
				return -1;
			p += strspn(p, " \t");
			f->body = strdup(p);
		} else if (next_word(&p, w, sizeof w)) {
			if (strcmp(w, "retry_after") != 0 || !next_word(&p, w, sizeof w) ||
			    (f->retry_after = to_long(w, 0, 86400)) == -1)
				return -1;
		}
		return 0;
	}
	if (strcmp(f->action, "delay") == 0) {
		f->kind = FAULT_DELAY;
		return next_word(&p, w, sizeof w) && (f->delay_ms = to_long(w, 0, 600000)) != -1 ? 0 : -1;
	}
	if (strcmp(f->action, "drop") == 0) {
		f->kind = FAULT_DROP;
		if (next_word(&p, w, sizeof w)) {
			if (strcmp(w, "after") != 0)
				return -1;
			f->after = 1;
		}
		return 0;
	}
	return -1;
}

/*
 * Does the rule apply? Returns its count (> 0) and fills f when it does, 0 when it
 * does not, -1 when the line is not a rule (comment, blank, malformed). *kept is the
 * line to write back: the same rule with one use less (or the line itself).
 */
static long
match_rule(const char *line, const char *service, const char *method, const char *path,
    struct fake_fault *f, struct fbuf *kept)
{
	char svc[32], meth[16], prefix[1024], count[24];
	const char *p = line;
	long n;

	if (*line == '#' || !next_word(&p, svc, sizeof svc))
		goto keep;
	if (!next_word(&p, meth, sizeof meth) || !next_word(&p, prefix, sizeof prefix) ||
	    !next_word(&p, count, sizeof count) || (n = to_long(count, 1, 1000000)) == -1 ||
	    parse_action(p, f) == -1) {
		log_warn("fault plan: ignoring malformed rule: %s", line);
		fake_fault_free(f);
		goto keep;
	}
	if ((strcmp(svc, "*") != 0 && strcmp(svc, service) != 0) ||
	    (strcmp(meth, "*") != 0 && strcmp(meth, method) != 0) ||
	    strncmp(path, prefix, strlen(prefix)) != 0) {
		fake_fault_free(f);
		goto keep;
	}
	if (n > 1)
		fbuf_addf(kept, "%s %s %s %ld%s\n", svc, meth, prefix, n - 1, p);
	return n;
keep:
	fbuf_addf(kept, "%s\n", line);
	return 0;
}

void
fake_fault_take(const char *service, const char *method, const char *path, struct fake_fault *out)
{
	struct fbuf plan = {0}, rest = {0};
	char *line, *save = NULL;
	int fd, taken = 0;

	memset(out, 0, sizeof *out);
	if (!fake_exists("faults"))
		return;
	fd = fake_lock("faults.lock");
	if (fake_read("faults", &plan) == -1)
		goto out;
	for (line = strtok_r(plan.data, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		struct fake_fault f = {.retry_after = -1};

		if (taken)
			fbuf_addf(&rest, "%s\n", line);
		else if (match_rule(line, service, method, path, &f, &rest) > 0) {
			*out = f;
			taken = 1;
		}
	}
	if (taken)
		fake_write("faults", rest.data ? rest.data : "", rest.len);
out:
	fbuf_free(&plan);
	fbuf_free(&rest);
	fake_unlock(fd);
}

void
fake_fault_free(struct fake_fault *f)
{
	free(f->body);
	f->body = NULL;
}
