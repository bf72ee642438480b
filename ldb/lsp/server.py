"""`ldb lsp`: the language server. Code lenses run project mode on a test, with the editor's
unsaved buffers in place of the files on disk; the result comes back as diagnostics on the
blocks judged wrong, hovers and inlay hints with the traced values, a quick fix applying the
repair, and a viewer page. Runs happen in a thread, never on the server's event loop."""

from __future__ import annotations

import asyncio
import itertools
import logging
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

import ldb
from ldb.errors import LdbError
from ldb.lsp import tests_in_file, views
from ldb.lsp.settings import EditorSettings
from ldb.models import ProjectDebugResult
from ldb.project import files

log = logging.getLogger("ldb.lsp")

DEBUG_COMMAND = "ldb.debug"
VIEWER_COMMAND = "ldb.openViewer"
_STAGES = {
    "tests": "running the tests",
    "trace": "tracing the failing test",
    "verdicts": "judging the blocks, searching for a repair",
    "repair": "testing the repair",
}


class Cancelled(Exception):
    """Raised from a run's progress hook: the client cancelled it, or a new run of the same
    test took its place."""


@dataclass
class LastRun:
    """The last run that ended: its result, and the files' texts as it judged them."""

    node_id: str
    result: ProjectDebugResult
    texts: dict[str, str]
    judged: list[views.Judged] = field(default_factory=list)
    """The blocks the first round traced or judged: what hovers and hints look up."""
    viewer: Path | None = None
    published: set[str] = field(default_factory=set)


class LdbLanguageServer(LanguageServer):
    """The server's state: settings, the run in flight for each test, the last run."""

    def __init__(self) -> None:
        super().__init__("ldb", ldb.__version__)
        self.settings = EditorSettings()
        self.running: dict[str, threading.Event] = {}
        self.last: LastRun | None = None
        self.tokens = itertools.count(1)
        self.viewer_folder: Path | None = None
        """Where runs' viewer pages go: made for the first run, not when the server is."""

    @property
    def root(self) -> Path | None:
        path = self.workspace.root_path
        return Path(path) if path else None

    def relative(self, uri: str) -> str | None:
        """A document's path relative to the workspace root (None outside it)."""
        path, root = to_fs_path(uri), self.root
        if path is None or root is None:
            return None
        try:
            return Path(path).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return None

    def uri_of(self, relative: str) -> str:
        assert self.root is not None
        return from_fs_path(str(self.root / relative)) or relative

    def unsaved(self) -> dict[str, str]:
        """The open documents of the workspace, by relative path: what the runs see."""
        texts = {}
        for uri, document in self.workspace.text_documents.items():
            relative = self.relative(uri)
            if relative is not None:
                texts[relative] = document.source
        return texts

    def judged_text(self, relative: str) -> str | None:
        """A file as the last run judged it."""
        if self.last is not None and relative in self.last.texts:
            return self.last.texts[relative]
        return _disk(self.root, relative)


server = LdbLanguageServer()


@server.feature(types.INITIALIZE)
def initialize(ls: LdbLanguageServer, params: types.InitializeParams) -> None:
    ls.settings = EditorSettings.read(params.initialization_options)


@server.feature(types.INITIALIZED)
async def initialized(ls: LdbLanguageServer, params: types.InitializedParams) -> None:
    await _configure(ls)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def configuration_changed(
    ls: LdbLanguageServer, params: types.DidChangeConfigurationParams
) -> None:
    await _configure(ls)


async def _configure(ls: LdbLanguageServer) -> None:
    """The `ldb` section of the client's settings, over the initialization options."""
    workspace = ls.client_capabilities.workspace
    if workspace is None or not workspace.configuration:
        return
    items = [types.ConfigurationItem(section="ldb")]
    try:
        [found] = await ls.workspace_configuration_async(types.ConfigurationParams(items=items))
    except Exception as error:  # a client that cannot answer: the options stand
        log.warning("workspace/configuration failed: %s", error)
        return
    ls.settings = ls.settings.updated(found)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def changed(ls: LdbLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    # The verdicts were about the text as it was: their places no longer hold.
    last = ls.last
    relative = ls.relative(params.text_document.uri)
    if last is not None and relative in last.published:
        last.published.discard(relative)
        _publish(ls, params.text_document.uri, [])


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
async def saved(ls: LdbLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
    if ls.settings.run_on_save and ls.last is not None:
        await debug(ls, ls.uri_of(ls.last.node_id.partition("::")[0]), ls.last.node_id)


@server.feature(types.TEXT_DOCUMENT_CODE_LENS)
def code_lens(ls: LdbLanguageServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    """ "ldb: debug" above each test function, and above each test of a class."""
    relative = ls.relative(params.text_document.uri)
    if relative is None or not tests_in_file.is_test_file(relative):
        return []
    source = ls.workspace.get_text_document(params.text_document.uri).source
    lenses = []
    for found in tests_in_file.tests(source):
        node_id = f"{relative}::{found.name}"
        position = types.Position(found.line - 1, 0)
        lenses.append(
            types.CodeLens(
                range=types.Range(position, position),
                command=types.Command(
                    title="ldb: debug",
                    command=DEBUG_COMMAND,
                    arguments=[params.text_document.uri, node_id],
                ),
            )
        )
    return lenses


@server.command(DEBUG_COMMAND)
async def debug(ls: LdbLanguageServer, uri: str, node_id: str) -> dict[str, Any]:
    """Debug one test in project mode, with progress the client may cancel; answers with the
    result's status (and message, and patch) once it ends."""
    root = ls.root
    if root is None:
        return _ended(ls, None, "error", "ldb needs a workspace folder: open the project's root")
    previous = ls.running.get(node_id)
    if previous is not None:
        previous.set()
    stop = threading.Event()
    ls.running[node_id] = stop
    try:
        options = ls.settings.options()
    except LdbError as error:
        del ls.running[node_id]
        return _failed(ls, None, error)
    token = await _progress(ls, node_id)
    unsaved = ls.unsaved()
    loop = asyncio.get_running_loop()
    rounds = options.max_iterations

    def progress(stage: str, details: dict[str, Any]) -> None:
        if stop.is_set() or _cancelled(ls, token):
            raise Cancelled
        words = _STAGES.get(stage)
        if words is not None and token is not None:
            index = int(details.get("iteration", 0))
            message = f"round {index + 1} of {rounds}: {words}"
            percentage = min(99, 100 * index // max(rounds, 1))
            report = types.WorkDoneProgressReport(
                message=message, cancellable=True, percentage=percentage
            )
            loop.call_soon_threadsafe(ls.work_done_progress.report, token, report)

    try:
        result = await asyncio.to_thread(
            ldb.debug_project,
            root,
            [node_id],
            options=options,
            python=ls.settings.interpreter,
            env=ls.settings.env,
            progress=progress,
            unsaved=unsaved,
        )
    except Cancelled:
        return _ended(ls, token, "cancelled", "the run was cancelled")
    except LdbError as error:
        return _failed(ls, token, error)
    finally:
        if ls.running.get(node_id) is stop:
            del ls.running[node_id]
    if stop.is_set():
        return _ended(ls, token, "cancelled", "a newer run of the test took its place")
    _show(ls, LastRun(node_id, result, unsaved))
    return _ended(ls, token, result.status, result.message, result.patch)


@server.command(VIEWER_COMMAND)
def open_viewer(ls: LdbLanguageServer) -> bool:
    """The last run in the trace viewer: the service's `/ui` when one is set, else the page
    written for it."""
    if ls.settings.viewer_url:
        target = ls.settings.viewer_url.rstrip("/") + "/ui"
    elif ls.last is not None and ls.last.viewer is not None:
        target = from_fs_path(str(ls.last.viewer)) or str(ls.last.viewer)
    else:
        return False
    ls.window_show_document(types.ShowDocumentParams(uri=target, external=True))
    return True


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: LdbLanguageServer, params: types.HoverParams) -> types.Hover | None:
    last, relative = ls.last, ls.relative(params.text_document.uri)
    if last is None or relative is None or not _unchanged(ls, relative):
        return None
    document = ls.workspace.get_text_document(params.text_document.uri)
    name = document.word_at_position(params.position)
    if not name.isidentifier():
        return None
    words = views.hover(last.judged, relative, params.position.line + 1, name)
    if words is None:
        return None
    return types.Hover(types.MarkupContent(kind=types.MarkupKind.Markdown, value=words))


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
def inlay_hints(ls: LdbLanguageServer, params: types.InlayHintParams) -> list[types.InlayHint]:
    last, relative = ls.last, ls.relative(params.text_document.uri)
    if not ls.settings.inlay_hints or last is None or relative is None:
        return []
    if not _unchanged(ls, relative):
        return []
    shown = params.range
    return [
        types.InlayHint(
            position=types.Position(line, character),
            label=label,
            kind=types.InlayHintKind.Type,
            padding_left=True,
        )
        for line, character, label in views.inlay_hints(last.judged, ls.judged_text, relative)
        if shown.start.line <= line <= shown.end.line
    ]


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def code_actions(ls: LdbLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    """ "Apply ldb's repair" on an ldb diagnostic, when the repair passed its tests and every
    file it changes is as the run judged it."""
    last = ls.last
    ours = [d for d in params.context.diagnostics if d.source == "ldb"]
    if last is None or not ours or last.result.status not in ("fixed", "plausible"):
        return []
    files = last.result.files
    if not files or not all(_unchanged(ls, relative) for relative in files):
        return []
    changes = {
        ls.uri_of(relative): views.text_edits(ls.judged_text(relative) or "", text)
        for relative, text in sorted(files.items())
    }
    title = "Apply ldb's repair"
    if last.result.status == "plausible":
        title += " (plausible: a check doubts it)"
    return [
        types.CodeAction(
            title=title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=ours,
            is_preferred=last.result.status == "fixed",
            edit=types.WorkspaceEdit(changes=changes),
        )
    ]


def _show(ls: LdbLanguageServer, run: LastRun) -> None:
    """A finished run's diagnostics in place of the last's, its viewer page written, and the
    client asked to draw inlay hints again."""
    for relative in ls.last.published if ls.last is not None else ():
        _publish(ls, ls.uri_of(relative), [])
    texts = views.uri_texts(run.texts, lambda relative: _disk(ls.root, relative))
    run.judged = views.judged_blocks(run.result, texts)
    found = views.diagnostics(run.result, run.judged, texts, ls.uri_of)
    for relative, diagnostics in found.items():
        _publish(ls, ls.uri_of(relative), diagnostics)
    run.published = set(found)
    # The texts judged: the open buffers, and the other files the verdicts name, read now.
    for relative in {judged.file for judged in run.judged}:
        if relative not in run.texts and (text := texts(relative)) is not None:
            run.texts[relative] = text
    run.viewer = _viewer(ls, run)
    ls.last = run
    workspace = ls.client_capabilities.workspace
    if workspace is not None and workspace.inlay_hint and workspace.inlay_hint.refresh_support:
        ls.workspace_inlay_hint_refresh(None)


def _viewer(ls: LdbLanguageServer, run: LastRun) -> Path | None:
    if ls.root is None:
        return None
    views_ = ldb.project_debug_views(ls.root, run.result)
    summary = ldb.viewer_summary(f"ldb: {run.node_id}", run.result)
    page = ldb.viewer_page(views_, summary, {"tests": [run.node_id]})
    if ls.viewer_folder is None:
        ls.viewer_folder = Path(tempfile.mkdtemp(prefix="ldb-lsp-"))
    path = ls.viewer_folder / "last.html"
    path.write_text(page, encoding="utf-8")
    return path


def _publish(ls: LdbLanguageServer, uri: str, diagnostics: list[types.Diagnostic]) -> None:
    ls.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics)
    )


def _unchanged(ls: LdbLanguageServer, relative: str) -> bool:
    """The file is as the last run judged it (its open buffer's text, or the tree's)."""
    now = ls.unsaved().get(relative)
    if now is None:
        now = _disk(ls.root, relative)
    return now is not None and now == ls.judged_text(relative)


async def _progress(ls: LdbLanguageServer, node_id: str) -> str | None:
    """A work-done progress the server starts, when the client can show one."""
    window = ls.client_capabilities.window
    if window is None or not window.work_done_progress:
        return None
    token = f"ldb-{next(ls.tokens)}"
    await ls.work_done_progress.create_async(token)
    begin = types.WorkDoneProgressBegin(
        title="ldb", message=f"debugging {node_id}", cancellable=True, percentage=0
    )
    ls.work_done_progress.begin(token, begin)
    return token


def _cancelled(ls: LdbLanguageServer, token: str | None) -> bool:
    future = ls.work_done_progress.tokens.get(token) if token is not None else None
    return future is not None and future.cancelled()


def _ended(
    ls: LdbLanguageServer,
    token: str | None,
    status: str,
    message: str | None,
    patch: str | None = None,
) -> dict[str, Any]:
    if token is not None:
        words = status if message is None else f"{status}: {message}"
        ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=words))
    return {"status": status, "message": message, "patch": patch}


def _failed(ls: LdbLanguageServer, token: str | None, error: LdbError) -> dict[str, Any]:
    """A run ldb could not make (bad input, a setting's bad value): said to the user too."""
    ls.window_show_message(
        types.ShowMessageParams(type=types.MessageType.Error, message=f"ldb: {error}")
    )
    return _ended(ls, token, "error", str(error))


def _disk(root: Path | None, relative: str) -> str | None:
    return files.read_text(root / relative) if root is not None else None
