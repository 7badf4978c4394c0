/*
 * web: serves FastCGI requests in a loop, or a single plain CGI request, around a
 * handler. The "after" work runs only once the response is complete on the wire; under
 * FastCGI in a child process, so that this one is back at accept at once.
 */
#include "web.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "http.h"
#include "log.h"
#include "store.h"
#include "str.h"

extern char **environ;

const char *
web_getenv(const struct web_request *req, const char *name)
{
	const FCGX_Request *r = req->impl;

	return r ? FCGX_GetParam(name, r->envp) : getenv(name);
}

int
web_content_type_is(const struct web_request *req, const char *want)
{
	const char *ct = req->content_type;
	size_t n = strlen(want);

	/* ct[n] is read only once the first n bytes matched, so it exists. */
	return strncasecmp(ct, want, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static const char *
reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 302: return "Found";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

void
web_respond_with(struct web_request *req, int status, const char *content_type,
    const char *headers, const char *body)
{
	FCGX_Request *r = req->impl;
	const char *extra = headers ? headers : status == 405 ? "Allow: POST\r\n" : "";
	char *head;

	if (req->answered)
		return;
	req->answered = 1;
	req->status = status;
	head = str_fmt("Status: %d %s\r\nContent-Type: %s\r\nCache-Control: no-store\r\n%s\r\n",
	    status, reason_phrase(status), content_type ? content_type : "text/plain; charset=utf-8",
	    extra);
	if (head == NULL) {
		log_err("out of memory for a response header");
		return; /* the web server answers for us */
	}
	if (r) {
		FCGX_PutS(head, r->out);
		FCGX_PutS(body, r->out);
	} else {
		fputs(head, stdout);
		fputs(body, stdout);
		fflush(stdout);
	}
	free(head);
}

void
web_respond(struct web_request *req, int status, const char *content_type, const char *body)
{
	web_respond_with(req, status, content_type, NULL, body);
}

void
web_refuse(struct web_request *req, int status, const char *reason)
{
	char line[512];

	log_warn("refused %d: %s", status, reason);
	snprintf(line, sizeof line, "%s\n", reason);
	web_respond(req, status, NULL, line);
}

/*
 * Under plain CGI, Apache writes the whole body into our stdin before it reads the
 * answer: a body left unread breaks that pipe, and the client gets no answer at all
 * instead of the 413. So a body over the cap is read away, up to 64 MiB.
 */
static void
discard_cgi_body(unsigned long long declared)
{
	char buf[65536];
	unsigned long long left = declared < 64ULL * 1024 * 1024 ? declared : 64ULL * 1024 * 1024;

	while (left > 0) {
		size_t n = fread(buf, 1, left < sizeof buf ? (size_t)left : sizeof buf, stdin);

		if (n == 0)
			break;
		left -= n;
	}
}

/*
 * Reads the body into req, at most max_body bytes. A declared length above the cap
 * is not kept (under CGI it is read away). Returns -1 when the body is shorter than declared.
 */
static int
read_body(struct web_request *req, size_t max_body)
{
	FCGX_Request *r = req->impl;
	const char *cl = web_getenv(req, "CONTENT_LENGTH");
	char *end = NULL;
	unsigned long long declared;
	size_t got = 0;

	req->body = calloc(1, 1);
	if (req->body == NULL)
		return -1;
	if (cl == NULL || *cl == '\0')
		return 0;
	errno = 0;
	declared = strtoull(cl, &end, 10);
	if (errno || *end != '\0' || *cl == '-')
		return -1;
	if (declared > max_body) {
		req->body_too_large = 1;
		if (r == NULL)
			discard_cgi_body(declared);
		return 0;
	}
	free(req->body);
	req->body = malloc((size_t)declared + 1);
	if (req->body == NULL)
		return -1;
	while (got < declared) {
		int n;

		if (r)
			n = FCGX_GetStr(req->body + got, (int)(declared - got), r->in);
		else
			n = (int)fread(req->body + got, 1, (size_t)declared - got, stdin);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	req->body[got] = '\0';
	req->body_len = got;
	return got == declared ? 0 : -1;
}

static void
handle_one(struct web_request *req, size_t max_body, web_handler_fn handle, void *arg)
{
	req->method = web_getenv(req, "REQUEST_METHOD");
	req->query = web_getenv(req, "QUERY_STRING");
	req->content_type = web_getenv(req, "CONTENT_TYPE");
	if (req->method == NULL)
		req->method = "";
	if (req->query == NULL)
		req->query = "";
	if (req->content_type == NULL)
		req->content_type = "";
	if (read_body(req, max_body) == -1)
		web_refuse(req, 400, "request body shorter than Content-Length");
	else
		handle(req, arg);
	if (!req->answered)
		web_respond(req, 500, NULL, "internal error\n");
	free(req->body);
	req->body = NULL;
}

/*
 * The web server hands the next request to whichever process it thinks is idle, and
 * Kommo gives up after 2 s: the after work must not keep this process from accept. A
 * child does it. While the child still takes new work, it is left to find the job just
 * queued; it says it takes no more by closing its end of a pipe, and then looks for
 * due jobs once more, so a job queued around that moment is never left waiting.
 */
static int after_pipe = -1; /* read end from the working child; -1 when none */

/* The child's work ends (at its next step, see drain_after_answer) when the web server stops the
 * program: on Linux it is told with a SIGTERM when its parent goes. */
static void
end_with_parent(pid_t parent)
{
	signal(SIGTERM, SIG_DFL); /* until the work starts: nothing to put back yet */
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
	if (getppid() != parent)
		raise(SIGTERM); /* gone already, before we asked */
}

/* 1 when the answer accepted the request: only then is there work to start. */
static int
accepted(const struct web_request *req)
{
	return req->status >= 200 && req->status < 300;
}

static void
after_in_child(web_after_fn after, void *arg)
{
	struct pollfd p = { .fd = after_pipe, .events = POLLIN };
	int fds[2] = { -1, -1 };
	pid_t pid, parent = getpid();

	if (after_pipe >= 0) {
		if (poll(&p, 1, 0) == 0)
			return; /* the child will find it */
		close(after_pipe);
		after_pipe = -1;
	}
	if (pipe(fds) == -1 || (pid = fork()) == -1) {
		/* Working here would keep this process from accept; the host is short of processes. */
		log_warn("cannot start the after-answer process (%s); the work is left to the cron drain",
		    strerror(errno));
		if (fds[0] >= 0) {
			close(fds[0]);
			close(fds[1]);
		}
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY), fd;

		end_with_parent(parent);
		/* Not a listener, and none of the parent's connections (the web server's, or
		 * libcurl's kept-alive ones) are the child's to hold open. */
		if (null >= 0) {
			dup2(null, 0);
			close(null);
		}
		for (fd = 3; fd < 1024; fd++)
			if (fd != fds[1])
				close(fd);
		http_after_fork();
		store_after_fork();
		after(arg);
		close(fds[1]);
		after(arg);
		_exit(0);
	}
	close(fds[1]);
	after_pipe = fds[0];
}

int
web_serve(size_t max_body, web_handler_fn handle, web_after_fn after, void *arg)
{
	FCGX_Request r;

	if (FCGX_IsCGI()) {
		struct web_request req = { 0 };

		handle_one(&req, max_body, handle, arg);
		/* Closing stdout ends the CGI response; the web server may reap us later. */
		fclose(stdout);
		if (after && accepted(&req))
			after(arg);
		return 0;
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0) {
		log_err("cannot initialise FastCGI");
		return -1;
	}
	signal(SIGCHLD, SIG_IGN); /* the after-answer children are reaped by the system */
	while (FCGX_Accept_r(&r) >= 0) {
		struct web_request req = { 0 };

		req.impl = &r;
		handle_one(&req, max_body, handle, arg);
		FCGX_Finish_r(&r);
		if (after && accepted(&req))
			after_in_child(after, arg);
	}
	FCGX_Free(&r, 1);
	return 0;
}
