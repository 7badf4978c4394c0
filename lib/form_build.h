/*
 * form_build: the inverse of form: a query string or urlencoded body from name/value
 * pairs, each percent-encoded (for authorize URLs and token requests).
 */
#ifndef KZS_FORM_BUILD_H
#define KZS_FORM_BUILD_H

/*
 * "n1=v1&n2=v2" from pairs = { n1, v1, n2, v2, ..., NULL }; a NULL value ends the list
 * too. Names are taken as they are, values are percent-encoded. malloc'd; NULL when
 * out of memory.
 */
char *form_build(const char *const *pairs);

#endif
