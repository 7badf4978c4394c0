/*
 * kommo_drive: puts a file on the account's Kommo file drive (upload session, then
 * parts no larger than the drive's max_part_size), so that a lead can link to it.
 */
#ifndef KZS_KOMMO_DRIVE_H
#define KZS_KOMMO_DRIVE_H

#include <stddef.h>

#include "config.h"
#include "remote.h"

struct drive_file {
	char uuid[64];
	char version_uuid[64];
};

void kommo_drive_upload(const struct config *cfg, const char *file_name, const char *content_type,
    const char *data, size_t len, struct drive_file *out, struct remote_result *rr);

#endif
