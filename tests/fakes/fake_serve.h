/*
 * fake_serve: the loop every fake shares, an HTTP/1.1 server on $FAKE_LISTEN that keeps
 * connections alive. It reads a request, applies the rate limit and the fault plan, lets
 * the service answer under the state lock, sends the answer and appends one line to
 * $FAKE_DIR/calls.jsonl.
 */
#ifndef FAKE_SERVE_H
#define FAKE_SERVE_H

#include <stddef.h>

#include "fake_buf.h"

struct json_object;

struct fake_req {
	const char *service;       /* name of the service serving it */
	const char *method;
	const char *path;          /* the request URI up to '?' */
	const char *query;         /* "" when none */
	const char *content_type;  /* "" when none */
	const char *authorization; /* "" when none */
	const char *body;          /* NUL-terminated copy */
	size_t body_len;
};

struct fake_resp {
	int status;
	const char *content_type; /* NULL: no Content-Type */
	struct fbuf headers;      /* extra "Name: value\r\n" lines */
	struct fbuf body;
};

typedef void (*fake_handler_fn)(const struct fake_req *req, struct fake_resp *resp);
/* Fills resp with the service's own error shape; retry_after < 0 means none given. */
typedef void (*fake_error_fn)(struct fake_resp *resp, int status, const char *detail,
    long retry_after);

struct fake_service {
	const char *name;   /* in the call log and the fault plan: kommo drive sign accounts */
	const char *prefix; /* path prefix selecting it ("/drive"); "" matches any path */
	fake_handler_fn handle;
	fake_error_fn error;
	/* Rate limit counted at arrival, before faults and delays, per client address, as a
	 * real server counts: at most rate_limit (read from the file rate_limit_file, default
	 * rate_default) requests per rate_window_ms; the rest get error 429. Services naming
	 * the same file share one count. NULL: no limit. */
	const char *rate_limit_file;
	long long rate_default;
	long long rate_window_ms;
};

/* Serves requests until SIGTERM or SIGUSR1; the first service whose prefix matches answers. */
int fake_serve(const char *program, const struct fake_service *services, size_t n);

void fake_respond(struct fake_resp *resp, int status, const char *content_type,
    const void *body, size_t len);
/* Serializes obj (ids stay integer tokens) and releases it. */
void fake_respond_json(struct fake_resp *resp, int status, const char *content_type,
    struct json_object *obj);
void fake_header(struct fake_resp *resp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Matches path against a pattern where "{n}" stands for one segment of digits and
 * "{s}" for one segment of [A-Za-z0-9_-]. The segment matched by the (single)
 * placeholder is copied into cap. Returns 1 on a match.
 */
int fake_route(const char *path, const char *pattern, char *cap, size_t caplen);

/* One endpoint of a service: method, fake_route pattern, and what answers it. */
typedef void (*fake_endpoint_fn)(const struct fake_req *req, struct fake_resp *resp,
    const char *cap);
struct fake_endpoint {
	const char *method;
	const char *pattern;
	fake_endpoint_fn fn;
};

/* Runs the first endpoint matching method and path; else 405 (path known) or 404. */
void fake_dispatch(const struct fake_req *req, struct fake_resp *resp,
    const struct fake_endpoint *endpoints, size_t n, fake_error_fn error);

/* Decoded query parameter, or NULL; caller frees. */
char *fake_query(const struct fake_req *req, const char *key);
/* Is the media type (parameters ignored, case-insensitive) of the request `type`? */
int fake_content_type_is(const struct fake_req *req, const char *type);

#endif
