"""Public names of a package imported on first use, from the modules that define them."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def exports(
    package: str,
    names: Sequence[str],
    homes: Sequence[str],
    renamed: Mapping[str, tuple[str, str]] | None = None,
) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: each of `names` is looked up in `renamed`
    (module, its name there), else in the first of `homes` that defines it, and kept in the
    package from then on. Order `homes` so that a cheap module comes before a costly one."""
    where = dict(renamed or {})

    def lookup(name: str) -> Any:
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if name in where:
            module, attribute = where[name]
            value = getattr(importlib.import_module(module), attribute)
        else:
            found = (vars(importlib.import_module(home)) for home in homes)
            value = next((each[name] for each in found if name in each), None)
            if value is None:
                raise AttributeError(f"{package}.{name} is listed but defined in none of {homes}")
        setattr(importlib.import_module(package), name, value)
        return value

    return lookup
