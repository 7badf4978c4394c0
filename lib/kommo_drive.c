/*
 * kommo_drive: the drive's host differs per account (GET /api/v4/account?with=drive_url),
 * so it is asked once and cached. A failed upload starts a new session next time: the
 * drive keeps nothing from an unfinished one that a lead could see. Every drive call
 * carries the Kommo token, so the URLs Kommo's answers name are checked first: the
 * drive on Kommo's own domains, its upload and next URLs on the drive's origin.
 */
#include "kommo_drive.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jfield.h"
#include "kommo.h"
#include "remote_call.h"
#include "store.h"

#define DRIVE_URL_KEY "kommo.drive_url"
/* A refused URL needs a person (or Kommo) to change something: no knocking every minute. */
#define DRIVE_REFUSED_RETRY_S 3600

/*
 * Kommo's own domains. The API lives on <account>.kommo.com and the drive on hosts such
 * as drive-c.kommo.com; accounts from before the Kommo name still answer on
 * <account>.amocrm.com, and amocrm.ru is the same vendor's platform with the same API
 * (the amoCRM documentation the Kommo pages come from). No other host gets the token.
 */
static const char *const drive_domains[] = { "kommo.com", "amocrm.com", "amocrm.ru" };

/* What makes a URL's origin: scheme, lower-case host, port (the scheme's by default). */
struct url_origin {
	char scheme[8];
	char host[256];
	unsigned port;
};

/* Splits host[:port] (or [v6]:port) from s up to end into o. -1 when malformed. */
static int
url_authority(const char *s, const char *end, struct url_origin *o)
{
	const char *host = s, *host_end, *rest, *p;
	const char *allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";
	unsigned long port = 0;

	if (*s == '[') { /* an IPv6 literal */
		host = s + 1;
		if ((host_end = memchr(host, ']', (size_t)(end - host))) == NULL)
			return -1;
		allowed = "0123456789abcdefABCDEF:.";
		rest = host_end + 1;
	} else {
		if ((host_end = memchr(s, ':', (size_t)(end - s))) == NULL)
			host_end = end;
		rest = host_end;
	}
	if (host_end == host || (size_t)(host_end - host) >= sizeof o->host ||
	    strspn(host, allowed) < (size_t)(host_end - host) || host_end[-1] == '.')
		return -1;
	for (p = host; p < host_end; p++)
		o->host[p - host] = (char)tolower((unsigned char)*p);
	if (rest == end)
		return 0;
	if (*rest++ != ':' || rest == end || end - rest > 5 ||
	    strspn(rest, "0123456789") < (size_t)(end - rest))
		return -1;
	for (p = rest; p < end; p++)
		port = port * 10 + (unsigned long)(*p - '0');
	if (port == 0 || port > 65535)
		return -1;
	o->port = (unsigned)port;
	return 0;
}

/*
 * The origin of an absolute http(s) URL. Refused (-1): other schemes, user info (in
 * https://drive.kommo.com@other.example the host is other.example), and any byte a
 * parser could read two ways: controls, spaces, backslashes, non-ASCII, '%' in the host.
 */
static int
url_origin_parse(const char *url, struct url_origin *o)
{
	const char *p, *end;

	memset(o, 0, sizeof *o);
	if (url == NULL)
		return -1;
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '\\')
			return -1;
	if (strncmp(url, "https://", 8) == 0) {
		snprintf(o->scheme, sizeof o->scheme, "https");
		o->port = 443;
		p = url + 8;
	} else if (strncmp(url, "http://", 7) == 0) {
		snprintf(o->scheme, sizeof o->scheme, "http");
		o->port = 80;
		p = url + 7;
	} else {
		return -1;
	}
	end = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(end - p)) != NULL)
		return -1;
	return url_authority(p, end, o);
}

static int
url_host_is_loopback(const struct url_origin *o)
{
	return strcmp(o->host, "127.0.0.1") == 0 || strcmp(o->host, "localhost") == 0 ||
	    strcmp(o->host, "::1") == 0;
}

/* host is domain or a name under it ("drive-c.kommo.com" under "kommo.com"). */
static int
url_host_under(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);

	return strcmp(host, domain) == 0 ||
	    (h > d + 1 && host[h - d - 1] == '.' && strcmp(host + h - d, domain) == 0);
}

int
kommo_drive_url_trusted(const char *drive_url, const char *base_url)
{
	struct url_origin drive, base;
	size_t i;

	if (url_origin_parse(drive_url, &drive) == -1)
		return 0;
	/* The tests' fakes serve Kommo and its drive on loopback: only then is loopback fine. */
	if (url_host_is_loopback(&drive))
		return url_origin_parse(base_url, &base) == 0 && url_host_is_loopback(&base);
	if (strcmp(drive.scheme, "https") != 0)
		return 0;
	for (i = 0; i < sizeof drive_domains / sizeof drive_domains[0]; i++)
		if (url_host_under(drive.host, drive_domains[i]))
			return 1;
	return 0;
}

int
kommo_drive_same_origin(const char *url, const char *drive_url)
{
	struct url_origin a, b;

	return url_origin_parse(url, &a) == 0 && url_origin_parse(drive_url, &b) == 0 &&
	    strcmp(a.scheme, b.scheme) == 0 && strcmp(a.host, b.host) == 0 && a.port == b.port;
}

/* Fails the call as refused, naming the URL that was not trusted. */
static void
drive_refuse(struct remote_result *rr, const char *what, const char *url, const char *why)
{
	rr->outcome = REMOTE_REFUSED;
	rr->retry_after = DRIVE_REFUSED_RETRY_S;
	snprintf(rr->message, sizeof rr->message, "refused Kommo's %s \"%.100s\": %s; nothing was sent to it",
	    what, url, why);
}

static void
drive_url(const struct config *cfg, char *buf, size_t len, struct remote_result *rr)
{
	char *cached = NULL;
	json_object *account;

	memset(rr, 0, sizeof *rr);
	/* A cached URL is checked again: it may predate these checks. */
	if (store_get1(cfg->state_dir, STORE_CACHE, DRIVE_URL_KEY, &cached) == 0 && *cached &&
	    kommo_drive_url_trusted(cached, cfg->kommo.base_url)) {
		snprintf(buf, len, "%s", cached);
		free(cached);
		return;
	}
	free(cached);
	remote_call(&kommo_api, cfg, &(struct remote_call_request){ .method = "GET",
	    .target = "/api/v4/account?with=drive_url" }, &account, rr);
	if (rr->outcome != REMOTE_OK)
		return;
	snprintf(buf, len, "%s", jfield_text(account, "drive_url"));
	json_object_put(account);
	if (*buf == '\0') {
		rr->outcome = REMOTE_REFUSED;
		remote_message(rr, NULL, "no drive_url in the answer (the token needs the files scope)");
		return;
	}
	/* The host comes from Kommo's answer; the token goes only to Kommo's own hosts. */
	if (!kommo_drive_url_trusted(buf, cfg->kommo.base_url)) {
		drive_refuse(rr, "drive_url", buf, "not https on a host under kommo.com, amocrm.com or amocrm.ru");
		return;
	}
	store_put1(cfg->state_dir, STORE_CACHE, DRIVE_URL_KEY, buf);
}

void
kommo_drive_upload(const struct config *cfg, const char *file_name, const char *content_type,
    const char *data, size_t len, struct kommo_drive_file *out, struct remote_result *rr)
{
	char base[512], url[2048];
	json_object *session = json_object_new_object(), *answer = NULL;
	const char *body;
	size_t sent = 0, part;

	memset(out, 0, sizeof *out);
	drive_url(cfg, base, sizeof base, rr);
	if (rr->outcome != REMOTE_OK) {
		json_object_put(session);
		return;
	}
	json_object_object_add(session, "file_name", json_object_new_string(file_name));
	json_object_object_add(session, "file_size", json_object_new_int64((long long)len));
	json_object_object_add(session, "content_type", json_object_new_string(content_type));
	snprintf(url, sizeof url, "%s/v1.0/sessions", base);
	body = json_object_to_json_string_ext(session, JSON_C_TO_STRING_PLAIN);
	remote_call(&kommo_api, cfg, &(struct remote_call_request){ .remote = "Kommo drive",
	    .method = "POST", .target = url, .content_type = "application/json", .body = body,
	    .body_len = strlen(body) }, &answer, rr);
	json_object_put(session);
	if (rr->outcome != REMOTE_OK)
		return;
	part = (size_t)strtoull(jfield_text(answer, "max_part_size"), NULL, 10);
	snprintf(url, sizeof url, "%s", jfield_text(answer, "upload_url"));
	json_object_put(answer);
	answer = NULL;
	if (part == 0 || *url == '\0') {
		rr->outcome = REMOTE_RETRY;
		remote_message(rr, NULL, "session without upload_url or max_part_size");
		return;
	}
	if (!kommo_drive_same_origin(url, base)) {
		drive_refuse(rr, "upload_url", url, "not on the drive's own scheme, host and port");
		return;
	}
	/* Each part's answer names the next URL; the last one is the file. */
	while (sent < len) {
		size_t n = len - sent < part ? len - sent : part;

		remote_call(&kommo_api, cfg, &(struct remote_call_request){ .remote = "Kommo drive",
		    .method = "POST", .target = url, .content_type = "application/octet-stream",
		    .body = data + sent, .body_len = n }, &answer, rr);
		if (rr->outcome != REMOTE_OK)
			return;
		sent += n;
		if (sent < len) {
			snprintf(url, sizeof url, "%s", jfield_text(answer, "next_url"));
			json_object_put(answer);
			answer = NULL;
			if (*url == '\0') {
				rr->outcome = REMOTE_RETRY;
				remote_message(rr, NULL, "part answer without next_url");
				return;
			}
			if (!kommo_drive_same_origin(url, base)) {
				drive_refuse(rr, "next_url", url, "not on the drive's own scheme, host and port");
				return;
			}
		}
	}
	snprintf(out->uuid, sizeof out->uuid, "%s", jfield_text(answer, "uuid"));
	snprintf(out->version_uuid, sizeof out->version_uuid, "%s", jfield_text(answer, "version_uuid"));
	json_object_put(answer);
	if (out->uuid[0] == '\0') {
		rr->outcome = REMOTE_RETRY;
		remote_message(rr, NULL, "upload finished without a file uuid");
	}
}
