/*
 * Unit tests for the pieces oauth-callback's pages and URLs are made of: lib/page.c
 * escapes every value it is given (text, links, forms), lib/form_build.c encodes every
 * value.
 */
#include "check.h"
#include "form_build.h"
#include "page.h"

#include <stdlib.h>
#include <string.h>

static void
test_page(void)
{
	struct page p;
	const char *html;

	page_begin(&p, "<Title & \"more\">");
	page_markup(&p, "<p>");
	page_text(&p, "error %s, code %d", "<script>alert('x')</script>", 7);
	page_markup(&p, "</p>");
	page_link(&p, "https://a.example/?a=1&b=\"2\"", "Go <now>");
	html = page_end(&p);
	CHECK(strncmp(html, "<!DOCTYPE html>", 15) == 0, "a whole page");
	CHECK(strstr(html, "<title>&lt;Title &amp; &quot;more&quot;&gt;</title>") != NULL, "title escaped");
	CHECK(strstr(html, "<h1>&lt;Title &amp; &quot;more&quot;&gt;</h1>") != NULL, "heading escaped");
	CHECK(strstr(html, "error &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;, code 7") != NULL,
	    "text formatted, then escaped");
	CHECK(strstr(html, "<script") == NULL, "no markup from values");
	CHECK(strstr(html, "href=\"https://a.example/?a=1&amp;b=&quot;2&quot;\">Go &lt;now&gt;</a>") != NULL,
	    "link target and label escaped");
	CHECK(strstr(html, "<meta name=\"referrer\" content=\"no-referrer\">") != NULL,
	    "no Referer leaves the page");
	CHECK(strstr(html, "</body></html>") != NULL, "closed");
	page_free(&p);

	{
		char *long_text = malloc(5000);
		memset(long_text, '<', 4999);
		long_text[4999] = '\0';
		page_begin(&p, "t");
		page_text(&p, "%s", long_text);
		html = page_end(&p);
		CHECK(strstr(html, "<<") == NULL && strlen(html) > 4999 * 4, "long text escaped whole");
		page_free(&p);
		free(long_text);
	}
}

static void
test_page_form(void)
{
	const char *hidden[] = { "provider", "zoho", "csrf", "\"><script>", NULL };
	struct page p;
	const char *html;

	page_begin(&p, "t");
	page_form(&p, "oauth-callback", hidden, "Connect <Zoho>");
	html = page_end(&p);
	CHECK(strstr(html, "<form method=\"post\" action=\"oauth-callback\">"
	    "<input type=\"hidden\" name=\"provider\" value=\"zoho\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"&quot;&gt;&lt;script&gt;\">"
	    "<button class=\"button\" type=\"submit\">Connect &lt;Zoho&gt;</button></form>") != NULL,
	    "a POST form with hidden fields and a button, values escaped");
	page_free(&p);
}

static void
test_form_build(void)
{
	const char *pairs[] = { "a", "x y", "redirect_uri", "https://e.example/cb?k=v&z", "e", "", NULL };
	const char *none[] = { NULL };
	char *s = form_build(pairs);

	CHECK_STR(s, "a=x%20y&redirect_uri=https%3A%2F%2Fe.example%2Fcb%3Fk%3Dv%26z&e=",
	    "values percent-encoded, names as given");
	free(s);
	s = form_build(none);
	CHECK_STR(s, "", "no pairs, empty string");
	free(s);
}

int
main(void)
{
	test_page();
	test_page_form();
	test_form_build();
	return CHECK_DONE();
}
