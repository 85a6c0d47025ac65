"""What the hot paths build by hand, rather than with attrs helpers, stays complete.

``items.touched`` builds a container's new row field by field (``attrs.evolve`` costs
more than the rest of an item write), and ``items.updated_item`` an updated item's; if
``ObjectRow`` or ``ItemRow`` gains a field, they must too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from sync_core.items import touched, updated_item
from sync_core.rows import ItemRow, ObjectRow


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
