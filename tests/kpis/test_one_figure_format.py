"""One figure, one way: a formula indicator's computed value with a repeating fraction reads the same in the
drill-down's working text, the drill-down and department pages, the score export and the API's display
fields, with the indicator's own decimals when it sets them."""
from __future__ import annotations

import re
from html import unescape
from io import BytesIO

import pytest
from openpyxl import load_workbook

from kpis.models import Actual, Target
from kpis.services.actuals import actual_save
from kpis.services.scores import scores_recompute
from kpis.services.workflow import actual_approve, actual_submit
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
YEAR = 2024


def text_of(html: bytes) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html.decode()))).strip()


@pytest.fixture
def approved_rate(dept_user, evaluator, volunteering):
    """자원봉사 활동률 = 활동인원/인구*100 with 44 of 700 people: 6.285714… %, approved and scored."""
    placeholder = Actual.objects.get(indicator=volunteering, year=YEAR)
    actual = actual_save(
        user=dept_user, indicator_id=volunteering.pk, year=YEAR, inputs={"활동인원": "44", "인구": "700"},
        expected_version=placeholder.version,
    )
    actual = actual_submit(user=dept_user, actual_id=actual.pk, expected_version=actual.version)
    actual_approve(user=evaluator, actual_id=actual.pk, expected_version=actual.version)
    return volunteering


@pytest.mark.parametrize(("places", "shown"), [(None, "6.29"), (1, "6.3"), (3, "6.286")])
def test_the_same_figure_reads_the_same_on_every_channel(client, evaluator, approved_rate, places, shown):
    indicator = approved_rate
    indicator.display_places = places
    indicator.save(update_fields=["display_places"])
    scores_recompute(YEAR)
    stored = Actual.objects.get(indicator=indicator, year=YEAR).value
    assert str(stored).startswith("6.2857")  # more decimals are kept than shown
    target = Target.objects.get(indicator=indicator, year=YEAR).value
    department = indicator.department
    client.force_login(evaluator)

    # The drill-down: the actual column and the working text.
    page = text_of(client.get(f"/scores/{YEAR}/departments/{department.pk}/").content)
    working = f"실적 {shown} / 목표 {indicator.figure(target)} × 100"
    assert working in page
    assert "6.2857" not in page.replace(shown, "") and "6.285714" not in page

    # The department's plan page (targets and actuals by year).
    plan_page = text_of(client.get(f"/departments/{department.pk}/").content)
    assert f" {shown} " in plan_page and "6.2857" not in plan_page.replace(shown, "")

    # The score export: the number kept, shown with the indicator's decimals; the working text the same.
    wb = load_workbook(BytesIO(client.get(f"/scores/{YEAR}/departments/{department.pk}/export.xlsx").content))
    ws = wb["지표별 점수"]
    row = next(r for r in ws.iter_rows(min_row=6) if r[0].value == indicator.short_name)
    actual_cell = row[5]
    assert float(actual_cell.value) == pytest.approx(float(stored))
    decimals = {None: '#,##0.0#;"△"#,##0.0#', 1: '#,##0.0;"△"#,##0.0', 3: '#,##0.000;"△"#,##0.000'}[places]
    assert actual_cell.number_format == decimals
    assert working in row[13].value

    # The API: Decimal fields unchanged, display fields as the pages show them.
    api = client_for(evaluator)
    detail = api.get(f"/api/v1/scores/{department.pk}/", {"year": YEAR}).json()
    line = next(i for i in detail["indicators"] if i["indicator_id"] == indicator.pk)
    assert line["actual_display"] == shown and working in line["working"]
    assert line["target_display"] == indicator.figure(target)
    actuals = api.get("/api/v1/actuals/", {"indicator": indicator.pk, "year": YEAR}).json()
    (item,) = actuals["results"] if isinstance(actuals, dict) else actuals
    assert item["value_display"] == shown and item["value"].startswith("6.2857")
    inputs = {None: ("44", "700"), 1: ("44.0", "700.0"), 3: ("44.000", "700.000")}[places]
    assert item["inputs_display"] == dict(zip(("활동인원", "인구"), inputs, strict=True))
