/*
 * web: the FastCGI (or plain CGI) shell around a program's pure request handler.
 * It reads at most a capped body, lets the handler answer, finishes the response
 * and only then runs the "after" work (draining the outbox), as lib/README.md describes;
 * under FastCGI in a child process, so the next request is answered at once.
 */
#ifndef KZS_WEB_H
#define KZS_WEB_H

#include <stddef.h>

struct web_request {
	const char *method;       /* "POST" */
	const char *query;        /* raw QUERY_STRING, "" when absent */
	const char *content_type; /* "" when absent */
	char *body;               /* NUL-terminated copy, body_len bytes */
	size_t body_len;
	int body_too_large;       /* set instead of reading when over the cap */
	void *impl;               /* the FastCGI request, or NULL under CGI */
	int answered;
	int status;               /* the answer's HTTP status, once answered */
};

typedef void (*web_handler_fn)(struct web_request *req, void *arg);
typedef void (*web_after_fn)(void *arg);

/*
 * Serves requests until the web server stops us (FastCGI) or one request (CGI).
 * max_body: larger bodies are not read; the handler sees body_too_large. after runs
 * only once a request was accepted (a 2xx answer): a refused one starts no work.
 */
int web_serve(size_t max_body, web_handler_fn handle, web_after_fn after, void *arg);

/* Sends the whole answer: status, text/plain unless content_type says otherwise. */
void web_respond(struct web_request *req, int status, const char *content_type, const char *body);

/*
 * web_respond with extra header lines, each "Name: value\r\n" (a Location, an Allow);
 * NULL means the defaults (Allow: POST on a 405).
 */
void web_respond_with(struct web_request *req, int status, const char *content_type,
    const char *headers, const char *body);

/* Convenience for errors: status and a one-line reason, also logged. */
void web_refuse(struct web_request *req, int status, const char *reason);

/* 1 when the request's Content-Type is want, with or without parameters (charset=...). */
int web_content_type_is(const struct web_request *req, const char *want);

/* Value of an environment variable of this request (FastCGI params or CGI environ). */
const char *web_getenv(const struct web_request *req, const char *name);

#endif
