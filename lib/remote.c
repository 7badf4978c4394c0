/*
 * remote: one place that turns HTTP statuses into retry/give-up decisions, so that
 * Kommo and Zoho calls are judged alike.
 */
#include "remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
remote_outcome_name(enum remote_outcome o)
{
	switch (o) {
	case REMOTE_OK: return "ok";
	case REMOTE_NOT_FOUND: return "not found";
	case REMOTE_RETRY: return "temporary failure";
	case REMOTE_AUTH: return "authorization refused";
	case REMOTE_REFUSED: return "refused";
	}
	return "?";
}

void
remote_classify(const char *what, int rc, const struct http_response *res,
    struct remote_result *out, json_object **json)
{
	memset(out, 0, sizeof *out);
	snprintf(out->what, sizeof out->what, "%s", what);
	out->retry_after = res->retry_after;
	out->http_status = res->status;
	out->not_started = res->not_started;
	if (json)
		*json = NULL;
	if (rc == -1) {
		out->outcome = REMOTE_RETRY;
		snprintf(out->message, sizeof out->message, "%s: %.130s", out->what, res->error);
		return;
	}
	if (json && res->len > 0 && res->body[0] != '<') {
		*json = json_tokener_parse(res->body);
		if (*json && out->retry_after < 0) {
			json_object *ra;

			/* Kommo puts retry_after in its 429 problem body. */
			if (json_object_object_get_ex(*json, "retry_after", &ra))
				out->retry_after = json_object_get_int(ra);
		}
	}
	if (res->status >= 200 && res->status < 300 && res->status != 204)
		out->outcome = REMOTE_OK;
	else if (res->status == 204 || res->status == 404)
		out->outcome = REMOTE_NOT_FOUND;
	else if (res->status == 401)
		out->outcome = REMOTE_AUTH;
	else if (res->status == 429 || res->status == 403 || res->status >= 500 ||
	    res->status == 408)
		out->outcome = REMOTE_RETRY; /* 403 from Kommo is an IP ban: wait it out */
	else
		out->outcome = REMOTE_REFUSED;
	if (out->outcome != REMOTE_OK)
		remote_message(out, NULL, NULL);
}

/* Appends at most max bytes of s to buf (len bytes, *used of them taken), cut before a
 * UTF-8 continuation byte and marked with "..." when s is longer. */
static void
append(char *buf, size_t len, size_t *used, const char *s, size_t max)
{
	size_t n = strlen(s), room = len - *used - 1;

	if (*used >= len - 1)
		return;
	if (max > room)
		max = room;
	if (n > max) {
		n = max > 3 ? max - 3 : 0;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		memcpy(buf + *used, s, n);
		memcpy(buf + *used + n, "...", max - n < 3 ? max - n : 3);
		n += max - n < 3 ? max - n : 3;
	} else {
		memcpy(buf + *used, s, n);
	}
	*used += n;
	buf[*used] = '\0';
}

#define CODE_SHOWN 48 /* a remote's error code or problem title */

void
remote_message(struct remote_result *rr, const char *code, const char *text)
{
	char *m = rr->message, status[32];
	size_t len = sizeof rr->message, used = 0;

	m[0] = '\0';
	if (rr->what[0] != '\0') {
		append(m, len, &used, rr->what, len);
		append(m, len, &used, ": ", len);
	}
	snprintf(status, sizeof status, "HTTP %ld", rr->http_status);
	append(m, len, &used, status, len);
	if (code != NULL && code[0] != '\0') {
		append(m, len, &used, ", ", len);
		append(m, len, &used, code, CODE_SHOWN);
	}
	if (text != NULL && text[0] != '\0') {
		append(m, len, &used, ": ", len);
		append(m, len, &used, text, len);
	}
}

/* A member of a JSON object as text: a string, or a number as written; "" for anything
 * else, so no object or array is ever dumped into a message. */
static const char *
member(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) || v == NULL ||
	    json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
		return "";
	return json_object_get_string(v);
}

#define VALIDATION_SHOWN 2 /* the first validation errors say enough */

void
remote_problem_message(struct remote_result *rr, json_object *problem)
{
	char code[CODE_SHOWN + 32], text[512];
	const char *title = member(problem, "title"), *status = member(problem, "status");
	json_object *groups, *errors;
	size_t used = 0, shown = 0, i, j;

	if (status[0] != '\0' && strtol(status, NULL, 10) != rr->http_status)
		snprintf(code, sizeof code, "%.*s%sstatus %.12s", CODE_SHOWN, title, title[0] ? ", " : "",
		    status);
	else
		snprintf(code, sizeof code, "%.*s", CODE_SHOWN, title);
	text[0] = '\0';
	append(text, sizeof text, &used, member(problem, "detail"), sizeof text);
	if (member(problem, "hint")[0] != '\0') {
		append(text, sizeof text, &used, used ? " (" : "(", sizeof text);
		append(text, sizeof text, &used, member(problem, "hint"), 120);
		append(text, sizeof text, &used, ")", sizeof text);
	}
	if (json_object_object_get_ex(problem, "validation-errors", &groups) &&
	    json_object_is_type(groups, json_type_array)) {
		for (i = 0; i < json_object_array_length(groups) && shown < VALIDATION_SHOWN; i++) {
			json_object *group = json_object_array_get_idx(groups, i);

			if (!json_object_object_get_ex(group, "errors", &errors) ||
			    !json_object_is_type(errors, json_type_array))
				continue;
			for (j = 0; j < json_object_array_length(errors) && shown < VALIDATION_SHOWN;
			    j++, shown++) {
				json_object *e = json_object_array_get_idx(errors, j);

				append(text, sizeof text, &used, used ? "; " : "", sizeof text);
				append(text, sizeof text, &used, member(e, "path"), 60);
				append(text, sizeof text, &used, ": ", sizeof text);
				append(text, sizeof text, &used, member(e, "code"), CODE_SHOWN);
				if (member(e, "detail")[0] != '\0') {
					append(text, sizeof text, &used, " ", sizeof text);
					append(text, sizeof text, &used, member(e, "detail"), 80);
				}
			}
		}
	}
	remote_message(rr, code, text);
}
