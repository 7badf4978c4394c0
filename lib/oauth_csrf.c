/*
 * oauth_csrf: the key is derived from the secrets in the configuration, the [admin]
 * secret first, so changing any of them voids every form shown before, and no key file
 * has to be kept. A different user under the web server's login gets other tokens.
 */
#include "oauth_csrf.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"

/* SHA-256 over the configured secrets, each followed by a NUL; -1 when none is set. */
static int
csrf_key(const struct config *cfg, unsigned char key[32])
{
	const char *secrets[] = {
		cfg->admin.secret, cfg->zoho.client_secret, cfg->kommo.client_secret,
		cfg->kommo.hook_secret, cfg->zoho.webhook_secret,
	};
	static const char label[] = "kzs oauth csrf";
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	size_t i;
	int any = 0, ok;

	ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, label, sizeof label) == 1;
	for (i = 0; ok && i < sizeof secrets / sizeof secrets[0]; i++) {
		const char *s = str_empty(secrets[i]) ? "" : secrets[i];

		any |= s[0] != '\0';
		ok = EVP_DigestUpdate(ctx, s, strlen(s) + 1) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, key, &n) == 1 && n == 32;
	EVP_MD_CTX_free(ctx);
	return ok && any ? 0 : -1;
}

int
oauth_csrf_token(const struct config *cfg, const char *cookie, const char *user, char *out,
    size_t outlen)
{
	unsigned char key[32], mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;
	char *message;
	int ok;

	if (outlen < OAUTH_CSRF_LEN + 1 || str_empty(cookie) || csrf_key(cfg, key) == -1)
		return -1;
	if ((message = str_fmt("%s\n%s", cookie, user ? user : "")) == NULL)
		return -1;
	ok = HMAC(EVP_sha256(), key, sizeof key, (const unsigned char *)message, strlen(message),
	    mac, &n) != NULL && n == 32;
	free(message);
	if (!ok)
		return -1;
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

int
oauth_csrf_valid(const struct config *cfg, const char *cookie, const char *user,
    const char *token)
{
	char want[OAUTH_CSRF_LEN + 1];

	if (token == NULL || oauth_csrf_token(cfg, cookie, user, want, sizeof want) == -1)
		return 0;
	return str_secret_equal(want, token);
}
