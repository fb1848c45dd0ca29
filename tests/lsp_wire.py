"""A minimal LSP client for tests and benchmarks: `hullscan lsp` as a subprocess, spoken to in
JSON-RPC with Content-Length framing, the way an editor speaks to it."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

TIMEOUT = 60.0  # seconds to wait for one message: generous, never a measure of speed


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def _read_messages(stream: BinaryIO, inbox: queue.Queue[dict[str, Any] | None]) -> None:
    while True:
        length = None
        while True:
            header = stream.readline()
            if not header:
                inbox.put(None)
                return
            if header in (b"\r\n", b"\n"):
                break
            name, _, value = header.decode("ascii").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        inbox.put(json.loads(stream.read(length or 0)))


class LspClient:
    """Sends requests and notifications; collects what the server sends back, in order."""

    def __init__(self, command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(list(command), cwd=cwd, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self._next_id = 0
        threading.Thread(target=_read_messages, args=(self.process.stdout, self.inbox), daemon=True).start()

    def send_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def notify(self, method: str, params: Any = None) -> None:
        self.send_raw(frame({"jsonrpc": "2.0", "method": method, "params": params}))

    def request(self, method: str, params: Any = None) -> dict[str, Any]:
        """The server's response (with `result` or `error`) to one request."""
        self._next_id += 1
        number = self._next_id
        self.send_raw(frame({"jsonrpc": "2.0", "id": number, "method": method, "params": params}))
        return self.wait_for(lambda m: m.get("id") == number and "method" not in m)

    def wait_for(self, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The next message that matches; requests from the server are answered with null."""
        while True:
            message = self.inbox.get(timeout=TIMEOUT)
            if message is None:
                raise EOFError("the server closed its output")
            self.seen.append(message)
            if "method" in message and "id" in message:  # a request to the client
                self.send_raw(frame({"jsonrpc": "2.0", "id": message["id"], "result": None}))
            if matches(message):
                return message

    def diagnostics(self, uri: str, version: int | None = None) -> list[dict[str, Any]]:
        """The next diagnostics published for `uri` (for `version`, when given)."""
        message = self.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                                and m["params"]["uri"] == uri
                                and (version is None or m["params"].get("version") == version))
        return message["params"]["diagnostics"]  # type: ignore[no-any-return]

    def initialize(self, root: Path, options: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.request("initialize", {
            "processId": None, "rootUri": root.as_uri(), "workspaceFolders": [{"uri": root.as_uri(), "name": "w"}],
            "initializationOptions": options or {},
            "capabilities": {"textDocument": {"publishDiagnostics": {"relatedInformation": True},
                                              "hover": {"contentFormat": ["markdown", "plaintext"]}},
                             "window": {"showDocument": {"support": True}}}})
        self.notify("initialized", {})
        return response

    def close(self, timeout: float = TIMEOUT) -> int:
        """shutdown, exit, and the exit code."""
        self.request("shutdown")
        self.notify("exit")
        try:
            return self.process.wait(timeout=timeout)
        finally:
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()
