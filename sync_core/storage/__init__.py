"""Storages: the :class:`Storage` protocol, the in-memory default, and SQLite."""

from __future__ import annotations

from .base import Key, Storage
from .memory import MemoryStorage
from .sqlite import SqliteStorage, StorageFormatError

__all__ = ["Key", "MemoryStorage", "SqliteStorage", "Storage", "StorageFormatError"]
