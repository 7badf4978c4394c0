/* Unit tests for hmac_zoho_verify/hmac_zoho_sign: Zoho's test vector and near misses. */
#include "hmac.h"

#include "check.h"

#include <openssl/evp.h>

static const char vec_secret[] = "thisisthesamplekeyfortestingpurposes";
/* Zoho's documented body, leading "{{" included: it is signed as is. */
static const char vec_body[] =
    "{{\"requests\":{\"request_name\":\"Test Name\"},"
    "\"notifications\":{\"operation_type\":\"RequestSigningSuccess\"}}";
static const char vec_sig[] = "drbSrM4H816RYKpZiRBLddUa0yHaTrwjtY04sIZFZus=";

static int
verify(const char *body, const char *header)
{
	return hmac_zoho_verify(vec_secret, body, strlen(body), header);
}

/* The header value with text appended or prepended. */
static const char *
wrapped(const char *before, const char *after)
{
	static char buf[128];

	snprintf(buf, sizeof buf, "%s%s%s", before, vec_sig, after);
	return buf;
}

static void
test_vector(void)
{
	char sig[HMAC_ZOHO_B64_LEN + 1];

	hmac_zoho_sign(vec_secret, vec_body, strlen(vec_body), sig);
	CHECK_STR(sig, vec_sig, "sign: Zoho's documented test vector");
	CHECK(verify(vec_body, vec_sig) == 1, "verify: Zoho's documented test vector");
}

static void
test_refusals(void)
{
	unsigned char mac[48], mac2[48];
	char hex[65], body[sizeof vec_body], sig[HMAC_ZOHO_B64_LEN + 1];
	int n, i;

	/* The right MAC, hex-encoded (what widely copied snippets send and expect). */
	n = EVP_DecodeBlock(mac, (const unsigned char *)vec_sig, (int)strlen(vec_sig));
	CHECK(n == 33, "test vector decodes to 32 bytes (+1 for the '=' pad)");
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	CHECK(verify(vec_body, hex) == 0, "hex of the right MAC refused");
	for (i = 0; i < 64; i++)
		if (hex[i] >= 'a' && hex[i] <= 'f')
			hex[i] = (char)(hex[i] - 'a' + 'A');
	CHECK(verify(vec_body, hex) == 0, "upper-case hex of the right MAC refused");

	CHECK(hmac_zoho_verify("thisisthesamplekeyfortestingpurposez", vec_body,
	    strlen(vec_body), vec_sig) == 0, "wrong secret refused");
	CHECK(hmac_zoho_verify("", vec_body, strlen(vec_body), vec_sig) == 0,
	    "empty secret refused");
	CHECK(hmac_zoho_verify(NULL, vec_body, strlen(vec_body), vec_sig) == 0,
	    "NULL secret refused");

	memcpy(body, vec_body, sizeof body);
	body[30] ^= 0x01;
	CHECK(verify(body, vec_sig) == 0, "one body byte changed refused");
	CHECK(hmac_zoho_verify(vec_secret, vec_body, strlen(vec_body) - 1, vec_sig) == 0,
	    "body with its last byte cut refused");
	CHECK(verify(vec_body + 1, vec_sig) == 0,
	    "body with the leading '{' dropped (re-serialised JSON) refused");

	CHECK(hmac_zoho_verify(vec_secret, vec_body, strlen(vec_body), NULL) == 0,
	    "missing header refused");
	CHECK(verify(vec_body, "") == 0, "empty header refused");

	/* Decision: the value must be exactly the 44 characters. */
	CHECK(verify(vec_body, wrapped("", " ")) == 0, "trailing space refused");
	CHECK(verify(vec_body, wrapped("", "\n")) == 0, "trailing newline refused");
	CHECK(verify(vec_body, wrapped("", "\r\n")) == 0, "trailing CRLF refused");
	CHECK(verify(vec_body, wrapped(" ", "")) == 0, "leading space refused");
	CHECK(verify(vec_body, wrapped("sha256=", "")) == 0, "\"sha256=\" prefix refused");
	CHECK(verify(vec_body, wrapped("", vec_sig)) == 0, "signature given twice refused");

	snprintf(sig, sizeof sig, "%s", vec_sig);
	sig[HMAC_ZOHO_B64_LEN - 1] = '\0';
	CHECK(verify(vec_body, sig) == 0, "base64 without the '=' padding refused");
	snprintf(sig, sizeof sig, "%s", vec_sig);
	sig[0] = 'D';
	CHECK(verify(vec_body, sig) == 0, "first character in the wrong case refused");
	/* "...Zus=" -> "...Zut=": the last character's two low bits are padding, so both
	 * decode to the same 32 bytes; only the canonical spelling is Zoho's. */
	snprintf(sig, sizeof sig, "%s", vec_sig);
	sig[42] = 't';
	n = EVP_DecodeBlock(mac2, (const unsigned char *)sig, (int)strlen(sig));
	CHECK(n == 33 && memcmp(mac, mac2, 32) == 0, "\"...Zut=\" decodes to the right MAC");
	CHECK(verify(vec_body, sig) == 0, "non-canonical base64 of the right MAC refused");
}

/* Zoho uses the standard alphabet: the base64url spelling of a right MAC is refused. */
static void
test_alphabet(void)
{
	char body[32], sig[HMAC_ZOHO_B64_LEN + 1];
	int i, found = 0;
	size_t j;

	for (i = 0; i < 1000 && !found; i++) {
		snprintf(body, sizeof body, "{\"n\":%d}", i);
		hmac_zoho_sign(vec_secret, body, strlen(body), sig);
		found = strpbrk(sig, "+/") != NULL;
	}
	CHECK(found, "found a body whose signature has '+' or '/'");
	CHECK(verify(body, sig) == 1, "standard alphabet with '+' or '/' verifies");
	for (j = 0; sig[j] != '\0'; j++)
		sig[j] = sig[j] == '+' ? '-' : sig[j] == '/' ? '_' : sig[j];
	CHECK(verify(body, sig) == 0, "base64url spelling refused");
}

static void
test_bodies(void)
{
	static const char bin[] = "a\0b\0\xff{}";
	char sig[HMAC_ZOHO_B64_LEN + 1], sig2[HMAC_ZOHO_B64_LEN + 1];

	hmac_zoho_sign(vec_secret, "", 0, sig);
	CHECK(strlen(sig) == HMAC_ZOHO_B64_LEN && sig[43] == '=', "empty body signs to 44 chars");
	CHECK(hmac_zoho_verify(vec_secret, "", 0, sig) == 1, "empty body round trip");
	CHECK(hmac_zoho_verify(vec_secret, NULL, 0, sig) == 1, "NULL body of length 0 is the empty body");

	hmac_zoho_sign(vec_secret, bin, sizeof bin - 1, sig);
	hmac_zoho_sign(vec_secret, bin, 1, sig2);
	CHECK(strcmp(sig, sig2) != 0, "signature covers bytes after a NUL (length, not strlen)");
	CHECK(hmac_zoho_verify(vec_secret, bin, sizeof bin - 1, sig) == 1,
	    "binary body with NUL bytes round trip");
	CHECK(hmac_zoho_verify(vec_secret, bin, sizeof bin - 1, sig2) == 0,
	    "signature of the prefix up to the NUL refused for the whole body");

	memset(sig, 'x', sizeof sig);
	hmac_zoho_sign("", vec_body, strlen(vec_body), sig);
	CHECK(sig[0] == '\0', "sign with an empty secret gives \"\"");
	memset(sig, 'x', sizeof sig);
	hmac_zoho_sign(NULL, vec_body, strlen(vec_body), sig);
	CHECK(sig[0] == '\0', "sign with a NULL secret gives \"\"");
}

int
main(void)
{
	test_vector();
	test_refusals();
	test_alphabet();
	test_bodies();
	return CHECK_DONE();
}
