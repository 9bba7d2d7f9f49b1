"""Bilingual error messages for the API: every message a client sees reads "中文 / English"."""

from __future__ import annotations

import copy

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils import translation
from django.utils.functional import Promise
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.utils.formatting import lazy_format
from rest_framework.views import exception_handler as drf_exception_handler

from huren.assessment.models import Immutable
from huren.evidence.models import EvidenceImmutable


class Bilingual:
    """A lazy message rendered in Chinese and English; ``format`` as DRF's ``fail`` needs."""

    def __init__(self, msg: Promise, **kwargs) -> None:
        self.msg, self.kwargs = msg, kwargs  # kwargs: filled in when rendered (lazily: most are never shown)

    def _text(self) -> str:
        text = str(self.msg)
        return text.format(**self.kwargs) if self.kwargs else text

    def _render(self, **kwargs) -> str:
        parts = []
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                text = self._text()
                parts.append(text.format(**kwargs) if kwargs else text)
        zh, en = parts
        return zh if zh == en else f"{zh} / {en}"

    def format(self, **kwargs) -> str:
        return self._render(**kwargs)

    def __mod__(self, params) -> str:
        # Django validators interpolate their message with ``%`` (``%(limit_value)s``)
        parts = []
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                parts.append(self._text() % params)
        zh, en = parts
        return zh if zh == en else f"{zh} / {en}"

    def __str__(self) -> str:
        return self._render()


def bilingual_messages(field) -> None:
    """Make the default messages of ``field``, of its validators (length, bounds) and of a
    list's child bilingual."""
    for key, msg in list(field.error_messages.items()):
        if isinstance(msg, Promise):
            field.error_messages[key] = Bilingual(msg)
    validators = []
    for v in getattr(field, "validators", None) or []:
        msg = getattr(v, "message", None)
        if isinstance(msg, lazy_format) and isinstance(msg.format_string, Promise):
            v = copy.copy(v)
            v.message = Bilingual(msg.format_string, **msg.kwargs)
        elif isinstance(msg, Promise):
            v = copy.copy(v)  # validators may be shared between fields: change a copy
            v.message = Bilingual(msg)
        validators.append(v)
    if validators:
        field.validators = validators
    child = getattr(field, "child", None) or getattr(field, "child_relation", None)
    if child is not None:
        bilingual_messages(child)


def _django_errors(e: DjangoValidationError):
    if hasattr(e, "error_dict"):
        return {k: [str(m) for err in v for m in err.messages] for k, v in e.error_dict.items()}
    return {"non_field_errors": [str(m) for m in e.messages]}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_errors(exc))
    elif isinstance(exc, DjangoPermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(str(exc.args[0]))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("未找到 / not found")
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        return Response({"detail": "仍有记录引用此项，不能删除（可改为停用） / other records refer to this one, so it "
                                   "cannot be deleted (mark it out of service instead)"}, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, (EvidenceImmutable, Immutable)):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, exceptions.MethodNotAllowed) and " / " not in str(exc.detail):
        method = context["request"].method if context.get("request") else ""
        exc = exceptions.MethodNotAllowed(method, detail=f"不允许使用 {method} 方法 / method {method} not allowed")
    elif isinstance(exc, exceptions.ParseError) and " / " not in str(exc.detail):
        # DRF's text names the parser's complaint (English, with a position): keep it after ours
        exc = exceptions.ParseError(f"请求内容无法解析（须为有效的 JSON 或表单） / malformed request body: {exc.detail}")
    elif isinstance(exc, exceptions.UnsupportedMediaType) and " / " not in str(exc.detail):
        exc = exceptions.UnsupportedMediaType(
            "", detail=f"不支持的内容类型（请用 application/json 或表单） / {exc.detail}")
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else None
        if detail is not None and isinstance(detail, str) and " / " not in str(detail):
            default = getattr(type(exc), "default_detail", None)
            if isinstance(default, Promise) and str(default) == str(detail):
                response.data["detail"] = str(Bilingual(default))
    return response
