"""Errors: one base, one subclass per kind, every code and message in one table."""

from __future__ import annotations

import pytest
from support import ERROR_CLASSES

from sync_core import (
    NotFoundError,
    SyncError,
    errors,
)
from sync_core.errors import (
    ERRORS,
    NOT_FOUND,
    REVISION_MISMATCH,
    ErrorSpec,
    ResourceErrorSpec,
    RevisionErrorSpec,
    fail,
)

KINDS = [(kind, status) for status, kind in ERROR_CLASSES.items()]


@pytest.mark.parametrize(("kind", "status"), KINDS)
def test_each_kind_is_a_sync_error_with_its_status(kind: type[SyncError], status: int) -> None:
    assert issubclass(kind, SyncError)
    assert kind.default_status == status


# SEMANTICS.md's table of codes, restated here so that a change to the table is noticed.
EXPECTED = {
    "not_found": (404, 20404),
    "revision_mismatch": (412, 20412),
    "unique_name_taken": (409, 54301),
    "map_key_taken": (409, 54208),
    "forbidden": (403, 54007),
    "rate_limited": (429, 54009),
    "object_rate_limited": (429, 54009),
    "method_not_allowed": (405, 20004),
    "data_too_large": (413, 54006),
    "data_invalid": (400, 54008),
    "document_data_missing": (400, 54101),
    "list_item_data_missing": (400, 54156),
    "map_item_data_missing": (400, 54206),
    "stream_message_data_missing": (400, 54251),
    "no_parameters": (400, 54010),
    "ttl_invalid": (400, 54011),
    "unique_name_invalid": (400, 54302),
    "map_key_invalid": (400, 54209),
    "identity_invalid": (400, 54351),
    "friendly_name_invalid": (400, 54053),
    "webhook_url_invalid": (400, 54051),
    "if_match_invalid": (400, 54003),
    "order_invalid": (400, 54451),
    "bounds_invalid": (400, 54452),
    "page_token_invalid": (400, 54453),
    "page_size_invalid": (400, 54454),
    "index_invalid": (400, 54458),
    "parameter_invalid": (400, 20001),
    "internal_error": (500, 20500),
    "service_unavailable": (503, 20503),
    "access_token_invalid": (401, 20101),
    "access_token_header_invalid": (401, 20102),
    "access_token_issuer_invalid": (401, 20103),
    "access_token_expired": (401, 20104),
    "access_token_not_yet_valid": (401, 20105),
    "access_token_grants_invalid": (401, 20106),
    "access_token_signature_invalid": (401, 20107),
    "access_token_ttl_too_long": (401, 20157),
    "authentication_failed": (401, 20003),
}


def test_the_table_holds_semantics_codes_and_statuses() -> None:
    assert {key: (spec.status, spec.code) for key, spec in ERRORS.items()} == EXPECTED


def build(spec: ErrorSpec | ResourceErrorSpec | RevisionErrorSpec, detail: str) -> SyncError:
    """The error of ``spec``, its message's field (if any) filled."""
    if isinstance(spec, ResourceErrorSpec):
        return spec.error("/Services/x", detail)
    if isinstance(spec, RevisionErrorSpec):
        return spec.error("Document", detail)
    return spec.error(detail)


def test_each_row_is_a_named_constant() -> None:
    for key, spec in ERRORS.items():
        assert getattr(errors, key.upper()) is spec
        assert key.upper() in errors.__all__


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_each_constant_builds_twilios_four_fields(key: str) -> None:
    err = build(ERRORS[key], "why")
    status, code = EXPECTED[key]
    assert (err.status, err.code) == (status, code)
    assert err.more_info == f"https://www.twilio.com/docs/errors/{code}"
    assert err.to_dict() == {
        "code": code,
        "message": err.message,
        "more_info": err.more_info,
        "status": status,
    }
    assert "{path}" not in err.message
    assert "{kind}" not in err.message
    assert err.detail == "why"
    assert str(err) == f"HTTP {status} error {code}: {err.message} (why)"


def test_messages_fill_their_fields() -> None:
    assert NOT_FOUND.error("/Services/ISx").message == (
        "The requested resource /Services/ISx was not found"
    )
    assert REVISION_MISMATCH.error("Map Item").message == (
        "The revision of the Map Item does not match the expected revision"
    )


def test_fail_is_a_deprecated_alias_of_the_constants() -> None:
    with pytest.deprecated_call():
        err = fail("not_found", path="/Services/ISx", detail="why")
    assert err.to_dict() == NOT_FOUND.error("/Services/ISx").to_dict()
    assert err.detail == "why"
    with pytest.deprecated_call(), pytest.raises(KeyError):
        fail("no_such_error")


def test_str_without_detail_and_repr() -> None:
    err = NotFoundError("gone", code=20404)
    assert str(err) == "HTTP 404 error 20404: gone"
    assert repr(err) == "NotFoundError(status=404, code=20404, 'gone')"
    assert err.detail is None
