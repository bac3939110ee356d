from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.services import user_create_or_update
from kpis.models import Department

DEMO_PASSWORD = "demo-pass-2025!"


class Command(BaseCommand):
    help = "Create (or reset) demo users for each role and each department, and print their logins."

    def handle(self, *args, **opts) -> None:
        rows: list[tuple[str, str, str]] = []
        for username, role in (("admin", "admin"), ("evaluator", "evaluator")):
            user, _ = user_create_or_update(username=username, role=role, password=DEMO_PASSWORD, validate=False)
            rows.append((user.username, user.get_role_display(), "-"))
        for index, department in enumerate(Department.objects.order_by("bureau_id", "order"), start=1):
            username = f"dept{index}"
            user, _ = user_create_or_update(
                username=username, role="department", password=DEMO_PASSWORD,
                department_name=department.name, validate=False,
            )
            rows.append((user.username, user.get_role_display(), department.name))
        self.stdout.write("")
        self.stdout.write("데모 계정 (demo logins) — password for all: " + DEMO_PASSWORD)
        for username, role, department in rows:
            self.stdout.write(f"  {username:<12} {role:<8} {department}")
        self.stdout.write("  http://127.0.0.1:8000/")
        self.stdout.write("")
