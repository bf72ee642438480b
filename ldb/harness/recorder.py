"""Turns the positions a tracing backend reports into block events with variable states.

Each traced frame has a current block. When the frame moves to another block, or jumps back
to the start of the same one (a loop of one block), the visit it leaves is closed: an event
with the locals as they are now, which is the state after that block. Returning or raising
closes the last visit with the return value or the exception.

The snapshot budget: the first `visits_per_block` visits of each block in a test case are
recorded in full; later visits are only counted, and the backends stop following what has
used its budget (sys.monitoring switches those events off; settrace stops tracing calls past
the budget, and lines of a frame that has long recorded nothing). Calls made by the test
itself (depth 1) are the failing point and are always recorded: should their return go
unseen, the test's call wrapper finishes them from the frame they leave behind.
"""

from __future__ import annotations

from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

from .codemap import CodeMap, Element, code_objects
from .saferepr import SafeRepr

Event = dict[str, Any]
Sink = Callable[[Event], None]
Units = dict[tuple[str, str, int], tuple[str, list[Element]]]
"""Each traced unit by (code filename, qualname, first line): its name in events, and its
elements."""


class FrameState:
    __slots__ = (
        "id",
        "parent",
        "depth",
        "code_map",
        "block",
        "offset",
        "visits",
        "recording",
        "call_recorded",
        "exception",
        "line_offset",
        "quiet",
    )

    def __init__(
        self, frame_id: int, parent: FrameState | None, depth: int, code_map: CodeMap
    ) -> None:
        self.id = frame_id
        self.parent = parent
        self.depth = depth
        self.code_map = code_map
        self.block = -1
        self.offset = -1
        self.visits: dict[int, int] = {}
        self.recording = False
        self.call_recorded = False
        self.exception: BaseException | None = None
        self.line_offset = -1  # the settrace backend's last line event, when it follows opcodes
        self.quiet = 0  # block visits in a row that recorded nothing (settrace)


class Recorder:
    """Shared by both backends: they call `start`, `position` and `leave`."""

    def __init__(
        self,
        units: Units,
        files: dict[str, str | None],
        sink: Sink,
        *,
        visits_per_block: int,
        exact_counts: bool,
        safe_repr: SafeRepr,
    ) -> None:
        self._units = units
        self._files = files
        """The code filenames traced, each with the `file` its events name (None: no file, a
        single program)."""
        self._sink = sink
        self.visits_per_block = visits_per_block
        self.exact_counts = exact_counts
        self.top_frames: list[FrameType] = []
        # Functions some of whose calls or lines went unseen: their counts are lower bounds.
        self.partly_seen: set[str] = set()
        self._repr = safe_repr
        self._maps: dict[CodeType, CodeMap | None] = {}
        self.frames: dict[FrameType, FrameState] = {}
        self.counts: dict[tuple[str, int], int] = {}
        self._step = 0
        self._next_frame = 0

    def code_map(self, code: CodeType) -> CodeMap | None:
        """The map of one of the program's code objects; None for any other code."""
        try:
            return self._maps[code]
        except KeyError:
            pass
        found = None
        filename = code.co_filename
        if filename in self._files:
            unit = self._units.get((filename, code.co_qualname, code.co_firstlineno))
            if unit is not None:
                found = CodeMap(unit[0], code, unit[1], self._files[filename])
        self._maps[code] = found
        return found

    def program_codes(self, module_code: CodeType) -> list[tuple[CodeType, CodeMap]]:
        pairs = []
        for code in code_objects(module_code):
            code_map = self.code_map(code)
            if code_map is not None:
                pairs.append((code, code_map))
        return pairs

    def reset(self) -> None:
        """Start a new test case: fresh counts, steps and frames."""
        self.frames.clear()
        self.top_frames.clear()
        self.partly_seen.clear()
        self.counts.clear()
        self._step = 0
        self._next_frame = 0

    def visit_rows(self) -> list[list[Any]]:
        """The case's block visits as the parent reads them: [function, block, count, whether
        every visit was seen]."""
        return [
            [function, block, count, function not in self.partly_seen]
            for (function, block), count in self.counts.items()
            if block >= 0
        ]

    # Called by the backends

    def start(self, frame: FrameType, code_map: CodeMap) -> FrameState | None:
        """A call of the program's code. Returns its state, or None when the call is past
        its budget and not made by the test: such a call is only counted, not followed."""
        key = (code_map.key, -1)
        count = self.counts[key] = self.counts.get(key, 0) + 1
        within_budget = count <= self.visits_per_block
        if not within_budget and not self.exact_counts:
            # Called straight from the program's own code, so not by the test: skip the walk
            # up the stack, which deep recursion would make long.
            caller = frame.f_back
            if caller is not None and caller.f_code.co_filename in self._files:
                self.partly_seen.add(code_map.key)
                return None
        parent, depth = self._caller(frame)
        if not within_budget and depth > 1 and not self.exact_counts:
            self.partly_seen.add(code_map.key)
            return None
        state = FrameState(self._next_frame, parent, depth, code_map)
        self._next_frame += 1
        self.frames[frame] = state
        if depth == 1:
            self.top_frames.append(frame)
        state.call_recorded = within_budget or depth == 1
        if state.call_recorded:
            self._emit(frame, state, None, 0, None)
        return state

    def _caller(self, frame: FrameType) -> tuple[FrameState | None, int]:
        """The nearest followed frame of the program up the stack, and this frame's depth:
        one more than that frame's, plus the program's frames not followed in between.
        Frames of other code (lambdas, comprehensions, the library) do not count."""
        skipped = 0
        caller = frame.f_back
        for _ in range(256):
            if caller is None:
                break
            parent = self.frames.get(caller)
            if parent is not None:
                return parent, parent.depth + 1 + skipped
            if caller.f_code.co_filename in self._files and self.code_map(caller.f_code):
                skipped += 1
            caller = caller.f_back
        return None, 1 + skipped

    def position(self, frame: FrameType, state: FrameState, block: int, offset: int) -> bool:
        """The frame is about to run the instruction at `offset`, in `block`. Returns whether
        that block is still within its snapshot budget."""
        # Within one visit offsets only grow (a statement over several lines revisits its
        # first line, further on); a jump back to the start of the block begins a new visit.
        if block == state.block and offset > state.offset:
            state.offset = offset
            return state.recording
        self._close(frame, state, None)
        state.block = block
        state.offset = offset
        state.visits[block] = state.visits.get(block, 0) + 1
        key = (state.code_map.key, block)
        count = self.counts[key] = self.counts.get(key, 0) + 1
        state.recording = count <= self.visits_per_block
        return state.recording

    def raised(self, frame: FrameType, exception: BaseException) -> None:
        state = self.frames.get(frame)
        if state is not None:
            state.exception = exception

    def leave(self, frame: FrameType, value: object, raised: bool, offset: int) -> bool:
        """The frame returns `value`, or raises it, at the instruction at `offset`: that
        instruction's block is where the frame ends, even if line events were switched off.
        Returns whether an event was recorded."""
        state = self.frames.pop(frame, None)
        if state is None:
            return False
        block = state.code_map.blocks[offset // 2] if offset >= 0 else -1
        if block >= 0 and block != state.block:
            self.position(frame, state, block, offset)
        if raised:
            if isinstance(value, BaseException):
                state.exception = value
            extra = ("exception", self._exception(state.exception))
        else:
            extra = ("return", self._repr(value))
        if state.depth == 1:
            state.recording = True
        return self._close(frame, state, extra)

    def finish_top(self, since: int, value: object, raised: bool) -> None:
        """After the test's call returned: a call it made whose return went unseen (its
        events were switched off) is closed from the frame it left behind."""
        started = self.top_frames[since:]
        del self.top_frames[since:]
        for frame in started:
            if frame in self.frames:
                if len(started) == 1:
                    self.leave(frame, value, raised, frame.f_lasti)
                else:  # several calls (map(f, xs)): which one returned `value` is unknown
                    del self.frames[frame]

    # Events

    def _close(self, frame: FrameType, state: FrameState, extra: tuple[str, str] | None) -> bool:
        block = state.block
        if block < 0:
            if extra is None or not state.call_recorded:
                return False
        elif not state.recording:
            return False
        exception = state.exception
        if exception is not None and extra is None:
            extra = ("exception", self._exception(exception))
        state.exception = None
        self._emit(frame, state, block if block >= 0 else None, state.visits.get(block, 0), extra)
        return True

    def _emit(
        self,
        frame: FrameType,
        state: FrameState,
        block: int | None,
        visit: int,
        extra: tuple[str, str] | None,
    ) -> None:
        self._step += 1
        event: Event = {
            "step": self._step,
            "function": state.code_map.function,
            "block": block,
            "visit": visit,
            "depth": state.depth,
            "frame": state.id,
            "parent_frame": state.parent.id if state.parent is not None else None,
            "state": self.snapshot(frame),
        }
        if extra is not None:
            event[extra[0]] = extra[1]
        if state.code_map.file is not None:
            event["file"] = state.code_map.file
        self._sink(event)

    def snapshot(self, frame: FrameType) -> dict[str, str]:
        safe_repr = self._repr
        names = frame.f_locals
        if frame.f_code.co_name == "<module>":
            return {
                name: safe_repr(value)
                for name, value in names.items()
                if not name.startswith("__") and not _is_definition(value)
            }
        return {name: safe_repr(value) for name, value in names.items()}

    def _exception(self, exception: BaseException | None) -> str:
        if exception is None:
            return "<unknown exception>"
        return self._repr.exception(exception)


def _is_definition(value: object) -> bool:
    kind = type(value).__name__
    return kind in ("module", "function", "type", "builtin_function_or_method")
