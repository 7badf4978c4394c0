/*
 * oauth-callback: connects Zoho Sign (and Kommo, when it is reached through OAuth) in
 * a browser, once. Without a code it is the admin's start page (?secret=<[admin]
 * secret>, or the web server's own login): what is connected, and a button per
 * provider; ?provider=zoho|kommo goes straight to that provider's consent page. With a
 * code or an error it is where Zoho or Kommo send the browser back. GET only.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "drain.h"
#include "log.h"
#include "oauth_finish.h"
#include "oauth_home.h"
#include "oauth_query.h"
#include "oauth_start.h"
#include "page.h"
#include "program.h"
#include "str.h"
#include "web.h"

#define OAUTH_CALLBACK_MAX_BODY 4096 /* GET only: any body is ignored */
#define HTML "text/html; charset=utf-8"
/* The pages need nothing from elsewhere and must not be framed by another site. */
#define PAGE_HEADERS "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; " \
	"frame-ancestors 'none'\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n"

/* Sends a page with PAGE_HEADERS and the extra header lines (NULL: none). */
static void
oauth_callback_send(struct web_request *req, int status, const char *headers, const char *html)
{
	char *all = str_fmt("%s%s", PAGE_HEADERS, headers ? headers : "");

	web_respond_with(req, status, HTML, all ? all : PAGE_HEADERS, html);
	free(all);
}

/* A page of a title and one paragraph; refusals are logged with their reason. */
static void
oauth_callback_page(struct web_request *req, int status, const char *headers, const char *title,
    const char *text)
{
	struct page p;

	if (status >= 400)
		log_warn("refused %d: %s: %s", status, title, text);
	page_begin(&p, title);
	page_markup(&p, "<p id=\"message\">");
	page_text(&p, "%s", text);
	page_markup(&p, "</p>");
	oauth_callback_send(req, status, headers, page_end(&p));
	page_free(&p);
}

/* [admin] secret when set; else the web server's own login must have let the user in. */
static int
oauth_callback_admin(const struct config *cfg, const struct web_request *req,
    const struct oauth_query *q)
{
	const char *user;

	if (!str_empty(cfg->admin.secret))
		return str_secret_equal(q->secret, cfg->admin.secret);
	user = web_getenv(req, "REMOTE_USER");
	return !str_empty(user);
}

static void
oauth_callback_connect(const struct config *cfg, struct web_request *req, const char *provider)
{
	char err[256], *url = NULL, *location;

	if (oauth_start_url(cfg, provider, &url, err, sizeof err) == -1) {
		oauth_callback_page(req, 400, NULL, "Cannot start", err);
		return;
	}
	if ((location = str_fmt("Location: %s\r\n", url)) == NULL) {
		oauth_callback_page(req, 503, NULL, "Cannot start", "out of memory");
	} else {
		struct page p;

		page_begin(&p, "Redirecting");
		page_link(&p, url, "Continue");
		oauth_callback_send(req, 302, location, page_end(&p));
		page_free(&p);
	}
	free(location);
	free(url);
}

static void
oauth_callback_handle(struct web_request *req, void *arg)
{
	struct config *cfg = arg;
	struct oauth_query q;
	struct oauth_outcome out;
	struct page p;
	char err[256];

	if (program_request_begin(cfg, req) == -1)
		return;
	if (strcmp(req->method, "GET") != 0) {
		log_warn("refused 405: only GET is accepted");
		web_respond_with(req, 405, NULL, "Allow: GET\r\n", "only GET is accepted\n");
		return;
	}
	if (oauth_query_parse(req->query, strlen(req->query), &q, err, sizeof err) == -1) {
		oauth_callback_page(req, 400, NULL, "Bad request", err);
		return;
	}
	if (q.is_callback) {
		oauth_finish(cfg, &q, &out);
		oauth_callback_page(req, out.status, out.headers, out.title, out.text);
	} else if (!oauth_callback_admin(cfg, req, &q)) {
		oauth_callback_page(req, 401, NULL, "Not allowed", str_empty(cfg->admin.secret) ?
		    "Set [admin] secret in the configuration, or protect this address with the web "
		    "server's own login." :
		    "Open this page with ?secret= and the [admin] secret from the configuration.");
	} else if (q.provider != NULL) {
		oauth_callback_connect(cfg, req, q.provider);
	} else {
		oauth_callback_send(req, 200, NULL, oauth_home_page(cfg, &p));
		page_free(&p);
	}
	oauth_query_free(&q);
}

int
main(void)
{
	struct config cfg;
	int rc;

	if (program_start("oauth-callback", CONFIG_NEED_OAUTH, &cfg) == -1)
		return 1;
	rc = web_serve(OAUTH_CALLBACK_MAX_BODY, oauth_callback_handle, drain_after_answer, &cfg);
	config_free(&cfg);
	return rc == 0 ? 0 : 1;
}
