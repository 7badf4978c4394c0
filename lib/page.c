/*
 * page: one growing buffer. The head keeps the pages plain and private: no scripts,
 * no outside resources, no Referer (the start page's address carries the admin secret).
 */
#include "page.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
add(struct page *p, const char *s, size_t n)
{
	if (p->oom)
		return;
	if (p->len + n + 1 > p->cap) {
		size_t cap = p->cap ? p->cap : 2048;
		char *grown;

		while (cap < p->len + n + 1)
			cap *= 2;
		if ((grown = realloc(p->buf, cap)) == NULL) {
			p->oom = 1;
			return;
		}
		p->buf = grown;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

static void
escaped(struct page *p, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': add(p, "&amp;", 5); break;
		case '<': add(p, "&lt;", 4); break;
		case '>': add(p, "&gt;", 4); break;
		case '"': add(p, "&quot;", 6); break;
		case '\'': add(p, "&#39;", 5); break;
		default: add(p, s, 1);
		}
	}
}

void
page_markup(struct page *p, const char *markup)
{
	add(p, markup, strlen(markup));
}

void
page_text(struct page *p, const char *fmt, ...)
{
	char small[512], *text = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof small) {
		if ((text = malloc((size_t)n + 1)) == NULL) {
			p->oom = 1;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(text, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	escaped(p, text);
	if (text != small)
		free(text);
}

void
page_link(struct page *p, const char *href, const char *label)
{
	page_markup(p, "<a class=\"button\" href=\"");
	escaped(p, href);
	page_markup(p, "\">");
	escaped(p, label);
	page_markup(p, "</a>");
}

void
page_form(struct page *p, const char *action, const char *const *hidden, const char *label)
{
	page_markup(p, "<form method=\"post\" action=\"");
	escaped(p, action);
	page_markup(p, "\">");
	for (; hidden[0] != NULL && hidden[1] != NULL; hidden += 2) {
		page_markup(p, "<input type=\"hidden\" name=\"");
		escaped(p, hidden[0]);
		page_markup(p, "\" value=\"");
		escaped(p, hidden[1]);
		page_markup(p, "\">");
	}
	page_markup(p, "<button class=\"button\" type=\"submit\">");
	escaped(p, label);
	page_markup(p, "</button></form>");
}

void
page_begin(struct page *p, const char *title)
{
	memset(p, 0, sizeof *p);
	page_markup(p, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	    "<meta name=\"referrer\" content=\"no-referrer\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	escaped(p, title);
	page_markup(p, "</title>\n<style>body{font-family:sans-serif;max-width:40em;margin:2em auto;"
	    "padding:0 1em;line-height:1.4}.button{display:inline-block;padding:.5em 1em;"
	    "background:#1a5fb4;color:#fff;border-radius:4px;text-decoration:none;border:0;"
	    "font:inherit;cursor:pointer}"
	    ".status{font-weight:bold}</style>\n</head><body>\n<h1>");
	escaped(p, title);
	page_markup(p, "</h1>\n");
}

const char *
page_end(struct page *p)
{
	page_markup(p, "\n</body></html>\n");
	if (p->oom)
		return "<!DOCTYPE html>\n<title>Error</title><p>Out of memory.</p>\n";
	return p->buf;
}

void
page_free(struct page *p)
{
	free(p->buf);
	memset(p, 0, sizeof *p);
}
