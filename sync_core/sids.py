"""SIDs: Twilio's two-letter prefix plus 32 lowercase hex digits.

Two generators: :class:`RandomSids` (the default, from the OS's randomness) and
:class:`SeededSids`, which gives the same sequence for the same seed so that two runs
produce identical records.

>>> sids = SeededSids(42)
>>> first = sids("ET")
>>> first == SeededSids(42)("ET"), len(first), first[:2]
(True, 34, 'ET')
>>> is_sid(first, "ET"), is_sid(first, "IS"), is_sid("ETnot-a-sid")
(True, False, False)
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable
from typing import Final, Protocol, runtime_checkable

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "RandomSids",
    "SeededSids",
    "SidGenerator",
    "fresh_sid",
    "is_sid",
    "looks_like_sid",
]

#: The account every :class:`~sync_core.Sync` belongs to unless told otherwise.
DEFAULT_ACCOUNT_SID: Final = "AC" + "0" * 32
#: The auth token of a :class:`~sync_core.Sync`'s account unless told otherwise: what
#: webhook signatures are computed with (and, over HTTP, what Basic auth may check).
DEFAULT_AUTH_TOKEN: Final = "sync_core-test-token"

# The spec's SID patterns accept either case of hex digit (e.g. ^ET[0-9a-fA-F]{32}$).
_SID: Final = re.compile(r"[A-Z]{2}[0-9a-fA-F]{32}")
# A unique_name may not look like a SID (SEMANTICS.md: it would shadow one).
_SID_SHAPED_NAME: Final = re.compile(r"[A-Z]{2}[a-f0-9]{32}")


@runtime_checkable
class SidGenerator(Protocol):
    """Makes a new SID for a two-letter prefix, e.g. ``gen("ET")``.

    A SID already in use is skipped (a seeded generator replayed over a durable
    storage repeats the SIDs it made before), as long as the generator makes another;
    one that makes a SID it made during the same skip again is refused, a
    ``ValueError`` (:func:`fresh_sid`), rather than asked forever.

    A generator that also has ``getstate()`` and ``setstate(state)`` (both, as
    :class:`SeededSids` has) is put back where it was when an operation that drew a
    SID is refused, and is saved in snapshots: a seeded run makes the same SIDs whether
    refused requests came first or not. With only one of the two, neither is used.
    """

    def __call__(self, prefix: str) -> str:
        """A SID that starts with ``prefix`` and was never returned before."""
        ...


def fresh_sid(sids: SidGenerator, prefix: str, taken: Callable[[str], bool]) -> str:
    """The first SID ``sids`` makes for ``prefix`` that ``taken`` does not know.

    >>> fresh_sid(SeededSids(1), "ET", lambda sid: False) == SeededSids(1)("ET")
    True
    >>> fresh_sid(lambda prefix: prefix + "a" * 32, "ET", lambda sid: True)
    Traceback (most recent call last):
    ...
    ValueError: the SID generator made 'ETaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' again, and it is in use

    Raises:
        ValueError: ``sids`` made again a SID it had made during this call, in use.
    """
    sid = sids(prefix)
    tried: set[str] = set()
    while taken(sid):
        if sid in tried:  # it goes round among SIDs in use: it would never end
            raise ValueError(f"the SID generator made {sid!r} again, and it is in use")
        tried.add(sid)
        sid = sids(prefix)
    return sid


#: The operating system's randomness, as :func:`secrets.randbits` draws it (``secrets``
#: itself is not imported: it loads OpenSSL's hashes, a twentieth of ``import sync_core``).
_SYSTEM_RANDOM: Final = random.SystemRandom()


def _format(prefix: str, bits: int) -> str:
    return f"{prefix}{bits:032x}"


class RandomSids:
    """SIDs from the operating system's randomness (the default)."""

    def __call__(self, prefix: str) -> str:
        """A fresh random SID with ``prefix``."""
        return _format(prefix, _SYSTEM_RANDOM.getrandbits(128))

    def __repr__(self) -> str:
        return "RandomSids()"


class SeededSids:
    """A reproducible sequence of SIDs: the same seed gives the same SIDs in the same order.

    Thread-safe. The sequence is shared across prefixes, so the n-th SID depends on the
    n-1 made before it, whatever their prefixes.
    """

    def __init__(self, seed: int | str | bytes) -> None:
        self._seed = seed
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self, prefix: str) -> str:
        """The next SID of the sequence, with ``prefix``."""
        with self._lock:
            return _format(prefix, self._random.getrandbits(128))

    def getstate(self) -> object:
        """Where the sequence is: ``setstate`` of it makes the same SIDs again.

        >>> sids = SeededSids(1)
        >>> place = sids.getstate()
        >>> first = sids("ET")
        >>> sids.setstate(place)
        >>> sids("ET") == first
        True
        """
        with self._lock:
            return self._random.getstate()

    def setstate(self, state: object) -> None:
        """Go back (or forward) to a place ``getstate`` gave."""
        with self._lock:
            self._random.setstate(state)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"SeededSids({self._seed!r})"


def is_sid(value: object, prefix: str | None = None) -> bool:
    """Whether ``value`` has the shape of a SID (of ``prefix``, when given)."""
    # The length and the prefix first: most values asked about are names ("default").
    if not isinstance(value, str) or len(value) != 34:
        return False
    if prefix is not None and not value.startswith(prefix):
        return False
    return _SID.fullmatch(value) is not None


def looks_like_sid(name: str) -> bool:
    """Whether a would-be unique name matches ``[A-Z]{2}[a-f0-9]{32}`` and is so refused."""
    return _SID_SHAPED_NAME.fullmatch(name) is not None
