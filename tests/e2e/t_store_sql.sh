#!/usr/bin/env bash
# The unit tests of store_sql (tests/unit/test_store_sql.c) against the test's own
# MariaDB server: they need a real server, so this script starts one and runs them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/kzs-e2e.XXXXXX") || exit 1
trap kzs_teardown EXIT
mkdir -m 700 "$T/state"
mariadb_start
KZS_TEST_DIR=$T/state "$KZS_OUT/tests/unit/test_store_sql"
