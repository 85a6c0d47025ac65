"""Access tokens: what a Twilio AccessToken with a SyncGrant grants.

An app's backend mints an Access Token for each browser client (twilio-python's
``twilio.jwt.access_token.AccessToken`` with a ``SyncGrant``): a JWT signed with the
secret of one of the account's API keys. It names the account (``sub``), the API key
(``iss``), when it is valid (``nbf``, ``exp``) and what it grants (``grants``: the
client's ``identity``, and ``data_sync``, the Sync grant, with an optional
``service_sid``). The client SDK then acts in Sync as that identity.

:meth:`Sync.for_token <sync_core.Sync.for_token>` checks a token as Twilio does and
gives the identity view it grants; :func:`read_token` is the check alone. The checks,
in this order, each refusal a 401 with Twilio's code (docs/permissions.md, "Access
tokens"):

1. three parts, separated by dots (20101);
2. the header canonical, unpadded base64url of a JSON object with ``typ`` ``JWT``,
   ``alg`` ``HS256`` and ``cty`` ``twilio-fpa;v=1``, as twilio-python writes it
   (``twilio/jwt/__init__.py``, ``twilio/jwt/access_token/__init__.py``) and Twilio's
   error 20101 asks (20102);
3. the signature canonical, unpadded base64url of the HMAC-SHA256 of the first two
   parts with the API key's secret (20107); nothing of the payload is read before;
4. the payload canonical, unpadded base64url of a JSON object (20101);
5. ``iss`` an API key SID (``SK`` and 32 hex digits; the one given, if any), ``sub``
   the Sync's account SID (20103);
6. ``exp`` a number and the clock before it: a token is expired from its ``exp`` on
   (20104);
7. ``nbf`` and ``iat``, when present, numbers and not after the clock (20105);
8. at most 24 hours from ``iat`` (else ``nbf``, which twilio-python sets to the time it
   mints the token, else now) to ``exp`` (20157);
9. ``grants.identity`` an identity (1 to 256 characters, not ``system``) and
   ``grants.data_sync`` an object, whose ``service_sid``, if any, is text (20106).

Only the standard library reads a token: neither PyJWT nor twilio is needed at run
time. The doctest below mints with twilio-python, at the manual clock's time:

>>> from twilio.jwt.access_token import AccessToken
>>> from twilio.jwt.access_token.grants import SyncGrant
>>> from sync_core import ManualClock
>>> now = ManualClock().now()
>>> minted = int(now.timestamp())
>>> secret = "the API key's secret: 32 chars.."
>>> token = AccessToken("AC" + "0" * 32, "SK" + "1" * 32, secret,
...                     identity="alice", nbf=minted, valid_until=minted + 3600)
>>> token.add_grant(SyncGrant())
>>> grant = read_token(token.to_jwt(), secret, account_sid="AC" + "0" * 32, now=now)
>>> grant.identity, grant.service, grant.expires.isoformat()
('alice', 'default', '2025-01-01T01:00:00+00:00')
>>> read_token(token.to_jwt(), secret.upper(), account_sid="AC" + "0" * 32, now=now)
Traceback (most recent call last):
...
sync_core.errors.UnauthorizedError: HTTP 401 error 20107: Invalid Access Token signature (the signature does not match the payload and the API key secret)
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from .acl import check_identity
from .actor import SYSTEM
from .clock import seconds_shown
from .errors import (
    ACCESS_TOKEN_EXPIRED,
    ACCESS_TOKEN_GRANTS_INVALID,
    ACCESS_TOKEN_HEADER_INVALID,
    ACCESS_TOKEN_INVALID,
    ACCESS_TOKEN_ISSUER_INVALID,
    ACCESS_TOKEN_NOT_YET_VALID,
    ACCESS_TOKEN_SIGNATURE_INVALID,
    ACCESS_TOKEN_TTL_TOO_LONG,
    ErrorSpec,
    NotFoundError,
    SyncError,
)
from .limits import MAX_ACCESS_TOKEN_LIFETIME
from .lookup import DEFAULT_SERVICE_NAME
from .sids import is_sid

if TYPE_CHECKING:
    from fractions import Fraction

    from .service import ServiceContext
    from .sync import Sync

__all__ = ["SyncTokenGrant", "identity_view", "read_token"]

#: The header every Twilio Access Token carries (other fields, e.g. ``twr``, the
#: region, are allowed).
_HEADER: Final = {"typ": "JWT", "alg": "HS256", "cty": "twilio-fpa;v=1"}

# base64url without padding (RFC 7515): a token part holds nothing else.
_PART: Final = re.compile(r"[A-Za-z0-9_-]*")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


class SyncTokenGrant(NamedTuple):
    """What a valid token grants: who, in which Service, signed with which key, until when."""

    #: The client identity (``grants.identity``).
    identity: str
    #: The Service the grant names (``grants.data_sync.service_sid``), or ``default``.
    service: str
    #: The API key that signed the token (``iss``).
    api_key_sid: str
    #: When the token expires (``exp``).
    expires: datetime


def read_token(
    token: object,
    api_key_secret: str,
    *,
    account_sid: str,
    now: datetime,
    api_key_sid: str | None = None,
) -> SyncTokenGrant:
    """What ``token`` grants at ``now``, if it is a valid Sync token of ``account_sid``.

    Args:
        token: the JWT, as the client would send it; anything else is refused (20101).
        api_key_secret: the secret of the API key that signed it.
        account_sid: the account the token must name (``sub``).
        now: the instant the token is judged at.
        api_key_sid: the API key the token must name (``iss``), when given.

    Raises:
        UnauthorizedError: 401, with the code of the first check the token fails (the
            module's text).
        ValueError: ``api_key_secret`` is not a non-empty string, or ``api_key_sid``
            is not an ``SK`` SID (a mistake of the caller, not of the token).
    """
    import hashlib
    import hmac

    secret = _secret(api_key_secret)
    if api_key_sid is not None and not is_sid(api_key_sid, "SK"):
        raise ValueError(
            f"api_key_sid must look like SK followed by 32 hex digits, got {api_key_sid!r}"
        )
    if not isinstance(token, str):
        raise ACCESS_TOKEN_INVALID.error(f"a token is text, got {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3:
        raise ACCESS_TOKEN_INVALID.error(
            f"a token is three base64url parts separated by dots, got {len(parts)} part(s)"
        )
    header_part, payload_part, signature_part = parts
    if not payload_part.isascii():  # no base64url (checked once decoded, after the signature)
        raise ACCESS_TOKEN_INVALID.error("the payload is not canonical, unpadded base64url")
    header = _json_object(_decoded(header_part, "header", ACCESS_TOKEN_HEADER_INVALID))
    if header is None:
        raise ACCESS_TOKEN_HEADER_INVALID.error("the header is not a JSON object")
    for name, value in _HEADER.items():
        if header.get(name) != value:
            raise ACCESS_TOKEN_HEADER_INVALID.error(
                f"the header's {name!r} must be {value!r}, got {header.get(name)!r}"
            )
    signature = _decoded(signature_part, "signature", ACCESS_TOKEN_SIGNATURE_INVALID)
    signed = f"{header_part}.{payload_part}".encode("ascii")  # base64url: ASCII
    expected = hmac.new(secret, signed, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise ACCESS_TOKEN_SIGNATURE_INVALID.error(
            "the signature does not match the payload and the API key secret"
        )
    claims = _json_object(_decoded(payload_part, "payload", ACCESS_TOKEN_INVALID))
    if claims is None:
        raise ACCESS_TOKEN_INVALID.error("the payload is not a JSON object")
    issuer = _issuer(claims, account_sid, api_key_sid)
    expires = _expiry(claims, now)
    identity, service = _grants(claims)
    return SyncTokenGrant(identity, service, issuer, expires)


def identity_view(
    sync: Sync, token: object, api_key_secret: str, api_key_sid: str | None = None
) -> ServiceContext:
    """The identity view ``token`` grants in ``sync``, judged at ``sync.clock.now()``.

    ``sync.services(<the grant's service, or "default">).for_identity(<identity>)``;
    a grant naming a Service ``sync`` does not have is refused (20106). Nothing is
    created: not even the ``default`` Service, which is made when first used.

    Raises:
        UnauthorizedError: as :func:`read_token`, or 20106 for an unknown Service.
        ValueError: as :func:`read_token`.
    """
    grant = read_token(
        token,
        api_key_secret,
        account_sid=sync.account_sid,
        now=sync.clock.now(),
        api_key_sid=api_key_sid,
    )
    service = sync.services(grant.service)
    if grant.service != DEFAULT_SERVICE_NAME:
        try:
            service.fetch()
        except NotFoundError:
            raise ACCESS_TOKEN_GRANTS_INVALID.error(
                f"the Sync grant names the service {grant.service!r}, which this Sync does not have"
            ) from None
    return service.for_identity(grant.identity)


def _secret(api_key_secret: object) -> bytes:
    """The secret's bytes, as twilio-python (PyJWT) signs with them: UTF-8."""
    if not isinstance(api_key_secret, str) or not api_key_secret:
        raise ValueError(f"api_key_secret must be a non-empty string, got {api_key_secret!r}")
    try:
        return api_key_secret.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("api_key_secret may not hold a lone surrogate") from None


def _decoded(part: str, what: str, spec: ErrorSpec) -> bytes:
    """The bytes of one base64url part (refused as ``spec`` when it is not one).

    Only the canonical spelling is accepted: no padding, no other characters, no stray
    bits in the last character (two spellings of one signature would make a token
    malleable).
    """
    import base64

    if _PART.fullmatch(part) is None or len(part) % 4 == 1:
        raise spec.error(f"the {what} is not base64url")
    raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != part:
        raise spec.error(f"the {what} is not base64url in its canonical form")
    return raw


def _json_object(raw: bytes) -> dict[str, Any] | None:
    """The JSON object ``raw`` holds in UTF-8, or None (not UTF-8, not JSON, not an
    object; ``NaN`` and ``Infinity`` are not JSON)."""
    import json

    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON")

    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=refuse)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    return value if isinstance(value, dict) else None


def _issuer(claims: dict[str, Any], account_sid: str, api_key_sid: str | None) -> str:
    """The API key that signed the token (``iss``), once it and ``sub`` are checked."""
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not is_sid(issuer, "SK"):
        raise ACCESS_TOKEN_ISSUER_INVALID.error(
            f"iss must be an API key SID (SK followed by 32 hex digits), got {issuer!r}"
        )
    assert isinstance(issuer, str)
    if api_key_sid is not None and issuer != api_key_sid:
        raise ACCESS_TOKEN_ISSUER_INVALID.error(
            f"the token was issued by {issuer!r}, not by the API key {api_key_sid!r}"
        )
    if subject != account_sid:
        raise ACCESS_TOKEN_ISSUER_INVALID.error(
            f"the token is for the account {subject!r}, not {account_sid!r}"
        )
    return issuer


def _instant(claims: dict[str, Any], name: str, spec: ErrorSpec) -> Fraction | None:
    """The claim ``name`` in seconds since the epoch, exactly; None when absent."""
    from fractions import Fraction

    if name not in claims:
        return None
    value = claims[name]
    # A JSON number (a bool is not one), finite (1e400 reads as an infinite float).
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, float) and not math.isfinite(value))
    ):
        raise spec.error(f"{name} must be a number of seconds since the epoch, got {value!r}")
    return Fraction(value)


def _expiry(claims: dict[str, Any], now: datetime) -> datetime:
    """When the token expires, once ``exp``, ``nbf``, ``iat`` and its lifetime are checked."""
    from fractions import Fraction

    at = Fraction((now - _EPOCH) // timedelta(microseconds=1), 1_000_000)
    expires = _instant(claims, "exp", ACCESS_TOKEN_EXPIRED)
    if expires is None:
        raise ACCESS_TOKEN_EXPIRED.error("the token has no exp")
    if at >= expires:
        raise ACCESS_TOKEN_EXPIRED.error(
            f"the token expired at {_shown(expires)}; it is {now.isoformat()}"
        )
    starts = _instant(claims, "nbf", ACCESS_TOKEN_NOT_YET_VALID)
    issued = _instant(claims, "iat", ACCESS_TOKEN_NOT_YET_VALID)
    for name, value in (("nbf", starts), ("iat", issued)):
        if value is not None and at < value:
            raise ACCESS_TOKEN_NOT_YET_VALID.error(
                f"the token's {name} is {_shown(value)}; it is {now.isoformat()}"
            )
    since = issued if issued is not None else starts if starts is not None else at
    if expires - since > MAX_ACCESS_TOKEN_LIFETIME:
        raise ACCESS_TOKEN_TTL_TOO_LONG.error(
            f"the token is valid for {seconds_shown(expires - since)} seconds, more than "
            f"{MAX_ACCESS_TOKEN_LIFETIME} (24 hours)"
        )
    # Less than a day after now: a datetime holds it, but near the end of its calendar.
    try:
        return now + timedelta(microseconds=round((expires - at) * 1_000_000))
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)


def _shown(instant: Fraction) -> str:
    """An instant of a claim for a person: ISO 8601 when a datetime can hold it."""
    try:
        return (_EPOCH + timedelta(microseconds=round(instant * 1_000_000))).isoformat()
    except OverflowError:
        return f"{seconds_shown(instant)} seconds since the epoch"


def _grants(claims: dict[str, Any]) -> tuple[str, str]:
    """The identity and the Service the token's grants name."""
    grants = claims.get("grants")
    if not isinstance(grants, dict):
        raise ACCESS_TOKEN_GRANTS_INVALID.error(f"grants must be an object, got {grants!r}")
    identity = grants.get("identity")
    if identity is None:
        raise ACCESS_TOKEN_GRANTS_INVALID.error("the token names no identity (grants.identity)")
    if identity == SYSTEM:
        raise ACCESS_TOKEN_GRANTS_INVALID.error(
            "'system' is the identity of the REST API, not of a client"
        )
    try:
        identity = check_identity(identity)
    except SyncError as err:
        raise ACCESS_TOKEN_GRANTS_INVALID.error(f"grants.identity: {err.detail}") from None
    sync_grant = grants.get("data_sync")
    if not isinstance(sync_grant, dict):
        raise ACCESS_TOKEN_GRANTS_INVALID.error(
            "the token holds no Sync grant (grants.data_sync)"
            if sync_grant is None
            else f"grants.data_sync must be an object, got {sync_grant!r}"
        )
    service = sync_grant.get("service_sid", DEFAULT_SERVICE_NAME)
    if not isinstance(service, str) or not service:
        raise ACCESS_TOKEN_GRANTS_INVALID.error(
            f"grants.data_sync.service_sid must name a Service, got {service!r}"
        )
    return identity, service
