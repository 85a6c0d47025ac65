"""The payload rules: a JSON object, at most 16 KiB of compact UTF-8 JSON, copied in and out."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from sync_core import InvalidParameterError, PayloadTooLargeError, Sync
from sync_core.payload import data_size, encode_data


def compact_size(value: dict[str, Any]) -> int:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-8"))


def padded(total: int, char: str = "x") -> dict[str, str]:
    """A one-key object whose compact JSON is exactly ``total`` UTF-8 bytes."""
    overhead = compact_size({"k": ""})
    width = len(char.encode("utf-8"))
    body, rest = divmod(total - overhead, width)
    value = {"k": char * body + "y" * rest}
    assert compact_size(value) == total
    return value


@pytest.mark.parametrize("char", ["x", "é", "€", "😀"])
def test_exactly_16384_bytes_is_accepted_whatever_the_characters(sync: Sync, char: str) -> None:
    data = padded(16_384, char)
    doc = sync.services("default").documents.create(data=data)
    assert doc.data == data
    assert sync.services("default").documents(doc.sid).fetch().data == data


@pytest.mark.parametrize("char", ["x", "é", "😀"])
def test_16385_bytes_is_refused_with_413_and_nothing_is_created(sync: Sync, char: str) -> None:
    docs = sync.services("default").documents
    with pytest.raises(PayloadTooLargeError) as caught:
        docs.create(data=padded(16_385, char))
    err = caught.value
    assert (err.status, err.code, err.message) == (413, 54006, "Request entity too large")
    assert err.more_info == "https://www.twilio.com/docs/errors/54006"
    assert docs.list() == []


def test_size_is_measured_on_compact_json_not_on_the_callers_formatting(sync: Sync) -> None:
    data = padded(16_384)
    spaced = json.dumps(data, indent=4)
    assert len(spaced.encode()) > 16_384
    doc = sync.services("default").documents.create(data=spaced)
    assert doc.data == data


def test_an_update_over_the_limit_leaves_the_document_as_it_was(sync: Sync) -> None:
    docs = sync.services("default").documents
    doc = docs.create(unique_name="d", data={"a": 1})
    with pytest.raises(PayloadTooLargeError):
        docs("d").update(data=padded(16_385))
    assert docs("d").fetch() == doc


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"x": float("nan")}, "nan"),
        ({"x": float("inf")}, "inf"),
        ({"x": [1, {"y": -float("inf")}]}, "inf"),
        ({1: "a"}, "key"),
        ({"x": {2: "b"}}, "key"),
        ({"x": (1, 2)}, "tuple"),
        ({"x": {1, 2}}, "set"),
        ({"x": b"bytes"}, "bytes"),
        ({"x": Decimal("1.5")}, "Decimal"),
        ({"x": object()}, "object"),
        ('{"x": NaN}', "NaN"),
        ('{"x": Infinity}', "Infinity"),
        ("{not json", "JSON"),
        ([1, 2], "list"),
        ("[1, 2]", "list"),
        ("3", "int"),
        (7, "int"),
        ("text", "JSON"),
    ],
)
def test_what_is_not_a_json_object_is_400_54008_and_changes_nothing(
    sync: Sync, data: Any, why: str
) -> None:
    docs = sync.services("default").documents
    with pytest.raises(InvalidParameterError) as caught:
        docs.create(data=data)
    err = caught.value
    assert (err.status, err.code) == (400, 54008)
    assert err.message == "Invalid request body: the type of one of the attributes is invalid"
    assert why in (err.detail or "")
    assert docs.list() == []


def test_a_cycle_is_400_54008(sync: Sync) -> None:
    data: dict[str, Any] = {"a": []}
    data["a"].append(data)
    with pytest.raises(InvalidParameterError) as caught:
        sync.services("default").documents.create(data=data)
    assert caught.value.code == 54008
    assert "cycle" in (caught.value.detail or "")


def test_a_lone_surrogate_has_no_utf8_and_is_400_54008(sync: Sync) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        sync.services("default").documents.create(data={"x": "\ud800"})
    assert caught.value.code == 54008


def test_json_null_data_is_400_54101(sync: Sync) -> None:
    docs = sync.services("default").documents
    with pytest.raises(InvalidParameterError) as caught:
        docs.create(data="null")
    err = caught.value
    assert (err.status, err.code, err.message) == (
        400,
        54101,
        "The 'Data' parameter cannot be null",
    )
    assert docs.list() == []


def test_data_as_json_text_is_the_same_as_the_dict(sync: Sync) -> None:
    docs = sync.services("default").documents
    doc = docs.create(data='{"a": [1, 2.5, null, true], "b": {"c": "é"}}')
    assert doc.data == {"a": [1, 2.5, None, True], "b": {"c": "é"}}


def test_what_goes_in_is_copied_and_what_comes_out_is_fresh(sync: Sync) -> None:
    docs = sync.services("default").documents
    mine: dict[str, Any] = {"list": [1, {"deep": [2]}]}
    created = docs.create(unique_name="d", data=mine)
    mine["list"][1]["deep"].append(3)
    created.data["list"].append(4)
    first = docs("d").fetch()
    first.data["list"][1]["deep"].clear()
    assert docs("d").fetch().data == {"list": [1, {"deep": [2]}]}
    assert created.data is not first.data


def test_data_size_counts_utf8_bytes() -> None:
    assert data_size("{}") == 2
    assert data_size('{"a":"😀"}') == 12


def test_encode_data_returns_compact_text_and_a_copy() -> None:
    value = {"b": [1, 2], "a": "é"}
    text, copy = encode_data(value)
    assert text == '{"b":[1,2],"a":"é"}'
    assert copy == value
    assert copy is not value
    assert copy["b"] is not value["b"]


def test_stream_message_limit_is_a_parameter_of_the_check() -> None:
    with pytest.raises(PayloadTooLargeError):
        encode_data(padded(4_097), limit=4_096)
    assert encode_data(padded(4_096), limit=4_096)[1] == padded(4_096)
