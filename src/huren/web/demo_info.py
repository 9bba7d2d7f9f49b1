"""The demo logins, for ``huren serve`` to print (only while the demo password still works)."""

from __future__ import annotations


def demo_logins() -> list[tuple[str, str, str]]:
    """(user name, password, role) of the demo accounts, or [] when there is no intact demo."""
    try:
        from huren.assessment.demo import DEMO_PASSWORD
    except ImportError:
        return []
    from django.contrib.auth import get_user_model

    from huren.accounts.roles import ROLES

    User = get_user_model()
    probe = User.objects.filter(username="qcadmin").first()
    if probe is None or not probe.check_password(DEMO_PASSWORD):
        return []  # not a demo database, or its passwords were changed
    out = []
    for u in User.objects.filter(profile__isnull=False, is_active=True).prefetch_related("groups").order_by("id"):
        role = next((str(ROLES[g.name]) for g in u.groups.all() if g.name in ROLES), "")
        out.append((u.username, DEMO_PASSWORD, role))
    return out
