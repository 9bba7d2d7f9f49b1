"""Data scope: the ONE place that decides which institutions' records a user may see.

Every scoped model names the path from itself to its institution in ``SCOPE`` (``""`` for
:class:`~huren.registry.models.Institution` itself) and uses :class:`ScopedQuerySet` as its
manager, so ``Model.objects.for_user(user)`` is the only way views, the API and exports
list records. A QC-centre user (administrator or evaluator) sees the centre and every
institution under it; a hospital user sees its own institution only; a user without a
profile sees nothing.
"""

from __future__ import annotations

from django.db import models

from huren.accounts.roles import is_centre_user

_ALL = object()


def institution_ids(user):
    """The ids of the institutions ``user`` may see, or ``None`` for all of them."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, "_huren_scope", _ALL)
    if cached is not _ALL:
        return cached
    from huren.accounts.models import Profile
    from huren.registry.models import Institution

    profile = Profile.objects.filter(user=user).select_related("institution").first()
    if profile is None or profile.institution_id is None:
        ids: frozenset[int] = frozenset()
    elif is_centre_user(user) and profile.institution.kind == Institution.Kind.QC_CENTRE:
        # The centre and its tree below (centre → district centre → hospital at most).
        found = {profile.institution_id}
        frontier = {profile.institution_id}
        while frontier:
            frontier = set(Institution.objects.filter(parent_id__in=frontier).values_list("id", flat=True)) - found
            found |= frontier
        ids = frozenset(found)
    else:
        ids = frozenset({profile.institution_id})
    user._huren_scope = ids
    return ids


def for_user(queryset: models.QuerySet, user) -> models.QuerySet:
    """``queryset`` restricted to the records ``user`` may see."""
    ids = institution_ids(user)
    if ids is None:
        return queryset
    path = queryset.model.SCOPE
    key = f"{path}__in" if path else "pk__in"
    return queryset.filter(**{key: ids})


def institution_of(obj):
    """The institution a scoped object belongs to (following its ``SCOPE`` path)."""
    path = getattr(type(obj), "SCOPE", None)
    if path is None:
        return None
    cur = obj
    if path:
        for part in path.split("__"):
            cur = getattr(cur, part, None)
            if cur is None:
                return None
    return cur


def can_see(user, obj) -> bool:
    ids = institution_ids(user)
    if ids is None:
        return True
    inst = institution_of(obj)
    return inst is not None and inst.pk in ids


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user) -> models.QuerySet:
        return for_user(self, user)
