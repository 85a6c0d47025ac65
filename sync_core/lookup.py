"""Finding services and their objects by sid or unique name, with Twilio's 404s.

Addressing follows Twilio: a Service by its sid or by the alias ``default``; a Document
(Map, List, Stream) by its sid or its unique name. A missing resource is a 404 whose
message carries the path as the caller addressed it, without ``/v1``.

``default`` names the account's default service. Like the real one it needs no
creating: the first time anything addresses ``default``, sync_core creates a service
with unique name ``default`` and friendly name ``Default Service`` (docs/model.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from ._compat import moved
from .errors import NOT_FOUND, Where
from .rows import ObjectRow, ServiceRow
from .sids import RandomSids, SeededSids, fresh_sid, is_sid

if TYPE_CHECKING:
    from .engine import Engine

__all__ = [
    "DEFAULT_SERVICE_FRIENDLY_NAME",
    "DEFAULT_SERVICE_NAME",
    "find_object",
    "new_service",
    "new_sid",
    "resolve_service",
    "service_path",
]

DEFAULT_SERVICE_NAME = "default"
DEFAULT_SERVICE_FRIENDLY_NAME = "Default Service"


def service_path(service: str) -> str:
    """The path of a service as addressed, for 404 messages."""
    return f"/Services/{service}"


#: The SID generators of :mod:`sync_core.sids`, whose SIDs need no check.
_OWN_SIDS: Final = frozenset({RandomSids, SeededSids})


def new_sid(engine: Engine, prefix: str, taken: Callable[[str], bool]) -> str:
    """A fresh SID with ``prefix`` that ``taken`` does not already know.

    A seeded generator replayed over a durable store would repeat SIDs; skipping the
    ones in use keeps SIDs unique without giving up reproducibility.
    """
    sids = engine.sids
    sid = fresh_sid(sids, prefix, taken)
    # A SID's prefix tells its kind: lookups rely on it. sync_core's own generators
    # always format one right; a caller's generator is checked.
    if type(sids) not in _OWN_SIDS and not is_sid(sid, prefix):
        raise ValueError(f"{engine.sids!r} made {sid!r} for the prefix {prefix!r}")
    return sid


def new_service(engine: Engine, now: datetime, **settings: Any) -> ServiceRow:
    """A new Service made ``now`` with ``settings`` (checked by the caller), stored.

    Its SID is none a Service has, nor one a deleted Service's change feed still keeps
    events under (a seeded process started again over a durable storage replays the
    SIDs it made: the new Service must not take the old one's numbers and events).
    """
    store = engine.store
    row = ServiceRow(
        sid=new_sid(
            engine,
            "IS",
            lambda sid: store.service(sid) is not None or store.last_sequence(sid) > 0,
        ),
        account_sid=engine.account_sid,
        seq=store.next_seq("services"),
        date_created=now,
        date_updated=now,
        **settings,
    )
    store.put_service(row)
    return row


def resolve_service(
    engine: Engine, now: datetime, service: str, path: Where | None = None
) -> ServiceRow:
    """The service addressed as ``service``; creates the default one on first use.

    ``path`` is the whole path the caller addressed (a document under the service, say):
    Twilio's 404 names the requested resource, not just the missing service.

    Raises:
        NotFoundError: 20404 when there is no such service.
    """
    store = engine.store
    row = None
    if isinstance(service, str):
        # The length first, without a call: most services are addressed by name.
        if len(service) == 34 and is_sid(service, "IS"):
            row = store.service(service)
        if row is None:
            row = store.service_named(service)
    if row is None and service == DEFAULT_SERVICE_NAME:
        engine.draws_sids()  # a refused request does not spend the Service's SID
        row = new_service(
            engine,
            now,
            friendly_name=DEFAULT_SERVICE_FRIENDLY_NAME,
            unique_name=DEFAULT_SERVICE_NAME,
        )
    if row is None:
        raise NOT_FOUND.error(path=service_path(service) if path is None else path)
    return row


def find_object(
    engine: Engine, service_sid: str, kind: str, prefix: str, ident: str
) -> ObjectRow | None:
    """The object of ``kind`` addressed by sid (with ``prefix``) or unique name, if any."""
    store = engine.store
    if not isinstance(ident, str):  # the typed API takes text; a caller may not
        return None
    if len(ident) == 34 and is_sid(ident, prefix):  # the length first, without a call
        row = store.object_by_sid(service_sid, ident)
        if row is not None:
            assert row.kind == kind, "a SID's prefix is its kind"
            return row
    # A unique name is never SID-shaped with lowercase hex, but a SID is matched in
    # either case (as Twilio's patterns are): "ET" + 32 uppercase hex digits may be a name.
    return store.object_named(service_sid, kind, ident)


__getattr__ = moved(__name__, {"expiry_after": "sync_core.params"})
