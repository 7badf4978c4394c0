/*
 * remote_call: the steps every call takes, in the order the remotes' limits need: the
 * token is had before the pacing turn (a renewal is a call of its own, to another
 * endpoint), and the turn is taken last, just before the call goes out.
 */
#include "remote_call.h"

#include <stdio.h>
#include <string.h>

#include "pace.h"

/* "<remote> <METHOD> <path>": the path of url without its query (it can be long and
 * carry data), cut to REMOTE_PATH_SHOWN bytes. */
static void
name_call(const char *remote, const char *method, const char *url, char *buf, size_t len)
{
	const char *path = strstr(url, "://");
	size_t n;

	path = path != NULL ? strchr(path + 3, '/') : url;
	if (path == NULL)
		path = "/";
	n = strcspn(path, "?#");
	if (n > REMOTE_PATH_SHOWN)
		snprintf(buf, len, "%s %s %.*s...", remote, method, REMOTE_PATH_SHOWN - 3, path);
	else
		snprintf(buf, len, "%s %s %.*s", remote, method, (int)n, path);
}

void
remote_call(const struct remote_call_service *svc, const struct config *cfg,
    const struct remote_call_request *req, json_object **answer, struct remote_result *rr)
{
	struct http_response own, *res = req->raw ? req->raw : &own;
	char url[2048], base[512], tok[2048], rejected[2048], auth[2100], ctype[160];
	char what[REMOTE_WHAT_MAX];
	json_object *json = NULL;
	int attempt;

	memset(res, 0, sizeof *res);
	if (strncmp(req->target, "http", 4) == 0) {
		snprintf(url, sizeof url, "%s", req->target);
	} else {
		svc->base(cfg, base, sizeof base);
		snprintf(url, sizeof url, "%s%s", base, req->target);
	}
	name_call(req->remote ? req->remote : svc->label, req->method, url, what, sizeof what);
	memset(rr, 0, sizeof *rr);
	rr->retry_after = -1;
	for (attempt = 0; attempt < 2; attempt++) {
		struct http_request call = { 0 };
		int n = 0, rc;

		if (svc->token != NULL) {
			/* No token (a renewal failed for now, or was refused): the call waits like a failed one. */
			token_get(svc->token, cfg, attempt ? rejected : NULL, tok, sizeof tok, rr);
			if (rr->outcome != REMOTE_OK)
				break;
			snprintf(auth, sizeof auth, "Authorization: %s %s", svc->auth_scheme, tok);
			call.headers[n++] = auth;
		}
		if (req->content_type != NULL) {
			snprintf(ctype, sizeof ctype, "Content-Type: %s", req->content_type);
			call.headers[n++] = ctype;
			call.body = req->body;
			call.body_len = req->body_len;
		}
		call.method = req->method;
		call.url = url;
		call.timeout_s = cfg->limits.http_timeout;
		if (svc->held != NULL && svc->held(cfg, rr))
			break;
		if (svc->pace_key != NULL)
			pace_wait(cfg->state_dir, svc->pace_key, svc->pace_limit(cfg), svc->pace_window_ms);
		http_response_free(res);
		rc = http_perform(&call, res);
		remote_classify(what, rc, res, rr, req->raw ? NULL : &json);
		if (svc->judge != NULL && req->raw == NULL)
			svc->judge(cfg, req, res, json, rr);
		if (rr->http_status != 401 || attempt == 1 || svc->token == NULL ||
		    !token_renewable(svc->token, cfg))
			break;
		json_object_put(json);
		json = NULL;
		memcpy(rejected, tok, sizeof rejected);
	}
	if (rr->outcome != REMOTE_OK && !svc->failure_answers) {
		json_object_put(json);
		json = NULL;
	}
	if (answer != NULL)
		*answer = json;
	else
		json_object_put(json);
	if (req->raw == NULL)
		http_response_free(&own);
}
