"""A log of the last items, bounded in number and in bytes.

What a long-running server keeps of what clients send, as the request journal
(:mod:`sync_core.journal`) and the events of the control routes
(:mod:`sync_core.adapters.control`) keep it: the last ``size`` items, and about
``max_bytes`` of them, whatever their size, so that no client can make it hold more.

>>> log = BoundedLog[str](size=3, max_bytes=10)
>>> for text in ("aaaa", "bbbb", "cccc"):
...     log.append(text, len(text))
>>> list(log), log.bytes
(['bbbb', 'cccc'], 8)
>>> log.append("x" * 50, 50)  # heavier than the whole bound: kept alone
>>> [len(text) for text in log]
[50]
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

__all__ = ["BoundedLog", "text_bytes"]

T = TypeVar("T")


def text_bytes(text: str) -> int:
    """About how many bytes ``text`` holds in memory: one a character for ASCII, else
    what Python keeps (two or four a character when one is beyond Latin-1 or the Basic
    Multilingual Plane: a single emoji makes a whole text four times its length).

    >>> text_bytes("abc"), text_bytes("ab\U0001f600") >= 12
    (3, True)
    """
    return len(text) if text.isascii() else sys.getsizeof(text)


class BoundedLog(Generic[T]):
    """The last items appended: at most ``size`` of them, and at most about ``max_bytes``
    of their weights (what each costs, as its caller counts it); the oldest are dropped
    first, and the newest is always kept. Not thread-safe: its owner locks.
    """

    __slots__ = ("_bytes", "_items", "_weights", "max_bytes")

    def __init__(self, size: int, max_bytes: int) -> None:
        if size < 0:
            raise ValueError(f"a log keeps 0 items or more, not {size}")
        if max_bytes < 0:
            raise ValueError(f"a log keeps 0 bytes or more, not {max_bytes}")
        self._items: deque[T] = deque(maxlen=size)
        #: The weight of each item kept, in the same order.
        self._weights: deque[int] = deque()
        self._bytes = 0
        self.max_bytes = max_bytes

    @property
    def size(self) -> int:
        """How many items it keeps at most."""
        return self._items.maxlen or 0

    @property
    def bytes(self) -> int:
        """The weights of the items kept, together."""
        return self._bytes

    def append(self, item: T, weight: int) -> None:
        """Keep ``item`` (of ``weight``), dropping the oldest items while there are more
        than ``size`` or they weigh more than ``max_bytes``."""
        items, weights = self._items, self._weights
        if not items.maxlen:
            return
        if len(items) == items.maxlen:  # the append drops the oldest
            self._bytes -= weights.popleft()
        items.append(item)
        weights.append(weight)
        self._bytes += weight
        while self._bytes > self.max_bytes and len(items) > 1:
            items.popleft()
            self._bytes -= weights.popleft()

    def remake(self, make: Callable[[T], T]) -> None:
        """Replace each item kept by ``make(item)`` (of the same weight), in order."""
        remade = [make(item) for item in self._items]
        self._items.clear()
        self._items.extend(remade)

    def clear(self) -> None:
        """Forget every item."""
        self._items.clear()
        self._weights.clear()
        self._bytes = 0

    def drop_while(self, old: Callable[[T], bool]) -> int:
        """Forget the oldest items while ``old(item)`` says so; how many.

        >>> log = BoundedLog[int](size=5, max_bytes=100)
        >>> for n in (1, 2, 3, 4):
        ...     log.append(n, 1)
        >>> log.drop_while(lambda n: n < 3), list(log), log.bytes
        (2, [3, 4], 2)
        """
        items, weights = self._items, self._weights
        count = 0
        while items and old(items[0]):
            items.popleft()
            self._bytes -= weights.popleft()
            count += 1
        return count

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
