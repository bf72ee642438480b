"""The `sys.settrace` backend, for interpreters without `sys.monitoring` (Python 3.11)."""

from __future__ import annotations

import dis
import sys
import threading
from types import CodeType, FrameType
from typing import Any

from .recorder import Recorder

_RETURNS = {dis.opmap[name] for name in ("RETURN_VALUE", "RETURN_CONST") if name in dis.opmap}
_YIELDS = {dis.opmap["YIELD_VALUE"]}


class SettraceBackend:
    name = "settrace"

    def __init__(self, recorder: Recorder, exact_counts: bool) -> None:
        self.recorder = recorder
        self.exact_counts = exact_counts

    def install(self, module_code: CodeType) -> None:
        self.recorder.program_codes(module_code)

    def start(self) -> None:
        threading.settrace(self._call)
        sys.settrace(self._call)

    def stop(self) -> None:
        sys.settrace(None)
        threading.settrace(None)  # type: ignore[arg-type]

    def _call(self, frame: FrameType, event: str, arg: Any) -> Any:
        # Called for every new frame of every function: leave at once unless it is the
        # program's own, since this runs more often than anything else here.
        code_map = self.recorder.code_map(frame.f_code)
        if code_map is None:
            return None
        if frame not in self.recorder.frames:
            self.recorder.start(frame, code_map)
        if code_map.per_instruction:
            frame.f_trace_opcodes = True
        return self._local

    def _local(self, frame: FrameType, event: str, arg: Any) -> Any:
        recorder = self.recorder
        state = recorder.frames.get(frame)
        if state is None:
            return None
        if event == "line" or event == "opcode":
            offset = frame.f_lasti
            table = state.code_map.line_blocks if event == "line" else state.code_map.blocks
            block = table[offset // 2]
            if block >= 0:
                recorder.position(frame, state, block, offset)
        elif event == "return":
            opcode = frame.f_code.co_code[frame.f_lasti]
            if opcode in _YIELDS:
                recorder.suspend(frame)
            else:
                recorder.leave(frame, arg, opcode not in _RETURNS, frame.f_lasti)
        elif event == "exception":
            recorder.raised(frame, arg[1])
        return self._local
