"""Issue 17: one visit per card and point while its token lasts (finding 4), remote errors never
returned (finding 1), and the GDX consumer secret sealed at rest (finding 5)."""

from datetime import UTC, datetime, timedelta

import pytest
from card_gateway.adapters.agent_store import Agent
from card_gateway.adapters.gdx import GdxConfig, VerificationUnavailable
from card_gateway.adapters.reader_store import ReaderPlace
from card_gateway.adapters.verification_store import CLEAR_FIELD, SEALED_FIELD, VerificationStore
from card_gateway.adapters.visit_store import VisitStore
from card_gateway.config import CardSettings
from card_gateway.domain.purposes import Purpose
from card_gateway.domain.sealed_secrets import SealBroken, SecretSealer
from card_gateway.service_layer.card_desk import VERIFICATION_FAILED, CardDesk
from citizeninfo_shared.catalogue_projection import ServicePointRef
from citizeninfo_shared.keys import Keyring
from citizeninfo_shared.visit_tokens import VisitTokenCodec
from pymongo.errors import DuplicateKeyError

CARD = {
    "citizen_id": "1101700230708",
    "name_th": "นาง สมศรี ใจดี",
    "name_th_parts": ["นาง", "สมศรี", "", "ใจดี"],
    "birth_date_be": "25230415",
}
POINT = ServicePointRef(service_point_id="P000001", department_id="D0702", province_code="10", name_th="จุด 1")


class FakeCollection:
    """Enough of a MongoDB collection for the visit and verification stores (by _id)."""

    def __init__(self) -> None:
        self.documents: dict[str, dict] = {}

    def _matches(self, document: dict, filter: dict) -> bool:
        for key, wanted in filter.items():
            value = document.get(key)
            if isinstance(wanted, dict) and "$lte" in wanted:
                if value is None or not value <= wanted["$lte"]:
                    return False
            elif isinstance(wanted, dict) and "$exists" in wanted:
                if (key in document) is not wanted["$exists"]:
                    return False
            elif value != wanted:
                return False
        return True

    async def find_one(self, filter: dict) -> dict | None:
        return next((dict(d) for d in self.documents.values() if self._matches(d, filter)), None)

    def find(self, filter: dict):
        matching = [dict(d) for d in self.documents.values() if self._matches(d, filter)]

        async def iterate():
            for document in matching:
                yield document

        return iterate()

    async def replace_one(self, filter: dict, document: dict, upsert: bool = False) -> None:
        existing = self.documents.get(filter["_id"])
        if existing is not None and self._matches(existing, filter):
            self.documents[filter["_id"]] = dict(document)
        elif existing is not None:
            raise DuplicateKeyError("E11000")
        elif upsert:
            self.documents[filter["_id"]] = dict(document)

    async def update_one(self, filter: dict, update: dict) -> None:
        existing = self.documents.get(filter["_id"])
        if existing is None or not self._matches(existing, filter):
            return
        existing.update(update.get("$set", {}))
        for key in update.get("$unset", {}):
            existing.pop(key, None)

    async def delete_many(self, filter: dict) -> None:
        for key, document in list(self.documents.items()):
            if self._matches(document, filter):
                del self.documents[key]

    async def create_index(self, *args, **kwargs) -> None:
        return None


class FakeAudit:
    def __init__(self) -> None:
        self.records = []

    async def append(self, record) -> None:
        self.records.append(record)


class FakeReaders:
    async def report(self, reader) -> None:
        return None

    async def disconnect(self, reader_ids) -> None:
        return None


class FakeVerification:
    def __init__(self, config: GdxConfig | None = None, error: Exception | None = None) -> None:
        self.config, self.error = config, error

    async def for_point(self, service_point_id: str) -> GdxConfig | None:
        if self.error:
            raise self.error
        return self.config


class FailingGdx:
    async def verify(self, config, person) -> bool:
        # What a port scan through the registry check used to read back verbatim.
        raise VerificationUnavailable("SSH-2.0-OpenSSH_9.2 on 127.0.0.1:22")


def _desk(verification=None, gdx=None, notified=None) -> tuple[CardDesk, FakeAudit, VisitTokenCodec]:
    codec = VisitTokenCodec("s" * 40)
    audit = FakeAudit()
    desk = CardDesk(
        readers=FakeReaders(),
        audit=audit,
        verification=verification or FakeVerification(),
        visits=VisitStore(FakeCollection(), ttl=codec.ttl),
        gdx=gdx or FailingGdx(),
        visit_codec=codec,
        keyring=Keyring(current_id="k1", materials={"k1": b"k" * 40}),
        notify_relay=lambda collection, document_id: (notified if notified is not None else []).append(document_id),
    )
    return desk, audit, codec


async def _read(desk: CardDesk, card: dict, *, laser_code: str | None = None):
    now = datetime.now(UTC)
    agent = Agent("a1", POINT.service_point_id, "ช่อง 1", "0" * 64, "admin", now, now + timedelta(days=90))

    async def send(message) -> None:
        return None

    link = await desk.agent_connected(agent, send)
    await desk.readers_reported(link, [{"name": "Reader 0", "card_present": False}])
    [reader_id] = link.readers
    place = ReaderPlace(reader_id=reader_id, name="Reader 0", agent_id="a1", service_point_id=POINT.service_point_id)
    session = await desk.open_session(
        place=place, point=POINT, staff="somsri", purpose=Purpose.VERIFIED_VISIT, laser_code=laser_code
    )
    session.request_id = "nonce"
    await desk.read_answered(link, {"type": "read_result", "request_id": "nonce", "card": card})
    return session


async def test_the_same_card_read_twice_at_a_point_is_one_visit_and_one_token() -> None:
    notified: list = []
    desk, audit, codec = _desk(notified=notified)
    first = await _read(desk, CARD)
    second = await _read(desk, CARD)
    first_token, second_token = first.take_card()[1], second.take_card()[1]
    assert first_token == second_token  # so feedback-service's "token already used → 409" holds
    claims = codec.verify(first_token, service_point_id="P000001")
    assert claims.token_id == codec.verify(second_token, service_point_id="P000001").token_id
    # Both reads are audited; only the first starts a visit (one visit event).
    assert [r.visit_id for r in audit.records] == [claims.visit_id, claims.visit_id]
    assert [r.repeat_visit for r in audit.records] == [False, True]
    assert notified == [claims.visit_id]


def _valid_id(first12: str) -> str:
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


async def test_another_card_or_an_ended_visit_is_a_new_visit() -> None:
    desk, _audit, codec = _desk()
    one = (await _read(desk, CARD)).take_card()[1]
    other = (await _read(desk, {**CARD, "citizen_id": _valid_id("310000000000")})).take_card()[1]
    assert (
        codec.verify(other, service_point_id="P000001").visit_id
        != codec.verify(one, service_point_id="P000001").visit_id
    )
    visits = desk._visits
    key = next(iter(visits._collection.documents))
    visits._collection.documents[key]["expires_at"] = datetime.now(UTC) - timedelta(seconds=1)
    later = (await _read(desk, CARD)).take_card()[1]
    assert (
        codec.verify(later, service_point_id="P000001").visit_id
        != codec.verify(one, service_point_id="P000001").visit_id
    )


async def test_a_remote_verification_error_is_logged_never_returned() -> None:
    config = GdxConfig("https://api.egov.go.th", "k", "s", "3100000000001")
    desk, _audit, _codec = _desk(verification=FakeVerification(config))
    session = await _read(desk, CARD, laser_code="JT0-1234567-89")
    assert (session.verified_online, session.verification_error) == (None, VERIFICATION_FAILED)
    assert "OpenSSH" not in repr(session.verification_error)


async def test_an_unreadable_stored_secret_is_a_generic_failure_too() -> None:
    desk, _audit, _codec = _desk(verification=FakeVerification(error=SealBroken("no key 'old'")))
    session = await _read(desk, CARD, laser_code="JT0-1234567-89")
    assert (session.status.value, session.verification_error) == ("read", VERIFICATION_FAILED)


# --- finding 5: the consumer secret at rest ---------------------------------------------------------

SEALER = SecretSealer({"k1": b"a" * 32}, "k1")
CONFIG = GdxConfig("https://api.egov.go.th", "consumer-key", "the-consumer-secret", "3100000000001")


async def test_the_consumer_secret_is_stored_sealed_never_in_clear() -> None:
    collection = FakeCollection()
    store = VerificationStore(collection, SEALER)
    await store.put("P000001", CONFIG, changed_by="admin")
    document = collection.documents["P000001"]
    assert CLEAR_FIELD not in document
    assert "the-consumer-secret" not in repr(document)
    assert document[SEALED_FIELD].startswith("v1.k1.")
    assert (await store.for_point("P000001")) == CONFIG


async def test_a_secret_stored_in_clear_before_is_read_and_sealed() -> None:
    collection = FakeCollection()
    legacy = {"_id": "P000001", "base_url": CONFIG.base_url, "consumer_key": "consumer-key", "agent_id": "31"}
    collection.documents["P000001"] = {**legacy, CLEAR_FIELD: "the-consumer-secret"}
    collection.documents["P000002"] = {**legacy, "_id": "P000002", CLEAR_FIELD: "another-secret"}
    store = VerificationStore(collection, SEALER)
    assert (await store.for_point("P000001")).consumer_secret == "the-consumer-secret"
    assert CLEAR_FIELD not in collection.documents["P000001"]
    assert await store.seal_clear_secrets() == 1  # the start-up migration seals the rest
    assert all(CLEAR_FIELD not in d and SEALED_FIELD in d for d in collection.documents.values())
    assert (await store.for_point("P000002")).consumer_secret == "another-secret"


async def test_keys_rotate_and_old_values_are_sealed_again_on_read() -> None:
    collection = FakeCollection()
    await VerificationStore(collection, SEALER).put("P000001", CONFIG, changed_by="admin")
    rotated = SecretSealer({"k1": b"a" * 32, "k2": b"b" * 32}, "k2")
    assert (await VerificationStore(collection, rotated).for_point("P000001")).consumer_secret == CONFIG.consumer_secret
    assert collection.documents["P000001"][SEALED_FIELD].startswith("v1.k2.")
    only_new = SecretSealer({"k2": b"b" * 32}, "k2")
    assert (await VerificationStore(collection, only_new).for_point("P000001")) == CONFIG


def test_a_sealed_secret_cannot_be_tampered_with_or_moved() -> None:
    sealed = SEALER.seal("the-consumer-secret", context="P000001")
    assert "the-consumer-secret" not in sealed
    assert SEALER.open(sealed, context="P000001") == "the-consumer-secret"
    assert SEALER.seal("the-consumer-secret", context="P000001") != sealed  # a fresh nonce each time
    with pytest.raises(SealBroken):
        SEALER.open(sealed, context="P000002")  # copied to another point's document
    version, key_id, nonce, ciphertext = sealed.split(".")
    flipped = ("B" if ciphertext[0] == "A" else "A") + ciphertext[1:]
    for broken in (f"{version}.{key_id}.{nonce}.{flipped}", f"{version}.k9.{nonce}.{ciphertext}", "x"):
        with pytest.raises(SealBroken):
            SEALER.open(broken, context="P000001")
    with pytest.raises(SealBroken):
        SecretSealer({"k1": b"z" * 32}, "k1").open(sealed, context="P000001")


def test_production_refuses_the_development_key() -> None:
    with pytest.raises(ValueError, match="SECRETS_AT_REST_KEYS"):
        CardSettings(
            environment="production",
            jwt_secret="j" * 40,
            visit_token_secret="v" * 40,
            identity_hmac_key="i" * 40,
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_username="u",
            kafka_password="p",
        )
