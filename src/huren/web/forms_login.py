"""The login form: Django's, plus telling a locked-out user why (the platform's throttle)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from huren.accounts.throttle import LOCKED_MESSAGE
from huren.web.i18n import bilingual, split_bilingual


class LoginForm(AuthenticationForm):
    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "huren_login_locked", False):
                raise forms.ValidationError(bilingual(*split_bilingual(LOCKED_MESSAGE)), code="locked") from None
            raise
