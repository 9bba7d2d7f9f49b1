"""API authentication: DRF's token scheme, reading the user and the profile (institution,
display name) with the token in one query; every API answer needs the profile for its scope."""

from __future__ import annotations

from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__profile").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed("令牌无效 / invalid token") from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("用户已停用或已删除 / user inactive or deleted")
        return (token.user, token)
