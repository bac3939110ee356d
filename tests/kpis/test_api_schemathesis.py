"""Generated requests against every documented operation: no 5xx, and answers match the schema.

Runs on a transactional database (the sample committed, so on-commit recomputes really run)
with an evaluator's and a department user's token. Skips locally without schemathesis; in CI
(CI=true) a missing package fails instead.
"""
from __future__ import annotations

import pytest
from django.core.cache import cache
from knox.models import AuthToken

from budgets.models import BudgetProgram, UnitProgram
from kpis.models import Actual, Department, Indicator, Organization, PolicyGoal, StrategicGoal
from reports.models import ReportEntry
from reports.services import report_entry_save
from tests.conftest import skip_or_fail

MAX_EXAMPLES = 12
# Path ids are mostly drawn from the sample's rows, so detail answers (200) get validated too.
RESOURCES = {
    "departments": Department, "strategic-goals": StrategicGoal, "policy-goals": PolicyGoal,
    "indicators": Indicator, "unit-programs": UnitProgram, "budget-programs": BudgetProgram, "actuals": Actual,
    "scores": Department, "organizations": Organization, "report-entries": ReportEntry, "execution": Department,
}

try:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance
except ImportError:  # pragma: no cover - depends on the environment
    schemathesis = None


if schemathesis is None:

    def test_schemathesis_is_installed():
        skip_or_fail("schemathesis is not installed (see requirements-dev.txt)")

else:

    @pytest.fixture
    def api_tokens(transactional_db, sample_plan, evaluator, dept_user) -> dict[str, str]:
        """One token per persona that calls the API: an evaluator and 대외협력과's user."""
        cache.clear()  # throttle counters of earlier tests
        # One report entry, so its detail read can answer 200.
        report_entry_save(user=dept_user, indicator_id=Indicator.objects.filter(department=dept_user.department).first().pk,
                          year=2024, analysis="분석")
        return {user.username: AuthToken.objects.create(user=user)[1] for user in (evaluator, dept_user)}

    @pytest.fixture
    def api_schema(api_tokens):
        from config.wsgi import application

        token = next(iter(api_tokens.values()))
        return schemathesis.openapi.from_wsgi(
            "/api/v1/schema/?format=json", application, headers={"Authorization": f"Token {token}"}
        )

    def with_known_ids(case, pk: int, indicator_id: int):
        for name in case.path_parameters or {}:
            case.path_parameters[name] = pk
        if isinstance(case.body, dict) and "indicator" in case.body:
            case.body["indicator"] = indicator_id
        return case

    def cases_for(operation):
        """Valid and invalid cases; half of them aimed at rows that exist."""
        generated = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)
        model = RESOURCES.get(operation.path.split("/")[3])
        pks = list(model.objects.values_list("pk", flat=True)) if model else []
        indicator_ids = list(Indicator.objects.values_list("pk", flat=True))
        aimed = st.builds(
            with_known_ids, operation.as_strategy(GenerationMode.POSITIVE),
            st.sampled_from(pks or [1]), st.sampled_from(indicator_ids),
        )
        return generated | aimed

    def check_operation(operation, tokens: list[str]) -> set[int]:
        """Hypothesis-driven cases for one operation, sent as each persona; returns the statuses seen."""
        statuses: set[int] = set()

        @given(case=cases_for(operation))
        @settings(
            max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            for token in tokens:
                response = case.call_and_validate(
                    headers={"Authorization": f"Token {token}"},
                    checks=[not_a_server_error, response_schema_conformance],
                )
                statuses.add(response.status_code)

        run()
        return statuses

    # schemathesis.pytest.from_fixture() would be the idiom, but 4.32.5's lazy loader writes
    # pytest's private Node._nodeid, which pytest 9 no longer has; so the operations are looped here.
    def test_no_request_makes_a_server_error_and_answers_match_the_schema(api_schema, api_tokens):
        failures: list[str] = []
        operations = []
        for result in api_schema.get_all_operations():
            try:
                operation = result.ok()
            except AttributeError:
                failures.append(f"schema error: {result.err()}")
                continue
            # Logging out revokes the very token every later case sends (tests/accounts/test_api_tokens.py).
            if not operation.path.startswith("/api/v1/auth/logout"):
                operations.append(operation)
        assert len(operations) >= 17
        seen: dict[str, set[int]] = {}
        for operation in operations:
            try:
                seen[operation.label] = check_operation(operation, list(api_tokens.values()))
            # FailureGroup is a BaseExceptionGroup; collect every operation's failure and report them together.
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001
                failures.append(f"{operation.label}: {exc}")
        assert not failures, "\n\n".join(failures)
        # Guard against a vacuous pass (say, every request refused): every read must have answered 200.
        # Import runs do not exist in the sample database, so their per-run reads can only 404.
        reads = [label for label in seen if label.startswith("GET ") and "/imports/{id}" not in label]
        assert reads and all(200 in seen[label] for label in reads), {k: v for k, v in seen.items() if k in reads and 200 not in v}
