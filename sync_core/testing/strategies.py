"""Hypothesis strategies for valid and invalid Twilio Sync values.

For users who test their own validation (or their own Sync-backed code) against
Twilio's rules (SEMANTICS.md, "Limits"). Every limit comes from :mod:`sync_core.limits`;
sync_core itself accepts every value of a valid strategy and refuses every value of
an ``invalid_*`` strategy with the Twilio status and code named in its docstring.

Valid values: :func:`json_values`, :func:`json_data`, :func:`data_of_size`,
:func:`stream_message_data`, :func:`map_keys`, :func:`unique_names`, :func:`ttls`,
:func:`identities`, :func:`permissions`, :func:`permission_tables`,
:func:`list_indexes`, :func:`page_sizes`.

Invalid values: :func:`oversized_data` (413/54006), :func:`invalid_data` (400/54008),
:func:`invalid_map_keys` (54209), :func:`invalid_unique_names` (54302),
:func:`invalid_ttls` (54011), :func:`invalid_identities` (54351),
:func:`invalid_list_indexes` (54458), :func:`invalid_page_sizes` (54454).

``None`` is in no ``invalid_*`` strategy: sync_core (like the twilio SDK, which drops
``None`` form fields) treats it as "not given", and ``data=None`` is the separate
"null data" error (54101 document, 54156 list item, 54206 map item, 54251 stream
message), not 54008.

Size rule: ``data`` is measured as the UTF-8 bytes of its compact JSON
(``separators=(",", ":")``, ``ensure_ascii=False``), as :func:`sync_core.payload.encode_data`
does. Python's JSON semantics apply: integers are Python ints (not limited to the 53
bits a JavaScript client keeps exactly; Hypothesis draws them below 4,300 digits, the
most ``json`` converts).

>>> from random import Random
>>> from hypothesis import Phase, find, settings
>>> from sync_core.payload import data_size, encode_data
>>> def first(strategy):  # a deterministic example (not shrunk: fast), for doctests
...     quick = settings(database=None, phases=[Phase.generate])
...     return find(strategy, lambda _: True, random=Random(0), settings=quick)
>>> data_size(encode_data(first(data_of_size(16_384)))[0])
16384
>>> sorted(first(permissions()))
['manage', 'read', 'write']

Needs ``hypothesis`` (``pip install 'sync_core[testing]'``).
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any, Final

from hypothesis import strategies as st

from ..limits import (
    MAX_DATA_BYTES,
    MAX_IDENTITY,
    MAX_MAP_KEY,
    MAX_PAGE_SIZE_SERVED,
    MAX_STREAM_MESSAGE_BYTES,
    MAX_TTL,
    MAX_UNIQUE_NAME,
)
from ..sids import looks_like_sid

__all__ = [
    "SDK_UNSAFE_CHARACTERS",
    "SDK_UNSAFE_KEYS",
    "data_of_size",
    "identities",
    "invalid_data",
    "invalid_identities",
    "invalid_list_indexes",
    "invalid_map_keys",
    "invalid_page_sizes",
    "invalid_ttls",
    "invalid_unique_names",
    "json_data",
    "json_size",
    "json_values",
    "list_indexes",
    "map_keys",
    "oversized_data",
    "page_sizes",
    "permission_tables",
    "permissions",
    "sdk_safe_identities",
    "sdk_safe_map_keys",
    "sdk_safe_unique_names",
    "stream_message_data",
    "ttls",
    "unique_names",
]

#: A JSON object as Python holds it.
JsonObject = dict[str, Any]

#: The smallest JSON object, ``{}``; the next smallest, ``{"":0}``, takes 6 bytes.
_EMPTY: Final = 2
_SMALLEST_MEMBER: Final = 6
#: ``{"":""}``: an object with one empty-string member, the frame of the padding.
_PAD_FRAME: Final = 7

# Any character with a UTF-8 form: lone surrogates (category Cs) have none.
_CHARS: Final = st.characters(codec="utf-8")
_SURROGATES: Final = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
#: Padding characters of every width of compact JSON: 1, 2, 3 and 4 UTF-8 bytes, and
#: characters JSON escapes ("\n" and '"' take 2 bytes, "\x01" takes 6 as \u0001).
_PAD_CHARS: Final = (
    st.sampled_from(("é", "€", "😀", "\n", '"', "\\", "\x01", "x", "ß", "中")) | _CHARS
)
#: Characters of exactly one byte of compact JSON, to finish a padding exactly.
_FILLERS: Final = st.sampled_from(("x", "0", " ", "~", "a", "Z"))


def json_size(value: object) -> int:
    """The size rule: UTF-8 bytes of ``value``'s compact JSON (``ensure_ascii=False``).

    >>> json_size({"a": "é"})
    10
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return len(text.encode("utf-8"))


def _width(char: str) -> int:
    """Bytes one character takes inside a compact JSON string."""
    return json_size(char) - 2


# -- JSON data ----------------------------------------------------------------------


def json_values(max_leaves: int = 20) -> st.SearchStrategy[Any]:
    """Any JSON value: ``None``, bools, ints, finite floats, strings, lists and objects.

    Rule: what ``json.dumps(..., allow_nan=False)`` writes and ``json.loads`` reads back
    equal; strings and object keys hold any character but lone surrogates. At most
    ``max_leaves`` scalars in all.

    >>> from hypothesis import find
    >>> value = find(json_values(), lambda v: isinstance(v, list) and len(v) == 2)
    >>> json.loads(json.dumps(value)) == value
    True
    """
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(_CHARS)
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=6) | st.dictionaries(st.text(_CHARS), children, max_size=6)
        ),
        max_leaves=max_leaves,
    )


def _objects(max_leaves: int, max_size: int) -> st.SearchStrategy[JsonObject]:
    return st.dictionaries(st.text(_CHARS), json_values(max_leaves), max_size=max_size)


# Built once: building a recursive strategy again for every draw is slow.
_PAD_BASES: Final = _objects(max_leaves=6, max_size=4)
_POISON_BASES: Final = _objects(max_leaves=10, max_size=4)
_CYCLE_BASES: Final = _objects(max_leaves=4, max_size=3)
_SMALL_VALUES: Final = json_values(4)
_SHORT_KEYS: Final = st.text(_CHARS, max_size=4)
_RUNS: Final = st.integers(0, 6)


def _trim(value: JsonObject, max_bytes: int) -> JsonObject:
    """``value`` without its last members, until its compact JSON fits ``max_bytes``."""
    while value and json_size(value) > max_bytes:
        value.popitem()
    return value


def _check_size(n: int) -> None:
    if n < _EMPTY or _EMPTY < n < _SMALLEST_MEMBER:
        raise ValueError(f'no JSON object is {n} bytes: the smallest are {{}} (2) and {{"":0}} (6)')


@st.composite
def _object_of_size(draw: st.DrawFn, n: int) -> JsonObject:
    """A JSON object of exactly ``n`` bytes: a few members and one padded string."""
    if n == _EMPTY:
        return {}
    if n < _PAD_FRAME + 1:  # 6 or 7 bytes: {"":d} with n - 5 digits, or a 7-byte literal
        digits = n - 5
        small: JsonObject = {
            "": draw(st.integers(10 ** (digits - 1) if digits > 1 else 0, 10**digits - 1))
        }
        if n == _PAD_FRAME:
            others: list[JsonObject] = [{"": ""}, {"": []}, {"": {}}, {"a": 0}, {"": -1}, small]
            small = draw(st.sampled_from(others))
        return copy.deepcopy(small)  # never share a container between examples
    base = draw(_PAD_BASES)
    key = draw(_SHORT_KEYS)
    base.pop(key, None)
    while base and json_size({**base, key: ""}) > n:
        base.popitem()
    if json_size({**base, key: ""}) > n:
        base, key = {}, ""
    budget = n - json_size({**base, key: ""})
    parts: list[str] = []
    for _ in range(draw(_RUNS)):
        char = draw(_PAD_CHARS)
        width = _width(char)
        if width <= budget:
            count = draw(st.integers(0, budget // width))
            parts.append(char * count)
            budget -= count * width
    parts.append(draw(_FILLERS) * budget)
    base[key] = "".join(parts)
    return base


def data_of_size(n: int) -> st.SearchStrategy[JsonObject]:
    """JSON objects of exactly ``n`` bytes of compact UTF-8 JSON (``n`` = 2 or ``n >= 6``).

    Rule: the size rule of :func:`json_size`; a few arbitrary members and a string padded
    with a mix of 1-, 2-, 3- and 4-byte characters and escaped ones, so both edges of a
    limit can be tested: ``data_of_size(MAX_DATA_BYTES)`` is accepted,
    ``data_of_size(MAX_DATA_BYTES + 1)`` is 413/54006 (4,096 and 4,097 for streams).

    >>> from hypothesis import find
    >>> json_size(find(data_of_size(4_097), lambda d: len(d) > 1))
    4097
    >>> data_of_size(4)
    Traceback (most recent call last):
    ...
    ValueError: no JSON object is 4 bytes: the smallest are {} (2) and {"":0} (6)
    """
    _check_size(n)
    return _object_of_size(n)


def _sizes(min_bytes: int, max_bytes: int) -> st.SearchStrategy[int]:
    """Sizes a JSON object can have, from ``min_bytes`` to ``max_bytes``, edges favoured."""
    low = max(min_bytes, _SMALLEST_MEMBER)
    choices: list[st.SearchStrategy[int]] = []
    if min_bytes <= _EMPTY <= max_bytes:
        choices.append(st.just(_EMPTY))
    if low <= max_bytes:
        choices += [st.just(max_bytes), st.integers(max(low, max_bytes - 32), max_bytes)]
        choices += [st.integers(low, max_bytes)]
    return st.one_of(choices)


def json_data(*, max_bytes: int = MAX_DATA_BYTES) -> st.SearchStrategy[JsonObject]:
    """Valid ``data``: JSON objects of at most ``max_bytes`` (16 KiB), often exactly at it.

    Rule: a dict with str keys whose values are :func:`json_values`, and whose compact
    UTF-8 JSON (:func:`json_size`) is at most ``max_bytes``. Examples are small
    arbitrary objects (trimmed to fit) or objects padded to a size up to the limit,
    favouring the limit itself and the 32 bytes below it. Accepted by every ``create``/``update`` that takes ``data``.

    >>> from hypothesis import find
    >>> json_size(find(json_data(max_bytes=100), lambda d: json_size(d) > 99))
    100
    """
    if max_bytes < _EMPTY:
        raise ValueError(f"no JSON object fits in {max_bytes} bytes")
    small = _objects(max_leaves=20, max_size=8).map(lambda value: _trim(value, max_bytes))
    sized = _sizes(_EMPTY, max_bytes).flatmap(_object_of_size)
    return small | sized


def stream_message_data() -> st.SearchStrategy[JsonObject]:
    """Valid Stream Message ``data``: :func:`json_data` of at most 4 KiB (4,096 bytes).

    >>> from hypothesis import find
    >>> json_size(find(stream_message_data(), lambda d: json_size(d) >= 4096))
    4096
    """
    return json_data(max_bytes=MAX_STREAM_MESSAGE_BYTES)


def oversized_data(limit: int = MAX_DATA_BYTES) -> st.SearchStrategy[JsonObject]:
    """JSON objects of more than ``limit`` bytes: 413/54006 (the smallest is ``limit + 1``).

    Rule: otherwise valid JSON objects (see :func:`data_of_size`) from ``limit + 1`` to
    ``2 * limit + 8`` bytes, favouring ``limit + 1``.

    >>> from hypothesis import Phase, find, settings
    >>> quick = settings(database=None, phases=[Phase.generate])  # no need to shrink
    >>> json_size(find(oversized_data(4_096), lambda d: json_size(d) < 4098, settings=quick))
    4097
    """
    first = max(limit + 1, _SMALLEST_MEMBER)
    sizes = st.just(first) | st.integers(first, first + 32) | st.integers(first, 2 * limit + 8)
    return sizes.flatmap(_object_of_size)


# What is not JSON (each refused as 54008), copied so that no example shares a container.
_NOT_JSON_VALUES: Final[st.SearchStrategy[object]] = st.sampled_from(
    [
        math.nan,
        math.inf,
        -math.inf,
        (),
        (1, "a"),
        set(),
        frozenset({"a"}),
        b"bytes",
        bytearray(b"x"),
        1j,
        range(3),
    ]
).map(copy.deepcopy) | st.text(_CHARS, max_size=3).flatmap(
    lambda text: _SURROGATES.map(lambda bad: text + bad)  # a lone surrogate in a string
)
_NOT_JSON_KEYS: Final[st.SearchStrategy[object]] = st.sampled_from(
    [0, 1, -1, 1.5, math.nan, None, True, False, ("a",), b"k", frozenset()]
) | _SURROGATES.map(lambda bad: "k" + bad)


@st.composite
def _poisoned_objects(draw: st.DrawFn) -> dict[Any, Any]:
    """A small JSON object with one non-JSON value or key somewhere in its tree."""
    root: dict[Any, Any] = draw(_POISON_BASES)
    place: Any = root
    while True:
        inner = [c for c in (place.values() if isinstance(place, dict) else place)]
        inner = [c for c in inner if isinstance(c, dict | list)]
        if not inner or draw(st.booleans()):
            break
        place = draw(st.sampled_from(inner))
    if draw(st.booleans()):
        bad: Any = draw(_NOT_JSON_VALUES)
        if isinstance(place, dict):
            place[draw(_SHORT_KEYS)] = bad
        else:
            place.insert(draw(st.integers(0, len(place))), bad)
    else:
        entry = {draw(_NOT_JSON_KEYS): draw(_SMALL_VALUES)}
        if isinstance(place, dict):
            place.update(entry)
        else:
            place.append(entry)
    return root


def _is_object_or_null_text(text: str) -> bool:
    """Whether JSON text parses to an object (valid data) or to null (the missing code)."""
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return parsed is None or isinstance(parsed, dict)


@st.composite
def _cycles(draw: st.DrawFn) -> dict[str, Any]:
    """A JSON object that contains itself."""
    root: dict[str, Any] = draw(_CYCLE_BASES)
    holder: list[Any] = [root]
    root[draw(_SHORT_KEYS)] = holder if draw(st.booleans()) else root
    return root


def invalid_data() -> st.SearchStrategy[object]:
    """Values that are not valid ``data``: 400/54008 wherever ``data`` is taken.

    Rule: a JSON object is required. Given are: other JSON values (lists, numbers,
    bools) and JSON text of them, text that is not JSON at all, objects with NaN,
    Infinity, a non-string key, a tuple, a set, bytes or a lone surrogate somewhere,
    JSON text with ``NaN``/``Infinity`` inside, non-JSON Python values (tuples, sets,
    bytes) and objects that contain themselves. All are small: size is never the
    reason. ``None`` (and the text ``"null"``) is left out: it is the "null data" error.

    >>> from hypothesis import find
    >>> from sync_core.errors import SyncError
    >>> from sync_core.payload import encode_data
    >>> try:
    ...     encode_data(find(invalid_data(), lambda v: isinstance(v, list)))
    ... except SyncError as error:
    ...     print(error.status, error.code)
    400 54008
    """
    non_objects = json_values(8).filter(lambda v: v is not None and not isinstance(v, dict | str))
    non_object_text = non_objects.map(json.dumps)
    not_json_text = st.text(_CHARS, max_size=20).filter(lambda t: not _is_object_or_null_text(t))
    constants = st.sampled_from(["NaN", "Infinity", "-Infinity", "[NaN]", '"\\ud800"'])
    text_with_constants = st.builds(
        lambda key, constant: f"{{{json.dumps(key)}: {constant}}}",
        st.text(_CHARS, max_size=4),
        constants,
    )
    return st.one_of(
        non_objects,
        non_object_text,
        not_json_text,
        text_with_constants,
        _NOT_JSON_VALUES,
        _poisoned_objects(),
        _cycles(),
    )


# -- names, keys, identities --------------------------------------------------------


def _texts(max_size: int) -> st.SearchStrategy[str]:
    """Text of 1 to ``max_size`` characters with a UTF-8 form, often exactly ``max_size``."""
    return st.text(_CHARS, min_size=1, max_size=max_size) | st.text(
        _CHARS, min_size=max_size, max_size=max_size
    )


@st.composite
def _with_surrogate(draw: st.DrawFn, max_size: int) -> str:
    """Text of 1 to ``max_size`` characters that holds a lone surrogate (no UTF-8 form)."""
    text = draw(st.text(_CHARS, max_size=max_size - 1))
    at = draw(st.integers(0, len(text)))
    return text[:at] + draw(_SURROGATES) + text[at:]


#: Values that are not strings where a string is required (``None`` excluded).
_NON_STRINGS: Final = st.one_of(
    st.integers(),
    st.floats(),
    st.booleans(),
    st.binary(max_size=8),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _too_long(max_size: int) -> st.SearchStrategy[str]:
    return st.text(_CHARS, min_size=max_size + 1, max_size=max_size + 40)


def _invalid_texts(max_size: int) -> st.SearchStrategy[object]:
    """``""``, too long, a lone surrogate, or not a string at all."""
    return st.one_of(st.just(""), _too_long(max_size), _with_surrogate(max_size), _NON_STRINGS)


def map_keys() -> st.SearchStrategy[str]:
    """Valid Map Item keys: 1 to 320 characters, any characters but lone surrogates.

    >>> from hypothesis import find
    >>> len(find(map_keys(), lambda k: len(k) > 319))
    320
    """
    return _texts(MAX_MAP_KEY)


#: What no key may hold, or be, to round-trip through the twilio SDK (it does not
#: percent-encode keys in paths, docs/twilio-sdk.md): a path separator, the start of a
#: query or fragment, a percent escape, a tab or newline (the async SDK's aiohttp
#: removes them from URLs), or a whole "." or ".." (removed as dot-segments).
SDK_UNSAFE_CHARACTERS: Final = frozenset("/?#%\t\n\r")
SDK_UNSAFE_KEYS: Final = frozenset({".", ".."})


def sdk_safe_map_keys() -> st.SearchStrategy[str]:
    """Valid Map Item keys that round-trip through the twilio SDK, in-process or over HTTP.

    :func:`map_keys` without ``/``, ``?``, ``#``, ``%``, tab, newline and carriage
    return, and without the keys ``.`` and ``..``: the SDK puts a key in the path as it
    is, and its transport then sends the path percent-encoded with dot-segments removed
    (``requests``), or without tabs and newlines (aiohttp) (docs/twilio-sdk.md).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=50, database=None)
    ... @given(sdk_safe_map_keys())
    ... def never_unsafe(key):
    ...     assert key not in SDK_UNSAFE_KEYS and not SDK_UNSAFE_CHARACTERS & set(key)
    >>> never_unsafe()
    """
    return map_keys().filter(_sdk_safe)


def _sdk_safe(text: str) -> bool:
    """Whether ``text``, put in a path by the twilio SDK, reaches sync_core as it is."""
    return text not in SDK_UNSAFE_KEYS and not (SDK_UNSAFE_CHARACTERS & set(text))


def invalid_map_keys() -> st.SearchStrategy[object]:
    """Invalid Map Item keys, 400/54209: ``""``, 321+ characters, a lone surrogate, non-strings.

    >>> from hypothesis import find
    >>> len(find(invalid_map_keys(), lambda k: isinstance(k, str) and 320 < len(k) < 322))
    321
    """
    return _invalid_texts(MAX_MAP_KEY)


#: Names close to a SID that are still valid: upper-case hex, a lower-case prefix,
#: one hex digit too few or too many, a character that is no hex digit.
_NEAR_SIDS: Final = st.one_of(
    st.from_regex(r"[A-Z]{2}[A-F0-9]{32}", fullmatch=True).filter(lambda s: not looks_like_sid(s)),
    st.from_regex(r"[a-z]{2}[a-f0-9]{32}", fullmatch=True),
    st.from_regex(r"[A-Z]{2}[a-f0-9]{31}", fullmatch=True),
    st.from_regex(r"[A-Z]{2}[a-f0-9]{33}", fullmatch=True),
    st.from_regex(r"[A-Z]{2}[a-f0-9]{20}[g-z][a-f0-9]{11}", fullmatch=True),
)


def unique_names() -> st.SearchStrategy[str]:
    """Valid ``unique_name`` values: 1 to 320 characters, never shaped like a SID.

    Rule: no lone surrogate, and no full match of ``[A-Z]{2}[a-f0-9]{32}`` (it would
    shadow a SID); names that are only close to a SID (upper-case hex digits, 31 or
    33 digits) are included, since they are valid.

    >>> from hypothesis import find
    >>> len(find(unique_names(), lambda n: len(n) > 319))
    320
    """
    return (_texts(MAX_UNIQUE_NAME) | _NEAR_SIDS).filter(lambda name: not looks_like_sid(name))


def sdk_safe_unique_names() -> st.SearchStrategy[str]:
    """Valid ``unique_name`` values that address their object through the twilio SDK:
    :func:`unique_names` less what the SDK's paths change (as for keys,
    :func:`sdk_safe_map_keys`): ``documents("a?b").fetch()`` fetches ``a``.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20, database=None)
    ... @given(sdk_safe_unique_names())
    ... def never_unsafe(name):
    ...     assert name not in SDK_UNSAFE_KEYS and not SDK_UNSAFE_CHARACTERS & set(name)
    >>> never_unsafe()
    """
    return unique_names().filter(_sdk_safe)


def invalid_unique_names() -> st.SearchStrategy[object]:
    """Invalid ``unique_name`` values, 400/54302.

    Rule: ``""``, 321+ characters, SID-shaped (``[A-Z]{2}[a-f0-9]{32}``, such as
    ``"ET"`` and 32 lower-case hex digits), a lone surrogate, or not a string.

    >>> from hypothesis import Phase, find, settings
    >>> from sync_core.sids import looks_like_sid
    >>> sid_shaped = find(  # no shrinking: any SID-shaped name will do
    ...     invalid_unique_names(),
    ...     lambda n: isinstance(n, str) and n.isascii() and len(n) == 34,
    ...     settings=settings(phases=[Phase.generate], database=None, max_examples=1000),
    ... )
    >>> looks_like_sid(sid_shaped)
    True
    """
    return st.one_of(
        st.just(""),
        _too_long(MAX_UNIQUE_NAME),
        st.from_regex(r"[A-Z]{2}[a-f0-9]{32}", fullmatch=True),
        _with_surrogate(MAX_UNIQUE_NAME),
        _NON_STRINGS,
    )


def identities() -> st.SearchStrategy[str]:
    """Valid permission identities: 1 to 256 characters, any but lone surrogates.

    >>> from hypothesis import find
    >>> len(find(identities(), lambda i: len(i) > 255))
    256
    """
    return _texts(MAX_IDENTITY)


def sdk_safe_identities() -> st.SearchStrategy[str]:
    """Valid identities whose permission the twilio SDK addresses as they are
    (``document_permissions(identity)`` puts it in the path): :func:`identities` less
    what the SDK's paths change, as for keys (:func:`sdk_safe_map_keys`): through the
    SDK, ``"alice?x"`` is ``alice``'s permission and ``"bob%41"`` is ``bobA``'s.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=20, database=None)
    ... @given(sdk_safe_identities())
    ... def never_unsafe(identity):
    ...     assert identity not in SDK_UNSAFE_KEYS
    ...     assert not SDK_UNSAFE_CHARACTERS & set(identity)
    >>> never_unsafe()
    """
    return identities().filter(_sdk_safe)


def invalid_identities() -> st.SearchStrategy[object]:
    """Invalid identities, 400/54351: ``""``, 257+ characters, a lone surrogate, non-strings.

    >>> from hypothesis import find
    >>> len(find(invalid_identities(), lambda i: isinstance(i, str) and 256 < len(i) < 258))
    257
    """
    return _invalid_texts(MAX_IDENTITY)


# -- numbers ------------------------------------------------------------------------


def _non_integer_text() -> st.SearchStrategy[str]:
    """Text that is no decimal integer: not ASCII digits with an optional sign."""
    tricky = st.sampled_from(
        ["", " ", "abc", "1.5", "1e3", "0x10", "1_000", "١٢", "¹", "+-1", "--1", "one", "NaN"]
    )

    def integer_text(text: str) -> bool:
        body = text.strip()
        digits = body[1:] if body[:1] in ("+", "-") else body
        return digits.isascii() and digits.isdigit()

    return tricky | st.text(max_size=8).filter(lambda text: not integer_text(text))


def _fractions() -> st.SearchStrategy[float]:
    return st.floats(allow_nan=True, allow_infinity=True).filter(
        lambda x: not math.isfinite(x) or not x.is_integer()
    )


def _out_of_range(low: int, high: int) -> st.SearchStrategy[object]:
    """Integers outside ``low..high``, also as decimal text."""
    numbers = st.integers(max_value=low - 1) | st.integers(min_value=high + 1)
    edges = st.sampled_from([low - 1, high + 1])
    return edges | numbers | (edges | numbers).map(str)


def ttls() -> st.SearchStrategy[int]:
    """Valid TTLs in seconds: integers from 0 ("never expires") to 31,536,000 (one year).

    >>> from hypothesis import find
    >>> find(ttls(), lambda t: t > 31_535_999)
    31536000
    """
    return st.sampled_from([0, 1, MAX_TTL]) | st.integers(0, MAX_TTL)


def invalid_ttls() -> st.SearchStrategy[object]:
    """Invalid TTLs, 400/54011: negative, over one year, fractions, bools, non-numeric text.

    Out-of-range integers come also as decimal text (``"-1"``, ``"31536001"``). Empty
    text is not one: an empty TTL is no TTL (:func:`sync_core.params.ttl_given`).

    >>> from hypothesis import find
    >>> find(invalid_ttls(), lambda t: type(t) is int and 0 < t < 31_536_002)
    31536001
    """
    blank_is_unset = _non_integer_text().filter(lambda text: text != "")
    return st.one_of(_out_of_range(0, MAX_TTL), _fractions(), st.booleans(), blank_is_unset)


def list_indexes() -> st.SearchStrategy[int]:
    """Valid List Item indexes: non-negative integers.

    >>> from hypothesis import find
    >>> find(list_indexes(), lambda i: i < 1)
    0
    """
    return st.integers(min_value=0)


def invalid_list_indexes() -> st.SearchStrategy[object]:
    """Invalid List Item indexes, 400/54458, as an item's index and as ``from_``:
    negative, fractions, bools, non-numeric text (not empty text: an empty ``From`` is
    none, the whole List).

    >>> from hypothesis import find
    >>> find(invalid_list_indexes(), lambda i: type(i) is int and i > -2)
    -1
    """
    negative = st.integers(max_value=-1)
    blank_is_unset = _non_integer_text().filter(lambda text: text != "")
    return st.one_of(negative, negative.map(str), _fractions(), st.booleans(), blank_is_unset)


def page_sizes() -> st.SearchStrategy[int]:
    """Valid ``page_size`` values: any integer from 1 (a page never holds more than 100).

    The official SDKs send ``PageSize=limit`` uncapped, so Twilio clamps a size above
    the maximum rather than refuse it (SEMANTICS.md).

    >>> from hypothesis import find
    >>> find(page_sizes(), lambda n: n > 999)
    1000
    """
    edges = st.sampled_from([1, MAX_PAGE_SIZE_SERVED, MAX_PAGE_SIZE_SERVED + 1, 1_000, 5_000])
    return edges | st.integers(min_value=1)


def invalid_page_sizes() -> st.SearchStrategy[object]:
    """Invalid ``page_size`` values, 400/54454: 0, negative, fractions, text (not empty
    text: an empty ``PageSize`` is none, the default).

    >>> from hypothesis import find
    >>> find(invalid_page_sizes(), lambda n: type(n) is int and n > -1)
    0
    """
    negative = st.integers(max_value=0)
    blank_is_unset = _non_integer_text().filter(lambda text: text != "")
    return st.one_of(negative, negative.map(str), _fractions(), st.booleans(), blank_is_unset)


# -- permissions --------------------------------------------------------------------


def permissions() -> st.SearchStrategy[dict[str, bool]]:
    """One permission: ``{"read": bool, "write": bool, "manage": bool}``, all three given.

    Pass it as ``...document_permissions(identity).update(**flags)``.

    >>> from hypothesis import find
    >>> find(permissions(), lambda p: p["write"] and not (p["read"] or p["manage"]))
    {'read': False, 'write': True, 'manage': False}
    """
    return st.fixed_dictionaries(
        {"read": st.booleans(), "write": st.booleans(), "manage": st.booleans()}
    )


def permission_tables(
    identities: st.SearchStrategy[str] = identities(),  # noqa: B008  # strategies are lazy
    objects: st.SearchStrategy[str] = st.sampled_from(["d"]),  # noqa: B008
    *,
    min_size: int = 0,
    max_size: int = 8,
) -> st.SearchStrategy[dict[tuple[str, str], dict[str, bool]]]:
    """Permission tables: ``{(identity, object): permission}`` of valid identities.

    Rule: each key is a distinct (identity, object) pair drawn from ``identities`` and
    ``objects`` (unique names or SIDs of your Documents, Maps or Lists); each value is a
    :func:`permissions` dict.

    >>> from hypothesis import Phase, find, settings
    >>> people = st.sampled_from(["alice", "bob"])
    >>> quick = settings(database=None, phases=[Phase.generate])  # no need to shrink
    >>> table = find(permission_tables(people, min_size=2), lambda t: True, settings=quick)
    >>> sorted(table), sorted(table["alice", "d"])
    ([('alice', 'd'), ('bob', 'd')], ['manage', 'read', 'write'])
    """
    return st.dictionaries(
        st.tuples(identities, objects), permissions(), min_size=min_size, max_size=max_size
    )
