"""One rule, one path: the same typed value meets the same rule on every channel.

Each input is fed, as typed, to the web form (the entry page's save), the API (POST /api/v1/actuals/), an
actuals workbook upload (the value cell as text, and as a number where a user would type it so) and the
plan workbook upload (the same indicator's target cell), and each channel must accept it and store the
same figure, or refuse it with the same message (each channel puts its own location before it: a field, a
cell; the message itself is compared). The plan workbook has no note column, so the note limit is fed to
the other three. Each channel starts from the same state: its writes are rolled back to a savepoint.
"""
from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from imports.plan_workbook.layout import INDICATOR_SHEET as PLAN_SHEET
from kpis.domain import ValueDomain
from kpis.models import Actual, Indicator, Target
from kpis.services.plan import indicator_update
from tests.conftest import client_for
from tests.fixtures.workbooks import (
    actuals_cells,
    cell_messages,
    confirm,
    edit,
    export_plan,
    export_workbook,
    plan_target_cell,
    upload,
    upload_plan,
)

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = 2025  # no actual is stored yet for the year: every channel creates the draft
TARGET_YEAR = 2026  # the plan workbook's target cell that takes the same inputs
SIXTY_DIGITS = "123456789012345678901234567890123456789012345678901234567890"
NOTE_LIMIT_MESSAGE = "비고는 2,000자까지 입력할 수 있습니다 (입력한 글자 수: 2,001자)"

# An outcome: (the figure stored, None) or (None, the message of the refusal).
Outcome = tuple[Decimal | None, str | None]


@dataclass(frozen=True)
class Case:
    typed: str
    count: Decimal | str  # for 정무활동 및 당정협력 강화 (회: whole numbers ≥ 0): the figure stored, or the message
    percent: Decimal | str  # for 도정 핵심사업 인지도 (%: ≥ 0, four decimals kept)
    number: float | int | None = None  # the same figure typed into a workbook cell as a number, where natural
    number_format: str = "General"

    def expected(self, indicator: Indicator) -> Outcome:
        result = self.count if indicator.unit == "회" else self.percent
        return (result, None) if isinstance(result, Decimal) else (None, result)


CASES = [
    Case("12", D(12), D(12), number=12),
    Case("1,234", D(1234), D(1234), number=1234, number_format="#,##0"),
    Case("１２", D(12), D(12), number=12),
    Case("-5", "'-5'는 0 이상이어야 합니다", "'-5'는 0 이상이어야 합니다", number=-5),
    Case("△5", "'△5'는 0 이상이어야 합니다", "'△5'는 0 이상이어야 합니다"),
    Case("5.85%", "'5.85%'는 정수가 아닙니다. 소수점 없이 입력하세요", D("5.85"), number=0.0585, number_format="0.00%"),
    Case("1 2", "'1 2'는 숫자가 아닙니다", "'1 2'는 숫자가 아닙니다"),
    Case("12회", "'12회'는 숫자가 아닙니다", "'12회'는 숫자가 아닙니다"),
    Case("NaN", "'NaN'은 숫자가 아닙니다", "'NaN'은 숫자가 아닙니다"),
    Case("1e309", "'1e309'는 숫자가 아닙니다", "'1e309'는 숫자가 아닙니다"),
    Case(SIXTY_DIGITS, f"'{SIXTY_DIGITS}'은 너무 큰 숫자입니다 (1경 미만만 입력할 수 있습니다)",
         f"'{SIXTY_DIGITS}'은 너무 큰 숫자입니다 (1경 미만만 입력할 수 있습니다)"),
]


@contextmanager
def from_the_same_start() -> Iterator[None]:
    """Whatever a channel writes is rolled back, so the next channel meets the same state."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def stored_actual(indicator: Indicator) -> Decimal | None:
    actual = Actual.objects.filter(indicator=indicator, year=YEAR).first()
    return actual.value if actual else None


def field_of(indicator: Indicator) -> str:
    """The figure's name as the services report it: the formula's one input, or the value typed directly."""
    return indicator.input_names[0] if indicator.input_names else "value"


# --- the channels: each takes the user, the indicator, what is typed and a note -------------------------------


def through_the_form(user, indicator: Indicator, typed: str, note: str = "") -> Outcome:
    client = Client()
    client.force_login(user)
    key = "in_0" if indicator.input_names else "value"
    url = reverse("entry:save", args=[indicator.department_id, YEAR, indicator.pk])
    # Confirmed up front: the question about an unusual value (kpis/plausibility.py) is a second look, not a rule.
    form = {"version": "0", key: typed, "note": note, "action": "save", "confirm_unusual": "1"}
    page = client.post(url, form, follow=True)
    shown = re.findall(r'<li data-field="([^"]+)">(.*?)</li>', page.content.decode(), re.DOTALL)
    refusals = [html.unescape(message) for _field, message in shown]
    return stored_actual(indicator), refusals[0] if refusals else None


def through_the_api(user, indicator: Indicator, typed: str, note: str = "") -> Outcome:
    body: dict = {"indicator": indicator.pk, "year": YEAR, "note": note}
    if indicator.input_names:
        body["inputs"] = {field_of(indicator): typed}
    else:
        body["value"] = typed
    response = client_for(user).post("/api/v1/actuals/", body, format="json")
    if response.status_code == 201:
        return stored_actual(indicator), None
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    return stored_actual(indicator), next(iter(errors.values()))[0]


def through_an_actuals_workbook(user, indicator: Indicator, typed: object, note: str = "",
                                number_format: str | None = None) -> Outcome:
    client = Client()
    client.force_login(user)
    data = export_workbook(client, department_id=indicator.department_id, year=YEAR)
    value_cell, note_cell = actuals_cells(data, indicator.short_name)
    filled = edit(data, {value_cell: typed, note_cell: note or None},
                  number_formats={value_cell: number_format} if number_format else None)
    body = upload(client, filled).json()
    refusals = cell_messages(body, value_cell) + cell_messages(body, note_cell)
    if refusals:
        return stored_actual(indicator), refusals[0]
    assert body["errors"] == [], body["errors"]
    assert confirm(client, body["id"]).status_code == 200
    return stored_actual(indicator), None


def through_the_plan_workbook(admin, indicator: Indicator, typed: object, number_format: str | None = None) -> Outcome:
    client = Client()
    client.force_login(admin)
    before = Target.objects.get(indicator=indicator, year=TARGET_YEAR).value
    data = export_plan(client)
    target = plan_target_cell(data, indicator.short_name, TARGET_YEAR)
    filled = edit(data, {target: typed}, sheet=PLAN_SHEET,
                  number_formats={target: number_format} if number_format else None)
    body = upload_plan(client, filled).json()
    refusals = cell_messages(body, target)
    if refusals:
        assert Target.objects.get(indicator=indicator, year=TARGET_YEAR).value == before
        return None, refusals[0]
    assert body["errors"] == [], body["errors"]
    change = next(c for row in body["rows"] for c in row["changes"] if c.get("year") == TARGET_YEAR)
    confirmed = client.post(  # a changed target is a revision: it needs a reason
        f"/api/v1/imports/{body['id']}/confirm/", {"reason": "검증 규칙 비교"}, content_type="application/json",
    )
    assert confirmed.status_code == 200
    stored = Target.objects.get(indicator=indicator, year=TARGET_YEAR).value
    assert D(change["new"]) == stored  # what the preview showed is what was stored
    return stored, None


def outcomes(channels: dict[str, Callable[[], Outcome]]) -> dict[str, Outcome]:
    results = {}
    for name, channel in channels.items():
        with from_the_same_start():
            results[name] = channel()
    return results


@pytest.fixture(params=["meetings", "survey"])
def indicator_and_writer(request, dept_user, other_dept_user) -> tuple[Indicator, object]:
    """정무활동 및 당정협력 강화 (회, one input 개최횟수) with 대외협력과's user, or 도정 핵심사업 인지도 (%, typed
    directly) with 소통기획과's user."""
    indicator = request.getfixturevalue(request.param)
    return indicator, dept_user if request.param == "meetings" else other_dept_user


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.typed[:12])
def test_the_same_input_meets_the_same_rule_on_every_channel(case, indicator_and_writer, admin_user):
    indicator, writer = indicator_and_writer
    channels = {
        "form": lambda: through_the_form(writer, indicator, case.typed),
        "api": lambda: through_the_api(writer, indicator, case.typed),
        "actuals workbook": lambda: through_an_actuals_workbook(writer, indicator, case.typed),
        "plan workbook": lambda: through_the_plan_workbook(admin_user, indicator, case.typed),
    }
    if case.number is not None:
        channels["actuals workbook, a number"] = lambda: through_an_actuals_workbook(
            writer, indicator, case.number, number_format=case.number_format
        )
        channels["plan workbook, a number"] = lambda: through_the_plan_workbook(
            admin_user, indicator, case.number, number_format=case.number_format
        )

    results = outcomes(channels)

    assert results == dict.fromkeys(channels, case.expected(indicator))


@pytest.mark.parametrize(("note", "expected"), [
    ("가" * 2001, (None, NOTE_LIMIT_MESSAGE)),
    ("가" * 2000, (D(12), None)),
])
def test_the_note_limit_is_the_same_on_every_channel_with_a_note(note, expected, meetings, dept_user):
    channels = {
        "form": lambda: through_the_form(dept_user, meetings, "12", note),
        "api": lambda: through_the_api(dept_user, meetings, "12", note),
        "actuals workbook": lambda: through_an_actuals_workbook(dept_user, meetings, "12", note),
    }

    assert outcomes(channels) == dict.fromkeys(channels, expected)


@pytest.mark.parametrize("typed", ["-5", "△5"])
def test_a_domain_a_planner_widened_lets_a_negative_value_through_on_every_channel(typed, meetings, dept_user,
                                                                                  admin_user):
    widened = ValueDomain(minimum=D(-100), maximum=None, places=0)
    indicator_update(user=admin_user, indicator_id=meetings.pk, value_domain=widened, input_domain=widened)
    channels = {
        "form": lambda: through_the_form(dept_user, meetings, typed),
        "api": lambda: through_the_api(dept_user, meetings, typed),
        "actuals workbook": lambda: through_an_actuals_workbook(dept_user, meetings, typed),
        "plan workbook": lambda: through_the_plan_workbook(admin_user, meetings, typed),
    }

    assert outcomes(channels) == dict.fromkeys(channels, (D(-5), None))
