/*
 * fake_kommo_oauth: Kommo's OAuth 2.0 as tests/fakes/API.md ("OAuth and the long-lived
 * token") describes it, for fake-kommo: the authorize page (www.kommo.com/oauth in real
 * life, here on the fake's own port) and POST /oauth2/access_token with refresh-token
 * rotation. State under $FAKE_DIR/kommo/oauth.
 */
#ifndef FAKE_KOMMO_OAUTH_H
#define FAKE_KOMMO_OAUTH_H

#include "fake_serve.h"

/* Serves /oauth (consent) and /oauth2 (token endpoint). */
void fake_kommo_oauth_handle(const struct fake_req *req, struct fake_resp *resp);

/* 1 when authorization is "Bearer <t>" with t an access token issued here and not expired. */
int fake_kommo_oauth_authorized(const char *authorization);

#endif
