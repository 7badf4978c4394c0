/*
 * oauth_state: nonces in the states store. Expired ones are swept whenever a new one
 * is made, so the file stays as small as the number of flows started in 10 minutes.
 */
#include "oauth_state.h"

#include <json-c/json.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jfield.h"
#include "log.h"
#include "msg.h"
#include "store.h"

#define OAUTH_STATE_SWEEP_MAX 256 /* expired nonces removed per creation */

struct oauth_state_sweep {
	long long now;
	size_t n;
	char *keys[OAUTH_STATE_SWEEP_MAX];
};

static long long
oauth_state_expiry(const char *record, char *provider, size_t providerlen)
{
	json_object *obj = json_tokener_parse(record);
	long long expires_at = strtoll(jfield_text(obj, "expires_at"), NULL, 10);

	if (provider != NULL)
		snprintf(provider, providerlen, "%s", jfield_text(obj, "provider"));
	json_object_put(obj);
	return expires_at;
}

static int
oauth_state_collect(const char *key, const char *val, void *arg)
{
	struct oauth_state_sweep *sw = arg;

	if (oauth_state_expiry(val, NULL, 0) <= sw->now && (sw->keys[sw->n] = strdup(key)) != NULL)
		sw->n++;
	return sw->n == OAUTH_STATE_SWEEP_MAX;
}

int
oauth_state_create(const char *dir, const char *provider, char *out, size_t outlen,
    char *err, size_t errlen)
{
	struct oauth_state_sweep sw = { .now = (long long)time(NULL) };
	unsigned char raw[OAUTH_STATE_LEN / 2];
	struct store *s;
	json_object *rec;
	size_t i;
	int rc;

	if (outlen < OAUTH_STATE_LEN + 1 || RAND_bytes(raw, sizeof raw) != 1) {
		msg_set(err, errlen, "cannot make a random state");
		return -1;
	}
	for (i = 0; i < sizeof raw; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	if (store_begin(dir, STORE_STATES, 1, &s, err, errlen) == -1)
		return -1;
	/* Removing while GDBM iterates is undefined: collect first. */
	store_each(s, oauth_state_collect, &sw);
	for (i = 0; i < sw.n; i++) {
		store_delete(s, sw.keys[i]);
		free(sw.keys[i]);
	}
	rec = json_object_new_object();
	json_object_object_add(rec, "provider", json_object_new_string(provider));
	json_object_object_add(rec, "expires_at", json_object_new_int64(sw.now + OAUTH_STATE_SECONDS));
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
oauth_state_well_formed(const char *state)
{
	return state != NULL && strlen(state) == OAUTH_STATE_LEN &&
	    strspn(state, "0123456789abcdef") == OAUTH_STATE_LEN;
}

enum oauth_state_result
oauth_state_take(const char *dir, const char *state, char *provider, size_t providerlen)
{
	struct store *s;
	char err[256], *record = NULL;
	long long expires_at;
	int rc;

	provider[0] = '\0';
	if (!oauth_state_well_formed(state))
		return OAUTH_STATE_UNKNOWN;
	if (store_begin(dir, STORE_STATES, 1, &s, err, sizeof err) == -1) {
		log_err("%s", err);
		return OAUTH_STATE_ERROR;
	}
	rc = store_get(s, state, &record);
	if (rc != 0) {
		store_abort(s);
		return rc == 1 ? OAUTH_STATE_UNKNOWN : OAUTH_STATE_ERROR;
	}
	/* Used once, good or not: the delete is committed before anything acts on it. */
	store_delete(s, state);
	if (store_commit(s) == -1) {
		free(record);
		return OAUTH_STATE_ERROR;
	}
	expires_at = oauth_state_expiry(record, provider, providerlen);
	free(record);
	if (expires_at <= (long long)time(NULL)) {
		provider[0] = '\0';
		return OAUTH_STATE_EXPIRED;
	}
	return OAUTH_STATE_OK;
}
