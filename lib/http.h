/*
 * http: one outgoing HTTPS call through libcurl, with TLS verification always on and
 * plain http:// allowed only to loopback (tests and the sandbox).
 */
#ifndef KZS_HTTP_H
#define KZS_HTTP_H

#include <stddef.h>

#define HTTP_MAX_HEADERS 8

struct http_request {
	const char *method; /* GET POST PUT PATCH */
	const char *url;
	const char *headers[HTTP_MAX_HEADERS]; /* "Name: value", NULL-terminated */
	const char *body;
	size_t body_len;
	long timeout_s; /* whole call; 0 means 20 s */
	size_t max_response; /* 0 means 16 MiB */
};

struct http_response {
	long status;       /* 0 when no HTTP answer arrived */
	char *body;        /* NUL-terminated, len bytes */
	size_t len;
	char content_type[128];
	long retry_after;  /* seconds from a Retry-After header, -1 when absent */
	char error[256];   /* transport failure in plain words, "" when status != 0 */
	int not_started;   /* 1: the call was not made, the run's time was up (http_set_deadline) */
};

/* Call once per process before any thread starts (we have none). */
void http_global_init(void);

/*
 * From now on (0: no longer) no call starts after the unix time `deadline`, and a call
 * gets at most HTTP_DEADLINE_GRACE_S beyond it: a web process that works after its
 * answer must be free again in time.
 */
#define HTTP_DEADLINE_GRACE_S 10
void http_set_deadline(long long deadline);

/* In a forked child: the parent's handle and its open connections belong to the parent.
 * They are left alone (cleaning up would talk on them) and the next call starts afresh. */
void http_after_fork(void);

/* Returns 0 when an HTTP answer arrived (any status), -1 on a transport failure. */
int http_perform(const struct http_request *req, struct http_response *res);

/*
 * Tests only: fn makes each call in libcurl's place, with arg, after http_perform's own
 * checks (allowed URL, writes held back, the run's deadline). res arrives as
 * http_perform prepares it (body an empty malloc'd string, retry_after -1); fn fills it
 * as libcurl would (a new body must be malloc'd and NUL-terminated) and returns what
 * http_perform returns. NULL: libcurl again. The programs never set it.
 */
typedef int (*http_transport_fn)(const struct http_request *req, struct http_response *res,
    void *arg);
void http_set_transport(http_transport_fn fn, void *arg);
void http_response_free(struct http_response *res);

/* 1 when url is https://, or http:// to 127.0.0.1, localhost or [::1]. */
int http_url_allowed(const char *url);

/* Percent-encodes s for a form body or query (RFC 3986 unreserved kept); malloc'd. */
char *http_form_escape(const char *s);

#endif
