"""Kamailio JSON-RPC over HTTP (jsonrpcs + xhttp on the lab's own port)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class RpcError(Exception):
    """A JSON-RPC error answer, e.g. ``ul.lookup`` of an AOR without contacts."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


def call(url: str, method: str, *params: Any, timeout: float = 5.0) -> Any:
    """Return the ``result`` of ``method``; raise RpcError for an ``error`` answer and OSError
    (ConnectionRefusedError, TimeoutError...) when Kamailio does not answer."""
    body = json.dumps({"jsonrpc": "2.0", "method": method, "params": list(params), "id": 1}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        # jsonrpcs sends RPC-level errors (e.g. "AOR not found in location table") as HTTP 500
        # with a JSON-RPC error object in the body
        try:
            answer = json.loads(exc.read())
        except ValueError:
            raise RpcError(exc.code, str(exc.reason)) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, OSError):
            raise exc.reason from exc
        raise OSError(str(exc.reason)) from exc
    if "error" in answer:
        raise RpcError(int(answer["error"].get("code", 500)), str(answer["error"].get("message", "")))
    return answer.get("result")
