"""Template context for every page: the user's institution and whether they work for the QC centre."""

from __future__ import annotations


def huren(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from huren.accounts.models import Profile
    from huren.accounts.roles import QC_ADMIN, has_role, is_centre_user

    profile = Profile.objects.filter(user=user).select_related("institution").first()
    return {
        "huren_is_qc_centre": is_centre_user(user),
        "huren_is_qc_admin": has_role(user, QC_ADMIN),
        "huren_institution": profile.institution if profile else None,
        # the header's name for the user (the display name people know them by)
        "huren_user_name": (profile.display_name if profile else "") or user.get_full_name() or user.get_username(),
    }
