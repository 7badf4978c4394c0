/*
 * Unit tests for lib/oauth_state.c: a nonce is random, good once, for its provider,
 * only with the cookie it is bound to, and not after its expiry; expired ones are swept
 * when new ones are made; a start code and a flow's state are not each other.
 */
#include "check.h"
#include "oauth_state.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Takes state with the browser's cookies[0..n); dir and provider are the caller's. */
#define TAKE(state, cookies, n) oauth_state_take(dir, state, cookies, n, provider, sizeof provider)

static int
count_record(const char *key, const char *val, void *arg)
{
	(void)key;
	(void)val;
	(*(int *)arg)++;
	return 0;
}

static int
records(const char *dir)
{
	struct store *s;
	char err[256];
	int n = 0;

	if (store_begin(dir, STORE_STATES, 0, &s, err, sizeof err) == -1)
		return -1;
	store_each(s, count_record, &n);
	store_abort(s);
	return n;
}

static void
set_expiry(const char *dir, const char *state, long long expires_at)
{
	char rec[128];

	snprintf(rec, sizeof rec, "{\"provider\":\"zoho\",\"expires_at\":%lld}", expires_at);
	store_put1(dir, STORE_STATES, state, rec);
}

/* A flow's state is good only with the cookie it is bound to, and a miss changes nothing. */
static void
test_binding(const char *dir)
{
	char cookies[2][OAUTH_COOKIE_VALUE_LEN + 1], other[1][OAUTH_COOKIE_VALUE_LEN + 1];
	char state[OAUTH_STATE_LEN + 1], code[OAUTH_STATE_LEN + 1], provider[16], err[256];
	char *record = NULL;

	oauth_cookie_random(cookies[1], sizeof cookies[1]);
	oauth_cookie_random(other[0], sizeof other[0]);
	memcpy(cookies[0], other[0], sizeof other[0]);
	cookies[0][0] = cookies[0][0] == 'a' ? 'b' : 'a';
	CHECK(oauth_state_create(dir, "zoho", cookies[1], state, sizeof state, err, sizeof err) == 0,
	    "a bound state is made (%s)", err);
	CHECK(store_get1(dir, STORE_STATES, state, &record) == 0 && strstr(record, cookies[1]) == NULL,
	    "the cookie itself is not stored, only its hash");
	free(record);
	CHECK(TAKE(state, NULL, 0) == OAUTH_STATE_UNBOUND,
	    "no cookie: refused");
	CHECK(TAKE(state, other, 1) == OAUTH_STATE_UNBOUND,
	    "another cookie: refused");
	CHECK(provider[0] == '\0', "no provider when refused");
	CHECK(records(dir) == 1, "a refusal leaves the state");
	CHECK(oauth_state_take_start(dir, state, provider, sizeof provider) == OAUTH_STATE_UNKNOWN,
	    "a flow's state is no start code");
	CHECK(TAKE(state, cookies, 2) == OAUTH_STATE_OK,
	    "the cookie it is bound to, among others: taken");
	CHECK_STR(provider, "zoho", "with its provider");
	CHECK(TAKE(state, cookies, 2) == OAUTH_STATE_UNKNOWN,
	    "not twice");

	CHECK(oauth_state_create(dir, "kommo", NULL, code, sizeof code, err, sizeof err) == 0,
	    "a start code is made");
	CHECK(TAKE(code, cookies, 2) == OAUTH_STATE_UNKNOWN,
	    "a start code is no flow's state");
	CHECK(oauth_state_take_start(dir, code, provider, sizeof provider) == OAUTH_STATE_OK,
	    "taken as a start code");
	CHECK_STR(provider, "kommo", "with its provider");
	CHECK(oauth_state_take_start(dir, code, provider, sizeof provider) == OAUTH_STATE_UNKNOWN,
	    "once");
}

int
main(void)
{
	char dir[] = "/tmp/kzs-test-state-XXXXXX", a[OAUTH_STATE_LEN + 1], b[OAUTH_STATE_LEN + 1];
	char provider[16], err[256], path[600], small[8];
	char cookie[1][OAUTH_COOKIE_VALUE_LEN + 1];
	struct stat st;

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp");
		return CHECK_DONE();
	}
	oauth_cookie_random(cookie[0], sizeof cookie[0]);
	CHECK(oauth_state_create(dir, "zoho", cookie[0], a, sizeof a, err, sizeof err) == 0,
	    "a state is made (%s)", err);
	CHECK(strlen(a) == OAUTH_STATE_LEN && strspn(a, "0123456789abcdef") == OAUTH_STATE_LEN,
	    "64 lower-case hex digits");
	CHECK(oauth_state_create(dir, "kommo", cookie[0], b, sizeof b, err, sizeof err) == 0,
	    "a second one");
	CHECK(strcmp(a, b) != 0, "two states differ");
	CHECK(oauth_state_create(dir, "zoho", cookie[0], small, sizeof small, err, sizeof err) == -1,
	    "a buffer too small is refused");
	snprintf(path, sizeof path, "%s/%s.db", dir, STORE_STATES);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 077) == 0, "the states file is 0600");

	CHECK(TAKE(b, cookie, 1) == OAUTH_STATE_OK, "taken once");
	CHECK_STR(provider, "kommo", "with the provider it was made for");
	CHECK(TAKE(b, cookie, 1) == OAUTH_STATE_UNKNOWN, "not twice");
	CHECK(provider[0] == '\0', "no provider for an unknown state");
	CHECK(TAKE(NULL, cookie, 1) == OAUTH_STATE_UNKNOWN, "NULL state");
	CHECK(TAKE("abc", cookie, 1) == OAUTH_STATE_UNKNOWN, "short state");
	{
		char upper[OAUTH_STATE_LEN + 1];
		size_t i;
		for (i = 0; i < OAUTH_STATE_LEN; i++)
			upper[i] = a[i] >= 'a' ? (char)(a[i] - 32) : a[i];
		upper[OAUTH_STATE_LEN] = '\0';
		CHECK(strcmp(upper, a) == 0 || TAKE(upper, cookie, 1) == OAUTH_STATE_UNKNOWN,
		    "another spelling of a state is not that state");
	}

	set_expiry(dir, a, (long long)time(NULL) - 1);
	CHECK(TAKE(a, cookie, 1) == OAUTH_STATE_EXPIRED, "expired");
	CHECK(provider[0] == '\0', "no provider for an expired state");
	CHECK(TAKE(a, cookie, 1) == OAUTH_STATE_UNKNOWN,
	    "an expired state is used up too");

	CHECK(oauth_state_create(dir, "zoho", cookie[0], a, sizeof a, err, sizeof err) == 0, "made again");
	set_expiry(dir, a, (long long)time(NULL));
	CHECK(TAKE(a, cookie, 1) == OAUTH_STATE_EXPIRED,
	    "expired at its expiry second");

	CHECK(oauth_state_create(dir, "zoho", cookie[0], a, sizeof a, err, sizeof err) == 0,
	    "one to expire");
	set_expiry(dir, a, (long long)time(NULL) - 700);
	CHECK(oauth_state_create(dir, "zoho", cookie[0], b, sizeof b, err, sizeof err) == 0, "one more");
	CHECK(records(dir) == 1, "making one sweeps the expired (%d left)", records(dir));
	CHECK(TAKE(b, cookie, 1) == OAUTH_STATE_OK, "the live one stays");

	test_binding(dir);

	unlink(path);
	snprintf(path, sizeof path, "%s/%s.lock", dir, STORE_STATES);
	unlink(path);
	rmdir(dir);
	return CHECK_DONE();
}
