/*
 * fake_pdf: the documents fake-zoho-sign serves: a small valid PDF padded past 300 KB
 * with bytes derived from the request id (so uploads take several parts and content
 * is checkable), and a stored (uncompressed) ZIP of several such PDFs.
 */
#ifndef FAKE_PDF_H
#define FAKE_PDF_H

#include <stddef.h>

#include "fake_buf.h"

/* Text on the extra page added when the certificate of completion is asked for. */
#define FAKE_PDF_COC_MARKER "Certificate of Completion"

void fake_pdf(struct fbuf *out, const char *request_id, const char *title, int with_coc);

struct fake_zip_entry {
	const char *name;
	const struct fbuf *data;
};

void fake_zip(struct fbuf *out, const struct fake_zip_entry *entries, size_t n);

#endif
