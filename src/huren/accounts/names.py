"""The name people know a user by (never the login name where a display name exists)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def name_of(user) -> str:
    """The profile's display name, else the full name; the system account that records DICOM
    analyses as "DICOM 接收（自动）"; the user name last."""
    if user is None:
        return "—"
    from huren.dicomnode.evidence import SYSTEM_USERNAME

    if user.get_username() == SYSTEM_USERNAME:
        return str(_("DICOM intake (automatic)"))
    try:
        shown = user.profile.display_name
    except Exception:  # noqa: BLE001 — no profile row (a superuser, the system account)
        shown = ""
    return shown or user.get_full_name() or user.get_username()
