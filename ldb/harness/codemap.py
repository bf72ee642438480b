"""Which basic block each bytecode instruction of the program belongs to.

The parent sends, for every unit of the program, its elements: the source span of each
statement or compound-statement header with the id of its block. An instruction belongs to
the element whose span holds the start of the instruction's position. Some instructions
belong to no block and never move the tracer from one block to another ("neutral"):

- those with no position, or positioned outside every element (RESUME, the `def` line);
- those positioned at a whole compound statement rather than its header: the compiler gives
  `FOR_ITER`, a `with` statement's exit, a `try`'s NOP and jumps of `if` the span of the
  entire statement, body included, and they run at moments that belong to other blocks;
- everything in a passive header: an `except` clause's type test runs for every clause tried,
  matched or not, so a handler's block begins with the first statement of its body; and
  `while True:` compiles to no test at all on some interpreters and a NOP on others.
"""

from __future__ import annotations

import dis
from bisect import bisect_right
from types import CodeType

from ..wire import HEADER, PASSIVE

NEUTRAL = -1

# An element as sent by the parent: line, col, end_line, end_col, block id, role.
Element = tuple[int, int, int, int, int, int]


class CodeMap:
    """The blocks of one code object's instructions, indexed by byte offset // 2."""

    __slots__ = (
        "function",
        "file",
        "key",
        "blocks",
        "line_blocks",
        "per_instruction",
        "block_count",
    )

    def __init__(
        self, function: str, code: CodeType, elements: list[Element], file: str | None = None
    ) -> None:
        self.function = function
        self.file = file
        """The project file it is in, relative to the root; None for a single program."""
        self.key = function if file is None else f"{file}::{function}"
        """What visits are counted under: the function, and in a project its file too."""
        size = len(code.co_code) // 2
        self.blocks = [NEUTRAL] * size
        instructions = list(dis.get_instructions(code))
        starts = [(element[0], element[1]) for element in elements]
        lines: list[int | None] = [None] * size
        for index, instruction in enumerate(instructions):
            block = _block_of(instruction, elements, starts)
            end = instructions[index + 1].offset if index + 1 < len(instructions) else size * 2
            line = instruction.positions.lineno if instruction.positions else None
            for slot in range(instruction.offset // 2, end // 2):
                self.blocks[slot] = block
                lines[slot] = line
        self.line_blocks = _line_blocks(self.blocks, lines)
        blocks_by_line: dict[int, set[int]] = {}
        for slot, block in enumerate(self.blocks):
            line = lines[slot]
            if block != NEUTRAL and line is not None:
                blocks_by_line.setdefault(line, set()).add(block)
        # One line holding two blocks (`if x: return y`) cannot be told apart by line events.
        self.per_instruction = any(len(blocks) > 1 for blocks in blocks_by_line.values())
        self.block_count = max((element[4] for element in elements), default=-1) + 1


def _block_of(
    instruction: dis.Instruction, elements: list[Element], starts: list[tuple[int, int]]
) -> int:
    position = instruction.positions
    if position is None or position.lineno is None or position.col_offset is None:
        return NEUTRAL
    start = (position.lineno, position.col_offset)
    index = bisect_right(starts, start) - 1
    if index < 0:
        return NEUTRAL
    line, col, end_line, end_col, block, role = elements[index]
    if start > (end_line, end_col) or role == PASSIVE:
        return NEUTRAL
    if role == HEADER and start == (line, col):
        end = (position.end_lineno or 0, position.end_col_offset or 0)
        if end > (end_line, end_col):
            return NEUTRAL
    return block


def _line_blocks(blocks: list[int], lines: list[int | None]) -> list[int]:
    """The block a line event at each offset enters: a neutral instruction that starts a line
    (a loop's `FOR_ITER`) stands for the first instruction of a block later on that line."""
    result = list(blocks)
    following = NEUTRAL
    following_line: int | None = None
    for slot in range(len(blocks) - 1, -1, -1):
        if blocks[slot] != NEUTRAL:
            following, following_line = blocks[slot], lines[slot]
        elif lines[slot] == following_line:
            result[slot] = following
    return result


def code_objects(code: CodeType) -> list[CodeType]:
    """A code object and every code object nested in it."""
    found = [code]
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            found.extend(code_objects(constant))
    return found
