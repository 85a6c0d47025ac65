"""Sync Streams and their messages: publish and subscribe, nothing stored.

``sync.services(s).sync_streams`` is a :class:`SyncStreamList` (create, list, stream,
page); ``.sync_streams("s")`` a :class:`SyncStreamContext` (fetch, update, delete,
subscribe); ``.sync_streams("s").stream_messages`` a :class:`StreamMessageList`, whose
``create(data=...)`` publishes a message. Names and parameters are twilio-python's.

Rules (SEMANTICS.md, "Streams"): a Stream is a named object like a Document (sid
``TO...`` or unique name, ``ttl``, expiry) but has no data and no revision. A message's
``data`` is a JSON object of at most 4,096 bytes (413/54006 above, 400/54251 when null);
publishing returns ``{sid: "TZ...", data}`` and delivers a ``stream_message_published``
event to the current subscribers only. Messages are never listed nor fetched: no
resource holds them. Like every event, a message's is kept by the change feed for its
retention (:mod:`sync_core.changes`: what another process's subscribers hear it by).

>>> from sync_core import Sync
>>> streams = Sync(seed=13).services("default").sync_streams
>>> _ = streams.create(unique_name="cursor")
>>> heard = []
>>> handle = streams("cursor").subscribe(lambda e: heard.append(e.data))
>>> message = streams("cursor").stream_messages.create(data={"x": 3, "y": 4})
>>> message.sid[:2], heard
('TZ', [{'x': 3, 'y': 4}])
>>> streams("cursor").stream_messages.create(data={"blob": "x" * 4096})
Traceback (most recent call last):
...
sync_core.errors.PayloadTooLargeError: HTTP 413 error 54006: Request entity too large (data is 4107 bytes, the limit is 4096)
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

import attrs

from .actor import Actor
from .errors import NO_PARAMETERS, STREAM_MESSAGE_DATA_MISSING
from .events import Change, EventCallback, Subscription
from .instances import Instance, acting, twin
from .lookup import new_sid
from .objects import ObjectContext, ObjectInstance, ObjectKind, ObjectList
from .params import UNSET, Unset, check_ttl, expiry_after, ttl_given
from .payload import JsonData, encode_data
from .records import NamedRecord, named_fields
from .rows import ObjectRow

__all__ = [
    "STREAMS",
    "StreamMessageList",
    "StreamMessageRecord",
    "SyncStreamContext",
    "SyncStreamList",
    "SyncStreamRecord",
]


def _record(actor: Actor, row: ObjectRow, data: object = None) -> SyncStreamRecord:
    # ``data``: the kinds with data pass a copy of it (ObjectKind.record); these have none.
    return SyncStreamRecord(**named_fields(row, actor))


STREAMS: Final = ObjectKind(kind="stream", prefix="TO", collection="Streams", record=_record)


class SyncStreamList(ObjectList["SyncStreamRecord", "SyncStreamContext"]):
    """The Streams of one service: ``sync.services(s).sync_streams``."""

    def __init__(self, actor: Actor) -> None:
        super().__init__(actor, STREAMS)

    def create(
        self, unique_name: str | Unset | None = UNSET, ttl: int | Unset | None = UNSET
    ) -> SyncStreamRecord:
        """Create a Stream. Cost: O(log n).

        ``unique_name`` (optional) is 1-320 characters, not shaped like a SID, and unique
        among the Service's Streams (54302 malformed, 409/54301 taken); ``ttl`` is the
        seconds until the Stream expires, 0 to 31,536,000, 0 for never (54011). A missing
        Service is 404.
        """
        return self._create(
            unique_name, lambda: (check_ttl(ttl) if ttl_given(ttl) else 0, None, None)
        )

    create_async = twin(create)

    def _context(self, sid: str) -> SyncStreamContext:
        return SyncStreamContext(self._actor, sid)


class SyncStreamContext(ObjectContext["SyncStreamRecord"]):
    """One Stream, by sid or unique name: ``sync.services(s).sync_streams("s")``."""

    def __init__(self, actor: Actor, sid: str) -> None:
        super().__init__(actor, sid, STREAMS, STREAMS)

    def update(self, ttl: int | Unset | None = UNSET) -> SyncStreamRecord:
        """Set (or, with 0, clear) when the Stream expires. Cost: O(log n).

        A Stream has no revision; ``date_updated`` becomes now. No event: Twilio
        defines none for it.

        Raises:
            NotFoundError: 20404, no such service or stream.
            InvalidParameterError: 54010 no ttl given, 54011 a bad ttl.
        """
        engine = self._actor.engine
        with engine.operation("update", self) as now:
            row = self._resolve(now, "write")
            if not ttl_given(ttl):
                raise NO_PARAMETERS.error(detail="give ttl")
            seconds = check_ttl(ttl)
            new = attrs.evolve(
                row,
                date_updated=max(now, row.date_updated),  # never back: containers.touched
                date_expires=expiry_after(now, seconds),
            )
            engine.store.put_object(new, row)
            if engine._touches is not None:  # a write no event announces: count it
                engine.wrote(new)
            return _record(self._actor, new)

    @property
    def stream_messages(self) -> StreamMessageList:
        """The messages of this Stream (publish only)."""
        return StreamMessageList(self._actor, self.sid)

    update_async = twin(update)

    def subscribe(self, callback: EventCallback) -> Subscription:
        """Call ``callback`` with every message published to this Stream, from now on.

        Events: ``stream_message_published`` and ``stream_removed`` (also on expiry).
        Returns a handle: ``unsubscribe()`` it, or use it in a ``with`` block.

        Raises:
            NotFoundError: 20404, no such service or stream.
        """
        return self._subscribe(callback)


class StreamMessageList:
    """Publishing to one Stream: ``...sync_streams("s").stream_messages``."""

    #: What an injected fault sees this resource as (sync_core.faults).
    _fault_kind = "stream_message"

    @property
    def _fault_object(self) -> str:
        """The Stream as addressed, for an injected fault's ``object``."""
        return self._stream

    def __init__(self, actor: Actor, stream: str) -> None:
        self._actor = actor
        self._stream = stream

    @property
    def _path(self) -> str:
        return f"{self._actor.service_path}/Streams/{self._stream}/Messages"

    def create(self, data: JsonData | None) -> StreamMessageRecord:
        """Publish ``data`` to the Stream's current subscribers; no resource keeps it
        (the change feed keeps its event, as every event's, for its retention).

        Cost: O(log n) plus the delivery to the subscribers.

        Args:
            data: a JSON object (a dict, or JSON text of one) of at most 4,096 bytes.

        Raises:
            NotFoundError: 20404, no such service or stream.
            InvalidParameterError: 54008 data, 54251 null data.
            PayloadTooLargeError: 54006, data over 4,096 bytes.
        """
        engine = self._actor.engine
        with engine.operation("create", self) as now:
            context = SyncStreamContext(self._actor, self._stream)
            stream = context._resolve(now, None, lambda: self._path)
            text, copy = encode_data(
                data,
                limit=engine.limits.stream_message_bytes,
                missing=STREAM_MESSAGE_DATA_MISSING,
            )
            sid = new_sid(engine, "TZ", lambda _: False)
            engine.emit(
                Change(
                    "stream_message_published",
                    stream,
                    identity=self._actor.identity,
                    when=now,
                    data=text,
                    message_sid=sid,
                )
            )
            return StreamMessageRecord(sid=sid, data=copy)

    create_async = twin(create)

    def __repr__(self) -> str:
        return f"<StreamMessageList {self._path}>"


@attrs.frozen(kw_only=True)
class SyncStreamRecord(NamedRecord, ObjectInstance, Instance[SyncStreamContext]):
    """A Sync Stream, as ``...sync_streams(sid).fetch()`` returns it.

    A Stream has no data and no revision: it carries messages, which no resource keeps.
    Like twilio-python's ``SyncStreamInstance`` it also acts, as the identity that read
    it: ``fetch``, ``update``, ``delete`` (and their ``_async`` twins) and
    ``stream_messages``.
    """

    _COLLECTION: ClassVar[str] = "Streams"
    # twilio-python, twilio-java and a Go SDK's recorded fixtures agree on "messages";
    # "stream_messages" is only the SDK's attribute name (SEMANTICS.md, "REST shape").
    _LINKS: ClassVar[dict[str, str]] = {"messages": "Messages"}

    def _context(self) -> SyncStreamContext:
        return SyncStreamContext(self._acting(self.service_sid), self.sid)

    update, update_async = acting(SyncStreamContext.update)

    @property
    def stream_messages(self) -> StreamMessageList:
        """The messages of this Stream (publish only)."""
        return self._context().stream_messages


@attrs.frozen(kw_only=True)
class StreamMessageRecord:
    """A message published to a Stream: its ``TZ...`` sid and its data, nothing else.

    >>> StreamMessageRecord(sid="TZ" + "0" * 32, data={"x": 1}).to_dict()
    {'sid': 'TZ00000000000000000000000000000000', 'data': {'x': 1}}
    """

    sid: str
    data: dict[str, Any] = attrs.field(hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The REST JSON of this Stream Message."""
        return {"sid": self.sid, "data": self.data}
