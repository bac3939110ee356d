"""API tokens: POST /api/v1/auth/token/ (through the same lockout as the login page), logout and logout-all.

Tokens are django-rest-knox tokens: only a digest is stored; each expires after an idle period and in
any case at an absolute age (settings API_TOKEN_IDLE_SECONDS, API_TOKEN_MAX_AGE_SECONDS); a password
change or deactivation revokes them (accounts.services.api_tokens_revoke).
"""
from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ApiTokenAuthentication
from accounts.services import (
    LoginRefused,
    api_token_issue,
    api_token_revoke,
    api_tokens_revoke,
    login_authenticate,
)
from core.api import ApiViewMixin
from core.api_errors import ErrorSerializer, error_body


class CredentialsSerializer(serializers.Serializer):
    # Django's own username alphabet: nothing else can match a user, and no control characters reach the log.
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text='요청 헤더에 "Authorization: Token <token>"으로 보냅니다.')
    expiry = serializers.DateTimeField(
        help_text="이 시각까지 쓰지 않으면 만료됩니다. 쓸 때마다 연장되지만 발급 후 최대 기간을 넘지 않습니다.",
    )


class TokenObtainView(ApiViewMixin, APIView):
    """Exchange a username and password for an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

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
            if refused.retry_after is not None:
                return Response(
                    error_body(detail=refused.message, code=refused.code), status=status.HTTP_429_TOO_MANY_REQUESTS,
                    headers={"Retry-After": str(refused.retry_after)},
                )
            return Response(error_body(detail=refused.message, code=refused.code), status=400)
        token, expiry = api_token_issue(user=user)
        return Response(TokenSerializer({"token": token, "expiry": expiry}).data)


TOKEN_ONLY_RESPONSES = {
    204: OpenApiResponse(description="토큰을 폐기했습니다."),
    401: OpenApiResponse(ErrorSerializer, description="토큰이 없거나 올바르지 않거나 만료됨"),
}


class TokenLogoutView(ApiViewMixin, APIView):
    """Revoke the token this request is authenticated with."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="API 토큰 폐기 (이 토큰)", request=None, responses=TOKEN_ONLY_RESPONSES)
    def post(self, request: Request) -> Response:
        api_token_revoke(auth_token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenLogoutAllView(ApiViewMixin, APIView):
    """Revoke every token of the requesting user."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="API 토큰 모두 폐기 (이 사용자)", request=None, responses=TOKEN_ONLY_RESPONSES)
    def post(self, request: Request) -> Response:
        api_tokens_revoke(user=request.user, reason="logout all")
        return Response(status=status.HTTP_204_NO_CONTENT)
