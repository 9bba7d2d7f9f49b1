"""People: the QC-centre administrator creates institutions and users with their roles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from huren.accounts.models import Profile
from huren.accounts.roles import QC_ADMIN, ROLES, ensure_groups, has_role
from huren.registry.models import Institution
from huren.web.forms_people import InstitutionForm, UserForm


@login_required
def people(request):
    if not has_role(request.user, QC_ADMIN):
        raise PermissionDenied
    inst_form = InstitutionForm(request.POST if request.POST.get("form") == "institution" else None, user=request.user,
                                prefix="inst")
    user_form = UserForm(request.POST if request.POST.get("form") == "user" else None, user=request.user, prefix="user")
    if request.method == "POST":
        if inst_form.is_bound and inst_form.is_valid():
            Institution.objects.create(**inst_form.cleaned_data)
            messages.success(request, _("Institution created."))
            return redirect("web:people")
        if user_form.is_bound and user_form.is_valid():
            d = user_form.cleaned_data
            ensure_groups()
            with transaction.atomic():
                u = get_user_model().objects.create_user(username=d["username"], password=d["password"],
                                                         first_name=d["display_name"], is_staff=d["role"] == QC_ADMIN)
                u.groups.add(Group.objects.get(name=d["role"]))
                Profile.objects.create(user=u, institution=d["institution"], display_name=d["display_name"])
            messages.success(request, _("User created."))
            return redirect("web:people")
    profiles = (Profile.objects.for_user(request.user).select_related("user", "institution")
                .prefetch_related("user__groups").order_by("institution__name", "user__username"))
    page = Paginator(profiles, 50).get_page(request.GET.get("page"))
    rows = [(p, ", ".join(str(ROLES[g.name]) for g in p.user.groups.all() if g.name in ROLES)) for p in page]
    return render(request, "web/people.html", {
        "nav": "people", "inst_form": inst_form, "user_form": user_form, "page": page, "rows": rows,
        "institutions": Institution.objects.for_user(request.user).select_related("parent").order_by("name"),
    })
