#!/usr/bin/env bash
# POST /trace: run a program's tests in the sandbox; the outcome of each case and the variable
# state after each basic block of the first failing one. The answer's `id` reads it again at
# GET /results/{id} (results.sh).
#
#   examples/service/trace.sh [PROGRAM.py TEST.py]        # LDB_URL, LDB_AUTH_TOKEN
set -euo pipefail
# shellcheck source=_common.sh
. "$(dirname "$0")/_common.sh"
program="${1:-$EXAMPLES/second_largest.py}"
test="${2:-$EXAMPLES/second_largest_test.py}"

request POST /trace "$(json code=@"$program" test=@"$test")" | pretty
