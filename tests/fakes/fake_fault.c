/*
 * fake_fault: the fault plan in $FAKE_DIR/faults, consumed under faults.lock (the
 * test harness appends rules under the same lock).
 */
#include "fake_fault.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

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
	if (strcmp(f->action, "drop") == 0 || strcmp(f->action, "close") == 0) {
		f->kind = f->action[0] == 'd' ? FAULT_DROP : FAULT_CLOSE;
		if (next_word(&p, w, sizeof w)) {
			if (strcmp(w, "after") != 0)
				return -1;
			f->after = 1;
			/* the call log tells the two apart: this one took effect */
			snprintf(f->action, sizeof f->action, "%s after", f->kind == FAULT_DROP ? "drop" : "close");
		}
		return 0;
	}
	return -1;
}

/* Percent with at most two decimals ("30", "12.5", "0.25") as basis points; -1 if not. */
static long
to_basis_points(const char *s)
{
	long bp = 0, scale = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.' && scale == 0) {
			scale = 1;
			continue;
		}
		if (*s < '0' || *s > '9' || scale > 2 || bp > 10000)
			return -1;
		bp = bp * 10 + (*s - '0');
		if (scale > 0)
			scale++;
	}
	if (scale == 1) /* "30." */
		return -1;
	for (scale = scale > 0 ? scale - 1 : 0; scale < 2; scale++)
		bp *= 10;
	return bp <= 10000 ? bp : -1;
}

/* splitmix64: one well-mixed 64-bit value per input, so roll k of a seed is repeatable. */
static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * One roll of the dice for a chance rule (under faults.lock): 0..9999. With
 * $FAKE_DIR/fault_seed, the k-th roll of a run is a function of the seed and k (k
 * counted in fault_rolls across all fake processes), so a run can be repeated;
 * without it, the system's randomness.
 */
static long
roll(void)
{
	uint64_t r;

	if (fake_exists("fault_seed")) {
		long long seed = fake_number("fault_seed", 0);
		long long k = fake_next_id("fault_rolls", 1);

		r = mix64((uint64_t)seed * 0x100000001b3ULL ^ mix64((uint64_t)k));
	} else if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
		log_warn("fault plan: getrandom: %s", strerror(errno));
		r = (uint64_t)fake_now_ms();
	}
	return (long)(r % 10000);
}

/* The request a rule is matched against. */
struct fault_request {
	const char *service, *method, *path;
	int reused;
};

/*
 * Does the rule apply? Returns 1 and fills f when it does, 0 when it does not or the
 * line is not a rule (comment, blank, malformed: kept as it is). *kept is the
 * line to write back: the same rule with one use less (or the line itself). A count of
 * 0 is a rule that is never used up. "chance <percent>" before the action makes the
 * rule apply to that share of the requests it matches; a request that misses the roll
 * goes on to the next rules, and only a hit uses the rule up. "reused" after it limits
 * the rule to requests on a connection that carried an earlier request.
 */
static long
match_rule(const char *line, const struct fault_request *r, struct fake_fault *f, struct fbuf *kept)
{
	char svc[32], meth[16], prefix[1024], count[24], w[24];
	const char *p = line, *action, *next;
	long n, chance = -1;
	int only_reused = 0;

	if (*line == '#' || !next_word(&p, svc, sizeof svc))
		goto keep;
	if (!next_word(&p, meth, sizeof meth) || !next_word(&p, prefix, sizeof prefix) ||
	    !next_word(&p, count, sizeof count) || (n = to_long(count, 0, 1000000)) == -1)
		goto malformed;
	action = next = p;
	if (next_word(&next, w, sizeof w) && strcmp(w, "chance") == 0) {
		if (!next_word(&next, w, sizeof w) || (chance = to_basis_points(w)) == -1)
			goto malformed;
		action = next;
	}
	next = action;
	if (next_word(&next, w, sizeof w) && strcmp(w, "reused") == 0) {
		only_reused = 1;
		action = next;
	}
	if (parse_action(action, f) == -1)
		goto malformed;
	/* the roll comes last: a request the rule does not concern draws no dice */
	if ((strcmp(svc, "*") != 0 && strcmp(svc, r->service) != 0) ||
	    (strcmp(meth, "*") != 0 && strcmp(meth, r->method) != 0) ||
	    strncmp(r->path, prefix, strlen(prefix)) != 0 || (only_reused && !r->reused) ||
	    (chance != -1 && roll() >= chance)) {
		fake_fault_free(f);
		goto keep;
	}
	if (n == 0) /* never used up */
		fbuf_addf(kept, "%s\n", line);
	else if (n > 1)
		fbuf_addf(kept, "%s %s %s %ld%s\n", svc, meth, prefix, n - 1, p);
	return 1;
malformed:
	log_warn("fault plan: ignoring malformed rule: %s", line);
	fake_fault_free(f);
keep:
	fbuf_addf(kept, "%s\n", line);
	return 0;
}

void
fake_fault_take(const char *service, const char *method, const char *path, int reused,
    struct fake_fault *out)
{
	const struct fault_request r = {service, method, path, reused};
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
		else if (match_rule(line, &r, &f, &rest) > 0) {
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
