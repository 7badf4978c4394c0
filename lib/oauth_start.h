/*
 * oauth_start: the address that begins an authorization, with a fresh single-use
 * state: Zoho's consent page, or Kommo's. Shared by oauth-callback's start page and
 * `kzsctl authorize-url`.
 */
#ifndef KZS_OAUTH_START_H
#define KZS_OAUTH_START_H

#include <stddef.h>

#include "config.h"

/* What the product does in Zoho Sign: send from templates, read and download requests. */
#define OAUTH_ZOHO_SCOPES "ZohoSign.documents.ALL,ZohoSign.templates.ALL"

/*
 * provider is "zoho" or "kommo". 0 and a malloc'd URL in *url, or -1 with a reason
 * in err (a key the flow needs is not set, or the state cannot be stored).
 */
int oauth_start_url(const struct config *cfg, const char *provider, char **url, char *err,
    size_t errlen);

#endif
