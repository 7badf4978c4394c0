/* Unit tests for zoho_webhook_ref: our reference read back from a webhook's request name. */
#include "zoho_webhook.h"

#include "check.h"

static int
ref(const char *name, char *lead, char *marker, size_t len)
{
	struct zoho_webhook_event ev;

	memset(&ev, 0, sizeof ev);
	snprintf(ev.request_name, sizeof ev.request_name, "%s", name);
	lead[0] = marker[0] = '\0';
	return zoho_webhook_ref(&ev, lead, marker, len);
}

int
main(void)
{
	static const char *const none[] = {
		"Deal 1001", "Deal (ref )", "Deal (ref 1001)", "Deal (ref 1001-)", "Deal (ref -17)",
		"Deal (ref 1001-17", "Deal (ref 0101-17)", "Deal (ref 1001-17x)", "Deal (REF 1001-17)",
		"Deal (ref 12345678901234567890-1)", "Deal (ref 1001-17) (ref x)",
	};
	char lead[ZOHO_WEBHOOK_ID_MAX + 1], marker[64];
	size_t i;

	CHECK(ref("Deal 1001 (ref 1001-1765000000)", lead, marker, sizeof marker) == 0, "our name");
	CHECK_STR(lead, "1001", "the lead id");
	CHECK_STR(marker, "(ref 1001-1765000000)", "the whole mark");
	CHECK(ref("Renewal (ref 7-1) (ref 1002-1765000001)", lead, marker, sizeof marker) == 0 &&
	    strcmp(lead, "1002") == 0, "a lead named with a mark of its own: the last mark counts");
	CHECK(ref("(ref 1001-1765000000)", lead, marker, 10) == -1, "a marker buffer too short");
	for (i = 0; i < sizeof none / sizeof none[0]; i++)
		CHECK(ref(none[i], lead, marker, sizeof marker) == -1, "no reference in \"%s\"", none[i]);
	return CHECK_DONE();
}
