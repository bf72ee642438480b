"""`ldb.llm`'s public names, and the test server's promise to leave nothing running."""

from __future__ import annotations

import threading

import pytest

import ldb.llm
from ldb.errors import ModelError
from ldb.llm import OpenAIChatModel
from tests.llm.chat_server import ChatServer, completion_body


def test_the_package_exports_its_public_names_sorted() -> None:
    public = {name for name in vars(ldb.llm) if not name.startswith("_")} - {"annotations"}
    modules = {name for name, value in vars(ldb.llm).items() if type(value).__name__ == "module"}
    assert set(ldb.llm.__all__) == public - modules
    assert ldb.llm.__all__ == sorted(ldb.llm.__all__)


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
