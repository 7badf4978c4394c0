/*
 * kommo_token: Kommo accepts the old refresh token until the new one is used
 * (tests/fakes/API.md, "OAuth and the long-lived token"), so the pair on disk is only
 * ever replaced by a newer pair that Kommo issued: a refresh whose answer is lost, or
 * whose pair cannot be stored, can be repeated. The token's life (kept per step,
 * refreshed under a lock, forgotten on 401, refusal recorded) is lib/token's; this
 * says how Kommo's is stored and refreshed.
 */
#include "kommo_token.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jfield.h"
#include "log.h"
#include "msg.h"
#include "remote_call.h"
#include "store.h"
#include "str.h"
#include "token.h"

int
kommo_token_oauth(const struct config *cfg)
{
	return str_empty(cfg->kommo.token) && !str_empty(cfg->kommo.client_id) &&
	    !str_empty(cfg->kommo.client_secret) && !str_empty(cfg->kommo.redirect_uri);
}

/* The stored pair; NULL when there is none. The caller puts it. */
static json_object *
stored_pair(const struct config *cfg)
{
	char *record = NULL;
	json_object *obj = NULL;

	if (store_get1(cfg->state_dir, STORE_TOKENS, KOMMO_TOKEN_OAUTH, &record) == 0)
		obj = json_tokener_parse(record);
	free(record);
	return obj;
}

static const char *
fixed_token(const struct config *cfg)
{
	return str_empty(cfg->kommo.token) ? NULL : cfg->kommo.token;
}

static int
read_kept(const struct config *cfg, struct token_kept *kept)
{
	json_object *rec = stored_pair(cfg);

	snprintf(kept->token, sizeof kept->token, "%s", jfield_text(rec, "access_token"));
	kept->expires_at = strtoll(jfield_text(rec, "expires_at"), NULL, 10);
	json_object_put(rec);
	return rec != NULL ? 0 : -1;
}

/* Marks the stored access token expired if it is still `rejected`; the pair stays. */
static void
forget_stored(const struct config *cfg, const char *rejected)
{
	json_object *rec;
	struct store *s;
	char err[256], *text = NULL;

	if (store_begin(cfg->state_dir, STORE_TOKENS, 1, &s, err, sizeof err) == -1)
		return;
	rec = store_get(s, KOMMO_TOKEN_OAUTH, &text) == 0 ? json_tokener_parse(text) : NULL;
	free(text);
	if (rec != NULL && strcmp(jfield_text(rec, "access_token"), rejected) == 0) {
		json_object_object_add(rec, "expires_at", json_object_new_int64(0));
		if (store_put(s, KOMMO_TOKEN_OAUTH, json_object_to_json_string(rec)) == 0 && store_commit(s) == 0) {
			log_warn("Kommo refused the access token before its expiry; refreshing it");
			s = NULL;
		}
	}
	json_object_put(rec);
	if (s != NULL)
		store_abort(s);
}

static int
ask_grant(const struct config *cfg, char *grant, size_t grantlen, struct remote_result *rr)
{
	json_object *rec;

	grant[0] = '\0';
	if (!kommo_token_oauth(cfg)) {
		rr->outcome = REMOTE_AUTH;
		snprintf(rr->message, sizeof rr->message,
		    "no Kommo credentials: set [kommo] token, or client_id, client_secret and redirect_uri");
		return -1;
	}
	rec = stored_pair(cfg);
	snprintf(grant, grantlen, "%s", jfield_text(rec, "refresh_token"));
	json_object_put(rec);
	return 0;
}

/* Writes the new pair and clears any refusal in one transaction; the old pair goes only now. */
static int
save_tokens(const struct config *cfg, json_object *answer, long long expires_at,
    long long connected_at)
{
	json_object *rec = json_object_new_object();
	struct store *s;
	char err[256];
	int rc;

	json_object_object_add(rec, "access_token", json_object_new_string(jfield_text(answer, "access_token")));
	json_object_object_add(rec, "refresh_token", json_object_new_string(jfield_text(answer, "refresh_token")));
	json_object_object_add(rec, "expires_at", json_object_new_int64(expires_at));
	json_object_object_add(rec, "connected_at", json_object_new_int64(connected_at));
	if (store_begin(cfg->state_dir, STORE_TOKENS, 1, &s, err, sizeof err) == -1) {
		json_object_put(rec);
		return -1;
	}
	rc = store_put(s, KOMMO_TOKEN_OAUTH, json_object_to_json_string(rec));
	json_object_put(rec);
	if (rc == 0)
		store_delete(s, KOMMO_TOKEN_AUTH_NEEDED);
	if (rc == -1) {
		store_abort(s);
		return -1;
	}
	return store_commit(s);
}

/* Kommo's token endpoint: no token, no pacing; the client credentials are in the body. */
static void
endpoint(const struct config *cfg, char *buf, size_t len)
{
	snprintf(buf, len, "%s", cfg->kommo.base_url);
}

static const struct remote_call_service grant_service = {
	.label = "Kommo",
	.base = endpoint,
	.failure_answers = 1,
};

/*
 * POSTs one grant to <base_url>/oauth2/access_token as JSON and stores the pair it
 * returns (the new access token into kept, when not NULL). On failure rr says why,
 * with Kommo's own words when it gave some.
 */
static void
request(const struct config *cfg, const char *grant_type, const char *grant_key,
    const char *grant, long long connected_at, struct token_kept *kept, struct remote_result *rr)
{
	json_object *body = json_object_new_object(), *answer = NULL;
	const char *text;
	long long expires_in, expires_at;

	json_object_object_add(body, "client_id", json_object_new_string(cfg->kommo.client_id));
	json_object_object_add(body, "client_secret", json_object_new_string(cfg->kommo.client_secret));
	json_object_object_add(body, "grant_type", json_object_new_string(grant_type));
	json_object_object_add(body, grant_key, json_object_new_string(grant));
	json_object_object_add(body, "redirect_uri", json_object_new_string(cfg->kommo.redirect_uri));
	text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
	remote_call(&grant_service, cfg, &(struct remote_call_request){ .method = "POST",
	    .target = "/oauth2/access_token", .content_type = "application/json", .body = text,
	    .body_len = strlen(text) }, &answer, rr);
	json_object_put(body);
	expires_in = strtoll(jfield_text(answer, "expires_in"), NULL, 10);
	expires_at = (long long)time(NULL) + (expires_in > 0 ? expires_in : 86400);
	if (rr->outcome == REMOTE_OK && (jfield_text(answer, "access_token")[0] == '\0' ||
	    jfield_text(answer, "refresh_token")[0] == '\0')) {
		rr->outcome = REMOTE_RETRY;
		remote_message(rr, NULL, "no tokens in the answer");
	} else if (rr->outcome == REMOTE_OK && save_tokens(cfg, answer, expires_at, connected_at) == -1) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "cannot store the Kommo tokens");
	} else if (rr->outcome == REMOTE_OK && kept != NULL) {
		snprintf(kept->token, sizeof kept->token, "%s", jfield_text(answer, "access_token"));
		kept->expires_at = expires_at;
	} else if (rr->outcome != REMOTE_OK) {
		/* 400 and 401 both mean the grant or the client is wrong: a person must act. */
		if (rr->http_status == 400 || rr->http_status == 401)
			rr->outcome = REMOTE_AUTH;
		if (json_object_is_type(answer, json_type_object))
			remote_problem_message(rr, answer);
	}
	json_object_put(answer);
}

static int
renew_tokens(const struct config *cfg, const char *grant, struct token_kept *kept,
    struct remote_result *rr)
{
	json_object *rec = stored_pair(cfg);
	long long connected_at = strtoll(jfield_text(rec, "connected_at"), NULL, 10);

	json_object_put(rec);
	request(cfg, "refresh_token", "refresh_token", grant, connected_at, kept, rr);
	if (rr->outcome == REMOTE_OK) {
		log_info("Kommo access token refreshed");
	} else if (rr->outcome == REMOTE_AUTH) {
		log_err("Kommo refused the refresh token (%s); no more token requests until "
		    "someone connects Kommo again at oauth-callback", rr->message);
		return 1;
	}
	return 0;
}

static struct token_kept kept_token;

const struct token_kind kommo_token_kind = {
	.name = "Kommo",
	.lock = "kommo-refresh",
	.auth_needed_key = KOMMO_TOKEN_AUTH_NEEDED,
	.early_seconds = 600,
	.auth_needed_tail = "",
	.not_connected = "open oauth-callback and connect Kommo",
	.kept = &kept_token,
	.fixed = fixed_token,
	.read = read_kept,
	.forget = forget_stored,
	.grant = ask_grant,
	.renew = renew_tokens,
};

void
kommo_token_get(const struct config *cfg, char *tok, size_t toklen, struct remote_result *rr)
{
	token_get(&kommo_token_kind, cfg, NULL, tok, toklen, rr);
}

void
kommo_token_forget(const struct config *cfg, const char *rejected)
{
	if (kommo_token_oauth(cfg))
		token_forget(&kommo_token_kind, cfg, rejected);
}

void
kommo_token_exchange(const struct config *cfg, const char *code, struct remote_result *rr)
{
	memset(rr, 0, sizeof *rr);
	rr->retry_after = -1;
	request(cfg, "authorization_code", "code", code, (long long)time(NULL), NULL, rr);
}

void
kommo_token_status(const struct config *cfg, struct kommo_token_status *st)
{
	json_object *rec = stored_pair(cfg);

	memset(st, 0, sizeof *st);
	st->oauth = kommo_token_oauth(cfg);
	st->stored = jfield_text(rec, "refresh_token")[0] != '\0';
	st->connected_at = strtoll(jfield_text(rec, "connected_at"), NULL, 10);
	json_object_put(rec);
	token_refused(&kommo_token_kind, cfg, NULL, st->auth_needed, sizeof st->auth_needed);
}
