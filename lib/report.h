/*
 * report: a lasting trouble (a damaged state file, loose permissions) is logged at most
 * once a minute per topic across all processes, not on every request that meets it.
 */
#ifndef KZS_REPORT_H
#define KZS_REPORT_H

#define REPORT_INTERVAL_SECONDS 60

/* From now on every report is logged (kzsctl: the operator at the terminal sees each). */
void report_every_time(void);

/*
 * Logs an error line unless this topic was reported within the last minute, by this
 * process or by another one (the stamp file dir/<topic>.reported; dir may be NULL).
 */
void report_trouble(const char *dir, const char *topic, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
