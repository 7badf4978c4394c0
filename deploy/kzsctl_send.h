/*
 * kzsctl send: one deal's contract on the operator's word. "--dry-run" shows what would
 * go to Zoho Sign, or what is missing, and changes nothing; without it the deal is
 * queued as a Kommo webhook would queue it, and the drain sends it.
 */
#ifndef KZS_KZSCTL_SEND_H
#define KZS_KZSCTL_SEND_H

#include "config.h"

/* 1 when the arguments after "send" are a lead id and at most --dry-run. */
int kzsctl_send_args_fit(int argc, char **argv);

/* The command; the exit status: 0 done (or shown), 1 when it could not be. */
int kzsctl_send(const struct config *cfg, int argc, char **argv);

#endif
