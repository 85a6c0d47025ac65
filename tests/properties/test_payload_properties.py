"""Properties of Document ``data``: round-trips, the 16 KiB rule, JSON text, non-JSON values.

SEMANTICS.md, "Limits": ``data`` is a JSON object of at most 16,384 bytes as serialized
JSON in UTF-8 (413/54006 above that); anything that is not JSON (NaN, Infinity,
non-string keys, cycles, unknown types) is 400/54008. A failed create changes nothing.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_core import ManualClock, Sync, SyncError
from sync_core.documents import DocumentList
from sync_core.limits import MAX_DATA_DEPTH
from sync_core.payload import data_depth

LIMIT = 16_384
#: ``{"k":""}``: the bytes of a one-string object around the string itself.
OVERHEAD = len('{"k":""}')

# -- strategies ---------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=25,
)
#: Any JSON object (small: well under the 16 KiB limit).
json_objects: st.SearchStrategy[dict[str, Any]] = st.dictionaries(
    st.text(max_size=12), json_values, max_size=6
)

#: Characters of every UTF-8 width, and some that JSON escapes ("\n" -> 2, "\x01" -> 6).
WIDE_CHARS = ("x", "é", "€", "😀", "\n", '"', "\\", "\x01")


@st.composite
def big_strings(draw: st.DrawFn, target: int) -> str:
    """A string whose ``{"k": s}`` is close to ``target`` bytes of compact JSON."""
    char = draw(st.sampled_from(WIDE_CHARS))
    width = compact_size({"k": char}) - OVERHEAD
    count = draw(st.integers(0, max(0, (target - OVERHEAD) // width)))
    body = char * count
    if draw(st.booleans()):
        # Pad with ASCII to land on target exactly (or as near as the body allows).
        body += "y" * max(0, target - compact_size({"k": body}))
    return body


def compact_size(data: object) -> int:
    """The size rule of SEMANTICS.md: UTF-8 bytes of the compact JSON."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-8"))


# -- helpers ------------------------------------------------------------------------


def new_docs(seed: int = 0) -> DocumentList:
    return Sync(clock=ManualClock(), seed=seed).services("default").documents


def containers(value: object) -> list[object]:
    """Every dict and list inside ``value`` (itself included)."""
    found: list[object] = []
    if isinstance(value, dict):
        found.append(value)
        for item in value.values():
            found.extend(containers(item))
    elif isinstance(value, list):
        found.append(value)
        for item in value:
            found.extend(containers(item))
    return found


def mutate_deeply(value: object) -> None:
    """Change every dict and list inside ``value``, innermost first."""
    for item in containers(value)[::-1]:
        if isinstance(item, dict):
            item["\x00mutated"] = [1, 2, 3]
        elif isinstance(item, list):
            item.append("\x00mutated")


def assert_fails(status: int, code: int, err: SyncError) -> None:
    assert (err.status, err.code) == (status, code), repr(err)


# -- round trips --------------------------------------------------------------------


@given(data=json_objects)
def test_any_json_object_round_trips_as_a_copy(data: dict[str, Any]) -> None:
    assert compact_size(data) <= LIMIT
    docs = new_docs()
    mine = copy.deepcopy(data)
    created = docs.create(data=mine)
    assert created.data == data
    assert created.data is not mine
    assert not {id(c) for c in containers(created.data)} & {id(c) for c in containers(mine)}

    fetched = docs(created.sid).fetch()
    assert fetched.data == data
    assert fetched.data is not created.data
    assert not {id(c) for c in containers(fetched.data)} & {id(c) for c in containers(created.data)}

    # Changing what the caller holds (given or returned) changes nothing stored.
    mutate_deeply(mine)
    mutate_deeply(created.data)
    mutate_deeply(fetched.data)
    again = docs(created.sid).fetch()
    assert again.data == data
    assert again.revision == "0"
    assert [d.data for d in docs.list()] == [data]


@given(data=json_objects)
def test_update_round_trips_as_a_copy(data: dict[str, Any]) -> None:
    docs = new_docs()
    sid = docs.create(data={"old": True}).sid
    mine = copy.deepcopy(data)
    updated = docs(sid).update(data=mine)
    assert updated.data == data
    assert not {id(c) for c in containers(updated.data)} & {id(c) for c in containers(mine)}
    mutate_deeply(mine)
    mutate_deeply(updated.data)
    assert docs(sid).fetch().data == data


# -- the 16 KiB rule ----------------------------------------------------------------


def check_size_rule(docs: DocumentList, data: dict[str, Any], sent: Any) -> None:
    """Create with ``sent``: succeeds iff ``data`` is at most 16 KiB, else 413 and no doc."""
    before = [d.sid for d in docs.list()]
    size = compact_size(data)
    if size <= LIMIT:
        created = docs.create(data=sent)
        assert created.data == data
        assert docs(created.sid).fetch().data == data
        assert [d.sid for d in docs.list()] == [*before, created.sid]
    else:
        with pytest.raises(SyncError) as info:
            docs.create(data=sent)
        assert_fails(413, 54006, info.value)
        assert [d.sid for d in docs.list()] == before


@given(data=st.data(), target=st.integers(LIMIT - 24, LIMIT + 24))
def test_size_rule_near_the_boundary(data: st.DataObject, target: int) -> None:
    body = data.draw(big_strings(target))
    check_size_rule(new_docs(), {"k": body}, {"k": body})


@given(
    data=st.data(),
    target=st.integers(LIMIT - 64, LIMIT + 64),
    base=json_objects,
    key=st.text(max_size=4),
)
def test_size_rule_with_other_members(
    data: st.DataObject, target: int, base: dict[str, Any], key: str
) -> None:
    # A big string beside arbitrary JSON: the rule counts the whole object.
    rest = compact_size(base)
    body = data.draw(big_strings(max(OVERHEAD, target - rest)))
    value = {**base, key: body}
    check_size_rule(new_docs(), value, copy.deepcopy(value))


@given(
    count=st.integers(0, LIMIT),
    char=st.sampled_from(WIDE_CHARS),
)
def test_size_rule_for_any_length(count: int, char: str) -> None:
    check_size_rule(new_docs(), {"k": char * count}, {"k": char * count})


@given(data=st.data(), target=st.integers(LIMIT - 16, LIMIT + 16))
def test_size_rule_on_update(data: st.DataObject, target: int) -> None:
    docs = new_docs()
    sid = docs.create(data={"v": 0}).sid
    value = {"k": data.draw(big_strings(target))}
    if compact_size(value) <= LIMIT:
        assert docs(sid).update(data=value).revision == "1"
        assert docs(sid).fetch().data == value
    else:
        with pytest.raises(SyncError) as info:
            docs(sid).update(data=value)
        assert_fails(413, 54006, info.value)
        after = docs(sid).fetch()
        assert (after.data, after.revision) == ({"v": 0}, "0")


# -- JSON text ----------------------------------------------------------------------

indents = st.none() | st.integers(0, 8) | st.text(alphabet=" \t\n\r", max_size=4)


@given(data=json_objects, indent=indents, ascii_only=st.booleans(), sort=st.booleans())
def test_json_text_is_the_same_as_the_object(
    data: dict[str, Any], indent: int | str | None, ascii_only: bool, sort: bool
) -> None:
    text = json.dumps(data, indent=indent, ensure_ascii=ascii_only, sort_keys=sort)
    docs = new_docs()
    from_text = docs.create(data=text)
    from_dict = docs.create(data=data)
    assert from_text.data == from_dict.data == data
    assert docs(from_text.sid).fetch().data == data
    assert docs(from_text.sid).update(data=text).data == data


@given(data=st.data(), target=st.integers(LIMIT - 16, LIMIT + 16), indent=indents)
def test_json_text_size_is_measured_compactly(
    data: st.DataObject, target: int, indent: int | str | None
) -> None:
    # However the caller formats its JSON text, the compact size decides.
    value = {"k": data.draw(big_strings(target - 12)), "n": [1, {"a": None}]}
    check_size_rule(new_docs(), value, json.dumps(value, indent=indent))


# -- values that are not JSON -------------------------------------------------------

bad_values = st.sampled_from(
    [
        float("nan"),
        float("inf"),
        float("-inf"),
        (),
        (1, "a"),
        set(),
        {1, 2},
        frozenset({"a"}),
        b"",
        b"bytes",
        bytearray(b"x"),
        object(),
        1j,
    ]
)
bad_keys = st.sampled_from([0, 1, -1, 1.5, float("nan"), None, True, False, ("a",), b"k"])


@st.composite
def non_json_objects(draw: st.DrawFn) -> dict[Any, Any]:
    """A JSON object with one non-JSON value or key somewhere in its tree."""
    root: dict[Any, Any] = draw(json_objects)
    place: Any = root
    while True:
        inner = [c for c in (place.values() if isinstance(place, dict) else place)]
        inner = [c for c in inner if isinstance(c, dict | list)]
        if not inner or draw(st.booleans()):
            break
        place = draw(st.sampled_from(inner))
    if draw(st.booleans()):
        bad: Any = draw(bad_values)
        if isinstance(place, dict):
            place[draw(st.text(max_size=4))] = bad
        elif place and draw(st.booleans()):
            place[draw(st.integers(0, len(place) - 1))] = bad
        else:
            place.append(bad)
    else:
        key = draw(bad_keys)
        value = draw(json_values)
        if isinstance(place, dict):
            place[key] = value
        else:
            place.append({key: value})
    return root


@given(data=non_json_objects())
def test_non_json_values_are_refused(data: dict[Any, Any]) -> None:
    docs = new_docs()
    sid = docs.create(unique_name="keep", data={"v": 1}).sid
    with pytest.raises(SyncError) as info:
        docs.create(data=data)
    assert_fails(400, 54008, info.value)
    with pytest.raises(SyncError) as info:
        docs(sid).update(data=data)
    assert_fails(400, 54008, info.value)
    assert [(d.sid, d.data, d.revision) for d in docs.list()] == [(sid, {"v": 1}, "0")]


@given(value=bad_values)
def test_non_json_values_at_the_top_are_refused(value: Any) -> None:
    docs = new_docs()
    with pytest.raises(SyncError) as info:
        docs.create(data=value)
    assert_fails(400, 54008, info.value)
    assert docs.list() == []


@given(
    text=st.sampled_from(["NaN", "Infinity", "-Infinity"]),
    key=st.text(max_size=4),
    nested=st.booleans(),
)
def test_non_finite_numbers_in_json_text_are_refused(text: str, key: str, nested: bool) -> None:
    body = f"[{text}]" if nested else text
    docs = new_docs()
    with pytest.raises(SyncError) as info:
        docs.create(data=f"{{{json.dumps(key)}: {body}}}")
    assert_fails(400, 54008, info.value)
    assert docs.list() == []


def test_a_reference_cycle_is_refused() -> None:
    docs = new_docs()
    looped: dict[str, Any] = {"a": []}
    looped["a"].append(looped)
    with pytest.raises(SyncError) as info:
        docs.create(data=looped)
    assert_fails(400, 54008, info.value)
    assert docs.list() == []


def depth_of(value: Any) -> int:
    """How deeply ``value`` nests, counted on the Python value itself."""
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


@given(value=json_values, ascii_only=st.booleans())
def test_the_depth_of_json_text_is_the_depth_of_its_value(value: Any, ascii_only: bool) -> None:
    # Strings full of brackets, quotes and backslashes do not count.
    assert data_depth(json.dumps(value, ensure_ascii=ascii_only)) == depth_of(value)


@given(value=json_values, extra=st.integers(-3, 3))
def test_data_is_accepted_exactly_up_to_the_depth_limit(value: Any, extra: int) -> None:
    data: Any = {"v": value}
    for _ in range(MAX_DATA_DEPTH - depth_of(data) + extra):
        data = {"a": data}
    docs = new_docs()
    if depth_of(data) > MAX_DATA_DEPTH:
        with pytest.raises(SyncError) as info:
            docs.create(data=data)
        assert_fails(400, 54008, info.value)
        assert docs.list() == []
    else:
        assert docs.create(data=data).data == data
