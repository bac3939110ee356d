"""POST /api/v1/auth/token/: a token for API clients, through the same lockout as the login page."""
from __future__ import annotations

import logging

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.services import LoginRefused, client_ip, login_authenticate
from core.api import ApiViewMixin
from core.api_errors import ErrorSerializer, error_body

security_log = logging.getLogger("security")


class CredentialsSerializer(serializers.Serializer):
    # Django's own username alphabet: nothing else can match a user, and no control characters reach the log.
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='요청 헤더에 "Authorization: Token <token>"으로 보냅니다.')


class TokenObtainView(ApiViewMixin, APIView):
    """Exchange a username and password for an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        summary="API 토큰 발급",
        request=CredentialsSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(ErrorSerializer, description="아이디 또는 비밀번호가 올바르지 않음"),
            429: OpenApiResponse(ErrorSerializer, description="로그인 실패가 반복되어 잠김, 또는 요청이 너무 많음"),
        },
    )
    def post(self, request: Request) -> Response:
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        try:
            user = login_authenticate(
                request=request._request, username=credentials.validated_data["username"],
                password=credentials.validated_data["password"],
            )
        except LoginRefused as refused:
            if refused.locked:
                return Response(
                    error_body(detail=refused.message, code="locked"), status=status.HTTP_429_TOO_MANY_REQUESTS,
                    headers={"Retry-After": str(settings.LOGIN_LOCKOUT_SECONDS)},
                )
            return Response(error_body(detail=refused.message, code="invalid_credentials"), status=400)
        token, _ = Token.objects.get_or_create(user=user)
        security_log.info("api token issued user=%s ip=%s", user.username, client_ip(request._request))
        return Response({"token": token.key})
