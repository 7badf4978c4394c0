/*
 * fake_http: the fakes' own small HTTP/1.1 server. It keeps connections alive, as
 * Kommo's and Zoho's servers do, with one process per connection.
 */
#ifndef FAKE_HTTP_H
#define FAKE_HTTP_H

#include <stddef.h>

#include "fake_buf.h"

/* One client connection, owned by the process serving it. */
struct fake_conn {
	int fd;
	char peer[64];    /* the client's address, e.g. "127.0.0.1" */
	long served;      /* requests answered on it so far: > 0 means it is a reused one */
	int closing;      /* the client or we asked to close it after this answer */
	struct fbuf in;   /* bytes read and not used yet */
};

/* One request as it arrived; the strings are "" when absent. */
struct fake_http_req {
	char method[16];
	struct fbuf path;  /* the target up to '?' */
	struct fbuf query; /* after '?' */
	struct fbuf content_type;
	struct fbuf authorization;
	struct fbuf body;  /* NUL-terminated */
	int bad_status;    /* not 0: the request cannot be served; answer this and close */
};

/* Serves one request of a connection: reads nothing, answers through fake_http_answer. */
typedef void (*fake_http_serve_fn)(struct fake_conn *c, struct fake_http_req *req, const void *arg);

/*
 * Listens on "host:port" and serves every connection in a child process of its own until
 * SIGTERM or SIGUSR1, which stop the listener and end the children at their next idle
 * moment. Returns the exit status for main.
 */
int fake_http_run(const char *listen_on, fake_http_serve_fn serve, const void *arg);

/*
 * Sends the status line, headers (a Content-Type when content_type is not NULL, the
 * extra lines in `headers`) and `sent` bytes of body, announcing `promised` bytes.
 */
void fake_http_answer(struct fake_conn *c, int status, const char *content_type,
    const struct fbuf *headers, const char *body, size_t sent, size_t promised);

#endif
