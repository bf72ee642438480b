#!/usr/bin/env bash
# POST /blocks: each function of a program split into basic blocks, with the edges between
# them. Only parsed: nothing of the program runs.
#
#   examples/service/blocks.sh [PROGRAM.py]        # LDB_URL, LDB_AUTH_TOKEN
set -euo pipefail
# shellcheck source=_common.sh
. "$(dirname "$0")/_common.sh"
program="${1:-$EXAMPLES/moving_average.py}"

request POST /blocks "$(json code=@"$program")" | pretty
