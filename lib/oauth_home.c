/*
 * oauth_home: showing the page makes nothing: each button is a form that POSTs the
 * provider and the CSRF token, and the state is made only then, so the page itself
 * never needs to carry the admin secret onward. Below the buttons, the status (status.c).
 */
#include "oauth_home.h"

#include <time.h>

#include "kommo_token.h"
#include "oauth_start.h"
#include "status.h"

static void
button(const struct config *cfg, struct page *p, const char *csrf, const char *provider,
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
show_zoho(const struct config *cfg, const char *csrf, struct page *p)
{
	char line[512];
	int stored = status_zoho_connection(cfg, line, sizeof line);

	page_markup(p, "<h2>Zoho Sign</h2>\n<p class=\"status\" id=\"zoho-status\">");
	page_text(p, "%s", line);
	page_markup(p, "</p>\n");
	button(cfg, p, csrf, "zoho", stored ? "Connect Zoho Sign again" : "Connect Zoho Sign");
}

static void
show_kommo(const struct config *cfg, const char *csrf, struct page *p)
{
	char line[512];
	int stored = status_kommo_connection(cfg, line, sizeof line);

	page_markup(p, "<h2>Kommo</h2>\n<p class=\"status\" id=\"kommo-status\">");
	page_text(p, "%s", line);
	page_markup(p, "</p>\n");
	if (kommo_token_oauth(cfg))
		button(cfg, p, csrf, "kommo", stored ? "Connect Kommo again" : "Connect Kommo");
}

const char *
oauth_home_page(const struct config *cfg, const char *csrf, struct page *p)
{
	page_begin(p, "Connections and status");
	show_zoho(cfg, csrf, p);
	show_kommo(cfg, csrf, p);
	page_markup(p, "<p>");
	page_text(p, "A button starts a connection that only this browser can finish (a cookie "
	    "ties them), within 10 minutes. Connecting again replaces the stored authorization.");
	page_markup(p, "</p>\n");
	status_page(cfg, (long long)time(NULL), p);
	return page_end(p);
}
