/*
 * fake_kommo_oauth: files under $FAKE_DIR/kommo/oauth:
 *   clients/<id>.json    an integration: {"client_secret","redirect_uri"} (tests write it)
 *   expires_in           lifetime of new access tokens in seconds (default 86400)
 *   consents/<id>.json   an authorize request waiting for Allow or Deny
 *   codes/<code>.json    an authorization code: single use, 20 minutes
 *   refresh/<tok>.json   a refresh token: {"client_id","prev","dead"}
 *   access_tokens        lines "token expiry_epoch" of the access tokens issued
 * Rotation as documented: a refresh returns a new pair; the old refresh token keeps
 * working until the new one is used, then it is dead.
 */
#include "fake_kommo_oauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "fake_form.h"
#include "fake_json.h"
#include "fake_store.h"

#define CODE_TTL_MS (20 * 60 * 1000)

/* The token endpoint's errors: problem+json with a hint (the exact texts are inferred). */
static void
kommo_oauth_error(struct fake_resp *resp, int status, const char *hint, long retry_after)
{
	struct json_object *o = json_object_new_object();

	(void)retry_after;
	json_object_object_add(o, "hint", json_object_new_string(hint));
	json_object_object_add(o, "title", json_object_new_string(status == 401 ? "Unauthorized" : "Bad Request"));
	json_object_object_add(o, "type", json_object_new_string("https://developers.kommo.com/docs/oauth-20"));
	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "detail", json_object_new_string(hint));
	fake_respond_json(resp, status, "application/problem+json", o);
}

/* The integration's secret and registered Redirect URL; 0 when the client is unknown. */
static int
client_redirect(const char *client_id, char *secret, size_t secretlen, char *redirect, size_t redirectlen)
{
	struct json_object *client = NULL;
	char rel[128];

	if (client_id != NULL && fake_safe_name(client_id)) {
		snprintf(rel, sizeof rel, "kommo/oauth/clients/%s.json", client_id);
		client = fake_read_json(rel);
	}
	if (client == NULL)
		return 0;
	snprintf(secret, secretlen, "%s", fake_json_str(client, "client_secret") ? fake_json_str(client, "client_secret") : "");
	snprintf(redirect, redirectlen, "%s", fake_json_str(client, "redirect_uri") ? fake_json_str(client, "redirect_uri") : "");
	json_object_put(client);
	return 1;
}

static void
plain_page(struct fake_resp *resp, int status, const char *text)
{
	struct fbuf page = {0};

	fbuf_addf(&page, "<!DOCTYPE html>\n<html><body><p>%s</p></body></html>\n", text);
	fake_respond(resp, status, "text/html; charset=utf-8", page.data, page.len);
	fbuf_free(&page);
}

static void
get_authorize(const struct fake_req *req, struct fake_resp *resp)
{
	char *client_id = fake_query(req, "client_id"), *state = fake_query(req, "state");
	char *mode = fake_query(req, "mode"), secret[512], redirect[1024], id[33], rel[128];
	struct json_object *consent;
	struct fbuf page = {0};

	if (!client_redirect(client_id, secret, sizeof secret, redirect, sizeof redirect))
		plain_page(resp, 400, "Unknown integration");
	else if (mode != NULL && strcmp(mode, "popup") != 0 && strcmp(mode, "post_message") != 0)
		plain_page(resp, 400, "mode must be popup or post_message");
	else {
		consent = json_object_new_object();
		json_object_object_add(consent, "client_id", json_object_new_string(client_id));
		if (state != NULL)
			json_object_object_add(consent, "state", json_object_new_string(state));
		fake_random_hex(id, 16);
		snprintf(rel, sizeof rel, "kommo/oauth/consents/%s.json", id);
		fake_write_json(rel, consent);
		json_object_put(consent);
		fbuf_addf(&page, "<!DOCTYPE html>\n<html><head><title>Give access?</title></head><body>\n"
		    "<h1>Give access?</h1>\n<p>An integration asks for access to the account.</p>\n"
		    "<p><a id=\"allow\" href=\"/oauth/consent/%s/allow\">Allow</a>\n"
		    "<a id=\"deny\" href=\"/oauth/consent/%s/deny\">Deny</a></p>\n</body></html>\n", id, id);
		fake_respond(resp, 200, "text/html; charset=utf-8", page.data, page.len);
		fbuf_free(&page);
	}
	free(client_id);
	free(state);
	free(mode);
}

/* Sends the browser to the integration's registered redirect URI with params and state. */
static void
consent_answer(struct fake_resp *resp, const char *id, int allow)
{
	char rel[128], secret[512], redirect[1024], code[65];
	struct json_object *consent, *grant;
	const char *state;
	struct fbuf loc = {0};

	snprintf(rel, sizeof rel, "kommo/oauth/consents/%s.json", id);
	if ((consent = fake_read_json(rel)) == NULL) {
		plain_page(resp, 400, "This request is unknown or already answered");
		return;
	}
	fake_remove(rel);
	client_redirect(fake_json_str(consent, "client_id"), secret, sizeof secret, redirect, sizeof redirect);
	fbuf_addf(&loc, "%s%c", redirect, strchr(redirect, '?') ? '&' : '?');
	if (allow) {
		fake_random_hex(code, 32);
		grant = json_object_new_object();
		json_object_object_add(grant, "client_id", json_object_new_string(fake_json_str(consent, "client_id")));
		json_object_object_add(grant, "issued_ms", json_object_new_int64(fake_now_ms()));
		snprintf(rel, sizeof rel, "kommo/oauth/codes/%s.json", code);
		fake_write_json(rel, grant);
		json_object_put(grant);
		fbuf_addf(&loc, "code=%s&referer=", code);
		fake_url_encode(&loc, strstr(fake_self_url(), "://") + 3);
	} else {
		fbuf_adds(&loc, "error=access_denied"); /* inferred: undocumented */
	}
	if ((state = fake_json_str(consent, "state")) != NULL) {
		fbuf_adds(&loc, "&state=");
		fake_url_encode(&loc, state);
	}
	fake_header(resp, "Location: %s", loc.data);
	plain_page(resp, 302, "Redirecting");
	fbuf_free(&loc);
	json_object_put(consent);
}

static void
issue_pair(struct fake_resp *resp, const char *client_id, const char *prev)
{
	long long expires_in = fake_number("kommo/oauth/expires_in", 86400);
	struct json_object *o = json_object_new_object(), *rec = json_object_new_object();
	char access[65], refresh[65], line[128], rel[128];

	fake_random_hex(access, 32);
	fake_random_hex(refresh, 32);
	snprintf(line, sizeof line, "%s %lld", access, (long long)time(NULL) + expires_in);
	fake_append("kommo/oauth/access_tokens", line);
	json_object_object_add(rec, "client_id", json_object_new_string(client_id));
	json_object_object_add(rec, "prev", json_object_new_string(prev ? prev : ""));
	json_object_object_add(rec, "dead", json_object_new_boolean(0));
	snprintf(rel, sizeof rel, "kommo/oauth/refresh/%s.json", refresh);
	fake_write_json(rel, rec);
	json_object_put(rec);
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(o, "expires_in", json_object_new_int64(expires_in));
	json_object_object_add(o, "server_time", json_object_new_int64((long long)time(NULL)));
	json_object_object_add(o, "access_token", json_object_new_string(access));
	json_object_object_add(o, "refresh_token", json_object_new_string(refresh));
	fake_respond_json(resp, 200, "application/json", o);
}

/* A refresh token spent: its predecessor dies now that the new pair is in use. */
static void
spend_refresh(struct fake_resp *resp, const char *client_id, const char *token)
{
	struct json_object *rec = NULL, *prev_rec;
	char rel[160];
	const char *prev;

	if (fake_safe_name(token)) {
		snprintf(rel, sizeof rel, "kommo/oauth/refresh/%s.json", token);
		rec = fake_read_json(rel);
	}
	if (rec == NULL || json_object_get_boolean(fake_json_get(rec, "dead")) ||
	    strcmp(fake_json_str(rec, "client_id") ? fake_json_str(rec, "client_id") : "", client_id) != 0) {
		kommo_oauth_error(resp, 400, "Token has been revoked", -1);
		json_object_put(rec);
		return;
	}
	prev = fake_json_str(rec, "prev");
	if (prev != NULL && *prev != '\0') {
		snprintf(rel, sizeof rel, "kommo/oauth/refresh/%s.json", prev);
		if ((prev_rec = fake_read_json(rel)) != NULL) {
			json_object_object_add(prev_rec, "dead", json_object_new_boolean(1));
			fake_write_json(rel, prev_rec);
			json_object_put(prev_rec);
		}
	}
	issue_pair(resp, client_id, token);
	json_object_put(rec);
}

static void
spend_code(struct fake_resp *resp, const char *client_id, const char *code)
{
	struct json_object *grant = NULL;
	char rel[160];
	int64_t issued = 0;

	if (fake_safe_name(code)) {
		snprintf(rel, sizeof rel, "kommo/oauth/codes/%s.json", code);
		grant = fake_read_json(rel);
	}
	fake_json_int(grant, "issued_ms", &issued);
	if (grant == NULL || json_object_get_boolean(fake_json_get(grant, "used")) ||
	    fake_now_ms() - issued > CODE_TTL_MS || fake_json_str(grant, "client_id") == NULL ||
	    strcmp(fake_json_str(grant, "client_id"), client_id) != 0) {
		kommo_oauth_error(resp, 400, "Authorization code has expired or was used", -1);
	} else {
		json_object_object_add(grant, "used", json_object_new_boolean(1));
		fake_write_json(rel, grant);
		issue_pair(resp, client_id, NULL);
	}
	json_object_put(grant);
}

static void
post_token(const struct fake_req *req, struct fake_resp *resp)
{
	struct json_object *body = NULL;
	const char *client_id, *grant, *sent_redirect;
	char secret[512], redirect[1024];

	if (fake_content_type_is(req, "application/json"))
		body = fake_json_parse(req->body, req->body_len);
	client_id = fake_json_str(body, "client_id");
	grant = fake_json_str(body, "grant_type");
	sent_redirect = fake_json_str(body, "redirect_uri");
	if (body == NULL)
		kommo_oauth_error(resp, 400, "The body must be a JSON object", -1);
	else if (!client_redirect(client_id, secret, sizeof secret, redirect, sizeof redirect) ||
	    fake_json_str(body, "client_secret") == NULL || strcmp(fake_json_str(body, "client_secret"), secret) != 0)
		kommo_oauth_error(resp, 401, "Client authentication failed", -1);
	else if (sent_redirect == NULL || strcmp(sent_redirect, redirect) != 0)
		kommo_oauth_error(resp, 400, "redirect_uri does not match the integration's", -1);
	else if (grant != NULL && strcmp(grant, "authorization_code") == 0 && fake_json_text(body, "code"))
		spend_code(resp, client_id, fake_json_text(body, "code"));
	else if (grant != NULL && strcmp(grant, "refresh_token") == 0 && fake_json_text(body, "refresh_token"))
		spend_refresh(resp, client_id, fake_json_text(body, "refresh_token"));
	else
		kommo_oauth_error(resp, 400, "grant_type must be authorization_code or refresh_token", -1);
	json_object_put(body);
}

void
fake_kommo_oauth_handle(const struct fake_req *req, struct fake_resp *resp)
{
	char id[128];

	if (strcmp(req->method, "GET") == 0 && strcmp(req->path, "/oauth") == 0)
		get_authorize(req, resp);
	else if (strcmp(req->method, "GET") == 0 && fake_route(req->path, "/oauth/consent/{s}/allow", id, sizeof id))
		consent_answer(resp, id, 1);
	else if (strcmp(req->method, "GET") == 0 && fake_route(req->path, "/oauth/consent/{s}/deny", id, sizeof id))
		consent_answer(resp, id, 0);
	else if (strcmp(req->method, "POST") == 0 && strcmp(req->path, "/oauth2/access_token") == 0)
		post_token(req, resp);
	else
		kommo_oauth_error(resp, 404, "no such endpoint", -1);
}

int
fake_kommo_oauth_authorized(const char *authorization)
{
	char expiry[64];

	if (strncmp(authorization, "Bearer ", 7) != 0 || !fake_safe_name(authorization + 7) ||
	    !fake_find_line("kommo/oauth/access_tokens", authorization + 7, expiry, sizeof expiry))
		return 0;
	return strtoll(expiry, NULL, 10) > (long long)time(NULL);
}
