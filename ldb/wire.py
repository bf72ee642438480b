"""The names the parent and the harness in the child agree on: the program's file name, the
roles of a block's elements, and the names the rewritten test calls.

Standard library only, and nothing at import: the child loads this module beside the harness
(see `ldb.run.sandbox.bwrap`), without the rest of ldb.
"""

from __future__ import annotations

PROGRAM_FILENAME = "program.py"
"""What the program is called in tracebacks, events and messages; callers put the user's own
file name back where they show it."""

# The role of a statement or header element in a unit's elements (see `ldb.harness.codemap`).
STATEMENT = 0
HEADER = 1
PASSIVE = 2
ROLES = {"statement": STATEMENT, "header": HEADER, "passive": PASSIVE}
"""By `ldb.models.SpanKind`."""

RESULT_FD = 3
"""The descriptor the harness writes its results to (standard output is the program's)."""

# Names the rewritten test's code calls, bound by the harness in the program's namespace.
ACTUAL = "__ldb_actual__"
EXPECTED = "__ldb_expected__"
FAIL = "__ldb_fail__"
CALL = "__ldb_call__"
CANDIDATE = "candidate"
"""HumanEval's name for the function under test."""
