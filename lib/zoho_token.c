/*
 * zoho_token: cache first, then one refresh under a lock, a throttle mark that stops
 * every process from asking again until Zoho's window has passed, and a refusal mark
 * that stops asking at all until someone authorizes again.
 *
 * Within a job step (step.h) the cached token and the Sign API base are read from the
 * store once, in one transaction, and kept in memory for the step's other calls: a
 * token another process refreshed meanwhile is still good until its expiry, and is
 * picked up at the next step. What is kept is dropped at a 401 (the store is then read
 * again, under the refresh lock) and is not used within TOKEN_EARLY_SECONDS of its
 * expiry, so a refresh happens when it did before.
 */
#include "zoho_token.h"

#include <openssl/evp.h>
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
#include "zoho_accounts.h"

#define TOKEN_EARLY_SECONDS 120 /* refresh this long before the token expires */
#define THROTTLE_SECONDS 600    /* Zoho blocks for the rest of a 10-minute window */

/* Reads a field of a JSON record in the tokens store into buf; "" when absent. */
static void
token_record_field(const char *record, const char *field, char *buf, size_t buflen)
{
	json_object *obj = record ? json_tokener_parse(record) : NULL;

	snprintf(buf, buflen, "%s", jfield_text(obj, field));
	json_object_put(obj);
}

/* What the tokens store says for Sign calls: the cached access token and the Sign base. */
struct token_view {
	unsigned long step; /* the step it was read in (step.h); 0: read outside a step */
	char token[1024];
	long long expires_at;
	char sign_url[512]; /* of the stored refresh token; "" when none is stored */
};

static struct token_view token_kept; /* the current step's, when token_kept.step is it */

/*
 * The view kept for this step, else (and always when fresh is set) both records read
 * in one transaction, then kept for the rest of the step unless the store was not read.
 */
static const struct token_view *
token_view(const struct config *cfg, int fresh)
{
	char *access = NULL, *refresh = NULL, err[256], expires[32];
	struct store *s;
	int read;

	if (!fresh && token_kept.step != 0 && token_kept.step == step_current())
		return &token_kept;
	memset(&token_kept, 0, sizeof token_kept);
	read = store_begin(cfg->state_dir, STORE_TOKENS, 0, &s, err, sizeof err) == 0;
	if (read) {
		read = store_get(s, TOKEN_ZOHO_ACCESS, &access) != -1 &&
		    store_get(s, TOKEN_ZOHO_REFRESH, &refresh) != -1;
		store_abort(s);
	}
	token_record_field(access, "token", token_kept.token, sizeof token_kept.token);
	token_record_field(access, "expires_at", expires, sizeof expires);
	token_kept.expires_at = strtoll(expires, NULL, 10);
	token_record_field(refresh, "sign_url", token_kept.sign_url, sizeof token_kept.sign_url);
	free(access);
	free(refresh);
	token_kept.step = read ? step_current() : 0;
	return &token_kept;
}

/* Forgets the token kept for the step when it is `token` (refused, or replaced). */
static void
token_unkeep(const char *token)
{
	if (token == NULL || strcmp(token_kept.token, token) == 0)
		memset(&token_kept, 0, sizeof token_kept);
}

void
zoho_sign_base(const struct config *cfg, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s", token_view(cfg, 0)->sign_url);
	if (buf[0] == '\0')
		snprintf(buf, buflen, "%s", cfg->zoho.sign_url);
}

/* The refresh token in use and where to spend it: the stored one, else the config's. */
static void
token_source(const struct config *cfg, char *refresh, size_t refreshlen, char *accounts,
    size_t accountslen)
{
	char *record = NULL;

	store_get1(cfg->state_dir, STORE_TOKENS, TOKEN_ZOHO_REFRESH, &record);
	token_record_field(record, "refresh_token", refresh, refreshlen);
	token_record_field(record, "accounts_url", accounts, accountslen);
	free(record);
	if (refresh[0] == '\0' && !str_empty(cfg->zoho.refresh_token))
		snprintf(refresh, refreshlen, "%s", cfg->zoho.refresh_token);
	if (accounts[0] == '\0')
		snprintf(accounts, accountslen, "%s", cfg->zoho.accounts_url);
}

/* Names a refresh token in the refusal mark without keeping the token itself. */
static void
token_fingerprint(const char *refresh, char out[17])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	out[0] = '\0';
	if (EVP_Digest(refresh, strlen(refresh), md, &n, EVP_sha256(), NULL) != 1 || n < 8)
		return;
	for (i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/*
 * The reason Zoho refused `refresh`, into why; 0 when no refusal of this token is on
 * record. A refusal of another token (the config was edited) does not count.
 */
static int
token_refused(const struct config *cfg, const char *refresh, char *why, size_t whylen)
{
	char *record = NULL, sha[17], marked[17];

	why[0] = '\0';
	if (store_get1(cfg->state_dir, STORE_TOKENS, TOKEN_ZOHO_AUTH_NEEDED, &record) != 0)
		return 0;
	token_fingerprint(refresh, sha);
	token_record_field(record, "refresh_sha", marked, sizeof marked);
	if (strcmp(sha, marked) == 0)
		token_record_field(record, "reason", why, whylen);
	free(record);
	return why[0] != '\0';
}

static void
token_mark_refused(const struct config *cfg, const char *refresh, const char *reason)
{
	json_object *rec = json_object_new_object();
	char sha[17];

	token_fingerprint(refresh, sha);
	json_object_object_add(rec, "reason", json_object_new_string(reason));
	json_object_object_add(rec, "at", json_object_new_int64((long long)time(NULL)));
	json_object_object_add(rec, "refresh_sha", json_object_new_string(sha));
	store_put1(cfg->state_dir, STORE_TOKENS, TOKEN_ZOHO_AUTH_NEEDED, json_object_to_json_string(rec));
	json_object_put(rec);
}

static void
token_auth_needed(struct remote_result *rr, const char *why)
{
	rr->outcome = REMOTE_AUTH;
	snprintf(rr->message, sizeof rr->message,
	    "Zoho authorization needed (%.80s): open oauth-callback and connect Zoho Sign again", why);
}

/*
 * 0 and the token when the cache holds one that is good for a while and not rejected;
 * fresh: read the store, not what this step kept (another process may have refreshed).
 */
static int
token_cached(const struct config *cfg, const char *rejected, int fresh, char *tok, size_t toklen)
{
	const struct token_view *view = token_view(cfg, fresh);
	int ok;

	snprintf(tok, toklen, "%s", view->token);
	ok = tok[0] != '\0' && view->expires_at > (long long)time(NULL) + TOKEN_EARLY_SECONDS &&
	    (rejected == NULL || strcmp(rejected, tok) != 0);
	/* A token the Sign API refused is not kept for the step, whatever the store says. */
	if (rejected != NULL && strcmp(rejected, view->token) == 0)
		token_unkeep(rejected);
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

void
zoho_token_pause(const struct config *cfg)
{
	char until[32];

	snprintf(until, sizeof until, "%lld", (long long)time(NULL) + THROTTLE_SECONDS);
	store_put1(cfg->state_dir, STORE_TOKENS, TOKEN_ZOHO_THROTTLE, until);
}

/* Zoho's expires_in in seconds; an answer without one is taken as Zoho's usual hour. */
static long
token_lifetime(long expires_in)
{
	return expires_in > 0 ? expires_in : 3600;
}

/* The access token record: {"token","expires_at"}; malloc'd JSON text or NULL. */
static char *
token_access_record(const char *tok, long expires_in)
{
	json_object *rec = json_object_new_object();
	char *text;

	json_object_object_add(rec, "token", json_object_new_string(tok));
	json_object_object_add(rec, "expires_at",
	    json_object_new_int64((long long)time(NULL) + expires_in));
	text = strdup(json_object_to_json_string(rec));
	json_object_put(rec);
	return text;
}

static void
token_cache(const struct config *cfg, const char *tok, long expires_in)
{
	char *record = token_access_record(tok, expires_in);

	if (record != NULL)
		store_put1(cfg->state_dir, STORE_TOKENS, TOKEN_ZOHO_ACCESS, record);
	free(record);
	/* The rest of the step uses the new token. */
	snprintf(token_kept.token, sizeof token_kept.token, "%s", tok);
	token_kept.expires_at = (long long)time(NULL) + expires_in;
}

/* Asks Zoho Accounts for a new access token; the caller holds the refresh lock. */
static void
token_refresh(const struct config *cfg, const char *refresh, const char *accounts, char *tok,
    size_t toklen, struct remote_result *rr)
{
	const char *params[] = {
		"grant_type", "refresh_token", "refresh_token", refresh,
		"client_id", cfg->zoho.client_id ? cfg->zoho.client_id : "",
		"client_secret", cfg->zoho.client_secret ? cfg->zoho.client_secret : "", NULL,
	};
	json_object *json = NULL;
	enum zoho_accounts_answer answer;
	char why[128], shown[44];
	const char *error;
	long expires_in;

	answer = zoho_accounts_token(cfg, accounts, params, &json, rr);
	error = jfield_text(json, "error");
	switch (answer) {
	case ZOHO_ACCOUNTS_TOKEN:
		expires_in = token_lifetime(strtol(jfield_text(json, "expires_in"), NULL, 10));
		snprintf(tok, toklen, "%s", jfield_text(json, "access_token"));
		token_cache(cfg, tok, expires_in);
		log_info("Zoho access token refreshed, valid for %ld s", expires_in);
		break;
	case ZOHO_ACCOUNTS_REFUSED:
		/* Revoked, or evicted by the 21st consent: no retry can fix it, a person must. */
		snprintf(why, sizeof why, "Zoho refused the refresh token: %s",
		    msg_printable(error, strlen(error), 40, shown, sizeof shown));
		token_mark_refused(cfg, refresh, why);
		log_err("%s; no more token requests until someone connects Zoho Sign again "
		    "at oauth-callback", why);
		token_auth_needed(rr, why);
		break;
	case ZOHO_ACCOUNTS_THROTTLED:
		zoho_token_pause(cfg);
		rr->retry_after = THROTTLE_SECONDS;
		snprintf(rr->message, sizeof rr->message,
		    "Zoho token endpoint throttled us (HTTP %ld); no token requests for %d s",
		    rr->http_status, THROTTLE_SECONDS);
		break;
	case ZOHO_ACCOUNTS_FAILED:
		break;
	}
	json_object_put(json);
}

/* Whether asking Zoho is allowed now; if not, rr says why. */
static int
token_may_ask(const struct config *cfg, const char *refresh, struct remote_result *rr)
{
	char why[160];
	long wait;

	if (refresh[0] == '\0') {
		rr->outcome = REMOTE_AUTH;
		snprintf(rr->message, sizeof rr->message,
		    "Zoho is not authorized yet: open oauth-callback in a browser or set [zoho] refresh_token");
		return 0;
	}
	if (token_refused(cfg, refresh, why, sizeof why)) {
		token_auth_needed(rr, why);
		return 0;
	}
	if ((wait = token_throttled_for(cfg)) > 0) {
		rr->outcome = REMOTE_RETRY;
		rr->retry_after = wait;
		snprintf(rr->message, sizeof rr->message, "Zoho token requests paused for %ld s more", wait);
		return 0;
	}
	return 1;
}

void
zoho_token_get(const struct config *cfg, const char *rejected, char *tok, size_t toklen,
    struct remote_result *rr)
{
	char err[256], refresh[1024], accounts[512];
	int fd;

	memset(rr, 0, sizeof *rr);
	rr->retry_after = -1;
	if (token_cached(cfg, rejected, 0, tok, toklen) == 0)
		return;
	token_source(cfg, refresh, sizeof refresh, accounts, sizeof accounts);
	if (!token_may_ask(cfg, refresh, rr))
		return;
	if (store_lock(cfg->state_dir, "zoho-refresh", &fd, err, sizeof err) == -1) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "%s", err);
		return;
	}
	/* Another process may have refreshed, or been refused, while we waited for the lock. */
	if (token_cached(cfg, rejected, 1, tok, toklen) == -1) {
		/* A token Zoho refused is never offered again, even if the refresh fails. */
		if (rejected != NULL)
			token_forget(cfg, rejected);
		token_source(cfg, refresh, sizeof refresh, accounts, sizeof accounts);
		if (token_may_ask(cfg, refresh, rr))
			token_refresh(cfg, refresh, accounts, tok, toklen, rr);
	}
	store_unlock(fd);
}

int
zoho_token_connect(const struct config *cfg, const char *refresh_token,
    const char *access_token, long expires_in, const struct zoho_dc *dc, char *err,
    size_t errlen)
{
	json_object *rec = json_object_new_object();
	char *access = NULL;
	struct store *s;
	int rc;

	json_object_object_add(rec, "refresh_token", json_object_new_string(refresh_token));
	json_object_object_add(rec, "accounts_url", json_object_new_string(dc->accounts_url));
	json_object_object_add(rec, "sign_url", json_object_new_string(dc->sign_url));
	json_object_object_add(rec, "dc", json_object_new_string(dc->dc));
	json_object_object_add(rec, "connected_at", json_object_new_int64((long long)time(NULL)));
	if (!str_empty(access_token))
		access = token_access_record(access_token, token_lifetime(expires_in));
	if (store_begin(cfg->state_dir, STORE_TOKENS, 1, &s, err, errlen) == -1) {
		json_object_put(rec);
		free(access);
		return -1;
	}
	rc = store_put(s, TOKEN_ZOHO_REFRESH, json_object_to_json_string(rec));
	/*
	 * The exchange's own access token is kept: Zoho allows 10 token requests in 10
	 * minutes, and one of the old grant, or of another data centre, must not be used.
	 */
	if (rc == 0 && access != NULL)
		rc = store_put(s, TOKEN_ZOHO_ACCESS, access);
	else if (rc == 0)
		store_delete(s, TOKEN_ZOHO_ACCESS);
	json_object_put(rec);
	free(access);
	if (rc == -1) {
		store_abort(s);
		snprintf(err, errlen, "cannot store the Zoho refresh token");
		return -1;
	}
	store_delete(s, TOKEN_ZOHO_THROTTLE);
	store_delete(s, TOKEN_ZOHO_AUTH_NEEDED);
	token_unkeep(NULL); /* another grant, maybe another data centre */
	if (store_commit(s) == -1) {
		snprintf(err, errlen, "cannot store the Zoho refresh token");
		return -1;
	}
	return 0;
}

void
zoho_token_status(const struct config *cfg, struct zoho_token_status *st)
{
	char *record = NULL, refresh[1024], accounts[512], at[32];

	memset(st, 0, sizeof *st);
	store_get1(cfg->state_dir, STORE_TOKENS, TOKEN_ZOHO_REFRESH, &record);
	token_record_field(record, "refresh_token", refresh, sizeof refresh);
	st->stored = refresh[0] != '\0';
	token_record_field(record, "accounts_url", st->accounts_url, sizeof st->accounts_url);
	token_record_field(record, "dc", st->dc, sizeof st->dc);
	token_record_field(record, "connected_at", at, sizeof at);
	st->connected_at = strtoll(at, NULL, 10);
	free(record);
	st->configured = !str_empty(cfg->zoho.refresh_token);
	token_source(cfg, refresh, sizeof refresh, accounts, sizeof accounts);
	if (refresh[0] != '\0')
		token_refused(cfg, refresh, st->auth_needed, sizeof st->auth_needed);
}
