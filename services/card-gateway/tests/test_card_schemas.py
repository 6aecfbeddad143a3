import pytest
from card_gateway.api.schemas import AgentRegistration
from pydantic import ValidationError


def test_a_registration_names_the_point_and_the_counter() -> None:
    registration = AgentRegistration.model_validate({"service_point_id": "P000001", "name": " ช่องบริการ 3 "})
    assert registration.name == "ช่องบริการ 3"


@pytest.mark.parametrize(
    "body",
    [
        {"service_point_id": "P000001", "name": "ช่อง 1", "token": "chosen-by-me"},
        {"service_point_id": "P000001", "name": ""},
        {"service_point_id": "P000001", "name": "ก" * 101},
        {"service_point_id": "P 1", "name": "ช่อง 1"},
        {"name": "ช่อง 1"},
        {"service_point_id": "P000001"},
    ],
    ids=["unknown field", "empty name", "name too long", "bad point id", "no point", "no name"],
)
def test_bad_registrations_are_rejected(body: dict) -> None:
    with pytest.raises(ValidationError):
        AgentRegistration.model_validate(body)
