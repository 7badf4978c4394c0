/*
 * str: small string helpers used across modules.
 */
#ifndef KZS_STR_H
#define KZS_STR_H

/* printf into a new malloc'd string; NULL when out of memory. */
char *str_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 when s is NULL or "". */
int str_empty(const char *s);

/* Compares two secrets in time independent of where they differ. */
int str_secret_equal(const char *a, const char *b);

#endif
