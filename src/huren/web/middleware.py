"""Chinese first: the interface language is the one the user chose (the language cookie set
by Django's ``set_language``), else the site's LANGUAGE_CODE (zh-hans). Unlike Django's
LocaleMiddleware, the browser's Accept-Language is not consulted: a hospital workstation
with an English system locale still opens in Chinese."""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
        try:
            code = translation.get_supported_language_variant(code)
        except LookupError:
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
