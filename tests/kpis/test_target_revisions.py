"""Target revisions: a changed target keeps its old value (who, when, source, reason) on every channel; the
score uses the target in force and names the revision; a finalised year refuses revisions until reopened."""
from __future__ import annotations

import io
import re
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.errors import InvalidInput, InvalidState, PermissionRefused
from kpis.models import (
    AuditEntry,
    ChangeSource,
    DepartmentScore,
    EntryYear,
    IndicatorScore,
    ScoreSnapshot,
    Target,
    TargetRevision,
)
from kpis.services.finalise import year_finalise, year_reopen
from kpis.services.plan import target_set
from kpis.services.scores import scores_recompute
from tests.conftest import SAMPLE_ORGANIZATION, SAMPLE_PLAN

pytestmark = pytest.mark.django_db
D = Decimal
YEAR = 2023
REASON = "도의회 행정사무감사 지적에 따라 상향"
REFUSED_CLOSED = "확정된 연도의 목표는 바꿀 수 없습니다"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def section(body: str, element_id: str) -> str:
    start = body.index(f'id="{element_id}"')
    return body[start : body.index("</section>", start)]


def revise(user, indicator, value: str = "12", *, year: int = YEAR, reason: str = REASON, **kwargs) -> Target:
    return target_set(user=user, indicator_id=indicator.pk, year=year, value=D(value), reason=reason, **kwargs)


# --- the service ------------------------------------------------------------------------------------------------


def test_a_changed_target_keeps_its_old_value_with_who_when_source_and_reason(admin_user, meetings):
    before = timezone.now()
    target = revise(admin_user, meetings, "12")

    assert target.value == D("12") and Target.objects.get(pk=target.pk).value == D("12")
    revision = TargetRevision.objects.get()
    assert (revision.target, revision.indicator, revision.year) == (target, meetings, YEAR)
    assert (revision.old_value, revision.new_value) == (D("11"), D("12"))
    assert (revision.changed_by, revision.source, revision.reason) == (admin_user, ChangeSource.WEB, REASON)
    assert revision.changed_at >= before and target.revised_at == revision.changed_at
    audit = AuditEntry.objects.filter(entity="target").latest("pk")
    assert (audit.action, audit.old_value, audit.new_value, audit.comment) == ("update", "11", "12", REASON)

    revise(admin_user, meetings, "13", reason="추경 반영")
    assert list(TargetRevision.objects.order_by("pk").values_list("old_value", "new_value", "reason")) == [
        (D("11"), D("12"), REASON), (D("12"), D("13"), "추경 반영"),
    ]


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_a_revision_without_a_reason_is_refused_and_changes_nothing(admin_user, meetings, reason):
    audits = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as refused:
        revise(admin_user, meetings, "12", reason=reason)

    assert refused.value.errors == {"reason": ["목표를 바꾸는 사유를 입력하세요."]}
    assert refused.value.message == "변경 사유: 목표를 바꾸는 사유를 입력하세요."
    assert Target.objects.get(indicator=meetings, year=YEAR).value == D("11")
    assert not TargetRevision.objects.exists() and AuditEntry.objects.count() == audits


def test_setting_a_target_that_had_none_is_audited_but_is_no_revision(admin_user, meetings):
    target_set(user=admin_user, indicator_id=meetings.pk, year=2028, value=D("15"))

    assert Target.objects.get(indicator=meetings, year=2028).value == D("15")
    assert not TargetRevision.objects.exists()
    assert AuditEntry.objects.filter(entity="target").latest("pk").action == "create"


def test_an_unchanged_target_writes_nothing_and_needs_no_reason(admin_user, meetings):
    audits = AuditEntry.objects.count()
    target_set(user=admin_user, indicator_id=meetings.pk, year=YEAR, value=D("11.0"))
    assert not TargetRevision.objects.exists() and AuditEntry.objects.count() == audits


# --- the score --------------------------------------------------------------------------------------------------


def test_the_score_uses_the_target_in_force_and_the_working_text_names_the_revision(admin_user, meetings):
    scores_recompute(YEAR)
    before = IndicatorScore.objects.get(indicator=meetings, year=YEAR)
    fingerprint = DepartmentScore.objects.get(department=meetings.department, year=YEAR).fingerprint
    assert before.target_value == D("11") and "변경" not in before.working

    revise(admin_user, meetings, "12")
    scores_recompute(YEAR)

    after = IndicatorScore.objects.get(indicator=meetings, year=YEAR)
    day = timezone.localdate(TargetRevision.objects.get().changed_at).isoformat()
    assert after.target_value == D("12")
    assert f"목표 12({day} 변경)" in after.working
    assert after.rate != before.rate
    assert DepartmentScore.objects.get(department=meetings.department, year=YEAR).fingerprint != fingerprint


def test_a_revision_moves_the_fingerprint_even_when_the_value_returns(admin_user, meetings):
    scores_recompute(YEAR)
    fingerprint = DepartmentScore.objects.get(department=meetings.department, year=YEAR).fingerprint
    revise(admin_user, meetings, "12")
    revise(admin_user, meetings, "11", reason="원래 목표로 되돌림")
    scores_recompute(YEAR)

    row = IndicatorScore.objects.get(indicator=meetings, year=YEAR)
    assert row.target_value == D("11") and "변경)" in row.working  # 11 again, but as revised
    assert DepartmentScore.objects.get(department=meetings.department, year=YEAR).fingerprint != fingerprint


def test_the_review_queue_previews_the_rate_as_the_score_will_name_it(admin_user, meetings):
    from kpis.models import Actual
    from kpis.review import review_rows

    revise(admin_user, meetings, "12")
    actual = Actual.objects.select_related("indicator").get(indicator=meetings, year=YEAR)
    [row] = review_rows([actual])
    day = timezone.localdate(TargetRevision.objects.get().changed_at).isoformat()
    assert row.target == D("12") and f"목표 12({day} 변경)" in row.rate.working


# --- the pages and the API --------------------------------------------------------------------------------------


def test_the_drilldown_and_the_history_page_show_the_revisions(client, admin_user, evaluator, meetings):
    revise(admin_user, meetings, "12.5")
    scores_recompute(YEAR)
    client.force_login(evaluator)

    body = client.get(f"/scores/{YEAR}/departments/{meetings.department_id}/").content.decode()
    shown = squeeze(section(body, "target-revisions"))
    assert "목표 변경 이력 1" in shown
    assert f"정무활동 및 당정협력 강화 {YEAR}년 11 12.5 {admin_user.username}" in shown
    assert f"웹 {REASON}" in shown
    indicators = squeeze(section(body, "indicators"))
    assert "변경 (이전 11)" in indicators and "목표 12.5(" in indicators

    history = squeeze(client.get(f"/indicators/{meetings.pk}/history/").content.decode())
    assert f"목표 변경 이력 연도 이전 목표 새 목표 변경자 변경 시각 경로 변경 사유 {YEAR}년 11 12.5 {admin_user.username}" in history
    assert REASON in history


def test_the_indicator_api_lists_each_targets_revisions(client, admin_user, evaluator, meetings):
    revise(admin_user, meetings, "12")
    client.force_login(evaluator)

    body = client.get(f"/api/v1/indicators/{meetings.pk}/").json()

    target = next(t for t in body["targets"] if t["year"] == YEAR)
    assert target["value"] == "12.0000" and target["revised_at"] is not None
    [revision] = target["revisions"]
    assert {k: revision[k] for k in ("year", "old_value", "old_value_display", "new_value_display", "changed_by",
                                     "source", "source_label", "reason")} == {
        "year": YEAR, "old_value": "11.0000", "old_value_display": "11", "new_value_display": "12",
        "changed_by": admin_user.username, "source": "web", "source_label": "웹", "reason": REASON,
    }
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert "reason" in schema["components"]["schemas"]["TargetRevision"]["properties"]
    assert "revisions" in schema["components"]["schemas"]["Target"]["properties"]


# --- the admin channel ------------------------------------------------------------------------------------------


def admin_form(indicator, target_values: dict[int, str], reason: str = "") -> dict:
    from django.forms.models import model_to_dict

    from tests.kpis.test_indicator_admin import EDITABLE

    data = {name: "" if value is None else value for name, value in model_to_dict(indicator, fields=EDITABLE).items()}
    if not data["bsc_linked"]:
        del data["bsc_linked"]
    targets = list(indicator.targets.order_by("year"))
    data.update({"targets-TOTAL_FORMS": len(targets), "targets-INITIAL_FORMS": len(targets),
                 "targets-MIN_NUM_FORMS": 0, "targets-MAX_NUM_FORMS": 1000})
    for index, target in enumerate(targets):
        data[f"targets-{index}-id"] = target.pk
        data[f"targets-{index}-indicator"] = indicator.pk
        data[f"targets-{index}-value"] = target_values.get(target.year, target.value)
        if target.year in target_values:
            data[f"targets-{index}-reason"] = reason
    return data


def test_the_admin_target_inline_refuses_a_revision_without_a_reason_and_keeps_one_with(client, admin_user, meetings):
    client.force_login(admin_user)
    url = f"/admin/kpis/indicator/{meetings.pk}/change/"

    refused = client.post(url, admin_form(meetings, {YEAR: "14"}))
    assert refused.status_code == 200 and "목표를 바꾸는 사유를 입력하세요." in refused.content.decode()
    assert Target.objects.get(indicator=meetings, year=YEAR).value == D("11")

    saved = client.post(url, admin_form(meetings, {YEAR: "14"}, reason="관리 화면에서 정정"))
    assert saved.status_code == 302
    revision = TargetRevision.objects.get()
    assert (revision.old_value, revision.new_value, revision.source, revision.changed_by, revision.reason) == (
        D("11"), D("14"), ChangeSource.ADMIN, admin_user, "관리 화면에서 정정"
    )


# --- the plan document channel ----------------------------------------------------------------------------------


def raised_document(tmp_path: Path) -> Path:
    """The sample with 정무활동 및 당정협력 강화's 2023 target raised from 11 to 12."""
    lines = SAMPLE_PLAN.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if "일반\t30\t목표\t11\t11\t11" in line)
    lines[number] = lines[number].replace("일반\t30\t목표\t11\t11\t11", "일반\t30\t목표\t12\t11\t11")
    path = tmp_path / "raised.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_import_plan_lists_revisions_on_a_dry_run_and_requires_a_reason(tmp_path, meetings):
    path = raised_document(tmp_path)
    out = io.StringIO()
    call_command("import_plan", str(path), "--organization", SAMPLE_ORGANIZATION, "--dry-run", stdout=out)
    report = out.getvalue()
    assert "■ 바뀌는 목표 1건" in report
    assert f"{meetings.name} {YEAR}년 목표 11 → 12" in report
    assert "--reason" in report
    assert not TargetRevision.objects.exists()

    with pytest.raises(CommandError, match="--reason"):
        call_command("import_plan", str(path), "--organization", SAMPLE_ORGANIZATION, stdout=io.StringIO())
    assert Target.objects.get(indicator=meetings, year=YEAR).value == D("11")

    call_command("import_plan", str(path), "--organization", SAMPLE_ORGANIZATION, "--reason", "정오표 반영", stdout=io.StringIO())
    revision = TargetRevision.objects.get()
    assert (revision.old_value, revision.new_value, revision.source, revision.reason) == (
        D("11"), D("12"), ChangeSource.PLAN, "정오표 반영"
    )
    assert revision.import_run is not None and revision.import_run.file_name == "raised.txt"


# --- finalised years --------------------------------------------------------------------------------------------


def test_a_finalised_year_refuses_a_revision_on_every_channel(client, admin_user, meetings, tmp_path):
    year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=YEAR)

    with pytest.raises(InvalidState, match=REFUSED_CLOSED):
        revise(admin_user, meetings, "12")
    client.force_login(admin_user)
    page = client.post(f"/admin/kpis/indicator/{meetings.pk}/change/", admin_form(meetings, {YEAR: "12"}, "정정"))
    assert page.status_code == 200 and REFUSED_CLOSED in unescape(page.content.decode())
    with pytest.raises(CommandError, match=REFUSED_CLOSED):
        call_command("import_plan", str(raised_document(tmp_path)), "--organization", SAMPLE_ORGANIZATION, "--reason", "정정", stdout=io.StringIO())
    # Another year is open as before.
    revise(admin_user, meetings, "12", year=2024)

    assert Target.objects.get(indicator=meetings, year=YEAR).value == D("11")
    assert list(TargetRevision.objects.values_list("year", flat=True)) == [2024]


def test_an_admin_reopens_a_finalised_year_with_a_reason_and_the_revision_is_accepted(
    client, admin_user, evaluator, meetings
):
    year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=YEAR)
    snapshots = ScoreSnapshot.objects.filter(year=YEAR).count()
    with pytest.raises(PermissionRefused):
        year_reopen(user=evaluator, organization_id=evaluator.organization_id, year=YEAR, reason="재검토")
    with pytest.raises(InvalidInput):
        year_reopen(user=admin_user, organization_id=admin_user.organization_id, year=YEAR, reason=" ")

    client.force_login(admin_user)
    response = client.post(f"/scores/{YEAR}/reopen/", {"reason": "감사 결과 목표 정정"})
    assert response.status_code == 302

    assert EntryYear.objects.get(year=YEAR).finalised_at is None
    assert ScoreSnapshot.objects.filter(year=YEAR).count() == snapshots  # the frozen result stays
    audit = AuditEntry.objects.get(entity="year", action="reopen")
    assert (audit.user, audit.year, audit.comment, audit.new_value) == (admin_user, YEAR, "감사 결과 목표 정정", "")
    revise(admin_user, meetings, "12")
    assert TargetRevision.objects.get().year == YEAR

    # Finalised again: the new official result replaces the kept snapshots.
    assert year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=YEAR) == snapshots
    frozen = ScoreSnapshot.objects.get(department=meetings.department, year=YEAR)
    assert next(i for i in frozen.indicators if i["indicator_id"] == meetings.pk)["target"] == "12.0000"


def test_the_scoreboard_offers_admins_the_reopen_form_once_finalised(client, admin_user, evaluator):
    year_finalise(user=admin_user, organization_id=admin_user.organization_id, year=YEAR)
    client.force_login(admin_user)
    body = client.get(f"/scores/{YEAR}/").content.decode()
    assert '<label for="reopen-reason">확정 해제 사유</label>' in body
    client.force_login(evaluator)
    assert "reopen-reason" not in client.get(f"/scores/{YEAR}/").content.decode()
    assert client.post(f"/scores/{YEAR}/reopen/", {"reason": "x"}).status_code == 403
