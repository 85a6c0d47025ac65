"""Who acts, and where: the one small value every resource of the tree carries.

Every resource object of the plain API (a Service, its Documents, a Map's items, a
permission...) holds an :class:`Actor`: the engine it runs on, the Service as the
caller addressed it (its sid, or ``default``), and the identity it acts as. The
identity is given explicitly wherever an Actor is made, never defaulted, so a resource
built without one is a type error rather than a silent bypass of the permissions.

``system`` is the identity of the plain tree and of REST calls: Twilio's "God Mode",
which permissions do not apply to (docs/permissions.md).

>>> from sync_core import Sync
>>> sync = Sync(seed=1)
>>> sync.services("default").for_identity("alice").documents.create().created_by
'alice'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, NamedTuple

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["SYSTEM", "Acting", "Actor"]

#: The identity of the plain API and of REST calls: it bypasses permissions.
SYSTEM: Final = "system"


class Actor(NamedTuple):
    """The engine, the Service as addressed, and the acting identity of one resource.

    A named tuple (made at import for a fraction of an attrs class's cost); another
    Service or identity is ``actor._replace(identity=...)``.
    """

    engine: Engine
    service: str
    identity: str

    def __repr__(self) -> str:
        return f"Actor(service={self.service!r}, identity={self.identity!r})"

    @property
    def service_path(self) -> str:
        """The Service's path as addressed, for 404 messages: ``/Services/{service}``."""
        return f"/Services/{self.service}"


class Acting:
    """A resource that acts as its :class:`Actor` (``self._actor``)."""

    _actor: Actor

    @property
    def _engine(self) -> Engine:
        """The engine the resource runs on."""
        return self._actor.engine
