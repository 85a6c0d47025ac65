"""Helpers the test modules share: checking a refusal exactly, Twilio's 404 text, sizes.

``tests/`` is on ``sys.path`` (pytest puts the folder of the root ``conftest.py`` there),
so test modules say ``from support import refused``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from sync_core import (
    ConflictError,
    ForbiddenError,
    InvalidParameterError,
    NotFoundError,
    PayloadTooLargeError,
    PreconditionFailedError,
    SyncError,
)

KINDS: dict[int, type[SyncError]] = {
    400: InvalidParameterError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    413: PayloadTooLargeError,
}


def refused(call: Callable[[], object], status: int, code: int, message: str) -> SyncError:
    """Run ``call``, which must fail with exactly this Twilio error; return the error."""
    with pytest.raises(SyncError) as info:
        call()
    error = info.value
    assert isinstance(error, KINDS[status])
    assert error.to_dict() == {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return error


def not_found(path: str) -> str:
    """Twilio's 404 message for ``path``."""
    return f"The requested resource {path} was not found"


def size(data: dict[str, Any]) -> int:
    """Twilio's measure of ``data``: UTF-8 bytes of its compact JSON."""
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())
