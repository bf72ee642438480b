"""The `sys.settrace` backend, for interpreters without `sys.monitoring` (Python 3.11)."""

from __future__ import annotations

import dis
import sys
import threading
from types import CodeType, FrameType
from typing import Any

from .recorder import FrameState, Recorder

_RETURNS = {dis.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in dis.opmap}
_YIELDS = {dis.opmap["YIELD_VALUE"]}
_RESUME = dis.opmap["RESUME"]


# Visits in a row that recorded nothing before a frame's line events are switched off.
_QUIET_VISITS = 64


class SettraceBackend:
    name = "settrace"

    def __init__(self, recorder: Recorder, exact_counts: bool) -> None:
        self.recorder = recorder
        self.exact_counts = exact_counts
        self._local_function = self._local

    def install(self, module_code: CodeType | None) -> None:
        """Nothing to switch on: every new frame is looked at (a project's code is found as it
        is first called)."""
        if module_code is not None:
            self.recorder.program_codes(module_code)

    def start(self) -> None:
        threading.settrace(self._call)
        sys.settrace(self._call)

    def stop(self) -> None:
        sys.settrace(None)
        threading.settrace(None)

    def before_top_call(self) -> None:
        """Nothing to switch back on: settrace sees every call anew."""

    def _moved(self, frame: FrameType, state: FrameState, block: int, offset: int) -> None:
        if self.recorder.position(frame, state, block, offset):
            state.quiet = 0
            return
        state.quiet += 1
        if state.quiet > _QUIET_VISITS and not self.exact_counts:
            # Settrace cannot switch one block off, only a whole frame's lines; its return
            # is still seen, and tells in which block it ended.
            frame.f_trace_lines = False
            frame.f_trace_opcodes = False
            self.recorder.partly_seen.add(state.code_map.key)

    def _call(self, frame: FrameType, event: str, arg: Any) -> Any:
        # Called for every new frame of every function: leave at once unless it is the
        # program's own, since this runs more often than anything else here.
        code_map = self.recorder.code_map(frame.f_code)
        if code_map is None:
            return None
        if frame not in self.recorder.frames and self.recorder.start(frame, code_map) is None:
            return None  # a call past its budget: counted, not followed
        if code_map.per_instruction:
            # Lines cannot tell this code's blocks apart: follow instructions instead. Python
            # 3.12 keeps opcode events on only in this form: the local function assigned to
            # the frame and None returned (returning it resets them); line events stay on,
            # since without them 3.12 sends no opcode events either.
            frame.f_trace = self._local_function
            frame.f_trace_opcodes = True
            return None
        return self._local_function

    def _local(self, frame: FrameType, event: str, arg: Any) -> Any:
        recorder = self.recorder
        state = recorder.frames.get(frame)
        if state is None:
            return None
        if event == "line":
            code_map = state.code_map
            offset = frame.f_lasti
            if code_map.per_instruction:
                # Python 3.12 sends opcode events only from a code's second call on; until
                # then lines are all there is. When both come, the opcode event for the same
                # instruction is the line event again.
                state.line_offset = offset
                block = code_map.blocks[offset // 2]
            else:
                block = code_map.line_blocks[offset // 2]
            if block >= 0:
                self._moved(frame, state, block, offset)
        elif event == "opcode":
            offset = frame.f_lasti
            if offset == state.line_offset:
                state.line_offset = -1
                return self._local_function
            block = state.code_map.blocks[offset // 2]
            if block >= 0:
                self._moved(frame, state, block, offset)
        elif event == "return":
            code = frame.f_code.co_code
            opcode = code[frame.f_lasti]
            # Python 3.13 reports a yield at the RESUME that follows it.
            # A generator that yields keeps its frame, to resume later: only a real end leaves.
            if opcode not in _YIELDS and not (
                opcode == _RESUME and code[frame.f_lasti - 2] in _YIELDS
            ):
                recorder.leave(frame, arg, opcode not in _RETURNS, frame.f_lasti)
        elif event == "exception":
            recorder.raised(frame, arg[1])
        return self._local_function
