/*
 * page: the small HTML pages oauth-callback shows a person. Text goes in through
 * page_text, links through page_link and forms through page_form, all escaped, so no
 * value from a request, a remote answer or the store can become markup.
 */
#ifndef KZS_PAGE_H
#define KZS_PAGE_H

#include <stddef.h>

struct page {
	char *buf;
	size_t len, cap;
	int oom; /* an append failed: page_end gives a short fixed page instead */
};

/* Starts a page whose <title> and <h1> are title. */
void page_begin(struct page *p, const char *title);

/* Markup written in this program (tags only, no data): "<h2>", "</p>". */
void page_markup(struct page *p, const char *markup);

/* printf-formatted text, HTML-escaped as a whole. */
void page_text(struct page *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A link shown as a button; href and label are escaped. */
void page_link(struct page *p, const char *href, const char *label);

/*
 * A form that POSTs to action, with hidden fields { name, value, ..., NULL } and one
 * submit button labelled label; everything escaped.
 */
void page_form(struct page *p, const char *action, const char *const *hidden, const char *label);

/* Closes the page and returns it; valid until page_free. */
const char *page_end(struct page *p);

void page_free(struct page *p);

#endif
