/*
 * kommo_drive: the drive's host differs per account (GET /api/v4/account?with=drive_url),
 * so it is asked once and cached. A failed upload starts a new session next time: the
 * drive keeps nothing from an unfinished one that a lead could see.
 */
#include "kommo_drive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "jfield.h"
#include "kommo.h"
#include "store.h"

#define DRIVE_URL_KEY "kommo.drive_url"

static void
drive_url(const struct config *cfg, char *buf, size_t len, struct remote_result *rr)
{
	char *cached = NULL;
	json_object *account;

	memset(rr, 0, sizeof *rr);
	if (store_get1(cfg->state_dir, STORE_CACHE, DRIVE_URL_KEY, &cached) == 0 && *cached) {
		snprintf(buf, len, "%s", cached);
		free(cached);
		return;
	}
	free(cached);
	kommo_send(cfg, "GET", "/api/v4/account?with=drive_url", NULL, NULL, 0, &account, rr);
	if (rr->outcome != REMOTE_OK)
		return;
	snprintf(buf, len, "%s", jfield_text(account, "drive_url"));
	json_object_put(account);
	/* The host comes from Kommo's answer: plain http only to loopback, like every call. */
	if (!http_url_allowed(buf)) {
		rr->outcome = REMOTE_REFUSED;
		snprintf(rr->message, sizeof rr->message, "Kommo gave no usable drive_url (needs the files scope)");
		return;
	}
	store_put1(cfg->state_dir, STORE_CACHE, DRIVE_URL_KEY, buf);
}

void
kommo_drive_upload(const struct config *cfg, const char *file_name, const char *content_type,
    const char *data, size_t len, struct drive_file *out, struct remote_result *rr)
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
	kommo_send(cfg, "POST", url, "application/json", body, strlen(body), &answer, rr);
	json_object_put(session);
	if (rr->outcome != REMOTE_OK)
		return;
	part = (size_t)strtoull(jfield_text(answer, "max_part_size"), NULL, 10);
	snprintf(url, sizeof url, "%s", jfield_text(answer, "upload_url"));
	json_object_put(answer);
	answer = NULL;
	if (part == 0 || !http_url_allowed(url)) {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "drive session without upload_url or max_part_size");
		return;
	}
	/* Each part's answer names the next URL; the last one is the file. */
	while (sent < len) {
		size_t n = len - sent < part ? len - sent : part;

		kommo_send(cfg, "POST", url, "application/octet-stream", data + sent, n, &answer, rr);
		if (rr->outcome != REMOTE_OK)
			return;
		sent += n;
		if (sent < len) {
			snprintf(url, sizeof url, "%s", jfield_text(answer, "next_url"));
			json_object_put(answer);
			answer = NULL;
			if (!http_url_allowed(url)) {
				rr->outcome = REMOTE_RETRY;
				snprintf(rr->message, sizeof rr->message, "drive part answer without next_url");
				return;
			}
		}
	}
	snprintf(out->uuid, sizeof out->uuid, "%s", jfield_text(answer, "uuid"));
	snprintf(out->version_uuid, sizeof out->version_uuid, "%s", jfield_text(answer, "version_uuid"));
	json_object_put(answer);
	if (out->uuid[0] == '\0') {
		rr->outcome = REMOTE_RETRY;
		snprintf(rr->message, sizeof rr->message, "drive upload finished without a file uuid");
	}
}
