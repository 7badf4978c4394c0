/*
 * zoho_dc: Zoho's data centres, each accounts host with its Sign API host. The table is
 * the allow-list for the accounts-server a callback names: our token request goes only
 * to a host in it, never to one taken from the browser (an SSRF guard).
 */
#ifndef KZS_ZOHO_DC_H
#define KZS_ZOHO_DC_H

#include "config.h"

struct zoho_dc {
	char accounts_url[256]; /* https://accounts.zoho.eu */
	char sign_url[256];     /* https://sign.zoho.eu/api/v1 */
	char dc[16];            /* eu, as [zoho] dc spells it */
};

/*
 * 0 and *out when accounts_server is exactly one of Zoho's accounts hosts
 * (https://accounts.zoho.com .eu .in .com.au .jp .sa, https://accounts.zohocloud.ca),
 * or the configured [zoho] accounts_url when that is plain http:// to loopback (tests
 * and the sandbox; its Sign host is then the configured sign_url). -1 otherwise.
 */
int zoho_dc_lookup(const char *accounts_server, const struct config *cfg, struct zoho_dc *out);

/* "accounts.zoho.eu" for display: url without its scheme. */
const char *zoho_dc_host(const char *url);

#endif
