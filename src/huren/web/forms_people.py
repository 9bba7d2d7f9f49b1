"""The QC-centre administrator's forms for people: a new institution, a new user with a role."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from huren.accounts.roles import CENTRE_ROLES, ROLES
from huren.registry.models import Institution
from huren.web.i18n import BilingualFieldsForm


class InstitutionForm(BilingualFieldsForm, forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=Institution.Kind.choices, initial=Institution.Kind.HOSPITAL)
    parent = forms.ModelChoiceField(label=_("parent institution"), queryset=None, required=False)
    code = forms.CharField(label=_("code"), max_length=50, required=False)
    level = forms.CharField(label=_("grade"), max_length=50, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Institution.objects.for_user(user).order_by("name")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Institution.objects.filter(name=name).exists():
            raise ValidationError("同名机构已登记 / an institution of this name is already registered")
        return name


class UserForm(BilingualFieldsForm, forms.Form):
    username = forms.CharField(label=_("user name"), max_length=150)
    display_name = forms.CharField(label=_("display name"), max_length=100)
    institution = forms.ModelChoiceField(label=_("institution"), queryset=None)
    role = forms.ChoiceField(label=_("role"), choices=list(ROLES.items()))
    password = forms.CharField(label=_("initial password"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.for_user(user).order_by("name")

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=name).exists():
            raise ValidationError("用户名已被使用 / this user name is taken")
        return name

    def clean(self):
        data = super().clean()
        inst, role = data.get("institution"), data.get("role")
        if inst is not None and role:
            centre = inst.kind == Institution.Kind.QC_CENTRE
            if centre != (role in CENTRE_ROLES):
                self.add_error("role", "质控中心角色只属于质控中心，医院角色只属于医院 / a QC-centre role belongs to a "
                                       "QC centre, a hospital role to a hospital")
        if data.get("password"):
            try:
                password_validation.validate_password(data["password"])
            except ValidationError as e:
                self.add_error("password", e)
        return data
