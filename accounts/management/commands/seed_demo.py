from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Max

from accounts.services import user_create_or_update
from kpis.models import Department, Organization

DEMO_PASSWORD = "demo-pass-2025!"


class Command(BaseCommand):
    help = "Create (or reset) demo users for each role and each department, and print their logins."

    def handle(self, *args, **opts) -> None:
        rows: list[tuple[str, str, str]] = []
        # The installation's own organization (where `make sample` imports the sample), if it exists yet.
        home = Organization.objects.filter(name=settings.KPI_DEFAULT_ORGANIZATION).first()
        home_name = home.name if home else None
        for username, role in (("admin", "admin"), ("evaluator", "evaluator")):
            user, _ = user_create_or_update(
                username=username, role=role, password=DEMO_PASSWORD, validate=False, organization_name=home_name
            )
            rows.append((user.username, user.get_role_display(), "-"))
        user, _ = user_create_or_update(username="viewer", role="viewer", password=DEMO_PASSWORD, validate=False)
        rows.append((user.username, user.get_role_display(), "-"))
        # One user per department of the organization's newest plan edition (a carried-over department has a
        # row per edition; its user belongs to the newest).
        newest = Department.objects.filter(bureau__organization=home).aggregate(year=Max("bureau__plan_year"))["year"]
        departments = Department.objects.filter(bureau__organization=home, bureau__plan_year=newest)
        for index, department in enumerate(departments.order_by("bureau_id", "order"), start=1):
            username = f"dept{index}"
            user, _ = user_create_or_update(
                username=username, role="department", password=DEMO_PASSWORD,
                department_name=department.name, validate=False, organization_name=home_name,
            )
            rows.append((user.username, user.get_role_display(), department.name))
        self.stdout.write("")
        self.stdout.write("데모 계정 (demo logins) — password for all: " + DEMO_PASSWORD)
        for username, role, department in rows:
            self.stdout.write(f"  {username:<12} {role:<8} {department}")
        self.stdout.write("  http://127.0.0.1:8000/")
        self.stdout.write("")
