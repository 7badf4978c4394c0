/*
 * datefmt: writes a date the way a Zoho Sign account shows dates ("dd/MM/yyyy",
 * "MM/dd/yyyy", "yyyy-MM-dd", "dd MMM yyyy" ...), for template date fields.
 */
#ifndef KZS_DATEFMT_H
#define KZS_DATEFMT_H

#include <stddef.h>
#include <time.h>

/*
 * pattern holds dd, MM (or MMM, the month's short English name) and yyyy once each,
 * separated by / - . , or spaces. Writes tm's date into buf; -1 when the pattern is
 * anything else or buf is too small.
 */
int datefmt_write(const char *pattern, const struct tm *tm, char *buf, size_t len);

/* The same with months[0..11] as MMM's names (a note in the managers' language). */
int datefmt_write_months(const char *pattern, const struct tm *tm, const char *const months[12],
    char *buf, size_t len);

#endif
