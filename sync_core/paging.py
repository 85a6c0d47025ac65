"""Paging: page sizes, opaque cursor tokens, and the :class:`Page` every listing returns.

Pages are cursors, not offsets. A page token names the last (or first) position a page
showed, and the next page starts strictly after it, so walking a collection that
changes meanwhile never repeats an item and never skips one that stayed in it.

Sizes follow Twilio: any ``page_size`` from 1 is accepted and a page holds at most
100 (a larger size is clamped, not refused: the official SDKs send ``PageSize=limit``
uncapped), 50 by default. A Sync whose page size is lowered for a test
(``Limits(page_size=3)``) clamps to that, its default too.

>>> effective_page_size(None), effective_page_size(20), effective_page_size(5000)
(50, 20, 100)
>>> effective_page_size(None, most=3), effective_page_size(20, most=3)
(3, 3)
>>> effective_page_size(0)
Traceback (most recent call last):
...
sync_core.errors.InvalidParameterError: HTTP 400 error 54454: Invalid 'PageSize' query parameter (PageSize must be a positive integer, got 0)
>>> cursor = Cursor(scope="documents:IS1", position=(7,), backwards=False, page=1)
>>> Cursor.parse(cursor.to_token(), scope=Scope("documents:IS1")) == cursor
True
>>> Cursor.parse("PTnonsense", scope=Scope("documents:IS1"))
Traceback (most recent call last):
...
sync_core.errors.InvalidParameterError: HTTP 400 error 54453: Invalid 'PageToken' query parameter (the page token was not made by this listing)
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, NamedTuple, TypeVar

import attrs

from .errors import PAGE_SIZE_INVALID, PAGE_TOKEN_INVALID, PARAMETER_INVALID, shown
from .limits import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE_SERVED
from .params import UNSET, check_int

__all__ = [
    "Cursor",
    "Page",
    "Position",
    "Scope",
    "SliceFetcher",
    "effective_page_size",
    "read_page",
    "stream_records",
]

R = TypeVar("R")

#: Where a record stands in its listing's order (a creation number, a key, an index).
Position = tuple[str | int, ...]

_TOKEN_PREFIX = "PT"
#: The highest ``Page`` number a listing takes, in a parameter or a token: a 64-bit
#: integer's. The page after one of that number is numbered the same (a label: its
#: token says where it starts), so that no URL a page gives is refused.
MAX_PAGE_NUMBER = 2**63 - 1


def effective_page_size(page_size: object, most: int = MAX_PAGE_SIZE_SERVED) -> int:
    """How many records a page holds for a requested ``page_size`` (None: the default),
    when a page holds at most ``most`` (Twilio's 100, or a lowered limit).

    Raises:
        InvalidParameterError: 54454 unless ``page_size`` is an integer from 1.
    """
    if page_size is None or page_size is UNSET or page_size == "":
        return min(DEFAULT_PAGE_SIZE, most)
    size = check_int(page_size)
    if size is None or size < 1:
        raise PAGE_SIZE_INVALID.error(
            f"PageSize must be a positive integer, got {shown(page_size)}"
        )
    return min(size, most)


class Scope(NamedTuple):
    """Which listing a page token belongs to, with the parameters it was made with.

    ``name`` names the collection (``"services"``, ``"documents:IS..."``,
    ``"map_item:MP..."``...); an item listing adds its fixed ``order`` (``descending``),
    ``from_`` (``start``) and ``bounds`` (``inclusive``), so a token cannot be replayed
    on another listing, nor with other parameters.
    """

    name: str
    descending: bool = False
    start: str | int | None = None
    inclusive: bool = True


def _scope(value: Scope | str) -> Scope:
    return value if isinstance(value, Scope) else Scope(value)


@attrs.frozen
class Cursor:
    """Where a page starts: just after ``position`` in the listing's order.

    ``backwards`` pages (the way to a previous page) start just before ``position`` and
    run against the listing's order; their records are still shown in order.
    ``scope`` (a :class:`Scope`, or the name of one without fixed parameters) says
    which listing the cursor belongs to. Its token keeps every field.
    """

    scope: Scope = attrs.field(converter=_scope)
    position: Position
    backwards: bool
    page: int
    size: int = DEFAULT_PAGE_SIZE

    def to_token(self) -> str:
        """The opaque ``PageToken`` for this cursor."""
        scope = self.scope
        raw = json.dumps(
            [
                scope.name,
                scope.descending,
                scope.start,
                scope.inclusive,
                list(self.position),
                self.backwards,
                self.page,
                self.size,
            ],
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        return _TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def parse(cls, token: object, *, scope: Scope | None) -> Cursor:
        """Read a token made by :meth:`to_token` for the listing ``scope`` (None: any).

        Raises:
            InvalidParameterError: 54453 for anything else.
        """
        try:
            if not isinstance(token, str) or not token.startswith(_TOKEN_PREFIX):
                raise ValueError("not a page token")
            body = token[len(_TOKEN_PREFIX) :]
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            if base64.urlsafe_b64encode(raw).decode().rstrip("=") != body:
                raise ValueError("not as to_token writes it")  # characters dropped, say
            name, descending, start, inclusive, position, backwards, page, size = json.loads(raw)
            if (
                not isinstance(name, str)
                or not isinstance(descending, bool)
                or not (start is None or _is_place(start))
                or not isinstance(inclusive, bool)
                or not isinstance(position, list)
                or not all(_is_place(p) for p in position)
                or not isinstance(backwards, bool)
                or not isinstance(page, int)
                or isinstance(page, bool)
                or not 0 <= page <= MAX_PAGE_NUMBER
                or not isinstance(size, int)
                or isinstance(size, bool)
                or not 1 <= size <= MAX_PAGE_SIZE_SERVED
            ):
                raise ValueError("not a page token")
            # What a token made here holds is UTF-8 text (to_token encodes it): a lone
            # surrogate is a forgery's (UnicodeEncodeError is a ValueError).
            for text in (name, start, *position):
                if type(text) is str:
                    text.encode()
            found = Scope(name, descending, start, inclusive)
            if scope is not None and found != scope:
                raise ValueError("not a page token of this listing")
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
            # RecursionError: JSON nested far deeper than any token (a forged one)
            raise PAGE_TOKEN_INVALID.error("the page token was not made by this listing") from None
        return cls(found, tuple(position), backwards=backwards, page=page, size=size)


def _is_place(value: object) -> bool:
    """Whether ``value`` can stand in a position: a str or an int (never a bool)."""
    return isinstance(value, str | int) and not isinstance(value, bool)


class Page(Generic[R]):
    """One page of records, with the way to the next and previous ones.

    Iterate it, index it or take ``len()``; ``next_page()`` and ``previous_page()``
    fetch the neighbours (None at either end). ``page_token`` values go back to the
    listing's ``page(page_token=...)``.
    """

    def __init__(
        self,
        records: Sequence[R],
        *,
        page_number: int,
        page_size: int,
        next_page_token: str | None,
        previous_page_token: str | None,
        fetch: Callable[[str], Page[R]],
    ) -> None:
        self.records: list[R] = list(records)
        self.page_number = page_number
        self.page_size = page_size
        self.next_page_token = next_page_token
        self.previous_page_token = previous_page_token
        self._fetch = fetch

    def next_page(self) -> Page[R] | None:
        """The following page, or None on the last one."""
        return None if self.next_page_token is None else self._fetch(self.next_page_token)

    def previous_page(self) -> Page[R] | None:
        """The preceding page, or None on the first one."""
        if self.previous_page_token is None:
            return None
        return self._fetch(self.previous_page_token)

    def __iter__(self) -> Iterator[R]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> R:
        return self.records[index]

    def __repr__(self) -> str:
        return (
            f"<Page {self.page_number}: {len(self.records)} records, "
            f"next={'yes' if self.next_page_token else 'no'}>"
        )


#: Reads a listing: ``(after, backwards, limit)`` to at most ``limit`` ``(position,
#: record)`` pairs strictly after ``after`` in the listing's order (from its start when
#: ``after`` is None), or strictly before it when ``backwards``, nearest first.
SliceFetcher = Callable[[Position | None, bool, int], list[tuple[Position, R]]]


def read_page(
    *,
    scope: Scope,
    page_token: object,
    page_number: object,
    page_size: object,
    fetch_slice: SliceFetcher[R],
    position_type: type[str] | type[int],
    fetch: Callable[[str], Page[R]],
    most: int = MAX_PAGE_SIZE_SERVED,
) -> Page[R]:
    """Read one page of a listing; the caller holds the operation it reads under.

    Cost: one slice of ``page_size + 1`` entries and one probe of one entry, so
    O(log n + page size) on a storage with ordered scans.

    Args:
        scope: the listing and its fixed parameters; tokens carry it.
        page_token: a token from an earlier page of the same listing, or UNSET/None for
            the first page.
        page_number: Twilio's ``Page``: client state, echoed as ``page_number``.
        page_size: the requested size (see :func:`effective_page_size`); with a token
            and no size, the size of the page the token came from.
        fetch_slice: reads the listing (see :data:`SliceFetcher`).
        position_type: what the listing's positions are; a token with another is 54453.
        fetch: how the page's ``next_page()``/``previous_page()`` read a token.
        most: the most records a page holds (the Sync's ``limits.page_size``); a
            larger size asked for, or kept in a token, is clamped to it.

    Raises:
        InvalidParameterError: 54454 for a bad page size, 54453 for a bad token, 20001
            for a bad page number.
    """
    size = effective_page_size(page_size, most)
    # ``Page`` is checked whether or not a token comes with it (a token's own number is
    # the one echoed, but a bad ``Page`` beside it is as bad as alone).
    number = check_int(page_number) if page_number not in (None, UNSET, "") else 0
    if number is None or not 0 <= number <= MAX_PAGE_NUMBER:
        raise PARAMETER_INVALID.error(
            detail=f"Page must be an integer from 0 to {MAX_PAGE_NUMBER}: {shown(page_number)}"
        )
    if page_token is None or page_token is UNSET or page_token == "":
        after: Position | None = None
        backwards = False
    else:
        cursor = Cursor.parse(page_token, scope=scope)
        position = cursor.position  # every listing orders by one value
        if len(position) != 1 or not isinstance(position[0], position_type):
            raise PAGE_TOKEN_INVALID.error("the page token was not made by this listing")
        after, backwards, number = cursor.position, cursor.backwards, cursor.page
        if page_size is None or page_size is UNSET or page_size == "":
            # A token keeps the page size of the listing it came from.
            size = min(cursor.size, most)
    rows = fetch_slice(after, backwards, size + 1)
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    has_next = has_previous = False
    if rows:
        if backwards:
            has_previous = more
            has_next = bool(fetch_slice(rows[-1][0], False, 1))
        else:
            has_next = more
            has_previous = bool(fetch_slice(rows[0][0], True, 1))
    next_token = (
        Cursor(
            scope, rows[-1][0], backwards=False, page=min(number + 1, MAX_PAGE_NUMBER), size=size
        ).to_token()
        if has_next
        else None
    )
    previous_token = (
        Cursor(scope, rows[0][0], backwards=True, page=max(number - 1, 0), size=size).to_token()
        if has_previous
        else None
    )
    return Page(
        [record for _, record in rows],
        page_number=number,
        page_size=size,
        next_page_token=next_token,
        previous_page_token=previous_token,
        fetch=fetch,
    )


def stream_records(
    first: Callable[[int | None], Page[R]], limit: object, page_size: int | None
) -> Iterator[R]:
    """Records of every page in turn, at most ``limit`` of them (twilio-python's rules).

    As in twilio-python, a ``limit`` of None or 0 means no limit, and with a ``limit``
    and no ``page_size`` pages are asked for ``limit`` long (a page still holds at most
    100, or the Sync's lowered limit). Each page is read when the previous one
    is used up; the first one is read (and the parameters checked) at the call, as
    twilio-python does.

    Raises:
        InvalidParameterError: 20001 for a negative or non-integer ``limit``.
    """
    most = check_int(limit) if limit is not None else 0
    if most is None or most < 0:
        raise PARAMETER_INVALID.error(
            detail=f"limit must be a non-negative integer: {shown(limit)}"
        )
    if most and page_size is None:
        page_size = most
    return _records(first(page_size), most or None)


def _records(page: Page[R] | None, remaining: int | None) -> Iterator[R]:
    while page is not None:
        for record in page:
            if remaining is not None:
                if remaining <= 0:
                    return
                remaining -= 1
            yield record
        if remaining is not None and remaining <= 0:
            return
        page = page.next_page()
