from datetime import UTC, datetime, timedelta

import pytest
from citizeninfo_shared.visit_tokens import VisitTokenCodec, VisitTokenInvalid


def test_a_token_verifies_for_its_own_point_and_carries_its_claims():
    codec = VisitTokenCodec("s" * 40)
    token, issued = codec.issue(service_point_id="P000001", visit_id="V1")
    claims = codec.verify(token, service_point_id="P000001")
    assert claims.token_id == issued.token_id
    assert claims.visit_id == "V1"
    assert claims.expires_at - datetime.now(UTC) > timedelta(hours=23)


def test_a_token_for_another_point_is_refused():
    codec = VisitTokenCodec("s" * 40)
    token, _ = codec.issue(service_point_id="P000001", visit_id="V1")
    with pytest.raises(VisitTokenInvalid, match="another service point"):
        codec.verify(token, service_point_id="P000002")


def test_an_expired_token_is_refused():
    codec = VisitTokenCodec("s" * 40)
    token, _ = codec.issue(service_point_id="P1", visit_id="V1", now=datetime.now(UTC) - timedelta(hours=25))
    with pytest.raises(VisitTokenInvalid, match="expired"):
        codec.verify(token, service_point_id="P1")


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c"])
def test_garbage_is_refused(token):
    with pytest.raises(VisitTokenInvalid):
        VisitTokenCodec("s" * 40).verify(token, service_point_id="P1")


def test_a_token_signed_with_another_secret_is_refused():
    token, _ = VisitTokenCodec("a" * 40).issue(service_point_id="P1", visit_id="V1")
    with pytest.raises(VisitTokenInvalid, match="not valid"):
        VisitTokenCodec("b" * 40).verify(token, service_point_id="P1")
