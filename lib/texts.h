/*
 * texts: every text the system writes on a deal (its notes and tasks, and the pieces they
 * are made of), in English, Spanish and Portuguese, chosen by [kommo] language. Log lines
 * stay English: they are for the administrator.
 *
 * A message has a fixed list of named arguments; each language's text places them as
 * {name}, in any order. texts_render takes the values in the list's order.
 *
 * To add a message: an id in enum texts_id (before TEXTS_COUNT), and its line in the
 * table in texts.c with its argument names and its three texts. tests/unit/test_texts
 * renders every message in every language and fails on a missing text or argument.
 */
#ifndef KZS_TEXTS_H
#define KZS_TEXTS_H

#include <stddef.h>

enum texts_lang {
	TEXTS_EN, /* the default */
	TEXTS_ES,
	TEXTS_PT, /* Brazilian, as Kommo's users write it */
	TEXTS_NLANG
};

enum texts_id {
	/* The send job's notes and tasks (contract.c). */
	TEXTS_SENT,           /* recipients, request */
	TEXTS_BLOCKED,        /* problems: the problems below, joined by "; " */
	TEXTS_ZOHO_REFUSED,   /* reason: Zoho Sign's own words */
	TEXTS_NO_TEMPLATE,
	/* Why a contract cannot go out (fill.c): the manager's to fix on the deal ... */
	TEXTS_FIELD_NEEDS,    /* field, need: one of the TEXTS_NEED_* below */
	TEXTS_NEED_CONTACT,
	TEXTS_NEED_COMPANY,
	TEXTS_NEED_DEAL_VALUE,        /* attribute */
	TEXTS_NEED_CONTACT_VALUE,     /* attribute */
	TEXTS_NEED_COMPANY_VALUE,     /* attribute */
	TEXTS_NEED_DEAL_CUSTOM,       /* field_id */
	TEXTS_NEED_CONTACT_CUSTOM,    /* field_id */
	TEXTS_NEED_COMPANY_CUSTOM,    /* field_id */
	/* Who signs as a role ([signers]): role is the template's, source its line's source. */
	TEXTS_NO_SIGNER_CONTACT,      /* role, source: contact.main */
	TEXTS_NO_SECOND_CONTACT,      /* role, source: contact.other */
	TEXTS_NO_ROLE_CONTACT,        /* role, field_id, source: contact.cf */
	TEXTS_NO_RESPONSIBLE,         /* role, source: user.responsible */
	TEXTS_NO_SIGNER_FIELD,        /* field_id, role, source: lead.cf */
	TEXTS_NO_SIGNER_EMAIL,        /* name, role, source: the main contact */
	TEXTS_NO_CONTACT_EMAIL,       /* name, role, source: another contact */
	TEXTS_BAD_EMAIL,              /* email, role, source */
	/* ... or the administrator's. */
	TEXTS_NO_FIELD,               /* field */
	TEXTS_FIELD_SOURCE,           /* field */
	TEXTS_NO_SIGNERS,
	TEXTS_ROLE_NOT_SET,           /* role */
	TEXTS_SIGNER_SOURCE,          /* role */
	TEXTS_NO_USER,                /* user_id, role, source */
	TEXTS_USER_NO_EMAIL,          /* name, role, source */
	/* The outcome jobs (outcome.c). */
	TEXTS_SIGNED,                 /* who, when, request */
	TEXTS_SIGNED_ALL,             /* signers: TEXTS_SIGNER_AT pieces joined by ", "; request */
	TEXTS_SIGNER_AT,              /* who, when: one signer with their time */
	TEXTS_SIGNED_FILE,            /* request: the signed PDF's file name */
	TEXTS_DECLINED,               /* who, when, reason, request */
	TEXTS_NO_REASON,
	TEXTS_DECLINED_TASK,          /* request */
	TEXTS_EXPIRED,                /* request, when */
	TEXTS_EXPIRED_RESENT,         /* request, when */
	TEXTS_EXPIRED_TASK,           /* request */
	TEXTS_EXPIRED_RESENT_TASK,    /* request */
	TEXTS_RECALLED,               /* request, when */
	TEXTS_VIEWED_BY,              /* who, when */
	TEXTS_SIGNED_BY,              /* who, when: one signer of several */
	TEXTS_THE_RECIPIENT,          /* who, when the event names nobody */
	TEXTS_GAVE_UP_SEND,           /* reason (English: the administrator's error) */
	TEXTS_GAVE_UP_OUTCOME,        /* reason */
	TEXTS_COUNT
};

#define TEXTS_MAX_ARGS 4

/* The language named en, es or pt; -1 for anything else. */
int texts_lang_parse(const char *name);

/* The languages, as a message names them. */
#define TEXTS_LANG_NAMES "en, es or pt"

/*
 * The message in lang with args (as many as its list names, in its order) in place of
 * its {names}; malloc'd, NULL when out of memory or given the wrong number of arguments.
 */
char *texts_render(enum texts_lang lang, enum texts_id id, const char *const *args, size_t nargs);

/* texts_render with the arguments written out: TEXTS(lang, TEXTS_SENT, recipients, id). */
#define TEXTS(lang, id, ...) \
	texts_render((lang), (id), (const char *const[]){ __VA_ARGS__ }, \
	    sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/* The months' short names in lang, January first, as a date in a note writes them. */
const char *const *texts_months(enum texts_lang lang);

/* A message as the table has it: the text of one without arguments (never NULL). */
const char *texts_plain(enum texts_lang lang, enum texts_id id);

/* For the table's test: a message's argument names (their count), its id as a name. */
size_t texts_arg_names(enum texts_id id, const char *names[TEXTS_MAX_ARGS]);
const char *texts_id_name(enum texts_id id);

#endif
