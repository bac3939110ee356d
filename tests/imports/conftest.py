"""What the workbook tests share: 대외협력과 of the sample, a department user's client, its exported workbook."""
from __future__ import annotations

import pytest

from tests.fixtures.workbooks import department, export_workbook


@pytest.fixture
def cooperation(sample_plan):
    return department("대외협력과")


@pytest.fixture
def editor(client, dept_user):
    client.force_login(dept_user)
    return client


@pytest.fixture
def exported(editor, cooperation) -> bytes:
    return export_workbook(editor, department_id=cooperation.pk)
