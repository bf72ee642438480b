"""The OpenAPI document each service builds from its settings, against what the service does:
auth declared only where a token is asked for, requests held to the server's own limits,
every status each operation answers, errors as the one JSON body, and a 405 naming every
method a path takes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import ldb
from testbed import server
from tests.helpers.service_answers import PASSING, error

TOKEN = "s3cret"

BOUNDED = {
    "LDB_AUTH_TOKEN": TOKEN,
    "LDB_MAX_CODE_BYTES": "1000",
    "LDB_MAX_ITERATIONS": "1",
    "LDB_MAX_JOB_REQUESTS": "7",
    "LDB_MAX_PROJECT_FILES": "9",
    "LDB_TIMEOUT_S": "5",
}

ANSWERS = {
    "GET /health": {"200"},
    "GET /ui": {"200"},
    "GET /version": {"200"},
    "POST /blocks": {"200", "413", "422", "503"},
    "POST /trace": {"200", "413", "422", "503"},
    "POST /debug": {"200", "403", "413", "422", "502", "503", "504"},
    # Past its 200 a stream says what went wrong in an `error` event.
    "POST /debug/stream": {"200", "403", "413", "422", "503"},
    "POST /jobs": {"202", "403", "413", "422", "503"},
    "GET /jobs": {"200", "422", "503"},
    "GET /jobs/{job_id}": {"200", "404", "503"},
    "POST /jobs/{job_id}/cancel": {"200", "404", "503"},
    "DELETE /jobs/{job_id}": {"204", "404", "503"},
    "GET /jobs/{job_id}/events": {"200", "404", "503"},
    "GET /results/{result_id}": {"200", "404", "503"},
    "GET /results/{result_id}/view": {"200", "404", "503"},
}
"""What each operation may answer, without a token to ask for."""

PUBLIC = {"GET /health", "GET /ui"}


@pytest.fixture(scope="module")
def bounded() -> Iterator[httpx.Client]:
    """A service with a token and limits of its own."""
    with (
        server.running(BOUNDED) as running,
        httpx.Client(
            base_url=running.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
        ) as client,
    ):
        yield client


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def test_without_a_token_the_document_asks_for_none(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    assert "securitySchemes" not in document["components"]
    found = operations(document)
    assert {name: set(each["responses"]) for name, each in found.items()} == ANSWERS
    assert not [name for name, each in found.items() if "security" in each]


def test_with_a_token_every_operation_but_two_asks_for_it(bounded: httpx.Client) -> None:
    document = bounded.get("/openapi.json").json()
    assert document["components"]["securitySchemes"] == {
        "HTTPBearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "LDB_AUTH_TOKEN, when the operator set one",
        }
    }
    for name, operation in operations(document).items():
        answers = set(operation["responses"])
        if name in PUBLIC:
            assert "security" not in operation, name
            assert answers == ANSWERS[name], name
            continue
        assert operation["security"] == [{"HTTPBearer": []}], name
        assert answers == ANSWERS[name] | {"401"}, name
        refused = operation["responses"]["401"]
        assert refused["headers"]["WWW-Authenticate"]["required"] is True, name


def test_errors_are_json_beside_an_event_stream(client: httpx.Client) -> None:
    found = operations(client.get("/openapi.json").json())
    for name in ("POST /debug/stream", "GET /jobs/{job_id}/events"):
        for status, answer in found[name]["responses"].items():
            expected = "text/event-stream" if status == "200" else "application/json"
            assert list(answer["content"]) == [expected], (name, status)


def _schemas(document: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = document["components"]["schemas"]
    return schemas


def test_requests_are_held_to_the_servers_limits(bounded: httpx.Client) -> None:
    schemas = _schemas(bounded.get("/openapi.json").json())
    program, project = schemas["DebugRequest"]["properties"], schemas["ProjectDebugRequest"]
    assert program["code"]["maxLength"] == 1000
    assert [each.get("maxLength") for each in program["test"]["anyOf"]] == [1000, None]
    assert program["test"]["anyOf"][1]["items"]["maxLength"] == 1000
    assert program["max_iterations"] | {"maximum": 1, "default": 1} == program["max_iterations"]
    files = project["properties"]["files"]
    assert (files["maxProperties"], files["additionalProperties"]["maxLength"]) == (9, 1000)
    assert schemas["JobRequest"]["properties"]["requests"]["maxItems"] == 7
    limits = schemas["Limits"]["properties"]
    timeout = next(each for each in limits["timeout_s"]["anyOf"] if each["type"] == "number")
    assert timeout["maximum"] == 5
    memory = next(each for each in limits["memory_mb"]["anyOf"] if each["type"] == "integer")
    assert memory["maximum"] == ldb.RunLimits().memory_mb
    assert "maximum" not in limits["exact_counts"]["anyOf"][0]


def test_each_limit_the_document_declares_is_the_one_enforced(bounded: httpx.Client) -> None:
    assert bounded.post("/blocks", json={"code": "x" * 1000}).status_code == 200
    error(bounded.post("/blocks", json={"code": "x" * 1001}), 413, "too_large")
    error(bounded.post("/trace", json={**PASSING, "limits": {"timeout_s": 5.5}}), 422, "bad_input")
    many = {"requests": [PASSING] * 8}
    error(bounded.post("/jobs", json=many), 413, "too_large")


def test_a_request_naming_no_rounds_gets_the_servers_when_it_allows_fewer(
    bounded: httpx.Client,
) -> None:
    failing = {"code": "def f():\n    return 2\n", "test": "assert f() == 1"}
    reply = bounded.post("/debug", json=failing)
    assert reply.status_code == 200, reply.text
    assert len(reply.json()["iterations"]) <= 1
    error(bounded.post("/debug", json={**failing, "max_iterations": 2}), 422, "bad_input")
    # A job's request is checked again when it runs, and still asks for no rounds.
    job = bounded.post("/jobs", json={"requests": [failing]})
    assert job.status_code == 202, job.text
    deadline = time.monotonic() + 60
    status: dict[str, Any] = {"state": "queued"}
    while status["state"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.05)
        status = bounded.get(f"/jobs/{job.json()['id']}").json()
    [item] = status["items"]
    assert item["status"] in ("fixed", "plausible", "unfixed"), status


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", "/jobs", "GET, POST"),
        ("PUT", "/jobs/x", "DELETE, GET"),
        ("GET", "/jobs/x/cancel", "POST"),
        ("DELETE", "/debug", "POST"),
    ],
)
def test_a_method_a_path_does_not_take_is_405_naming_every_one_it_does(
    client: httpx.Client, method: str, path: str, allowed: str
) -> None:
    reply = client.request(method, path)
    error(reply, 405, "method_not_allowed")
    assert reply.headers["allow"] == allowed


def test_a_results_view_is_documented_with_what_the_run_was_given(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    answer = document["paths"]["/results/{result_id}/view"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ResultView"
    }
    given = document["components"]["schemas"]["RunInputs"]["properties"]
    assert set(given) == {"code", "test", "task", "entry_point", "tests", "files"}
    stored = client.post("/trace", json=PASSING).json()
    view = client.get(f"/results/{stored['id']}/view").json()
    assert set(view) == {"views", "summary", "inputs"}
    assert view["inputs"] == PASSING, "absent inputs are left out, not null"
