"""`ldb.llm`'s public names, and the test server's promise to leave nothing running."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

import ldb.llm
from ldb.errors import ModelError
from ldb.llm import OpenAIChatModel
from testbed.chat_server import ChatServer, completion_body


def test_the_package_exports_its_public_names_sorted_each_on_first_use() -> None:
    assert ldb.llm.__all__ == sorted(ldb.llm.__all__)
    assert set(dir(ldb.llm)) == set(ldb.llm.__all__)
    for name in ldb.llm.__all__:
        assert getattr(ldb.llm, name).__module__.startswith("ldb.llm.")
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        _ = ldb.llm.Nothing  # type: ignore[attr-defined]


def test_the_offline_engine_does_without_the_http_client() -> None:
    """`ldb.debug` offline needs `Usage` from ldb.llm, never the client behind it."""
    probe = (
        "import sys, ldb\n"
        "ldb.debug('def f():\\n    return 1\\n', 'assert f() == 2')\n"
        "print(sorted(m for m in ('httpx', 'ldb.llm.openai') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr[-500:]


def test_the_server_stops_its_threads_even_mid_delay() -> None:
    before = set(threading.enumerate())
    with ChatServer() as server:
        server.reply(200, completion_body("never sent"), delay_s=60)
        with (
            OpenAIChatModel(
                "m", base_url=server.url, timeout_s=0.2, max_retries=0, sleep=lambda _: None
            ) as model,
            pytest.raises(ModelError, match="ReadTimeout"),
        ):
            model.complete([{"role": "user", "content": "hi"}])
        assert set(threading.enumerate()) - before  # the delayed answer is still waiting
    assert set(threading.enumerate()) == before
