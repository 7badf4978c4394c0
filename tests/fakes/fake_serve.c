/*
 * fake_serve: what every fake does with a request: the rate limit, the fault plan, the
 * service's answer, and the call log that tests query with jq.
 */
#include "fake_serve.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "fake_fault.h"
#include "fake_http.h"
#include "fake_form.h"
#include "fake_json.h"
#include "fake_store.h"
#include "log.h"

#define LOGGED_BODY 65536            /* bytes of a body copied into the call log */

void
fake_respond(struct fake_resp *resp, int status, const char *content_type,
    const void *body, size_t len)
{
	resp->status = status;
	resp->content_type = content_type;
	fbuf_reset(&resp->body);
	fbuf_add(&resp->body, body, len);
}

void
fake_respond_json(struct fake_resp *resp, int status, const char *content_type,
    struct json_object *obj)
{
	const char *text = fake_json_string(obj);

	fake_respond(resp, status, content_type, text, strlen(text));
	json_object_put(obj);
}

void
fake_header(struct fake_resp *resp, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fbuf_addf(&resp->headers, "%s\r\n", line);
}

int
fake_route(const char *path, const char *pattern, char *cap, size_t caplen)
{
	while (*pattern != '\0') {
		if (pattern[0] == '{' && (pattern[1] == 'n' || pattern[1] == 's') && pattern[2] == '}') {
			size_t n = 0;

			while (path[n] != '\0' && path[n] != '/' &&
			    (pattern[1] == 'n' ? isdigit((unsigned char)path[n]) != 0 :
			    isalnum((unsigned char)path[n]) || path[n] == '_' || path[n] == '-'))
				n++;
			if (n == 0 || (path[n] != '\0' && path[n] != '/') || n >= caplen)
				return 0;
			memcpy(cap, path, n);
			cap[n] = '\0';
			path += n;
			pattern += 3;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return *path == '\0';
}

void
fake_dispatch(const struct fake_req *req, struct fake_resp *resp,
    const struct fake_endpoint *endpoints, size_t n, fake_error_fn error)
{
	char cap[128];
	int known = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!fake_route(req->path, endpoints[i].pattern, cap, sizeof cap))
			continue;
		if (strcmp(req->method, endpoints[i].method) == 0) {
			endpoints[i].fn(req, resp, cap);
			return;
		}
		known = 1;
	}
	if (known)
		error(resp, 405, "method not allowed here", -1);
	else
		error(resp, 404, "no such endpoint", -1);
}

char *
fake_query(const struct fake_req *req, const char *key)
{
	return fake_form_get(req->query, strlen(req->query), key);
}

int
fake_content_type_is(const struct fake_req *req, const char *type)
{
	size_t n = strlen(type);

	return strncasecmp(req->content_type, type, n) == 0 &&
	    (req->content_type[n] == '\0' || req->content_type[n] == ';' ||
	    req->content_type[n] == ' ');
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Copies a body into valid UTF-8 for the log: a byte that is not UTF-8 becomes U+00XX. */
static void
utf8_clean(const char *in, size_t len, struct fbuf *out)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_len(s + i, len - i);

		if (n > 0) {
			fbuf_add(out, s + i, n);
			i += n;
		} else {
			unsigned char pair[2] = {(unsigned char)(0xc0 | (s[i] >> 6)),
			    (unsigned char)(0x80 | (s[i] & 0x3f))};

			fbuf_add(out, pair, 2);
			i++;
		}
	}
}

static void
sha256_hex(const char *data, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0, i;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
}

static void
log_call(const struct fake_req *req, const struct fake_conn *c, int status,
    const struct fake_fault *fault, int dropped, long long at_ms)
{
	struct json_object *o = json_object_new_object();
	struct fbuf body = {0};
	char hex[65];
	int fd;

	utf8_clean(req->body, req->body_len < LOGGED_BODY ? req->body_len : LOGGED_BODY, &body);
	sha256_hex(req->body, req->body_len, hex);
	json_object_object_add(o, "service", json_object_new_string(req->service));
	json_object_object_add(o, "method", json_object_new_string(req->method));
	json_object_object_add(o, "path", json_object_new_string(req->path));
	json_object_object_add(o, "query", json_object_new_string(req->query));
	json_object_object_add(o, "content_type", json_object_new_string(req->content_type));
	json_object_object_add(o, "authorization", json_object_new_string(req->authorization));
	json_object_object_add(o, "body", json_object_new_string_len(body.data ? body.data : "",
	    (int)body.len));
	json_object_object_add(o, "body_len", json_object_new_int64((int64_t)req->body_len));
	json_object_object_add(o, "body_sha256", json_object_new_string(hex));
	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "at_ms", json_object_new_int64(at_ms));
	if (fault->kind != FAULT_NONE)
		json_object_object_add(o, "fault", json_object_new_string(fault->action));
	if (dropped)
		json_object_object_add(o, "dropped", json_object_new_boolean(1));
	if (c->served > 0)
		json_object_object_add(o, "reused", json_object_new_boolean(1));
	/* seq and the line go in together, so the file is in seq order */
	fd = fake_lock("calls.lock");
	json_object_object_add(o, "seq", json_object_new_int64(fake_next_id("calls.seq", 1)));
	fake_append("calls.jsonl", fake_json_string(o));
	fake_unlock(fd);
	json_object_put(o);
	fbuf_free(&body);
}

/*
 * Sends the answer. A drop promises 4 KiB more than it has, sends half of what it
 * has and ends the process: the client sees a transfer cut short.
 */
static void
send_response(struct fake_conn *c, const struct fake_resp *resp, int drop)
{
	fake_http_answer(c, resp->status, resp->content_type, &resp->headers, resp->body.data,
	    drop ? resp->body.len / 2 : resp->body.len, resp->body.len + (drop ? 4096 : 0));
}

static const struct fake_service *
pick_service(const struct fake_service *services, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t len = strlen(services[i].prefix);

		if (strncmp(path, services[i].prefix, len) == 0 && (path[len] == '\0' || path[len] == '/'))
			return &services[i];
	}
	return &services[n - 1];
}

/*
 * The window file sits beside the limit file, one per client address, as Kommo and
 * Zoho count per address: kommo/rate_limit -> kommo/rate_window.127.0.0.1. Services
 * naming the same limit file share the window (Kommo's API and its drive).
 */
static int
fake_rate_admit(const struct fake_service *svc, const char *peer)
{
	char window[192];
	const char *slash = strrchr(svc->rate_limit_file, '/');
	int dirlen = slash ? (int)(slash - svc->rate_limit_file) : 0;

	snprintf(window, sizeof window, "%.*s%srate_window.%s", dirlen, svc->rate_limit_file,
	    slash ? "/" : "", peer);
	return fake_admit(window, fake_number(svc->rate_limit_file, svc->rate_default), svc->rate_window_ms);
}

struct fake_services {
	const struct fake_service *list;
	size_t n;
};

/* What the fault plan or the service makes of the request. */
static void
answer(const struct fake_service *svc, const struct fake_req *req, const struct fake_fault *fault,
    struct fake_resp *resp)
{
	if (fault->kind == FAULT_DELAY) {
		struct timespec ts = {fault->delay_ms / 1000, (fault->delay_ms % 1000) * 1000000};

		nanosleep(&ts, NULL);
	}
	if (fault->kind == FAULT_STATUS) {
		svc->error(resp, fault->status, "injected by the fault plan", fault->retry_after);
	} else if (fault->kind == FAULT_BODY) {
		fake_respond(resp, fault->status, fault->content_type, fault->body, strlen(fault->body));
	} else if ((fault->kind == FAULT_DROP || fault->kind == FAULT_CLOSE) && !fault->after) {
		static const char partial[] = "{\"partial\":true,\"data\":\"";

		fake_respond(resp, 200, "application/json", partial, sizeof partial - 1);
	} else {
		int lock = fake_lock(".lock"); /* one handler at a time across all fakes */

		svc->handle(req, resp);
		fake_unlock(lock);
	}
}

static void
serve_one(struct fake_conn *c, struct fake_http_req *hr, const void *arg)
{
	const struct fake_services *services = arg;
	long long at_ms = fake_now_ms();
	struct fake_resp resp = {.status = 500};
	struct fake_fault fault = {.kind = FAULT_NONE};
	const struct fake_service *svc = pick_service(services->list, services->n, hr->path.data);
	struct fake_req req = {.service = svc->name, .method = hr->method, .path = hr->path.data,
	    .query = hr->query.data, .content_type = hr->content_type.data,
	    .authorization = hr->authorization.data, .body = hr->body.data, .body_len = hr->body.len};

	if (hr->bad_status != 0)
		svc->error(&resp, hr->bad_status, hr->bad_status == 413 ? "request body too large" :
		    "request not understood", -1);
	else if (svc->rate_limit_file != NULL && !fake_rate_admit(svc, c->peer))
		svc->error(&resp, 429, "Too many requests", 1);
	else {
		fake_fault_take(svc->name, req.method, req.path, c->served > 0, &fault);
		answer(svc, &req, &fault, &resp);
	}
	if (fault.kind == FAULT_DROP || fault.kind == FAULT_CLOSE) {
		log_call(&req, c, resp.status, &fault, 1, at_ms);
		if (fault.kind == FAULT_DROP)
			send_response(c, &resp, 1);
		close(c->fd); /* a close sends not one byte of the answer */
		_exit(0);
	}
	/* logged first: once a client has its answer, the call log shows the call */
	log_call(&req, c, resp.status, &fault, 0, at_ms);
	send_response(c, &resp, 0);
	fake_fault_free(&fault);
	fbuf_free(&resp.body);
	fbuf_free(&resp.headers);
}

int
fake_serve(const char *program, const struct fake_service *services, size_t n)
{
	const struct fake_services all = {services, n};

	log_init(program);
	fake_store_init();
	return fake_http_run(getenv("FAKE_LISTEN"), serve_one, &all);
}
