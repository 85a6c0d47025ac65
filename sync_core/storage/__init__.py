"""Storages: the :class:`Storage` protocol and the in-memory default."""

from __future__ import annotations

from .base import Key, Storage
from .memory import MemoryStorage

__all__ = ["Key", "MemoryStorage", "Storage"]
