"""Permission resources: each identity's read/write/manage on a Document, Map or List.

``...documents("d").document_permissions`` (``sync_map_permissions``,
``sync_list_permissions``) is a :class:`PermissionList`: ``list``, ``stream``,
``page``, in identity order, and one identity's by calling it, a
:class:`PermissionContext`: ``fetch``, ``update(read=, write=, manage=)``, ``delete``.
All three flags are required on update; deleting a permission equals setting all three
false (it is then gone: fetch is 404). A permission belongs to its object: deleting or
expiring the object takes its permissions with it.

What the flags allow, and who is checked, is the policy of :mod:`sync_core.acl`. Twilio
lets only the REST API (``system``) touch these resources: "You cannot give an SDK
permissions to manipulate permissions".

>>> from sync_core import Sync
>>> docs = Sync(seed=6).services("default").documents
>>> _ = docs.create(unique_name="notes")
>>> grants = docs("notes").document_permissions
>>> _ = grants("bob").update(read=True, write=True, manage=False)
>>> _ = grants("alice").update(read=True, write=False, manage=False)
>>> [(g.identity, g.write) for g in grants.list()]
[('alice', False), ('bob', True)]
>>> grants("carol").fetch()
Traceback (most recent call last):
...
sync_core.errors.NotFoundError: HTTP 404 error 20404: The requested resource /Services/default/Documents/notes/Permissions/carol was not found
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Final, Generic, TypeVar

import attrs

from .acl import check_identity
from .actor import Actor
from .errors import NOT_FOUND, PARAMETER_INVALID, Where
from .instances import Instance, acting, twin
from .listing import Addressing, PlainListing, Source
from .objects import ObjectKind, OfObject
from .paging import Position, Scope
from .params import UNSET, Unset, check_bool, given
from .records import PermissionRecord
from .rows import ObjectRow, PermissionRow

__all__ = [
    "PermissionContext",
    "PermissionInstance",
    "PermissionKind",
    "PermissionList",
    "permission_record",
]

R = TypeVar("R")


@attrs.frozen(eq=False)
class PermissionKind(Generic[R]):
    """The permissions of one kind of object: that kind, and the record callers get."""

    owner: ObjectKind[Any]  # the Document, Map or List kind
    record: Callable[[Actor, PermissionRow], R]


def permission_record(cls: Callable[..., R], owner: str) -> Callable[[Actor, PermissionRow], R]:
    """The record maker of one kind: ``owner`` names its object's sid field."""

    def record(actor: Actor, row: PermissionRow) -> R:
        shown = {name: getattr(row, name) for name in _SHOWN}
        account = actor.engine.account_sid
        return cls(account_sid=account, actor=actor, **{owner: row.object_sid}, **shown)

    return record


#: What a permission's record shows of its row as it is (the object's sid is renamed).
_SHOWN: Final = ("service_sid", "identity", "read", "write", "manage")


class _PermissionBase(OfObject[PermissionKind[R]]):
    """What the list and the context of permissions share: finding their object."""

    def __init__(self, actor: Actor, owner: str, spec: PermissionKind[R]) -> None:
        super().__init__(actor, owner, spec.owner, spec)

    def _resolve(self, now: datetime, path: Where) -> ObjectRow:
        """The object the permissions belong to (404 naming ``path``), if allowed: no
        flag covers the permission resources (acl.py)."""
        return self._object(now, None, path)


class PermissionList(_PermissionBase[R], PlainListing[R], Addressing[str, "PermissionContext[R]"]):
    """The permissions of one Document, Map or List, in identity (code-point) order."""

    @property
    def _path(self) -> str:
        return f"{self._object_path}/Permissions"

    def _source(self, now: datetime, filters: None, page_token: object) -> Source[R]:
        engine, spec = self._actor.engine, self._spec
        owner = self._resolve(now, self._where)

        def fetch_slice(
            after: Position | None, backwards: bool, limit: int
        ) -> list[tuple[Position, R]]:
            start = None if after is None else str(after[0])
            rows = engine.store.permissions_from(
                owner.service_sid, owner.sid, start, reverse=backwards, limit=limit
            )
            return [((row.identity,), spec.record(self._actor, row)) for row in rows]

        return Source(Scope(f"permissions:{owner.service_sid}:{owner.sid}"), fetch_slice, str)

    def _context(self, identity: str) -> PermissionContext[R]:
        return PermissionContext(self._actor, self._ident, self._spec, identity)

    def __repr__(self) -> str:
        return f"<PermissionList {self._path}>"


class PermissionContext(_PermissionBase[R]):
    """One identity's permission on one Document, Map or List: fetch, update, delete."""

    def __init__(self, actor: Actor, owner: str, spec: PermissionKind[R], identity: str) -> None:
        super().__init__(actor, owner, spec)
        self.identity = identity

    @property
    def _path(self) -> str:
        return f"{self._object_path}/Permissions/{self.identity}"

    def _target(self, now: datetime) -> tuple[ObjectRow, str]:
        """The object (404) and the checked identity (400/54351)."""
        owner = self._resolve(now, self._where)
        return owner, check_identity(self.identity)

    def _existing(self, now: datetime) -> PermissionRow:
        """The permission as set (404 when none is)."""
        owner, identity = self._target(now)
        row = self._actor.engine.store.permission(owner.service_sid, owner.sid, identity)
        if row is None:
            raise NOT_FOUND.error(self._path)
        return row

    def fetch(self) -> R:
        """The permission as set. Cost: O(log n) (O(1) in memory).

        Raises:
            NotFoundError: 20404, no such service or object, or no permission set for
                this identity (never set, or deleted).
            InvalidParameterError: 54351, a malformed identity.
        """
        engine = self._actor.engine
        with engine.operation("fetch", self) as now:
            return self._spec.record(self._actor, self._existing(now))

    def update(
        self,
        read: bool | Unset = UNSET,
        write: bool | Unset = UNSET,
        manage: bool | Unset = UNSET,
    ) -> R:
        """Set what the identity may do; all three flags are required. Cost: O(log n).

        Raises:
            NotFoundError: 20404, no such service or object.
            InvalidParameterError: 54351 identity; 20001 a flag missing or not a boolean.
        """
        engine = self._actor.engine
        with engine.operation("update", self) as now:
            owner, identity = self._target(now)
            flags: dict[str, bool] = {}
            for name, value in (("read", read), ("write", write), ("manage", manage)):
                if not given(value):
                    raise PARAMETER_INVALID.error(
                        f"{name} is required: give read, write and manage"
                    )
                flags[name] = check_bool(value, name)
            row = PermissionRow(
                service_sid=owner.service_sid, object_sid=owner.sid, identity=identity, **flags
            )
            engine.store.put_permission(row)
            return self._spec.record(self._actor, row)

    def delete(self) -> bool:
        """Remove the permission: the identity may then do nothing with the object; True.

        Raises:
            NotFoundError: 20404, no such service, object or permission.
            InvalidParameterError: 54351, a malformed identity.
        """
        engine = self._actor.engine
        with engine.operation("delete", self) as now:
            engine.store.delete_permission(self._existing(now))
            return True

    def __repr__(self) -> str:
        return f"<PermissionContext {self._path}>"

    fetch_async = twin(fetch)
    update_async = twin(update)
    delete_async = twin(delete)


@attrs.frozen(kw_only=True, eq=False, repr=False)
class PermissionInstance(PermissionRecord, Instance[PermissionContext[R]], Generic[R]):
    """A permission's record that acts, as twilio-python's permission instances do:
    ``fetch``, ``update``, ``delete`` and their ``_async`` twins."""

    #: The kind of the permission (set by :meth:`kind_of` once the record class exists).
    _KIND: ClassVar[PermissionKind[Any]]

    @classmethod
    def kind_of(cls, owner: ObjectKind[Any]) -> PermissionKind[Any]:
        """The permissions of ``owner``'s kind, made of this record class (``_OWNER``
        names the record's field of the object's sid)."""
        cls._COLLECTION = owner.collection
        cls._KIND = PermissionKind(owner, permission_record(cls, cls._OWNER))
        return cls._KIND

    def _context(self) -> PermissionContext[R]:
        actor = self._acting(self.service_sid)
        return PermissionContext(actor, self._owner_sid, self._KIND, self.identity)

    fetch, fetch_async = acting(PermissionContext.fetch)
    update, update_async = acting(PermissionContext.update)
    delete, delete_async = acting(PermissionContext.delete)
