#!/usr/bin/env bash
# POST /debug/stream: the same run as POST /debug, as server-sent events printed as they
# arrive: tests, trace, verdicts, repair and iteration for each round, then done (the whole
# result and its id) or error.
#
#   examples/service/debug_stream.sh [PROGRAM.py TEST.py]        # LDB_URL, LDB_AUTH_TOKEN
set -euo pipefail
# shellcheck source=_common.sh
. "$(dirname "$0")/_common.sh"
program="${1:-$EXAMPLES/moving_average.py}"
test="${2:-$EXAMPLES/moving_average_test.py}"

stream POST /debug/stream "$(json code=@"$program" test=@"$test" max_iterations:=3)"
