"""Sync Documents: one JSON object with a revision, addressed by sid or unique name.

``sync.services(s).documents`` is a :class:`DocumentList` (create, list, stream, page);
``sync.services(s).documents("prefs")`` is a :class:`DocumentContext` (fetch, update,
delete). The names and parameters are twilio-python's.

Rules (SEMANTICS.md): a new document has revision ``"0"`` and data ``{}`` unless given;
each successful update adds one to the revision; ``if_match`` makes an update
conditional (412 and nothing changes on a mismatch); an update with neither ``data``
nor ``ttl`` is refused (54010); updating data keeps the expiry, only a new ``ttl`` moves
it and ``ttl=0`` clears it; ``unique_name`` is unique per service among documents.

>>> from sync_core import Sync
>>> docs = Sync(seed=1).services("default").documents
>>> doc = docs.create(unique_name="prefs", data={"theme": "dark"})
>>> doc.revision, doc.data
('0', {'theme': 'dark'})
>>> docs("prefs").update(data={"theme": "light"}, if_match="0").revision
'1'
>>> docs("prefs").update(data={"theme": "blue"}, if_match="0")
Traceback (most recent call last):
...
sync_core.errors.PreconditionFailedError: HTTP 412 error 20412: The revision of the Document does not match the expected revision (If-Match is '0', the revision is '1')
>>> docs("prefs").fetch().data
{'theme': 'light'}
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Final

import attrs

from ._build import builder
from .actor import Actor
from .errors import NO_PARAMETERS, REVISION_MISMATCH
from .events import EventCallback, Subscription, new_change
from .instances import Instance, acting, twin
from .objects import ObjectContext, ObjectInstance, ObjectKind, ObjectList
from .params import (
    UNSET,
    Unset,
    check_if_match,
    check_ttl,
    expiry_after,
    given,
    ttl_given,
)
from .payload import JsonData, JsonObject, decode_data, encode_data
from .permissions import PermissionInstance, PermissionList
from .records import NamedRecord, dated_json, json_text
from .rows import ObjectRow, build_object_row

__all__ = [
    "DOCUMENTS",
    "DOCUMENT_PERMISSIONS",
    "DocumentContext",
    "DocumentList",
    "DocumentPermissionRecord",
    "DocumentRecord",
]


def _record(actor: Actor, row: ObjectRow, data: JsonObject | None = None) -> DocumentRecord:
    """The record of ``row``; ``data``, a fresh copy of its data, saves decoding it."""
    assert row.data is not None
    # Every field in order (_build_record, without __init__'s cost), rather than with
    # records.named_fields(): documents are read often.
    return _build_record(
        actor,
        row.sid,
        row.unique_name,
        actor.engine.account_sid,
        row.service_sid,
        row.date_expires,
        row.date_created,
        row.date_updated,
        row.created_by,
        str(row.revision),
        decode_data(row.data) if data is None else data,
    )


def _json(row: ObjectRow, account_sid: str, base: str) -> str:
    """The REST JSON text of a Document's row, its URLs under ``base``: what
    :meth:`DocumentRecord.to_dict` holds, in the same order, with the stored data
    spliced in (as :func:`~sync_core.records.item_json` does for items)."""
    url = f"{base}/Services/{row.service_sid}/Documents/{row.sid}"
    name = "null" if row.unique_name is None else json_text(row.unique_name)
    return (
        f'{{"sid": "{row.sid}", "unique_name": {name}, "account_sid": "{account_sid}", '
        f'"service_sid": "{row.service_sid}", "url": {json_text(url)}, '
        f'"links": {{"permissions": {json_text(url + "/Permissions")}}}, '
        f'"revision": "{row.revision}", "data": {row.data}, {dated_json(row)}}}'
    )


def updated_document(
    row: ObjectRow, when: datetime, data: str | None, expires: datetime | None
) -> ObjectRow:
    """The Document ``row`` updated at ``when``: its new data and expiry, one revision more;
    its ``date_updated`` never earlier than it was (a clock of your own that stepped back).

    Built positionally (:data:`~sync_core.rows.build_object_row`) rather than with
    :func:`attrs.evolve` (this runs on every update); ``tests/unit/test_hot_paths.py``
    checks it is what ``attrs.evolve`` gives.
    """
    return build_object_row(
        row.kind,
        row.sid,
        row.service_sid,
        row.seq,
        row.date_created,
        when if when >= row.date_updated else row.date_updated,
        row.created_by,
        row.revision + 1,
        row.unique_name,
        data,
        expires,
        row.item_count,
        row.next_index,
    )


DOCUMENTS: Final = ObjectKind(
    kind="document", prefix="ET", collection="Documents", record=_record, json=_json
)


class DocumentList(ObjectList["DocumentRecord", "DocumentContext"]):
    """The Documents of one service: ``sync.services(s).documents``.

    ``list``, ``stream`` and ``page`` read them in creation order.

    >>> from sync_core import Sync
    >>> docs = Sync().services("default").documents
    >>> for n in range(3):
    ...     _ = docs.create(unique_name=f"doc{n}")
    >>> [d.unique_name for d in docs.list(limit=2)]
    ['doc0', 'doc1']
    """

    def __init__(self, actor: Actor, *, spec: ObjectKind[Any] = DOCUMENTS) -> None:
        # ``spec``: what the calls return; the REST adapter's gives the rows themselves.
        super().__init__(actor, spec)

    def create(
        self,
        unique_name: str | Unset | None = UNSET,
        data: JsonData | Unset | None = UNSET,
        ttl: int | Unset | None = UNSET,
    ) -> DocumentRecord:
        """Create a Document; its revision is ``"0"`` and its data ``{}`` unless given.

        Cost: O(log n).

        >>> from sync_core import Sync
        >>> docs = Sync().services("default").documents
        >>> docs.create(unique_name="a", ttl=60).date_expires is not None
        True
        >>> docs.create(unique_name="a")
        Traceback (most recent call last):
        ...
        sync_core.errors.ConflictError: HTTP 409 error 54301: Unique name already exists (a Document named 'a' exists in this service)

        Args:
            unique_name: 1-320 characters, not shaped like a SID, unique among the
                service's documents; optional.
            data: a JSON object (a dict, or JSON text of one) of at most 16 KiB.
            ttl: seconds until the document expires, 0 to 31,536,000; 0 = never.

        Raises:
            NotFoundError: 20404, no such service.
            InvalidParameterError: 54302 unique name, 54008 data, 54101 null data,
                54011 ttl.
            PayloadTooLargeError: 54006, data over 16 KiB.
            ConflictError: 54301, the unique name is taken.
        """

        def checked() -> tuple[int, str, JsonObject | None]:
            limit = self._actor.engine.limits.data_bytes
            text, copy = encode_data(data, limit=limit) if given(data) else ("{}", {})
            return (check_ttl(ttl) if ttl_given(ttl) else 0), text, copy

        return self._create(unique_name, checked)

    create_async = twin(create)

    def _context(self, sid: str) -> DocumentContext:
        return DocumentContext(self._actor, sid)


class DocumentContext(ObjectContext["DocumentRecord"]):
    """One Document, by sid or unique name: ``sync.services(s).documents("prefs")``."""

    def __init__(self, actor: Actor, sid: str, *, spec: ObjectKind[Any] = DOCUMENTS) -> None:
        # ``spec``: what the calls return; the REST adapter's gives the rows themselves.
        super().__init__(actor, sid, DOCUMENTS, spec)

    def update(
        self,
        if_match: str | Unset | None = UNSET,
        data: JsonData | Unset | None = UNSET,
        ttl: int | Unset | None = UNSET,
    ) -> DocumentRecord:
        """Replace the data and/or the TTL; the revision goes up by one.

        With ``if_match``, only if the revision is still that one. Updating only the
        data keeps ``date_expires``; ``ttl=0`` clears it. Cost: O(log n).

        Args:
            if_match: the revision the update is based on (``record.revision``).
            data: the new JSON object (replaces the old one whole).
            ttl: seconds from now until expiry, 0 = never.

        Raises:
            NotFoundError: 20404, no such service or document.
            InvalidParameterError: 54010 neither data nor ttl, 54003 bad If-Match,
                54008/54101 data, 54011 ttl.
            PayloadTooLargeError: 54006.
            PreconditionFailedError: 20412, ``if_match`` is not the current revision.
        """
        engine = self._actor.engine
        with engine.operation("update", self) as now:
            row = self._resolve(now, "write")
            if not given(data) and not ttl_given(ttl):
                raise NO_PARAMETERS.error(detail="give data, ttl or both")
            expected = check_if_match(if_match)
            text, copy = (
                encode_data(data, limit=engine.limits.data_bytes)
                if given(data)
                else (row.data, None)
            )
            seconds = check_ttl(ttl) if ttl_given(ttl) else None
            if expected is not None and expected != str(row.revision):
                raise REVISION_MISMATCH.error(
                    DOCUMENTS.label,
                    f"If-Match is {expected!r}, the revision is {str(row.revision)!r}",
                )
            expires = row.date_expires if seconds is None else expiry_after(now, seconds)
            new = updated_document(row, now, text, expires)
            engine.store.put_object(new, row)
            engine.emit(
                # Change(type, row, identity, when, item, data, previous, message, expired,
                # recorded), as the tuple it is (events.new_change): a hot path.
                new_change(
                    (
                        "document_updated",
                        new,
                        self._actor.identity,
                        now,
                        None,
                        new.data,
                        row.data,
                        None,
                        False,
                        None,
                    )
                )
            )
            return self._spec.record(self._actor, new, copy)  # the copy saves a decode

    @property
    def document_permissions(self) -> PermissionList[DocumentPermissionRecord]:
        """The per-identity permissions of this Document (docs/permissions.md)."""
        return PermissionList(self._actor, self.sid, DOCUMENT_PERMISSIONS)

    def subscribe(self, callback: EventCallback) -> Subscription:
        """Call ``callback`` with every event of this Document, from now on.

        Events: ``document_updated`` and ``document_removed`` (also on expiry). The
        callback runs after the change is committed, outside the library's lock; it may
        call back into sync_core. Returns a handle: ``unsubscribe()`` it, or use it in a
        ``with`` block.

        Raises:
            NotFoundError: 20404, no such service or document.
        """
        return self._subscribe(callback)

    update_async = twin(update)


@attrs.frozen(kw_only=True)
class DocumentRecord(NamedRecord, ObjectInstance, Instance[DocumentContext]):
    """A Sync Document, as ``...documents(sid).fetch()`` returns it.

    ``revision`` is a decimal string ("0", "1", ...) to pass back as ``if_match``. Like
    twilio-python's ``DocumentInstance`` it also acts, as the identity that read it:
    ``fetch``, ``update``, ``delete`` (and their ``_async`` twins) and
    ``document_permissions``.
    """

    _COLLECTION: ClassVar[str] = "Documents"
    _LINKS: ClassVar[dict[str, str]] = {"permissions": "Permissions"}

    revision: str
    data: dict[str, Any] = attrs.field(hash=False)

    def _own(self) -> dict[str, Any]:
        return {"revision": self.revision, "data": self.data}

    def _context(self) -> DocumentContext:
        return DocumentContext(self._acting(self.service_sid), self.sid)

    update, update_async = acting(DocumentContext.update)

    @property
    def document_permissions(self) -> PermissionList[DocumentPermissionRecord]:
        """The per-identity permissions of this Document (docs/permissions.md)."""
        return self._context().document_permissions


#: A :class:`DocumentRecord` from every field's value, in order (:func:`_record`).
_build_record: Final = builder(DocumentRecord)


@attrs.frozen(kw_only=True)
class DocumentPermissionRecord(PermissionInstance["DocumentPermissionRecord"]):
    """What one identity may do with a Document: ``...document_permissions(identity).fetch()``."""

    _OWNER: ClassVar[str] = "document_sid"

    document_sid: str


DOCUMENT_PERMISSIONS: Final = DocumentPermissionRecord.kind_of(DOCUMENTS)
