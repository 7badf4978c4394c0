/*
 * zone: the time zone the company works in ([zoho] time_zone). The date a contract is
 * dated with and the times in the notes managers read are this zone's, not the
 * server's: cheap hosting often runs in another country, or in UTC.
 */
#ifndef KZS_ZONE_H
#define KZS_ZONE_H

/* 1 when name looks like a tz database name: UTC, Europe/Amsterdam, America/Port-au-Prince. */
int zone_name_ok(const char *name);

/* Where this machine's tz database is: $TZDIR, else /usr/share/zoneinfo. */
const char *zone_dir(void);

/* 1 when zone_dir() has the zone (UTC always). */
int zone_installed(const char *name);

/* Makes localtime_r use the zone from now on, in this process and its children. */
void zone_use(const char *name);

#endif
