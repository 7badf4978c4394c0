/*
 * oauth-callback: connects Zoho Sign (and Kommo, when it is reached through OAuth) in
 * a browser, once. GET without a code is the admin's start page (?secret=<[admin]
 * secret>, or the web server's own login): what is connected, and a Connect form per
 * provider. Its POST (with the form's CSRF token) starts a flow: the browser gets a flow
 * cookie and goes to the consent page; GET ?start=<code> (from `kzsctl authorize-url`)
 * does the same once. GET with a code or an error is where Zoho or Kommo send the
 * browser back, accepted only with the flow cookie of that browser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "drain.h"
#include "log.h"
#include "oauth_cookie.h"
#include "oauth_csrf.h"
#include "oauth_finish.h"
#include "oauth_home.h"
#include "oauth_query.h"
#include "oauth_start.h"
#include "oauth_state.h"
#include "page.h"
#include "program.h"
#include "str.h"
#include "web.h"

#define OAUTH_CALLBACK_MAX_BODY 4096 /* the Connect form's POST: a provider and a token */
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
oauth_callback_not_admin(const struct config *cfg, struct web_request *req)
{
	oauth_callback_page(req, 401, NULL, "Not allowed", str_empty(cfg->admin.secret) ?
	    "Set [admin] secret in the configuration, or protect this address with the web "
	    "server's own login." :
	    "Open this page with ?secret= and the [admin] secret from the configuration.");
}

/* The request came over HTTPS (the web server says so): cookies get Secure. */
static int
oauth_callback_https(const struct web_request *req)
{
	const char *https = web_getenv(req, "HTTPS"), *scheme = web_getenv(req, "REQUEST_SCHEME");

	return (!str_empty(https) && strcasecmp(https, "off") != 0) ||
	    (scheme != NULL && strcasecmp(scheme, "https") == 0);
}

/* A Set-Cookie line for this program's own path; NULL when out of memory. */
static char *
oauth_callback_cookie(const struct web_request *req, const char *name, const char *value,
    int max_age)
{
	return oauth_cookie_line(name, value, web_getenv(req, "SCRIPT_NAME"), max_age,
	    oauth_callback_https(req));
}

/*
 * Starts provider's flow in this browser: a fresh flow cookie, a state bound to it, and
 * a redirect to the consent page that sets the cookie.
 */
static void
oauth_callback_begin(const struct config *cfg, struct web_request *req, const char *provider)
{
	char err[256], flow[OAUTH_COOKIE_VALUE_LEN + 1], name[32], *url = NULL, *cookie = NULL;
	char *headers = NULL;
	struct page p;

	snprintf(name, sizeof name, OAUTH_COOKIE_FLOW_PREFIX "%s", provider);
	if (oauth_cookie_random(flow, sizeof flow) == -1) {
		oauth_callback_page(req, 503, NULL, "Cannot start", "no random numbers available");
		return;
	}
	if (oauth_start_url(cfg, provider, flow, &url, err, sizeof err) == -1) {
		oauth_callback_page(req, 400, NULL, "Cannot start", err);
		return;
	}
	if ((cookie = oauth_callback_cookie(req, name, flow, OAUTH_STATE_SECONDS)) != NULL)
		headers = str_fmt("%sLocation: %s\r\n", cookie, url);
	if (headers == NULL) {
		oauth_callback_page(req, 503, NULL, "Cannot start", "out of memory");
	} else {
		log_info("%s connection started in a browser", provider);
		page_begin(&p, "Redirecting");
		page_link(&p, url, "Continue");
		oauth_callback_send(req, 302, headers, page_end(&p));
		page_free(&p);
	}
	free(headers);
	free(cookie);
	free(url);
}

/* GET ?start=<code>: the address `kzsctl authorize-url` printed, good once. */
static void
oauth_callback_start_code(const struct config *cfg, struct web_request *req, const char *code)
{
	char provider[16];

	switch (oauth_state_take_start(cfg->state_dir, code, provider, sizeof provider)) {
	case OAUTH_STATE_OK:
		oauth_callback_begin(cfg, req, provider);
		break;
	case OAUTH_STATE_EXPIRED:
		oauth_callback_page(req, 400, NULL, "Start address expired", "More than 10 minutes "
		    "passed since kzsctl authorize-url printed this address. Nothing was started. Run "
		    "it again and open the new address in the browser you approve the access with.");
		break;
	case OAUTH_STATE_ERROR:
		oauth_callback_page(req, 503, NULL, "State unreadable", "The state directory could "
		    "not be read; see the error log. Nothing was started.");
		break;
	default:
		oauth_callback_page(req, 400, NULL, "Unknown or used start address", "This address "
		    "does not come from kzsctl authorize-url, or it was already opened once. Nothing "
		    "was started. Run kzsctl authorize-url again and open the new address once, in "
		    "the browser you approve the access with.");
	}
}

/* The start page; a browser without a CSRF cookie gets one (nothing is stored). */
static void
oauth_callback_home(const struct config *cfg, struct web_request *req)
{
	char values[1][OAUTH_COOKIE_VALUE_LEN + 1], csrf[OAUTH_CSRF_LEN + 1], *set = NULL;
	const char *cookie_header = web_getenv(req, "HTTP_COOKIE");
	int have_csrf;
	struct page p;

	values[0][0] = '\0';
	if (oauth_cookie_values(cookie_header, OAUTH_COOKIE_CSRF, values, 1) == 0 &&
	    oauth_cookie_random(values[0], sizeof values[0]) == 0)
		set = oauth_callback_cookie(req, OAUTH_COOKIE_CSRF, values[0], -1);
	have_csrf = oauth_csrf_token(cfg, values[0], web_getenv(req, "REMOTE_USER"), csrf,
	    sizeof csrf) == 0;
	oauth_callback_send(req, 200, set, oauth_home_page(cfg, have_csrf ? csrf : NULL, &p));
	page_free(&p);
	free(set);
}

static void
oauth_callback_get(const struct config *cfg, struct web_request *req)
{
	struct oauth_query q;
	struct oauth_finish_outcome out;
	char err[256];

	if (oauth_query_parse(req->query, strlen(req->query), &q, err, sizeof err) == -1) {
		oauth_callback_page(req, 400, NULL, "Bad request", err);
		return;
	}
	if (q.start != NULL) {
		oauth_callback_start_code(cfg, req, q.start);
	} else if (q.is_callback) {
		oauth_finish(cfg, &q, web_getenv(req, "HTTP_COOKIE"), &out);
		oauth_callback_page(req, out.status, out.headers, out.title, out.text);
	} else if (q.provider != NULL) {
		oauth_callback_page(req, 405, "Allow: POST\r\n", "Not started", "A connection starts "
		    "only with the Connect button on the start page (a form), not with a link. "
		    "Nothing was started.");
	} else if (!oauth_callback_admin(cfg, req, &q)) {
		oauth_callback_not_admin(cfg, req);
	} else {
		oauth_callback_home(cfg, req);
	}
	oauth_query_free(&q);
}

/* The start page's Connect form: the CSRF token must fit this browser's cookie. */
static void
oauth_callback_post(const struct config *cfg, struct web_request *req)
{
	char values[1][OAUTH_COOKIE_VALUE_LEN + 1], err[256];
	const char *user = web_getenv(req, "REMOTE_USER");
	struct oauth_query q;

	if (req->body_too_large) {
		oauth_callback_page(req, 413, NULL, "Bad request", "the form is larger than 4 KiB");
		return;
	}
	if (!web_content_type_is(req, "application/x-www-form-urlencoded")) {
		oauth_callback_page(req, 415, NULL, "Bad request",
		    "expected Content-Type application/x-www-form-urlencoded");
		return;
	}
	if (oauth_query_parse(req->body, req->body_len, &q, err, sizeof err) == -1) {
		oauth_callback_page(req, 400, NULL, "Bad request", err);
		return;
	}
	if (q.provider == NULL) {
		oauth_callback_page(req, 400, NULL, "Bad request", "provider is missing");
	} else if (str_empty(cfg->admin.secret) && str_empty(user)) {
		oauth_callback_not_admin(cfg, req);
	} else if (oauth_cookie_values(web_getenv(req, "HTTP_COOKIE"), OAUTH_COOKIE_CSRF, values,
	    1) == 0 || !oauth_csrf_valid(cfg, values[0], user, q.csrf)) {
		oauth_callback_page(req, 403, NULL, "Not from the start page", "The form was not sent "
		    "from this site's start page in this browser (its token or cookie is missing or "
		    "wrong). Nothing was started. Open the start page and press the button there.");
	} else {
		oauth_callback_begin(cfg, req, q.provider);
	}
	oauth_query_free(&q);
}

static void
oauth_callback_handle(struct web_request *req, void *arg)
{
	struct config *cfg = arg;

	if (program_request_begin(cfg, req) == -1)
		return;
	if (strcmp(req->method, "GET") == 0) {
		oauth_callback_get(cfg, req);
	} else if (strcmp(req->method, "POST") == 0) {
		oauth_callback_post(cfg, req);
	} else {
		log_warn("refused 405: only GET and POST are accepted");
		web_respond_with(req, 405, NULL, "Allow: GET, POST\r\n", "only GET and POST are accepted\n");
	}
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
