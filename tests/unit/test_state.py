"""``export_state()`` and ``import_state()``: the fixture format, exact round trips,
refusals that name the place and import nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import Delegating

from sync_core import ManualClock, SqliteStorage, Sync
from sync_core.state import StateFormatError
from sync_core.storage import Key

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "sync_fixture.json"


def populated(sync: Sync) -> None:
    """Some of everything, with dates, TTLs, revisions, deletions and permissions."""
    clock = sync.clock
    assert isinstance(clock, ManualClock)
    home = sync.services("default")
    home.documents.create(unique_name="prefs", data={"theme": "dark", "é": [1.5, None]})
    home.documents.create(data={"anonymous": True}, ttl=3600)
    clock.advance(0.25)
    home.documents("prefs").update(data={"theme": "light"})
    home.sync_maps.create(unique_name="users", collection_ttl=7200)
    users = home.sync_maps("users").sync_map_items
    users.create(key="bob", data={"n": 2}, item_ttl=60)
    users.create(key="alice", data={"n": 1})
    users("alice").update(data={"n": 3})
    home.sync_lists.create(unique_name="jobs")
    jobs = home.sync_lists("jobs").sync_list_items
    for n in range(4):
        jobs.create(data={"n": n})
    jobs(3).delete()
    home.sync_streams.create(unique_name="typing")
    home.documents("prefs").document_permissions("alice").update(
        read=True, write=True, manage=False
    )
    chat = sync.services.create(
        friendly_name="chat",
        acl_enabled=True,
        webhook_url="https://app.test/hook",
        reachability_debouncing_window=2000,
    )
    sync.services(chat.sid).sync_maps.create()


def test_a_round_trip_is_exact(sync: Sync) -> None:
    populated(sync)
    state = sync.export_state()
    text = json.dumps(state)  # JSON-serializable as it is
    again = Sync.import_state(json.loads(text), clock=ManualClock(sync.clock.now()))
    assert again.export_state() == state
    again._check()
    # The records read the same through the API, dates to the microsecond.
    for name in ("prefs",):
        mine = sync.services("default").documents(name).fetch()
        theirs = again.services("default").documents(name).fetch()
        assert mine.to_dict() == theirs.to_dict()
        assert mine.date_updated == theirs.date_updated
    assert state["services"][0]["documents"][0]["date_updated"].endswith(".250000Z")


def test_the_instance_import_replaces_the_whole_state(sync: Sync) -> None:
    populated(sync)
    state = sync.export_state()
    other = Sync(clock=ManualClock(sync.clock.now()), seed=99)
    other.services("default").documents.create(unique_name="dropped")
    other.import_state(state)
    assert other.export_state() == state
    # Event sequence numbers and list indexes go on from the imported counters.
    events: list[int] = []
    other.subscribe(lambda event: events.append(event.sequence))
    item = other.services("default").sync_lists("jobs").sync_list_items.create(data={})
    assert item.index == 4
    assert events == [state["services"][0]["last_event"] + 1]
    other._check()


def test_a_hand_written_fixture_file_imports() -> None:
    clock = ManualClock()
    sync = Sync.import_state(json.loads(FIXTURE.read_text()), clock=clock, seed=7)
    home = sync.services("default")
    assert home.documents("settings").fetch().data == {"theme": "dark", "volume": 7}
    assert home.documents("settings").fetch().revision == "0"
    assert home.documents("settings").fetch().date_created == clock.now()
    presence = home.sync_maps("presence").sync_map_items
    assert [(i.key, i.revision) for i in presence.list()] == [("alice", "0"), ("bob", "4")]
    assert [(i.index, i.data) for i in home.sync_lists("jobs").sync_list_items.list()] == [
        (0, {"n": 1}),
        (1, {"n": 2}),
        (5, {"n": 3}),
    ]
    assert home.sync_lists("jobs").sync_list_items.create(data={}).index == 6
    perms = home.sync_maps("presence").sync_map_permissions("alice").fetch()
    assert (perms.read, perms.write, perms.manage) == (True, False, False)
    chat = next(s for s in sync.services.list() if s.friendly_name == "chat")
    assert chat.acl_enabled
    assert chat.webhook_url == "https://app.example.com/sync-hook"
    assert sync.services(chat.sid).sync_streams("typing").fetch().unique_name == "typing"
    # The fixture's expiry is honoured by the clock.
    clock.advance(3600)
    assert [d.unique_name for d in home.documents.list()] == ["settings"]
    sync._check()


def test_a_fixture_imports_into_sqlite_too(tmp_path: Path) -> None:
    data = json.loads(FIXTURE.read_text())
    sync = Sync.import_state(
        data, clock=ManualClock(), seed=7, storage=SqliteStorage(tmp_path / "s.db")
    )
    memory = Sync.import_state(data, clock=ManualClock(), seed=7)
    assert sync.export_state() == memory.export_state()
    sync._check()


def minimal(**service: Any) -> dict[str, Any]:
    return {"version": 1, "services": [{"unique_name": "default", **service}]}


SID = "ET" + "a" * 32

#: (bad data, the place its error names, words of its problem)
INVALID: list[tuple[Any, str, str]] = [
    ([], "state", "must be an object, not list"),
    ({}, "version", "must be 1"),
    ({"version": "1"}, "version", "must be 1"),
    ({"version": True}, "version", "must be 1"),
    ({"version": 1, "format": "other"}, "format", "sync_core.state"),
    ({"version": 1, "servics": []}, "servics", "unknown field"),
    ({"version": 1, "account_sid": "AC" + "f" * 32}, "account_sid", "not this Sync's account"),
    ({"version": 1, "services": {}}, "services", "must be a list"),
    ({"version": 1, "services": [3]}, "services[0]", "must be an object"),
    (minimal(sid="IS123"), "services[0].sid", "IS and 32 lowercase hex digits"),
    (minimal(sid=SID), "services[0].sid", "IS and 32 lowercase hex digits"),
    ({"version": 1, "services": [{"unique_name": "mine"}]}, "services[0].unique_name", "default"),
    (
        {"version": 1, "services": [{"unique_name": "default"}, {"unique_name": "default"}]},
        "services[1].unique_name",
        "one default service",
    ),
    (minimal(friendly_name=""), "services[0].friendly_name", "1 to 255"),
    (minimal(webhook_url="ftp://x"), "services[0].webhook_url", "http or https"),
    (minimal(acl_enabled="yes"), "services[0].acl_enabled", "true or false"),
    (
        minimal(reachability_debouncing_window=5),
        "services[0].reachability_debouncing_window",
        "1000",
    ),
    (minimal(last_event=-1), "services[0].last_event", "non-negative integer"),
    (minimal(date_created="yesterday"), "services[0].date_created", "ISO 8601"),
    (minimal(date_created="2025-01-01T00:00:00"), "services[0].date_created", "timezone"),
    (minimal(documents=[{"data": []}]), "services[0].documents[0].data", "JSON object"),
    (minimal(documents=[{"data": None}]), "services[0].documents[0].data", "missing"),
    (
        minimal(documents=[{"data": {"big": "x" * 17_000}}]),
        "services[0].documents[0].data",
        "16384",
    ),
    (minimal(documents=[{"dta": {}}]), "services[0].documents[0].dta", "unknown field"),
    (minimal(documents=[{"unique_name": ""}]), "services[0].documents[0].unique_name", "1 to 320"),
    (
        minimal(documents=[{"unique_name": "ET" + "0" * 32}]),
        "services[0].documents[0].unique_name",
        "look like a SID",
    ),
    (
        minimal(documents=[{"unique_name": "a"}, {"unique_name": "a"}]),
        "services[0].documents[1].unique_name",
        "named 'a'",
    ),
    (minimal(documents=[{"sid": SID}, {"sid": SID}]), "services[0].documents[1].sid", "SID of"),
    (minimal(documents=[{"sid": "MP" + "a" * 32}]), "services[0].documents[0].sid", "ET and 32"),
    (minimal(documents=[{"revision": "x"}]), "services[0].documents[0].revision", "integer"),
    (minimal(documents=[{"revision": 2**62}]), "services[0].documents[0].revision", "2**62"),
    (
        minimal(lists=[{"items": [{"index": 10**30, "data": {}}]}]),
        "services[0].lists[0].items[0].index",
        "2**62",
    ),
    (minimal(documents=[{"created_by": ""}]), "services[0].documents[0].created_by", "1 to 256"),
    (minimal(documents=[{"items": []}]), "services[0].documents[0].items", "unknown field"),
    (minimal(maps=[{"items": [{"data": {}}]}]), "services[0].maps[0].items[0].key", "missing"),
    (
        minimal(maps=[{"items": [{"key": "", "data": {}}]}]),
        "services[0].maps[0].items[0].key",
        "1 to 320",
    ),
    (
        minimal(maps=[{"items": [{"key": "a", "data": {}}, {"key": "a", "data": {}}]}]),
        "services[0].maps[0].items[1]",
        "taken",
    ),
    (minimal(maps=[{"items": [{"key": "a"}]}]), "services[0].maps[0].items[0].data", "missing"),
    (minimal(maps=[{"next_index": 3}]), "services[0].maps[0].next_index", "unknown field"),
    (
        minimal(lists=[{"items": [{"index": -1, "data": {}}]}]),
        "services[0].lists[0].items[0].index",
        "non-negative",
    ),
    (
        minimal(lists=[{"items": [{"index": "2", "data": {}}]}]),
        "services[0].lists[0].items[0].index",
        "integer",
    ),
    (
        minimal(lists=[{"items": [{"index": 1, "data": {}}, {"index": 1, "data": {}}]}]),
        "services[0].lists[0].items[1]",
        "taken",
    ),
    (
        minimal(lists=[{"next_index": 1, "items": [{"index": 4, "data": {}}]}]),
        "services[0].lists[0].next_index",
        "5 or more",
    ),
    (minimal(streams=[{"data": {}}]), "services[0].streams[0].data", "unknown field"),
    (
        minimal(maps=[{"permissions": [{"read": True}]}]),
        "services[0].maps[0].permissions[0].identity",
        "missing",
    ),
    (
        minimal(maps=[{"permissions": [{"identity": "a"}, {"identity": "a"}]}]),
        "services[0].maps[0].permissions[1].identity",
        "another permission",
    ),
    (
        minimal(lists=[{"permissions": [{"identity": "a", "write": 1}]}]),
        "services[0].lists[0].permissions[0].write",
        "true or false",
    ),
    # Only the shapes an export writes (the round trip is the identity): no JSON text
    # for data, no other spelling of a number.
    (minimal(documents=[{"data": '{"a": 1}'}]), "services[0].documents[0].data", "JSON object"),
    (
        minimal(maps=[{"items": [{"key": "k", "data": "{}"}]}]),
        "services[0].maps[0].items[0].data",
        "JSON object",
    ),
    (minimal(documents=[{"revision": "+7"}]), "services[0].documents[0].revision", "integer"),
    (minimal(documents=[{"revision": " 7"}]), "services[0].documents[0].revision", "integer"),
    (minimal(documents=[{"revision": "07"}]), "services[0].documents[0].revision", "integer"),
    (minimal(last_event=" 5"), "services[0].last_event", "non-negative integer"),
    # An int too long to write out (Python's 4,300 digits) is refused, not a ValueError.
    (minimal(documents=[{"revision": 10**5000}]), "services[0].documents[0].revision", "bits"),
    (minimal(last_event=10**5000), "services[0].last_event", "bits"),
    (
        minimal(lists=[{"items": [{"index": 10**5000, "data": {}}]}]),
        "services[0].lists[0].items[0].index",
        "non-negative integer",
    ),
    (
        minimal(reachability_debouncing_window=10**5000),
        "services[0].reachability_debouncing_window",
        "bits",
    ),
]


@pytest.mark.parametrize(("data", "place", "words"), INVALID)
def test_an_invalid_state_is_refused_naming_the_place_and_nothing_changes(
    sync: Sync, data: Any, place: str, words: str
) -> None:
    populated(sync)
    before = sync.export_state()
    with pytest.raises(StateFormatError) as caught:
        sync.import_state(data)
    assert caught.value.place == place
    assert words in caught.value.problem
    assert str(caught.value).startswith(place)
    assert sync.export_state() == before
    sync._check()


def test_a_late_error_imports_nothing_of_what_came_before(sync: Sync) -> None:
    populated(sync)
    before = sync.export_state()
    good = [{"friendly_name": f"s{n}", "documents": [{"data": {"n": n}}]} for n in range(3)]
    data = {"version": 1, "services": [*good, {"maps": [{"items": [{"key": "k"}]}]}]}
    with pytest.raises(StateFormatError, match=r"^services\[3\]\.maps\[0\]\.items\[0\]\.data"):
        sync.import_state(data)
    assert sync.export_state() == before


def test_the_class_import_takes_the_account_from_the_data() -> None:
    account = "AC" + "b" * 32
    sync = Sync.import_state({"version": 1, "account_sid": account, "services": [{}]})
    assert sync.account_sid == account
    assert sync.export_state()["services"][0]["friendly_name"] is None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value, as a path of keys and indexes."""
    found = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += places(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += places(inner, (*path, index))
    return found


@given(data=st.data())
def test_any_change_to_a_valid_state_imports_or_is_refused_and_changes_nothing(
    data: st.DataObject,
) -> None:
    source = Sync(clock=ManualClock(), seed=3)
    populated(source)
    state = source.export_state()
    spots = places(state)
    spot = data.draw(st.sampled_from(spots[1:]))
    changed = copy.deepcopy(state)
    holder = changed
    for step in spot[:-1]:
        holder = holder[step]
    holder[spot[-1]] = data.draw(JSON)
    target = Sync(clock=ManualClock(), seed=4)
    target.services("default").documents.create(unique_name="mine")
    before = target.export_state()
    refused: StateFormatError | None = None
    try:
        target.import_state(changed)
    except StateFormatError as error:
        refused = error
    if refused is None:
        target._check()
    else:
        assert refused.place  # it names where
        assert target.export_state() == before


@given(JSON)
def test_any_json_at_all_imports_or_is_refused(value: Any) -> None:
    target = Sync(seed=4)
    try:
        target.import_state(value)
    except StateFormatError:
        assert target.export_state()["services"] == []


def test_dates_beyond_the_calendar_in_utc_are_refused_not_crashed(sync: Sync) -> None:
    for date in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"):
        with pytest.raises(StateFormatError, match=r"^services\[0\]\.date_created: .*years"):
            sync.import_state(minimal(date_created=date))
    sync.import_state(minimal(date_created="0001-01-01T00:00:00Z"))  # in UTC: fine


def test_sids_made_up_for_an_import_never_take_a_sid_the_file_gives_later() -> None:
    source = Sync(clock=ManualClock(), seed=0)
    source.services("default").documents.create(unique_name="settings", data={"v": 1})
    fixture = source.export_state()
    fixture["services"].insert(0, {"friendly_name": "chat"})
    fixture["services"][1]["documents"].insert(0, {"unique_name": "new"})
    sync = Sync.import_state(fixture, clock=ManualClock(), seed=0)  # same seed, same SIDs
    assert sync.services("default").documents("settings").fetch().data == {"v": 1}
    sync._check()


def test_object_sids_are_unique_within_their_service_as_the_api_keeps_them() -> None:
    doc = {"sid": "ET" + "a" * 32}
    data = {"version": 1, "services": [{"documents": [doc]}, {"documents": [doc]}]}
    sync = Sync.import_state(data, clock=ManualClock())
    assert sync.export_state()["services"][1]["documents"][0]["sid"] == doc["sid"]


def test_data_that_holds_itself_is_refused_at_once_and_spends_no_sid() -> None:
    # The walk for the SIDs the data gives went round a cycle for ever, holding the
    # Sync's lock (every other call waited), its memory growing with two of them.
    looped: dict[str, Any] = {"a": {}}
    looped["a"]["back"] = looped
    looped["a"]["again"] = looped
    spared, tried = Sync(clock=ManualClock(), seed=7), Sync(clock=ManualClock(), seed=7)
    before = tried.export_state()
    with pytest.raises(StateFormatError, match="reference cycle"):
        tried.import_state(minimal(documents=[{"data": looped}]))
    assert tried.export_state() == before
    assert tried.services.create().sid == spared.services.create().sid


def test_an_import_that_fails_otherwise_spends_no_sid_either(sync: Sync) -> None:
    def fresh() -> Sync:
        return Sync(clock=ManualClock(), seed=7)

    class Exploding(dict[str, Any]):
        def __iter__(self) -> Any:  # read after the first service drew its SID
            raise RuntimeError("broken mapping")

    spared, tried = fresh(), fresh()
    with pytest.raises(RuntimeError, match="broken mapping"):
        tried.import_state({"version": 1, "services": [{}, Exploding()]})
    assert tried.services.create().sid == spared.services.create().sid


def test_a_refused_import_does_not_spend_sids() -> None:
    def fresh() -> Sync:
        sync = Sync(clock=ManualClock(), seed=7)
        sync.services("default").fetch()
        return sync

    spared, tried = fresh(), fresh()
    with pytest.raises(StateFormatError):
        tried.import_state({"version": 1, "services": [{}, {"friendly_name": ""}]})
    made = tried.services("default").documents.create().sid
    assert made == spared.services("default").documents.create().sid


# -- one object SID in two Services --------------------------------------------------------

S1, S2 = "IS" + "1" * 32, "IS" + "2" * 32


def test_one_object_sid_in_two_services_round_trips_with_a_permission_in_each() -> None:
    # A SID is unique among its Service's objects (docs/state.md): the same one in two
    # Services, each granting alice, is two permissions, and exports and imports whole.
    doc = "ET" + "a" * 32
    services = [{"sid": S1, "documents": [{"sid": doc}]}, {"sid": S2, "documents": [{"sid": doc}]}]
    state = {"version": 1, "services": services}
    sync = Sync.import_state(state, clock=ManualClock(), seed=1)
    for service in (S1, S2):
        sync.services(service).documents(doc).document_permissions("alice").update(
            read=True, write=service == S2, manage=False
        )
    exported = sync.export_state()
    again = Sync.import_state(exported, clock=ManualClock(), seed=1)
    assert again.export_state() == exported
    assert again.services(S2).documents(doc).document_permissions("alice").fetch().write


def test_a_page_token_of_one_services_map_is_refused_by_another_services_map_of_its_sid() -> None:
    from sync_core import InvalidParameterError

    sync_map = "MP" + "a" * 32
    state = {
        "version": 1,
        "services": [
            {
                "sid": S1,
                "maps": [{"sid": sync_map, "items": [{"key": k, "data": {}} for k in "abc"]}],
            },
            {
                "sid": S2,
                "maps": [{"sid": sync_map, "items": [{"key": k, "data": {}} for k in "xyz"]}],
            },
        ],
    }
    sync = Sync.import_state(state, clock=ManualClock(), seed=1)
    first = sync.services(S1).sync_maps(sync_map).sync_map_items.page(page_size=1)
    token = first.next_page_token
    assert token is not None
    assert [
        i.key for i in sync.services(S1).sync_maps(sync_map).sync_map_items.page(page_token=token)
    ] == ["b"]
    with pytest.raises(InvalidParameterError) as refused:
        sync.services(S2).sync_maps(sync_map).sync_map_items.page(page_token=token)
    assert refused.value.code == 54453
    doc = "ET" + "a" * 32
    docs = {"sid": doc, "permissions": [{"identity": n} for n in ("a", "b")]}
    both = Sync.import_state(
        {
            "version": 1,
            "services": [{"sid": S1, "documents": [docs]}, {"sid": S2, "documents": [docs]}],
        },
        clock=ManualClock(),
        seed=1,
    )
    permissions = both.services(S1).documents(doc).document_permissions
    token = permissions.page(page_size=1).next_page_token
    with pytest.raises(InvalidParameterError):
        both.services(S2).documents(doc).document_permissions.page(page_token=token)


def test_an_imported_sid_in_uppercase_is_refused_and_nothing_changes() -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    sync.services("default").documents.create(unique_name="kept")
    before = sync.export_state()
    shadow = "ET" + "A" * 32  # SID-shaped in uppercase: a unique name may be that
    fixture = {
        "version": 1,
        "services": [{"unique_name": "default", "documents": [{"sid": shadow}]}],
    }
    with pytest.raises(StateFormatError, match="32 lowercase hex digits"):
        sync.import_state(fixture)
    assert sync.export_state() == before
    # A Document may be named so, and is found by that name.
    named = sync.services("default").documents.create(unique_name=shadow, data={"who": "named"})
    assert sync.services("default").documents(shadow).fetch().sid == named.sid


class FullDisk(Delegating):
    """A storage whose writes fail while ``full`` is set."""

    full = False

    def put(self, table: str, key: Key, value: object) -> None:
        if self.full:
            raise OSError("disk full")
        self.inner.put(table, key, value)


def test_an_import_the_storage_fails_spends_no_seeded_sid() -> None:
    """The storage fails the import's writes (nothing imported): the SIDs the import made
    up for entries without one go back, as a refused import's do."""
    data = {"version": 1, "services": [{"friendly_name": "no sid given"}]}
    storage = FullDisk()
    sync = Sync(storage=storage, clock=ManualClock(), seed=7)
    storage.full = True
    with pytest.raises(OSError, match="disk full"):
        sync.import_state(data)
    storage.full = False
    assert sync.services.list() == []
    fresh = Sync(storage=FullDisk(), clock=ManualClock(), seed=7)
    made = sync.services.create(friendly_name="next").sid
    assert made == fresh.services.create(friendly_name="next").sid
