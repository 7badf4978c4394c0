/*
 * script: a scripted transport for unit tests (lib/http.h, http_set_transport). A test
 * says what the next calls answer, in order; every call is recorded (method, URL,
 * headers, body) so the test can assert what was sent. A call that is not the next one
 * scripted gets no answer (status 0) and is kept as unexpected: script_over() then
 * fails, naming it.
 *
 * A URL pattern matches a URL that ends with it; a pattern ending in '*' matches a URL
 * holding what comes before the '*' followed by anything (for long queries).
 */
#ifndef KZS_SCRIPT_H
#define KZS_SCRIPT_H

#include <stddef.h>

struct script_call {
	char method[8];
	char *url;
	char *headers; /* each "Name: value" followed by '\n' */
	char *body;    /* "" when none */
};

/* Installs the scripted transport (and forgets every expectation and call so far). */
void script_begin(void);
/* Forgets every expectation and recorded call; the transport stays. */
void script_reset(void);
/* Gives the transport back to libcurl and frees everything. */
void script_end(void);

/* The next call is `method pattern` and answers status with body (NULL: none). */
void script_answer(const char *method, const char *pattern, long status, const char *body);
/* ... with a Retry-After header of retry_after seconds. */
void script_answer_wait(const char *method, const char *pattern, long status, long retry_after,
    const char *body);
/* ... gets no answer in time (status 0, libcurl's timeout in words). */
void script_timeout(const char *method, const char *pattern);
/* ... was sent, and its answer was lost (status 0, the words lib/http.c uses for a write). */
void script_lost(const char *method, const char *pattern);

/* The calls recorded since script_begin or script_reset. */
size_t script_count(void);
const struct script_call *script_call(size_t i); /* NULL past the end */
/* Recorded call i's body, URL or headers; "" past the end. */
const char *script_body(size_t i);
const char *script_url(size_t i);
const char *script_headers(size_t i);
/* How many recorded calls are `method pattern`. */
size_t script_count_of(const char *method, const char *pattern);
/* "GET /api/v4/leads/1001, POST /api/v4/leads/notes": each call's method and path
 * without its query, in order. Valid until the next call to the script. */
const char *script_trace(void);

/* 1 when every scripted answer was taken and no other call came; else 0, with what
 * is left or came unexpected printed as "# " lines. */
int script_over(void);

#endif
