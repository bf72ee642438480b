"""What holds something to let go of (a model's HTTP client): `close()`, and a `with` block
that calls it. Whoever makes one closes it."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self


class Closing(Protocol):
    """A protocol with working defaults: a class that names it as a base gets them."""

    def close(self) -> None:
        """Let go of what is held; nothing, unless the class says otherwise."""
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
