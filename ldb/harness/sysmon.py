"""The `sys.monitoring` (PEP 669) backend, for Python 3.12 and newer.

Events are switched on only for the program's own code objects: known in advance for a single
program, found as they are first called for a project (whose code arrives by import), where a
start event for any other code switches itself off at once. Once a block has used its
snapshot budget, its line events are switched off (`DISABLE`), so a hot loop runs at nearly
full speed; entering a block that still records switches them all back on, because that
block's visit ends at whichever line comes next.
"""

from __future__ import annotations

import sys
from types import CodeType
from typing import Any

from .recorder import Recorder

_TOOL_NAME = "ldb"


class MonitoringBackend:
    name = "monitoring"

    def __init__(self, recorder: Recorder, exact_counts: bool) -> None:
        self.recorder = recorder
        self.exact_counts = exact_counts
        self.monitoring: Any = sys.monitoring  # type: ignore[attr-defined,unused-ignore]
        self.tool = -1
        self.codes: list[tuple[CodeType, int]] = []
        self.found: set[CodeType] = set()
        self.disabled = False
        self.lazy = False

    def install(self, module_code: CodeType | None) -> None:
        """Follow the program's code; with no module, each code object as it is first called."""
        monitoring = self.monitoring
        events = monitoring.events
        for tool in range(monitoring.DEBUGGER_ID, 6):
            if monitoring.get_tool(tool) is None:
                monitoring.use_tool_id(tool, _TOOL_NAME)
                self.tool = tool
                break
        else:
            raise RuntimeError("no sys.monitoring tool id is free")
        register = monitoring.register_callback
        register(self.tool, events.PY_START, self._start)
        register(self.tool, events.PY_RETURN, self._return)
        register(self.tool, events.PY_UNWIND, self._unwind)
        register(self.tool, events.LINE, self._line)
        register(self.tool, events.INSTRUCTION, self._instruction)
        register(self.tool, events.RAISE, self._raised)
        register(self.tool, events.EXCEPTION_HANDLED, self._raised)
        if module_code is None:
            self.lazy = True
            return
        for code, code_map in self.recorder.program_codes(module_code):
            self._follow(code, code_map.per_instruction)

    def _follow(self, code: CodeType, per_instruction: bool) -> int:
        events = self.monitoring.events
        # Where lines cannot tell this code's blocks apart, follow instructions instead.
        steps = events.INSTRUCTION if per_instruction else events.LINE
        wanted: int = events.PY_START | events.PY_RETURN | steps
        self.codes.append((code, wanted))
        self.found.add(code)
        return wanted

    def start(self) -> None:
        events = self.monitoring.events
        for code, wanted in self.codes:
            self.monitoring.set_local_events(self.tool, code, wanted)
        everywhere = events.PY_UNWIND | events.RAISE | events.EXCEPTION_HANDLED
        self.monitoring.set_events(self.tool, everywhere | (events.PY_START if self.lazy else 0))
        self.monitoring.restart_events()
        self.disabled = False

    def stop(self) -> None:
        self.monitoring.set_events(self.tool, 0)
        for code, _ in self.codes:
            self.monitoring.set_local_events(self.tool, code, 0)

    def before_top_call(self) -> None:
        """The test is about to call the program: what was switched off comes back on, so
        this call is followed from its start whatever earlier calls used up."""
        if self.disabled:
            self.monitoring.restart_events()
            self.disabled = False

    def _start(self, code: CodeType, offset: int) -> Any:
        frame = sys._getframe(1)
        recorder = self.recorder
        if frame in recorder.frames:
            return None
        code_map = recorder.code_map(code)
        if code_map is None:
            # Not the program's: with discovery on, this code's starts are not seen again.
            return self.monitoring.DISABLE if self.lazy else None
        if code not in self.found:
            self.monitoring.set_local_events(
                self.tool, code, self._follow(code, code_map.per_instruction)
            )
        if recorder.start(frame, code_map) is None:
            return self._disable()
        return None

    def _unfollowed(self) -> Any:
        """A line of a call past its budget: nothing to record here now, nor, until the test
        calls the program again, for any later call."""
        return None if self.exact_counts else self._disable()

    def _disable(self) -> Any:
        self.disabled = True
        return self.monitoring.DISABLE

    def _line(self, code: CodeType, line: int) -> Any:
        frame = sys._getframe(1)
        state = self.recorder.frames.get(frame)
        if state is None:
            return self._unfollowed()
        offset = frame.f_lasti
        block = state.code_map.line_blocks[offset // 2]
        if block < 0:
            return None
        return self._moved(frame, state, block, offset)

    def _instruction(self, code: CodeType, offset: int) -> Any:
        frame = sys._getframe(1)
        state = self.recorder.frames.get(frame)
        if state is None:
            return self._unfollowed()
        block = state.code_map.blocks[offset // 2]
        if block < 0:
            return None
        return self._moved(frame, state, block, offset)

    def _moved(self, frame: Any, state: Any, block: int, offset: int) -> Any:
        entering = block != state.block or offset <= state.offset
        recording = self.recorder.position(frame, state, block, offset)
        if recording:
            if entering and self.disabled:
                self.monitoring.restart_events()
                self.disabled = False
            return None
        if self.exact_counts:
            return None
        return self._disable()

    def _return(self, code: CodeType, offset: int, value: object) -> Any:
        frame = sys._getframe(1)
        state = self.recorder.frames.get(frame)
        recorded = state is not None and self.recorder.leave(frame, value, False, offset)
        if recorded or self.exact_counts or (state is not None and state.depth == 1):
            return None
        # Returns here record nothing more; the test's own calls are finished by its wrapper.
        return self._disable()

    def _unwind(self, code: CodeType, offset: int, exception: BaseException) -> Any:
        frame = sys._getframe(1)
        if frame in self.recorder.frames:
            self.recorder.leave(frame, exception, True, offset)
        return None

    def _raised(self, code: CodeType, offset: int, exception: BaseException) -> Any:
        frame = sys._getframe(1)
        if frame in self.recorder.frames:
            self.recorder.raised(frame, exception)
        return None
