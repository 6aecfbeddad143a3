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


def test_tokens_of_one_visit_share_their_token_id_so_it_rates_once():
    codec = VisitTokenCodec("s" * 40)
    first, first_claims = codec.issue(service_point_id="P1", visit_id="V1")
    again, again_claims = codec.issue(service_point_id="P1", visit_id="V1")
    assert first_claims.token_id == again_claims.token_id
    assert codec.verify(first, service_point_id="P1").token_id == codec.verify(again, service_point_id="P1").token_id
    _, other = codec.issue(service_point_id="P1", visit_id="V2")
    assert other.token_id != first_claims.token_id


def test_a_visit_issued_again_at_its_start_is_the_same_token():
    codec = VisitTokenCodec("s" * 40)
    started = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    first, _ = codec.issue(service_point_id="P1", visit_id="V1", now=started)
    again, _ = codec.issue(service_point_id="P1", visit_id="V1", now=started)
    assert first == again
