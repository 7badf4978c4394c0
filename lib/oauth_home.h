/*
 * oauth_home: oauth-callback's start page: what Zoho Sign and Kommo are connected
 * with, a button for each provider that begins its authorization (a POST), and the
 * status: webhooks, queue, requests in flight, outcomes, errors.
 */
#ifndef KZS_OAUTH_HOME_H
#define KZS_OAUTH_HOME_H

#include "config.h"
#include "page.h"

/*
 * Writes the whole page into p (begun and ended here) and returns its text. csrf is the
 * token the Connect forms carry (oauth_csrf), or NULL when none can be made.
 */
const char *oauth_home_page(const struct config *cfg, const char *csrf, struct page *p);

#endif
