"""The demo's readiness surveys: seeded, about the share asked, about the services each point offers,
and valid answers of the survey."""

from citizeninfo_shared.events.readiness import Obstacle, ServiceCopyAnswer
from pin_service.demo.surveys import NATIONAL_SURVEY_SHARE_2018, plan_surveys

POINTS = [{"id": f"P{n:05d}", "service_ids": [f"S{n % 7}", f"S{n % 7 + 10}"][: 1 + n % 2]} for n in range(4000)]


def test_the_same_seed_gives_the_same_surveys_and_another_seed_others():
    first = plan_surveys(POINTS, seed=1, share=0.4)
    assert first == plan_surveys(POINTS, seed=1, share=0.4)
    assert first != plan_surveys(POINTS, seed=2, share=0.4)


def test_about_the_2018_share_of_points_answer_and_a_point_answers_the_same_whatever_the_share():
    planned = plan_surveys(POINTS, seed=2018, share=NATIONAL_SURVEY_SHARE_2018)
    assert abs(len(planned) / len(POINTS) - 29_971 / 77_963) < 0.03
    everyone = {s.service_point_id: s for s in plan_surveys(POINTS, seed=2018, share=1.0)}
    assert all(everyone[s.service_point_id] == s for s in planned)


def test_each_answer_is_a_valid_survey_about_the_services_the_point_offers():
    offered = {p["id"]: p["service_ids"] for p in POINTS}
    statuses = set()
    for survey in plan_surveys(POINTS, seed=3, share=0.5):
        answers = survey.answers
        assert [s["service_id"] for s in answers["services"]] == offered[survey.service_point_id]
        services = [ServiceCopyAnswer(**s) for s in answers["services"]]
        [Obstacle(**o) for o in answers["obstacles"]]
        assert isinstance(answers["mou_with_dopa"], bool) and 0 <= answers["card_readers"] <= 3
        copies = {c for s in services for c in (s.id_card_copy, s.house_registration_copy)}
        statuses.add(
            "cancelled" if copies == {"cancelled"} else "in_progress" if "in_progress" in copies else "required"
        )
        item = survey.item("key-1")
        assert item["service_point_id"] == survey.service_point_id and item["idempotency_key"] == "key-1"
    assert statuses == {"cancelled", "in_progress", "required"}  # a living country, not one colour
