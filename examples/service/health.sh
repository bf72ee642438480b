#!/usr/bin/env bash
# GET /health (no token needed: for load balancers and container health checks) and
# GET /version.
#
#   examples/service/health.sh        # LDB_URL (http://127.0.0.1:8000), LDB_AUTH_TOKEN
set -euo pipefail
# shellcheck source=_common.sh
. "$(dirname "$0")/_common.sh"

request GET /health | pretty
request GET /version | pretty
