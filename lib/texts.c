/*
 * texts: the one table of what the system writes on a deal, in each language.
 * Short sentences a sales manager reads at a glance; Kommo and Zoho Sign keep their names.
 */
#include "texts.h"

#include <stdlib.h>
#include <string.h>

struct text {
	const char *name;                   /* the id, for the test's messages */
	const char *args[TEXTS_MAX_ARGS];   /* the argument names, in texts_render's order */
	const char *lang[TEXTS_NLANG];      /* en, es, pt */
};

#define T(id, ...) [id] = { #id, __VA_ARGS__ }
static const struct text table[TEXTS_COUNT] = {
	T(TEXTS_SENT, { "recipients", "request" }, {
		"Contract sent for signature to {recipients}. Zoho Sign request {request}.",
		"Contrato enviado para firma a {recipients}. Solicitud de Zoho Sign {request}.",
		"Contrato enviado para assinatura: {recipients}. Solicitação do Zoho Sign {request}." }),
	T(TEXTS_BLOCKED, { "problems" }, {
		"Contract not sent: {problems}. Then move the deal into the stage again.",
		"Contrato no enviado: {problems}. Luego vuelva a mover el negocio a la etapa.",
		"Contrato não enviado: {problems}. Depois, mova o negócio para a etapa de novo." }),
	T(TEXTS_ZOHO_REFUSED, { "reason" }, {
		"Zoho Sign refused the request ({reason}): ask your administrator",
		"Zoho Sign rechazó la solicitud ({reason}): consulte a su administrador",
		"O Zoho Sign recusou a solicitação ({reason}): fale com o seu administrador" }),
	T(TEXTS_NO_TEMPLATE, { NULL }, {
		"the contract template is not in Zoho Sign: ask your administrator",
		"la plantilla del contrato no está en Zoho Sign: consulte a su administrador",
		"o modelo do contrato não está no Zoho Sign: fale com o seu administrador" }),
	T(TEXTS_FIELD_NEEDS, { "field", "need" }, {
		"field \"{field}\" needs {need}",
		"el campo \"{field}\" necesita {need}",
		"campo \"{field}\": falta {need}" }),
	T(TEXTS_NEED_CONTACT, { NULL }, {
		"a main contact on the deal: link one and make it the main contact",
		"un contacto principal en el negocio: vincule uno y márquelo como contacto principal",
		"um contato principal no negócio: vincule um e defina-o como contato principal" }),
	T(TEXTS_NEED_COMPANY, { NULL }, {
		"a company on the deal: link one",
		"una empresa en el negocio: vincule una",
		"uma empresa no negócio: vincule uma" }),
	T(TEXTS_NEED_DEAL_VALUE, { "attribute" }, {
		"the deal's {attribute}: fill it in",
		"el campo {attribute} del negocio: complételo",
		"o campo {attribute} do negócio: preencha-o" }),
	T(TEXTS_NEED_CONTACT_VALUE, { "attribute" }, {
		"the main contact's {attribute}: fill it in",
		"el campo {attribute} del contacto principal: complételo",
		"o campo {attribute} do contato principal: preencha-o" }),
	T(TEXTS_NEED_COMPANY_VALUE, { "attribute" }, {
		"the company's {attribute}: fill it in",
		"el campo {attribute} de la empresa: complételo",
		"o campo {attribute} da empresa: preencha-o" }),
	T(TEXTS_NEED_DEAL_CUSTOM, { "field_id" }, {
		"the deal's custom field {field_id}: fill it in",
		"el campo personalizado {field_id} del negocio: complételo",
		"o campo personalizado {field_id} do negócio: preencha-o" }),
	T(TEXTS_NEED_CONTACT_CUSTOM, { "field_id" }, {
		"the main contact's custom field {field_id}: fill it in",
		"el campo personalizado {field_id} del contacto principal: complételo",
		"o campo personalizado {field_id} do contato principal: preencha-o" }),
	T(TEXTS_NEED_COMPANY_CUSTOM, { "field_id" }, {
		"the company's custom field {field_id}: fill it in",
		"el campo personalizado {field_id} de la empresa: complételo",
		"o campo personalizado {field_id} da empresa: preencha-o" }),
	T(TEXTS_NO_SIGNER_CONTACT, { "role", "source" }, {
		"the deal has no main contact to sign as \"{role}\" ({source}): link one and make it the main "
		    "contact",
		"el negocio no tiene un contacto principal que firme como \"{role}\" ({source}): vincule uno y "
		    "márquelo como contacto principal",
		"o negócio não tem um contato principal para assinar como \"{role}\" ({source}): vincule um e "
		    "defina-o como contato principal" }),
	T(TEXTS_NO_SECOND_CONTACT, { "role", "source" }, {
		"the deal has no second contact to sign as \"{role}\" ({source}): link one besides the main "
		    "contact",
		"el negocio no tiene un segundo contacto que firme como \"{role}\" ({source}): vincule otro "
		    "además del contacto principal",
		"o negócio não tem um segundo contato para assinar como \"{role}\" ({source}): vincule outro "
		    "além do contato principal" }),
	T(TEXTS_NO_ROLE_CONTACT, { "role", "field_id", "source" }, {
		"no contact of the deal has \"{role}\" in its custom field {field_id}, to sign as \"{role}\" "
		    "({source}): set it on the contact who signs",
		"ningún contacto del negocio tiene \"{role}\" en su campo personalizado {field_id} para firmar "
		    "como \"{role}\" ({source}): indíquelo en el contacto que firma",
		"nenhum contato do negócio tem \"{role}\" no campo personalizado {field_id} para assinar como "
		    "\"{role}\" ({source}): preencha-o no contato que assina" }),
	T(TEXTS_NO_RESPONSIBLE, { "role", "source" }, {
		"the deal has no responsible user to sign as \"{role}\" ({source}): set one",
		"el negocio no tiene un usuario responsable que firme como \"{role}\" ({source}): asigne uno",
		"o negócio não tem um usuário responsável para assinar como \"{role}\" ({source}): defina um" }),
	T(TEXTS_NO_SIGNER_FIELD, { "field_id", "role", "source" }, {
		"the deal's custom field {field_id}: fill it in with the e-mail address of who signs as "
		    "\"{role}\" ({source})",
		"el campo personalizado {field_id} del negocio: complételo con el correo electrónico de quien "
		    "firma como \"{role}\" ({source})",
		"o campo personalizado {field_id} do negócio: preencha-o com o e-mail de quem assina como "
		    "\"{role}\" ({source})" }),
	T(TEXTS_NO_SIGNER_EMAIL, { "name", "role", "source" }, {
		"the main contact \"{name}\" has no email address: add it (signs as \"{role}\", {source})",
		"el contacto principal \"{name}\" no tiene correo electrónico: agréguelo (firma como "
		    "\"{role}\", {source})",
		"o contato principal \"{name}\" não tem e-mail: adicione-o (assina como \"{role}\", {source})" }),
	T(TEXTS_NO_CONTACT_EMAIL, { "name", "role", "source" }, {
		"the contact \"{name}\" has no email address: add it (signs as \"{role}\", {source})",
		"el contacto \"{name}\" no tiene correo electrónico: agréguelo (firma como \"{role}\", "
		    "{source})",
		"o contato \"{name}\" não tem e-mail: adicione-o (assina como \"{role}\", {source})" }),
	T(TEXTS_BAD_EMAIL, { "email", "role", "source" }, {
		"the e-mail address \"{email}\" of who signs as \"{role}\" ({source}) is not a valid address: "
		    "correct it",
		"el correo electrónico \"{email}\" de quien firma como \"{role}\" ({source}) no es una "
		    "dirección válida: corríjalo",
		"o e-mail \"{email}\" de quem assina como \"{role}\" ({source}) não é um endereço válido: "
		    "corrija-o" }),
	T(TEXTS_NO_FIELD, { "field" }, {
		"the template has no field \"{field}\": ask your administrator",
		"la plantilla no tiene el campo \"{field}\": consulte a su administrador",
		"o modelo não tem o campo \"{field}\": fale com o seu administrador" }),
	T(TEXTS_FIELD_SOURCE, { "field" }, {
		"the source of field \"{field}\" is not set up right: ask your administrator",
		"el origen del campo \"{field}\" no está bien configurado: consulte a su administrador",
		"a origem do campo \"{field}\" não está configurada corretamente: fale com o seu administrador" }),
	T(TEXTS_NO_SIGNERS, { NULL }, {
		"the Zoho Sign template has no signers: ask your administrator",
		"la plantilla de Zoho Sign no tiene firmantes: consulte a su administrador",
		"o modelo do Zoho Sign não tem signatários: fale com o seu administrador" }),
	T(TEXTS_ROLE_NOT_SET, { "role" }, {
		"the template's signer \"{role}\" is not set up: ask your administrator",
		"el firmante \"{role}\" de la plantilla no está configurado: consulte a su administrador",
		"o signatário \"{role}\" do modelo não está configurado: fale com o seu administrador" }),
	T(TEXTS_SIGNER_SOURCE, { "role" }, {
		"the signer \"{role}\" is not set up right: ask your administrator",
		"el firmante \"{role}\" no está bien configurado: consulte a su administrador",
		"o signatário \"{role}\" não está configurado corretamente: fale com o seu administrador" }),
	T(TEXTS_NO_USER, { "user_id", "role", "source" }, {
		"Kommo user {user_id}, who signs as \"{role}\" ({source}), was not found: ask your administrator",
		"no se encontró el usuario de Kommo {user_id}, que firma como \"{role}\" ({source}): consulte "
		    "a su administrador",
		"o usuário {user_id} do Kommo, que assina como \"{role}\" ({source}), não foi encontrado: fale "
		    "com o seu administrador" }),
	T(TEXTS_USER_NO_EMAIL, { "name", "role", "source" }, {
		"Kommo user \"{name}\", who signs as \"{role}\" ({source}), has no e-mail address: ask your "
		    "administrator",
		"el usuario de Kommo \"{name}\", que firma como \"{role}\" ({source}), no tiene correo "
		    "electrónico: consulte a su administrador",
		"o usuário \"{name}\" do Kommo, que assina como \"{role}\" ({source}), não tem e-mail: fale "
		    "com o seu administrador" }),
	T(TEXTS_SIGNED, { "who", "when", "request" }, {
		"Contract signed by {who} on {when}. Zoho Sign request {request} is complete; the signed PDF "
		    "is in the deal's files.",
		"Contrato firmado por {who} el {when}. La solicitud de Zoho Sign {request} está completa; "
		    "el PDF firmado está en los archivos del negocio.",
		"Contrato assinado por {who} em {when}. A solicitação do Zoho Sign {request} foi concluída; "
		    "o PDF assinado está nos arquivos do negócio." }),
	T(TEXTS_SIGNED_ALL, { "signers", "request" }, {
		"Contract signed by {signers}. Zoho Sign request {request} is complete; the signed PDF is in the "
		    "deal's files.",
		"Contrato firmado por {signers}. La solicitud de Zoho Sign {request} está completa; el PDF "
		    "firmado está en los archivos del negocio.",
		"Contrato assinado por {signers}. A solicitação do Zoho Sign {request} foi concluída; o PDF "
		    "assinado está nos arquivos do negócio." }),
	T(TEXTS_SIGNER_AT, { "who", "when" }, {
		"{who} on {when}",
		"{who} el {when}",
		"{who} em {when}" }),
	T(TEXTS_SIGNED_FILE, { "request" }, {
		"Signed contract {request}.pdf",
		"Contrato firmado {request}.pdf",
		"Contrato assinado {request}.pdf" }),
	T(TEXTS_DECLINED, { "who", "when", "reason", "request" }, {
		"Contract declined by {who} on {when}. Reason: {reason}. Zoho Sign request {request}.",
		"Contrato rechazado por {who} el {when}. Motivo: {reason}. Solicitud de Zoho Sign {request}.",
		"Contrato recusado por {who} em {when}. Motivo: {reason}. Solicitação do Zoho Sign {request}." }),
	T(TEXTS_NO_REASON, { NULL }, { "none given", "no se indicó", "não informado" }),
	T(TEXTS_DECLINED_TASK, { "request" }, {
		"Contract declined (Zoho Sign request {request}): see the note on this deal and follow up.",
		"Contrato rechazado (solicitud de Zoho Sign {request}): vea la nota en este negocio y haga "
		    "el seguimiento.",
		"Contrato recusado (solicitação do Zoho Sign {request}): veja a nota neste negócio e faça "
		    "o acompanhamento." }),
	T(TEXTS_EXPIRED, { "request", "when" }, {
		"Contract request {request} expired unsigned on {when}.",
		"La solicitud de contrato {request} venció sin firmar el {when}.",
		"A solicitação de contrato {request} expirou sem assinatura em {when}." }),
	T(TEXTS_EXPIRED_RESENT, { "request", "when" }, {
		"Contract request {request} expired unsigned on {when}. A fresh request is being sent.",
		"La solicitud de contrato {request} venció sin firmar el {when}. Se está enviando una "
		    "nueva solicitud.",
		"A solicitação de contrato {request} expirou sem assinatura em {when}. Uma nova "
		    "solicitação está sendo enviada." }),
	T(TEXTS_EXPIRED_TASK, { "request" }, {
		"Contract request {request} expired unsigned: follow up with the client, then move the deal "
		    "into the stage again to send a fresh request.",
		"La solicitud de contrato {request} venció sin firmar: contacte al cliente y luego vuelva a "
		    "mover el negocio a la etapa para enviar una nueva solicitud.",
		"A solicitação de contrato {request} expirou sem assinatura: fale com o cliente e depois "
		    "mova o negócio para a etapa de novo para enviar uma nova solicitação." }),
	T(TEXTS_EXPIRED_RESENT_TASK, { "request" }, {
		"Contract request {request} expired unsigned: follow up with the client; a fresh request is "
		    "on its way.",
		"La solicitud de contrato {request} venció sin firmar: contacte al cliente; ya se está "
		    "enviando una nueva solicitud.",
		"A solicitação de contrato {request} expirou sem assinatura: fale com o cliente; uma nova "
		    "solicitação já está a caminho." }),
	T(TEXTS_RECALLED, { "request", "when" }, {
		"Contract request {request} was recalled in Zoho Sign on {when}. To send a fresh request, "
		    "move the deal into the stage again.",
		"La solicitud de contrato {request} fue retirada en Zoho Sign el {when}. Para enviar una "
		    "nueva solicitud, vuelva a mover el negocio a la etapa.",
		"A solicitação de contrato {request} foi cancelada no Zoho Sign em {when}. Para enviar uma "
		    "nova solicitação, mova o negócio para a etapa de novo." }),
	T(TEXTS_VIEWED_BY, { "who", "when" }, {
		"Contract viewed by {who} on {when}.",
		"Contrato visto por {who} el {when}.",
		"Contrato visualizado por {who} em {when}." }),
	T(TEXTS_SIGNED_BY, { "who", "when" }, {
		"Contract signed by {who} on {when}.",
		"Contrato firmado por {who} el {when}.",
		"Contrato assinado por {who} em {when}." }),
	T(TEXTS_THE_RECIPIENT, { NULL }, { "the recipient", "el destinatario", "o destinatário" }),
	T(TEXTS_GAVE_UP_SEND, { "reason" }, {
		"The contract integration gave up on this deal (sending the contract): {reason}. Check the "
		    "contract by hand, and ask your administrator: they can start it again.",
		"La integración de contratos dejó de intentarlo en este negocio (al enviar el contrato): "
		    "{reason}. Revise el contrato a mano y consulte a su administrador: puede volver a iniciarla.",
		"A integração de contratos desistiu deste negócio (ao enviar o contrato): {reason}. Confira "
		    "o contrato manualmente e fale com o seu administrador: ele pode reiniciá-la." }),
	T(TEXTS_GAVE_UP_OUTCOME, { "reason" }, {
		"The contract integration gave up on this deal (bringing back the signing outcome): {reason}. "
		    "Check the contract by hand, and ask your administrator: they can start it again.",
		"La integración de contratos dejó de intentarlo en este negocio (al traer el resultado de la "
		    "firma): {reason}. Revise el contrato a mano y consulte a su administrador: puede volver a "
		    "iniciarla.",
		"A integração de contratos desistiu deste negócio (ao trazer o resultado da assinatura): "
		    "{reason}. Confira o contrato manualmente e fale com o seu administrador: ele pode "
		    "reiniciá-la." }),
};
#undef T

static const char *const lang_names[TEXTS_NLANG] = { "en", "es", "pt" };

/* Each language's usual abbreviations (CLDR's, Spanish and Brazilian Portuguese). */
static const char *const months[TEXTS_NLANG][12] = {
	{ "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" },
	{ "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic" },
	{ "jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez" },
};

const char *const *
texts_months(enum texts_lang lang)
{
	return months[(unsigned)lang < TEXTS_NLANG ? lang : TEXTS_EN];
}

int
texts_lang_parse(const char *name)
{
	int i;

	for (i = 0; i < TEXTS_NLANG; i++)
		if (strcmp(name, lang_names[i]) == 0)
			return i;
	return -1;
}

size_t
texts_arg_names(enum texts_id id, const char *names[TEXTS_MAX_ARGS])
{
	size_t n = 0;

	while (n < TEXTS_MAX_ARGS && table[id].args[n] != NULL) {
		names[n] = table[id].args[n];
		n++;
	}
	return n;
}

const char *
texts_id_name(enum texts_id id)
{
	return table[id].name;
}

const char *
texts_plain(enum texts_lang lang, enum texts_id id)
{
	return table[id].lang[lang];
}

/* The value for the {name} at fmt (pointing past the '{'), and its length in *skip; NULL
 * when the text there is no argument's name (it is then kept as it is). */
static const char *
arg_at(const struct text *t, const char *fmt, const char *const *args, size_t nargs, size_t *skip)
{
	const char *end = strchr(fmt, '}');
	size_t i;

	if (end == NULL)
		return NULL;
	for (i = 0; i < nargs; i++)
		if (strlen(t->args[i]) == (size_t)(end - fmt) && strncmp(t->args[i], fmt, (size_t)(end - fmt)) == 0) {
			*skip = (size_t)(end - fmt) + 1;
			return args[i];
		}
	return NULL;
}

/* Writes the text into out (when not NULL); its length. */
static size_t
expand(const struct text *t, const char *fmt, const char *const *args, size_t nargs, char *out)
{
	size_t len = 0, skip;

	while (*fmt) {
		const char *value = *fmt == '{' ? arg_at(t, fmt + 1, args, nargs, &skip) : NULL;

		if (value != NULL) {
			if (out)
				memcpy(out + len, value, strlen(value));
			len += strlen(value);
			fmt += 1 + skip;
		} else {
			if (out)
				out[len] = *fmt;
			len++;
			fmt++;
		}
	}
	if (out)
		out[len] = '\0';
	return len;
}

char *
texts_render(enum texts_lang lang, enum texts_id id, const char *const *args, size_t nargs)
{
	const char *names[TEXTS_MAX_ARGS];
	const struct text *t;
	char *out;
	size_t i;

	if ((unsigned)lang >= TEXTS_NLANG || (unsigned)id >= TEXTS_COUNT)
		return NULL;
	t = &table[id];
	if (texts_arg_names(id, names) != nargs)
		return NULL;
	for (i = 0; i < nargs; i++)
		if (args[i] == NULL)
			return NULL;
	out = malloc(expand(t, t->lang[lang], args, nargs, NULL) + 1);
	if (out)
		expand(t, t->lang[lang], args, nargs, out);
	return out;
}
