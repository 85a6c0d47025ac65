"""Listings: the ``page``/``stream``/``list`` trio that every collection resource shares.

Services, Documents (Maps, Lists, Streams), Map and List items, and permissions are
all listed the same way (twilio-python's): ``page()`` reads one page in one operation,
``stream()`` yields records a page at a time, ``list()`` gathers them, both with
``limit`` and ``page_size``. :class:`Listing` writes that once; each resource says only
where its records come from (:meth:`Listing._source`): which listing it is (the
:class:`~sync_core.paging.Scope` its page tokens carry) and how to read a slice of it.
Paging itself (cursors, sizes, tokens) is :mod:`sync_core.paging`.

>>> from sync_core import Sync
>>> docs = Sync(seed=4).services("default").documents
>>> for n in range(3):
...     _ = docs.create(unique_name=f"d{n}")
>>> page = docs.page(page_size=2)
>>> [d.unique_name for d in page], [d.unique_name for d in page.next_page()]
(['d0', 'd1'], ['d2'])
>>> [d.unique_name for d in docs.stream(limit=2)]
['d0', 'd1']
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Generic, NamedTuple, ParamSpec, TypeVar

from .instances import stream_twin, twin
from .paging import Page, Scope, SliceFetcher, read_page, stream_records
from .params import UNSET, Unset

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["Addressing", "Listing", "PlainListing", "Source", "gathered"]

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F")
K = TypeVar("K")
C = TypeVar("C")


class Source(NamedTuple, Generic[R]):
    """Where a listing's records come from: its scope, and how to read a slice of it.

    ``position_type`` is what stands in its positions (a creation number, a key, an
    index, an identity): a page token holding anything else is refused (54453).
    """

    scope: Scope
    fetch_slice: SliceFetcher[R]
    position_type: type[str] | type[int]


class Listing(ABC, Generic[R, F]):
    """The page/stream/list mechanism, for listings whose filters are of type ``F``."""

    @property
    @abstractmethod
    def _engine(self) -> Engine:
        """The engine the listing reads under."""

    @abstractmethod
    def _source(self, now: datetime, filters: F, page_token: object) -> Source[R]:
        """Check what the listing needs (its owner: 404/403; the filters: 400).

        Runs inside the operation that reads the page, at ``now``. ``page_token`` is
        the token asked for, if any (a listing may take its fixed parameters from it).
        """

    def _page(
        self,
        filters: F,
        page_token: str | Unset | None,
        page_number: int | Unset | None,
        page_size: int | Unset | None,
    ) -> Page[R]:
        """One page, in one operation. Cost: O(log n + page size)."""
        engine = self._engine
        with engine.operation("list", self) as now:
            source = self._source(now, filters, page_token)
            return read_page(
                scope=source.scope,
                page_token=page_token,
                page_number=page_number,
                page_size=page_size,
                fetch_slice=source.fetch_slice,
                position_type=source.position_type,
                fetch=lambda token: self._page(filters, token, UNSET, UNSET),
                most=engine.limits.page_size,
            )

    def _stream(self, filters: F, limit: int | None, page_size: int | None) -> Iterator[R]:
        """The records one at a time, reading a page at a time; at most ``limit``."""
        return stream_records(
            lambda size: self._page(filters, UNSET, UNSET, size), limit, page_size
        )


def gathered(stream: Callable[P, Iterator[R]]) -> Callable[P, list[R]]:
    """A listing's ``list``, made from its ``stream``: the same parameters, as a list.

    In a class body: ``list = gathered(stream)``.
    """

    @functools.wraps(stream)
    def gather(*args: P.args, **kwargs: P.kwargs) -> list[R]:
        return list(stream(*args, **kwargs))

    gather.__name__ = gather.__qualname__ = "list"
    gather.__doc__ = "The records as a list; the parameters are :meth:`stream`'s."
    return gather


class PlainListing(Listing[R, None]):
    """A listing without filters: services, objects of one kind, permissions."""

    def page(
        self,
        page_token: str | Unset | None = UNSET,
        page_number: int | Unset | None = UNSET,
        page_size: int | Unset | None = UNSET,
    ) -> Page[R]:
        """One page of the records. Cost: O(log n + page size).

        Raises:
            NotFoundError: 20404, what the records belong to does not exist.
            InvalidParameterError: 54454 page size, 54453 page token.
        """
        return self._page(None, page_token, page_number, page_size)

    def stream(self, limit: int | None = None, page_size: int | None = None) -> Iterator[R]:
        """The records one at a time, reading a page at a time; at most ``limit``."""
        return self._stream(None, limit, page_size)

    list = gathered(stream)
    page_async = twin(page)
    stream_async = stream_twin(stream)
    list_async = twin(list)


class Addressing(ABC, Generic[K, C]):
    """One member of a collection, by what addresses it: ``get(key)`` or ``collection(key)``.

    ``key`` is a sid or unique name, a Map Item's key, a List Item's index, or an
    identity; the member is looked up when it is used, not now.
    """

    @abstractmethod
    def _context(self, key: K) -> C:
        """The member's context (each collection names its own class)."""

    def get(self, key: K) -> C:
        """The member addressed by ``key``, looked up when used."""
        return self._context(key)

    def __call__(self, key: K) -> C:
        """The member addressed by ``key``, looked up when used."""
        return self._context(key)
