/*
 * str: small string helpers used across modules.
 */
#include "str.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
str_fmt(const char *fmt, ...)
{
	va_list ap;
	char *out;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (out = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(out, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return out;
}

int
str_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

int
str_secret_equal(const char *a, const char *b)
{
	unsigned char da[32], db[32];
	unsigned int la = 0, lb = 0;

	if (a == NULL || b == NULL)
		return 0;
	/* Comparing digests hides the length of the secret as well as its content. */
	EVP_Digest(a, strlen(a), da, &la, EVP_sha256(), NULL);
	EVP_Digest(b, strlen(b), db, &lb, EVP_sha256(), NULL);
	return la == 32 && lb == 32 && CRYPTO_memcmp(da, db, 32) == 0;
}
