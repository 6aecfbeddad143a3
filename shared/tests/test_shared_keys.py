"""Per-purpose keys with ids (keys.py): separate keys, named hashes, rotation, today's hashes still read."""

import pytest
from citizeninfo_shared.keys import (
    LEGACY_KEY_ID,
    Keyring,
    Purpose,
    derive_purpose_key,
    keys_for,
    parse_keyed_hash,
)
from citizeninfo_shared.privacy import keyed_hash
from citizeninfo_shared.settings import ServiceSettings
from pydantic import ValidationError

MATERIAL = b"m" * 48
NEW_MATERIAL = b"n" * 48
CITIZEN_ID = "1101700207030"


def test_every_purpose_has_its_own_key_and_every_hash_names_its_key() -> None:
    keyring = Keyring(current_id="k1", materials={"k1": MATERIAL})
    keys = {derive_purpose_key(MATERIAL, purpose) for purpose in Purpose}
    assert len(keys) == len(Purpose) and MATERIAL not in keys
    hashes = {str(keyring.for_purpose(purpose).hash(CITIZEN_ID)) for purpose in Purpose}
    assert len(hashes) == len(Purpose)
    assert all(h.startswith("k1:") for h in hashes)
    # Not today's single-key hash, under any purpose.
    assert keyed_hash(MATERIAL, CITIZEN_ID) not in {h.removeprefix("k1:") for h in hashes}


def test_services_with_the_same_material_derive_the_same_purpose_key() -> None:
    # card-gateway and feedback-service (or two replicas) compute one pseudonym for one value.
    one = Keyring(current_id="k1", materials={"k1": MATERIAL}).for_purpose(Purpose.VISIT)
    other = Keyring(current_id="k1", materials={"k1": MATERIAL}).for_purpose(Purpose.VISIT)
    assert one.hash("visit\nP1\n" + CITIZEN_ID) == other.hash("visit\nP1\n" + CITIZEN_ID)


def test_an_old_scheme_hash_is_still_recognised_while_its_material_is_configured() -> None:
    today = keyed_hash(MATERIAL, CITIZEN_ID)  # what the development stack holds now: bare hex
    assert parse_keyed_hash(today).key_id == LEGACY_KEY_ID
    keys = Keyring(current_id="k1", materials={"k1": MATERIAL}, legacy_key_id="k1").for_purpose(Purpose.IDEMPOTENCY_KEY)
    assert keys.recognises(CITIZEN_ID, today)
    assert keys.recognises(CITIZEN_ID, today[:32])  # truncated ones too (client pseudonyms)
    assert str(keys.hashes(CITIZEN_ID)[-1]) == today  # a lookup tries it after the current key
    assert not keys.recognises("another value", today)
    without_legacy = Keyring(current_id="k1", materials={"k1": MATERIAL}).for_purpose(Purpose.IDEMPOTENCY_KEY)
    assert not without_legacy.recognises(CITIZEN_ID, today)


def test_a_hash_under_a_retired_key_is_recognised_until_the_key_is_removed() -> None:
    before = Keyring(current_id="k1", materials={"k1": MATERIAL}).for_purpose(Purpose.CITIZEN_PSEUDONYM)
    old = str(before.hash(CITIZEN_ID))
    rotated = Keyring(current_id="k2", materials={"k1": MATERIAL, "k2": NEW_MATERIAL}).for_purpose(
        Purpose.CITIZEN_PSEUDONYM
    )
    assert str(rotated.hash(CITIZEN_ID)).startswith("k2:") and str(rotated.hash(CITIZEN_ID)) != old
    assert rotated.recognises(CITIZEN_ID, old)
    assert [h.key_id for h in rotated.hashes(CITIZEN_ID)] == ["k2", "k1"]
    removed = Keyring(current_id="k2", materials={"k2": NEW_MATERIAL}).for_purpose(Purpose.CITIZEN_PSEUDONYM)
    assert not removed.recognises(CITIZEN_ID, old)


def test_settings_name_the_key_and_its_retired_predecessors() -> None:
    settings = ServiceSettings(
        environment="test",
        identity_hmac_key="n" * 48,
        identity_key_id="k2",
        identity_retired_keys={"k1": "m" * 48},
        identity_legacy_key_id="k1",
    )
    keys = keys_for(settings, Purpose.CLIENT_ADDRESS)
    assert keys.hash("203.0.113.7").key_id == "k2"
    assert keys.recognises("203.0.113.7", keyed_hash(MATERIAL, "203.0.113.7"))  # legacy under k1's material
    with pytest.raises(ValidationError):
        ServiceSettings(identity_key_id="K1:")
