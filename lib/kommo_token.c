/*
 * kommo_token: Kommo accepts the old refresh token until the new one is used
 * (tests/fakes/API.md, "OAuth and the long-lived token"), so the pair on disk is only
 * ever replaced by a newer pair that Kommo issued: a refresh whose answer is lost, or
 * whose pair cannot be stored, can be repeated.
 *
 * Within a job step (step.h) the stored access token is read once and kept in memory
 * for the step's other calls: a pair another process refreshed meanwhile leaves the old
 * access token good until its expiry, and the new one is picked up at the next step.
 * What is kept is dropped at a 401 (kommo_token_forget) and is not used within
 * KOMMO_TOKEN_EARLY_SECONDS of its expiry, so a refresh happens when it did before.
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
#include "step.h"
#include "store.h"
#include "str.h"
#include "token_post.h"

#define KOMMO_TOKEN_EARLY_SECONDS 600 /* refresh this long before the access token expires */

int
kommo_token_oauth(const struct config *cfg)
{
	return str_empty(cfg->kommo.token) && !str_empty(cfg->kommo.client_id) &&
	    !str_empty(cfg->kommo.client_secret) && !str_empty(cfg->kommo.redirect_uri);
}

/* The stored pair; NULL when there is none. The caller puts it. */
static json_object *
kommo_token_record(const struct config *cfg)
{
	char *record = NULL;
	json_object *obj = NULL;

	if (store_get1(cfg->state_dir, STORE_TOKENS, TOKEN_KOMMO, &record) == 0)
		obj = json_tokener_parse(record);
	free(record);
	return obj;
}

/* The stored access token as this step read it (see above); step 0: nothing kept. */
static struct {
	unsigned long step;
	char token[2048];
	long long expires_at;
} kommo_token_kept;

/*
 * 0 and the access token when the stored one is good for a while yet. fresh: read the
 * store, not what this step kept (another process may have refreshed it).
 */
static int
kommo_token_fresh(const struct config *cfg, int fresh, char *tok, size_t toklen)
{
	json_object *rec;

	if (fresh || kommo_token_kept.step == 0 || kommo_token_kept.step != step_current()) {
		rec = kommo_token_record(cfg);
		snprintf(kommo_token_kept.token, sizeof kommo_token_kept.token, "%s",
		    jfield_text(rec, "access_token"));
		kommo_token_kept.expires_at = strtoll(jfield_text(rec, "expires_at"), NULL, 10);
		kommo_token_kept.step = rec != NULL ? step_current() : 0;
		json_object_put(rec);
	}
	snprintf(tok, toklen, "%s", kommo_token_kept.token);
	if (tok[0] != '\0' && kommo_token_kept.expires_at > (long long)time(NULL) + KOMMO_TOKEN_EARLY_SECONDS)
		return 0;
	tok[0] = '\0';
	return -1;
}

static int
kommo_token_refused(const struct config *cfg, char *why, size_t whylen)
{
	char *record = NULL;
	json_object *obj;

	why[0] = '\0';
	if (store_get1(cfg->state_dir, STORE_TOKENS, TOKEN_KOMMO_AUTH_NEEDED, &record) != 0)
		return 0;
	obj = json_tokener_parse(record);
	free(record);
	snprintf(why, whylen, "%s", jfield_text(obj, "reason"));
	json_object_put(obj);
	return why[0] != '\0';
}

/* Writes the new pair and clears any refusal in one transaction; the old pair goes only now. */
static int
kommo_token_store(const struct config *cfg, json_object *answer, long long connected_at)
{
	json_object *rec = json_object_new_object();
	long long expires_in = strtoll(jfield_text(answer, "expires_in"), NULL, 10);
	struct store *s;
	char err[256];
	int rc;

	if (expires_in <= 0)
		expires_in = 86400;
	json_object_object_add(rec, "access_token", json_object_new_string(jfield_text(answer, "access_token")));
	json_object_object_add(rec, "refresh_token", json_object_new_string(jfield_text(answer, "refresh_token")));
	json_object_object_add(rec, "expires_at", json_object_new_int64((long long)time(NULL) + expires_in));
	json_object_object_add(rec, "connected_at", json_object_new_int64(connected_at));
	if (store_begin(cfg->state_dir, STORE_TOKENS, 1, &s, err, sizeof err) == -1) {
		json_object_put(rec);
		return -1;
	}
	rc = store_put(s, TOKEN_KOMMO, json_object_to_json_string(rec));
	json_object_put(rec);
	if (rc == 0)
		store_delete(s, TOKEN_KOMMO_AUTH_NEEDED);
	if (rc == -1) {
		store_abort(s);
		return -1;
	}
	return store_commit(s);
}

/*
 * POSTs one grant to <base_url>/oauth2/access_token as JSON and stores the pair it
 * returns. On failure rr says why, with Kommo's own words when it gave some.
 */
static void
kommo_token_request(const struct config *cfg, const char *grant_type, const char *grant_key,
    const char *grant, long long connected_at, struct remote_result *rr)
{
	json_object *body = json_object_new_object(), *answer = NULL;
	char url[1024], detail[124];
	const char *text;

	json_object_object_add(body, "client_id", json_object_new_string(cfg->kommo.client_id));
	json_object_object_add(body, "client_secret", json_object_new_string(cfg->kommo.client_secret));
	json_object_object_add(body, "grant_type", json_object_new_string(grant_type));
	json_object_object_add(body, grant_key, json_object_new_string(grant));
	json_object_object_add(body, "redirect_uri", json_object_new_string(cfg->kommo.redirect_uri));
	snprintf(url, sizeof url, "%s/oauth2/access_token", cfg->kommo.base_url);
	token_post(cfg, "Kommo token endpoint", url, "Content-Type: application/json",
	    json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), &answer, rr);
	json_object_put(body);
	if (rr->outcome == REMOTE_OK && (jfield_text(answer, "access_token")[0] == '\0' ||
	    jfield_text(answer, "refresh_token")[0] == '\0')) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "Kommo token endpoint: no tokens in the answer");
	} else if (rr->outcome == REMOTE_OK && kommo_token_store(cfg, answer, connected_at) == -1) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "cannot store the Kommo tokens");
	} else if (rr->outcome != REMOTE_OK) {
		/* 400 and 401 both mean the grant or the client is wrong: a person must act. */
		if (rr->http_status == 400 || rr->http_status == 401)
			rr->outcome = REMOTE_AUTH;
		text = jfield_text(answer, "hint")[0] ? jfield_text(answer, "hint") : jfield_text(answer, "detail");
		if (text[0] != '\0')
			snprintf(rr->message, sizeof rr->message, "Kommo token endpoint: HTTP %ld: %s",
			    rr->http_status, msg_printable(text, strlen(text), 120, detail, sizeof detail));
	}
	json_object_put(answer);
}

static void
kommo_token_mark_refused(const struct config *cfg, const char *reason)
{
	json_object *rec = json_object_new_object();

	json_object_object_add(rec, "reason", json_object_new_string(reason));
	json_object_object_add(rec, "at", json_object_new_int64((long long)time(NULL)));
	store_put1(cfg->state_dir, STORE_TOKENS, TOKEN_KOMMO_AUTH_NEEDED, json_object_to_json_string(rec));
	json_object_put(rec);
}

/* Refreshes under the lock, unless another process did while we waited for it. */
static void
kommo_token_refresh(const struct config *cfg, char *tok, size_t toklen, struct remote_result *rr)
{
	char err[256], why[160];
	json_object *rec;
	int fd;

	if (store_lock(cfg->state_dir, "kommo-refresh", &fd, err, sizeof err) == -1) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "%s", err);
		return;
	}
	if (kommo_token_fresh(cfg, 1, tok, toklen) == 0)
		goto out;
	if (kommo_token_refused(cfg, why, sizeof why)) {
		rr->outcome = REMOTE_AUTH;
		snprintf(rr->message, sizeof rr->message, "Kommo authorization needed (%s)", why);
		goto out;
	}
	rec = kommo_token_record(cfg);
	if (jfield_text(rec, "refresh_token")[0] == '\0') {
		rr->outcome = REMOTE_AUTH;
		snprintf(rr->message, sizeof rr->message,
		    "Kommo is not authorized yet: open oauth-callback and connect Kommo");
	} else {
		kommo_token_request(cfg, "refresh_token", "refresh_token", jfield_text(rec, "refresh_token"),
		    strtoll(jfield_text(rec, "connected_at"), NULL, 10), rr);
		if (rr->outcome == REMOTE_OK) {
			log_info("Kommo access token refreshed");
			kommo_token_fresh(cfg, 1, tok, toklen);
		} else if (rr->outcome == REMOTE_AUTH) {
			kommo_token_mark_refused(cfg, rr->message);
			log_err("Kommo refused the refresh token (%s); no more token requests until "
			    "someone connects Kommo again at oauth-callback", rr->message);
		}
	}
	json_object_put(rec);
out:
	store_unlock(fd);
}

void
kommo_token_get(const struct config *cfg, char *tok, size_t toklen, struct remote_result *rr)
{
	char why[160];

	memset(rr, 0, sizeof *rr);
	rr->retry_after = -1;
	if (!str_empty(cfg->kommo.token)) {
		snprintf(tok, toklen, "%s", cfg->kommo.token);
		return;
	}
	if (kommo_token_fresh(cfg, 0, tok, toklen) == 0)
		return;
	if (kommo_token_refused(cfg, why, sizeof why)) {
		rr->outcome = REMOTE_AUTH;
		snprintf(rr->message, sizeof rr->message, "Kommo authorization needed (%s)", why);
		return;
	}
	if (!kommo_token_oauth(cfg)) {
		rr->outcome = REMOTE_AUTH;
		snprintf(rr->message, sizeof rr->message,
		    "no Kommo credentials: set [kommo] token, or client_id, client_secret and redirect_uri");
		return;
	}
	kommo_token_refresh(cfg, tok, toklen, rr);
}

void
kommo_token_forget(const struct config *cfg, const char *rejected)
{
	json_object *rec;
	struct store *s;
	char err[256], *text = NULL;

	if (!kommo_token_oauth(cfg))
		return;
	/* Not used again in this step, whatever the store says; the next get reads it. */
	if (strcmp(kommo_token_kept.token, rejected) == 0)
		kommo_token_kept.step = 0;
	if (store_begin(cfg->state_dir, STORE_TOKENS, 1, &s, err, sizeof err) == -1) {
		return;
	}
	rec = store_get(s, TOKEN_KOMMO, &text) == 0 ? json_tokener_parse(text) : NULL;
	free(text);
	/* Only the token Kommo refused: another process may have refreshed it already. */
	if (rec != NULL && strcmp(jfield_text(rec, "access_token"), rejected) == 0) {
		json_object_object_add(rec, "expires_at", json_object_new_int64(0));
		if (store_put(s, TOKEN_KOMMO, json_object_to_json_string(rec)) == 0 && store_commit(s) == 0) {
			log_warn("Kommo refused the access token before its expiry; refreshing it");
			s = NULL;
		}
	}
	json_object_put(rec);
	if (s != NULL)
		store_abort(s);
}

void
kommo_token_exchange(const struct config *cfg, const char *code, struct remote_result *rr)
{
	memset(rr, 0, sizeof *rr);
	rr->retry_after = -1;
	kommo_token_request(cfg, "authorization_code", "code", code, (long long)time(NULL), rr);
}

void
kommo_token_status(const struct config *cfg, struct kommo_token_status *st)
{
	json_object *rec = kommo_token_record(cfg);

	memset(st, 0, sizeof *st);
	st->oauth = kommo_token_oauth(cfg);
	st->stored = jfield_text(rec, "refresh_token")[0] != '\0';
	st->connected_at = strtoll(jfield_text(rec, "connected_at"), NULL, 10);
	json_object_put(rec);
	kommo_token_refused(cfg, st->auth_needed, sizeof st->auth_needed);
}
