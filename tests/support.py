"""Helpers shared by the Django tests of several apps (platform, recognition, image quality)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from huren.accounts.models import Profile


def make_user(username, role, institution):
    """A user of ``role`` (a group name, or None) at ``institution``; password ``pw-<username>``."""
    u = get_user_model().objects.create_user(username=username, password="pw-" + username)
    if role:
        u.groups.add(Group.objects.get_or_create(name=role)[0])
    Profile.objects.create(user=u, institution=institution)
    return u


def client_for(user) -> APIClient:
    """An API client authenticated as ``user``."""
    c = APIClient()
    c.force_authenticate(user)
    return c
