"""Debug a small repository through ldb's HTTP service with httpx: `examples/shop`'s files are
posted to POST /debug with the failing pytest test, and the answer's patch is the repair.

The service runs the project's tests with its own interpreter (which needs pytest) in its
sandbox (which needs bubblewrap with overlays). Start a service (`ldb serve`), then run:
    LDB_URL=http://127.0.0.1:8000 python examples/service/debug_project.py
LDB_AUTH_TOKEN is sent as a bearer token when the service needs one. The files of your own
copy are not changed: apply the patch printed (`git apply`), or write the `files` answered.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx

SHOP = Path(__file__).resolve().parent.parent / "shop"
URL = os.environ.get("LDB_URL", "http://127.0.0.1:8000").rstrip("/")
TOKEN = os.environ.get("LDB_AUTH_TOKEN")

request = {
    "files": {
        path.relative_to(SHOP).as_posix(): path.read_text() for path in sorted(SHOP.rglob("*.py"))
    },
    "tests": ["tests/test_cart.py::test_half"],
    "model": "offline",
    "max_iterations": 3,
}

headers = {"Authorization": f"Bearer {TOKEN}"} if TOKEN else {}
with httpx.Client(base_url=URL, headers=headers, timeout=300) as client:
    reply = client.post("/debug", json=request)
    if reply.is_error:
        raise SystemExit(f"POST /debug: {reply.status_code} {reply.json()['error']['message']}")
    result = reply.json()

for iteration in result["iterations"]:
    passed = sum(case["status"] == "passed" for case in iteration["cases"])
    print(f"round {iteration['index'] + 1}: {passed} of {len(iteration['cases'])} tests pass")
    for verdict in iteration["verdicts"]:
        if verdict["correct"] is False:
            where = f"{verdict.get('file')}::{verdict['function']}"
            print(f"  blamed {where}: {verdict['explanation']}")
print(f"{result['status']} in {result['seconds']:.1f} s; stored as {result['id']}")
print(result["patch"], end="")
for path in sorted(result["files"]):
    print(f"changed: {path}")
