/*
 * kommo_drive: puts a file on the account's Kommo file drive (upload session, then
 * parts no larger than the drive's max_part_size), so that a lead can link to it.
 */
#ifndef KZS_KOMMO_DRIVE_H
#define KZS_KOMMO_DRIVE_H

#include <stddef.h>

#include "config.h"
#include "remote.h"

struct kommo_drive_file {
	char uuid[64];
	char version_uuid[64];
};

/*
 * 1 when drive_url may receive the Kommo token: https on a host under one of Kommo's
 * domains (kommo.com, amocrm.com, amocrm.ru), or a loopback host when base_url (the
 * configured API base) is loopback itself, as in the tests. Pure.
 */
int kommo_drive_url_trusted(const char *drive_url, const char *base_url);

/* 1 when url has drive_url's scheme, host and port (the default port when absent). Pure. */
int kommo_drive_same_origin(const char *url, const char *drive_url);

void kommo_drive_upload(const struct config *cfg, const char *file_name, const char *content_type,
    const char *data, size_t len, struct kommo_drive_file *out, struct remote_result *rr);

#endif
