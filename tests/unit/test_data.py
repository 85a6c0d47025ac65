"""The data of Documents and of Map and List items: a JSON object of at most 16 KiB, given as
an object or as JSON text, replaced as a whole, never shared with the caller.

Each test runs for Documents, Map items and List items (``Home.put`` creates one,
``Home.held`` finds it again). Each refusal is checked three ways: the error (status,
Twilio code, exact message), that nothing changed and that nothing was announced
(``Home.unchanged``). A Stream message's data is in tests/unit/test_streams.py.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest
from kinds import HOLDERS, Home, Kind
from support import BAD_DATA, BAD_DATA_VALUES, NULL_DATA, TOO_LARGE, payload, refused


@pytest.fixture(params=HOLDERS, ids=str)
def kind(request: pytest.FixtureRequest) -> Kind:
    param: Kind = request.param
    return param


def test_data_may_be_given_as_json_text(box: Home) -> None:
    record = box.put('{"a": [1, 2], "b": {"c": null}, "é": "ü"}')
    held = box.held(record)
    assert record.data == {"a": [1, 2], "b": {"c": None}, "é": "ü"}
    assert held.fetch().data == record.data

    updated = held.update(data='{"z": true}')
    assert updated.data == {"z": True}
    assert held.fetch().data == {"z": True}


def test_an_update_replaces_the_whole_data_object(box: Home) -> None:
    held = box.held(box.put({"a": 1, "b": {"c": 2, "d": 3}}))

    updated = held.update(data={"b": {"c": 20}})

    assert updated.data == {"b": {"c": 20}}
    assert held.fetch() == updated
    assert held.update(data={}).data == {}


@pytest.mark.parametrize("null", ["null", " null "], ids=["json", "spaced"])
def test_null_data_is_refused_and_changes_nothing(box: Home, null: str) -> None:
    held, code = box.held(box.put({"a": 1})), box.kind.null_data

    with box.unchanged():
        refused(partial(box.put, null, at="new"), 400, code, NULL_DATA)
        refused(partial(held.update, data=null), 400, code, NULL_DATA)
        refused(partial(held.update, data=null, **{box.holder_ttl: 5}), 400, code, NULL_DATA)


@pytest.mark.parametrize("data", BAD_DATA_VALUES)
def test_data_that_is_not_a_json_object_is_54008_and_changes_nothing(
    box: Home, data: object
) -> None:
    held = box.held(box.put({"a": 1}))

    with box.unchanged():
        refused(partial(box.put, data, at="new"), 400, 54008, BAD_DATA)
        refused(partial(held.update, data=data), 400, 54008, BAD_DATA)


@pytest.mark.parametrize("char", ["x", "é"], ids=["ascii", "two-byte"])
def test_data_of_16384_bytes_is_accepted(box: Home, char: str) -> None:
    data = payload(16_384, char)

    record = box.put(data, at="big")
    assert box.held(record).fetch().data == data == record.data
    assert box.held(record).update(data=data).revision == "1"
    assert box.put(json.dumps(data, indent=4), at="formatted").data == data  # spaces are free


@pytest.mark.parametrize("char", ["x", "é"], ids=["ascii", "two-byte"])
def test_data_of_16385_bytes_is_413_and_changes_nothing(box: Home, char: str) -> None:
    held = box.held(box.put({"a": 1}))
    data = payload(16_385, char)

    with box.unchanged():
        for given in (data, json.dumps(data)):
            refused(partial(box.put, given, at="big"), 413, 54006, TOO_LARGE)
            refused(partial(held.update, data=given), 413, 54006, TOO_LARGE)


def test_data_is_never_shared_with_the_caller(box: Home) -> None:
    mine: dict[str, Any] = {"list": [1, 2], "nested": {"k": "v"}}

    created = box.put(mine)
    held = box.held(created)
    mine["list"].append(3)
    mine["nested"]["k"] = "changed"
    created.data["list"].append(4)
    created.data["new"] = True
    held.fetch().data["nested"]["k"] = "also changed"

    assert held.fetch().data == {"list": [1, 2], "nested": {"k": "v"}}

    update: dict[str, Any] = {"list": ["a"]}
    updated = held.update(data=update)
    update["list"].append("b")
    updated.data["list"].append("c")
    assert held.fetch().data == {"list": ["a"]}
    assert box.state()[-1][-1].data == {"list": ["a"]}  # in the listing
