"""The exceptions ldb raises, under one root.

    LdbError
    ├── InputError                  the caller gave something ldb cannot use  (exit 2)
    │   └── SourceSyntaxError       the program does not parse
    ├── InternalError               ldb itself failed                         (exit 3)
    ├── SandboxError                the sandbox cannot be set up here         (exit 3)
    └── ModelError                  the model could not be reached or failed  (exit 3)
        └── UnusableReply           it answered, but nothing in it can be used

Each class carries its CLI exit code, so the mapping lives in this one place.
"""

from __future__ import annotations


class LdbError(Exception):
    """Root of every error ldb raises on purpose."""

    exit_code: int = 3


class InputError(LdbError):
    """The input (a program, a test, an option) cannot be used as given."""

    exit_code = 2


class SourceSyntaxError(InputError):
    """A program that Python cannot parse; says where, as `file:line:col: message`."""

    def __init__(self, message: str, *, filename: str, line: int, column: int) -> None:
        self.message = message
        self.filename = filename
        self.line = line
        self.column = column
        super().__init__(f"{filename}:{line}:{column}: syntax error: {message}")

    @classmethod
    def from_syntax_error(cls, error: SyntaxError, filename: str) -> SourceSyntaxError:
        return cls(
            error.msg or "invalid syntax",
            filename=filename,
            line=error.lineno or 1,
            column=error.offset or 1,
        )


class InternalError(LdbError):
    """A failure inside ldb rather than in what it was given."""

    exit_code = 3


class SandboxError(LdbError):
    """The sandbox cannot be set up (not the program's fault): bubblewrap missing or failing
    where it was asked for, or a service that would have to run programs unisolated."""

    exit_code = 3


class ModelError(LdbError):
    """The model could not answer: unreachable, an HTTP error after the retries, a timeout,
    or a reply that is not a chat completion. `status` is the HTTP status, when there was one."""

    exit_code = 3

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class UnusableReply(ModelError):
    """The model answered, but its reply holds neither verdicts nor a program that can be
    used; `raw` keeps the reply as it came."""

    def __init__(self, message: str, *, raw: str) -> None:
        super().__init__(message)
        self.raw = raw
