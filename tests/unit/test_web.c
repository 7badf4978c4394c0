/*
 * Unit tests for lib/web.c on its plain CGI path, as a web server runs a CGI program:
 * each request is served by web_serve in a forked child whose environment, stdin and
 * stdout are the request's, with a handler that acts as the programs do (405 for a
 * method other than POST, 413 for a body over the cap, 415 for another content type)
 * and says what web handed it. Checked: the answer as the web server reads it (status
 * line, content type, Cache-Control, Allow, the one-line reason), a body over the cap
 * read away so the web server can deliver the 413, a body shorter than declared, an
 * answer the handler forgot, an answer given twice, and that the after-answer work
 * runs only for an accepted request, once the answer is complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "web.h"
#include "world.h"

enum handler_mode {
	PROGRAM, /* as the programs: 405, 413, 415, else 200 with what it was given */
	SILENT,  /* answers nothing */
	TWICE,   /* answers 200, then 503 */
	REDIRECT, /* a 302 with its own header lines, HTML */
	STATUS,  /* answers with the status given in the query */
};

/* The answer's first line without its CRLF, for messages. */
#define FIRST_LINE(s) (int)strcspn((s)->out, "\r\n"), (s)->out

struct served {
	char out[8192];  /* what the web server read on our stdout */
	char err[4096];  /* the log lines */
	int exit_code;   /* the child's, or -1 when it had to be stopped */
	size_t written;  /* body bytes the web server got rid of */
	int handled;     /* the handler was called */
	int after;       /* 0: no after work; 1: after the answer was complete; 2: before */
};

static struct config cfg;
static const char *tmp; /* a folder of the test's own (world.h) */
static enum handler_mode mode;
static int go_fd = -1; /* the child's after work waits here for the answer to be read */

static void
mark(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmp, name);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static int
read_mark(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;
	size_t n;

	buf[0] = '\0';
	snprintf(path, sizeof path, "%s/%s", tmp, name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	return 1;
}

static void
handle(struct web_request *req, void *arg)
{
	char seen[1024];

	(void)arg;
	mark("handled", "");
	switch (mode) {
	case SILENT:
		return;
	case TWICE:
		web_respond(req, 200, NULL, "first\n");
		web_respond(req, 503, NULL, "second\n");
		return;
	case REDIRECT:
		web_respond_with(req, 302, "text/html; charset=utf-8", "Location: /admin?done=1\r\n", "<p>moved</p>\n");
		return;
	case STATUS:
		web_refuse(req, atoi(req->query), "as asked");
		return;
	case PROGRAM:
		break;
	}
	if (strcmp(req->method, "POST") != 0) {
		web_refuse(req, 405, "only POST is accepted");
		return;
	}
	if (req->body_too_large) {
		web_refuse(req, 413, "body over 1024 bytes");
		return;
	}
	if (!web_content_type_is(req, "application/json")) {
		web_refuse(req, 415, "Content-Type must be application/json");
		return;
	}
	snprintf(seen, sizeof seen, "query=%s|type=%s|len=%zu|body=%s|env=%s\n", req->query,
	    req->content_type, req->body_len, req->body, web_getenv(req, "HTTP_X_TEST") ? web_getenv(req, "HTTP_X_TEST") : "");
	web_respond(req, 200, NULL, seen);
}

/* Runs once stdout is closed under CGI; the parent says "go" once it read the whole answer. */
static void
after(void *arg)
{
	struct pollfd p = { .fd = go_fd, .events = POLLIN };
	char c;

	(void)arg;
	if (poll(&p, 1, 10000) == 1 && read(go_fd, &c, 1) == 1)
		mark("after", "1");
	else
		mark("after", "2");
}

/*
 * Serves one request in a child: method, content_length (NULL: unset), content_type
 * (NULL: unset), query; body (send bytes of it) written to its stdin, which is then closed.
 */
static void
serve(size_t max_body, const char *method, const char *content_length, const char *content_type,
    const char *query, const char *body, size_t send, struct served *s)
{
	int in[2], out[2], go[2], status, out_open = 1;
	char errpath[128], buf[4096];
	size_t got = 0;
	pid_t pid;
	FILE *f;

	memset(s, 0, sizeof *s);
	snprintf(errpath, sizeof errpath, "%s/stderr", tmp);
	fflush(stdout); /* the child's stdout is the answer: nothing of ours may be left to flush */
	if (pipe(in) == -1 || pipe(out) == -1 || pipe(go) == -1 || (pid = fork()) == -1) {
		perror("pipe/fork");
		exit(2);
	}
	if (pid == 0) {
		int errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		alarm(20); /* a request that never ends fails the test instead of hanging it */
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(errfd, 2);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		close(go[1]);
		close(errfd);
		go_fd = go[0];
		clearenv();
		setenv("GATEWAY_INTERFACE", "CGI/1.1", 1);
		if (method)
			setenv("REQUEST_METHOD", method, 1);
		if (content_length)
			setenv("CONTENT_LENGTH", content_length, 1);
		if (content_type)
			setenv("CONTENT_TYPE", content_type, 1);
		if (query)
			setenv("QUERY_STRING", query, 1);
		setenv("HTTP_X_TEST", "from the environment", 1);
		_exit(web_serve(max_body, handle, after, NULL) == 0 ? 0 : 1);
	}
	close(in[0]);
	close(out[1]);
	close(go[0]);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (send == 0) {
		close(in[1]);
		in[1] = -1;
	}
	/* Write the body and read the answer together, as a web server does. */
	while (out_open) {
		struct pollfd p[2] = { { .fd = out[0], .events = POLLIN },
			{ .fd = s->written < send ? in[1] : -1, .events = POLLOUT } };
		int n = poll(p, 2, 15000);

		if (n <= 0)
			break;
		if (p[1].revents & (POLLOUT | POLLERR)) {
			ssize_t w = write(in[1], body + s->written, send - s->written);

			if (w > 0)
				s->written += (size_t)w;
			else if (errno != EAGAIN)
				send = s->written; /* the program closed its stdin: the rest is lost */
			if (s->written == send) {
				close(in[1]);
				in[1] = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			ssize_t r = read(out[0], buf, sizeof buf);

			if (r <= 0) {
				out_open = 0;
			} else if (got + (size_t)r < sizeof s->out) {
				memcpy(s->out + got, buf, (size_t)r);
				got += (size_t)r;
			}
		}
	}
	s->out[got] = '\0';
	if (in[1] >= 0)
		close(in[1]);
	/* Fails when the child does no after work and has gone already: nothing waits for it. */
	if (write(go[1], "g", 1) != 1)
		s->after = 0;
	close(go[1]);
	close(out[0]);
	if (out_open)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	s->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if ((f = fopen(errpath, "r")) != NULL) {
		s->err[fread(s->err, 1, sizeof s->err - 1, f)] = '\0';
		fclose(f);
	}
	s->handled = read_mark("handled", buf, sizeof buf);
	if (read_mark("after", buf, sizeof buf))
		s->after = atoi(buf);
}

/* The answer's body: what follows the blank line. */
static const char *
body_of(const struct served *s)
{
	const char *b = strstr(s->out, "\r\n\r\n");

	return b ? b + 4 : "(no header end)";
}

static void
test_accepted(void)
{
	static const char json[] = "{\"lead\":1001}";
	struct served s;

	serve(1024, "POST", "13", "application/json; charset=utf-8", "secret=a%3Db", json, 13, &s);
	CHECK(strncmp(s.out, "Status: 200 OK\r\n", 16) == 0, "a JSON POST under the cap: 200 OK (%.*s)", FIRST_LINE(&s));
	CHECK(strstr(s.out, "\r\nContent-Type: text/plain; charset=utf-8\r\n") != NULL,
	    "...as plain text unless the handler says otherwise");
	CHECK(strstr(s.out, "\r\nCache-Control: no-store\r\n") != NULL, "...never cached");
	CHECK(strstr(s.out, "Allow:") == NULL, "...with no Allow header");
	CHECK_STR(body_of(&s),
	    "query=secret=a%3Db|type=application/json; charset=utf-8|len=13|body={\"lead\":1001}|env=from the environment\n",
	    "the handler got the query as sent, the content type, the whole body and the environment");
	CHECK(s.after == 1, "the after work ran, once the answer was complete (%d)", s.after);
	CHECK(s.exit_code == 0, "the program ended normally");

	serve(1024, "POST", "1024", "application/json", "", NULL, 0, &s);
	CHECK(strncmp(s.out, "Status: 400 ", 12) == 0 && !s.handled, "no body at all where 1024 bytes were declared: 400");

	{
		char exact[1025];

		memset(exact, 'x', 1024);
		exact[1024] = '\0';
		serve(1024, "POST", "1024", "application/json", "", exact, 1024, &s);
		CHECK(strstr(body_of(&s), "|len=1024|") != NULL, "a body of exactly the cap is read whole (%.60s)", body_of(&s));
	}
}

static void
test_refused(void)
{
	size_t big = 200000;
	char *body = malloc(big);
	struct served s;

	memset(body, 'a', big);
	serve(1024, "POST", "200000", "application/json", "", body, big, &s);
	CHECK(strncmp(s.out, "Status: 413 Payload Too Large\r\n", 31) == 0, "a body over the cap: 413 (%.*s)", FIRST_LINE(&s));
	CHECK_STR(body_of(&s), "body over 1024 bytes\n", "...with a one-line reason");
	CHECK(s.written == big, "...and the body was read away, so the web server can deliver it (%zu of %zu bytes)",
	    s.written, big);
	CHECK(s.after == 0, "...no after work for a refused request");
	CHECK(strstr(s.err, "refused 413: body over 1024 bytes") != NULL, "...the refusal is logged");
	free(body);

	serve(1024, "POST", "100", "application/json", "", "{\"lead\":1}", 10, &s);
	CHECK(strncmp(s.out, "Status: 400 Bad Request\r\n", 25) == 0, "a body shorter than its Content-Length: 400");
	CHECK_STR(body_of(&s), "request body shorter than Content-Length\n", "...saying so in one line");
	CHECK(!s.handled && s.after == 0, "...the handler never sees it, no after work");

	serve(1024, "POST", "-5", "application/json", "", "", 0, &s);
	CHECK(strncmp(s.out, "Status: 400 ", 12) == 0 && !s.handled, "a negative Content-Length: 400");
	serve(1024, "POST", "12abc", "application/json", "", "{\"lead\":1001}", 13, &s);
	CHECK(strncmp(s.out, "Status: 400 ", 12) == 0 && !s.handled, "a Content-Length that is no number: 400");

	serve(1024, "GET", NULL, NULL, NULL, "", 0, &s);
	CHECK(strncmp(s.out, "Status: 405 Method Not Allowed\r\n", 32) == 0 && strstr(s.out, "\r\nAllow: POST\r\n"),
	    "a GET: 405 with Allow: POST (%.*s)", FIRST_LINE(&s));
	CHECK_STR(body_of(&s), "only POST is accepted\n", "...and why");
	CHECK(s.after == 0, "...no after work");

	serve(1024, "POST", "7", "text/plain", "", "lead=1", 7, &s);
	CHECK(strncmp(s.out, "Status: 415 Unsupported Media Type\r\n", 36) == 0, "a POST of text/plain: 415");

	serve(1024, "POST", "13", "application/jsonp", "", "{\"lead\":1001}", 13, &s);
	CHECK(strncmp(s.out, "Status: 415 ", 12) == 0, "application/jsonp is not application/json");
}

static void
test_handler_slips(void)
{
	struct served s;

	mode = SILENT;
	serve(1024, "POST", "2", "application/json", "", "{}", 2, &s);
	CHECK(strncmp(s.out, "Status: 500 Internal Server Error\r\n", 35) == 0 && s.handled,
	    "a handler that answers nothing: 500 for it");
	CHECK_STR(body_of(&s), "internal error\n", "...saying only that");
	CHECK(s.after == 0, "...no after work");

	mode = TWICE;
	serve(1024, "POST", "2", "application/json", "", "{}", 2, &s);
	CHECK(strncmp(s.out, "Status: 200 OK\r\n", 16) == 0 && strstr(s.out, "503") == NULL,
	    "a second answer is not sent");
	CHECK_STR(body_of(&s), "first\n", "...the first stands");
	CHECK(s.after == 1, "...and was an acceptance: the after work ran");

	mode = REDIRECT;
	serve(1024, "GET", NULL, NULL, "", "", 0, &s);
	CHECK(strncmp(s.out, "Status: 302 Found\r\nContent-Type: text/html; charset=utf-8\r\n", 58) == 0,
	    "a 302 with the handler's content type (%.*s)", FIRST_LINE(&s));
	CHECK(strstr(s.out, "\r\nLocation: /admin?done=1\r\n\r\n") != NULL && strstr(s.out, "Cache-Control: no-store"),
	    "...its own header lines, after the defaults");
	CHECK(s.after == 0, "...a redirect starts no work");

	mode = STATUS;
	{
		static const struct {
			const char *status, *line;
		} table[] = {
			{ "401", "Status: 401 Unauthorized\r\n" }, { "403", "Status: 403 Forbidden\r\n" },
			{ "404", "Status: 404 Not Found\r\n" }, { "429", "Status: 429 Too Many Requests\r\n" },
			{ "503", "Status: 503 Service Unavailable\r\n" }, { "418", "Status: 418 Status\r\n" },
		};
		size_t i;

		for (i = 0; i < sizeof table / sizeof table[0]; i++) {
			serve(1024, "POST", "2", "application/json", table[i].status, "{}", 2, &s);
			CHECK(strncmp(s.out, table[i].line, strlen(table[i].line)) == 0 && s.after == 0,
			    "status %s goes out as \"%.*s\", no after work", table[i].status,
			    (int)strlen(table[i].line) - 2, table[i].line);
		}
	}
	mode = PROGRAM;
}

static void
test_content_type(void)
{
	static const struct {
		const char *ct;
		int json;
	} table[] = {
		{ "application/json", 1 }, { "application/json; charset=utf-8", 1 }, { "Application/JSON", 1 },
		{ "application/json ;charset=utf-8", 1 }, { "application/jsonx", 0 }, { "application/jso", 0 },
		{ "text/json", 0 }, { "", 0 }, { "application/x-www-form-urlencoded", 0 },
	};
	struct web_request req = { 0 };
	size_t i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		req.content_type = table[i].ct;
		CHECK(web_content_type_is(&req, "application/json") == table[i].json, "\"%s\" %s application/json",
		    table[i].ct, table[i].json ? "is" : "is not");
	}
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	if (world_open(&cfg) == -1)
		return 1;
	tmp = cfg.state_dir;
	test_accepted();
	test_refused();
	test_handler_slips();
	test_content_type();
	world_close(&cfg);
	return CHECK_DONE();
}
