"""The audit log: every create, update and delete of a huren record, with old and new values.

Receivers on ``pre_save``/``post_save``/``post_delete`` write :class:`AuditEntry` rows for the
models of the huren apps and for users and groups, so no code path (API, web, admin, shell)
can change a record unseen. The acting user comes from the request being served
(:class:`AuditUserMiddleware`) or from :func:`acting_as` in commands and tasks.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

AUDITED_APPS = {"accounts", "registry", "evidence", "assessment", "recognition", "dicomnode", "studies", "imagequality"}
# logs of their own (append-only, read-only everywhere): an audit entry for each row would
# double the writes of every login failure and every recognition question
NOT_AUDITED = {"accounts.auditentry", "accounts.loginfailure", "recognition.recognitionquery"}
AUDITED_EXTRA = {"auth.user", "auth.group"}
SECRET_FIELDS = {"password"}

_request: contextvars.ContextVar = contextvars.ContextVar("huren_audit_request", default=None)
_user: contextvars.ContextVar = contextvars.ContextVar("huren_audit_user", default=None)


class AuditUserMiddleware:
    """Remember the request being served so that audit entries name its user.

    The user is read when an entry is written, so token-authenticated API requests (whose
    user DRF sets on the request later) are attributed too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextlib.contextmanager
def acting_as(user):
    """Attribute the changes made inside the block to ``user`` (commands, tasks, tests)."""
    token = _user.set(user)
    try:
        yield
    finally:
        _user.reset(token)


def current_user():
    u = _user.get()
    if u is not None:
        return u
    req = _request.get()
    u = getattr(req, "user", None) if req is not None else None
    return u if getattr(u, "is_authenticated", False) else None


def _label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def is_audited(model) -> bool:
    label = _label(model)
    if label in NOT_AUDITED:
        return False
    return model._meta.app_label in AUDITED_APPS or label in AUDITED_EXTRA


def _jsonable(v):
    if isinstance(v, FieldFile):
        return v.name or None
    return json.loads(json.dumps(v, cls=DjangoJSONEncoder, default=str))


def snapshot(obj) -> dict:
    """The stored field values of ``obj`` as JSON values (foreign keys by id)."""
    out = {}
    for f in obj._meta.concrete_fields:
        key = f.attname
        v = f.value_from_object(obj) if not f.is_relation else getattr(obj, f.attname)
        # a secret is shown only as a short digest of its stored form: a change is visible,
        # the value is not
        out[key] = f"*** {hashlib.sha256(str(v).encode()).hexdigest()[:8]}" if f.name in SECRET_FIELDS and v else _jsonable(v)
    return out


def _diff(old: dict | None, new: dict) -> dict:
    if old is None:
        return {k: [None, v] for k, v in new.items() if v not in (None, "", [], {})}
    return {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}


def _institution_id(obj):
    from huren.accounts.scope import institution_of

    path = getattr(type(obj), "SCOPE", None)
    if path and "__" not in path and hasattr(obj, f"{path}_id") and \
            _label(obj._meta.get_field(path).related_model) == "registry.institution":
        return getattr(obj, f"{path}_id")  # scoped by its institution's foreign key: the id, without reading the row
    try:
        inst = institution_of(obj)
    except Exception:  # a half-built object: the entry is still written, without a scope
        return None
    if inst is None and _label(type(obj)) == "registry.institution":
        return obj.pk
    if inst is None and _label(type(obj)) == "auth.user":
        # a user's changes belong to the institution of its profile
        from huren.accounts.models import Profile

        return Profile.objects.filter(user_id=obj.pk).values_list("institution_id", flat=True).first()
    return getattr(inst, "pk", None)


def write(action: str, obj, changes: dict, note: str = "", user=None) -> None:
    from huren.accounts.models import AuditEntry

    user = user if user is not None else current_user()
    req = _request.get()
    AuditEntry.objects.create(
        user=user,
        username=user.get_username() if user is not None else "",
        ip=(req.META.get("REMOTE_ADDR", "") if req is not None else "")[:45],
        action=action,
        model=_label(type(obj)),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        institution_id=_institution_id(obj),
        changes=changes,
        note=note[:300],
    )


def record_action(obj, note: str, changes: dict | None = None, user=None) -> None:
    """An entry for a workflow step that is more than a field change (submit, decide…)."""
    write("action", obj, changes or {}, note, user)


@receiver(pre_save, dispatch_uid="huren-audit-pre-save")
def _pre_save(sender, instance, raw=False, **kwargs):
    if raw or not is_audited(sender):
        return
    old = None
    if not instance._state.adding and instance.pk is not None:
        prev = sender._base_manager.filter(pk=instance.pk).first()
        old = snapshot(prev) if prev is not None else None
    instance._huren_audit_old = old


@receiver(post_save, dispatch_uid="huren-audit-post-save")
def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw or not is_audited(sender):
        return
    old = None if created else getattr(instance, "_huren_audit_old", None)
    changes = _diff(old, snapshot(instance))
    instance._huren_audit_old = None
    if changes or created:
        write("create" if created else "update", instance, changes)


@receiver(post_delete, dispatch_uid="huren-audit-post-delete")
def _post_delete(sender, instance, **kwargs):
    if not is_audited(sender):
        return
    write("delete", instance, {k: [v, None] for k, v in snapshot(instance).items()})
