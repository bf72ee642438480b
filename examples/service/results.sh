#!/usr/bin/env bash
# GET /results/{id}: a stored result of POST /trace, /debug or a job, as it was answered
# (kept for LDB_KEEP_S, a week by default). Without an id, traces a program first for one.
#
#   examples/service/results.sh [ID]        # LDB_URL, LDB_AUTH_TOKEN
set -euo pipefail
# shellcheck source=_common.sh
. "$(dirname "$0")/_common.sh"

id="${1:-}"
if [ -z "$id" ]; then
    body=$(json code=@"$EXAMPLES/second_largest.py" test=@"$EXAMPLES/second_largest_test.py")
    id=$(request POST /trace "$body" | field id)
fi
request GET "/results/$id" | pretty
