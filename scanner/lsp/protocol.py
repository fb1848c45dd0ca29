"""JSON-RPC as the specification asks for it where pygls stays silent: a request the server
cannot read gets an error response instead of none (an editor would wait on it forever), and a
message that is not JSON at all gets a parse error. The server keeps serving either way."""

from __future__ import annotations

import json
from typing import Any

from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol

PARSE_ERROR = -32700


class _Unreadable:
    """What an unreadable message becomes: `handle_message` passes over a message of no version."""

    jsonrpc = ""


class AnsweringProtocol(LanguageServerProtocol):
    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            request_id = data.get("id")
            if "method" in data and isinstance(request_id, (int, str)) and not isinstance(request_id, bool):
                self._send_response(request_id, error=exc.to_response_error())
            return _Unreadable()

    def answer_unreadable(self, error: Exception) -> None:
        """A body that is not JSON, or not a JSON-RPC message: answered with no id, as the
        specification says for a request whose id could not be read."""
        code = PARSE_ERROR if isinstance(error, json.JSONDecodeError) else JsonRpcInvalidRequest.CODE
        message = "Parse error" if code == PARSE_ERROR else "Invalid Request"
        # a plain object, so that `"id": null` is written rather than left out
        self._send_data({"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}})
