/*
 * token_post: shared by the Zoho and Kommo token requests, which differ only in the
 * body's format and in how their answers are read.
 */
#include "token_post.h"

#include <string.h>

#include "http.h"

void
token_post(const struct config *cfg, const char *what, const char *url,
    const char *content_type_header, const char *body, json_object **answer,
    struct remote_result *rr)
{
	struct http_request req = { 0 };
	struct http_response res;
	int rc;

	req.method = "POST";
	req.url = url;
	req.timeout_s = cfg->limits.http_timeout;
	req.headers[0] = content_type_header;
	req.body = body;
	req.body_len = strlen(body);
	rc = http_perform(&req, &res);
	remote_classify(what, rc, &res, rr, answer);
	http_response_free(&res);
}
