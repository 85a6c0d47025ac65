"""Permissions and identity checks: who may read, write and manage which object.

Twilio's rules (SEMANTICS.md, "Permissions"; https://www.twilio.com/docs/sync/api/permissions):
Documents, Maps and Lists have per-identity permissions ``(read, write, manage)``, each
false unless set; deleting a permission equals setting all three false. They are
enforced only when the Service has ``acl_enabled``, and only for client identities:
the plain API acts as ``system`` ("God Mode") and bypasses them.

- **read**: fetch the object, fetch and list its items, subscribe to its events.
- **write**: change its data or TTL; for Maps and Lists add, update and remove items.
- **manage**: delete the object.

Each flag stands alone: manage does not imply write, write does not imply read.
A denial is 403/54007 and changes nothing.

What no flag covers is refused to a client identity while ACLs are on (Decisions,
docs/permissions.md): creating Documents, Maps and Lists (a permission can only be set
on an existing object, so none can allow it), listing a Service's objects, a Service's
own settings and subscriptions, and the permission resources themselves ("You cannot
give an SDK permissions to manipulate permissions"). Streams have no permissions and
are not checked.

>>> from sync_core import Sync
>>> sync = Sync(seed=6)
>>> svc = sync.services.create(acl_enabled=True)
>>> doc = sync.services(svc.sid).documents.create(unique_name="notes", data={"n": 1})
>>> alice = sync.services(svc.sid).for_identity("alice")
>>> alice.documents("notes").fetch()
Traceback (most recent call last):
...
sync_core.errors.ForbiddenError: HTTP 403 error 54007: Access forbidden for identity ('alice' may not read /Services/IS.../Documents/notes)
>>> grant = sync.services(svc.sid).documents("notes").document_permissions("alice")
>>> grant.update(read=True, write=False, manage=False).read
True
>>> alice.documents("notes").fetch().data
{'n': 1}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Final, Generic, Literal, TypeVar

import attrs

from .engine import Engine
from .errors import fail
from .limits import MAX_IDENTITY
from .lookup import resolve_object, resolve_service
from .paging import Page, Position, read_page, stream_records
from .params import UNSET, check_bool, given
from .records import DocumentPermissionRecord, SyncListPermissionRecord, SyncMapPermissionRecord
from .rows import ObjectRow, PermissionRow, ServiceRow

__all__ = [
    "DOCUMENT_PERMISSIONS",
    "LIST_PERMISSIONS",
    "MAP_PERMISSIONS",
    "SYSTEM",
    "Flag",
    "PermissionContext",
    "PermissionKind",
    "PermissionList",
    "authorize",
    "check_identity",
]

#: The identity of the plain API and of REST calls: it bypasses permissions.
SYSTEM: Final = "system"

#: A permission flag, or None for an operation no flag covers.
Flag = Literal["read", "write", "manage"] | None

#: What each flag lets an identity do, for messages.
_VERBS: Final = {"read": "read", "write": "write to", "manage": "delete", None: "do this to"}

R = TypeVar("R")


def check_identity(value: object) -> str:
    """An identity: 1 to 256 characters (400/54351).

    >>> check_identity("alice")
    'alice'
    >>> check_identity("")
    Traceback (most recent call last):
    ...
    sync_core.errors.InvalidParameterError: HTTP 400 error 54351: Invalid identity (an identity must be 1 to 256 characters, got 0)
    """
    if not isinstance(value, str):
        raise fail("identity_invalid", detail=f"an identity must be a string, got {value!r}")
    if not 1 <= len(value) <= MAX_IDENTITY:
        raise fail(
            "identity_invalid",
            detail=f"an identity must be 1 to {MAX_IDENTITY} characters, got {len(value)}",
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise fail("identity_invalid", detail="an identity may not hold a lone surrogate") from None
    return value


def authorize(
    engine: Engine,
    service: ServiceRow,
    identity: str,
    flag: Flag,
    path: str,
    obj: ObjectRow | None = None,
) -> None:
    """Refuse (403/54007) what ``identity`` may not do; ``system`` and ACLs off pass.

    ``flag`` is what the operation needs on ``obj``; None means no flag covers it, so
    only ``system`` (or anyone, with ACLs off) may do it. Cost: O(1).

    Raises:
        ForbiddenError: 54007.
    """
    if identity == SYSTEM or not service.acl_enabled:
        return
    if flag is not None and obj is not None:
        grant = engine.store.permission(obj.service_sid, obj.sid, identity)
        if grant is not None and getattr(grant, flag):
            return
    raise fail("forbidden", detail=f"{identity!r} may not {_VERBS[flag]} {path}")


@attrs.frozen
class PermissionKind(Generic[R]):
    """What tells the permissions of Documents, Maps and Lists apart."""

    kind: str  # the owner's kind: "document", "map", "list"
    prefix: str  # the owner's SID prefix
    collection: str  # the owner's path segment: "Documents", "Maps", "Lists"
    record: Callable[[Engine, PermissionRow], R]


def _record_of(cls: Callable[..., R], owner: str) -> Callable[[Engine, PermissionRow], R]:
    """The record maker of one kind: ``owner`` names its object's sid field."""

    def record(engine: Engine, row: PermissionRow) -> R:
        return cls(
            account_sid=engine.account_sid,
            service_sid=row.service_sid,
            identity=row.identity,
            read=row.read,
            write=row.write,
            manage=row.manage,
            **{owner: row.object_sid},
        )

    return record


DOCUMENT_PERMISSIONS: Final = PermissionKind(
    "document", "ET", "Documents", _record_of(DocumentPermissionRecord, "document_sid")
)
MAP_PERMISSIONS: Final = PermissionKind(
    "map", "MP", "Maps", _record_of(SyncMapPermissionRecord, "map_sid")
)
LIST_PERMISSIONS: Final = PermissionKind(
    "list", "ES", "Lists", _record_of(SyncListPermissionRecord, "list_sid")
)


class _PermissionBase(Generic[R]):
    """What the list and the context of permissions share: finding their object."""

    def __init__(
        self, engine: Engine, service: str, owner: str, spec: PermissionKind[R], identity: str
    ) -> None:
        self._engine = engine
        self._service = service
        self._owner = owner
        self._spec = spec
        self._identity = identity

    @property
    def _owner_path(self) -> str:
        return f"/Services/{self._service}/{self._spec.collection}/{self._owner}"

    def _resolve(self, now: datetime, path: str) -> ObjectRow:
        """The object the permissions belong to (404 naming ``path``), if allowed."""
        spec, engine = self._spec, self._engine
        service = resolve_service(engine, now, self._service, path)
        row = resolve_object(engine, service.sid, spec.kind, spec.prefix, self._owner, path)
        authorize(engine, service, self._identity, None, path, row)
        return row


class PermissionList(_PermissionBase[R]):
    """The permissions of one Document, Map or List, in identity order.

    ``...documents("d").document_permissions`` (``sync_map_permissions``,
    ``sync_list_permissions``): ``list``, ``stream``, ``page``, and one identity's by
    calling it.
    """

    @property
    def _path(self) -> str:
        return f"{self._owner_path}/Permissions"

    def page(
        self, page_token: object = None, page_number: object = None, page_size: object = None
    ) -> Page[R]:
        """One page of the permissions set on the object, by identity (code-point order).

        Cost: O(log n + page size).

        Raises:
            NotFoundError: 20404, no such service or object.
            InvalidParameterError: 54454 page size, 54453 page token.
        """
        engine, spec = self._engine, self._spec
        with engine.operation() as now:
            owner = self._resolve(now, self._path)

            def fetch_slice(
                after: Position | None, backwards: bool, limit: int
            ) -> list[tuple[Position, R]]:
                start = None if after is None else str(after[0])
                rows = engine.store.permissions_from(
                    owner.service_sid, owner.sid, start, reverse=backwards, limit=limit
                )
                return [((row.identity,), spec.record(engine, row)) for row in rows]

            return read_page(
                scope=f"permissions:{owner.sid}",
                page_token=page_token,
                page_number=page_number,
                page_size=page_size,
                fetch_slice=fetch_slice,
                fetch=lambda token: self.page(page_token=token),
            )

    def stream(self, limit: int | None = None, page_size: int | None = None) -> Iterator[R]:
        """The permissions one at a time, reading a page at a time; at most ``limit``."""
        return stream_records(lambda size: self.page(page_size=size), limit, page_size)

    def list(self, limit: int | None = None, page_size: int | None = None) -> list[R]:
        """The permissions as a list, in identity order, at most ``limit`` of them."""
        return list(self.stream(limit=limit, page_size=page_size))

    def get(self, identity: str) -> PermissionContext[R]:
        """The permission of ``identity`` on this object (looked up when used)."""
        return PermissionContext(
            self._engine, self._service, self._owner, self._spec, self._identity, identity
        )

    def __call__(self, identity: str) -> PermissionContext[R]:
        """The permission of ``identity`` on this object (looked up when used)."""
        return self.get(identity)

    def __repr__(self) -> str:
        return f"<PermissionList {self._path}>"


class PermissionContext(_PermissionBase[R]):
    """One identity's permission on one Document, Map or List: fetch, update, delete."""

    def __init__(
        self,
        engine: Engine,
        service: str,
        owner: str,
        spec: PermissionKind[R],
        acting: str,
        identity: str,
    ) -> None:
        super().__init__(engine, service, owner, spec, acting)
        self.identity = identity

    @property
    def _path(self) -> str:
        return f"{self._owner_path}/Permissions/{self.identity}"

    def _target(self, now: datetime) -> tuple[ObjectRow, str]:
        """The object (404) and the checked identity (400/54351)."""
        owner = self._resolve(now, self._path)
        return owner, check_identity(self.identity)

    def fetch(self) -> R:
        """The permission as set. Cost: O(1).

        Raises:
            NotFoundError: 20404, no such service or object, or no permission set for
                this identity (never set, or deleted).
            InvalidParameterError: 54351, a malformed identity.
        """
        engine = self._engine
        with engine.operation() as now:
            owner, identity = self._target(now)
            row = engine.store.permission(owner.service_sid, owner.sid, identity)
            if row is None:
                raise fail("not_found", path=self._path)
            return self._spec.record(engine, row)

    def update(self, read: object = UNSET, write: object = UNSET, manage: object = UNSET) -> R:
        """Set what the identity may do; all three flags are required. Cost: O(1).

        Raises:
            NotFoundError: 20404, no such service or object.
            InvalidParameterError: 54351 identity; 20001 a flag missing or not a boolean.
        """
        engine = self._engine
        with engine.operation() as now:
            owner, identity = self._target(now)
            flags: dict[str, bool] = {}
            for name, value in (("read", read), ("write", write), ("manage", manage)):
                if not given(value):
                    raise fail(
                        "parameter_invalid",
                        detail=f"{name} is required: give read, write and manage",
                    )
                flags[name] = check_bool(value, name)
            row = PermissionRow(
                service_sid=owner.service_sid, object_sid=owner.sid, identity=identity, **flags
            )
            engine.store.put_permission(row)
            return self._spec.record(engine, row)

    def delete(self) -> bool:
        """Remove the permission: the identity may then do nothing with the object; True.

        Raises:
            NotFoundError: 20404, no such service, object or permission.
            InvalidParameterError: 54351, a malformed identity.
        """
        engine = self._engine
        with engine.operation() as now:
            owner, identity = self._target(now)
            row = engine.store.permission(owner.service_sid, owner.sid, identity)
            if row is None:
                raise fail("not_found", path=self._path)
            engine.store.delete_permission(row)
            return True

    def __repr__(self) -> str:
        return f"<PermissionContext {self._path}>"
