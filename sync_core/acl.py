"""Permissions, the policy: who may read, write and manage which object.

Twilio's rules (SEMANTICS.md, "Permissions"; https://www.twilio.com/docs/sync/api/permissions):
Documents, Maps and Lists have per-identity permissions ``(read, write, manage)``, each
false unless set; deleting a permission equals setting all three false. They are
enforced only when the Service has ``acl_enabled``, and only for client identities:
the plain API acts as ``system`` ("God Mode") and bypasses them.

- **read**: fetch the object, fetch and list its items, subscribe to its events (and
  receive them: the same :func:`may_read` filters the events a subscriber gets).
- **write**: change its data or TTL; for Maps and Lists add, update and remove items.
- **manage**: delete the object.

Each flag stands alone: manage does not imply write, write does not imply read.
A denial is 403/54007 and changes nothing.

What no flag covers is refused to a client identity while ACLs are on (Decisions,
docs/permissions.md): creating Documents, Maps and Lists (a permission can only be set
on an existing object, so none can allow it), listing a Service's objects, a Service's
own settings and subscriptions, and the permission resources themselves ("You cannot
give an SDK permissions to manipulate permissions"). Streams have no permissions
(:data:`PERMISSION_KINDS`) and are not checked.

The permission resources (``document_permissions`` and the others) are in
:mod:`sync_core.permissions`.

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

from typing import Final, Literal, cast

from ._compat import moved
from .actor import SYSTEM
from .errors import FORBIDDEN, IDENTITY_INVALID, Where, shown, spelled
from .limits import MAX_IDENTITY
from .params import plain_text
from .rows import ObjectRow, PermissionRow, ServiceRow
from .store import PERMISSIONS, Store

__all__ = [
    "PERMISSION_KINDS",
    "SYSTEM",
    "Flag",
    "authorize",
    "check_identity",
    "may",
    "may_read",
]

#: The kinds of object that have permissions (SEMANTICS.md: not Streams).
PERMISSION_KINDS: Final = frozenset({"document", "map", "list"})

#: A permission flag, or None for an operation no flag covers.
Flag = Literal["read", "write", "manage"] | None

#: What each flag lets an identity do, for messages.
_VERBS: Final = {"read": "read", "write": "write to", "manage": "delete", None: "do this to"}


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
        raise IDENTITY_INVALID.error(f"an identity must be a string, got {shown(value)}")
    if not 1 <= len(value) <= MAX_IDENTITY:
        raise IDENTITY_INVALID.error(
            f"an identity must be 1 to {MAX_IDENTITY} characters, got {len(value)}"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise IDENTITY_INVALID.error("an identity may not hold a lone surrogate") from None
    return value if type(value) is str else plain_text(value)


def may(
    store: Store,
    service: ServiceRow,
    identity: str,
    flag: Flag,
    obj: ObjectRow | None = None,
    *,
    kind: str | None = None,
) -> bool:
    """Whether ``identity`` may do what ``flag`` covers on ``obj`` in ``service``.

    ``system`` and every identity of a service without ACLs may do anything; nobody
    is checked on a Stream (``obj``'s kind, or ``kind`` when an operation concerns a
    kind of object but no one object, such as a create). Otherwise ``flag`` must be
    set in the identity's permission on ``obj``; None (no flag covers the operation,
    or there is no object to hold one) is refused. Cost: one permission read.
    """
    if identity == SYSTEM or not service.acl_enabled:
        return True
    concerned = obj.kind if obj is not None else kind
    if concerned is not None and concerned not in PERMISSION_KINDS:
        return True  # Streams have no permissions
    if flag is None or obj is None:
        return False
    grant = store.permission(obj.service_sid, obj.sid, identity)
    return grant is not None and bool(getattr(grant, flag))


def may_read(store: Store, service: ServiceRow, identity: str, obj: ObjectRow) -> bool:
    """Whether ``identity`` may read ``obj``: fetch it, list its items, hear its events."""
    return may(store, service, identity, "read", obj)


def authorize(
    store: Store,
    service: ServiceRow,
    identity: str,
    flag: Flag,
    path: Where,
    obj: ObjectRow | None = None,
    *,
    kind: str | None = None,
) -> None:
    """Refuse (403/54007) what :func:`may` does not allow; ``path`` is for the message.

    Raises:
        ForbiddenError: 54007.
    """
    if identity == SYSTEM or not service.acl_enabled:
        return  # what may() answers first, without a call: this runs on every operation
    if not may(store, service, identity, flag, obj, kind=kind):
        raise FORBIDDEN.error(f"{identity!r} may not {_VERBS[flag]} {spelled(path)}")


def _check(store: Store) -> None:
    """Assert that only the kinds with permissions hold any (for tests)."""
    for _, value in store.storage.scan(PERMISSIONS, ()):
        grant = cast(PermissionRow, value)
        owner = store.object_by_sid(grant.service_sid, grant.object_sid)
        assert owner is not None, f"permission of a missing object {grant.object_sid}"
        assert owner.kind in PERMISSION_KINDS, f"a {owner.kind} has no permissions"


__getattr__ = moved(
    __name__,
    {
        "DOCUMENT_PERMISSIONS": "sync_core.documents",
        "MAP_PERMISSIONS": "sync_core.maps",
        "LIST_PERMISSIONS": "sync_core.lists",
        "PermissionContext": "sync_core.permissions",
        "PermissionKind": "sync_core.permissions",
        "PermissionList": "sync_core.permissions",
    },
)
