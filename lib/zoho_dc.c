/*
 * zoho_dc: the data centres Zoho Sign is offered in (tests/fakes/API.md, Zoho Accounts). The UK and China
 * have accounts hosts but no Sign host, so they are not here.
 */
#include "zoho_dc.h"

#include <stdio.h>
#include <string.h>

#include "http.h"

static const struct {
	const char *accounts, *sign, *dc;
} zoho_dcs[] = {
	{ "https://accounts.zoho.com", "https://sign.zoho.com/api/v1", "com" },
	{ "https://accounts.zoho.eu", "https://sign.zoho.eu/api/v1", "eu" },
	{ "https://accounts.zoho.in", "https://sign.zoho.in/api/v1", "in" },
	{ "https://accounts.zoho.com.au", "https://sign.zoho.com.au/api/v1", "com.au" },
	{ "https://accounts.zoho.jp", "https://sign.zoho.jp/api/v1", "jp" },
	{ "https://accounts.zoho.sa", "https://sign.zoho.sa/api/v1", "sa" },
	{ "https://accounts.zohocloud.ca", "https://sign.zohocloud.ca/api/v1", "ca" },
};

static void
set_dc(struct zoho_dc *out, const char *accounts, const char *sign, const char *dc)
{
	snprintf(out->accounts_url, sizeof out->accounts_url, "%s", accounts);
	snprintf(out->sign_url, sizeof out->sign_url, "%s", sign);
	snprintf(out->dc, sizeof out->dc, "%s", dc);
}

int
zoho_dc_lookup(const char *accounts_server, const struct config *cfg, struct zoho_dc *out)
{
	const char *own = cfg->zoho.accounts_url;
	size_t i;

	memset(out, 0, sizeof *out);
	if (accounts_server == NULL)
		return -1;
	for (i = 0; i < sizeof zoho_dcs / sizeof zoho_dcs[0]; i++) {
		if (strcmp(accounts_server, zoho_dcs[i].accounts) == 0) {
			set_dc(out, zoho_dcs[i].accounts, zoho_dcs[i].sign, zoho_dcs[i].dc);
			return 0;
		}
	}
	/* A test server on this machine stands in for Zoho only when configured as such. */
	if (own != NULL && strncmp(own, "http://", 7) == 0 && http_url_allowed(own) &&
	    strcmp(accounts_server, own) == 0 && cfg->zoho.sign_url != NULL) {
		set_dc(out, own, cfg->zoho.sign_url, cfg->zoho.dc ? cfg->zoho.dc : "");
		return 0;
	}
	return -1;
}

const char *
zoho_dc_host(const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;

	return p ? p + 3 : (url ? url : "");
}
