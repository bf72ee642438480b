"""A bounded, type-aware repr that never raises, never hangs for long, and hides addresses."""

from __future__ import annotations

import re
import signal
import threading
from collections import deque
from collections.abc import Callable
from types import FrameType, FunctionType
from typing import Any

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")


class _ReprTimeout(Exception):
    pass


class SafeRepr:
    """Renders values for a trace: strings and containers are cut in the middle with their
    real length kept, cycles and depth are bounded, and a `__repr__` of the program's own is
    called under a time limit, its failures shown instead of raised."""

    def __init__(
        self,
        max_chars: int = 240,
        max_items: int = 12,
        max_depth: int = 4,
        repr_seconds: float = 0.05,
    ) -> None:
        self.max_chars = max_chars
        self.max_items = max_items
        self.max_depth = max_depth
        self.repr_seconds = repr_seconds
        # Types whose __repr__ once timed out: never called again in this run.
        self._slow_types: set[type] = set()
        self._main_thread = threading.main_thread()

    def __call__(self, value: object) -> str:
        try:
            return self._cut(self._repr(value, 0, set()))
        except Exception as error:  # the one place where anything may go wrong and be shown
            return f"<{_type_name(value)} (repr failed: {type(error).__name__})>"

    def exception(self, error: BaseException) -> str:
        """`Type: message`, the message bounded like any value; a `__str__` of the program's
        own that raises is shown, not raised."""
        return self._cut(f"{_type_name(error)}: {message_of(error)}")

    def _cut(self, text: str) -> str:
        if len(text) <= self.max_chars:
            return text
        half = (self.max_chars - 5) // 2
        return f"{text[:half]} ... {text[-half:]}"

    def _repr(self, value: object, depth: int, active: set[int]) -> str:
        kind = type(value)
        if kind is bool or value is None or kind is float or kind is complex:
            return repr(value)
        if kind is int:
            return _int_repr(value)  # type: ignore[arg-type]
        if kind is str or kind is bytes or kind is bytearray:
            return self._text(value)  # type: ignore[arg-type]
        if kind in _CONTAINERS:
            return self._container(value, depth, active)
        if hasattr(kind, "shape") and hasattr(kind, "dtype"):
            return self._array(value)
        return self._custom(value)

    def _text(self, value: str | bytes | bytearray) -> str:
        limit = self.max_chars
        if len(value) <= limit:
            return repr(value)
        half = limit // 2
        head, tail = repr(value[:half]), repr(value[-half:])
        return f"{head} ... {tail} (len {len(value)})"

    def _container(self, value: Any, depth: int, active: set[int]) -> str:
        kind = type(value)
        open_, close = _BRACKETS[kind]
        if id(value) in active:
            return f"{open_}...{close}"
        if depth >= self.max_depth:
            return f"{open_}...{close} (len {len(value)})"
        active.add(id(value))
        try:
            items = list(value.items()) if kind is dict else list(value)
            shown = self._middle_cut(items)
            parts = []
            for item in shown:
                if item is _ELLIPSIS:
                    parts.append("...")
                elif kind is dict:
                    key, item_value = item
                    key_text = self._repr(key, depth + 1, active)
                    parts.append(f"{key_text}: {self._repr(item_value, depth + 1, active)}")
                else:
                    parts.append(self._repr(item, depth + 1, active))
        finally:
            active.discard(id(value))
        if kind is tuple and len(items) == 1:
            parts[0] += ","
        if kind in (set, frozenset) and not items:
            return f"{kind.__name__}()"
        body = ", ".join(parts)
        text = f"{open_}{body}{close}"
        if kind is deque:
            text = f"deque({text})"
        elif kind is frozenset:
            text = f"frozenset({text})"
        if len(items) > len(shown) - (1 if _ELLIPSIS in shown else 0):
            text += f" (len {len(items)})"
        return text

    def _middle_cut(self, items: list[Any]) -> list[Any]:
        if len(items) <= self.max_items:
            return items
        head = self.max_items - self.max_items // 3
        tail = self.max_items - head
        return [*items[:head], _ELLIPSIS, *items[-tail:]]

    def _array(self, value: object) -> str:
        shape = getattr(value, "shape", "?")
        dtype = getattr(value, "dtype", "?")
        size = getattr(value, "size", 0)
        if isinstance(size, int) and size <= self.max_items:
            return f"{self._custom(value)}"
        return f"<{_type_name(value)} shape={shape} dtype={dtype}>"

    def _custom(self, value: object) -> str:
        kind = type(value)
        method = getattr(kind, "__repr__", object.__repr__)
        if kind in self._slow_types:
            text = object.__repr__(value)
        elif isinstance(method, FunctionType):  # written in Python: the program's own
            text = self._timed(kind, lambda: method(value))
        else:
            text = repr(value)
        if not isinstance(text, str):
            return f"<{_type_name(value)} (repr returned {type(text).__name__})>"
        if len(text) > self.max_chars:
            text = self._cut(text) + f" (len {len(text)})"
        return _ADDRESS.sub("0x…", text)

    def _timed(self, kind: type, call: Callable[[], object]) -> Any:
        """Call a program's own `__repr__` with a time limit where a timer can interrupt it
        (the main thread); elsewhere only the default repr is safe."""
        if threading.current_thread() is not self._main_thread:
            return f"<{kind.__name__} object>"

        def expire(signum: int, frame: FrameType | None) -> None:
            raise _ReprTimeout

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, self.repr_seconds)
        try:
            return call()
        except _ReprTimeout:
            self._slow_types.add(kind)
            return f"<{kind.__name__} object (repr took too long)>"
        except Exception as error:
            return f"<{kind.__name__} object (repr raised {type(error).__name__})>"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


class _Ellipsis:
    pass


_ELLIPSIS = _Ellipsis()

_CONTAINERS = {list, tuple, dict, set, frozenset, deque}
_BRACKETS: dict[type, tuple[str, str]] = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    dict: ("{", "}"),
    set: ("{", "}"),
    frozenset: ("{", "}"),
    deque: ("[", "]"),
}

# Converting a huge int to decimal is quadratic, and Python refuses past 4300 digits.
_MAX_INT_BITS = 4000


def _int_repr(value: int) -> str:
    bits = value.bit_length()
    if bits <= _MAX_INT_BITS:
        return repr(value)
    digits = int(bits * 0.30103) + 1
    return f"<int with about {digits} digits>"


def message_of(error: BaseException) -> str:
    """`str(error)`, which a program's own exception class may make raise."""
    try:
        return str(error)
    except Exception as failure:
        return f"<message unavailable: {type(failure).__name__}>"


def _type_name(value: object) -> str:
    try:
        return type(value).__name__
    except Exception:
        return "object"
