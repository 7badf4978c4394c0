/*
 * Unit tests for lib/http.c with real libcurl: what http decides below the transport
 * seam. A tiny HTTP server runs in a forked child on an ephemeral port of 127.0.0.1; it
 * writes each connection it accepts and each request it reads (method, path, body size,
 * on which connection) to a log the test reads, and answers canned bytes per path. A
 * second one speaks TLS with a self-signed certificate made here.
 *
 * Checked: plain http only to loopback (a refused URL never connects), TLS verified
 * (a certificate nobody vouches for is refused before a request is sent), reads reuse a
 * connection while every write gets a fresh one (so a write whose answer is lost is sent
 * once), the bound on an answer's size, Retry-After, the run's deadline (no call after
 * it, `not_started` set; a call's time cut to the deadline and its grace), and writes
 * held back after a state change could not be written.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "diskfull.h"
#include "http.h"
#include "store.h"

#define BIG_LEN 100000 /* the body of /big */
#define STARTS(s, prefix) (strncmp((s), prefix, sizeof prefix - 1) == 0)

struct server {
	pid_t pid;
	int port;
};

static char tmp[] = "/tmp/kzs-http-XXXXXX";
static char log_path[600];

/* "<what> <connection>[ <method> <path> <body size>]" onto the server's log; O_APPEND
 * keeps the lines of connections served at once whole. */
static void
log_line(const char *what, int conn, const char *method, const char *path, size_t n)
{
	char line[512];
	int len = method ? snprintf(line, sizeof line, "%s %d %s %s %zu\n", what, conn, method, path, n)
	    : snprintf(line, sizeof line, "%s %d\n", what, conn);
	int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0600);

	if (fd >= 0) {
		if (write(fd, line, (size_t)len) != len)
			perror("log");
		close(fd);
	}
}

/* A connection's bytes, plain or through TLS. */
struct conn {
	int fd;
	SSL *ssl;
};

static ssize_t
conn_read(struct conn *c, char *buf, size_t len)
{
	if (c->ssl != NULL) {
		int n = SSL_read(c->ssl, buf, (int)len);

		return n > 0 ? n : 0;
	}
	return read(c->fd, buf, len);
}

static void
conn_write(struct conn *c, const char *buf, size_t len)
{
	if (c->ssl != NULL)
		SSL_write(c->ssl, buf, (int)len);
	else if (send(c->fd, buf, len, MSG_NOSIGNAL) < 0)
		_exit(0);
}

static void
answer(struct conn *c, const char *status, const char *extra, const char *body, size_t len)
{
	char head[512];
	int n = snprintf(head, sizeof head,
	    "HTTP/1.1 %s\r\nContent-Type: text/plain\r\n%sContent-Length: %zu\r\n\r\n", status, extra,
	    len);

	conn_write(c, head, (size_t)n);
	conn_write(c, body, len);
}

/* Serves requests on one connection until the client closes it. */
static void
serve_connection(struct conn *c, int conn)
{
	static char big[BIG_LEN];
	char buf[16384], method[16], path[256], echo[600];
	size_t have = 0;

	memset(big, 'x', sizeof big);
	for (;;) {
		char *end, *cl;
		size_t head, body_len = 0;
		ssize_t n;

		while ((end = memmem(buf, have, "\r\n\r\n", 4)) == NULL) {
			if (have == sizeof buf || (n = conn_read(c, buf + have, sizeof buf - have)) <= 0)
				return;
			have += (size_t)n;
		}
		head = (size_t)(end - buf) + 4;
		buf[head - 1] = '\0';
		if (sscanf(buf, "%15s %255s", method, path) != 2)
			return;
		if ((cl = strcasestr(buf, "\r\nContent-Length:")) != NULL)
			body_len = strtoul(cl + 17, NULL, 10);
		while (have < head + body_len) {
			if (have == sizeof buf || (n = conn_read(c, buf + have, sizeof buf - have)) <= 0)
				return;
			have += (size_t)n;
		}
		log_line("req", conn, method, path, body_len);
		if (strcmp(path, "/ok") == 0) {
			answer(c, "200 OK", "", "hello", 5);
		} else if (strcmp(path, "/big") == 0) {
			answer(c, "200 OK", "", big, sizeof big);
		} else if (strcmp(path, "/wait") == 0) {
			answer(c, "429 Too Many Requests", "Retry-After: 7\r\n", "slow down", 9);
		} else if (strcmp(path, "/wait-date") == 0) {
			answer(c, "503 Service Unavailable", "Retry-After: Wed, 21 Oct 2026 07:28:00 GMT\r\n",
			    "later", 5);
		} else if (strcmp(path, "/echo") == 0) {
			int len = snprintf(echo, sizeof echo, "%s %.*s", method,
			    (int)(body_len < 500 ? body_len : 500), buf + head);

			answer(c, "201 Created", "", echo, (size_t)len);
		} else if (strcmp(path, "/drop") == 0) {
			return; /* the request was read; the answer is lost */
		} else if (strcmp(path, "/slow") == 0) {
			sleep(15);
			answer(c, "200 OK", "", "late", 4);
		} else {
			answer(c, "404 Not Found", "", "no", 2);
		}
		memmove(buf, buf + head + body_len, have - head - body_len);
		have -= head + body_len;
	}
}

/* The server's child: accepts and serves each connection in a child of its own. */
static void
server_loop(int lfd, SSL_CTX *tls)
{
	int conn = 0;

	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct conn c = { accept(lfd, NULL, NULL), NULL };

		if (c.fd < 0)
			continue;
		conn++;
		log_line("accept", conn, NULL, NULL, 0);
		if (fork() == 0) {
			close(lfd);
			if (tls != NULL) {
				c.ssl = SSL_new(tls);
				SSL_set_fd(c.ssl, c.fd);
				if (SSL_accept(c.ssl) != 1)
					_exit(0);
				log_line("tls", conn, NULL, NULL, 0);
			}
			serve_connection(&c, conn);
			_exit(0);
		}
		close(c.fd);
	}
}

static int
server_start(struct server *s, SSL_CTX *tls)
{
	struct sockaddr_in addr = { 0 };
	socklen_t len = sizeof addr;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 16) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len) != 0) {
		perror("server");
		return -1;
	}
	s->port = ntohs(addr.sin_port);
	fflush(stdout);
	if ((s->pid = fork()) == 0) {
		setpgid(0, 0); /* the server and its connections' children go together */
		server_loop(lfd, tls);
	}
	setpgid(s->pid, s->pid);
	close(lfd);
	return s->pid > 0 ? 0 : -1;
}

static void
server_stop(struct server *s)
{
	kill(-s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
}

/* A self-signed certificate for 127.0.0.1, which no authority vouches for. */
static SSL_CTX *
tls_context(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	X509_NAME *name = X509_get_subject_name(cert);

	if (ctx == NULL || key == NULL || cert == NULL)
		return NULL;
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
	X509_set_pubkey(cert, key);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(cert, name);
	if (X509_sign(cert, key, EVP_sha256()) == 0 || SSL_CTX_use_certificate(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1)
		return NULL;
	X509_free(cert);
	EVP_PKEY_free(key);
	return ctx;
}

/* How many lines of the server's log start with prefix (and hold `holding`, or NULL). */
static int
logged(const char *prefix, const char *holding)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(log_path, "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, prefix, strlen(prefix)) == 0 && (holding == NULL || strstr(line, holding)))
			n++;
	fclose(f);
	return n;
}

/* The connection number the last request of `method path` came on, or -1. */
static int
conn_of(const char *method, const char *path)
{
	char line[512], m[16], p[256];
	int conn = -1, c;
	FILE *f = fopen(log_path, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "req %d %15s %255s", &c, m, p) == 3 && strcmp(m, method) == 0 &&
		    strcmp(p, path) == 0)
			conn = c;
	fclose(f);
	return conn;
}

static int port; /* the plain server's */

/* One call to the plain server: method, path, body (NULL: none), answer bound. */
static int
call(const char *method, const char *path, const char *body, size_t max, struct http_response *res)
{
	char url[128];
	struct http_request req = { 0 };

	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	req.method = method;
	req.url = url;
	req.headers[0] = body ? "Content-Type: text/plain" : NULL;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.max_response = max;
	return http_perform(&req, res);
}

static int
call_url(const char *method, const char *url, struct http_response *res)
{
	struct http_request req = { 0 };

	req.method = method;
	req.url = url;
	return http_perform(&req, res);
}

static void
test_allowed_urls(void)
{
	static const char *const refused[] = {
		"http://example.com/ok", "http://10.1.2.3/ok", "http://127.0.0.1.example.com/ok",
		"http://localhost.example.com/", "http://127.0.0.1:1@example.com/ok",
		"http://localhost:pw@example.com/", "ftp://127.0.0.1/ok", "file:///etc/passwd",
		"HTTP://example.com/", "",
	};
	struct http_response res;
	char url[128];
	size_t i;
	int accepts = logged("accept", NULL), rc;

	CHECK(http_url_allowed("https://sign.zoho.eu/api/v1/requests") == 1, "https to any host is allowed");
	CHECK(http_url_allowed("http://127.0.0.1:8080/x") && http_url_allowed("http://localhost/x") &&
	    http_url_allowed("http://[::1]:9/x") && http_url_allowed("http://localhost:9"),
	    "plain http to loopback is allowed (127.0.0.1, localhost, [::1])");
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		rc = call_url("GET", refused[i], &res);
		CHECK(http_url_allowed(refused[i]) == 0 && rc == -1 && res.status == 0 &&
		    strcmp(res.error, "refusing plain http to a non-loopback host") == 0,
		    "\"%s\" is refused before any connection: %s", refused[i], res.error);
		http_response_free(&res);
	}
	rc = call_url("POST", "http://example.com/echo", &res);
	CHECK(rc == -1 && strstr(res.error, "refusing") != NULL, "a write likewise: %s", res.error);
	http_response_free(&res);
	CHECK(logged("accept", NULL) == accepts, "no refused call reached the server");

	snprintf(url, sizeof url, "http://localhost:%d/ok", port);
	rc = call_url("GET", url, &res);
	CHECK(rc == 0 && res.status == 200 && strcmp(res.body, "hello") == 0,
	    "plain http to localhost is made: %ld \"%s\" %s", res.status, res.body, res.error);
	http_response_free(&res);
}

static void
test_tls_verified(void)
{
	struct server tls;
	struct http_response res;
	char url[128];
	SSL_CTX *ctx = tls_context();
	int rc;

	if (ctx == NULL || server_start(&tls, ctx) != 0) {
		CHECK(0, "the TLS server starts");
		ERR_print_errors_fp(stdout);
		return;
	}
	snprintf(url, sizeof url, "https://127.0.0.1:%d/ok", tls.port);
	rc = call_url("GET", url, &res);
	CHECK(rc == -1 && res.status == 0 && res.len == 0,
	    "https to a server whose certificate nobody vouches for fails: %s", res.error);
	CHECK(strstr(res.error, "certificate") != NULL, "the failure names the certificate: %s",
	    res.error);
	http_response_free(&res);
	rc = call_url("POST", url, &res);
	CHECK(rc == -1 && res.status == 0, "a write to it fails as well: %s", res.error);
	CHECK(strstr(res.error, "answer lost") == NULL,
	    "a write refused at the handshake is not said to have been sent: %s", res.error);
	http_response_free(&res);
	server_stop(&tls);
	CHECK(logged("accept", NULL) >= 2 && logged("tls", NULL) == 0,
	    "the server was reached twice, no handshake completed and no request was read");
	SSL_CTX_free(ctx);
}

static void
test_connections(void)
{
	struct http_response res;
	int accepts, first, rc;

	rc = call("GET", "/ok", NULL, 0, &res);
	CHECK(rc == 0 && res.status == 200 && res.len == 5 && strcmp(res.body, "hello") == 0 &&
	    strcmp(res.content_type, "text/plain") == 0 && res.retry_after == -1 && res.error[0] == '\0',
	    "a GET gets the status, body, type, no wait and no error: %ld \"%s\" \"%s\"", res.status,
	    res.body, res.content_type);
	http_response_free(&res);
	first = conn_of("GET", "/ok");
	accepts = logged("accept", NULL);
	rc = call("GET", "/ok", NULL, 0, &res);
	http_response_free(&res);
	CHECK(rc == 0 && logged("accept", NULL) == accepts && conn_of("GET", "/ok") == first,
	    "a second read reuses the connection (connection %d)", conn_of("GET", "/ok"));

	rc = call("POST", "/echo", "hello world", 0, &res);
	CHECK(rc == 0 && res.status == 201 && strcmp(res.body, "POST hello world") == 0,
	    "a POST sends its body and gets its answer: %ld \"%s\"", res.status, res.body);
	http_response_free(&res);
	CHECK(logged("accept", NULL) == accepts + 1 && conn_of("POST", "/echo") == accepts + 1,
	    "the POST came on a connection of its own (%d)", conn_of("POST", "/echo"));
	rc = call("PUT", "/echo", "a file", 0, &res);
	http_response_free(&res);
	CHECK(rc == 0 && logged("accept", NULL) == accepts + 2 && conn_of("PUT", "/echo") == accepts + 2,
	    "so did a PUT (%d)", conn_of("PUT", "/echo"));
	rc = call("PATCH", "/echo", "{\"status_id\":1}", 0, &res);
	http_response_free(&res);
	CHECK(rc == 0 && logged("accept", NULL) == accepts + 3 && conn_of("PATCH", "/echo") == accepts + 3,
	    "and a PATCH (%d)", conn_of("PATCH", "/echo"));
	rc = call("GET", "/ok", NULL, 0, &res);
	http_response_free(&res);
	CHECK(rc == 0 && logged("accept", NULL) == accepts + 3, "a read after them reuses a connection");

	/* A write whose answer is lost: with a reused connection libcurl would send it again. */
	rc = call("POST", "/drop", "pay 100", 0, &res);
	CHECK(rc == -1 && res.status == 0 && STARTS(res.error, "answer lost after the POST was sent: "),
	    "a POST whose answer is lost fails and says it was sent: %s", res.error);
	http_response_free(&res);
	CHECK(logged("req", " POST /drop ") == 1, "the server got that POST once (%d)",
	    logged("req", " POST /drop "));
	rc = call("PATCH", "/drop", "{}", 0, &res);
	CHECK(rc == -1 && STARTS(res.error, "answer lost after the PATCH was sent: ") &&
	    logged("req", " PATCH /drop ") == 1, "a PATCH likewise, got once: %s", res.error);
	http_response_free(&res);
}

static void
test_answers(void)
{
	struct http_response res;
	int rc;

	rc = call("GET", "/big", NULL, 0, &res);
	CHECK(rc == 0 && res.status == 200 && res.len == BIG_LEN && strlen(res.body) == BIG_LEN,
	    "an answer within the default bound arrives whole (%zu bytes)", res.len);
	http_response_free(&res);
	rc = call("GET", "/big", NULL, BIG_LEN, &res);
	CHECK(rc == 0 && res.len == BIG_LEN, "an answer exactly at the bound arrives (%zu bytes)", res.len);
	http_response_free(&res);
	rc = call("GET", "/big", NULL, BIG_LEN - 1, &res);
	CHECK(rc == -1 && res.status == 0 && strcmp(res.error, "answer too large") == 0,
	    "an answer one byte over the bound is refused: %ld %s", res.status, res.error);
	http_response_free(&res);
	rc = call("GET", "/big", NULL, 1000, &res);
	CHECK(rc == -1 && strcmp(res.error, "answer too large") == 0 && res.len <= 1000,
	    "so is one far over it, and no more than the bound was kept (%zu bytes)", res.len);
	http_response_free(&res);

	rc = call("GET", "/wait", NULL, 0, &res);
	CHECK(rc == 0 && res.status == 429 && res.retry_after == 7 && strcmp(res.body, "slow down") == 0,
	    "a 429 is an answer, with its Retry-After in seconds: %ld %ld", res.status, res.retry_after);
	http_response_free(&res);
	rc = call("GET", "/wait-date", NULL, 0, &res);
	CHECK(rc == 0 && res.status == 503 && res.retry_after == -1,
	    "a Retry-After given as a date counts as none: %ld", res.retry_after);
	http_response_free(&res);
	rc = call("GET", "/nothing-here", NULL, 0, &res);
	CHECK(rc == 0 && res.status == 404 && res.error[0] == '\0', "a 404 is an answer, not a failure");
	http_response_free(&res);
}

static void
test_deadline(void)
{
	struct http_response res;
	int accepts = logged("accept", NULL), rc;

	http_set_deadline((long long)time(NULL));
	rc = call("GET", "/ok", NULL, 0, &res);
	CHECK(rc == -1 && res.not_started == 1 && res.status == 0 &&
	    strcmp(res.error, "not started: the time for this run is up") == 0,
	    "no read starts at the run's deadline: %s", res.error);
	http_response_free(&res);
	http_set_deadline((long long)time(NULL) - 60);
	rc = call("POST", "/echo", "x", 0, &res);
	CHECK(rc == -1 && res.not_started == 1, "nor a write after it");
	http_response_free(&res);
	CHECK(logged("accept", NULL) == accepts && logged("req", " POST /echo ") == 1,
	    "neither reached the server");

	http_set_deadline((long long)time(NULL) + 600);
	rc = call("GET", "/ok", NULL, 0, &res);
	CHECK(rc == 0 && res.status == 200 && res.not_started == 0, "a call before the deadline is made");
	http_response_free(&res);

	/* A call may run past the deadline by the grace only: the server answers too late. */
	http_set_deadline((long long)time(NULL) + 2);
	{
		struct http_request req = { 0 };
		char url[128];

		snprintf(url, sizeof url, "http://127.0.0.1:%d/slow", port);
		req.method = "GET";
		req.url = url;
		req.timeout_s = 60;
		rc = http_perform(&req, &res);
	}
	CHECK(rc == -1 && res.status == 0 && res.not_started == 0 && strstr(res.error, "Timeout") != NULL,
	    "a call started near the deadline ends at it plus %d s, not at its own 60 s: %s",
	    HTTP_DEADLINE_GRACE_S, res.error);
	http_response_free(&res);
	http_set_deadline(0);
	rc = call("GET", "/ok", NULL, 0, &res);
	CHECK(rc == 0 && res.status == 200, "with the deadline cleared calls are made again");
	http_response_free(&res);
}

/* Last: the hold lasts STORE_WRITE_HOLD_SECONDS for this process. */
static void
test_write_hold(void)
{
	static const char *const writes[] = { "POST", "PUT", "PATCH", "DELETE" };
	struct http_response res;
	char dir[256], big[4096];
	size_t i;
	int accepts, reqs, rc;

	rc = call("POST", "/echo", "before", 0, &res);
	CHECK(rc == 0 && res.status == 201, "a write is made while the state is written fine");
	http_response_free(&res);

	snprintf(dir, sizeof dir, "%s/state", tmp);
	mkdir(dir, 0700);
	store_put1(dir, STORE_DEALS, "lead:1", "{}");
	memset(big, 'v', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	signal(SIGXFSZ, SIG_IGN);
	freeze(dir, STORE_DEALS);
	rc = store_put1(dir, STORE_DEALS, "lead:2", big);
	thaw();
	CHECK(rc == -1 && store_write_failed_within(STORE_WRITE_HOLD_SECONDS),
	    "a state change the disk had no room for failed");

	accepts = logged("accept", NULL);
	reqs = logged("req", NULL);
	for (i = 0; i < sizeof writes / sizeof writes[0]; i++) {
		rc = call(writes[i], "/echo", "after", 0, &res);
		CHECK(rc == -1 && res.status == 0 &&
		    STARTS(res.error, "not started: a state change could not be written"),
		    "then a %s is not started: %s", writes[i], res.error);
		http_response_free(&res);
	}
	CHECK(logged("accept", NULL) == accepts && logged("req", NULL) == reqs &&
	    logged("req", " POST /echo ") == 2, "none of them reached the server");
	rc = call("GET", "/ok", NULL, 0, &res);
	CHECK(rc == 0 && res.status == 200, "reads go on meanwhile");
	http_response_free(&res);
}

int
main(void)
{
	struct server plain;

	if (mkdtemp(tmp) == NULL)
		return 1;
	snprintf(log_path, sizeof log_path, "%s/server.log", tmp);
	http_global_init();
	test_tls_verified();
	unlink(log_path);
	if (server_start(&plain, NULL) != 0)
		return 1;
	port = plain.port;
	test_allowed_urls();
	test_connections();
	test_answers();
	test_deadline();
	test_write_hold();
	server_stop(&plain);
	if (fork() == 0)
		execlp("rm", "rm", "-rf", tmp, (char *)NULL);
	wait(NULL);
	return CHECK_DONE();
}
