"""API token authentication: django-rest-knox tokens, with Korean refusals and an absolute age."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication
from rest_framework import exceptions

INVALID_TOKEN_MESSAGE = "API 토큰이 올바르지 않거나 만료되었습니다. 토큰을 다시 발급받으세요."
INACTIVE_MESSAGE = "사용할 수 없는 계정입니다."


class ApiTokenAuthentication(TokenAuthentication):
    """knox's "Authorization: Token <token>", with Korean refusals and the absolute age enforced on every use."""

    def authenticate_credentials(self, token: bytes):
        try:
            user, auth_token = super().authenticate_credentials(token)
        except (exceptions.AuthenticationFailed, UnicodeDecodeError) as exc:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN_MESSAGE) from exc
        if auth_token.created + timedelta(seconds=settings.API_TOKEN_MAX_AGE_SECONDS) <= timezone.now():
            auth_token.delete()
            raise exceptions.AuthenticationFailed(INVALID_TOKEN_MESSAGE)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE_MESSAGE)
        return user, auth_token

    def validate_user(self, auth_token):
        # The active check is made above, after the token itself has been accepted, so that its
        # message is not replaced by the invalid-token one.
        return auth_token.user, auth_token


class ApiTokenScheme(KnoxTokenScheme):
    """Documents the token in the OpenAPI schema under the name it had before knox ("tokenAuth")."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
