"""The four roles of huren, as Django groups.

``qc_admin`` and ``evaluator`` belong to a QC centre and see every institution under it;
``hospital_manager`` and ``technologist`` belong to a hospital and see only it. Only an
evaluator reviews assessments and decides qualification.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

QC_ADMIN = "qc_admin"
EVALUATOR = "evaluator"
HOSPITAL_MANAGER = "hospital_manager"
TECHNOLOGIST = "technologist"
CLINICIAN = "clinician"  # 接诊医生: asks about studies and records accept / not accept

ROLES = {
    QC_ADMIN: _("QC-centre administrator"),
    EVALUATOR: _("QC-centre evaluator"),
    HOSPITAL_MANAGER: _("Hospital manager"),
    TECHNOLOGIST: _("Technologist"),
    CLINICIAN: _("Receiving doctor"),
}
CENTRE_ROLES = (QC_ADMIN, EVALUATOR)
HOSPITAL_ROLES = (HOSPITAL_MANAGER, TECHNOLOGIST, CLINICIAN)


def roles_of(user) -> set[str]:
    """The role names (group names among ROLES) of ``user``; cached on the user object."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_huren_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=list(ROLES)).values_list("name", flat=True))
        user._huren_roles = cached
    return cached


def has_role(user, *names: str) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return bool(roles_of(user) & set(names))


def is_centre_user(user) -> bool:
    return has_role(user, *CENTRE_ROLES)


# Django model permissions of each role, for the admin site (the API and the web pages
# check roles themselves). Evidence and decisions are never changed, so nobody is given
# change or delete permissions on them.
ADMIN_PERMISSIONS = {
    QC_ADMIN: {"registry": ("view", "add", "change", "delete"), "accounts": ("view", "add", "change"),
               "evidence": ("view", "add"), "assessment": ("view",), "recognition": ("view",)},
    EVALUATOR: {"registry": ("view",), "evidence": ("view", "add"), "assessment": ("view",), "recognition": ("view",)},
}


def ensure_groups() -> None:
    """Create the role groups with their admin permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        wanted = ADMIN_PERMISSIONS.get(name, {})
        perms = []
        for p in Permission.objects.filter(content_type__app_label__in=list(wanted)).select_related("content_type"):
            action = p.codename.split("_", 1)[0]
            model = p.content_type.model
            if model == "loginfailure" or (model == "auditentry" and action != "view"):
                continue  # the audit log is read, never written by hand
            if action in wanted[p.content_type.app_label]:
                perms.append(p)
        group.permissions.set(perms)
