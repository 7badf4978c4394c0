/*
 * fake_http: a listener that forks one process per connection, and the HTTP/1.1
 * reading and writing of requests on it (Content-Length bodies, keep-alive).
 */
#include "fake_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define MAX_HEAD 65536               /* request line and headers */
#define MAX_BODY (64L * 1024 * 1024) /* far above anything a test sends */
#define IDLE_MS 60000                /* an idle connection is closed after this */
#define READ_MS 30000                /* a request must keep coming at least this fast */
#define MAX_CHILDREN 4096

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Reads more bytes into c->in; 1 when some came, 0 on end, timeout or stop. */
static int
read_more(struct fake_conn *c, int idle)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	char chunk[65536];
	long left_ms = idle ? IDLE_MS : READ_MS;
	ssize_t n;
	int rc;

	for (;;) {
		if (idle && stopping)
			return 0;
		/* short waits: a stop that comes just before poll is seen soon all the same */
		rc = poll(&p, 1, left_ms < 500 ? (int)left_ms : 500);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == 0 && (left_ms -= 500) > 0)
			continue;
		if (rc <= 0)
			return 0;
		n = read(c->fd, chunk, sizeof chunk);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		fbuf_add(&c->in, chunk, (size_t)n);
		return 1;
	}
}

static void
send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

/* Drops the first n bytes of c->in. */
static void
consume(struct fake_conn *c, size_t n)
{
	memmove(c->in.data, c->in.data + n, c->in.len - n);
	c->in.len -= n;
	c->in.data[c->in.len] = '\0';
}

/* The value of header `name` in the header block, copied into out ("" when absent). */
static int
header_value(const char *head, const char *name, struct fbuf *out)
{
	size_t n = strlen(name);
	const char *line = strstr(head, "\r\n");

	fbuf_add(out, "", 0);
	for (; line != NULL && line[2] != '\0'; line = strstr(line + 2, "\r\n")) {
		const char *v = line + 2;

		if (strncasecmp(v, name, n) != 0 || v[n] != ':')
			continue;
		v += n + 1;
		v += strspn(v, " \t");
		fbuf_reset(out);
		fbuf_add(out, v, strcspn(v, "\r"));
		while (out->len > 0 && (out->data[out->len - 1] == ' ' || out->data[out->len - 1] == '\t'))
			out->data[--out->len] = '\0';
		return 1;
	}
	return 0;
}

/* Parses the request line and the headers that matter; the body length in *body_len. */
static void
parse_head(struct fake_conn *c, const char *head, struct fake_http_req *req, long long *body_len)
{
	char target[8192], version[16];
	struct fbuf v = {0};
	char *q, *end;

	if (sscanf(head, "%15s %8191s %15s", req->method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		req->bad_status = 400;
		return;
	}
	q = strchr(target, '?');
	fbuf_add(&req->path, target, q ? (size_t)(q - target) : strlen(target));
	fbuf_adds(&req->query, q ? q + 1 : "");
	header_value(head, "Content-Type", &req->content_type);
	header_value(head, "Authorization", &req->authorization);
	header_value(head, "Connection", &v);
	if (strcasecmp(v.data, "close") == 0 ||
	    (strcmp(version, "HTTP/1.0") == 0 && strcasecmp(v.data, "keep-alive") != 0))
		c->closing = 1;
	if (header_value(head, "Transfer-Encoding", &v))
		req->bad_status = 411; /* our clients always send a length */
	*body_len = 0;
	if (header_value(head, "Content-Length", &v)) {
		*body_len = strtoll(v.data, &end, 10);
		if (v.len == 0 || *end != '\0' || v.data[0] == '-' || v.data[0] == '+')
			req->bad_status = 400;
		else if (*body_len > MAX_BODY)
			req->bad_status = 413;
	}
	if (header_value(head, "Expect", &v) && strcasecmp(v.data, "100-continue") == 0 &&
	    req->bad_status == 0 && *body_len > 0) {
		static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";

		send_all(c->fd, go_on, sizeof go_on - 1);
	}
	fbuf_free(&v);
}

/* Reads the next request; 0 when the connection ended (or went idle) before one came. */
static int
read_request(struct fake_conn *c, struct fake_http_req *req)
{
	long long body_len = 0;
	char *end;
	size_t head_len;

	/* every string is "" until the request says otherwise, also in a refused one */
	fbuf_add(&req->path, "", 0);
	fbuf_add(&req->query, "", 0);
	fbuf_add(&req->content_type, "", 0);
	fbuf_add(&req->authorization, "", 0);
	fbuf_add(&req->body, "", 0);
	fbuf_add(&c->in, "", 0);
	while ((end = strstr(c->in.data, "\r\n\r\n")) == NULL) {
		if (c->in.len > MAX_HEAD) {
			req->bad_status = 431;
			return 1;
		}
		if (!read_more(c, c->in.len == 0))
			return 0;
	}
	head_len = (size_t)(end - c->in.data) + 4;
	end[2] = '\0'; /* the header block ends with its last "\r\n" */
	parse_head(c, c->in.data, req, &body_len);
	consume(c, head_len);
	if (req->bad_status != 0) {
		c->closing = 1;
		return 1;
	}
	while ((long long)c->in.len < body_len)
		if (!read_more(c, 0))
			return 0;
	fbuf_add(&req->body, c->in.data, (size_t)body_len);
	consume(c, (size_t)body_len);
	return 1;
}

static void
req_free(struct fake_http_req *req)
{
	fbuf_free(&req->path);
	fbuf_free(&req->query);
	fbuf_free(&req->content_type);
	fbuf_free(&req->authorization);
	fbuf_free(&req->body);
	memset(req, 0, sizeof *req);
}

static const char *
reason(int status)
{
	static const struct { int status; const char *text; } known[] = {
		{200, "OK"}, {201, "Created"}, {202, "Accepted"}, {204, "No Content"},
		{302, "Found"}, {304, "Not Modified"}, {400, "Bad Request"}, {401, "Unauthorized"},
		{403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"},
		{411, "Length Required"}, {413, "Content Too Large"}, {429, "Too Many Requests"},
		{431, "Request Header Fields Too Large"}, {500, "Internal Server Error"},
		{502, "Bad Gateway"}, {503, "Service Unavailable"}, {504, "Gateway Timeout"},
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (known[i].status == status)
			return known[i].text;
	return "Status";
}

void
fake_http_answer(struct fake_conn *c, int status, const char *content_type,
    const struct fbuf *headers, const char *body, size_t sent, size_t promised)
{
	struct fbuf head = {0};

	fbuf_addf(&head, "HTTP/1.1 %d %s\r\n", status, reason(status));
	if (content_type != NULL)
		fbuf_addf(&head, "Content-Type: %s\r\n", content_type);
	if (status != 204 && status != 304)
		fbuf_addf(&head, "Content-Length: %zu\r\n", promised);
	if (headers != NULL && headers->len > 0)
		fbuf_add(&head, headers->data, headers->len);
	if (c->closing)
		fbuf_adds(&head, "Connection: close\r\n");
	fbuf_adds(&head, "\r\n");
	send_all(c->fd, head.data, head.len);
	if (sent > 0)
		send_all(c->fd, body, sent);
	fbuf_free(&head);
}

/* The life of one connection, in its own process. */
static void
serve_connection(int fd, const struct sockaddr_in *peer, fake_http_serve_fn serve, const void *arg)
{
	struct fake_conn c = {.fd = fd};

	inet_ntop(AF_INET, &peer->sin_addr, c.peer, sizeof c.peer);
	while (!c.closing) {
		struct fake_http_req req = {0};

		if (!read_request(&c, &req)) {
			req_free(&req);
			break;
		}
		serve(&c, &req, arg);
		req_free(&req);
		c.served++;
	}
	close(fd);
	fbuf_free(&c.in);
}

static int
listen_on_address(const char *listen_on)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char host[64];
	const char *colon = strrchr(listen_on, ':');
	int one = 1, fd;
	long port = colon ? strtol(colon + 1, NULL, 10) : 0;

	if (colon == NULL || colon - listen_on >= (long)sizeof host || port <= 0 || port > 65535) {
		log_err("FAKE_LISTEN must be host:port, not \"%s\"", listen_on);
		return -1;
	}
	snprintf(host, sizeof host, "%.*s", (int)(colon - listen_on), listen_on);
	sa.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		log_err("FAKE_LISTEN: \"%s\" is not an IPv4 address", host);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) == -1 || listen(fd, 128) == -1) {
		log_err("listen %s: %s", listen_on, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* Forgets children that ended; with `block`, waits up to 10 s for all of them. */
static void
reap(pid_t *kids, size_t *nkids, int block)
{
	long long waited_ms = 0;
	size_t i;

	for (;;) {
		for (i = 0; i < *nkids;) {
			if (waitpid(kids[i], NULL, WNOHANG) != 0)
				kids[i] = kids[--*nkids];
			else
				i++;
		}
		if (!block || *nkids == 0 || waited_ms >= 10000)
			return;
		nanosleep(&(struct timespec){0, 50000000}, NULL);
		waited_ms += 50;
	}
}

static void
accept_one(int lfd, pid_t *kids, size_t *nkids, fake_http_serve_fn serve, const void *arg)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof peer;
	int fd = accept(lfd, (struct sockaddr *)&peer, &len);
	pid_t pid;

	if (fd == -1)
		return;
	if (*nkids >= MAX_CHILDREN || (pid = fork()) == -1) {
		log_warn("cannot serve a connection: %s", *nkids >= MAX_CHILDREN ? "too many" : strerror(errno));
		close(fd);
		return;
	}
	if (pid == 0) {
		close(lfd);
		serve_connection(fd, &peer, serve, arg);
		exit(0);
	}
	kids[(*nkids)++] = pid;
	close(fd);
}

int
fake_http_run(const char *listen_on, fake_http_serve_fn serve, const void *arg)
{
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: waits end at once */
	static pid_t kids[MAX_CHILDREN];
	size_t nkids = 0, i;
	int lfd;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (listen_on == NULL || (lfd = listen_on_address(listen_on)) == -1)
		return 1;
	while (!stopping) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};

		if (poll(&p, 1, 500) == 1)
			accept_one(lfd, kids, &nkids, serve, arg);
		reap(kids, &nkids, 0);
	}
	close(lfd);
	for (i = 0; i < nkids; i++)
		kill(kids[i], SIGTERM); /* they finish the request at hand, then end */
	reap(kids, &nkids, 1);
	return 0;
}
