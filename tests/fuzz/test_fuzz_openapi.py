"""Schemathesis against every service's OpenAPI document through the gateway, anonymous and as
staff: no request may end in a server error, and every response must match its documented schema
(status code, content type, body). Bounded: MAX_EXAMPLES cases per operation, no example database.

(schemathesis.pytest.from_fixture does not run under pytest 9, so each operation's strategy is
driven by hypothesis here directly; the checks are schemathesis's own, via call_and_validate.)"""

import pytest
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.fuzz.conftest import MAX_EXAMPLES, PREFIXES, load_schema

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

# Operations the signed-in runs leave out, and why: as the national administrator they would lock,
# disable or create accounts other tests and engineers rely on (they are fuzzed anonymously and as
# agency staff, who are refused).
SIGNED_IN_EXCLUDED = {
    "admin": {"/auth/token", "/users", "/users/{username}"},
    "staff": {"/auth/token"},
}
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def fuzz_operation(operation, headers: dict | None) -> None:
    @given(case=operation.as_strategy())
    @HYPOTHESIS
    def run(case) -> None:
        # A schema-valid request may still be refused for facts the schema cannot know (an unknown
        # service point is 404, a forged visit token 422); every other check stays on.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    run()


@pytest.mark.parametrize("persona", ["anonymous", "staff", "admin"])
@pytest.mark.parametrize("service", list(PREFIXES))
def test_every_operation_answers_within_its_schema_and_never_5xx(service, persona, request):
    headers = None
    if persona != "anonymous":
        headers = {"Authorization": f"Bearer {request.getfixturevalue(f'{persona}_token')}"}
    schema = load_schema(service)
    failures: list[str] = []
    fuzzed = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SIGNED_IN_EXCLUDED.get(persona, ()):
            continue
        try:
            fuzz_operation(operation, headers)
        except (Exception, BaseExceptionGroup) as failure:  # every operation is fuzzed; all failures reported
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}"[:3000])
        fuzzed += 1
    assert fuzzed >= 3, f"{service}: only {fuzzed} operations in its OpenAPI document"
    assert not failures, f"{service} as {persona}:\n\n" + "\n\n".join(failures)
