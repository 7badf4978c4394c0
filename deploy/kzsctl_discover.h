/*
 * kzsctl_discover: the commands that show what an integrator needs from Kommo and Zoho
 * Sign to fill in the configuration: kommo, pipelines, fields, templates, template ID
 * [--config]. They only read, with the stored connections.
 */
#ifndef KZS_KZSCTL_DISCOVER_H
#define KZS_KZSCTL_DISCOVER_H

#include <stdio.h>

#include "config.h"

/* 1 when name is one of these commands. */
int discover_is_command(const char *name);

/* 1 when argv (argv[1] one of these commands) has the arguments it takes. */
int discover_args_fit(int argc, char **argv);

/* Their lines of kzsctl's usage. */
void discover_usage(FILE *out);

/* Runs the command: 0 done, 1 a connection missing or a remote failing (said on stderr). */
int discover_run(const struct config *cfg, int argc, char **argv);

#endif
