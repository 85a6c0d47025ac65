"""Storages: the :class:`Storage` protocol, the in-memory default, SQLite and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Key, Storage
from .memory import MemoryStorage

if TYPE_CHECKING:
    from .errors import StorageConnectionError, StorageForkedError, StorageFormatError
    from .postgres import PostgresStorage
    from .sqlite import SqliteStorage

__all__ = [
    "Key",
    "MemoryStorage",
    "PostgresStorage",
    "SqliteStorage",
    "Storage",
    "StorageConnectionError",
    "StorageForkedError",
    "StorageFormatError",
]

#: The names imported when first asked, by the module that holds them.
_LAZY = {
    "SqliteStorage": "sqlite",
    "PostgresStorage": "postgres",
    "StorageFormatError": "errors",
    "StorageForkedError": "errors",
    "StorageConnectionError": "errors",
}


def __getattr__(name: str) -> Any:
    """``SqliteStorage``, ``PostgresStorage`` and the storage errors, imported when first
    asked.

    (Lazily: :mod:`sqlite3` is a tenth of ``import sync_core``, psycopg more, and most
    programs keep their state in memory. ``PostgresStorage`` needs psycopg 3:
    ``pip install 'sync_core[postgres]'``.)
    """
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
