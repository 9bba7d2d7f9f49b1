"""API authentication: DRF's token scheme, reading the token, its user and the user's profile
(institution, display name) in one SQL read built once (:mod:`huren.site.hot_sql`): every
API answer needs the profile for its scope, and a hospital system asks many times a second."""

from __future__ import annotations

import functools

from rest_framework import authentication, exceptions


@functools.cache
def _token_read(model):
    from django.contrib.auth import get_user_model

    from huren.accounts.models import Profile
    from huren.site.hot_sql import Joined

    q = Joined(model, "t")
    q.join("u", get_user_model(), "{u}.{id} = {t}.{user_id}", parent="t", attach="user")
    q.join("p", Profile, "{p}.{user_id} = {u}.{id}", parent="u", attach="profile")
    return q


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        rows = _token_read(self.get_model()).fetch("{t}.{key} = %s", [key], limit=1)
        token = rows[0]["t"] if rows else None
        if token is None or rows[0]["u"] is None:
            raise exceptions.AuthenticationFailed("令牌无效 / invalid token")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("用户已停用或已删除 / user inactive or deleted")
        return (token.user, token)
