/*
 * kzsctl check [--offline]: the preflight (lib/preflight), one line per finding.
 */
#ifndef KZS_KZSCTL_CHECK_H
#define KZS_KZSCTL_CHECK_H

/* argv[1] is "check". Returns the exit status: 0 all OK, 1 any FAIL, 2 bad arguments. */
int kzsctl_check(int argc, char **argv);

#endif
