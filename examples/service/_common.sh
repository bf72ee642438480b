# shellcheck shell=bash disable=SC2034  # EXAMPLES is for the scripts that source this
# Sourced by the scripts beside it: where the service is, its token, and curl with JSON bodies
# built from the example programs (python3 encodes them: jq need not be installed).

LDB_URL="${LDB_URL:-http://127.0.0.1:8000}"
LDB_URL="${LDB_URL%/}"
EXAMPLES="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# When the service was started with LDB_AUTH_TOKEN, every endpoint but GET /health needs it.
auth=()
if [ -n "${LDB_AUTH_TOKEN:-}" ]; then
    auth=(-H "Authorization: Bearer $LDB_AUTH_TOKEN")
fi

# json KEY=TEXT KEY=@FILE KEY:=JSON ...: one JSON object; @FILE stands for the file's text,
# := for a value written as JSON (a number, a list, an object).
json() {
    python3 - "$@" <<'PY'
import json
import sys

body = {}
for pair in sys.argv[1:]:
    key, _, value = pair.partition("=")
    if key.endswith(":"):
        body[key[:-1]] = json.loads(value)
        continue
    if value.startswith("@"):
        with open(value[1:], encoding="utf-8") as handle:
            value = handle.read()
    body[key] = value
print(json.dumps(body))
PY
}

# request METHOD PATH [BODY]: the answer's body. An error status ends the script (curl exits
# 22) after printing the error: {"error": {"type", "message", "request_id"}}.
request() {
    local method=$1 path=$2 data=()
    [ $# -gt 2 ] && data=(--data "$3")
    curl --silent --show-error --fail-with-body -X "$method" ${auth[@]+"${auth[@]}"} \
        -H "Content-Type: application/json" ${data[@]+"${data[@]}"} "$LDB_URL$path"
    echo
}

# stream METHOD PATH [BODY] [CURL OPTION...]: server-sent events, printed as they arrive.
stream() {
    local method=$1 path=$2 data=()
    [ $# -gt 2 ] && data=(--data "$3")
    curl --silent --show-error --fail-with-body --no-buffer -X "$method" \
        ${auth[@]+"${auth[@]}"} -H "Content-Type: application/json" \
        -H "Accept: text/event-stream" ${data[@]+"${data[@]}"} "${@:4}" "$LDB_URL$path"
}

# field NAME: one top-level field of the JSON object on standard input.
field() {
    python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

pretty() {
    python3 -m json.tool
}
