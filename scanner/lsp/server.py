"""The language server: pygls wiring from LSP messages to the judging, actions and hover modules.

Buffers are judged in the server's own thread (the event loop's), a moment after the last change
(`debounce`, 0.2 s by default; `initializationOptions.debounce` sets it in seconds): per-file
budgets of CPU time only hold in the main thread, and a hostile buffer must not run unbounded.
Every open buffer of a project is judged together, so that a relation between two open files
(a policy and the pods it selects) follows both as they are typed; the files on disk are read again
when one is saved, created or deleted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from scanner import __version__
from scanner.catalog.rules import Rule
from scanner.lsp.actions import SHOW_DOCUMENTATION, FixProvider, code_actions
from scanner.lsp.diagnostics import Flagged, for_file
from scanner.lsp.hover import hover
from scanner.lsp.projects import Projects, file_path
from scanner.lsp.protocol import AnsweringProtocol
from scanner.lsp.rule_pages import RulePages

DEBOUNCE = 0.2


@dataclass
class Shown:
    """What the client was last told about one buffer: what actions and hover start from."""

    rel: str
    file_type: str
    flagged: list[Flagged] = field(default_factory=list)


class HullscanServer(LanguageServer):
    def __init__(self, fixer: FixProvider | None = None) -> None:
        super().__init__("hullscan", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=AnsweringProtocol)
        self.fixer = fixer
        self.projects = Projects(())
        self.rules: dict[str, Rule] = {}
        self.pages = RulePages(self.rules)
        self.shown: dict[str, Shown] = {}
        self.debounce = DEBOUNCE
        self.said: set[str] = set()
        self.shut_down = False
        self._pending: asyncio.TimerHandle | None = None

    def report_server_error(self, error: Exception, source: Any) -> None:
        """The message loop could not read a message (not JSON, not an object): say so to the client."""
        unreadable = isinstance(error, (ValueError, AttributeError, TypeError, KeyError))
        if source is JsonRpcException and unreadable and isinstance(self.protocol, AnsweringProtocol):
            self.protocol.answer_unreadable(error)
        super().report_server_error(error, source)

    def schedule(self, delay: float) -> None:
        """Judge the open buffers `delay` seconds from now, unless a later change moves it on."""
        if self._pending is not None:
            self._pending.cancel()
        self._pending = asyncio.get_running_loop().call_later(delay, self.judge_open)

    def judge_open(self) -> None:
        self._pending = None
        documents = list(self.workspace.text_documents.values())
        by_project: dict[Path, list[Any]] = {}
        for document in documents:
            by_project.setdefault(self.projects.for_uri(document.uri).root, []).append(document)
        for root, group in by_project.items():
            self._judge_project(self.projects.by_root[root], group)

    def _judge_project(self, project: Any, documents: list[Any]) -> None:
        from scanner.inputs.discover import file_type
        from scanner.results.findings import ScanError
        from scanner.results.result import ScanResult

        buffers = [(project.source_for(doc.uri, doc.language_id or ""), doc.source) for doc in documents]
        try:
            result = project.judge(buffers)
        except Exception as exc:  # noqa: BLE001 - one failed judgement must not end the server
            logging.getLogger(__name__).exception("judging failed")
            result = ScanResult(errors=[ScanError(source.rel, f"could not be judged ({type(exc).__name__})")
                                        for source, _ in buffers])
        self.rules.update({rule.id: rule for rule in result.rules})
        for message in project.messages:
            self._say_once(message, types.MessageType.Warning)
        codec = self.workspace.position_codec
        for document, (source, text) in zip(documents, buffers):
            flagged = for_file(result.findings, result.errors, source.rel, text, codec, self.pages.uri, project.root)
            kind = source.forced_type or file_type(source.path.name, text)
            self.shown[document.uri] = Shown(source.rel, kind, flagged)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                document.uri, [item.diagnostic for item in flagged], version=document.version))

    def _say_once(self, message: str, kind: types.MessageType) -> None:
        if message not in self.said:
            self.said.add(message)
            self.window_show_message(types.ShowMessageParams(kind, f"hullscan: {message}"))

    def show_documentation(self, rule_id: str) -> None:
        uri = self.pages.uri(rule_id)
        if not uri:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Error, f"hullscan: no rule {rule_id!r}"))
            return
        can_show = (self.client_capabilities.window and self.client_capabilities.window.show_document
                    and self.client_capabilities.window.show_document.support)
        if can_show:
            self.window_show_document(types.ShowDocumentParams(uri, external=not uri.startswith("file:"), take_focus=True))
        else:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Info, f"hullscan: {rule_id}: {uri}"))


def build_server(fixer: FixProvider | None = None) -> HullscanServer:
    """The server with every feature it offers registered."""
    server = HullscanServer(fixer)

    @server.feature(types.INITIALIZE)
    def initialize(ls: HullscanServer, params: types.InitializeParams) -> None:
        folders = [file_path(folder.uri) for folder in params.workspace_folders or ()]
        if not folders and params.root_uri:
            folders = [file_path(params.root_uri)]
        ls.projects = Projects(folder for folder in folders if folder is not None)
        options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        if isinstance(options.get("docsUrl"), str) and "{id}" in options["docsUrl"]:
            ls.pages = RulePages(ls.rules, options["docsUrl"])
        if isinstance(options.get("debounce"), (int, float)) and 0 <= options["debounce"] <= 10:
            ls.debounce = float(options["debounce"])

    @server.feature(types.INITIALIZED)
    async def initialized(ls: HullscanServer, params: types.InitializedParams) -> None:
        watched = ls.client_capabilities.workspace and ls.client_capabilities.workspace.did_change_watched_files
        if watched and watched.dynamic_registration:
            await ls.client_register_capability_async(types.RegistrationParams([types.Registration(
                "hullscan-files", types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                types.DidChangeWatchedFilesRegistrationOptions([types.FileSystemWatcher("**/*")]))]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: HullscanServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: HullscanServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(ls.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: HullscanServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.projects.changed_on_disk()
        ls.schedule(0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: HullscanServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.shown.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(params.text_document.uri, []))
        ls.schedule(0)  # the file on disk stands for it again, in relations to the others

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_changed(ls: HullscanServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.projects.changed_on_disk()
        ls.schedule(ls.debounce)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders_changed(ls: HullscanServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        folders = [file_path(folder.uri) for folder in ls.workspace.folders.values()]
        ls.projects = Projects(folder for folder in folders if folder is not None)
        ls.schedule(0)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def actions(ls: HullscanServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        shown = ls.shown.get(params.text_document.uri)
        if shown is None:
            return None
        document = ls.workspace.get_text_document(params.text_document.uri)
        wanted = ls.workspace.position_codec.range_from_client_units(document.lines, params.range)
        plain = types.Range(types.Position(wanted.start.line, wanted.start.character),
                            types.Position(wanted.end.line, wanted.end.character))
        return code_actions(document.uri, document.source, shown.rel, shown.file_type, shown.flagged, plain,
                            ls.workspace.position_codec, ls.fixer) or None

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: HullscanServer, params: types.HoverParams) -> types.Hover | None:
        shown = ls.shown.get(params.text_document.uri)
        if shown is None:
            return None
        document = ls.workspace.get_text_document(params.text_document.uri)
        at = ls.workspace.position_codec.position_from_client_units(document.lines, params.position)
        return hover(shown.flagged, at.line, at.character, ls.rules, ls.pages.uri)

    @server.command(SHOW_DOCUMENTATION)
    def show_documentation(ls: HullscanServer, *args: Any) -> None:
        rule_id = args[0] if args and isinstance(args[0], str) else ""
        ls.show_documentation(rule_id)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: HullscanServer, *args: Any) -> None:
        ls.shut_down = True
        ls.pages.close()

    return server


def serve() -> int:
    """Serve on standard input and output until `exit`: 0 after a `shutdown`, 1 without one (as
    the protocol asks). Anything else that would write to standard output (a stray print, a
    renderer's child process) goes to standard error instead, so it cannot corrupt the stream."""
    protocol_out: BinaryIO = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="hullscan lsp: %(levelname)s %(message)s")
    server = build_server()
    server.start_io(sys.stdin.buffer, protocol_out)
    server.pages.close()
    return 0 if server.shut_down else 1
