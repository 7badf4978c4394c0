/*
 * hmac: HMAC-SHA256 over the raw body with OpenSSL, base64 like Zoho, and a comparison
 * of the base64 text whose time does not depend on where it differs.
 */
#include "hmac.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

/* The base64 signature of body into out; -1 (out = "") when it cannot be computed. */
static int
signature_b64(const char *secret, const char *body, size_t len,
    char out[HMAC_ZOHO_B64_LEN + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t keylen;

	out[0] = '\0';
	if (secret == NULL || secret[0] == '\0' || (body == NULL && len > 0))
		return -1;
	keylen = strlen(secret);
	if (keylen > INT_MAX)
		return -1;
	if (HMAC(EVP_sha256(), secret, (int)keylen,
	    (const unsigned char *)(body != NULL ? body : ""), len, mac, &maclen) == NULL ||
	    maclen != 32) {
		OPENSSL_cleanse(mac, sizeof mac);
		return -1;
	}
	/* 32 bytes -> 44 characters, '=' padded, NUL-terminated. */
	if (EVP_EncodeBlock((unsigned char *)out, mac, 32) != HMAC_ZOHO_B64_LEN) {
		OPENSSL_cleanse(mac, sizeof mac);
		out[0] = '\0';
		return -1;
	}
	OPENSSL_cleanse(mac, sizeof mac);
	return 0;
}

int
hmac_zoho_verify(const char *secret, const char *body, size_t len,
    const char *header_value)
{
	char want[HMAC_ZOHO_B64_LEN + 1];
	int same;

	if (header_value == NULL || strlen(header_value) != HMAC_ZOHO_B64_LEN)
		return 0;
	if (signature_b64(secret, body, len, want) != 0)
		return 0;
	/* Comparing the text, not decoded bytes, also refuses non-canonical encodings. */
	same = CRYPTO_memcmp(want, header_value, HMAC_ZOHO_B64_LEN) == 0;
	OPENSSL_cleanse(want, sizeof want);
	return same;
}

void
hmac_zoho_sign(const char *secret, const char *body, size_t len,
    char out[HMAC_ZOHO_B64_LEN + 1])
{
	(void)signature_b64(secret, body, len, out);
}
