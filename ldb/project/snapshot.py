"""The files a repair may change, as they were when a run began; a repair written back into
the tree only over files nobody changed since."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ldb.errors import InputError


@dataclass(frozen=True)
class Snapshot:
    """The bytes of some files of a tree at one moment (a file that could not be read as
    UTF-8 text is left out: it cannot be repaired)."""

    root: Path
    texts: dict[str, str]

    @classmethod
    def take(
        cls, root: Path, relatives: Iterable[str], unsaved: Mapping[str, str] | None = None
    ) -> Snapshot:
        """The files' texts now: the `unsaved` ones' as given (an editor's buffers), the
        rest's read from the tree."""
        texts: dict[str, str] = {}
        for relative in relatives:
            if unsaved and relative in unsaved:
                texts[relative] = unsaved[relative]
                continue
            try:
                texts[relative] = (root / relative).read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
        return cls(root, texts)

    def changed_since(self, relatives: Iterable[str]) -> list[str]:
        """Those of the files whose bytes are no longer what they were (or are gone)."""
        changed = []
        for relative in relatives:
            try:
                now = (self.root / relative).read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                now = None
            if now != self.texts.get(relative):
                changed.append(relative)
        return changed

    def write(self, files: Mapping[str, str]) -> None:
        """Write the files into the tree, each whole or not at all (a file beside it renamed
        over it, its mode kept); refused, with nothing written, when any of them changed
        since the snapshot."""
        changed = self.changed_since(files)
        if changed:
            raise InputError(
                f"not applied: {', '.join(changed)} changed since the run began; the patch "
                "is in the result"
            )
        for relative, text in files.items():
            target = self.root / relative
            status = target.stat()
            descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
                    out.write(text)
                os.chmod(temporary, status.st_mode)
                if os.geteuid() == 0:
                    os.chown(temporary, status.st_uid, status.st_gid)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
