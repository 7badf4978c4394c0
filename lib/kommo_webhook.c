/*
 * kommo_webhook: Kommo lead webhooks from form bytes to lead events. One pass checks
 * every key and id; the lead keys are then sorted by (action, index) and grouped, so a
 * body with thousands of pairs costs O(n log n), never a scan of all pairs per event.
 */
#include "kommo_webhook.h"

#include "form.h"
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KW_MAX_EVENTS 1000
#define KW_INDEX_MAX_DIGITS 6
#define KW_SHOW_MAX 60 /* longest key shown in an error message */

enum kw_field {
	KW_ID,
	KW_STATUS_ID,
	KW_PIPELINE_ID,
	KW_OLD_STATUS_ID,
	KW_RESPONSIBLE_USER_ID,
	KW_UPDATED_AT,
	KW_NFIELDS,
	KW_OTHER = KW_NFIELDS, /* any other field: ignored, but the event still exists */
};

static const char *const kw_field_names[KW_NFIELDS] = {
	"id", "status_id", "pipeline_id", "old_status_id", "responsible_user_id", "updated_at",
};

static const char *const kw_kind_names[] = { "status", "add" };

/* One lead key that belongs to an event: leads[<kind>][<index>]... */
struct kw_ref {
	unsigned kind;  /* enum kommo_webhook_event_kind */
	unsigned index; /* numeric event index, at most KW_INDEX_MAX_DIGITS digits */
	unsigned field; /* enum kw_field */
	size_t pair;    /* position in the form, for stable order and messages */
};

/* A key split into its name and its first three [segments]. */
struct kw_key {
	const char *name;
	size_t namelen;
	size_t nseg;
	const char *seg[3];
	size_t seglen[3];
};

/* A key fit for a one-line message: truncated, non-printable bytes replaced. */
static const char *
kw_show(const char *key, char *buf, size_t buflen)
{
	return msg_printable(key, strlen(key), KW_SHOW_MAX, buf, buflen);
}

static int
kw_seg_is(const struct kw_key *k, size_t i, const char *word)
{
	size_t n = strlen(word);

	return k->nseg > i && k->seglen[i] == n && memcmp(k->seg[i], word, n) == 0;
}

/*
 * Splits name[a][b]... Returns NULL when the syntax is right, else the reason.
 * Segments beyond the third are checked but not recorded.
 */
static const char *
kw_key_split(const char *key, struct kw_key *k)
{
	const char *p = key;

	memset(k, 0, sizeof *k);
	k->name = p;
	while (*p != '\0' && *p != '[' && *p != ']')
		p++;
	if (*p == ']')
		return "stray ']' in key";
	k->namelen = (size_t)(p - key);
	while (*p == '[') {
		const char *seg = ++p;
		while (*p != '\0' && *p != '[' && *p != ']')
			p++;
		if (*p != ']')
			return "unclosed bracket in key";
		if (k->nseg < 3) {
			k->seg[k->nseg] = seg;
			k->seglen[k->nseg] = (size_t)(p - seg);
		}
		k->nseg++;
		p++;
	}
	if (*p == ']')
		return "stray ']' in key";
	if (*p != '\0')
		return "unexpected text after ']' in key";
	return NULL;
}

/* 1..KOMMO_WEBHOOK_ID_MAX ASCII digits, at most INT64_MAX; copies into dst on success. */
static int
kw_id(const char *v, char dst[KOMMO_WEBHOOK_ID_MAX + 1])
{
	size_t n = 0;

	while (n <= KOMMO_WEBHOOK_ID_MAX && v[n] >= '0' && v[n] <= '9')
		n++;
	if (n == 0 || n > KOMMO_WEBHOOK_ID_MAX || v[n] != '\0')
		return -1;
	if (n == KOMMO_WEBHOOK_ID_MAX && strcmp(v, "9223372036854775807") > 0)
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

/* A DNS label: what Kommo subdomains are, and all we would ever put in a host name. */
static int
kw_subdomain(const char *v, char dst[64])
{
	size_t n;

	for (n = 0; v[n] != '\0'; n++) {
		unsigned char c = (unsigned char)v[n];
		if (n >= 63)
			return -1;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return -1;
	}
	memcpy(dst, v, n + 1);
	return 0;
}

static int
kw_ref_cmp(const void *a, const void *b)
{
	const struct kw_ref *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	if (x->pair != y->pair)
		return x->pair < y->pair ? -1 : 1;
	return 0;
}

static char *
kw_event_field(struct kommo_webhook_event *ev, unsigned field)
{
	switch (field) {
	case KW_ID: return ev->lead_id;
	case KW_STATUS_ID: return ev->status_id;
	case KW_PIPELINE_ID: return ev->pipeline_id;
	case KW_OLD_STATUS_ID: return ev->old_status_id;
	case KW_RESPONSIBLE_USER_ID: return ev->responsible_user_id;
	case KW_UPDATED_AT: return ev->updated_at;
	default: return NULL;
	}
}

/*
 * Looks at one pair. Fills *ref and returns 1 for a lead-event key, 0 for a key that
 * is fine but makes no event, -1 on error (message in err).
 */
static int
kw_pair(const struct form_pair *pr, struct kommo_webhook *w, unsigned *account_seen,
    struct kw_ref *ref, char *err, size_t errlen)
{
	char shown[KW_SHOW_MAX + 4];
	struct kw_key k;
	const char *why;
	unsigned kind, field, index;
	size_t i;

	if ((why = kw_key_split(pr->key, &k)) != NULL) {
		msg_set(err, errlen, "%s %s", why, kw_show(pr->key, shown, sizeof shown));
		return -1;
	}

	if (k.namelen == 7 && memcmp(k.name, "account", 7) == 0 && k.nseg == 1) {
		unsigned bit;
		int bad;
		if (kw_seg_is(&k, 0, "id")) {
			bit = 1;
			bad = kw_id(pr->value, w->account_id);
			why = "expected 1-19 digits";
		} else if (kw_seg_is(&k, 0, "subdomain")) {
			bit = 2;
			bad = kw_subdomain(pr->value, w->subdomain);
			why = "expected at most 63 letters, digits or '-'";
		} else
			return 0;
		if (*account_seen & bit) {
			msg_set(err, errlen, "%s: given twice", kw_show(pr->key, shown, sizeof shown));
			return -1;
		}
		*account_seen |= bit;
		if (bad) {
			msg_set(err, errlen, "%s: %s", kw_show(pr->key, shown, sizeof shown), why);
			return -1;
		}
		return 0;
	}

	if (!(k.namelen == 5 && memcmp(k.name, "leads", 5) == 0))
		return 0;
	if (kw_seg_is(&k, 0, "status"))
		kind = KOMMO_WEBHOOK_STATUS;
	else if (kw_seg_is(&k, 0, "add"))
		kind = KOMMO_WEBHOOK_ADD;
	else
		return 0;
	if (k.nseg < 2)
		return 0;

	if (k.seglen[1] == 0 || k.seglen[1] > KW_INDEX_MAX_DIGITS) {
		msg_set(err, errlen, "%s: event index must be 1-%d digits",
		    kw_show(pr->key, shown, sizeof shown), KW_INDEX_MAX_DIGITS);
		return -1;
	}
	index = 0;
	for (i = 0; i < k.seglen[1]; i++) {
		char c = k.seg[1][i];
		if (c < '0' || c > '9') {
			msg_set(err, errlen, "%s: event index must be 1-%d digits",
			    kw_show(pr->key, shown, sizeof shown), KW_INDEX_MAX_DIGITS);
			return -1;
		}
		index = index * 10 + (unsigned)(c - '0');
	}

	field = KW_OTHER;
	if (k.nseg >= 3)
		for (i = 0; i < KW_NFIELDS; i++)
			if (kw_seg_is(&k, 2, kw_field_names[i]))
				field = (unsigned)i;
	if (field != KW_OTHER) {
		char scratch[KOMMO_WEBHOOK_ID_MAX + 1];
		if (k.nseg > 3) {
			msg_set(err, errlen, "%s: %s must be a plain value",
			    kw_show(pr->key, shown, sizeof shown), kw_field_names[field]);
			return -1;
		}
		/* Optional fields may come empty; only the three that make an event must be set. */
		if (kw_id(pr->value, scratch) != 0 &&
		    !(pr->value[0] == '\0' && field >= KW_OLD_STATUS_ID)) {
			msg_set(err, errlen, "%s: expected 1-%d digits",
			    kw_show(pr->key, shown, sizeof shown), KOMMO_WEBHOOK_ID_MAX);
			return -1;
		}
	}
	ref->kind = kind;
	ref->index = index;
	ref->field = field;
	return 1;
}

int
kommo_webhook_parse(const char *body, size_t len, struct kommo_webhook *out,
    char *err, size_t errlen)
{
	char shown[KW_SHOW_MAX + 4];
	struct form f;
	struct kw_ref *refs = NULL;
	struct kommo_webhook_event *events = NULL;
	size_t i, j, nrefs = 0, ngroups = 0, g;
	unsigned account_seen = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL)
		return -1;
	memset(out, 0, sizeof *out);
	if (body == NULL || len == 0) {
		msg_set(err, errlen, "empty body");
		return -1;
	}
	if (form_parse(body, len, &f, err, errlen) != 0)
		return -1;
	if (f.n == 0) {
		msg_set(err, errlen, "empty body");
		return -1;
	}

	refs = malloc(f.n * sizeof *refs);
	if (refs == NULL) {
		msg_set(err, errlen, "out of memory for %zu fields", f.n);
		goto fail;
	}
	for (i = 0; i < f.n; i++) {
		int r = kw_pair(&f.pairs[i], out, &account_seen, &refs[nrefs], err, errlen);
		if (r < 0)
			goto fail;
		if (r > 0)
			refs[nrefs++].pair = i;
	}

	qsort(refs, nrefs, sizeof *refs, kw_ref_cmp);
	for (i = 0; i < nrefs; i++)
		if (i == 0 || refs[i].kind != refs[i - 1].kind || refs[i].index != refs[i - 1].index)
			ngroups++;
	if (ngroups > KW_MAX_EVENTS) {
		msg_set(err, errlen, "more than %d lead events in one webhook", KW_MAX_EVENTS);
		goto fail;
	}

	if (ngroups > 0) {
		events = calloc(ngroups, sizeof *events);
		if (events == NULL) {
			msg_set(err, errlen, "out of memory for %zu events", ngroups);
			goto fail;
		}
	}
	for (i = 0, g = 0; i < nrefs; i = j, g++) {
		struct kommo_webhook_event *ev = &events[g];
		unsigned seen = 0;
		const char *missing = NULL;

		ev->kind = (enum kommo_webhook_event_kind)refs[i].kind;
		for (j = i; j < nrefs && refs[j].kind == refs[i].kind &&
		    refs[j].index == refs[i].index; j++) {
			const struct form_pair *pr = &f.pairs[refs[j].pair];
			unsigned field = refs[j].field;
			if (field == KW_OTHER)
				continue;
			if (seen & (1u << field)) {
				msg_set(err, errlen, "%s: given twice in one event",
				    kw_show(pr->key, shown, sizeof shown));
				goto fail;
			}
			seen |= 1u << field;
			/* Checked in kw_pair: 1..KOMMO_WEBHOOK_ID_MAX digits. */
			memcpy(kw_event_field(ev, field), pr->value, strlen(pr->value) + 1);
		}
		if (!(seen & (1u << KW_ID)))
			missing = "id";
		else if (!(seen & (1u << KW_STATUS_ID)))
			missing = "status_id";
		else if (!(seen & (1u << KW_PIPELINE_ID)))
			missing = "pipeline_id";
		if (missing != NULL) {
			msg_set(err, errlen, "leads[%s][%u]: missing %s",
			    kw_kind_names[refs[i].kind], refs[i].index, missing);
			goto fail;
		}
	}

	free(refs);
	form_free(&f);
	out->events = events;
	out->nevents = ngroups;
	return 0;
fail:
	free(events);
	free(refs);
	form_free(&f);
	memset(out, 0, sizeof *out);
	return -1;
}

void
kommo_webhook_free(struct kommo_webhook *w)
{
	if (w == NULL)
		return;
	free(w->events);
	memset(w, 0, sizeof *w);
}
