/*
 * Unit tests for lib/zoho_dc.c: the allow-list of Zoho accounts hosts that a callback's
 * accounts-server must match, each with its Sign host, and the loopback test server.
 */
#include "check.h"
#include "zoho_dc.h"

#include <stdio.h>
#include <string.h>

/* Every data centre [zoho] dc accepts: its accounts host is allowed, with the Sign host
 * the config derives for that dc (two sources that must agree). */
static void
test_known_hosts(void)
{
	static const char *const dcs[] = { "com", "eu", "in", "com.au", "jp", "sa", "ca" };
	struct config cfg, empty;
	struct zoho_dc dc;
	char text[64], err[256];
	size_t i;

	memset(&empty, 0, sizeof empty);
	for (i = 0; i < sizeof dcs / sizeof dcs[0]; i++) {
		snprintf(text, sizeof text, "[zoho]\ndc = %s\n", dcs[i]);
		if (config_parse(text, strlen(text), "t.conf", &cfg, NULL, NULL, err, sizeof err) == -1) {
			CHECK(0, "dc %s parses (%s)", dcs[i], err);
			continue;
		}
		CHECK(zoho_dc_lookup(cfg.zoho.accounts_url, &empty, &dc) == 0, "%s is allowed", cfg.zoho.accounts_url);
		CHECK_STR(dc.accounts_url, cfg.zoho.accounts_url, "%s: accounts url", dcs[i]);
		CHECK_STR(dc.sign_url, cfg.zoho.sign_url, "%s: its Sign host", dcs[i]);
		CHECK_STR(dc.dc, dcs[i], "%s: data centre name", dcs[i]);
		config_free(&cfg);
	}
	CHECK(zoho_dc_lookup("https://accounts.zohocloud.ca", &empty, &dc) == 0 &&
	    strcmp(dc.sign_url, "https://sign.zohocloud.ca/api/v1") == 0, "Canada is zohocloud.ca for both");
	CHECK_STR(zoho_dc_host("https://accounts.zoho.eu"), "accounts.zoho.eu", "host for display");
	CHECK_STR(zoho_dc_host("plain"), "plain", "a value without scheme is shown as it is");
}

static void
test_refused_hosts(void)
{
	static const char *const refused[] = {
		"https://evil.example", "https://accounts.zoho.eu.evil.example", "https://accounts.zoho.eu/",
		"https://accounts.zoho.eu:8443", "https://user@accounts.zoho.eu", "http://accounts.zoho.eu",
		"https://ACCOUNTS.ZOHO.EU", "https://accounts.zoho.uk", "https://accounts.zoho.com.cn",
		"https://accounts.zoho.eu/oauth/v2/token?x=", "accounts.zoho.eu", "", " https://accounts.zoho.eu",
		"http://127.0.0.1:9", "http://localhost", "https://127.0.0.1",
	};
	struct config cfg;
	struct zoho_dc dc;
	size_t i;

	memset(&cfg, 0, sizeof cfg);
	for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		CHECK(zoho_dc_lookup(refused[i], &cfg, &dc) == -1, "\"%s\" is refused", refused[i]);
		CHECK(dc.accounts_url[0] == '\0' && dc.sign_url[0] == '\0', "\"%s\": nothing filled", refused[i]);
	}
	CHECK(zoho_dc_lookup(NULL, &cfg, &dc) == -1, "NULL is refused");
}

static void
test_loopback(void)
{
	char accounts[] = "http://127.0.0.1:20001", sign[] = "http://127.0.0.1:20002/api/v1", eu[] = "eu";
	char remote[] = "https://accounts.example.test";
	struct config cfg;
	struct zoho_dc dc;

	memset(&cfg, 0, sizeof cfg);
	cfg.zoho.accounts_url = accounts;
	cfg.zoho.sign_url = sign;
	cfg.zoho.dc = eu;
	CHECK(zoho_dc_lookup("http://127.0.0.1:20001", &cfg, &dc) == 0,
	    "the configured loopback accounts_url is allowed");
	CHECK_STR(dc.sign_url, sign, "its Sign host is the configured sign_url");
	CHECK_STR(dc.dc, "eu", "and the configured dc");
	CHECK(zoho_dc_lookup("http://127.0.0.1:20003", &cfg, &dc) == -1, "another loopback port is refused");
	CHECK(zoho_dc_lookup("http://127.0.0.1:20001/", &cfg, &dc) == -1, "not exactly the configured URL");
	CHECK(zoho_dc_lookup("https://accounts.zoho.com", &cfg, &dc) == 0, "Zoho's own hosts stay allowed");

	cfg.zoho.accounts_url = remote;
	CHECK(zoho_dc_lookup("https://accounts.example.test", &cfg, &dc) == -1,
	    "a configured accounts_url that is not loopback is not an exception");
}

int
main(void)
{
	test_known_hosts();
	test_refused_hosts();
	test_loopback();
	return CHECK_DONE();
}
