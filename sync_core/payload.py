"""``data`` payloads: validated, measured, stored as compact JSON text.

Twilio's rule: ``data`` is a JSON object whose size is the number of UTF-8 bytes of its
serialized JSON; 16 KiB (16,384 bytes) is accepted and one byte more is refused with
413/54006 (4 KiB for stream messages). sync_core measures the *compact* serialization
(``separators=(",", ":")``, non-ASCII characters unescaped), so the size does not depend
on how the caller happened to format its JSON.

Stored data is that JSON text: it cannot be shared with the caller, and every read
decodes a fresh copy. The same two steps (``json.dumps`` in, ``json.loads`` out) are what
any store of JSON values pays, so validation costs one extra comparison on top.

>>> text, fresh = encode_data({"theme": "dark", "size": 3})
>>> text
'{"theme":"dark","size":3}'
>>> fresh == {"theme": "dark", "size": 3}
True
>>> encode_data({1: "a"})
Traceback (most recent call last):
...
sync_core.errors.InvalidParameterError: HTTP 400 error 54008: Invalid request body: the type of one of the attributes is invalid (data has a key that is not a string (1 at data))

``data`` nests at most :data:`~sync_core.limits.MAX_DATA_DEPTH` (100) objects and
arrays deep, the top object counting one: sync_core's own limit (Twilio publishes
none), so that whatever is accepted reads back on every path (a REST answer's JSON, a
webhook, an export), even from a deep call stack (docs/model.md).

>>> deepest = '{"a":' + "[" * 99 + "]" * 99 + "}"
>>> data_depth(encode_data(deepest)[0])
100
>>> encode_data('{"a":' + "[" * 100 + "]" * 100 + "}")
Traceback (most recent call last):
...
sync_core.errors.InvalidParameterError: HTTP 400 error 54008: Invalid request body: the type of one of the attributes is invalid (data nests 101 levels deep, the limit is 100)
"""

from __future__ import annotations

import json
import json.decoder
import json.encoder
import json.scanner
import math
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any, Final, NoReturn

from .errors import DATA_INVALID, DATA_TOO_LARGE, DOCUMENT_DATA_MISSING, ErrorSpec
from .limits import MAX_DATA_BYTES, MAX_DATA_DEPTH

__all__ = ["JsonData", "JsonObject", "data_depth", "data_size", "decode_data", "encode_data"]

#: A JSON object as Python holds it.
JsonObject = dict[str, Any]
#: ``data`` as callers give it: a JSON object, or JSON text of one (as the twilio SDK
#: passes strings through and the REST API sends ``Data``).
JsonData = Mapping[str, Any] | str

_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
#: What ``_ENCODER.encode`` runs, made once rather than on every call (as
#: ``JSONEncoder.iterencode`` does): the json module's C encoder, compact, non-ASCII
#: unescaped, NaN refused. It keeps no markers of the objects it is inside (they
#: would be shared between threads): a reference cycle recurses until Python's
#: recursion limit, and :func:`_explain` then names the cycle.
_C_ENCODE: Final = json.encoder.c_make_encoder(  # type: ignore[attr-defined]  # the C accelerator
    None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False, False
)


#: Stored text (compact JSON this module wrote): its C scanner alone, without the
#: checks for surrounding whitespace and trailing text that stored text never has.
_SCAN: Final = json.scanner.c_make_scanner(json.decoder.JSONDecoder())  # type: ignore[attr-defined]


#: A JSON string (its brackets are not structure), and a bracket outside one.
_STRING: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKET: Final = re.compile(r"[\[\]{}]")
_STEP: Final = {"[": 1, "{": 1, "]": -1, "}": -1}


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


#: JSON text from callers: the standard parser, refusing NaN and Infinity, made once
#: (``json.loads(text, parse_constant=...)`` would build a decoder on every call).
_TEXT_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)


def _invalid(detail: str) -> NoReturn:
    raise DATA_INVALID.error(detail=detail) from None


def _describe(value: object, where: str, active: set[int]) -> str | None:
    """Find the first non-JSON part of ``value`` and say what and where it is.

    Only run once a value has failed the fast check, to give a precise message.
    """
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value!r} is not a JSON number (at {where})"
    if isinstance(value, dict | list):
        if id(value) in active:
            return f"it contains a reference cycle (at {where})"
        active.add(id(value))
        try:
            if isinstance(value, dict):
                for key, item in value.items():
                    if not isinstance(key, str):
                        return f"data has a key that is not a string ({key!r} at {where})"
                    found = _describe(item, f"{where}.{key}", active)
                    if found:
                        return found
            else:
                for position, item in enumerate(value):
                    found = _describe(item, f"{where}[{position}]", active)
                    if found:
                        return found
        finally:
            active.discard(id(value))
        return None
    return f"{type(value).__name__} is not a JSON type (at {where})"


def _explain(value: object) -> str | None:
    """What :func:`_describe` finds, or None when ``value`` is too deep to walk."""
    try:
        return _describe(value, "data", set())
    except RecursionError:
        return f"data nests too deeply, the limit is {MAX_DATA_DEPTH}"


#: :data:`_TEXT_DECODER`'s C scanner alone (NaN and Infinity refused alike), for text
#: that is valid: ``decode`` adds two regular expressions and a Python frame around it.
_TEXT_SCAN: Final = json.scanner.c_make_scanner(_TEXT_DECODER)  # type: ignore[attr-defined]
#: JSON's whitespace (RFC 8259), which may surround the value; ``str.strip()`` would
#: strip more.
_JSON_SPACE: Final = " \t\n\r"


def _parse_text(text: str) -> object:
    """JSON text (as the REST API and the twilio SDK send ``Data``) to a Python value.

    >>> _parse_text(' {"a": [1, 2.5]} ')
    {'a': [1, 2.5]}
    >>> _parse_text('{"a": NaN}')
    Traceback (most recent call last):
    ...
    sync_core.errors.InvalidParameterError: HTTP 400 error 54008: Invalid request body: the type of one of the attributes is invalid (data is not valid JSON (NaN is not valid JSON))
    """
    value = text.strip(_JSON_SPACE)
    try:
        parsed, end = _TEXT_SCAN(value, 0)
        if end == len(value):
            return parsed
    except (StopIteration, ValueError, RecursionError):
        pass  # not valid: the standard parser below says why, in its own words
    try:
        return _TEXT_DECODER.decode(text)
    except ValueError as exc:
        _invalid(f"data is not valid JSON ({exc})")
    except RecursionError:  # far deeper than MAX_DATA_DEPTH, or from a deep stack
        _invalid(f"data nests too deeply, the limit is {MAX_DATA_DEPTH}")


def data_depth(text: str) -> int:
    """How deeply JSON ``text`` nests: its objects and arrays, the outermost counting one.

    Brackets inside strings do not count. Cost: linear in ``text``, in C (two regular
    expressions), with no recursion, so any depth is measured.

    >>> data_depth('{}'), data_depth('{"a":[1,{"b":"[[["}]}'), data_depth('7')
    (1, 3, 0)
    """
    brackets = _BRACKET.findall(_STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def data_size(text: str) -> int:
    """UTF-8 bytes of ``text``.

    >>> data_size('{"a":"é"}')
    10
    """
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def encode_data(
    value: object, *, limit: int = MAX_DATA_BYTES, missing: ErrorSpec = DOCUMENT_DATA_MISSING
) -> tuple[str, JsonObject]:
    """Validate ``value`` as a ``data`` payload; return its compact JSON and a fresh copy.

    ``value`` is a dict, or JSON text of an object (as the twilio SDK passes strings
    through and the REST API sends ``Data``). Cost: one serialization, one parse and one
    comparison, each linear in the size of the data (text: one parse and one
    serialization, as what was parsed from JSON is JSON and its own copy); data of more than
    :data:`~sync_core.limits.MAX_DATA_DEPTH` brackets is measured for depth too
    (:func:`data_depth`, linear as well).

    >>> encode_data('{"a": [1, 2.5, null]}')[0]
    '{"a":[1,2.5,null]}'
    >>> encode_data({"big": "x" * 16_374})[0][:8]  # 16,384 bytes in all: accepted
    '{"big":"'
    >>> encode_data({"big": "x" * 16_375})
    Traceback (most recent call last):
    ...
    sync_core.errors.PayloadTooLargeError: HTTP 413 error 54006: Request entity too large (data is 16385 bytes, the limit is 16384)

    Args:
        value: the caller's data.
        limit: the most UTF-8 bytes the compact JSON may take.
        missing: the error of null data (each object kind has its own code).

    Returns:
        ``(text, copy)``: the compact JSON text to store and a fresh dict equal to
        ``value`` that shares nothing with it.

    Raises:
        InvalidParameterError: 54008 when ``value`` is not a JSON object, holds NaN,
            Infinity, a non-string key, a cycle or a non-JSON type, or nests deeper
            than :data:`~sync_core.limits.MAX_DATA_DEPTH`; the ``missing`` code when
            it is JSON ``null``.
        PayloadTooLargeError: 54006 when the JSON is over ``limit`` bytes.
    """
    parsed = False
    if isinstance(value, str):
        parsed = True
        value = _parse_text(value)
    if value is None:
        raise missing.error("data must be a JSON object, not null")
    if not isinstance(value, dict):
        _invalid(f"data must be a JSON object, not {type(value).__name__}")
    try:
        chunks = _C_ENCODE(value, 0)  # a str, or (for some values) a list of str
        text = chunks if isinstance(chunks, str) else "".join(chunks)
    except (TypeError, ValueError) as exc:
        _invalid(_explain(value) or str(exc))
    except RecursionError:  # a reference cycle, or far too deep
        _invalid(_explain(value) or f"data nests too deeply, the limit is {MAX_DATA_DEPTH}")
    try:
        size = len(text) if text.isascii() else len(text.encode("utf-8"))  # data_size()
    except UnicodeEncodeError:
        _invalid("data holds a lone surrogate, which has no UTF-8 encoding")
    if size > limit:  # Twilio's limit first: over it, data too deep is too large too
        raise DATA_TOO_LARGE.error(detail=f"data is {size} bytes, the limit is {limit}")
    # The number of brackets bounds the depth: the exact count only when it may be over.
    # Each level takes two characters (it opens and closes), so text of at most
    # 2 * MAX_DATA_DEPTH characters (size counts at least as many) is never too deep.
    if size > 2 * MAX_DATA_DEPTH and text.count("{") + text.count("[") > MAX_DATA_DEPTH:
        depth = data_depth(text)
        if depth > MAX_DATA_DEPTH:
            _invalid(f"data nests {depth} levels deep, the limit is {MAX_DATA_DEPTH}")
    if parsed:
        # Parsed from JSON text: made of JSON values only, and a fresh object nobody
        # else holds, so it is the copy (what decoding ``text`` would give, equal).
        return text, value
    copy: JsonObject = _SCAN(text, 0)[0]
    if copy != value:
        # json.dumps quietly turns int keys into strings and tuples into lists: a value
        # that does not come back equal was not pure JSON.
        _invalid(_explain(value) or "data is not made of JSON values only")
    return text, copy


def decode_data(text: str) -> JsonObject:
    """A fresh dict from stored JSON text.

    >>> decode_data('{"a":1}')
    {'a': 1}
    """
    result: JsonObject = _SCAN(text, 0)[0]
    return result
