"""Access tokens: ``sync.for_token(jwt, secret)`` is what a Twilio AccessToken grants.

Tokens are minted with twilio-python's own ``AccessToken`` and ``SyncGrant``, as an
app's token endpoint mints them, at the manual clock's time: twilio-python reads
``time.time()`` for ``nbf`` and ``exp`` (``twilio/jwt/__init__.py``, ``Jwt.payload``)
and for ``jti`` (``twilio/jwt/access_token/__init__.py``), so :func:`mint` gives both
modules the clock's time instead. Tokens twilio-python cannot make (another ``alg``, a
payload that is not JSON, ...) are forged by :func:`forge` with the standard library.
Every refusal is a 401 with Twilio's code, and changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import twilio.jwt
import twilio.jwt.access_token
from hypothesis import assume, given
from hypothesis import strategies as st
from support import refused
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import ChatGrant, SyncGrant

from sync_core import (
    ForbiddenError,
    ManualClock,
    ServiceContext,
    Sync,
    SyncError,
    UnauthorizedError,
)
from sync_core.tokens import read_token

API_KEY = "SK" + "1" * 32
SECRET = "an API key's secret, 32 chars..."  # twilio's are 32 characters
OTHER_ACCOUNT = "AC" + "f" * 32

INVALID = "Invalid Access Token"
HEADER = "Invalid Access Token header"
ISSUER = "Invalid Access Token issuer/subject"
EXPIRED = "Access Token expired or expiration date invalid"
NOT_YET = "Access Token not yet valid"
GRANTS = "Invalid Access Token grants"
SIGNATURE = "Invalid Access Token signature"
TOO_LONG = "Expiration Time Exceeds Maximum Time Allowed"
MESSAGES = {
    20101: INVALID,
    20102: HEADER,
    20103: ISSUER,
    20104: EXPIRED,
    20105: NOT_YET,
    20106: GRANTS,
    20107: SIGNATURE,
    20157: TOO_LONG,
}


def mint(
    at: datetime,
    *,
    identity: str | None = "alice",
    service_sid: str | None = None,
    ttl: int = 3600,
    nbf: object = AccessToken.GENERATE,
    secret: str = SECRET,
    account_sid: str = "AC" + "0" * 32,
    sync_grant: bool = True,
    region: str | None = None,
) -> str:
    """A token as an app's endpoint mints it with twilio-python, issued at ``at``."""
    token = AccessToken(
        account_sid, API_KEY, secret, identity=identity, ttl=ttl, nbf=nbf, region=region
    )
    if sync_grant:
        token.add_grant(SyncGrant(service_sid=service_sid))
    else:
        token.add_grant(ChatGrant(service_sid="IS" + "2" * 32))
    issued = SimpleNamespace(time=lambda: at.timestamp())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(twilio.jwt, "time", issued)  # Jwt.payload: nbf, exp
        patch.setattr(twilio.jwt.access_token, "time", issued)  # AccessToken: jti
        jwt: str = token.to_jwt()
    return jwt


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def forge(header: Any, payload: Any, secret: str = SECRET) -> str:
    """A token signed with ``secret``, whatever its header and payload (JSON, or bytes)."""

    def part(value: Any) -> str:
        return b64(value if isinstance(value, bytes) else json.dumps(value).encode())

    signed = f"{part(header)}.{part(payload)}"
    digest = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest()
    return f"{signed}.{b64(digest)}"


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def claims(token: str) -> dict[str, Any]:
    """The payload of ``token``, read without checking it."""
    payload: dict[str, Any] = json.loads(unb64(token.split(".")[1]))
    return payload


HEADER_OK = {"typ": "JWT", "alg": "HS256", "cty": "twilio-fpa;v=1"}
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def payload_at(sync: Sync, **changes: Any) -> dict[str, Any]:
    """A valid payload at ``sync``'s clock (as twilio-python writes it), with ``changes``."""
    now = int(sync.clock.now().timestamp())
    payload: dict[str, Any] = {
        "jti": f"{API_KEY}-{now}",
        "grants": {"identity": "alice", "data_sync": {}},
        "iss": API_KEY,
        "exp": now + 3600,
        "nbf": now,
        "sub": sync.account_sid,
    }
    payload.update(changes)
    return {name: value for name, value in payload.items() if value is not None}


def denied(sync: Sync, token: object, code: int, secret: str = SECRET) -> UnauthorizedError:
    """``token`` is refused with 401 and ``code``, and the Sync holds no Service after."""
    error = refused(lambda: sync.for_token(token, secret), 401, code, MESSAGES[code])  # type: ignore[arg-type]
    assert isinstance(error, UnauthorizedError)
    assert sync.services.list() == []  # not even "default" was made
    return error


@pytest.fixture
def acl_service(sync: Sync) -> ServiceContext:
    """A Service with ACLs on, holding the Map ``board``; made by the backend."""
    svc = sync.services.create(friendly_name="game", acl_enabled=True)
    backend = sync.services(svc.sid)
    backend.sync_maps.create(unique_name="board")
    return backend


# --- what a valid token grants ---------------------------------------------------------


def test_the_view_acts_as_the_tokens_identity_in_its_service_and_obeys_acls(
    sync: Sync, clock: ManualClock, acl_service: ServiceContext
) -> None:
    token = mint(clock.now(), identity="alice", service_sid=acl_service.sid)
    alice = sync.for_token(token, SECRET)
    assert (alice.sid, alice.identity) == (acl_service.sid, "alice")
    items = alice.sync_maps("board").sync_map_items
    with pytest.raises(ForbiddenError):
        items.create(key="alice", data={"score": 1})
    with pytest.raises(ForbiddenError):
        alice.sync_maps("board").fetch()
    acl_service.sync_maps("board").sync_map_permissions("alice").update(
        read=True, write=True, manage=False
    )
    made = items.create(key="alice", data={"score": 1})
    assert (made.key, made.data, made.created_by) == ("alice", {"score": 1}, "alice")
    assert [item.key for item in items.list()] == ["alice"]
    bob = sync.for_token(mint(clock.now(), identity="bob", service_sid=acl_service.sid), SECRET)
    with pytest.raises(ForbiddenError):
        bob.sync_maps("board").sync_map_items("alice").fetch()
    sync._check()


def test_a_grant_without_a_service_acts_in_the_default_service(
    sync: Sync, clock: ManualClock
) -> None:
    alice = sync.for_token(mint(clock.now()), SECRET)
    assert (alice.sid, alice.identity) == ("default", "alice")
    assert sync.services.list() == []  # made when first used, as ever
    doc = alice.documents.create(unique_name="notes", data={"a": 1})
    assert doc.created_by == "alice"
    assert sync.services("default").documents("notes").fetch().created_by == "alice"
    assert [svc.unique_name for svc in sync.services.list()] == ["default"]


def test_a_grant_may_name_the_default_service_or_a_service_by_its_sid(
    sync: Sync, clock: ManualClock
) -> None:
    assert sync.for_token(mint(clock.now(), service_sid="default"), SECRET).sid == "default"
    svc = sync.services.create()
    assert sync.for_token(mint(clock.now(), service_sid=svc.sid), SECRET).sid == svc.sid


def test_other_header_fields_are_allowed_and_the_issuer_may_be_checked(
    sync: Sync, clock: ManualClock
) -> None:
    token = mint(clock.now(), region="us1")  # twilio-python adds "twr": the region
    header = json.loads(unb64(token.split(".")[0]))
    assert header == {**HEADER_OK, "twr": "us1"}
    assert sync.for_token(token, SECRET, api_key_sid=API_KEY).identity == "alice"
    with pytest.raises(UnauthorizedError) as caught:
        sync.for_token(token, SECRET, api_key_sid="SK" + "2" * 32)
    assert caught.value.code == 20103
    assert "SK2222" in str(caught.value)


def test_read_token_tells_the_grant_without_a_sync(clock: ManualClock) -> None:
    svc = "IS" + "3" * 32
    token = mint(clock.now(), identity="carol", service_sid=svc, ttl=600)
    grant = read_token(token, SECRET, account_sid="AC" + "0" * 32, now=clock.now())
    assert grant.identity == "carol"
    assert grant.service == svc
    assert grant.api_key_sid == API_KEY
    assert grant.expires == clock.now() + timedelta(seconds=600)


# --- time: exp, nbf, iat, 24 hours ----------------------------------------------------


def test_a_token_expires_at_exactly_its_exp_on_the_sync_clock(
    sync: Sync, clock: ManualClock
) -> None:
    token = mint(clock.now(), ttl=60)
    assert claims(token)["exp"] == int(clock.now().timestamp()) + 60
    clock.advance(timedelta(seconds=60) - timedelta(microseconds=1))
    assert sync.for_token(token, SECRET).identity == "alice"
    assert sync.services.list() == []
    clock.advance(timedelta(microseconds=1))
    error = denied(sync, token, 20104)
    assert "expired at 2025-01-01T00:01:00+00:00" in str(error)
    clock.advance(3600)
    denied(sync, token, 20104)


def test_a_token_is_refused_before_its_nbf(sync: Sync, clock: ManualClock) -> None:
    starts = int(clock.now().timestamp()) + 30
    token = mint(clock.now(), nbf=starts, ttl=3600)
    denied(sync, token, 20105)
    clock.advance(timedelta(seconds=30) - timedelta(microseconds=1))
    denied(sync, token, 20105)
    clock.advance(timedelta(microseconds=1))
    assert sync.for_token(token, SECRET).identity == "alice"


def test_a_token_minted_with_explicit_nbf_and_valid_until(sync: Sync, clock: ManualClock) -> None:
    now = int(clock.now().timestamp())
    token = AccessToken(
        sync.account_sid, API_KEY, SECRET, identity="dave", nbf=now - 10, valid_until=now + 5
    )
    token.add_grant(SyncGrant())
    jwt = token.to_jwt()
    assert sync.for_token(jwt, SECRET).identity == "dave"
    clock.advance(5)
    denied(sync, jwt, 20104)


def test_a_lifetime_over_24_hours_is_20157(sync: Sync, clock: ManualClock) -> None:
    assert sync.for_token(mint(clock.now(), ttl=86_400), SECRET).identity == "alice"
    denied(sync, mint(clock.now(), ttl=86_401), 20157)
    # Measured from iat when the token has one, else from nbf, else from now.
    now = int(clock.now().timestamp())
    denied(sync, forge(HEADER_OK, payload_at(sync, iat=now - 10, exp=now + 86_391)), 20157)
    assert sync.for_token(forge(HEADER_OK, payload_at(sync, iat=now - 10)), SECRET).identity
    denied(sync, forge(HEADER_OK, payload_at(sync, nbf=now - 2, exp=now + 86_399)), 20157)
    denied(sync, forge(HEADER_OK, payload_at(sync, nbf=None, exp=now + 86_401)), 20157)
    unbounded = forge(HEADER_OK, payload_at(sync, nbf=None, exp=now + 86_400))
    assert sync.for_token(unbounded, SECRET).identity == "alice"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"exp": None}, 20104),
        ({"exp": "tomorrow"}, 20104),
        ({"exp": True}, 20104),
        ({"exp": [1]}, 20104),
        ({"nbf": "now"}, 20105),
        ({"iat": None, "nbf": False}, 20105),
        ({"iat": {"at": 1}}, 20105),
    ],
)
def test_times_that_are_not_numbers_are_refused(
    sync: Sync, changes: dict[str, Any], code: int
) -> None:
    denied(sync, forge(HEADER_OK, payload_at(sync, **changes)), code)


def test_times_may_be_fractional_and_are_compared_exactly(sync: Sync, clock: ManualClock) -> None:
    now = clock.now().timestamp()
    token = forge(HEADER_OK, payload_at(sync, exp=now + 0.5, nbf=now - 0.25))
    clock.advance(timedelta(milliseconds=499, microseconds=999))
    assert sync.for_token(token, SECRET).identity == "alice"
    clock.advance(timedelta(microseconds=1))
    denied(sync, token, 20104)


def test_an_infinite_or_huge_exp_and_an_iat_in_the_future(sync: Sync) -> None:
    now = int(sync.clock.now().timestamp())
    header = b64(json.dumps(HEADER_OK).encode())
    body = json.dumps(payload_at(sync)).replace(f'"exp": {now + 3600}', '"exp": 1e400')
    signed = f"{header}.{b64(body.encode())}"
    digest = hmac.new(SECRET.encode(), signed.encode(), hashlib.sha256).digest()
    denied(sync, f"{signed}.{b64(digest)}", 20104)  # 1e400 reads as inf
    denied(sync, forge(HEADER_OK, payload_at(sync, exp=10**300)), 20157)
    denied(sync, forge(HEADER_OK, payload_at(sync, exp=-(10**300))), 20104)
    denied(sync, forge(HEADER_OK, payload_at(sync, iat=now + 1)), 20105)
    # Integers too large for a float (JSON's have no bound) were an OverflowError of
    # the refusal's own message.
    denied(sync, forge(HEADER_OK, payload_at(sync, exp=10**400)), 20157)
    denied(sync, forge(HEADER_OK, payload_at(sync, exp=-(10**400))), 20104)
    denied(sync, forge(HEADER_OK, payload_at(sync, nbf=10**400)), 20105)
    denied(sync, forge(HEADER_OK, payload_at(sync, iat=10**400)), 20105)
    denied(sync, forge(HEADER_OK, payload_at(sync, iat=-(10**400))), 20157)


def test_a_valid_token_is_taken_at_the_end_of_the_calendar() -> None:
    # Its expiry, a day at most after now, is beyond what a datetime holds there.
    clock = ManualClock(datetime(9999, 12, 31, 23, 0, tzinfo=UTC))
    sync = Sync(clock=clock)
    view = sync.for_token(mint(clock.now(), identity="alice", ttl=7200), SECRET)
    assert view.identity == "alice"


# --- signature, issuer, account -------------------------------------------------------


def test_a_wrong_secret_is_20107(sync: Sync, clock: ManualClock) -> None:
    token = mint(clock.now())
    denied(sync, token, 20107, secret=SECRET.upper())
    denied(sync, mint(clock.now(), secret="another API key's secret, 32 chs"), 20107)


def test_a_tampered_payload_is_20107(sync: Sync, clock: ManualClock) -> None:
    token = mint(clock.now(), identity="alice")
    header, _, signature = token.split(".")
    payload = claims(token)
    payload["grants"]["identity"] = "mallory"
    tampered = f"{header}.{b64(json.dumps(payload).encode())}.{signature}"
    denied(sync, tampered, 20107)
    # So is the signature of another token, and a token whose signature is cut.
    other = mint(clock.now(), identity="mallory").split(".")[2]
    denied(sync, f"{header}.{token.split('.')[1]}.{other}", 20107)
    denied(sync, token[:-2], 20107)
    denied(sync, token.rsplit(".", 1)[0] + ".", 20107)


def test_a_signature_spelled_another_way_is_refused(sync: Sync, clock: ManualClock) -> None:
    token = mint(clock.now())
    signature = token.split(".")[2]  # 43 characters: the last holds 2 stray bits
    respelled = signature[:-1] + ALPHABET[ALPHABET.index(signature[-1]) ^ 1]
    assert unb64(respelled) == unb64(signature)
    denied(sync, token.rsplit(".", 1)[0] + "." + respelled, 20107)
    denied(sync, token + "=", 20107)  # padding is not base64url


def test_another_account_or_a_non_key_issuer_is_20103(sync: Sync, clock: ManualClock) -> None:
    denied(sync, mint(clock.now(), account_sid=OTHER_ACCOUNT), 20103)
    denied(sync, forge(HEADER_OK, payload_at(sync, sub=None)), 20103)
    denied(sync, forge(HEADER_OK, payload_at(sync, iss=sync.account_sid)), 20103)
    denied(sync, forge(HEADER_OK, payload_at(sync, iss="SK123")), 20103)
    denied(sync, forge(HEADER_OK, payload_at(sync, iss=None)), 20103)


def test_the_callers_own_mistakes_are_value_errors(sync: Sync, clock: ManualClock) -> None:
    token = mint(clock.now())
    for secret in ("", None, b"bytes", "\ud800"):
        with pytest.raises(ValueError, match="api_key_secret"):
            sync.for_token(token, secret)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="api_key_sid"):
        sync.for_token(token, SECRET, api_key_sid="not-a-key")
    assert sync.services.list() == []


# --- malformed tokens -----------------------------------------------------------------


def signed(parts: str) -> str:
    """``parts`` (a header and a payload part, as they are) with their right signature."""
    digest = hmac.new(SECRET.encode(), parts.encode(), hashlib.sha256).digest()
    return f"{parts}.{b64(digest)}"


GOOD_HEADER = b64(json.dumps(HEADER_OK).encode())
NAN_HEADER = b'{"typ": "JWT", "alg": NaN, "cty": "twilio-fpa;v=1"}'

MALFORMED: list[tuple[object, int]] = [
    ("", 20101),
    ("abc", 20101),
    ("a.b", 20101),
    ("a.b.c.d", 20101),
    ("...", 20101),
    ("..", 20102),  # three empty parts: an empty header is no JSON object
    (".e30.abc", 20102),
    (None, 20101),
    (42, 20101),
    (b"a.b.c", 20101),
    ("!!!.e30.abc", 20102),
    ("é.e30.abc", 20102),
    ("a.e30.abc", 20102),  # one character is no base64url
    (f"{b64(b'not json')}.e30.abc", 20102),
    (f"{b64(b'[1, 2]')}.e30.abc", 20102),
    (f"{b64(bytes([255, 254]))}.e30.abc", 20102),
    (f"{b64(NAN_HEADER)}.e30.abc", 20102),
    # The signature is judged before anything of the payload is read: a payload that is
    # no base64url under a wrong signature is 20107, under the right one 20101.
    (f"{GOOD_HEADER}.not base64.abc", 20107),
    (f"{GOOD_HEADER}.e30.not base64", 20107),
    (f"{GOOD_HEADER}.e30=.abc", 20107),
    (signed(f"{GOOD_HEADER}.not base64"), 20101),
    (signed(f"{GOOD_HEADER}.e30="), 20101),
]


@pytest.mark.parametrize(("token", "code"), MALFORMED)
def test_malformed_tokens_are_refused_with_a_sync_error(
    sync: Sync, token: object, code: int
) -> None:
    denied(sync, token, code)


@pytest.mark.parametrize(
    "header",
    [
        {"typ": "JWT", "alg": "none", "cty": "twilio-fpa;v=1"},
        {"typ": "JWT", "alg": "HS512", "cty": "twilio-fpa;v=1"},
        {"typ": "JWT", "alg": "RS256", "cty": "twilio-fpa;v=1"},
        {"typ": "JWT", "cty": "twilio-fpa;v=1"},
        {"typ": "JWT", "alg": "HS256"},
        {"typ": "JWT", "alg": "HS256", "cty": "twilio-fpa;v=2"},
        {"typ": "JWS", "alg": "HS256", "cty": "twilio-fpa;v=1"},
        {"alg": "HS256", "cty": "twilio-fpa;v=1"},
        {"typ": "JWT", "alg": ["HS256"], "cty": "twilio-fpa;v=1"},
    ],
)
def test_a_header_other_than_twilios_is_20102(sync: Sync, header: dict[str, Any]) -> None:
    denied(sync, forge(header, payload_at(sync)), 20102)


def test_alg_none_with_no_signature_is_20102(sync: Sync) -> None:
    header = b64(json.dumps({"typ": "JWT", "alg": "none", "cty": "twilio-fpa;v=1"}).encode())
    denied(sync, f"{header}.{b64(json.dumps(payload_at(sync)).encode())}.", 20102)


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[1, 2, 3]", b'"text"', b"\xff\xfe", b'{"exp": NaN}', b"[" * 100_000],
    ids=["text", "array", "string", "not-utf8", "nan", "deep"],
)
def test_a_signed_payload_that_is_no_json_object_is_20101(sync: Sync, payload: bytes) -> None:
    denied(sync, forge(HEADER_OK, payload), 20101)


# --- grants ---------------------------------------------------------------------------


def test_a_token_without_a_sync_grant_is_20106(sync: Sync, clock: ManualClock) -> None:
    error = denied(sync, mint(clock.now(), sync_grant=False), 20106)
    assert "no Sync grant" in str(error)


def test_a_token_without_an_identity_is_20106(sync: Sync, clock: ManualClock) -> None:
    error = denied(sync, mint(clock.now(), identity=None), 20106)
    assert "no identity" in str(error)


@pytest.mark.parametrize(
    "grants",
    [
        None,
        [],
        "data_sync",
        {"identity": "system", "data_sync": {}},
        {"identity": "", "data_sync": {}},
        {"identity": "x" * 257, "data_sync": {}},
        {"identity": 7, "data_sync": {}},
        {"identity": "alice", "data_sync": []},
        {"identity": "alice", "data_sync": True},
        {"identity": "alice", "data_sync": {"service_sid": ""}},
        {"identity": "alice", "data_sync": {"service_sid": None}},
        {"identity": "alice", "data_sync": {"service_sid": 12}},
        {"identity": "alice", "chat": {"service_sid": "IS" + "2" * 32}},
    ],
)
def test_grants_that_are_not_an_identity_and_a_sync_grant_are_20106(
    sync: Sync, grants: object
) -> None:
    denied(sync, forge(HEADER_OK, payload_at(sync, grants=grants)), 20106)


def test_an_identity_of_256_characters_is_granted(sync: Sync) -> None:
    grants = {"identity": "x" * 256, "data_sync": {}}
    assert sync.for_token(forge(HEADER_OK, payload_at(sync, grants=grants)), SECRET).identity == (
        "x" * 256
    )


def test_a_grant_for_a_service_this_sync_lacks_is_20106_and_changes_nothing(
    sync: Sync, clock: ManualClock
) -> None:
    missing = "IS" + "9" * 32
    error = denied(sync, mint(clock.now(), service_sid=missing), 20106)
    assert missing in str(error)
    denied(sync, mint(clock.now(), service_sid="chat"), 20106)
    svc = sync.services.create()
    sync.services(svc.sid).delete()
    denied(sync, mint(clock.now(), service_sid=svc.sid), 20106)


def test_a_refused_token_changes_nothing(sync: Sync, clock: ManualClock) -> None:
    svc = sync.services.create(friendly_name="kept")
    sync.services(svc.sid).documents.create(unique_name="d", data={"v": 1})
    events: list[object] = []
    sync.subscribe(events.append)
    before = [record.to_dict() for record in sync.services.list()]
    docs = [doc.to_dict() for doc in sync.services(svc.sid).documents.list()]
    expired = mint(clock.now(), ttl=60)
    clock.advance(60)
    for token in (expired, mint(clock.now(), secret="a wrong secret, of 32 characters")):
        with pytest.raises(UnauthorizedError):
            sync.for_token(token, SECRET)
    assert [record.to_dict() for record in sync.services.list()] == before
    assert [doc.to_dict() for doc in sync.services(svc.sid).documents.list()] == docs
    assert [s.unique_name for s in sync.services.list()] == [None]  # no "default" made
    assert events == []
    sync._check()


# --- anything at all ------------------------------------------------------------------

PARTS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=.é ")


@given(st.one_of(st.text(), PARTS, st.lists(PARTS, min_size=3, max_size=3).map(".".join)))
def test_any_text_is_refused_with_a_401_and_nothing_else(text: str) -> None:
    sync = Sync(clock=ManualClock(), seed=1)
    with pytest.raises(SyncError) as caught:
        sync.for_token(text, SECRET)
    error = caught.value
    assert isinstance(error, UnauthorizedError)
    assert (error.status, error.message) == (401, MESSAGES[error.code])
    assert sync.services.list() == []


VALID = mint(ManualClock().now(), identity="alice")


def test_the_token_the_properties_change_is_valid() -> None:
    assert Sync(clock=ManualClock()).for_token(VALID, SECRET).identity == "alice"


@given(st.integers(0, len(VALID) - 1), st.characters())
def test_a_valid_token_changed_anywhere_is_refused_with_a_401(index: int, char: str) -> None:
    changed = VALID[:index] + char + VALID[index + 1 :]
    assume(changed != VALID)  # no other spelling of it is accepted
    sync = Sync(clock=ManualClock(), seed=1)
    with pytest.raises(UnauthorizedError) as caught:
        sync.for_token(changed, SECRET)
    assert (caught.value.status, caught.value.message) == (401, MESSAGES[caught.value.code])
    assert sync.services.list() == []
