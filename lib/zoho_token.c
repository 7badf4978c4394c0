/*
 * zoho_token: how Zoho's access token is stored and refreshed: the access token in
 * zoho.access, the refresh token oauth-callback stored (else [zoho] refresh_token), a
 * throttle mark that stops every process from asking again until Zoho's window has
 * passed. Its life (kept per step, refreshed under a lock, forgotten on 401, refusal
 * recorded) is lib/token's. The Sign API base is read and kept with the token, in the
 * same transaction.
 */
#include "zoho_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jfield.h"
#include "log.h"
#include "msg.h"
#include "store.h"
#include "str.h"
#include "token.h"
#include "zoho_accounts.h"

#define TOKEN_EARLY_SECONDS 120 /* refresh this long before the token expires */
#define THROTTLE_SECONDS 600    /* Zoho blocks for the rest of a 10-minute window */

/* Both records, read in one transaction: the access token and the Sign API base. */
static int
read_kept(const struct config *cfg, struct token_kept *kept)
{
	char *access = NULL, *refresh = NULL, err[256], expires[32];
	struct store *s;
	int read;

	read = store_begin(cfg->state_dir, STORE_TOKENS, 0, &s, err, sizeof err) == 0;
	if (read) {
		read = store_get(s, ZOHO_TOKEN_ACCESS, &access) != -1 &&
		    store_get(s, ZOHO_TOKEN_REFRESH, &refresh) != -1;
		store_abort(s);
	}
	token_record_field(access, "token", kept->token, sizeof kept->token);
	token_record_field(access, "expires_at", expires, sizeof expires);
	kept->expires_at = strtoll(expires, NULL, 10);
	token_record_field(refresh, "sign_url", kept->extra, sizeof kept->extra);
	free(access);
	free(refresh);
	return read ? 0 : -1;
}

void
zoho_token_sign_base(const struct config *cfg, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s", token_extra(&zoho_token_kind, cfg));
	if (buf[0] == '\0')
		snprintf(buf, buflen, "%s", cfg->zoho.sign_url);
}

/* The refresh token in use and where to spend it: the stored one, else the config's. */
static void
refresh_source(const struct config *cfg, char *refresh, size_t refreshlen, char *accounts,
    size_t accountslen)
{
	char *record = NULL;

	store_get1(cfg->state_dir, STORE_TOKENS, ZOHO_TOKEN_REFRESH, &record);
	token_record_field(record, "refresh_token", refresh, refreshlen);
	token_record_field(record, "accounts_url", accounts, accountslen);
	free(record);
	if (refresh[0] == '\0' && !str_empty(cfg->zoho.refresh_token))
		snprintf(refresh, refreshlen, "%s", cfg->zoho.refresh_token);
	if (accounts[0] == '\0')
		snprintf(accounts, accountslen, "%s", cfg->zoho.accounts_url);
}

static void
forget_access(const struct config *cfg, const char *rejected)
{
	struct store *s;
	char err[256], *record = NULL, cached[1024];

	if (store_begin(cfg->state_dir, STORE_TOKENS, 1, &s, err, sizeof err) == -1) {
		return;
	}
	store_get(s, ZOHO_TOKEN_ACCESS, &record);
	token_record_field(record, "token", cached, sizeof cached);
	free(record);
	if (strcmp(cached, rejected) == 0)
		store_delete(s, ZOHO_TOKEN_ACCESS);
	store_commit(s);
}

static long
throttled_for(const struct config *cfg)
{
	char *until = NULL;
	long left = 0;

	if (store_get1(cfg->state_dir, STORE_TOKENS, ZOHO_TOKEN_THROTTLE, &until) == 0)
		left = (long)(strtoll(until, NULL, 10) - (long long)time(NULL));
	free(until);
	return left > 0 ? left : 0;
}

void
zoho_token_pause(const struct config *cfg)
{
	char until[32];

	snprintf(until, sizeof until, "%lld", (long long)time(NULL) + THROTTLE_SECONDS);
	store_put1(cfg->state_dir, STORE_TOKENS, ZOHO_TOKEN_THROTTLE, until);
}

/* Zoho's expires_in in seconds; an answer without one is taken as Zoho's usual hour. */
static long
lifetime(long expires_in)
{
	return expires_in > 0 ? expires_in : 3600;
}

/* The access token record: {"token","expires_at"}; malloc'd JSON text or NULL. */
static char *
access_record(const char *tok, long expires_in)
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
cache_access(const struct config *cfg, const char *tok, long expires_in)
{
	char *record = access_record(tok, expires_in);

	if (record != NULL)
		store_put1(cfg->state_dir, STORE_TOKENS, ZOHO_TOKEN_ACCESS, record);
	free(record);
}

/* The grant: the refresh token in use, the stored one, else the config's. */
static int
ask_grant(const struct config *cfg, char *grant, size_t grantlen, struct remote_result *rr)
{
	char accounts[512];

	(void)rr;
	refresh_source(cfg, grant, grantlen, accounts, sizeof accounts);
	return 0;
}

/* Asks Zoho Accounts for a new access token; lib/token holds the refresh lock. */
static int
renew_token(const struct config *cfg, const char *refresh, struct token_kept *kept,
    struct remote_result *rr)
{
	char grant[1024], accounts[512];
	const char *params[] = {
		"grant_type", "refresh_token", "refresh_token", refresh,
		"client_id", cfg->zoho.client_id ? cfg->zoho.client_id : "",
		"client_secret", cfg->zoho.client_secret ? cfg->zoho.client_secret : "", NULL,
	};
	json_object *json = NULL;
	char shown[44];
	const char *error;
	long expires_in;
	int refused = 0;

	refresh_source(cfg, grant, sizeof grant, accounts, sizeof accounts);
	switch (zoho_accounts_token(cfg, accounts, params, &json, rr)) {
	case ZOHO_ACCOUNTS_TOKEN:
		expires_in = lifetime(strtol(jfield_text(json, "expires_in"), NULL, 10));
		snprintf(kept->token, sizeof kept->token, "%s", jfield_text(json, "access_token"));
		kept->expires_at = (long long)time(NULL) + expires_in;
		cache_access(cfg, kept->token, expires_in);
		log_info("Zoho access token refreshed, valid for %ld s", expires_in);
		break;
	case ZOHO_ACCOUNTS_REFUSED:
		/* Revoked, or evicted by the 21st consent: no retry can fix it, a person must. */
		error = jfield_text(json, "error");
		snprintf(rr->message, sizeof rr->message, "Zoho refused the refresh token: %s",
		    msg_printable(error, strlen(error), 40, shown, sizeof shown));
		log_err("%s; no more token requests until someone connects Zoho Sign again "
		    "at oauth-callback", rr->message);
		refused = 1;
		break;
	case ZOHO_ACCOUNTS_THROTTLED:
		zoho_token_pause(cfg);
		rr->retry_after = THROTTLE_SECONDS;
		snprintf(rr->message, sizeof rr->message,
		    "%s: HTTP %ld: Zoho throttled us; no token requests for %d s", rr->what,
		    rr->http_status, THROTTLE_SECONDS);
		break;
	case ZOHO_ACCOUNTS_FAILED:
		break;
	}
	json_object_put(json);
	return refused;
}

static struct token_kept kept_token;

const struct token_kind zoho_token_kind = {
	.name = "Zoho",
	.lock = "zoho-refresh",
	.auth_needed_key = ZOHO_TOKEN_AUTH_NEEDED,
	.mark_names_grant = 1,
	.early_seconds = TOKEN_EARLY_SECONDS,
	.auth_needed_tail = ": open oauth-callback and connect Zoho Sign again",
	.not_connected = "open oauth-callback in a browser or set [zoho] refresh_token",
	.kept = &kept_token,
	.read = read_kept,
	.forget = forget_access,
	.grant = ask_grant,
	.paused = throttled_for,
	.renew = renew_token,
};

void
zoho_token_get(const struct config *cfg, const char *rejected, char *tok, size_t toklen,
    struct remote_result *rr)
{
	token_get(&zoho_token_kind, cfg, rejected, tok, toklen, rr);
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
		access = access_record(access_token, lifetime(expires_in));
	if (store_begin(cfg->state_dir, STORE_TOKENS, 1, &s, err, errlen) == -1) {
		json_object_put(rec);
		free(access);
		return -1;
	}
	rc = store_put(s, ZOHO_TOKEN_REFRESH, json_object_to_json_string(rec));
	/*
	 * The exchange's own access token is kept: Zoho allows 10 token requests in 10
	 * minutes, and one of the old grant, or of another data centre, must not be used.
	 */
	if (rc == 0 && access != NULL)
		rc = store_put(s, ZOHO_TOKEN_ACCESS, access);
	else if (rc == 0)
		store_delete(s, ZOHO_TOKEN_ACCESS);
	json_object_put(rec);
	free(access);
	if (rc == -1) {
		store_abort(s);
		snprintf(err, errlen, "cannot store the Zoho refresh token");
		return -1;
	}
	store_delete(s, ZOHO_TOKEN_THROTTLE);
	store_delete(s, ZOHO_TOKEN_AUTH_NEEDED);
	token_unkeep(&zoho_token_kind); /* another grant, maybe another data centre */
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
	store_get1(cfg->state_dir, STORE_TOKENS, ZOHO_TOKEN_REFRESH, &record);
	token_record_field(record, "refresh_token", refresh, sizeof refresh);
	st->stored = refresh[0] != '\0';
	token_record_field(record, "accounts_url", st->accounts_url, sizeof st->accounts_url);
	token_record_field(record, "dc", st->dc, sizeof st->dc);
	token_record_field(record, "connected_at", at, sizeof at);
	st->connected_at = strtoll(at, NULL, 10);
	free(record);
	st->configured = !str_empty(cfg->zoho.refresh_token);
	refresh_source(cfg, refresh, sizeof refresh, accounts, sizeof accounts);
	if (refresh[0] != '\0')
		token_refused(&zoho_token_kind, cfg, refresh, st->auth_needed, sizeof st->auth_needed);
}
