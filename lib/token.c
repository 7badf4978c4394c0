/*
 * token: cache first, then one renewal under a lock, unless a pause (Zoho's throttle)
 * or a refusal on record says not to ask.
 *
 * Within a job step the stored token is read once and kept: a token another process
 * renewed meanwhile leaves the old one good until its expiry, and the new one is picked
 * up at the next step. What is kept is dropped at a 401, and is not used within the
 * kind's early_seconds of its expiry, so a renewal happens when it would without it.
 */
#include "token.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jfield.h"
#include "log.h"
#include "step.h"
#include "store.h"

void
token_record_field(const char *record, const char *field, char *buf, size_t buflen)
{
	json_object *obj = record ? json_tokener_parse(record) : NULL;

	snprintf(buf, buflen, "%s", jfield_text(obj, field));
	json_object_put(obj);
}

void
token_unkeep(const struct token_kind *kind)
{
	memset(kind->kept, 0, sizeof *kind->kept);
}

/* The kept read for this step; read again when there is none, or always when fresh. */
static struct token_kept *
read_cached(const struct token_kind *kind, const struct config *cfg, int fresh)
{
	struct token_kept *k = kind->kept;

	if (fresh || k->step == 0 || k->step != step_current()) {
		memset(k, 0, sizeof *k);
		k->step = kind->read(cfg, k) == 0 ? step_current() : 0;
	}
	return k;
}

const char *
token_extra(const struct token_kind *kind, const struct config *cfg)
{
	return read_cached(kind, cfg, 0)->extra;
}

void
token_forget(const struct token_kind *kind, const struct config *cfg, const char *rejected)
{
	/* The store's copy goes only if it is still the rejected one: another process may
	 * have renewed it already. */
	if (strcmp(kind->kept->token, rejected) == 0)
		token_unkeep(kind);
	kind->forget(cfg, rejected);
}

int
token_renewable(const struct token_kind *kind, const struct config *cfg)
{
	return kind->fixed == NULL || kind->fixed(cfg) == NULL;
}

/*
 * 0 and the token when the cache holds one that is good for a while and not rejected;
 * fresh: read the store, not what this step kept (another process may have renewed).
 */
static int
cached(const struct token_kind *kind, const struct config *cfg, const char *rejected,
    int fresh, char *tok, size_t toklen)
{
	const struct token_kept *k = read_cached(kind, cfg, fresh);

	if (k->token[0] == '\0' || k->expires_at <= (long long)time(NULL) + kind->early_seconds ||
	    (rejected != NULL && strcmp(rejected, k->token) == 0)) {
		tok[0] = '\0';
		return -1;
	}
	snprintf(tok, toklen, "%s", k->token);
	return 0;
}

/* Names a grant in the refusal mark without keeping the grant itself. */
static void
fingerprint(const char *grant, char out[17])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	out[0] = '\0';
	if (EVP_Digest(grant, strlen(grant), md, &n, EVP_sha256(), NULL) != 1 || n < 8)
		return;
	for (i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int
token_refused(const struct token_kind *kind, const struct config *cfg, const char *grant,
    char *why, size_t whylen)
{
	char *record = NULL, sha[17], marked[17];

	why[0] = '\0';
	if (store_get1(cfg->state_dir, STORE_TOKENS, kind->auth_needed_key, &record) != 0)
		return 0;
	if (kind->mark_names_grant) {
		fingerprint(grant ? grant : "", sha);
		token_record_field(record, "refresh_sha", marked, sizeof marked);
	}
	if (!kind->mark_names_grant || strcmp(sha, marked) == 0)
		token_record_field(record, "reason", why, whylen);
	free(record);
	return why[0] != '\0';
}

static void
mark_refused(const struct token_kind *kind, const struct config *cfg, const char *grant,
    const char *reason)
{
	json_object *rec = json_object_new_object();
	char sha[17];

	json_object_object_add(rec, "reason", json_object_new_string(reason));
	json_object_object_add(rec, "at", json_object_new_int64((long long)time(NULL)));
	if (kind->mark_names_grant) {
		fingerprint(grant, sha);
		json_object_object_add(rec, "refresh_sha", json_object_new_string(sha));
	}
	store_put1(cfg->state_dir, STORE_TOKENS, kind->auth_needed_key, json_object_to_json_string(rec));
	json_object_put(rec);
}

static void
auth_needed(const struct token_kind *kind, struct remote_result *rr, const char *why)
{
	rr->outcome = REMOTE_AUTH;
	snprintf(rr->message, sizeof rr->message, "%s authorization needed (%s)%s", kind->name, why,
	    kind->auth_needed_tail);
}

/* Whether asking for a new token is allowed now, with the grant to spend; if not, rr says why. */
static int
may_ask(const struct token_kind *kind, const struct config *cfg, char *grant,
    size_t grantlen, struct remote_result *rr)
{
	char why[160];
	long wait;

	if (kind->grant(cfg, grant, grantlen, rr) == -1)
		return 0;
	if (grant[0] == '\0') {
		rr->outcome = REMOTE_AUTH;
		snprintf(rr->message, sizeof rr->message, "%s is not authorized yet: %s", kind->name,
		    kind->not_connected);
		return 0;
	}
	if (token_refused(kind, cfg, grant, why, sizeof why)) {
		auth_needed(kind, rr, why);
		return 0;
	}
	if (kind->paused != NULL && (wait = kind->paused(cfg)) > 0) {
		rr->outcome = REMOTE_RETRY;
		rr->retry_after = wait;
		snprintf(rr->message, sizeof rr->message, "%s token requests paused for %ld s more",
		    kind->name, wait);
		return 0;
	}
	return 1;
}

/* Asks for a new token; the caller holds the lock. A refusal is recorded. */
static void
renew_token(const struct token_kind *kind, const struct config *cfg, const char *grant, char *tok,
    size_t toklen, struct remote_result *rr)
{
	struct token_kept fresh = { 0 };
	char why[160];

	if (kind->renew(cfg, grant, &fresh, rr) == 1) {
		snprintf(why, sizeof why, "%.159s", rr->message);
		mark_refused(kind, cfg, grant, why);
		auth_needed(kind, rr, why);
	} else if (rr->outcome == REMOTE_OK) {
		/* The rest of the step uses the new token. */
		snprintf(kind->kept->token, sizeof kind->kept->token, "%s", fresh.token);
		kind->kept->expires_at = fresh.expires_at;
		snprintf(tok, toklen, "%s", fresh.token);
	}
}

void
token_get(const struct token_kind *kind, const struct config *cfg, const char *rejected,
    char *tok, size_t toklen, struct remote_result *rr)
{
	char err[256], grant[1024];
	const char *fixed = kind->fixed ? kind->fixed(cfg) : NULL;
	int fd;

	memset(rr, 0, sizeof *rr);
	rr->retry_after = -1;
	if (fixed != NULL) {
		snprintf(tok, toklen, "%s", fixed);
		return;
	}
	if (rejected != NULL)
		token_forget(kind, cfg, rejected);
	if (cached(kind, cfg, rejected, 0, tok, toklen) == 0)
		return;
	if (!may_ask(kind, cfg, grant, sizeof grant, rr))
		return;
	if (store_lock(cfg->state_dir, kind->lock, &fd, err, sizeof err) == -1) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "%s", err);
		return;
	}
	/* Another process may have renewed, or been refused, while we waited for the lock. */
	if (cached(kind, cfg, rejected, 1, tok, toklen) == -1 &&
	    may_ask(kind, cfg, grant, sizeof grant, rr))
		renew_token(kind, cfg, grant, tok, toklen, rr);
	store_unlock(fd);
}
