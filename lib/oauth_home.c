/*
 * oauth_home: showing the page makes nothing: each button is a form that POSTs the
 * provider and the CSRF token, and the state is made only then, so the page itself
 * never needs to carry the admin secret onward.
 */
#include "oauth_home.h"

#include <time.h>

#include "kommo_token.h"
#include "oauth_start.h"
#include "zoho_dc.h"
#include "zoho_token.h"

static void
oauth_home_since(char *buf, size_t len, long long at)
{
	time_t t = (time_t)at;
	struct tm tm;

	buf[0] = '\0';
	if (at > 0 && gmtime_r(&t, &tm) != NULL)
		strftime(buf, len, " since %Y-%m-%d %H:%M UTC", &tm);
}

static void
oauth_home_button(const struct config *cfg, struct page *p, const char *csrf, const char *provider,
    const char *label)
{
	const char *hidden[] = { "provider", provider, "csrf", csrf, NULL };
	char err[256];

	page_markup(p, "<div class=\"connect\">");
	if (oauth_start_ready(cfg, provider, err, sizeof err) == -1)
		page_text(p, "Cannot start: %s", err);
	else if (csrf == NULL)
		page_text(p, "Cannot start: the configuration holds no secret to protect the form "
		    "with; set [admin] secret.");
	else
		page_form(p, "oauth-callback", hidden, label);
	page_markup(p, "</div>\n");
}

static void
oauth_home_zoho(const struct config *cfg, const char *csrf, struct page *p)
{
	struct zoho_token_status st;
	char since[48];

	zoho_token_status(cfg, &st);
	oauth_home_since(since, sizeof since, st.connected_at);
	page_markup(p, "<h2>Zoho Sign</h2>\n<p class=\"status\" id=\"zoho-status\">");
	if (st.auth_needed[0] != '\0')
		page_text(p, "Authorization needed: %s.", st.auth_needed);
	else if (st.stored)
		page_text(p, "Connected to %s / %s%s.", zoho_dc_host(st.accounts_url), st.dc, since);
	else if (st.configured)
		page_text(p, "Connected with the refresh token in [zoho] refresh_token (%s / %s).",
		    zoho_dc_host(cfg->zoho.accounts_url), cfg->zoho.dc);
	else
		page_text(p, "Authorization needed: not connected yet.");
	page_markup(p, "</p>\n");
	oauth_home_button(cfg, p, csrf, "zoho",
	    st.stored ? "Connect Zoho Sign again" : "Connect Zoho Sign");
}

static void
oauth_home_kommo(const struct config *cfg, const char *csrf, struct page *p)
{
	struct kommo_token_status st;
	char since[48];

	kommo_token_status(cfg, &st);
	oauth_home_since(since, sizeof since, st.connected_at);
	page_markup(p, "<h2>Kommo</h2>\n<p class=\"status\" id=\"kommo-status\">");
	if (!st.oauth) {
		page_text(p, "%s", cfg->kommo.token ? "Uses the long-lived token in [kommo] token." :
		    "Not set up: set [kommo] token, or client_id, client_secret and redirect_uri.");
		page_markup(p, "</p>\n");
		return;
	}
	if (st.auth_needed[0] != '\0')
		page_text(p, "Authorization needed: %s.", st.auth_needed);
	else if (st.stored)
		page_text(p, "Connected to %s%s.", cfg->kommo.base_url, since);
	else
		page_text(p, "Authorization needed: not connected yet.");
	page_markup(p, "</p>\n");
	oauth_home_button(cfg, p, csrf, "kommo", st.stored ? "Connect Kommo again" : "Connect Kommo");
}

const char *
oauth_home_page(const struct config *cfg, const char *csrf, struct page *p)
{
	page_begin(p, "Connections");
	oauth_home_zoho(cfg, csrf, p);
	oauth_home_kommo(cfg, csrf, p);
	page_markup(p, "<p>");
	page_text(p, "A button starts a connection that only this browser can finish (a cookie "
	    "ties them), within 10 minutes. Connecting again replaces the stored authorization.");
	page_markup(p, "</p>\n");
	return page_end(p);
}
