/*
 * fake_pdf: deterministic PDF and ZIP bytes for fake-zoho-sign.
 */
#include "fake_pdf.h"

#include <stdint.h>
#include <string.h>

#define PDF_MIN_SIZE (300 * 1024)

/* Adds one "N 0 obj ... endobj" (body may be binary) and records where it starts. */
static void
pdf_obj(struct fbuf *out, size_t *offsets, int num, const struct fbuf *body)
{
	offsets[num] = out->len;
	fbuf_addf(out, "%d 0 obj\n", num);
	fbuf_add(out, body->data, body->len);
	fbuf_adds(out, "\nendobj\n");
}

static void
pdf_obj_text(struct fbuf *out, size_t *offsets, int num, const char *text)
{
	struct fbuf body = {0};

	fbuf_adds(&body, text);
	pdf_obj(out, offsets, num, &body);
	fbuf_free(&body);
}

static void
pdf_page_text(struct fbuf *obj, const char *const lines[], size_t n)
{
	struct fbuf s = {0};
	size_t i;

	fbuf_adds(&s, "BT /F1 16 Tf 72 760 Td");
	for (i = 0; i < n; i++) {
		const char *p;

		fbuf_adds(&s, i ? " 0 -26 Td (" : " (");
		for (p = lines[i]; *p; p++) /* PDF string: escape the delimiters */
			fbuf_addf(&s, "%s%c", (*p == '(' || *p == ')' || *p == '\\') ? "\\" : "", *p);
		fbuf_adds(&s, ") Tj");
	}
	fbuf_adds(&s, " ET");
	fbuf_addf(obj, "<< /Length %zu >>\nstream\n%s\nendstream", s.len, s.data);
	fbuf_free(&s);
}

void
fake_pdf(struct fbuf *out, const char *request_id, const char *title, int with_coc)
{
	size_t offsets[10] = {0}, xref, i, pad;
	uint64_t x = 1469598103934665603ULL; /* FNV-1a of the id seeds the padding */
	struct fbuf obj = {0};
	const char *page[3] = {"Signed document", title, request_id};
	const char *coc[2] = {FAKE_PDF_COC_MARKER, request_id};
	int nobj = with_coc ? 9 : 7, num;

	for (i = 0; request_id[i]; i++)
		x = (x ^ (unsigned char)request_id[i]) * 1099511628211ULL;
	fbuf_adds(out, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
	pdf_obj_text(out, offsets, 1, "<< /Type /Catalog /Pages 2 0 R >>");
	pdf_obj_text(out, offsets, 2, with_coc ? "<< /Type /Pages /Kids [3 0 R 7 0 R] /Count 2 >>" :
	    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	pdf_obj_text(out, offsets, 3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
	    "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>");
	pdf_page_text(&obj, page, 3);
	pdf_obj(out, offsets, 4, &obj);
	pdf_obj_text(out, offsets, 5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
	/* object 6: an unreferenced stream of padding bytes, binary like a real PDF's */
	pad = PDF_MIN_SIZE + (size_t)(x % 16384);
	fbuf_reset(&obj);
	fbuf_addf(&obj, "<< /Length %zu >>\nstream\n", pad);
	for (i = 0; i < pad; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		fbuf_add(&obj, &(char){(char)(x >> 24)}, 1);
	}
	fbuf_adds(&obj, "\nendstream");
	pdf_obj(out, offsets, 6, &obj);
	if (with_coc) {
		pdf_obj_text(out, offsets, 7, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
		    "/Resources << /Font << /F1 5 0 R >> >> /Contents 8 0 R >>");
		fbuf_reset(&obj);
		pdf_page_text(&obj, coc, 2);
		pdf_obj(out, offsets, 8, &obj);
	}
	xref = out->len;
	fbuf_addf(out, "xref\n0 %d\n0000000000 65535 f \n", nobj);
	for (num = 1; num < nobj; num++)
		fbuf_addf(out, "%010zu 00000 n \n", offsets[num]);
	fbuf_addf(out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", nobj, xref);
	fbuf_free(&obj);
}

static uint32_t
crc32(const char *data, size_t len)
{
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= (unsigned char)data[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void
le(struct fbuf *out, uint32_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		fbuf_add(out, &(char){(char)(v >> (8 * i))}, 1);
}

/* The fields a local header and a central directory entry share, from "version needed" on. */
static void
zip_common(struct fbuf *out, const struct fake_zip_entry *e, uint32_t crc)
{
	le(out, 10, 2);  /* version needed: 1.0 */
	le(out, 0, 2);   /* flags */
	le(out, 0, 2);   /* method: stored */
	le(out, 0, 2);   /* time */
	le(out, 0x21, 2); /* date: 1980-01-01 */
	le(out, crc, 4);
	le(out, (uint32_t)e->data->len, 4);
	le(out, (uint32_t)e->data->len, 4);
	le(out, (uint32_t)strlen(e->name), 2);
	le(out, 0, 2);   /* extra length */
}

void
fake_zip(struct fbuf *out, const struct fake_zip_entry *entries, size_t n)
{
	struct fbuf central = {0};
	size_t i, start;

	for (i = 0; i < n; i++) {
		const struct fake_zip_entry *e = &entries[i];
		uint32_t crc = crc32(e->data->data, e->data->len);

		start = out->len;
		le(out, 0x04034b50, 4);
		zip_common(out, e, crc);
		fbuf_adds(out, e->name);
		fbuf_add(out, e->data->data, e->data->len);

		le(&central, 0x02014b50, 4);
		le(&central, 20, 2); /* version made by */
		zip_common(&central, e, crc);
		le(&central, 0, 2); /* comment length */
		le(&central, 0, 2); /* disk */
		le(&central, 0, 2); /* internal attributes */
		le(&central, 0, 4); /* external attributes */
		le(&central, (uint32_t)start, 4);
		fbuf_adds(&central, e->name);
	}
	start = out->len;
	fbuf_add(out, central.data, central.len);
	le(out, 0x06054b50, 4);
	le(out, 0, 2);
	le(out, 0, 2);
	le(out, (uint32_t)n, 2);
	le(out, (uint32_t)n, 2);
	le(out, (uint32_t)central.len, 4);
	le(out, (uint32_t)start, 4);
	le(out, 0, 2);
	fbuf_free(&central);
}
