#!/usr/bin/env bash
# POST /debug: test, trace, judge each block and repair, round after round, until the tests
# pass; answered whole at the end. Debugged by the service's default model (ldb's offline
# engine unless the operator set LDB_MODEL).
#
#   examples/service/debug.sh [PROGRAM.py TEST.py]        # LDB_URL, LDB_AUTH_TOKEN
set -euo pipefail
# shellcheck source=_common.sh
. "$(dirname "$0")/_common.sh"
program="${1:-$EXAMPLES/moving_average.py}"
test="${2:-$EXAMPLES/moving_average_test.py}"

request POST /debug "$(json code=@"$program" test=@"$test" max_iterations:=3)" | pretty
