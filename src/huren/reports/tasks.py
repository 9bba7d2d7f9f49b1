"""The daily digest as a background task (``django.tasks``). The worker (``db_worker``,
started by ``huren serve``) runs it; after each run it schedules the next for the next
morning (``HUREN_DIGEST_HOUR``, 7 o'clock local time) where the backend can defer.
``huren send_digest`` runs it now; ``migrate`` (so every ``huren serve``) schedules it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.tasks import default_task_backend, task
from django.utils import timezone


def next_run(now: dt.datetime | None = None) -> dt.datetime:
    now = timezone.localtime(now or timezone.now())
    hour = int(getattr(settings, "HUREN_DIGEST_HOUR", 7))
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + dt.timedelta(days=1)


def _pending() -> bool:
    try:
        from django_tasks_db.models import DBTaskResult
    except (ImportError, RuntimeError):
        return False
    return DBTaskResult.objects.filter(task_path=daily_digest.module_path, status="READY").exists()


def schedule_digest() -> None:
    """Queue the next digest (once: a pending one is not duplicated). Called after each
    ``migrate`` (``huren serve`` migrates at every start) and after each digest."""
    if not default_task_backend.supports_defer or _pending():
        return
    daily_digest.using(run_after=next_run()).enqueue()


@task()
def daily_digest() -> dict:
    from huren.reports.digest import run_digest

    r = run_digest()
    schedule_digest()
    return {"devices": r.devices, "reminders": r.reminders, "emails": r.emails, "notifications": r.notifications}
