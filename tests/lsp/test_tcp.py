"""`ldb lsp --tcp HOST:PORT`: the server listening for an editor that connects to it, spoken
to in LSP's own framing over a socket; and the errors of the command itself."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from typing import Any

from tests.helpers.databases import free_port


def message(body: dict[str, Any]) -> bytes:
    data = json.dumps(body).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(data), data)


def answer(stream: socket.socket) -> dict[str, Any]:
    """The next message from the server."""
    header = b""
    while not header.endswith(b"\r\n\r\n"):
        header += stream.recv(1)
    length = int(header.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    body = b""
    while len(body) < length:
        body += stream.recv(length - len(body))
    found: dict[str, Any] = json.loads(body)
    return found


def test_the_server_answers_an_editor_connecting_over_tcp() -> None:
    port = free_port()
    command = [sys.executable, "-m", "ldb", "lsp", "--tcp", f"127.0.0.1:{port}"]
    with subprocess.Popen(command, stderr=subprocess.DEVNULL) as server:
        try:
            talk(port)
        finally:
            server.terminate()


def talk(port: int) -> None:
    """initialize, shutdown and exit, as an editor says them."""
    with connected(port) as stream:
        initialize: dict[str, Any] = {"processId": None, "rootUri": None, "capabilities": {}}
        stream.sendall(
            message({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initialize})
        )
        reply = answer(stream)
        capabilities = reply["result"]["capabilities"]
        assert capabilities["codeLensProvider"] is not None
        assert capabilities["hoverProvider"] and capabilities["inlayHintProvider"]
        commands = capabilities["executeCommandProvider"]["commands"]
        assert {"ldb.debug", "ldb.openViewer"} <= set(commands)
        assert reply["result"]["serverInfo"]["name"] == "ldb"
        stream.sendall(message({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        assert answer(stream)["id"] == 2
        stream.sendall(message({"jsonrpc": "2.0", "method": "exit"}))


def connected(port: int) -> socket.socket:
    """A connection to the server, once it listens."""
    for _ in range(200):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the server never listened")


def test_a_bad_address_is_refused_with_the_usage_exit_code() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ldb", "lsp", "--tcp", "nowhere"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "--tcp wants HOST:PORT, not 'nowhere'" in done.stderr
