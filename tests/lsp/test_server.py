"""`ldb lsp` as an editor drives it: code lenses on tests, a debug run with progress, its
verdicts as diagnostics, hovers and inlay hints with the traced values, the repair as a quick
fix, cancellation, unsaved buffers, and a file that does not parse."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from testbed.chat_server import ChatServer
from tests.helpers.projects import shop_chat_replies

HALF = "tests/test_cart.py::test_half"


def open_file(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text or path.read_text()
            )
        )
    )
    return uri


async def run(client: LanguageClient, uri: str, node_id: str) -> dict[str, Any]:
    params = types.ExecuteCommandParams(command="ldb.debug", arguments=[uri, node_id])
    answer = await client.workspace_execute_command_async(params)
    assert isinstance(answer, dict)
    return answer


@pytest.mark.asyncio
async def test_each_test_function_has_a_lens_that_debugs_it(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = tmp_path / "shop-project"
    uri = open_file(client, root / "tests/test_cart.py")
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert lenses is not None
    shown = [
        (lens.range.start.line, lens.command.title, list(lens.command.arguments or []))
        for lens in lenses
        if lens.command is not None
    ]
    assert shown == [
        (6, "ldb: debug", [uri, "tests/test_cart.py::test_plain"]),
        (10, "ldb: debug", [uri, HALF]),
        (14, "ldb: debug", [uri, "tests/test_cart.py::test_writes_into_the_tree"]),
    ]
    code = open_file(client, root / "shop/cart.py")
    assert not await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=code))
    )


@pytest.mark.asyncio
async def test_a_run_reports_progress_and_puts_its_verdicts_on_the_lines_judged(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = tmp_path / "shop-project"
    test_uri = open_file(client, root / "tests/test_cart.py")
    answer = await run(client, test_uri, HALF)
    assert answer["status"] == "fixed", answer
    assert "+        return amount // 2" in answer["patch"]
    [(token, reports)] = client.progress_reports.items()
    kinds = [type(report).__name__ for report in reports]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"
    assert "WorkDoneProgressReport" in kinds
    assert ended(reports) == "fixed"
    pricing = (root / "shop/pricing.py").as_uri()
    [warning] = client.diagnostics[pricing]
    assert warning.severity == types.DiagnosticSeverity.Warning
    assert warning.source == "ldb"
    assert (warning.range.start.line, warning.range.start.character) == (2, 8)
    assert (warning.range.end.line, warning.range.end.character) == (2, 26)
    assert "changing `3` → `2` here" in warning.message
    [related] = warning.related_information or []
    assert related.location.uri == test_uri and related.location.range.start.line == 11
    assert related.message == f"{HALF} fails: expected 10, actual 14"
    # Blocks judged correct carry none.
    assert not client.diagnostics.get((root / "shop/cart.py").as_uri())


@pytest.mark.asyncio
async def test_hovers_and_inlay_hints_show_the_traced_values(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = tmp_path / "shop-project"
    test_uri = open_file(client, root / "tests/test_cart.py")
    cart = open_file(client, root / "shop/cart.py")
    await run(client, test_uri, HALF)
    # `subtotal += price` is line 7 (0-based 6) of shop/cart.py, visited once per price.
    hovered = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=cart), types.Position(6, 9))
    )
    assert hovered is not None
    words = hovered.contents.value  # type: ignore[union-attr]
    assert "`subtotal = 10` on visit 1" in words and "`subtotal = 20` on visit 2" in words
    assert "judged correct" in words
    hints = await hints_of(client, cart)
    labels = {hint.position.line: hint.label for hint in hints}
    assert labels[4] == "  subtotal = 0"
    assert labels[6] == "  subtotal = 10  (visit 1 of 2)"


@pytest.mark.asyncio
async def test_the_quick_fix_applies_the_repair_and_the_test_then_passes(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = tmp_path / "shop-project"
    test_uri = open_file(client, root / "tests/test_cart.py")
    pricing_path = root / "shop/pricing.py"
    pricing = open_file(client, pricing_path)
    await run(client, test_uri, HALF)
    [warning] = client.diagnostics[pricing]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri=pricing),
            warning.range,
            types.CodeActionContext(diagnostics=[warning]),
        )
    )
    [action] = actions or []
    assert isinstance(action, types.CodeAction) and action.title == "Apply ldb's repair"
    assert action.edit is not None and action.edit.changes is not None
    [edits] = action.edit.changes.values()
    text = apply(pricing_path.read_text(), edits)
    assert "return amount // 2" in text
    # The editor applies the edit to its buffer: the warning goes at once (its place no longer
    # holds), and the test passes with the buffer unsaved.
    cleared = asyncio.ensure_future(client.wait_for_notification("textDocument/publishDiagnostics"))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=pricing, version=2),
            [types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await cleared
    assert not client.diagnostics[pricing]
    assert not await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri=pricing),
            warning.range,
            types.CodeActionContext(diagnostics=[warning]),
        )
    ), "the repair is offered only over the text it was made for"
    answer = await run(client, test_uri, HALF)
    assert answer["status"] == "passed", answer
    assert not client.diagnostics[pricing]


async def hints_of(client: LanguageClient, uri: str) -> Sequence[types.InlayHint]:
    """The inlay hints of a file's first lines."""
    whole = types.Range(types.Position(0, 0), types.Position(20, 0))
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(types.TextDocumentIdentifier(uri=uri), whole)
    )
    return hints or []


def ended(reports: Sequence[Any]) -> str:
    """The message of a progress's end (pytest-lsp keeps each report as its value)."""
    last = reports[-1]
    assert isinstance(last, types.WorkDoneProgressEnd)
    return last.message or ""


def apply(text: str, edits: Sequence[types.TextEdit]) -> str:
    lines = text.splitlines(keepends=True)
    for edit in sorted(edits, key=lambda e: e.range.start.line, reverse=True):
        start, end = edit.range.start.line, edit.range.end.line
        lines[start:end] = edit.new_text.splitlines(keepends=True)
    return "".join(lines)


@pytest.mark.asyncio
async def test_unsaved_buffers_are_what_the_run_sees(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = tmp_path / "shop-project"
    test_uri = open_file(client, root / "tests/test_cart.py")
    pricing = root / "shop/pricing.py"
    open_file(client, pricing, pricing.read_text().replace("amount // 3", "amount // 2"))
    answer = await run(client, test_uri, HALF)
    assert answer["status"] == "passed", answer
    assert "amount // 3" in pricing.read_text()  # the tree is never written


@pytest.mark.asyncio
async def test_a_run_is_cancelled_by_the_client_or_by_a_new_run_of_its_test(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = tmp_path / "shop-project"
    test_uri = open_file(client, root / "tests/test_cart.py")
    first = asyncio.ensure_future(run(client, test_uri, HALF))
    while not client.progress_reports:
        await asyncio.sleep(0.01)
    # The run goes on in a thread of its own: the server answers meanwhile.
    assert await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=test_uri))
    )
    assert not first.done()
    [token] = client.progress_reports
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    answer = await first
    assert answer["status"] == "cancelled", answer
    assert ended(client.progress_reports[token]).startswith("cancelled")

    older = asyncio.ensure_future(run(client, test_uri, HALF))
    await asyncio.sleep(0.2)
    newer = await run(client, test_uri, HALF)
    assert (await older)["status"] == "cancelled"
    assert newer["status"] == "fixed"


@pytest.mark.asyncio
async def test_a_test_file_that_does_not_parse_is_reported_and_the_server_goes_on(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = tmp_path / "shop-project"
    broken = "def test_half(:\n    pass\n"
    test_uri = open_file(client, root / "tests/test_cart.py", broken)
    assert not await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=test_uri))
    )
    answer = await run(client, test_uri, HALF)
    assert answer["status"] == "error", answer
    assert client.messages and client.messages[-1].type == types.MessageType.Error
    assert "tests/test_cart.py" in client.messages[-1].message
    cart = open_file(client, root / "shop/cart.py")
    assert (
        await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri=cart), types.Position(0, 0))
        )
        is None
    )


@pytest.mark.asyncio
async def test_settings_from_the_client_turn_hints_off_and_run_on_save(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = tmp_path / "shop-project"
    test_uri = open_file(client, root / "tests/test_cart.py")
    pricing = open_file(client, root / "shop/pricing.py")
    cart = open_file(client, root / "shop/cart.py")
    await run(client, test_uri, HALF)
    assert client.diagnostics[pricing]
    client.set_configuration({"inlayHints": False, "runOnSave": True}, section="ldb")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.2)  # the server asks for the settings again
    hints = await hints_of(client, cart)
    assert not hints
    # Saved with the repair, the test runs again by itself, and the warning goes.
    fixed = (root / "shop/pricing.py").read_text().replace("amount // 3", "amount // 2")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=pricing, version=2),
            [types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri=pricing))
    )
    for _ in range(600):
        ends = [ended(rs) for rs in client.progress_reports.values() if ended_here(rs[-1])]
        if len(ends) == 2:
            break
        await asyncio.sleep(0.05)
    assert ends == ["fixed", "passed: nothing to debug: the tests pass"]
    assert not client.diagnostics[pricing]


def ended_here(report: Any) -> bool:
    return isinstance(report, types.WorkDoneProgressEnd)


@pytest.mark.asyncio
async def test_the_viewer_of_the_last_run_opens_in_the_browser(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = tmp_path / "shop-project"
    test_uri = open_file(client, root / "tests/test_cart.py")
    nothing = types.ExecuteCommandParams(command="ldb.openViewer", arguments=[])
    assert await client.workspace_execute_command_async(nothing) is False
    await run(client, test_uri, HALF)
    assert await client.workspace_execute_command_async(nothing) is True
    [shown] = client.shown_documents
    assert shown.external and shown.uri.startswith("file://") and shown.uri.endswith(".html")
    page = Path(shown.uri.removeprefix("file://")).read_text()
    assert "shop/pricing.py" in page and HALF in page


@pytest.mark.asyncio
async def test_a_chat_model_named_in_the_settings_judges_the_run(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = tmp_path / "shop-project"
    test_uri = open_file(client, root / "tests/test_cart.py")
    verdicts, repair = shop_chat_replies()
    with ChatServer() as server:
        server.complete(verdicts)
        server.complete(repair)
        settings = {"model": "served-model", "baseUrl": server.url, "apiKey": "sk-editor"}
        client.set_configuration(settings, section="ldb")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        await asyncio.sleep(0.2)  # the server asks for the settings again
        answer = await run(client, test_uri, HALF)
        requests = list(server.requests)
    assert answer["status"] == "fixed", answer
    assert requests[0].headers["authorization"] == "Bearer sk-editor"
    [warning] = client.diagnostics[(root / "shop/pricing.py").as_uri()]
    assert warning.message == "Half is // 2."
