/*
 * Unit tests for lib/oauth_cookie.c and lib/oauth_csrf.c: cookies are read only when
 * well formed, written HttpOnly and SameSite=Lax (Secure when asked), and a CSRF token
 * fits only its cookie, its user and the configured secrets.
 */
#include "check.h"
#include "config.h"
#include "oauth_cookie.h"
#include "oauth_csrf.h"

#include <stdlib.h>
#include <string.h>

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HEX64B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static void
test_values(void)
{
	char v[4][OAUTH_COOKIE_VALUE_LEN + 1];

	CHECK(oauth_cookie_values(NULL, "kzs_csrf", v, 4) == 0, "no header, no value");
	CHECK(oauth_cookie_values("kzs_csrf=" HEX64, "kzs_csrf", v, 4) == 1, "one cookie");
	CHECK_STR(v[0], HEX64, "its value");
	CHECK(oauth_cookie_values("a=b; kzs_csrf=" HEX64B ";kzs_csrf=" HEX64 " ; x=1", "kzs_csrf", v,
	    4) == 2, "both of two same-named cookies, among others");
	CHECK_STR(v[0], HEX64B, "the first first");
	CHECK_STR(v[1], HEX64, "then the second");
	CHECK(oauth_cookie_values("kzs_csrf=" HEX64 "0", "kzs_csrf", v, 4) == 0, "too long: not ours");
	CHECK(oauth_cookie_values("kzs_csrf=ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789", "kzs_csrf", v, 4) == 0, "upper case: not ours");
	CHECK(oauth_cookie_values("xkzs_csrf=" HEX64 "; kzs_csr=" HEX64, "kzs_csrf", v, 4) == 0,
	    "other names do not count");
	CHECK(oauth_cookie_values("kzs_csrf=" HEX64 "; kzs_csrf=" HEX64, "kzs_csrf", v, 1) == 1,
	    "no more than asked for");
}

static void
test_line(void)
{
	char *line = oauth_cookie_line("kzs_flow_zoho", HEX64, "/cgi-bin/oauth-callback", 600, 0);

	CHECK_STR(line, "Set-Cookie: kzs_flow_zoho=" HEX64 "; Path=/cgi-bin/oauth-callback; "
	    "Max-Age=600; HttpOnly; SameSite=Lax\r\n", "flow cookie over HTTP");
	free(line);
	line = oauth_cookie_line("kzs_csrf", HEX64, "/x\r\nSet-Cookie: y=1", -1, 1);
	CHECK_STR(line, "Set-Cookie: kzs_csrf=" HEX64 "; HttpOnly; SameSite=Lax; Secure\r\n",
	    "a session cookie, Secure over HTTPS; a path that is not plain is left out");
	free(line);
	CHECK(oauth_cookie_random(NULL, 0) == -1, "no room, no value");
}

static void
test_csrf(void)
{
	struct config cfg;
	char a[OAUTH_CSRF_LEN + 1], b[OAUTH_CSRF_LEN + 1];
	char secret[] = "s3cret", other[] = "other", client_secret[] = "zs";

	memset(&cfg, 0, sizeof cfg);
	CHECK(oauth_csrf_token(&cfg, HEX64, NULL, a, sizeof a) == -1, "no secret configured: no token");
	cfg.admin.secret = secret;
	CHECK(oauth_csrf_token(&cfg, HEX64, NULL, a, sizeof a) == 0 && strlen(a) == OAUTH_CSRF_LEN,
	    "a token of 64 hex digits");
	CHECK(oauth_csrf_valid(&cfg, HEX64, NULL, a), "valid with its cookie");
	CHECK(oauth_csrf_valid(&cfg, HEX64, "", a), "no user is the same as an empty one");
	CHECK(!oauth_csrf_valid(&cfg, HEX64B, NULL, a), "not with another cookie");
	CHECK(!oauth_csrf_valid(&cfg, HEX64, "mallory", a), "not for another user");
	CHECK(!oauth_csrf_valid(&cfg, HEX64, NULL, NULL), "no token");
	CHECK(!oauth_csrf_valid(&cfg, HEX64, NULL, ""), "empty token");
	CHECK(!oauth_csrf_valid(&cfg, "", NULL, a), "no cookie");
	CHECK(!oauth_csrf_valid(&cfg, HEX64, NULL, HEX64), "the cookie itself is no token");
	cfg.admin.secret = other;
	CHECK(!oauth_csrf_valid(&cfg, HEX64, NULL, a), "not after the secret changed");
	cfg.admin.secret = NULL;
	cfg.zoho.client_secret = client_secret;
	CHECK(oauth_csrf_token(&cfg, HEX64, "admin", b, sizeof b) == 0, "keyed by another secret "
	    "when [admin] secret is empty (the web server's login)");
	CHECK(oauth_csrf_valid(&cfg, HEX64, "admin", b) && !oauth_csrf_valid(&cfg, HEX64, "eve", b),
	    "bound to the logged-in user");
}

int
main(void)
{
	test_values();
	test_line();
	test_csrf();
	return CHECK_DONE();
}
