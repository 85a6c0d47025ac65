"""The request journal: what a Sync was asked over REST (and so through the SDK), in order.

Every request the REST adapter answers (:class:`~sync_core.adapters.rest.RestApi`, and
so every call of the twilio SDK on ``SyncHttpClient`` or under
:func:`~sync_core.testing.mock_twilio`) is written down: its method, URL, query
parameters and form fields as sent, and the status and Twilio error code of the answer,
reads and refusals included. A test asserts on what the code under test did;
``sync.requests`` is the list, ``sync.journal.clear()`` empties it.

The journal keeps the last ``size`` requests (1,000 by default, ``Sync(journal_size=...)``;
0 keeps none), and at most about ``max_bytes`` of them (64 MiB by default,
``Sync(journal_bytes=...)``: the URLs,
names and values of the fields, and about 100 bytes of bookkeeping a field), dropping
the oldest first, so that a long-running server does not grow without bound: a client
sending large forms of many fields (a 1 MB body of 150,000 short fields is 13 MiB once
parsed) cannot make a thousand of them stay. The newest request is always kept.

>>> from sync_core import Sync
>>> from sync_core.adapters.rest import RestApi
>>> sync = Sync(seed=1)
>>> api = RestApi(sync)
>>> _ = api.handle("POST", "/v1/Services/default/Documents", data={"UniqueName": "d"})
>>> _ = api.handle("GET", "/v1/Services/default/Documents/missing")
>>> [(r.method, r.path, r.status, r.code) for r in sync.requests]
[('POST', '/v1/Services/default/Documents', 201, None), ('GET', '/v1/Services/default/Documents/missing', 404, 20404)]
>>> sync.requests[0].form
{'UniqueName': 'd'}
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Final, NamedTuple, TypeAlias
from urllib.parse import urlsplit

from .bounded import BoundedLog, text_bytes

__all__ = ["DEFAULT_JOURNAL_BYTES", "DEFAULT_JOURNAL_SIZE", "Journal", "JournalEntry"]

#: How many requests a journal keeps unless told otherwise.
DEFAULT_JOURNAL_SIZE: Final = 1_000
#: About how many bytes the requests a journal keeps may take, unless told otherwise.
DEFAULT_JOURNAL_BYTES: Final = 64 * 1_048_576
#: What one request costs besides its text, and one field besides its name and value
#: (a dict entry and two ``str`` objects), in bytes, about.
_ENTRY_BYTES: Final = 300
_FIELD_BYTES: Final = 100


def _weight(url: str, query: Mapping[str, str], form: Mapping[str, str]) -> int:
    """About how many bytes an entry of these fields holds.

    >>> _weight("/v1/Services", {}, {"FriendlyName": "a"})
    425
    """
    weight = _ENTRY_BYTES + (len(url) if url.isascii() else text_bytes(url))
    # (Most requests of the SDK: no query, a form of one to three fields.)
    if query:
        weight += _fields_weight(query)
    if form:
        weight += _fields_weight(form)
    return weight


def _fields_weight(fields: Mapping[str, str]) -> int:
    """What the names and values of ``fields`` hold, about
    (:func:`~sync_core.bounded.text_bytes`), and :data:`_FIELD_BYTES` a field: their
    lengths when they are ASCII, as most are (checks and sums in C)."""
    names, values = fields.keys(), fields.values()
    if all(map(str.isascii, names)) and all(map(str.isascii, values)):
        held = sum(map(len, names)) + sum(map(len, values))
    else:
        held = sum(map(text_bytes, names)) + sum(map(text_bytes, values))
    return _FIELD_BYTES * len(fields) + held


class JournalEntry(NamedTuple):
    """One request and the status (and Twilio code, on a refusal) it was answered with."""

    method: str
    url: str
    query: Mapping[str, str]
    form: Mapping[str, str]
    status: int
    code: int | None = None
    #: The name of the injected fault that failed it (:mod:`sync_core.faults`), if one
    #: did; a timed-out request has status 0 (no answer), and so has one a
    #: ``BaseException`` ended (a subscriber's ``KeyboardInterrupt``: what it committed
    #: stays), with no fault.
    fault: str | None = None

    @property
    def path(self) -> str:
        """The URL's path (as sent: percent-encoded)."""
        return urlsplit(self.url).path


#: An entry as kept: its fields in order (a :class:`JournalEntry` is made when read).
_Kept: TypeAlias = tuple[
    str, str, Mapping[str, str], Mapping[str, str], int, int | None, str | None
]


def _made(fields: _Kept | JournalEntry) -> JournalEntry:
    """The :class:`JournalEntry` of an entry as kept."""
    return fields if isinstance(fields, JournalEntry) else JournalEntry._make(fields)


class Journal:
    """The last requests a Sync answered over REST, oldest first. Thread-safe.

    An entry is kept as a plain tuple of its fields, and made a :class:`JournalEntry`
    when read (:attr:`entries`): the REST adapter writes one on every request, and
    most are never read.

    >>> journal = Journal(size=2)
    >>> journal.add("GET", "/v1/Services", {}, {}, 200)
    >>> journal.record(JournalEntry("POST", "/v1/Services", {}, {"FriendlyName": "a"}, 201))
    >>> journal.add("GET", "/v1/Services/x", {}, {}, 404, 20404)
    >>> [(entry.method, entry.status, entry.code) for entry in journal]
    [('POST', 201, None), ('GET', 404, 20404)]

    Past ``max_bytes`` (about: :data:`DEFAULT_JOURNAL_BYTES`), the oldest go first:

    >>> small = Journal(max_bytes=2_000)
    >>> for n in range(3):
    ...     small.add("POST", "/v1/Services", {}, {"FriendlyName": str(n) * 400}, 201)
    >>> [entry.form["FriendlyName"][0] for entry in small]
    ['1', '2']
    """

    def __init__(
        self,
        size: int = DEFAULT_JOURNAL_SIZE,
        max_bytes: int = DEFAULT_JOURNAL_BYTES,
        *,
        epoch: Callable[[], int] | None = None,
    ) -> None:
        if size < 0:
            raise ValueError(f"a journal keeps 0 requests or more, not {size}")
        if max_bytes < 0:
            raise ValueError(f"a journal keeps 0 bytes or more, not {max_bytes}")
        #: Each entry kept, weighed by :func:`_weight`.
        self._entries: BoundedLog[_Kept | JournalEntry] = BoundedLog(size, max_bytes)
        #: Whether it keeps any request (its size never changes).
        self._keeps = size > 0
        self._lock = threading.Lock()
        self._clears = 0
        self._epoch_of = epoch

    @property
    def epoch(self) -> int:
        """The epoch of the state whose requests it writes down: what ``epoch`` (given)
        says, a Sync's count of the times its state was replaced; else how many times
        it was cleared. :meth:`add` keeps nothing of a request answered from an earlier
        one (a reset, a restore or an import came since, which forgot the journal)."""
        return self._clears if self._epoch_of is None else self._epoch_of()

    @property
    def size(self) -> int:
        """How many requests it keeps at most."""
        return self._entries.size

    @property
    def max_bytes(self) -> int:
        """About how many bytes the requests it keeps may take (settable: the next
        request written down keeps to it)."""
        return self._entries.max_bytes

    @max_bytes.setter
    def max_bytes(self, value: int) -> None:
        if value < 0:
            raise ValueError(f"a journal keeps 0 bytes or more, not {value}")
        with self._lock:
            self._entries.max_bytes = value

    def record(self, entry: JournalEntry) -> None:
        """Write ``entry`` down (the oldest is dropped once the journal is full)."""
        if self._entries.size:
            weight = _weight(entry.url, entry.query, entry.form)
            with self._lock:
                self._entries.append(entry, weight)

    def add(
        self,
        method: str,
        url: str,
        query: Mapping[str, str],
        form: Mapping[str, str],
        status: int,
        code: int | None = None,
        fault: str | None = None,
        *,
        since: int | None = None,
    ) -> None:
        """Write down the entry of these fields, as :meth:`record` does, without making
        the :class:`JournalEntry` until it is read; nothing if ``since`` (the
        :attr:`epoch` the request was answered under) is not the epoch now: the state
        it was answered from was replaced, and the journal forgotten, since."""
        if self._keeps:
            weight = _weight(url, query, form)
            with self._lock:
                if since is None or since == (
                    self._clears if self._epoch_of is None else self._epoch_of()
                ):
                    self._entries.append((method, url, query, form, status, code, fault), weight)

    @property
    def entries(self) -> list[JournalEntry]:
        """The requests kept, oldest first (a copy). Each entry is made once, when first
        read, and kept: it is the same object on every read, as an entry given to
        :meth:`record` (of a subclass too) is."""
        with self._lock:
            kept = self._entries
            if not all(isinstance(fields, JournalEntry) for fields in kept):
                kept.remake(_made)
            return list(kept)  # type: ignore[arg-type]  # every one made above

    def clear(self) -> None:
        """Forget every request written down. One under way is written down when it
        ends, unless the :attr:`epoch` changed meanwhile: a Sync's journal, when its
        state is replaced (not by this clear); a journal of its own, by a clear."""
        with self._lock:
            self._entries.clear()
            self._clears += 1

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<Journal {len(self)} of at most {self.size} requests>"
