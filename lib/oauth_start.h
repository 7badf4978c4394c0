/*
 * oauth_start: the address that begins an authorization, with a fresh single-use
 * state bound to one browser: Zoho's consent page, or Kommo's; and the one-time start
 * address `kzsctl authorize-url` prints.
 */
#ifndef KZS_OAUTH_START_H
#define KZS_OAUTH_START_H

#include <stddef.h>

#include "config.h"

/* What the product does in Zoho Sign: send from templates, read and download requests. */
#define OAUTH_START_ZOHO_SCOPES "ZohoSign.documents.ALL,ZohoSign.templates.ALL"

/* 0 when the configuration has what provider's flow needs ("zoho" or "kommo"); else -1, err. */
int oauth_start_ready(const struct config *cfg, const char *provider, char *err, size_t errlen);

/*
 * The consent page's address for provider, with a fresh state bound to cookie (the flow
 * cookie just given to the browser). 0 and a malloc'd URL in *url, or -1 with a reason
 * in err (a key the flow needs is not set, or the state cannot be stored).
 */
int oauth_start_url(const struct config *cfg, const char *provider, const char *cookie, char **url,
    char *err, size_t errlen);

/*
 * For `kzsctl authorize-url`: oauth-callback's own address (the provider's redirect_uri)
 * with ?start= and a fresh single-use start code. Opened in a browser, it gives that
 * browser the flow cookie and sends it on to the consent page.
 */
int oauth_start_code_url(const struct config *cfg, const char *provider, char **url, char *err,
    size_t errlen);

#endif
