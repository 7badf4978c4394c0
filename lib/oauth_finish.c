/*
 * oauth_finish: every refusal says what happened and what to do next; none shows a
 * code, a token or a secret. A callback without the flow cookie leaves the state for
 * the browser that has it. Values from the query are shown only through
 * msg_printable, and the page escapes them again.
 */
#include "oauth_finish.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jfield.h"
#include "kommo_token.h"
#include "log.h"
#include "msg.h"
#include "oauth_cookie.h"
#include "oauth_state.h"
#include "outbox.h"
#include "zoho_accounts.h"
#include "zoho_dc.h"
#include "zoho_token.h"

#define START_AGAIN "Open the start page (oauth-callback?secret=...) and connect again."

static void
say(struct oauth_finish_outcome *out, int status, const char *title, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
say(struct oauth_finish_outcome *out, int status, const char *title, const char *fmt, ...)
{
	va_list ap;

	out->status = status;
	out->title = title;
	va_start(ap, fmt);
	vsnprintf(out->text, sizeof out->text, fmt, ap);
	va_end(ap);
}

/* Queued work that waited for the authorization can go now. */
static void
wake_jobs(const struct config *cfg)
{
	int n = outbox_make_all_due(cfg->state_dir, (long long)time(NULL));

	if (n > 0)
		log_info("%d queued job(s) made due now", n);
}

static void
finish_zoho(const struct config *cfg, const struct oauth_query *q, struct oauth_finish_outcome *out)
{
	const char *server = q->accounts_server ? q->accounts_server : cfg->zoho.accounts_url;
	const char *params[] = {
		"grant_type", "authorization_code", "client_id", cfg->zoho.client_id,
		"client_secret", cfg->zoho.client_secret, "redirect_uri", cfg->zoho.redirect_uri,
		"code", q->code, NULL,
	};
	struct remote_result rr;
	struct zoho_dc dc;
	json_object *answer = NULL;
	char shown[84], err[256];
	const char *refresh;

	if (zoho_dc_lookup(server, cfg, &dc) == -1) {
		say(out, 400, "Unknown Zoho server",
		    "The address names %s as the Zoho accounts server, which is not one of Zoho's. "
		    "Nothing was sent there and nothing was stored. " START_AGAIN,
		    msg_printable(server, strlen(server), 80, shown, sizeof shown));
		return;
	}
	switch (zoho_accounts_token(cfg, dc.accounts_url, params, &answer, &rr)) {
	case ZOHO_ACCOUNTS_TOKEN:
		refresh = jfield_text(answer, "refresh_token");
		if (refresh[0] == '\0')
			say(out, 502, "No refresh token",
			    "Zoho granted access but sent no refresh token, so the connection would not "
			    "last. Nothing was stored. " START_AGAIN);
		else if (zoho_token_connect(cfg, refresh, jfield_text(answer, "access_token"),
		    strtol(jfield_text(answer, "expires_in"), NULL, 10), &dc, err, sizeof err) == -1)
			say(out, 503, "Not stored", "The authorization could not be stored (%s). "
			    START_AGAIN, err);
		else {
			log_info("Zoho Sign connected: %s / %s", zoho_dc_host(dc.accounts_url), dc.dc);
			say(out, 200, "Zoho Sign is connected",
			    "Connected to Zoho Sign in the %s data centre (accounts server %s). Contracts are "
			    "sent through this Zoho account from now on; you can close this page.", dc.dc,
			    zoho_dc_host(dc.accounts_url));
			wake_jobs(cfg);
		}
		break;
	case ZOHO_ACCOUNTS_REFUSED:
		say(out, 400, "Zoho refused the authorization",
		    "%s. Nothing was stored. Check [zoho] client_id, client_secret and redirect_uri "
		    "against the Zoho API console, then connect again.", rr.message);
		break;
	case ZOHO_ACCOUNTS_THROTTLED:
		zoho_token_pause(cfg);
		say(out, 503, "Zoho is limiting requests",
		    "Zoho answered that too many token requests were made (%s). Nothing was stored. "
		    "Wait 10 minutes, then connect again.", rr.message);
		out->headers = "Retry-After: 600\r\n";
		break;
	case ZOHO_ACCOUNTS_FAILED:
		say(out, 502, "No token from Zoho",
		    "%s. Nothing was stored. Try again in a few minutes.", rr.message);
		break;
	}
	json_object_put(answer);
}

static void
finish_kommo(const struct config *cfg, const struct oauth_query *q, struct oauth_finish_outcome *out)
{
	struct remote_result rr;

	if (!kommo_token_oauth(cfg)) {
		say(out, 400, "Kommo is not set up for OAuth",
		    "The configuration has a long-lived [kommo] token, or lacks client_id, "
		    "client_secret or redirect_uri. Nothing was stored.");
		return;
	}
	kommo_token_exchange(cfg, q->code, &rr);
	if (rr.outcome == REMOTE_OK) {
		log_info("Kommo connected");
		say(out, 200, "Kommo is connected",
		    "Connected to %s. You can close this page.", cfg->kommo.base_url);
		wake_jobs(cfg);
	} else if (rr.outcome == REMOTE_AUTH || rr.outcome == REMOTE_REFUSED) {
		say(out, 400, "Kommo refused the authorization",
		    "%s. Nothing was stored. " START_AGAIN, rr.message);
	} else {
		say(out, 502, "Kommo could not be reached",
		    "%s. Nothing was stored. Try again in a few minutes.", rr.message);
	}
}

/* The values of the browser's flow cookies, both providers', into cookies; how many. */
static size_t
flow_cookies(const char *cookie_header, char cookies[][OAUTH_COOKIE_VALUE_LEN + 1],
    size_t max)
{
	size_t n = oauth_cookie_values(cookie_header, OAUTH_COOKIE_FLOW_PREFIX "zoho", cookies, max);

	return n + oauth_cookie_values(cookie_header, OAUTH_COOKIE_FLOW_PREFIX "kommo", cookies + n,
	    max - n);
}

void
oauth_finish(const struct config *cfg, const struct oauth_query *q, const char *cookie_header,
    struct oauth_finish_outcome *out)
{
	char cookies[2 * OAUTH_COOKIE_MAX_VALUES][OAUTH_COOKIE_VALUE_LEN + 1];
	char provider[16], shown[84];
	size_t n = flow_cookies(cookie_header, cookies, 2 * OAUTH_COOKIE_MAX_VALUES);
	const char *name;

	memset(out, 0, sizeof *out);
	switch (oauth_state_take(cfg->state_dir, q->state, cookies, n, provider, sizeof provider)) {
	case OAUTH_STATE_OK:
		break;
	case OAUTH_STATE_UNBOUND:
		say(out, 403, "Not the browser that started this connection",
		    "Only the browser that pressed Connect can finish the connection, and this one "
		    "does not hold the cookie set then (another browser or machine, or cookies "
		    "blocked). Nothing was stored and the current connection is unchanged. Press "
		    "Connect on the start page in the browser you approve the access with.");
		return;
	case OAUTH_STATE_UNKNOWN:
		say(out, 400, "Unknown or used link",
		    "This address does not come from a connection this site started, or it was "
		    "already used. Nothing was stored. " START_AGAIN);
		return;
	case OAUTH_STATE_EXPIRED:
		say(out, 400, "Link expired",
		    "More than 10 minutes passed since the connection was started. Nothing was "
		    "stored. " START_AGAIN);
		return;
	case OAUTH_STATE_ERROR:
		say(out, 503, "State unreadable", "The state directory could not be read; see the "
		    "error log. Nothing was stored.");
		return;
	}
	name = strcmp(provider, "kommo") == 0 ? "Kommo" : "Zoho";
	if (q->error != NULL && strcmp(q->error, "access_denied") == 0) {
		say(out, 403, "Access not granted",
		    "Access was denied on %s's page, so nothing was connected or stored. To connect, "
		    "start again and approve the access.", name);
		return;
	}
	if (q->error != NULL) {
		say(out, 400, "Authorization failed", "%s answered with the error \"%s\". Nothing "
		    "was stored. " START_AGAIN, name,
		    msg_printable(q->error, strlen(q->error), 80, shown, sizeof shown));
		return;
	}
	if (q->code == NULL || q->code[0] == '\0') {
		say(out, 400, "No authorization code",
		    "The address has no authorization code. Nothing was stored. " START_AGAIN);
		return;
	}
	if (strcmp(provider, "kommo") == 0)
		finish_kommo(cfg, q, out);
	else
		finish_zoho(cfg, q, out);
}
