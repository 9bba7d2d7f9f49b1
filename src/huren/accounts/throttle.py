"""Login throttling: after ``HUREN_LOGIN_MAX_FAILURES`` failed logins for one user name from
one address within ``HUREN_LOGIN_LOCK_SECONDS``, further attempts are refused (even with the
right password) until the window has passed. Failures are kept in the database so that every
worker process of a deployment sees the same count.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils import timezone

LOCKED_MESSAGE = "登录失败次数过多，已暂时锁定，请稍后再试 / too many failed logins: locked for now, try again later"


def _limits() -> tuple[int, int]:
    return (int(getattr(settings, "HUREN_LOGIN_MAX_FAILURES", 5)),
            int(getattr(settings, "HUREN_LOGIN_LOCK_SECONDS", 900)))


def client_ip(request) -> str:
    # REMOTE_ADDR only: a forwarded-for header is chosen by the client and would let it
    # pick a fresh address for every attempt.
    return (getattr(request, "META", None) or {}).get("REMOTE_ADDR", "") if request is not None else ""


def is_locked(username: str | None, ip: str) -> bool:
    from huren.accounts.models import LoginFailure

    if not username:
        return False
    n, seconds = _limits()
    since = timezone.now() - dt.timedelta(seconds=seconds)
    return LoginFailure.objects.filter(username=username, ip=ip, at__gte=since).count() >= n


class ThrottledModelBackend(ModelBackend):
    """Django's model backend, refusing user names that are locked out from this address."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        ip = client_ip(request)
        if is_locked(username, ip):
            if request is not None:
                request.huren_login_locked = True
            raise PermissionDenied(LOCKED_MESSAGE)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            from huren.accounts.models import LoginFailure

            LoginFailure.objects.filter(username=username, ip=ip).delete()
        return user


@receiver(user_login_failed, dispatch_uid="huren-login-failed")
def _record_failure(sender, credentials, request=None, **kwargs):
    from huren.accounts.models import LoginFailure

    username = (credentials or {}).get("username") or (credentials or {}).get(get_user_model().USERNAME_FIELD)
    if not username or getattr(request, "huren_login_locked", False):
        # A refused attempt while locked does not extend the lock.
        return
    LoginFailure.objects.create(username=str(username)[:150], ip=client_ip(request))
    # failures older than any lock window are of no more use: keep the table small
    _n, seconds = _limits()
    LoginFailure.objects.filter(at__lt=timezone.now() - dt.timedelta(seconds=max(seconds, 86400))).delete()
