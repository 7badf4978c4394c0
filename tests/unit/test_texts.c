/*
 * Unit tests for lib/texts.c: every message renders in every language, with every one of
 * its arguments and nothing left of a placeholder; the language names config accepts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "texts.h"

static const char *const lang_names[TEXTS_NLANG] = { "en", "es", "pt" };

/* Sample values no text contains by itself, so each one found was put there. */
static const char *const samples[TEXTS_MAX_ARGS] = { "<<A0>>", "<<A1>>", "<<A2>>", "<<A3>>" };

static void
test_every_message(void)
{
	int id, lang, whole = 1;

	for (id = 0; id < TEXTS_COUNT; id++) {
		const char *names[TEXTS_MAX_ARGS];
		size_t n = texts_arg_names((enum texts_id)id, names), i, j;
		const char *name = texts_id_name((enum texts_id)id);

		if (name == NULL) {
			CHECK(0, "message %d is in the table", id);
			whole = 0;
			continue;
		}
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				if (strcmp(names[i], names[j]) == 0) {
					CHECK(0, "%s: argument %s is named once", name, names[i]);
					whole = 0;
				}
		for (lang = 0; lang < TEXTS_NLANG; lang++) {
			const char *raw = texts_plain((enum texts_lang)lang, (enum texts_id)id);
			char *text = texts_render((enum texts_lang)lang, (enum texts_id)id, samples, n);
			int ok = raw != NULL && *raw != '\0' && text != NULL && *text != '\0';

			if (!ok) {
				CHECK(0, "%s has a %s text", name, lang_names[lang]);
				whole = 0;
				free(text);
				continue;
			}
			if (strchr(text, '{') || strchr(text, '}')) {
				CHECK(0, "%s in %s leaves no placeholder: %s", name, lang_names[lang], text);
				whole = 0;
			}
			for (i = 0; i < n; i++)
				if (strstr(text, samples[i]) == NULL) {
					CHECK(0, "%s in %s uses its argument {%s}: %s", name, lang_names[lang],
					    names[i], text);
					whole = 0;
				}
			if (lang != TEXTS_EN && strcmp(raw, texts_plain(TEXTS_EN, (enum texts_id)id)) == 0) {
				CHECK(0, "%s is translated into %s, not English: %s", name, lang_names[lang], raw);
				whole = 0;
			}
			free(text);
		}
	}
	CHECK(whole, "each of the %d messages renders in en, es and pt, with all of its arguments "
	    "and no placeholder left", (int)TEXTS_COUNT);
}

static void
test_render(void)
{
	char *text;

	text = TEXTS(TEXTS_EN, TEXTS_SENT, "Jane Doe <jane@example.com>", "1001");
	CHECK_STR(text, "Contract sent for signature to Jane Doe <jane@example.com>. Zoho Sign request 1001.",
	    "English, as the notes always said it");
	free(text);
	text = TEXTS(TEXTS_ES, TEXTS_SENT, "Jane Doe <jane@example.com>", "1001");
	CHECK_STR(text, "Contrato enviado para firma a Jane Doe <jane@example.com>. Solicitud de Zoho Sign 1001.",
	    "Spanish");
	free(text);
	text = TEXTS(TEXTS_PT, TEXTS_DECLINED, "Ana", "07/12/2026 10:00 UTC", "caro", "77");
	CHECK_STR(text, "Contrato recusado por Ana em 07/12/2026 10:00 UTC. Motivo: caro. "
	    "Solicitação do Zoho Sign 77.", "Portuguese, each argument in its place");
	free(text);
	text = TEXTS(TEXTS_EN, TEXTS_BLOCKED, "the deal's {request}: fill it in");
	CHECK_STR(text, "Contract not sent: the deal's {request}: fill it in. Then move the deal into the "
	    "stage again.", "a value's own braces are kept, not filled in");
	free(text);
	CHECK(TEXTS(TEXTS_EN, TEXTS_SENT, "only one") == NULL, "too few arguments: no text");
	CHECK(TEXTS(TEXTS_EN, TEXTS_BLOCKED, "one", "two") == NULL, "too many arguments: no text");
	CHECK(TEXTS(TEXTS_EN, TEXTS_BLOCKED, NULL) == NULL, "a missing argument: no text");
	CHECK(texts_render(TEXTS_NLANG, TEXTS_SENT, samples, 2) == NULL, "an unknown language: no text");
	CHECK_STR(texts_plain(TEXTS_ES, TEXTS_NO_REASON), "no se indicó", "a message without arguments");
}

/* The signer sources' problems and the completion note with every signer, in each language. */
static void
test_signers(void)
{
	char *at, *text;

	text = TEXTS(TEXTS_EN, TEXTS_NO_ROLE_CONTACT, "Witness", "555", "contact.cf.555");
	CHECK_STR(text, "no contact of the deal has \"Witness\" in its custom field 555, to sign as \"Witness\" "
	    "(contact.cf.555): set it on the contact who signs", "English, as the note always said it; the "
	    "role in both of its places");
	free(text);
	text = TEXTS(TEXTS_ES, TEXTS_NO_SIGNER_EMAIL, "Bob Smith", "Client", "contact.main");
	CHECK_STR(text, "el contacto principal \"Bob Smith\" no tiene correo electrónico: agréguelo (firma como "
	    "\"Client\", contact.main)", "Spanish: a contact without an address");
	free(text);
	text = TEXTS(TEXTS_PT, TEXTS_BAD_EMAIL, "ana@", "Client", "lead.cf.7");
	CHECK_STR(text, "o e-mail \"ana@\" de quem assina como \"Client\" (lead.cf.7) não é um endereço válido: "
	    "corrija-o", "Portuguese: an address of a bad shape");
	free(text);
	text = TEXTS(TEXTS_ES, TEXTS_NO_USER, "43", "Countersigner", "user.43");
	CHECK_STR(text, "no se encontró el usuario de Kommo 43, que firma como \"Countersigner\" (user.43): "
	    "consulte a su administrador", "Spanish: an administrator's problem ends asking for them");
	free(text);

	at = TEXTS(TEXTS_ES, TEXTS_SIGNER_AT, "Jane Doe <jane@example.com>", "29/11/2026 19:02 CET");
	CHECK_STR(at, "Jane Doe <jane@example.com> el 29/11/2026 19:02 CET", "Spanish: one signer and their time");
	text = at ? TEXTS(TEXTS_ES, TEXTS_SIGNED_ALL, at, "1001") : NULL;
	CHECK_STR(text, "Contrato firmado por Jane Doe <jane@example.com> el 29/11/2026 19:02 CET. La solicitud "
	    "de Zoho Sign 1001 está completa; el PDF firmado está en los archivos del negocio.",
	    "Spanish: the completion note with the signers");
	free(text);
	free(at);
	text = TEXTS(TEXTS_PT, TEXTS_SIGNER_AT, "Bob Roe <bob@ourco.example>", "30/11/2026 08:15 CET");
	CHECK_STR(text, "Bob Roe <bob@ourco.example> em 30/11/2026 08:15 CET", "Portuguese: one signer and their time");
	free(text);
}

static void
test_lang_parse(void)
{
	CHECK(texts_lang_parse("en") == TEXTS_EN && texts_lang_parse("es") == TEXTS_ES &&
	    texts_lang_parse("pt") == TEXTS_PT, "en, es and pt");
	CHECK(texts_lang_parse("EN") == -1 && texts_lang_parse("pt-BR") == -1 && texts_lang_parse("fr") == -1 &&
	    texts_lang_parse("") == -1 && texts_lang_parse("english") == -1, "anything else is refused");
	CHECK(TEXTS_EN == 0, "en is the language of a zeroed config");
}

/* Twelve names in each language, short enough for a date, each its own. */
static void
test_months(void)
{
	int lang, i, j, sound = 1;

	for (lang = 0; lang < TEXTS_NLANG; lang++)
		for (i = 0; i < 12; i++) {
			const char *m = texts_months((enum texts_lang)lang)[i];

			sound &= m != NULL && strlen(m) >= 3 && strlen(m) <= 4;
			for (j = 0; sound && j < i; j++)
				sound &= strcmp(m, texts_months((enum texts_lang)lang)[j]) != 0;
		}
	CHECK(sound, "every language names twelve different months in 3 or 4 letters");
	CHECK_STR(texts_months(TEXTS_EN)[11], "Dec", "en: December is Dec");
	CHECK_STR(texts_months((enum texts_lang)texts_lang_parse("es"))[11], "dic", "es: December is dic");
	CHECK_STR(texts_months((enum texts_lang)texts_lang_parse("pt"))[1], "fev", "pt: February is fev");
}

int
main(void)
{
	test_every_message();
	test_render();
	test_signers();
	test_lang_parse();
	test_months();
	return CHECK_DONE();
}
