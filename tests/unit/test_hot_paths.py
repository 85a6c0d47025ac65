"""What the hot paths build by hand, rather than with attrs helpers, stays complete.

``items.touched`` builds a container's new row field by field (``attrs.evolve`` costs
more than the rest of an item write), ``items.updated_item`` an updated item's and
``documents.updated_document`` an updated Document's; if ``ObjectRow`` or ``ItemRow``
gains a field, they must too. The rows and records of the hot paths are built without
their ``__init__`` (``sync_core._build.builder``): what a builder makes is what the
class makes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import examples

from sync_core import ManualClock, MemoryStorage, Sync
from sync_core._build import builder
from sync_core.documents import DocumentRecord, updated_document
from sync_core.errors import InvalidParameterError
from sync_core.events import SyncEvent
from sync_core.items import ItemContext, ItemKind, touched, updated_item
from sync_core.lists import LIST_ITEMS, SyncListItemContext, SyncListItemRecord
from sync_core.maps import MAP_ITEMS, SyncMapItemContext, SyncMapItemRecord
from sync_core.payload import _parse_text
from sync_core.rows import ItemRow, ObjectRow
from sync_core.store import Store


def test_touched_keeps_every_field_it_does_not_change() -> None:
    before = datetime(2025, 1, 1, tzinfo=UTC)
    row = ObjectRow(
        kind="map",
        sid="MP1",
        service_sid="IS1",
        seq=7,
        date_created=before,
        date_updated=before,
        created_by="alice",
        revision=3,
        unique_name="m",
        data=None,
        date_expires=before + timedelta(hours=1),
        item_count=2,
        next_index=5,
    )
    now = before + timedelta(seconds=9)
    new = touched(row, now, None, item_count=3)
    changed = {"revision": 4, "date_updated": now, "item_count": 3}
    for field in attrs.fields(ObjectRow):
        expected = changed.get(field.name, getattr(row, field.name))
        assert getattr(new, field.name) == expected, field.name
    assert touched(row, now, 0).date_expires is None
    assert touched(row, now, 60).date_expires == now + timedelta(seconds=60)


def test_updated_item_is_what_attrs_evolve_gives() -> None:
    before = datetime(2025, 1, 1, tzinfo=UTC)
    now = before + timedelta(seconds=30)
    for position in ("k", 7):
        row = ItemRow(
            kind="map_item" if position == "k" else "list_item",
            service_sid="IS1",
            container_sid="MP1",
            position=position,
            date_created=before,
            date_updated=before,
            created_by="alice",
            data='{"a":1}',
            revision=4,
            date_expires=before + timedelta(hours=1),
        )
        for expires in (None, now + timedelta(seconds=5)):
            evolved = attrs.evolve(
                row, data='{"b":2}', revision=5, date_updated=now, date_expires=expires
            )
            assert updated_item(row, now, '{"b":2}', expires) == evolved


def test_updated_document_is_what_attrs_evolve_gives() -> None:
    before = datetime(2025, 1, 1, tzinfo=UTC)
    now = before + timedelta(seconds=30)
    row = ObjectRow(
        kind="document",
        sid="ET1",
        service_sid="IS1",
        seq=3,
        date_created=before,
        date_updated=before,
        created_by="bob",
        revision=2,
        unique_name="d",
        data='{"a":1}',
        date_expires=None,
    )
    for expires in (None, now + timedelta(seconds=5)):
        evolved = attrs.evolve(row, data="{}", revision=3, date_updated=now, date_expires=expires)
        assert updated_document(row, now, "{}", expires) == evolved


VALUES = st.one_of(
    st.none(), st.text(max_size=5), st.integers(), st.dictionaries(st.text(), st.integers())
)


@pytest.mark.parametrize(
    "cls",
    [DocumentRecord, SyncMapItemRecord, SyncListItemRecord, SyncEvent],
    ids=lambda cls: cls.__name__,
)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_a_builder_makes_what_the_class_makes(cls: type[Any], data: st.DataObject) -> None:
    """The hot paths' builders (``sync_core._build.builder``) make the very instance the
    class's own ``__init__`` makes from the same values, field by field."""
    fields = attrs.fields(cls)
    values = [data.draw(VALUES, label=field.name) for field in fields]
    built = builder(cls)(*values)
    made = cls(**{field.alias: value for field, value in zip(fields, values, strict=True)})
    assert type(built) is type(made)
    for field in fields:
        assert getattr(built, field.name) is getattr(made, field.name), field.name
    assert attrs.evolve(built) == made


@pytest.mark.parametrize("cls", [ItemRow, ObjectRow], ids=lambda cls: cls.__name__)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_the_hot_rows_are_made_by_their_own_init(cls: type[Any], data: st.DataObject) -> None:
    """The rows made on every item write are made by their class (rows._hot_row): every
    field as given, equal and hashed by value, as a frozen attrs class's are."""
    fields = attrs.fields(cls)
    values = [
        data.draw(st.one_of(st.none(), st.text(max_size=5), st.integers()), label=f.name)
        for f in fields
    ]
    made = cls(*values)
    for field, value in zip(fields, values, strict=True):
        assert getattr(made, field.name) is value, field.name
    assert attrs.evolve(made) == made
    assert hash(attrs.evolve(made)) == hash(made)
    assert not hasattr(made, "__dict__")


def test_a_builder_refuses_a_class_whose_init_does_more() -> None:
    @attrs.frozen
    class Checked:
        n: int = attrs.field(validator=attrs.validators.instance_of(int))

    @attrs.define
    class Mutable:
        n: int

    for cls in (Checked, Mutable):
        with pytest.raises(TypeError, match="not a frozen slotted attrs class"):
            builder(cls)


_JSON_TEXTS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
).map(json.dumps)
_SPACE = st.text(alphabet=" \t\n\r\x0b\x0c\xa0\u2028", max_size=3)
_MANGLED = st.text(alphabet='{}[]":,. 0123456789-+eEaNInfinitytrueflsu\\\t\n', max_size=24)


@given(st.one_of(st.tuples(_SPACE, _JSON_TEXTS, _SPACE).map("".join), _MANGLED))
@settings(max_examples=examples(400))
def test_data_text_is_parsed_as_the_standard_parser_does(text: str) -> None:
    """The scanner-first parse of data given as text (``payload._parse_text``) accepts
    exactly what ``json.loads`` (NaN and Infinity refused) accepts, with the same value,
    and refuses the rest with 54008."""
    try:
        expected = json.loads(text, parse_constant=_refuse)
    except (ValueError, RecursionError):
        with pytest.raises(InvalidParameterError) as refused:
            _parse_text(text)
        assert refused.value.code == 54008
    else:
        assert _parse_text(text) == expected


def _refuse(name: str) -> object:
    raise ValueError(name)


@pytest.mark.parametrize(
    ("context", "spec", "place"),
    [(SyncMapItemContext, MAP_ITEMS, "k"), (SyncListItemContext, LIST_ITEMS, 3)],
)
def test_an_item_context_holds_what_item_context_init_sets(
    context: type[ItemContext[Any]], spec: ItemKind[Any], place: str | int
) -> None:
    """The Map Item and List Item contexts set ItemContext's fields themselves (a hot
    path): the same fields, with the same values, as ItemContext.__init__ sets."""
    actor = Sync(seed=1).services("default")._actor
    made = context(actor, "MP" + "0" * 32, place)  # type: ignore[call-arg]
    expected = ItemContext(actor, "MP" + "0" * 32, place, spec)
    assert {name: getattr(made, name) for name in vars(expected)} == vars(expected)
    assert made._path == expected._path


def test_a_member_is_addressed_by_the_keyword_key_too() -> None:
    """``collection(key=...)`` addresses a member as ``collection(...)`` does, for every
    kind of collection (the keyword is ``key`` everywhere)."""
    service = Sync(seed=1).services("default")
    service.sync_maps.create(unique_name="m")
    service.sync_lists.create(unique_name="l")
    service.sync_maps("m").sync_map_items.create(key="k", data={"a": 1})
    service.sync_lists("l").sync_list_items.create(data={"b": 2})
    document = service.documents.create(unique_name="d")
    assert service.sync_maps(key="m").sync_map_items(key="k").fetch().data == {"a": 1}
    assert service.sync_lists(key="l").sync_list_items(key=0).fetch().data == {"b": 2}
    assert service.documents(key="d").fetch().sid == document.sid
    assert service.sync_maps(key="m").sync_map_permissions(key="alice").identity == "alice"


def test_new_change_makes_what_change_makes() -> None:
    """``events.new_change`` (the items' create) makes the very ``Change`` the named tuple
    makes from the same values, every field in order."""
    from sync_core.events import Change, new_change

    values: tuple[Any, ...] = (
        "map_item_added",
        object(),
        "alice",
        object(),
        object(),
        "{}",
        "{}",
        "ES1",
        True,
        None,
    )
    assert len(values) == len(Change._fields)
    made = Change(*values)
    built = new_change(values)
    assert type(built) is Change
    assert built == made


def test_the_event_counters_keys_made_once_count_each_service_on_its_own() -> None:
    # The key of each service's event counter is made once and kept, for at most
    # 1,024 services at a time: beyond that, each is still counted on its own.
    store = Store(MemoryStorage())
    sids = [f"IS{n:032x}" for n in range(1_100)]
    with store.storage.atomic():
        for sequence in (1, 2):
            for sid in sids:
                assert store.next_event(sid) == sequence
    assert all(store.last_sequence(sid) == 2 for sid in sids)
    assert store.storage.get("counters", (f"events:{sids[0]}",)) == 2
    assert len(store._event_keys) <= 1_024


def test_an_event_the_feed_kept_unbuilt_has_its_revisions_as_text() -> None:
    # The feed of a MemoryStorage keeps the rows' revisions as ints and makes them text
    # when it builds the event: what a subscriber hears at once is what the feed gives.
    sync = Sync(clock=ManualClock(), seed=4)
    heard: list[SyncEvent] = []
    maps = sync.services("default").sync_maps
    maps.create(unique_name="m")
    items = maps("m").sync_map_items
    items.create(key="k", data={"a": 1})
    subscription = sync.subscribe(heard.append)
    for n in range(2, 13):  # revisions past 9: two digits
        items("k").update(data={"a": n})
    subscription.unsubscribe()
    service = sync.services("default").fetch().sid
    kept = sync.changes(service, limit=1_000)
    assert [event.type for event in kept[:3]] == [
        "map_created",
        "map_item_added",
        "map_item_updated",
    ]
    assert all(isinstance(event.revision, str) for event in kept[1:])
    assert all(isinstance(event.object_revision, str) for event in kept)
    assert kept[-1].revision == items("k").fetch().revision == "11"
    assert kept[-1].object_revision == maps("m").fetch().revision
    assert kept[2:] == heard
