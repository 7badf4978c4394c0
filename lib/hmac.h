/*
 * hmac: Zoho Sign webhook signatures. X-ZS-WEBHOOK-SIGNATURE carries
 * base64(HMAC-SHA256(key = webhook secret, message = raw body bytes)), standard alphabet.
 */
#ifndef KZS_HMAC_H
#define KZS_HMAC_H

#include <stddef.h>

/* Length of the header value: 32 bytes of MAC in base64 with '=' padding. */
#define HMAC_ZOHO_B64_LEN 44

/*
 * 1 when header_value is exactly the base64 signature of body[0..len) under secret,
 * compared in constant time; else 0. Exactly means the 44 characters and nothing more:
 * no surrounding whitespace or newline (web servers strip those from header values
 * before they reach us), no missing '=' padding, no base64url alphabet, no hex.
 * A NULL or empty secret or header never verifies.
 */
int hmac_zoho_verify(const char *secret, const char *body, size_t len,
    const char *header_value);

/*
 * Writes the header value Zoho would send for body into out (44 characters and a NUL).
 * For tests and the sandbox. On failure (NULL or empty secret) out is "".
 */
void hmac_zoho_sign(const char *secret, const char *body, size_t len,
    char out[HMAC_ZOHO_B64_LEN + 1]);

#endif
