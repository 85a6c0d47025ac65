"""Permissions, for all tables: an identity's call succeeds exactly when it may.

For a random permission table (identities x objects x flags), ACLs on or off, and a
random run of operations by random identities: an operation on a Document, Map or
List passes the permission check exactly when ACLs are off or the identity's flag for
it is set; what no flag covers passes only with ACLs off; Streams always pass; the
plain tree (``system``) always passes. A refused operation is 403/54007 and leaves the
state and the events untouched. Once an object is gone, everyone gets 404 (it comes
before the permission check).
"""

from __future__ import annotations

from acl_cases import CASES, OBJECT_OF, STREAM_CASES, UNCOVERED, Case, build_world, grant, snapshot
from hypothesis import given
from hypothesis import strategies as st

from sync_core import ManualClock, ServiceContext, Sync, SyncError, SyncEvent

IDENTITIES = ("alice", "bob", "carol")
ALL_CASES = CASES + UNCOVERED + STREAM_CASES

flag_sets = st.fixed_dictionaries(
    {"read": st.booleans(), "write": st.booleans(), "manage": st.booleans()}
)
#: A permission (or none) for every identity on every object.
tables = st.fixed_dictionaries(
    {(identity, kind): flag_sets | st.none() for identity in IDENTITIES for kind in OBJECT_OF}
).map(lambda table: {key: flags for key, flags in table.items() if flags is not None})
steps = st.lists(
    st.tuples(st.sampled_from((*IDENTITIES, "system")), st.sampled_from(ALL_CASES)),
    min_size=1,
    max_size=6,
)


def allowed(
    acl_enabled: bool, table: dict[tuple[str, str], dict[str, bool]], identity: str, case: Case
) -> bool:
    """The rule under test, as plainly as it can be said."""
    if identity == "system" or not acl_enabled or case.kind == "stream":
        return True
    if case.flag is None:
        return False
    return table.get((identity, case.kind), {}).get(case.flag, False)


def gone_after(case: Case) -> set[str]:
    """What a successful ``case`` removes (an item's removal leaves its container)."""
    if case.name == "delete the service":
        return {"service", "document", "map", "list", "stream"}
    if case.name in {f"delete a {kind}" for kind in ("document", "map", "list", "stream")}:
        return {case.kind}
    return set()


def attempt(case: Case, view: ServiceContext) -> SyncError | None:
    """Run ``case``; the error it raised, if any."""
    try:
        case.run(view)
    except SyncError as error:
        return error
    return None


@given(acl_enabled=st.booleans(), table=tables, run=steps)
def test_a_call_passes_the_permission_check_exactly_when_its_flag_allows(
    acl_enabled: bool,
    table: dict[tuple[str, str], dict[str, bool]],
    run: list[tuple[str, Case]],
) -> None:
    sync = Sync(clock=ManualClock(), seed=99)
    tree = build_world(sync, acl_enabled=acl_enabled)
    for (identity, kind), flags in table.items():
        grant(tree, kind, identity, **flags)
    seen: list[SyncEvent] = []
    sync.subscribe(seen.append)
    gone: set[str] = set()
    for identity, case in run:
        view = tree if identity == "system" else tree.for_identity(identity)
        expected = allowed(acl_enabled, table, identity, case)
        if "service" in gone or (case.on_object and case.kind in gone):  # 404 before 403
            error = attempt(case, view)
            assert error is not None, f"{case.name} on a removed object succeeded"
            assert (error.status, error.code) == (404, 20404), case.name
            continue
        before = snapshot(tree)
        events_before = len(seen)
        error = attempt(case, view)
        denied = error is not None and (error.status, error.code) == (403, 54007)
        assert denied != expected, f"{identity}, {case.name}: expected {expected}, got {error!r}"
        if denied:
            assert error is not None
            assert error.message == "Access forbidden for identity"
            assert snapshot(tree) == before
            assert len(seen) == events_before
        elif error is None:
            gone |= gone_after(case)
    sync._check()
