#!/usr/bin/env bash
# Jobs: many debug requests at once, run in the background and kept across restarts.
# POST /jobs (202 and the job's id), GET /jobs/{id}/events (its events as they happen; a
# client that reconnects sends Last-Event-ID and misses nothing), GET /jobs/{id}, GET /jobs,
# then POST /jobs/{id}/cancel and DELETE /jobs/{id} (which removes it) on a second job.
#
#   examples/service/jobs.sh        # LDB_URL, LDB_AUTH_TOKEN
set -euo pipefail
# shellcheck source=_common.sh
. "$(dirname "$0")/_common.sh"

one=$(json code=@"$EXAMPLES/moving_average.py" test=@"$EXAMPLES/moving_average_test.py")
two=$(json code=@"$EXAMPLES/shapes.py" test=@"$EXAMPLES/shapes_test.py")
job=$(request POST /jobs "{\"requests\": [$one, $two]}")
echo "$job" | pretty
id=$(echo "$job" | field id)

echo "== events of job $id"
stream GET "/jobs/$id/events"
echo "== job $id"
request GET "/jobs/$id" | pretty
echo "== the newest jobs"
request GET "/jobs?limit=5" | pretty

cancelled=$(request POST /jobs "{\"requests\": [$one]}" | field id)
echo "== job $cancelled, cancelled (or already done: cancelling changes nothing then)"
request POST "/jobs/$cancelled/cancel" | pretty
echo "== job $cancelled, deleted"
request DELETE "/jobs/$cancelled"
gone=$(curl --silent -o /dev/null -w '%{http_code}' ${auth[@]+"${auth[@]}"} "$LDB_URL/jobs/$cancelled")
echo "GET /jobs/$cancelled after: $gone"
