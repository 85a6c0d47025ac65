"""A state machine that drives Services and Documents against a plain model.

Every result and every error (status and code) is checked against the model
(SEMANTICS.md): 404/20404 for a missing or expired document or service, 409/54301 for a
taken unique name, 412/20412 for a stale ``If-Match`` (and nothing changes), 400/54010
for an update with nothing to change. After every step the store's invariants hold and
each service's listing is exactly the model, in creation order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from sync_core import DocumentRecord, ManualClock, Sync, SyncError

NAMES = ("a", "b", "c")
TTLS = (0, 1, 2, 5, 30)
MAX_SERVICES = 4

small_data = st.dictionaries(
    st.sampled_from("xyz"), st.integers(0, 9) | st.text("pq", max_size=2), max_size=3
)
#: Mostly short steps (TTLs run out one by one), sometimes past every TTL.
advances = st.integers(0, 3) | st.floats(0, 2, allow_nan=False, allow_infinity=False) | st.just(31)


@attrs.define
class Doc:
    """What the model knows of one document."""

    unique_name: str | None
    data: dict[str, Any]
    revision: int
    expires_at: datetime | None
    created_at: datetime


def expect_error(status: int, code: int, call: Callable[[], object]) -> None:
    with pytest.raises(SyncError) as info:
        call()
    assert (info.value.status, info.value.code) == (status, code), repr(info.value)


class DocumentsMachine(RuleBasedStateMachine):
    """Random document operations on a few services, checked against a model."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.sync = Sync(clock=self.clock, seed=2024)
        #: service sid -> {document sid -> Doc}, each in creation order.
        self.model: dict[str, dict[str, Doc]] = {}
        self.all_services: list[str] = []  # every service ever made, deleted ones too
        self.all_documents: list[str] = []  # every document sid ever made, in any service

    # -- helpers ------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def expires(self, ttl: int) -> datetime | None:
        return None if ttl == 0 else self.now() + timedelta(seconds=ttl)

    def find(self, service: str, ident: str) -> str | None:
        """The sid of the live document ``ident`` (sid or unique name) in ``service``."""
        docs = self.model.get(service)
        if docs is None:
            return None
        if ident in docs:
            return ident
        for sid, doc in docs.items():
            if doc.unique_name == ident:
                return sid
        return None

    def check_record(self, record: DocumentRecord, service: str, sid: str) -> None:
        doc = self.model[service][sid]
        assert record.sid == sid
        assert record.service_sid == service
        assert record.unique_name == doc.unique_name
        assert record.data == doc.data
        assert record.revision == str(doc.revision)
        assert record.date_expires == doc.expires_at
        assert record.date_created == doc.created_at
        assert record.account_sid == self.sync.account_sid
        assert record.created_by == "system"

    def draw_service(self, data: st.DataObject) -> str:
        """Mostly a live service, sometimes any (a deleted one is a 404)."""
        if self.model and data.draw(st.integers(0, 5), label="live service?") < 5:
            return data.draw(st.sampled_from(list(self.model)), label="service")
        return data.draw(st.sampled_from(self.all_services), label="any service")

    def draw_ident(self, data: st.DataObject, service: str) -> str:
        """A live document's sid or name, or any other sid (another service's, a deleted
        document's) or name."""
        live = self.model.get(service, {})
        if live and data.draw(st.integers(0, 3), label="live?") < 3:
            sid = data.draw(st.sampled_from(list(live)), label="live document")
            name = live[sid].unique_name
            by_name = name is not None and data.draw(st.booleans(), label="by name?")
            return name if by_name and name is not None else sid
        choices = [*NAMES, *self.all_documents]
        return data.draw(st.sampled_from(choices), label="document")

    def create(
        self,
        service: str,
        unique_name: str | None,
        value: dict[str, Any] | None,
        ttl: int | None,
    ) -> None:
        """Create a document (or fail as the model says) and record it in the model."""
        docs = self.sync.services(service).documents

        def create() -> DocumentRecord:
            return docs.create(unique_name=unique_name, data=value, ttl=ttl)

        if service not in self.model:
            expect_error(404, 20404, create)
            return
        if unique_name is not None and self.find(service, unique_name) is not None:
            event("create: name taken")
            expect_error(409, 54301, create)
            return
        record = create()
        assert record.sid.startswith("ET")
        assert record.sid not in self.all_documents
        self.all_documents.append(record.sid)
        self.model[service][record.sid] = Doc(
            unique_name=unique_name,
            data={} if value is None else value,
            revision=0,
            expires_at=self.expires(ttl or 0),
            created_at=self.now(),
        )
        self.check_record(record, service, record.sid)
        assert record.date_created == record.date_updated == self.now()

    def expire_model(self) -> None:
        """Drop from the model every document whose expiry has come (``now >= expiry``)."""
        now = self.now()
        for docs in self.model.values():
            for sid in [s for s, d in docs.items() if d.expires_at is not None]:
                expires_at = docs[sid].expires_at
                assert expires_at is not None
                if expires_at <= now:
                    event("a document expired")
                    del docs[sid]

    # -- rules ----------------------------------------------------------------------

    @initialize(
        count=st.integers(1, 3),
        names=st.lists(st.none() | st.sampled_from(NAMES), max_size=4),
    )
    def start(self, count: int, names: list[str | None]) -> None:
        for _ in range(count):
            self.create_service()
        for name in names:
            self.create(self.all_services[0], name, {"n": len(self.all_documents)}, None)

    @precondition(lambda self: len(self.model) < MAX_SERVICES)
    @rule()
    def create_service(self) -> None:
        sid = self.sync.services.create().sid
        assert sid not in self.all_services
        self.all_services.append(sid)
        self.model[sid] = {}

    @rule(data=st.data())
    def delete_service(self, data: st.DataObject) -> None:
        service = self.draw_service(data)
        if service in self.model:
            assert self.sync.services(service).delete() is True
            del self.model[service]
            expect_error(404, 20404, self.sync.services(service).fetch)
        else:
            expect_error(404, 20404, self.sync.services(service).delete)

    @rule(
        data=st.data(),
        unique_name=st.none() | st.sampled_from(NAMES),
        value=st.none() | small_data,
        ttl=st.none() | st.sampled_from(TTLS),
    )
    def create_document(
        self,
        data: st.DataObject,
        unique_name: str | None,
        value: dict[str, Any] | None,
        ttl: int | None,
    ) -> None:
        self.create(self.draw_service(data), unique_name, value, ttl)

    @rule(
        data=st.data(),
        value=st.none() | small_data,
        ttl=st.none() | st.sampled_from(TTLS),
        if_match=st.sampled_from(["none", "correct", "stale"]),
    )
    def update_document(
        self,
        data: st.DataObject,
        value: dict[str, Any] | None,
        ttl: int | None,
        if_match: str,
    ) -> None:
        if value is None and ttl is None:
            value = {}
        service = self.draw_service(data)
        ident = self.draw_ident(data, service)
        sid = self.find(service, ident)
        revision: str | None = None
        if if_match != "none":
            current = self.model[service][sid].revision if sid is not None else 0
            if if_match == "correct":
                revision = str(current)
            else:
                stale = [r for r in range(current + 4) if r != current]
                revision = str(data.draw(st.sampled_from(stale), label="stale"))
        doc_context = self.sync.services(service).documents(ident)

        def update() -> DocumentRecord:
            return doc_context.update(if_match=revision, data=value, ttl=ttl)

        if sid is None:
            event("update: not found")
            expect_error(404, 20404, update)
            return
        doc = self.model[service][sid]
        if if_match == "stale":
            event("update: stale If-Match")
            before = doc_context.fetch()
            expect_error(412, 20412, update)
            after = doc_context.fetch()
            assert after == before  # nothing changed: data, revision, dates
            assert after.data == before.data
            return
        event(f"update: if_match {if_match}")
        record = update()
        if value is not None:
            doc.data = value
        if ttl is not None:
            doc.expires_at = self.expires(ttl)
        doc.revision += 1
        self.check_record(record, service, sid)
        assert record.date_updated == self.now()

    @rule(data=st.data())
    def update_with_nothing(self, data: st.DataObject) -> None:
        service = self.draw_service(data)
        live = list(self.model.get(service, {}))
        if not live:
            return
        sid = data.draw(st.sampled_from(live), label="sid")
        context = self.sync.services(service).documents(sid)
        expect_error(400, 54010, context.update)
        expect_error(400, 54010, lambda: context.update(if_match="0"))

    @rule(data=st.data())
    def delete_document(self, data: st.DataObject) -> None:
        service = self.draw_service(data)
        ident = self.draw_ident(data, service)
        sid = self.find(service, ident)
        context = self.sync.services(service).documents(ident)
        if sid is None:
            expect_error(404, 20404, context.delete)
            return
        assert context.delete() is True
        del self.model[service][sid]
        expect_error(404, 20404, context.fetch)

    @rule(data=st.data())
    def fetch_document(self, data: st.DataObject) -> None:
        service = self.draw_service(data)
        ident = self.draw_ident(data, service)
        sid = self.find(service, ident)
        context = self.sync.services(service).documents(ident)
        if sid is None:
            expect_error(404, 20404, context.fetch)
        else:
            self.check_record(context.fetch(), service, sid)

    @rule(data=st.data(), page_size=st.none() | st.integers(1, 5))
    def list_documents(self, data: st.DataObject, page_size: int | None) -> None:
        service = self.draw_service(data)
        docs = self.sync.services(service).documents
        if service not in self.model:
            expect_error(404, 20404, lambda: docs.list(page_size=page_size))
            return
        records = docs.list(page_size=page_size)
        assert [r.sid for r in records] == list(self.model[service])
        for record in records:
            self.check_record(record, service, record.sid)

    @rule(seconds=advances)
    def advance_clock(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.expire_model()

    @precondition(
        lambda self: any(d.expires_at for docs in self.model.values() for d in docs.values())
    )
    @rule(just_before=st.booleans())
    def advance_to_an_expiry(self, just_before: bool) -> None:
        """Move the clock to the instant the next document expires, or 1 us before it."""
        soonest = min(
            d.expires_at for docs in self.model.values() for d in docs.values() if d.expires_at
        )
        target = soonest - timedelta(microseconds=1) if just_before else soonest
        if target >= self.now():
            self.clock.set(target)
        self.expire_model()

    # -- invariants -----------------------------------------------------------------

    @invariant()
    def store_is_consistent(self) -> None:
        self.sync._check()

    @invariant()
    def listings_match_the_model(self) -> None:
        for service, docs in self.model.items():
            records = self.sync.services(service).documents.list()
            assert [
                (r.sid, r.unique_name, r.data, r.revision, r.date_expires) for r in records
            ] == [
                (sid, d.unique_name, d.data, str(d.revision), d.expires_at)
                for sid, d in docs.items()
            ]

    @invariant()
    def services_match_the_model(self) -> None:
        assert [s.sid for s in self.sync.services.list()] == list(self.model)


DocumentsMachine.TestCase.settings = settings(stateful_step_count=30)
TestDocumentsMachine = DocumentsMachine.TestCase
