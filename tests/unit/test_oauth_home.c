/*
 * Unit tests for lib/oauth_home.c, oauth-callback's start page, read as the admin reads
 * it: per provider what is shown as connected and what needs a person to connect again
 * ("Authorization needed"), which Connect buttons there are (a form POSTing the provider
 * and the CSRF token, "again" once a connection is stored) and why one cannot be shown,
 * and that every value from the state, a remote or the configuration is escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kommo_token.h"
#include "oauth_home.h"
#include "script.h"
#include "store.h"
#include "world.h"
#include "zoho_token.h"

#define CSRF "csrf-token-0123"
#define ZOHO_TOKEN_URL "https://accounts.zoho.eu/oauth/v2/token"
#define KOMMO_TOKEN_URL "https://acme.kommo.com/oauth2/access_token"
#define FORM(provider, csrf, label) \
	"<form method=\"post\" action=\"oauth-callback\"><input type=\"hidden\" name=\"provider\" " \
	"value=\"" provider "\"><input type=\"hidden\" name=\"csrf\" value=\"" csrf "\">" \
	"<button class=\"button\" type=\"submit\">" label "</button></form>"

static struct config cfg;

/* The page, cut in two: what it says about Zoho Sign, and about Kommo. */
struct home {
	char zoho[4096];
	char kommo[4096];
	int forms;  /* <form elements on the whole page */
	int status; /* the status follows */
};

static void
show(const char *csrf, struct home *h)
{
	struct page p;
	const char *html = oauth_home_page(&cfg, csrf, &p), *z, *k, *end, *at;

	memset(h, 0, sizeof *h);
	z = strstr(html, "<h2>Zoho Sign</h2>");
	k = strstr(html, "<h2>Kommo</h2>");
	end = strstr(html, "<p>A button starts a connection");
	if (z && k && end && z < k && k < end) {
		snprintf(h->zoho, sizeof h->zoho, "%.*s", (int)(k - z), z);
		snprintf(h->kommo, sizeof h->kommo, "%.*s", (int)(end - k), k);
	}
	for (at = html; (at = strstr(at, "<form")) != NULL; at++)
		h->forms++;
	h->status = end && strstr(end, "<div id=\"status\">") && strstr(end, "<section id=\"status-jobs\">");
	page_free(&p);
}

static void
set(char **slot, const char *value)
{
	free(*slot);
	*slot = value ? strdup(value) : NULL;
}

static void
test_zoho(void)
{
	struct home h;
	struct remote_result rr;
	char tok[256];

	show(CSRF, &h);
	CHECK(strstr(h.zoho, "Connected with the refresh token in [zoho] refresh_token, to Zoho Sign in the eu "
	    "data centre (accounts server accounts.zoho.eu).") != NULL,
	    "a refresh token in the configuration is shown as the connection");
	CHECK(strstr(h.zoho, FORM("zoho", CSRF, "Connect Zoho Sign")) != NULL,
	    "with a Connect Zoho Sign button that posts the provider and the token");
	CHECK(h.status, "the status follows the connections");

	set(&cfg.zoho.refresh_token, NULL);
	show(CSRF, &h);
	CHECK(strstr(h.zoho, "<p class=\"status\" id=\"zoho-status\">Authorization needed: not connected yet.</p>"),
	    "with none stored or configured, Zoho Sign needs connecting");
	CHECK(strstr(h.zoho, FORM("zoho", CSRF, "Connect Zoho Sign")) != NULL, "the button is there");

	world_zoho_connected(&cfg);
	show(CSRF, &h);
	CHECK(strstr(h.zoho, "Connected to Zoho Sign in the eu data centre (accounts server accounts.zoho.eu) since ") &&
	    strstr(h.zoho, "Authorization needed") == NULL, "a stored connection is shown with its date");
	CHECK(strstr(h.zoho, FORM("zoho", CSRF, "Connect Zoho Sign again")) != NULL,
	    "and the button says connect again");

	/* Zoho refuses the stored refresh token when the access token is renewed. */
	script_reset();
	script_answer("POST", ZOHO_TOKEN_URL, 200, "{\"error\":\"invalid_code\"}");
	zoho_token_get(&cfg, W_ZOHO_TOKEN, tok, sizeof tok, &rr); /* the cached one was rejected */
	CHECK(rr.outcome == REMOTE_AUTH && script_over(), "Zoho refused the refresh token (%s)", rr.message);
	show(CSRF, &h);
	CHECK(strstr(h.zoho, "id=\"zoho-status\">Authorization needed: ") && strstr(h.zoho, "invalid_code") &&
	    strstr(h.zoho, "Connected to") == NULL, "then the page says authorization is needed, and why");
	CHECK(strstr(h.zoho, FORM("zoho", CSRF, "Connect Zoho Sign again")) != NULL,
	    "with the button to connect again");

	show(NULL, &h);
	CHECK(strstr(h.zoho, "Cannot start: the configuration holds no secret to protect the form with; set "
	    "[admin] secret.") && h.forms == 0, "with no CSRF token there is no form, and the page says why");

	set(&cfg.zoho.client_secret, NULL);
	show(CSRF, &h);
	CHECK(strstr(h.zoho, "Cannot start: [zoho] client_id, client_secret and redirect_uri must be set to "
	    "connect Zoho Sign") && h.forms == 0, "without the Zoho client there is no Zoho button");
	set(&cfg.zoho.client_secret, "zoho-client-secret");
}

static void
test_kommo(void)
{
	struct home h;
	struct remote_result rr;
	char tok[256];

	show(CSRF, &h);
	CHECK(strstr(h.kommo, "Uses the long-lived token in [kommo] token, for the Kommo account acme") &&
	    h.forms == 1 && strstr(h.kommo, "class=\"connect\"") == NULL,
	    "with a long-lived token Kommo is shown as set up and has no button");

	set(&cfg.kommo.token, NULL);
	show(CSRF, &h);
	CHECK(strstr(h.kommo, "id=\"kommo-status\">Authorization needed: not connected yet.</p>") &&
	    strstr(h.kommo, FORM("kommo", CSRF, "Connect Kommo")) && h.forms == 2,
	    "through OAuth and not connected: authorization needed and a Connect Kommo button");

	script_reset();
	script_answer("POST", KOMMO_TOKEN_URL, 200, "{\"token_type\":\"Bearer\",\"expires_in\":86400,"
	    "\"access_token\":\"a1\",\"refresh_token\":\"r1\"}");
	kommo_token_exchange(&cfg, "code-1", &rr);
	CHECK(rr.outcome == REMOTE_OK && script_over(), "Kommo connected");
	show(CSRF, &h);
	CHECK(strstr(h.kommo, "Connected to the Kommo account acme (https://acme.kommo.com) since ") &&
	    strstr(h.kommo, FORM("kommo", CSRF, "Connect Kommo again")),
	    "then it is shown as connected, with a button to connect again");

	/* Kommo refuses the refresh token, in words of its own that must not become markup. */
	kommo_token_forget(&cfg, "a1");
	script_reset();
	script_answer("POST", KOMMO_TOKEN_URL, 400, "{\"hint\":\"Token <b>revoked</b> & \\\"gone\\\"\","
	    "\"title\":\"Bad Request\",\"status\":400,\"detail\":\"Incorrect data\"}");
	kommo_token_get(&cfg, tok, sizeof tok, &rr);
	CHECK(rr.outcome == REMOTE_AUTH && script_over(), "Kommo refused the refresh token (%s)", rr.message);
	show(CSRF, &h);
	CHECK(strstr(h.kommo, "id=\"kommo-status\">Authorization needed: ") &&
	    strstr(h.kommo, "Token &lt;b&gt;revoked&lt;/b&gt; &amp; &quot;gone&quot;") &&
	    strstr(h.kommo, "<b>") == NULL, "then authorization is needed, in Kommo's words escaped");
	CHECK(strstr(h.kommo, FORM("kommo", CSRF, "Connect Kommo again")) != NULL,
	    "with the button to connect again");

	set(&cfg.kommo.client_id, NULL);
	show(CSRF, &h);
	CHECK(strstr(h.kommo, "Not set up: set [kommo] token, or client_id, client_secret and redirect_uri.") &&
	    strstr(h.kommo, "class=\"connect\"") == NULL, "with neither a token nor a client: not set up, no button");
	set(&cfg.kommo.client_id, "kommo-client");
}

static void
test_escaping(void)
{
	struct home h;

	show("\"><script>x</script>", &h);
	CHECK(strstr(h.zoho, "name=\"csrf\" value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\"") &&
	    strstr(h.zoho, "<script>") == NULL, "the CSRF token is escaped inside its attribute");
	store_put1(cfg.state_dir, STORE_TOKENS, ZOHO_TOKEN_REFRESH,
	    "{\"refresh_token\":\"1000.r\",\"accounts_url\":\"https://accounts.zoho.eu\",\"sign_url\":"
	    "\"https://sign.zoho.eu\",\"dc\":\"<i>eu</i>\",\"connected_at\":\"1800000000\"}");
	show(CSRF, &h);
	CHECK(strstr(h.zoho, "in the &lt;i&gt;eu&lt;/i&gt; data centre") && strstr(h.zoho, "<i>") == NULL,
	    "a value from the tokens store is escaped");
}

int
main(void)
{
	if (world_open(&cfg) == -1)
		return 1;
	script_begin();
	test_zoho();
	test_kommo();
	test_escaping();
	script_end();
	world_close(&cfg);
	return CHECK_DONE();
}
