/*
 * script: the scripted transport. Expectations are a queue taken in order; calls are
 * kept as sent. The timeout and lost-answer texts are the ones lib/http.c writes for a
 * libcurl failure, so the code under test reads them as it would in production.
 */
#include "script.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define SCRIPT_MAX 256

enum script_kind { ANSWER, TIMEOUT, LOST };

struct script_step {
	enum script_kind kind;
	char method[8];
	char *pattern;
	long status, retry_after;
	char *body;
};

static struct script_step steps[SCRIPT_MAX];
static size_t nsteps, next_step;
static struct script_call calls[SCRIPT_MAX];
static size_t ncalls;
static char *unexpected; /* "METHOD URL\n" of each call that was not the next one scripted */
static char *trace;

static char *
script_dup(const char *s, size_t len)
{
	char *p = malloc(len + 1);

	if (p == NULL)
		abort();
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static void
script_append(char **text, const char *add)
{
	size_t have = *text ? strlen(*text) : 0, n = strlen(add);
	char *p = realloc(*text, have + n + 1);

	if (p == NULL)
		abort();
	memcpy(p + have, add, n + 1);
	*text = p;
}

static int
script_matches(const char *url, const char *pattern)
{
	size_t u = strlen(url), p = strlen(pattern);
	const char *at;

	if (p == 0 || pattern[p - 1] != '*')
		return u >= p && strcmp(url + u - p, pattern) == 0;
	for (at = url; *at; at++)
		if (strncmp(at, pattern, p - 1) == 0)
			return 1;
	return p == 1;
}

static void
script_record(const struct http_request *req)
{
	struct script_call *c;
	char *headers = NULL;
	size_t i;

	if (ncalls == SCRIPT_MAX)
		abort();
	c = &calls[ncalls++];
	snprintf(c->method, sizeof c->method, "%s", req->method);
	c->url = script_dup(req->url, strlen(req->url));
	for (i = 0; i < HTTP_MAX_HEADERS && req->headers[i]; i++) {
		script_append(&headers, req->headers[i]);
		script_append(&headers, "\n");
	}
	c->headers = headers ? headers : script_dup("", 0);
	c->body = req->body ? script_dup(req->body, req->body_len) : script_dup("", 0);
}

static int
script_transport(const struct http_request *req, struct http_response *res, void *arg)
{
	struct script_step *s = next_step < nsteps ? &steps[next_step] : NULL;

	(void)arg;
	script_record(req);
	if (s == NULL || strcmp(s->method, req->method) != 0 || !script_matches(req->url, s->pattern)) {
		script_append(&unexpected, req->method);
		script_append(&unexpected, " ");
		script_append(&unexpected, req->url);
		script_append(&unexpected, s ? " (scripted next: " : " (nothing scripted)");
		if (s) {
			script_append(&unexpected, s->method);
			script_append(&unexpected, " ");
			script_append(&unexpected, s->pattern);
			script_append(&unexpected, ")");
		}
		script_append(&unexpected, "\n");
		snprintf(res->error, sizeof res->error, "the test did not script this call");
		return -1;
	}
	next_step++;
	if (s->kind == TIMEOUT) {
		snprintf(res->error, sizeof res->error, "%s", curl_easy_strerror(CURLE_OPERATION_TIMEDOUT));
		return -1;
	}
	if (s->kind == LOST) {
		snprintf(res->error, sizeof res->error, "answer lost after the %s was sent: %s", req->method,
		    curl_easy_strerror(CURLE_GOT_NOTHING));
		return -1;
	}
	res->status = s->status;
	res->retry_after = s->retry_after;
	if (s->body != NULL) {
		free(res->body);
		res->len = strlen(s->body);
		res->body = script_dup(s->body, res->len);
		snprintf(res->content_type, sizeof res->content_type, "%s",
		    strncmp(s->body, "%PDF-", 5) == 0 ? "application/pdf" :
		    s->body[0] == '<' ? "text/html" : "application/json");
	}
	return 0;
}

static void
script_add(enum script_kind kind, const char *method, const char *pattern, long status,
    long retry_after, const char *body)
{
	struct script_step *s;

	if (nsteps == SCRIPT_MAX)
		abort();
	s = &steps[nsteps++];
	s->kind = kind;
	snprintf(s->method, sizeof s->method, "%s", method);
	s->pattern = script_dup(pattern, strlen(pattern));
	s->status = status;
	s->retry_after = retry_after;
	s->body = body ? script_dup(body, strlen(body)) : NULL;
}

void
script_answer(const char *method, const char *pattern, long status, const char *body)
{
	script_add(ANSWER, method, pattern, status, -1, body);
}

void
script_answer_wait(const char *method, const char *pattern, long status, long retry_after,
    const char *body)
{
	script_add(ANSWER, method, pattern, status, retry_after, body);
}

void
script_timeout(const char *method, const char *pattern)
{
	script_add(TIMEOUT, method, pattern, 0, -1, NULL);
}

void
script_lost(const char *method, const char *pattern)
{
	script_add(LOST, method, pattern, 0, -1, NULL);
}

void
script_reset(void)
{
	size_t i;

	for (i = 0; i < nsteps; i++) {
		free(steps[i].pattern);
		free(steps[i].body);
	}
	for (i = 0; i < ncalls; i++) {
		free(calls[i].url);
		free(calls[i].headers);
		free(calls[i].body);
	}
	nsteps = next_step = ncalls = 0;
	free(unexpected);
	unexpected = NULL;
	free(trace);
	trace = NULL;
}

void
script_begin(void)
{
	script_reset();
	http_set_transport(script_transport, NULL);
}

void
script_end(void)
{
	script_reset();
	http_set_transport(NULL, NULL);
}

size_t
script_count(void)
{
	return ncalls;
}

const struct script_call *
script_call(size_t i)
{
	return i < ncalls ? &calls[i] : NULL;
}

const char *
script_body(size_t i)
{
	return i < ncalls ? calls[i].body : "";
}

const char *
script_url(size_t i)
{
	return i < ncalls ? calls[i].url : "";
}

const char *
script_headers(size_t i)
{
	return i < ncalls ? calls[i].headers : "";
}

size_t
script_count_of(const char *method, const char *pattern)
{
	size_t i, n = 0;

	for (i = 0; i < ncalls; i++)
		n += strcmp(calls[i].method, method) == 0 && script_matches(calls[i].url, pattern);
	return n;
}

const char *
script_trace(void)
{
	size_t i;

	free(trace);
	trace = script_dup("", 0);
	for (i = 0; i < ncalls; i++) {
		const char *path = strstr(calls[i].url, "://");
		char *bare;

		path = path ? strchr(path + 3, '/') : NULL;
		if (path == NULL)
			path = calls[i].url;
		bare = script_dup(path, strcspn(path, "?"));
		if (i > 0)
			script_append(&trace, ", ");
		script_append(&trace, calls[i].method);
		script_append(&trace, " ");
		script_append(&trace, bare);
		free(bare);
	}
	return trace;
}

int
script_over(void)
{
	size_t i;

	for (i = next_step; i < nsteps; i++)
		printf("#   scripted, never called: %s %s\n", steps[i].method, steps[i].pattern);
	if (unexpected != NULL) {
		char *line = unexpected, *end;

		while ((end = strchr(line, '\n')) != NULL) {
			printf("#   unexpected call: %.*s\n", (int)(end - line), line);
			line = end + 1;
		}
	}
	return next_step == nsteps && unexpected == NULL;
}
