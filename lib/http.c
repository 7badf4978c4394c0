/*
 * http: a thin libcurl shell. The caller decides what a status means; this module
 * only moves bytes, bounds the answer and reports transport failures in words.
 */
#include "http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "store.h"

/* One handle per process: libcurl keeps its connections alive between our calls (for
 * reads; a write gets a connection of its own, see is_write). */
static CURL *curl_handle;
static long long run_deadline; /* see http_set_deadline; 0 = none */
static http_transport_fn transport; /* see http_set_transport; NULL = libcurl */
static void *transport_arg;

void
http_set_transport(http_transport_fn fn, void *arg)
{
	transport = fn;
	transport_arg = arg;
}

void
http_after_fork(void)
{
	curl_handle = NULL;
}

void
http_set_deadline(long long deadline)
{
	run_deadline = deadline;
}

void
http_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static CURL *
handle_get(void)
{
	if (curl_handle == NULL)
		curl_handle = curl_easy_init();
	else
		curl_easy_reset(curl_handle);
	return curl_handle;
}

int
http_url_allowed(const char *url)
{
	static const char *const loopback[] = {
		"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/",
		"http://[::1]:", "http://[::1]/",
	};
	size_t i;

	if (strncmp(url, "https://", 8) == 0)
		return 1;
	/* In "http://127.0.0.1:x@host/" the loopback name is a user name; the host is "host". */
	if (strncmp(url, "http://", 7) == 0 && strcspn(url + 7, "@") < strcspn(url + 7, "/?#"))
		return 0;
	for (i = 0; i < sizeof loopback / sizeof loopback[0]; i++)
		if (strncmp(url, loopback[i], strlen(loopback[i])) == 0)
			return 1;
	return 0;
}

struct http_sink {
	struct http_response *res;
	size_t cap;
	size_t max;
	int overflow;
};

static size_t
write_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_sink *sink = arg;
	struct http_response *res = sink->res;
	size_t n = size * nmemb;

	if (res->len + n > sink->max) {
		sink->overflow = 1;
		return 0;
	}
	if (res->len + n + 1 > sink->cap) {
		size_t cap = sink->cap ? sink->cap : 4096;
		char *p;

		while (cap < res->len + n + 1)
			cap *= 2;
		p = realloc(res->body, cap);
		if (p == NULL)
			return 0;
		res->body = p;
		sink->cap = cap;
	}
	memcpy(res->body + res->len, data, n);
	res->len += n;
	res->body[res->len] = '\0';
	return n;
}

static size_t
read_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_response *res = arg;
	size_t n = size * nmemb;
	static const char name[] = "retry-after:";

	if (n > sizeof name && strncasecmp(data, name, sizeof name - 1) == 0) {
		char buf[32];
		size_t len = n - (sizeof name - 1);

		if (len >= sizeof buf)
			len = sizeof buf - 1;
		memcpy(buf, data + sizeof name - 1, len);
		buf[len] = '\0';
		/* Only the delta-seconds form; an HTTP date is treated as absent. */
		res->retry_after = strtol(buf, NULL, 10);
		if (res->retry_after <= 0)
			res->retry_after = -1;
	}
	return n;
}

/*
 * Writes go out on a connection of their own (CURLOPT_FRESH_CONNECT). libcurl sends
 * a request again by itself, on a new connection and without asking us, when a
 * REUSED connection dies before the first byte of the answer (Curl_retry_request):
 * harmless for a GET, but a POST, PUT or PATCH the server had already carried out
 * would be carried out twice. Every such resend in libcurl requires a reused
 * connection (the only other one, HTTP/2 REFUSED_STREAM, is the server saying it did
 * not process the request), so a write on a fresh connection is sent exactly once, and
 * a lost answer comes back to the caller as a failure: the caller looks before it
 * writes again. A fresh connection also cannot be one the server closed while idle.
 * The cost is one connection setup per write; reads keep reusing connections.
 */
static int
is_write(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/* A failed write whose request went out may have been carried out: say so. */
static void
describe_failure(CURL *curl, const char *method, CURLcode rc, int overflow,
    struct http_response *res)
{
	long sent = 0;

	if (overflow) {
		snprintf(res->error, sizeof res->error, "answer too large");
		return;
	}
	curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &sent);
	if (is_write(method) && sent > 0)
		snprintf(res->error, sizeof res->error, "answer lost after the %s was sent: %s",
		    method, curl_easy_strerror(rc));
	else
		snprintf(res->error, sizeof res->error, "%s", curl_easy_strerror(rc));
}

int
http_perform(const struct http_request *req, struct http_response *res)
{
	struct http_sink sink = { 0 };
	struct curl_slist *headers = NULL;
	CURL *curl;
	CURLcode rc;
	char *ctype = NULL;
	size_t i;
	long timeout;

	memset(res, 0, sizeof *res);
	res->retry_after = -1;
	res->body = calloc(1, 1);
	if (res->body == NULL) {
		snprintf(res->error, sizeof res->error, "out of memory");
		return -1;
	}
	if (!http_url_allowed(req->url)) {
		snprintf(res->error, sizeof res->error, "refusing plain http to a non-loopback host");
		return -1;
	}
	/* What the state could not record first (an intent, a "tried" flag) is not acted on. */
	if (is_write(req->method) && store_write_failed_within(STORE_WRITE_HOLD_SECONDS)) {
		snprintf(res->error, sizeof res->error, "not started: a state change could not be written "
		    "moments ago (a full disk?)");
		return -1;
	}
	timeout = req->timeout_s > 0 ? req->timeout_s : 20L;
	if (run_deadline != 0) {
		long long left = run_deadline - (long long)time(NULL);

		if (left <= 0) {
			res->not_started = 1;
			snprintf(res->error, sizeof res->error, "not started: the time for this run is up");
			return -1;
		}
		if (timeout > left + HTTP_DEADLINE_GRACE_S)
			timeout = (long)(left + HTTP_DEADLINE_GRACE_S);
	}
	if (transport != NULL)
		return transport(req, res, transport_arg);
	curl = handle_get();
	if (curl == NULL) {
		snprintf(res->error, sizeof res->error, "cannot initialise libcurl");
		return -1;
	}
	sink.res = res;
	sink.max = req->max_response ? req->max_response : 16u << 20;
	for (i = 0; i < HTTP_MAX_HEADERS && req->headers[i]; i++)
		headers = curl_slist_append(headers, req->headers[i]);
	/* libcurl would add "Expect: 100-continue" to large bodies; it costs a round trip. */
	headers = curl_slist_append(headers, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, req->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
	if (is_write(req->method))
		curl_easy_setopt(curl, CURLOPT_FRESH_CONNECT, 1L);
	if (req->body != NULL) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	} else if (strcmp(req->method, "GET") == 0) {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "kommo-zoho-sign/1");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, read_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, res);
	/* Redirects are not followed: none of the APIs we call needs them for our calls. */
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
		if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ctype) == CURLE_OK && ctype)
			snprintf(res->content_type, sizeof res->content_type, "%s", ctype);
	} else {
		res->status = 0;
		describe_failure(curl, req->method, rc, sink.overflow, res);
	}
	curl_slist_free_all(headers);
	return rc == CURLE_OK ? 0 : -1;
}

void
http_response_free(struct http_response *res)
{
	free(res->body);
	res->body = NULL;
	res->len = 0;
}

char *
http_form_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s);
	char *out = malloc(3 * n + 1), *p = out;

	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			*p++ = (char)c;
		} else {
			*p++ = '%';
			*p++ = hex[c >> 4];
			*p++ = hex[c & 15];
		}
	}
	*p = '\0';
	return out;
}
