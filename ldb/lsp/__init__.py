"""ldb's language server (`ldb lsp`, the `lsp` extra: pygls): project mode in any editor."""

from __future__ import annotations


def serve(tcp: tuple[str, int] | None = None) -> None:
    """Serve one editor over standard input and output, or on a TCP address."""
    from ldb.lsp.server import server

    if tcp is None:
        server.start_io()
    else:
        server.start_tcp(*tcp)
