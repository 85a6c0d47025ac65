"""Records that act like twilio-python's instances, and the ``_async`` twin of every call.

twilio-python's instances are not only data: ``doc = docs.create(...)`` then
``doc.update(data=...)``, ``doc.fetch()``, ``doc.delete()``, ``doc.document_permissions``.
sync_core's records do the same, through the context of the object they show (a
:class:`~sync_core.DocumentContext` for a :class:`~sync_core.DocumentRecord`, ...),
acting as the identity that read them, while staying frozen snapshots of the moment
they were read. And as the SDK gives every call a coroutine twin (``fetch_async``,
``create_async``, ``list_async``, ``stream_async``, ...), so does sync_core: the twin
answers as the call does (sync_core does no I/O, so awaiting it never waits long).

>>> import asyncio
>>> from sync_core import Sync
>>> docs = Sync(seed=7).services("default").documents
>>> doc = docs.create(unique_name="prefs", data={"theme": "dark"})
>>> doc.update(data={"theme": "light"}).revision, doc.revision   # the snapshot stays
('1', '0')
>>> asyncio.run(doc.fetch_async()).data
{'theme': 'light'}
>>> [d.unique_name for d in asyncio.run(docs.list_async())]
['prefs']
"""

from __future__ import annotations

import functools
from abc import abstractmethod
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

__all__ = ["Instance", "acting", "stream_twin", "through_context", "twin"]

P = ParamSpec("P")
T = TypeVar("T")
C = TypeVar("C")
C_co = TypeVar("C_co", covariant=True)
R = TypeVar("R")


def twin(method: Callable[P, T]) -> Callable[P, Coroutine[Any, Any, T]]:
    """The coroutine twin of ``method``: in a class body, ``fetch_async = twin(fetch)``."""

    @functools.wraps(method)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        return method(*args, **kwargs)

    run.__name__ = run.__qualname__ = f"{method.__name__}_async"
    run.__doc__ = f"``await``-able :meth:`{method.__name__}`, as the twilio SDK's twin."
    return run


async def _each(records: Iterator[R]) -> AsyncIterator[R]:
    for record in records:
        yield record


def stream_twin(
    stream: Callable[P, Iterator[R]],
) -> Callable[P, Coroutine[Any, Any, AsyncIterator[R]]]:
    """``stream_async``: awaited, it gives an async iterator (``async for r in await ...``)."""

    @functools.wraps(stream)
    async def run(*args: P.args, **kwargs: P.kwargs) -> AsyncIterator[R]:
        return _each(stream(*args, **kwargs))

    run.__name__ = run.__qualname__ = "stream_async"
    run.__doc__ = ":meth:`stream` as the SDK's ``stream_async``: ``async for r in await ...``."
    return run


class Instance(Generic[C_co]):
    """A record that acts through the context of the object it shows."""

    @abstractmethod
    def _context(self) -> C_co:
        """The context of this record's object, acting as the identity that read it."""


def through_context(
    method: Callable[Concatenate[C, P], T],
) -> Callable[Concatenate[Instance[C], P], T]:
    """A record's method that calls ``method`` on the record's context.

    In a record's class body: ``update = through_context(DocumentContext.update)``.
    """

    @functools.wraps(method)
    def call(self: Instance[C], /, *args: P.args, **kwargs: P.kwargs) -> T:
        return method(self._context(), *args, **kwargs)

    return call


def acting(
    method: Callable[Concatenate[C, P], T],
) -> tuple[
    Callable[Concatenate[Instance[C], P], T],
    Callable[Concatenate[Instance[C], P], Coroutine[Any, Any, T]],
]:
    """A record's method through its context, and its ``_async`` twin.

    In a record's class body: ``fetch, fetch_async = acting(DocumentContext.fetch)``.
    """
    call = through_context(method)
    return call, twin(call)
