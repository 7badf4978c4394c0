/*
 * fake-zoho-accounts: Zoho Accounts OAuth2 as tests/fakes/API.md (Zoho Accounts) describes
 * it: the token endpoint (refresh and authorization-code grants, with the 10 per
 * 10 minutes throttle) and a consent page. State under $FAKE_DIR/accounts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "fake_form.h"
#include "fake_json.h"
#include "fake_serve.h"
#include "fake_store.h"

#define CODE_TTL_MS 120000 /* the longer of the two documented lifetimes */

static void
throttled(struct fake_resp *resp, int status)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error_description", json_object_new_string(
	    "You have made too many requests continuously. Please try again after some time."));
	json_object_object_add(o, "error", json_object_new_string("Access Denied"));
	json_object_object_add(o, "status", json_object_new_string("failure"));
	fake_respond_json(resp, status, "application/json", o);
}

/* Zoho Accounts answers most errors with HTTP 200 and {"error":code}. */
static void
token_error(struct fake_resp *resp, const char *code)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(code));
	fake_respond_json(resp, 200, "application/json", o);
}

/* A 400 is the throttle's answer; other statuses get a bare error object (inferred). */
static void
accounts_error(struct fake_resp *resp, int status, const char *detail, long retry_after)
{
	struct json_object *o;

	(void)retry_after;
	if (status == 400) {
		throttled(resp, status);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string(detail));
	json_object_object_add(o, "status", json_object_new_string("failure"));
	fake_respond_json(resp, status, "application/json", o);
}

/* A parameter from the urlencoded body, else from the query string; caller frees. */
static char *
param(const struct fake_req *req, const char *key)
{
	char *v = NULL;

	if (fake_content_type_is(req, "application/x-www-form-urlencoded"))
		v = fake_form_get(req->body, req->body_len, key);
	return v != NULL ? v : fake_query(req, key);
}

/* The secret (and registered redirect URI, if the line has one) of a known client. */
static int
client_known(const char *client_id, char *secret, size_t secretlen, char *redirect, size_t redirectlen)
{
	char rest[2048];
	size_t n;

	if (client_id == NULL || *client_id == '\0' ||
	    !fake_find_line("accounts/clients", client_id, rest, sizeof rest))
		return 0;
	n = strcspn(rest, " \t");
	snprintf(secret, secretlen, "%.*s", (int)n, rest);
	snprintf(redirect, redirectlen, "%s", rest + n + strspn(rest + n, " \t"));
	return 1;
}

/* Zoho-style token: "1000." and two hex groups. */
static void
new_token(char *out, size_t len)
{
	char a[33], b[33];

	fake_random_hex(a, 16);
	fake_random_hex(b, 16);
	snprintf(out, len, "1000.%s.%s", a, b);
}

static void
issue_tokens(struct fake_resp *resp, int with_refresh, const char *scope)
{
	struct json_object *o = json_object_new_object();
	long long expires_in = fake_number("accounts/expires_in", 3600);
	char token[80], line[128];

	new_token(token, sizeof token);
	snprintf(line, sizeof line, "%s %lld", token, (long long)time(NULL) + expires_in);
	fake_append("accounts/access_tokens", line);
	json_object_object_add(o, "access_token", json_object_new_string(token));
	if (with_refresh) {
		new_token(token, sizeof token);
		fake_append("accounts/refresh_tokens", token);
		json_object_object_add(o, "refresh_token", json_object_new_string(token));
	}
	if (scope != NULL)
		json_object_object_add(o, "scope", json_object_new_string(scope));
	json_object_object_add(o, "api_domain", json_object_new_string("https://www.zohoapis.eu"));
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in", json_object_new_int64(expires_in));
	fake_respond_json(resp, 200, "application/json", o);
}

static int
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int
code_ok(const char *code)
{
	return code != NULL && strncmp(code, "1000.", 5) == 0 && strlen(code) < 100 &&
	    strspn(code, "0123456789abcdef.") == strlen(code) && strstr(code, "..") == NULL;
}

/* The authorization-code grant: single use, young enough, same client and redirect URI. */
static void
exchange_code(const struct fake_req *req, struct fake_resp *resp, const char *client_id)
{
	char *code = param(req, "code"), *redirect = param(req, "redirect_uri"), rel[160];
	struct json_object *grant = NULL;
	int64_t issued = 0;
	const char *want_redirect;

	if (code_ok(code)) {
		snprintf(rel, sizeof rel, "accounts/codes/%s.json", code);
		grant = fake_read_json(rel);
	}
	fake_json_int(grant, "issued_ms", &issued);
	want_redirect = fake_json_str(grant, "redirect_uri");
	if (grant == NULL || json_object_get_boolean(fake_json_get(grant, "used")) ||
	    fake_now_ms() - issued > CODE_TTL_MS || !same(fake_json_str(grant, "client_id"), client_id)) {
		token_error(resp, "invalid_code");
	} else {
		json_object_object_add(grant, "used", json_object_new_boolean(1));
		fake_write_json(rel, grant);
		if (!same(redirect, want_redirect))
			token_error(resp, "invalid_redirect_uri"); /* inferred error name */
		else /* only access_type=offline yields a refresh token */
			issue_tokens(resp, same(fake_json_str(grant, "access_type"), "offline"),
			    fake_json_str(grant, "scope"));
	}
	json_object_put(grant);
	free(code);
	free(redirect);
}

static void
post_token(const struct fake_req *req, struct fake_resp *resp, const char *cap)
{
	char *grant = param(req, "grant_type"), *client_id = param(req, "client_id");
	char *client_secret = param(req, "client_secret"), *refresh = NULL;
	char secret[512], redirect[1024];

	(void)cap;
	if (!fake_admit("accounts/token_window", fake_number("accounts/rate_limit", 10), 600000))
		throttled(resp, (int)fake_number("accounts/throttle_status", 400));
	else if (grant == NULL || (strcmp(grant, "refresh_token") != 0 && strcmp(grant, "authorization_code") != 0))
		token_error(resp, "unsupported_grant_type"); /* inferred */
	else if (!client_known(client_id, secret, sizeof secret, redirect, sizeof redirect) ||
	    client_secret == NULL || strcmp(client_secret, secret) != 0)
		token_error(resp, "invalid_client");
	else if (strcmp(grant, "authorization_code") == 0)
		exchange_code(req, resp, client_id);
	else if ((refresh = param(req, "refresh_token")) == NULL || *refresh == '\0' ||
	    strchr(refresh, ' ') != NULL || !fake_find_line("accounts/refresh_tokens", refresh, NULL, 0))
		token_error(resp, "invalid_code");
	else
		issue_tokens(resp, 0, NULL);
	free(grant);
	free(client_id);
	free(client_secret);
	free(refresh);
}

/* ---- consent ---- */

static void
html_escaped(struct fbuf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fbuf_adds(out, "&lt;"); break;
		case '>': fbuf_adds(out, "&gt;"); break;
		case '&': fbuf_adds(out, "&amp;"); break;
		case '"': fbuf_adds(out, "&quot;"); break;
		default: fbuf_add(out, s, 1);
		}
	}
}

static void
html_page(struct fake_resp *resp, int status, const char *title, const char *text, const char *consent)
{
	struct fbuf page = {0};

	fbuf_adds(&page, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	html_escaped(&page, title);
	fbuf_adds(&page, "</title></head>\n<body><h1>");
	html_escaped(&page, title);
	fbuf_adds(&page, "</h1>\n<p>");
	html_escaped(&page, text);
	fbuf_adds(&page, "</p>\n");
	if (consent != NULL)
		fbuf_addf(&page, "<p><a id=\"accept\" href=\"/oauth/v2/consent/%s/accept\">Accept</a>\n"
		    "<a id=\"deny\" href=\"/oauth/v2/consent/%s/deny\">Deny</a></p>\n", consent, consent);
	fbuf_adds(&page, "</body></html>\n");
	fake_respond(resp, status, "text/html; charset=utf-8", page.data, page.len);
	fbuf_free(&page);
}

/* Why the authorization request cannot go on, or NULL. */
static const char *
auth_problem(const char *response_type, const char *client_id, const char *redirect_uri,
    const char *scope, const char *access_type)
{
	char secret[512], registered[1024];

	if (response_type == NULL || strcmp(response_type, "code") != 0)
		return "response_type must be code";
	if (!client_known(client_id, secret, sizeof secret, registered, sizeof registered))
		return "Invalid client_id";
	if (redirect_uri == NULL || *redirect_uri == '\0' ||
	    (*registered != '\0' && strcmp(redirect_uri, registered) != 0))
		return "Invalid redirect_uri";
	if (scope == NULL || *scope == '\0' || strchr(scope, ' ') != NULL)
		return "Invalid scope (Zoho separates scopes with commas)";
	if (access_type != NULL && strcmp(access_type, "online") != 0 && strcmp(access_type, "offline") != 0)
		return "access_type must be online or offline";
	return NULL;
}

static void
get_auth(const struct fake_req *req, struct fake_resp *resp, const char *cap)
{
	static const char *const keys[] = {"response_type", "client_id", "redirect_uri", "scope",
	    "access_type", "prompt", "state"};
	char *v[7], id[33], rel[128];
	const char *why;
	size_t i;

	(void)cap;
	for (i = 0; i < 7; i++)
		v[i] = fake_query(req, keys[i]);
	if ((why = auth_problem(v[0], v[1], v[2], v[3], v[4])) != NULL) {
		html_page(resp, 400, "Invalid request", why, NULL);
	} else {
		struct json_object *consent = json_object_new_object();
		struct fbuf text = {0};

		for (i = 1; i < 7; i++)
			if (v[i] != NULL)
				json_object_object_add(consent, keys[i], json_object_new_string(v[i]));
		if (v[4] == NULL) /* access_type defaults to online */
			json_object_object_add(consent, "access_type", json_object_new_string("online"));
		fake_random_hex(id, 16);
		snprintf(rel, sizeof rel, "accounts/consents/%s.json", id);
		fake_write_json(rel, consent);
		json_object_put(consent);
		fbuf_addf(&text, "%s asks for access to: %s", v[1], v[3]);
		html_page(resp, 200, "Allow access?", text.data, id);
		fbuf_free(&text);
	}
	for (i = 0; i < 7; i++)
		free(v[i]);
}

/* Sends the browser back to the client's redirect URI with params, state and maybe a final '&'. */
static void
redirect_back(struct fake_resp *resp, struct json_object *consent, const char *params, int final_amp)
{
	const char *uri = fake_json_str(consent, "redirect_uri"), *state = fake_json_str(consent, "state");
	struct fbuf loc = {0};

	fbuf_addf(&loc, "%s%c%s", uri, strchr(uri, '?') ? '&' : '?', params);
	if (state != NULL) {
		fbuf_adds(&loc, "&state=");
		fake_url_encode(&loc, state);
	}
	if (final_amp)
		fbuf_adds(&loc, "&");
	fake_header(resp, "Location: %s", loc.data);
	html_page(resp, 302, "Redirecting", loc.data, NULL);
	fbuf_free(&loc);
}

static struct json_object *
take_consent(const char *id)
{
	struct json_object *consent;
	char rel[128];

	snprintf(rel, sizeof rel, "accounts/consents/%s.json", id);
	if ((consent = fake_read_json(rel)) != NULL)
		fake_remove(rel);
	return consent;
}

static void
get_accept(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	struct json_object *consent = take_consent(id);
	struct fbuf params = {0};
	char code[80], rel[160];

	(void)req;
	if (consent == NULL) {
		html_page(resp, 400, "Invalid request", "This consent request is unknown or already answered", NULL);
		return;
	}
	new_token(code, sizeof code);
	json_object_object_add(consent, "issued_ms", json_object_new_int64(fake_now_ms()));
	json_object_object_add(consent, "used", json_object_new_boolean(0));
	snprintf(rel, sizeof rel, "accounts/codes/%s.json", code);
	fake_write_json(rel, consent);
	fbuf_addf(&params, "code=%s&location=eu&accounts-server=", code);
	fake_url_encode(&params, fake_self_url());
	redirect_back(resp, consent, params.data, 1); /* Zoho ends this query with '&' */
	fbuf_free(&params);
	json_object_put(consent);
}

static void
get_deny(const struct fake_req *req, struct fake_resp *resp, const char *id)
{
	struct json_object *consent = take_consent(id);

	(void)req;
	if (consent == NULL) {
		html_page(resp, 400, "Invalid request", "This consent request is unknown or already answered", NULL);
		return;
	}
	redirect_back(resp, consent, "error=access_denied", 0);
	json_object_put(consent);
}

static const struct fake_endpoint endpoints[] = {
	{"POST", "/oauth/v2/token", post_token},
	{"GET", "/oauth/v2/auth", get_auth},
	{"GET", "/oauth/v2/consent/{s}/accept", get_accept},
	{"GET", "/oauth/v2/consent/{s}/deny", get_deny},
};

static void
accounts_handle(const struct fake_req *req, struct fake_resp *resp)
{
	fake_dispatch(req, resp, endpoints, sizeof endpoints / sizeof endpoints[0], accounts_error);
}

int
main(void)
{
	static const struct fake_service services[] = {
		{"accounts", "", accounts_handle, accounts_error, NULL, 0, 0},
	};

	return fake_serve("fake-zoho-accounts", services, 1);
}
