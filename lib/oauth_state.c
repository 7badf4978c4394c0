/*
 * oauth_state: nonces in the states store. Expired ones are swept whenever a new one
 * is made, so the file stays as small as the number of flows started in 10 minutes.
 * Only the hash of a flow cookie is kept, so reading the file does not give a cookie.
 */
#include "oauth_state.h"

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jfield.h"
#include "log.h"
#include "msg.h"
#include "store.h"

#define OAUTH_STATE_SWEEP_MAX 256 /* expired nonces removed per creation */
#define OAUTH_STATE_HASH_LEN 64   /* hex digits of a SHA-256 */

struct oauth_state_sweep {
	long long now;
	size_t n;
	char *keys[OAUTH_STATE_SWEEP_MAX];
};

/* What a record says. */
struct oauth_state_record {
	long long expires_at;
	char provider[16];
	char binding[OAUTH_STATE_HASH_LEN + 1];
	int start;
};

static void
read_record(const char *text, struct oauth_state_record *rec)
{
	json_object *obj = json_tokener_parse(text), *start = NULL;

	rec->expires_at = strtoll(jfield_text(obj, "expires_at"), NULL, 10);
	snprintf(rec->provider, sizeof rec->provider, "%s", jfield_text(obj, "provider"));
	snprintf(rec->binding, sizeof rec->binding, "%s", jfield_text(obj, "binding"));
	rec->start = json_object_object_get_ex(obj, "start", &start) && json_object_get_boolean(start);
	json_object_put(obj);
}

/* SHA-256 of a cookie value in hex into out (OAUTH_STATE_HASH_LEN + 1 bytes); "" on failure. */
static void
nonce_hash(const char *cookie, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	out[0] = '\0';
	if (EVP_Digest(cookie, strlen(cookie), md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return;
	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int
collect(const char *key, const char *val, void *arg)
{
	struct oauth_state_sweep *sw = arg;
	struct oauth_state_record rec;

	read_record(val, &rec);
	if (rec.expires_at <= sw->now && (sw->keys[sw->n] = strdup(key)) != NULL)
		sw->n++;
	return sw->n == OAUTH_STATE_SWEEP_MAX;
}

static json_object *
new_record(const char *provider, const char *cookie, long long expires_at)
{
	json_object *rec = json_object_new_object();
	char hash[OAUTH_STATE_HASH_LEN + 1];

	json_object_object_add(rec, "provider", json_object_new_string(provider));
	json_object_object_add(rec, "expires_at", json_object_new_int64(expires_at));
	if (cookie == NULL) {
		json_object_object_add(rec, "start", json_object_new_boolean(1));
	} else {
		nonce_hash(cookie, hash);
		json_object_object_add(rec, "binding", json_object_new_string(hash));
	}
	return rec;
}

int
oauth_state_create(const char *dir, const char *provider, const char *cookie, char *out,
    size_t outlen, char *err, size_t errlen)
{
	struct oauth_state_sweep sw = { .now = (long long)time(NULL) };
	struct store *s;
	json_object *rec;
	size_t i;
	int rc;

	if (outlen < OAUTH_STATE_LEN + 1 || oauth_cookie_random(out, outlen) == -1) {
		msg_set(err, errlen, "cannot make a random state");
		return -1;
	}
	if (store_begin(dir, STORE_STATES, 1, &s, err, errlen) == -1)
		return -1;
	/* Removing while GDBM iterates is undefined: collect first. */
	store_each(s, collect, &sw);
	for (i = 0; i < sw.n; i++) {
		store_delete(s, sw.keys[i]);
		free(sw.keys[i]);
	}
	rec = new_record(provider, cookie, sw.now + OAUTH_STATE_SECONDS);
	rc = store_put(s, out, json_object_to_json_string(rec));
	json_object_put(rec);
	if (rc == -1) {
		store_abort(s);
		msg_set(err, errlen, "cannot store the state");
		return -1;
	}
	if (store_commit(s) == -1) {
		msg_set(err, errlen, "cannot store the state");
		return -1;
	}
	return 0;
}

static int
well_formed(const char *state)
{
	return state != NULL && strlen(state) == OAUTH_STATE_LEN &&
	    strspn(state, "0123456789abcdef") == OAUTH_STATE_LEN;
}

/* 1 when one of the cookies hashes to binding; every cookie is hashed and compared. */
static int
bound(const char *binding, char cookies[][OAUTH_COOKIE_VALUE_LEN + 1], size_t n)
{
	char hash[OAUTH_STATE_HASH_LEN + 1];
	size_t i;
	int match = 0;

	if (strlen(binding) != OAUTH_STATE_HASH_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		nonce_hash(cookies[i], hash);
		match |= strlen(hash) == OAUTH_STATE_HASH_LEN &&
		    CRYPTO_memcmp(hash, binding, OAUTH_STATE_HASH_LEN) == 0;
	}
	return match;
}

/* Reads key's record in s and judges it; OK means it may be used up now. */
static enum oauth_state_result
judge(struct store *s, const char *key, int start,
    char cookies[][OAUTH_COOKIE_VALUE_LEN + 1], size_t n, struct oauth_state_record *rec)
{
	char *text = NULL;
	int rc = store_get(s, key, &text);

	if (rc != 0)
		return rc == 1 ? OAUTH_STATE_UNKNOWN : OAUTH_STATE_ERROR;
	read_record(text, rec);
	free(text);
	if (rec->start != start)
		return OAUTH_STATE_UNKNOWN;
	if (rec->expires_at <= (long long)time(NULL))
		return OAUTH_STATE_EXPIRED;
	if (!start && !bound(rec->binding, cookies, n))
		return OAUTH_STATE_UNBOUND;
	return OAUTH_STATE_OK;
}

static enum oauth_state_result
claim(const char *dir, const char *key, int start,
    char cookies[][OAUTH_COOKIE_VALUE_LEN + 1], size_t n, char *provider, size_t providerlen)
{
	struct oauth_state_record rec = { 0 };
	enum oauth_state_result result;
	struct store *s;
	char err[256];

	provider[0] = '\0';
	if (!well_formed(key))
		return OAUTH_STATE_UNKNOWN;
	if (store_begin(dir, STORE_STATES, 1, &s, err, sizeof err) == -1)
		return OAUTH_STATE_ERROR; /* store_begin reported it */
	result = judge(s, key, start, cookies, n, &rec);
	if (result != OAUTH_STATE_OK && result != OAUTH_STATE_EXPIRED) {
		store_abort(s);
		return result;
	}
	/* Used once, good or expired: the delete is committed before anything acts on it. */
	store_delete(s, key);
	if (store_commit(s) == -1)
		return OAUTH_STATE_ERROR;
	if (result == OAUTH_STATE_OK)
		snprintf(provider, providerlen, "%s", rec.provider);
	return result;
}

enum oauth_state_result
oauth_state_take(const char *dir, const char *state, char cookies[][OAUTH_COOKIE_VALUE_LEN + 1],
    size_t n, char *provider, size_t providerlen)
{
	return claim(dir, state, 0, cookies, n, provider, providerlen);
}

enum oauth_state_result
oauth_state_take_start(const char *dir, const char *code, char *provider, size_t providerlen)
{
	return claim(dir, code, 1, NULL, 0, provider, providerlen);
}
