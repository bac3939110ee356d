"""An indicator's change history reads in Korean: what happened, what changed, the reviewer's comment."""
from __future__ import annotations

import re
from html import unescape

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kpis import review_views
from kpis.audit_labels import event_label, field_label, history_line, value_text
from kpis.models import Actual, AuditEntry
from kpis.services.actuals import actual_save
from kpis.services.evidence import evidence_add
from kpis.services.plan import indicator_update
from kpis.services.workflow import actual_approve, actual_return, actual_submit

YEAR = 2024
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def history_text(client, indicator, **params) -> str:
    """The history table's text as a reader sees it (no markup)."""
    body = client.get(reverse("entry:history", args=[indicator.pk]), params).content.decode()
    table = body[body.index("<table"):body.index("</table>")]
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table)))


def full_flow(dept_user, evaluator, admin_user, volunteering) -> Actual:
    """save → save again → evidence → submit → return → save → submit → approve, and a weight change."""
    seen = Actual.objects.get(indicator=volunteering, year=YEAR).version
    draft = actual_save(user=dept_user, indicator_id=volunteering.pk, year=YEAR,
                        inputs={"활동인원": "120000", "인구": "2000000"}, note="1365 집계", expected_version=seen)
    draft = actual_save(user=dept_user, indicator_id=volunteering.pk, year=YEAR,
                        inputs={"활동인원": "130000", "인구": "2000000"}, expected_version=draft.version)
    evidence_add(user=dept_user, actual_id=draft.pk, upload=SimpleUploadedFile("report.pdf", PDF))
    sent = actual_submit(user=dept_user, actual_id=draft.pk, expected_version=draft.version)
    back = actual_return(user=evaluator, actual_id=sent.pk, comment="증빙 원본을 올려 주세요", expected_version=sent.version)
    again = actual_save(user=dept_user, indicator_id=volunteering.pk, year=YEAR,
                        inputs={"활동인원": "130000", "인구": "2000000"}, note="원본 첨부", expected_version=back.version)
    sent = actual_submit(user=dept_user, actual_id=again.pk, expected_version=again.version)
    indicator_update(user=admin_user, indicator_id=volunteering.pk, weight=volunteering.weight + 1)
    return actual_approve(user=evaluator, actual_id=sent.pk, expected_version=sent.version, comment="확인 완료")


def test_the_history_of_a_whole_review_flow_has_no_internal_key(client, dept_user, evaluator, admin_user, volunteering):
    full_flow(dept_user, evaluator, admin_user, volunteering)
    client.force_login(dept_user)

    text = history_text(client, volunteering)

    latin = set(re.findall(r"[A-Za-z_][A-Za-z_.]*", text))
    # usernames and the uploaded file's name are data, not keys
    assert latin <= {"dept_cooperation", "evaluator", "planner_admin", "report.pdf"}, latin
    for expected in (
        "실적 입력", "실적 수정", "증빙자료 추가", "제출", "반려", "승인", "성과지표 수정",
        "상태: 작성 중 → 제출", "상태: 제출 → 반려", "상태: 제출 → 승인", "상태: 반려 → 작성 중",
        "입력값: 활동인원 120,000 → 130,000", "비고: 1365 집계 → 원본 첨부", "파일: report.pdf", "가중치: 40 → 41",
        "증빙 원본을 올려 주세요", "확인 완료",
    ):
        assert expected in text, expected


def test_the_plan_import_reads_in_korean_too(client, dept_user, volunteering):
    client.force_login(dept_user)

    text = history_text(client, volunteering)

    assert "계획서 가져오기" in text and "목표 입력" in text and "목표값: 없음 → 6" in text
    assert not re.search(r"[A-Za-z]", text), text


def test_the_history_is_paginated(client, dept_user, evaluator, admin_user, volunteering, monkeypatch):
    full_flow(dept_user, evaluator, admin_user, volunteering)
    monkeypatch.setattr(review_views, "HISTORY_PAGE_SIZE", 3)
    client.force_login(dept_user)
    url = reverse("entry:history", args=[volunteering.pk])

    first = client.get(url).content.decode()
    total = AuditEntry.objects.filter(indicator=volunteering).count()

    assert first.count("<th scope=\"row\">") == 3 and "다음 쪽" in first
    assert f"1 / {-(-total // 3)}쪽" in first
    assert "확인 완료" in first  # the newest first: the approval with its comment


def test_unknown_keys_read_as_korean_generic_labels(volunteering):
    assert event_label("budget", "archive") == "기타 항목 변경"
    assert event_label("actual", "archive") == "실적 변경"
    assert field_label("actual", "mystery") == "기타 항목"
    assert field_label("indicator", "value_min") == "실적 최솟값"
    assert value_text("status", "paused", volunteering) == "알 수 없는 값"
    line = history_line(AuditEntry(entity="target", action="update", field="value", old_value="6", new_value="6.5"),
                        volunteering)
    assert line.event == "목표 수정" and line.changes == ["목표값: 6 → 6.5"]
