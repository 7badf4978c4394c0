/*
 * zoho_token: cache first, then one refresh under a lock, and a throttle mark that
 * stops every process from asking again until Zoho's window has passed.
 */
#include "zoho_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "store.h"
#include "str.h"

#define TOKEN_EARLY_SECONDS 120 /* refresh this long before the token expires */
#define THROTTLE_SECONDS 600    /* Zoho blocks for the rest of a 10-minute window */

/* Reads a field of a JSON record in the tokens store into buf; "" when absent. */
static void
token_record_field(const char *record, const char *field, char *buf, size_t buflen)
{
	json_object *obj = record ? json_tokener_parse(record) : NULL, *v;

	buf[0] = '\0';
	if (obj && json_object_object_get_ex(obj, field, &v))
		snprintf(buf, buflen, "%s", json_object_get_string(v));
	json_object_put(obj);
}

void
zoho_sign_base(const struct config *cfg, char *buf, size_t buflen)
{
	char *record = NULL;

	store_get1(cfg->state_dir, STORE_TOKENS, TOKEN_ZOHO_REFRESH, &record);
	token_record_field(record, "sign_url", buf, buflen);
	free(record);
	if (buf[0] == '\0')
		snprintf(buf, buflen, "%s", cfg->zoho.sign_url);
}

/* 0 and the token when the cache holds one that is good for a while and not rejected. */
static int
token_cached(const struct config *cfg, const char *rejected, char *tok, size_t toklen)
{
	char *record = NULL, expires[32];
	int ok;

	store_get1(cfg->state_dir, STORE_TOKENS, TOKEN_ZOHO_ACCESS, &record);
	token_record_field(record, "token", tok, toklen);
	token_record_field(record, "expires_at", expires, sizeof expires);
	free(record);
	ok = tok[0] != '\0' && strtoll(expires, NULL, 10) > (long long)time(NULL) + TOKEN_EARLY_SECONDS &&
	    (rejected == NULL || strcmp(rejected, tok) != 0);
	if (!ok)
		tok[0] = '\0';
	return ok ? 0 : -1;
}

static void
token_forget(const struct config *cfg, const char *rejected)
{
	struct store *s;
	char err[256], *record = NULL, cached[1024];

	if (store_begin(cfg->state_dir, STORE_TOKENS, 1, &s, err, sizeof err) == -1) {
		log_err("%s", err);
		return;
	}
	store_get(s, TOKEN_ZOHO_ACCESS, &record);
	token_record_field(record, "token", cached, sizeof cached);
	free(record);
	if (strcmp(cached, rejected) == 0)
		store_delete(s, TOKEN_ZOHO_ACCESS);
	store_commit(s);
}

static long
token_throttled_for(const struct config *cfg)
{
	char *until = NULL;
	long left = 0;

	if (store_get1(cfg->state_dir, STORE_TOKENS, TOKEN_ZOHO_THROTTLE, &until) == 0)
		left = (long)(strtoll(until, NULL, 10) - (long long)time(NULL));
	free(until);
	return left > 0 ? left : 0;
}

/* Asks Zoho Accounts for a new access token; the caller holds the refresh lock. */
static void
token_refresh(const struct config *cfg, char *tok, size_t toklen, struct remote_result *rr)
{
	char refresh[1024], accounts[512], url[640], *record = NULL, *body = NULL;
	char *e_refresh, *e_id, *e_secret;
	struct http_request req = { 0 };
	struct http_response res;
	json_object *json = NULL, *v;
	int rc;

	store_get1(cfg->state_dir, STORE_TOKENS, TOKEN_ZOHO_REFRESH, &record);
	token_record_field(record, "refresh_token", refresh, sizeof refresh);
	token_record_field(record, "accounts_url", accounts, sizeof accounts);
	free(record);
	if (refresh[0] == '\0' && !str_empty(cfg->zoho.refresh_token))
		snprintf(refresh, sizeof refresh, "%s", cfg->zoho.refresh_token);
	if (accounts[0] == '\0')
		snprintf(accounts, sizeof accounts, "%s", cfg->zoho.accounts_url);
	if (refresh[0] == '\0') {
		rr->outcome = REMOTE_AUTH;
		snprintf(rr->message, sizeof rr->message,
		    "Zoho is not authorized yet: open oauth-callback in a browser or set [zoho] refresh_token");
		return;
	}
	e_refresh = http_form_escape(refresh);
	e_id = http_form_escape(cfg->zoho.client_id ? cfg->zoho.client_id : "");
	e_secret = http_form_escape(cfg->zoho.client_secret ? cfg->zoho.client_secret : "");
	if (e_refresh && e_id && e_secret)
		body = str_fmt("grant_type=refresh_token&refresh_token=%s&client_id=%s&client_secret=%s",
		    e_refresh, e_id, e_secret);
	free(e_refresh);
	free(e_id);
	free(e_secret);
	if (body == NULL) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "out of memory");
		return;
	}
	snprintf(url, sizeof url, "%s/oauth/v2/token", accounts);
	req.method = "POST";
	req.url = url;
	req.timeout_s = cfg->limits.http_timeout;
	req.headers[0] = "Content-Type: application/x-www-form-urlencoded";
	req.body = body;
	req.body_len = strlen(body);
	rc = http_perform(&req, &res);
	free(body);
	remote_classify("Zoho token refresh", rc, &res, rr, &json);
	if (json && json_object_object_get_ex(json, "access_token", &v)) {
		json_object *exp, *rec = json_object_new_object();
		long expires_in = json_object_object_get_ex(json, "expires_in", &exp) ?
		    json_object_get_int(exp) : 3600;

		snprintf(tok, toklen, "%s", json_object_get_string(v));
		json_object_object_add(rec, "token", json_object_new_string(tok));
		json_object_object_add(rec, "expires_at", json_object_new_int64((long long)time(NULL) + expires_in));
		store_put1(cfg->state_dir, STORE_TOKENS, TOKEN_ZOHO_ACCESS, json_object_to_json_string(rec));
		json_object_put(rec);
		rr->outcome = REMOTE_OK;
		log_info("Zoho access token refreshed, valid for %ld s", expires_in);
	} else if (json && json_object_object_get_ex(json, "error", &v)) {
		const char *error = json_object_get_string(v);

		/* Errors come with HTTP 200 or 400; the throttle text is localised, so only
		 * the documented credential errors are told apart from "wait". */
		if (strcmp(error, "invalid_code") == 0 || strncmp(error, "invalid_client", 14) == 0) {
			rr->outcome = REMOTE_AUTH;
			snprintf(rr->message, sizeof rr->message,
			    "Zoho refused the refresh token (%.40s): authorize again", error);
		} else {
			char until[32];

			snprintf(until, sizeof until, "%lld", (long long)time(NULL) + THROTTLE_SECONDS);
			store_put1(cfg->state_dir, STORE_TOKENS, TOKEN_ZOHO_THROTTLE, until);
			rr->outcome = REMOTE_RETRY;
			rr->retry_after = THROTTLE_SECONDS;
			snprintf(rr->message, sizeof rr->message,
			    "Zoho token endpoint throttled us (HTTP %ld); no token requests for %d s",
			    res.status, THROTTLE_SECONDS);
		}
	} else if (rr->outcome == REMOTE_OK || rr->outcome == REMOTE_REFUSED) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "Zoho token refresh: unexpected answer (HTTP %ld)",
		    res.status);
	}
	json_object_put(json);
	http_response_free(&res);
}

void
zoho_token_get(const struct config *cfg, const char *rejected, char *tok, size_t toklen,
    struct remote_result *rr)
{
	char err[256];
	long wait;
	int fd;

	memset(rr, 0, sizeof *rr);
	rr->retry_after = -1;
	if (token_cached(cfg, rejected, tok, toklen) == 0)
		return;
	if ((wait = token_throttled_for(cfg)) > 0) {
		rr->outcome = REMOTE_RETRY;
		rr->retry_after = wait;
		snprintf(rr->message, sizeof rr->message, "Zoho token requests paused for %ld s more", wait);
		return;
	}
	if (store_lock(cfg->state_dir, "zoho-refresh", &fd, err, sizeof err) == -1) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "%s", err);
		return;
	}
	/* Another process may have refreshed while we waited for the lock. */
	if (token_cached(cfg, rejected, tok, toklen) == -1) {
		/* A token Zoho refused is never offered again, even if the refresh fails. */
		if (rejected != NULL)
			token_forget(cfg, rejected);
		if ((wait = token_throttled_for(cfg)) > 0) {
			rr->outcome = REMOTE_RETRY;
			rr->retry_after = wait;
			snprintf(rr->message, sizeof rr->message, "Zoho token requests paused for %ld s more", wait);
		} else {
			token_refresh(cfg, tok, toklen, rr);
		}
	}
	store_unlock(fd);
}
