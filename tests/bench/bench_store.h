/*
 * bench_store: the bench's tools work on the GDBM files of a state directory, or with
 * "--config FILE" first on their command line, on the store that file's [state] backend
 * names (the MariaDB database for backend = mariadb), as the programs would.
 */
#ifndef KZS_BENCH_STORE_H
#define KZS_BENCH_STORE_H

/*
 * Takes a leading "--config FILE" off the arguments (argv[0] stays) and makes this
 * process use that file's store. 0, or -1 after saying why on stderr.
 */
int bench_store_args(int *argc, char ***argv);

#endif
