from pin_service.domain.accounts import hash_password, password_matches
from pin_service.domain.pins import quality_flags


def test_passwords_are_argon2_hashed_and_verified():
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct" not in stored
    assert password_matches(stored, "correct horse battery")
    assert not password_matches(stored, "wrong password")
    assert not password_matches("not-a-hash", "anything")


def test_low_accuracy_is_flagged():
    assert quality_flags(250.0) == ["low_accuracy"]
    assert quality_flags(8.0) == []
    assert quality_flags(None) == []
