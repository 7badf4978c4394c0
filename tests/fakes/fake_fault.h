/*
 * fake_fault: the fault plan, $FAKE_DIR/faults, one rule per line:
 *   <service|*> <METHOD|*> <path-prefix> <count> [chance <percent>] [reused] <action> [args]
 * actions: status <code> [retry_after <s>] | body <code> <content-type> <literal body...>
 *          | delay <ms> | drop [after] | close [after]
 * "reused" limits the rule to requests on a connection that carried an earlier request.
 * The first rule matching a request is consumed (count - 1, removed at 0; a count of 0
 * is never used up). A chance rule matches only that share of its requests, rolled per
 * request (repeatably when $FAKE_DIR/fault_seed holds a number); a miss goes on to the
 * next rules.
 */
#ifndef FAKE_FAULT_H
#define FAKE_FAULT_H

enum fake_fault_kind {
	FAULT_NONE,
	FAULT_STATUS, /* answer with the service's own error shape for this status */
	FAULT_BODY,   /* answer with a literal status, content type and body */
	FAULT_DELAY,  /* sleep, then serve normally */
	FAULT_DROP,   /* promise a body, send part of it, exit */
	FAULT_CLOSE,  /* close the connection without one byte of the answer, exit */
};

struct fake_fault {
	enum fake_fault_kind kind;
	int status;
	long retry_after;  /* -1 when not given */
	long delay_ms;
	int after;         /* drop or close after serving (the side effects happen) */
	char content_type[128];
	char *body;        /* FAULT_BODY: owned */
	char action[16];   /* the action word, for the call log */
};

/* Takes the first matching rule off the plan; out->kind is FAULT_NONE when none matched.
 * reused: the request came on a connection that carried an earlier one. */
void fake_fault_take(const char *service, const char *method, const char *path, int reused,
    struct fake_fault *out);
void fake_fault_free(struct fake_fault *f);

#endif
