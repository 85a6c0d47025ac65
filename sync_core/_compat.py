"""Deprecation aliases: names that moved keep working, with a DeprecationWarning."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["moved", "reexported"]


def moved(module: str, names: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` that finds each of ``names`` (name -> new module) anew.

    >>> getattr_ = moved("sync_core.old", {"MAX_TTL": "sync_core.limits"})
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = getattr_("MAX_TTL")
    >>> value, str(caught[0].message)
    (31536000, 'sync_core.old.MAX_TTL moved to sync_core.limits.MAX_TTL')
    """

    def __getattr__(name: str) -> object:
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(f"{module}.{name} moved to {target}.{name}", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(target), name)

    return __getattr__


def reexported(module: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that finds each of ``names`` in its own module, silently.

    For names that moved and keep answering where they were, without a warning (they
    are not deprecated, only defined elsewhere to avoid an import cycle).
    """

    def __getattr__(name: str) -> Any:
        target = names.get(name)
        if target is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        return getattr(importlib.import_module(target), name)

    return __getattr__
