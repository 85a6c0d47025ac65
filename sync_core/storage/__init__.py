"""Storages: the :class:`Storage` protocol, the in-memory default, and SQLite."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Key, Storage
from .memory import MemoryStorage

if TYPE_CHECKING:
    from .sqlite import SqliteStorage, StorageForkedError, StorageFormatError

__all__ = [
    "Key",
    "MemoryStorage",
    "SqliteStorage",
    "Storage",
    "StorageForkedError",
    "StorageFormatError",
]


def __getattr__(name: str) -> Any:
    """``SqliteStorage``, ``StorageFormatError`` and ``StorageForkedError``, imported
    when first asked.

    (Lazily: :mod:`sqlite3` is a tenth of ``import sync_core``, and most programs keep
    their state in memory.)
    """
    if name in ("SqliteStorage", "StorageFormatError", "StorageForkedError"):
        from . import sqlite

        return getattr(sqlite, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
