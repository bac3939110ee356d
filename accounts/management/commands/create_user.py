from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from accounts.services import user_create_or_update
from core.errors import error_summary


class Command(BaseCommand):
    help = "Create or update a user with a role (admin, evaluator, department, viewer) and organization."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--department", default=None, help="부서명 (department role)")
        parser.add_argument("--organization", default=None, help="기관명 (부서 담당자는 부서의 기관)")
        parser.add_argument(
            "--with-child-organizations", action="store_true", help="하위 기관 포함 (도의 평가자가 시군도 봄)"
        )
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--skip-validation", action="store_true", help="Skip password validators (demo users only)."
        )

    def handle(self, *args, **opts) -> None:
        try:
            user, created = user_create_or_update(
                username=opts["username"], role=opts["role"], password=opts["password"],
                department_name=opts["department"], validate=not opts["skip_validation"], email=opts["email"],
                organization_name=opts["organization"], sees_child_organizations=opts["with_child_organizations"],
            )
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {"password": exc.messages}
            lines = [error_summary({field: msgs}) for field, msgs in messages.items()]
            raise CommandError("사용자를 만들 수 없습니다.\n" + "\n".join(lines)) from exc
        verb = "created" if created else "updated"
        dept = f" ({user.department.name})" if user.department else ""
        organization = f" [{user.organization.name}]" if user.organization else ""
        self.stdout.write(f"{verb} user {user.username}: {user.get_role_display()}{dept}{organization}")
