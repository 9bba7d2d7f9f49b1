"""The evidence read once for many days (what the state history judges years with) is, for
every day, exactly what :func:`gather` reads for that day alone: the same rows in the same
order — with late entries, corrections recorded later, logs before the window, the periodic
ticks of a date metric, department-wide records, documents, checklist answers and shielding."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from tests.recognition.conftest import at, days_ago

from huren.assessment.verdicts import EvidenceHistory, gather, judge_all, current_catalog

KINDS = ["log", "log_tick", "late_log", "measure", "dept_measure", "correct", "check", "doc", "shield"]
EVENT = st.tuples(st.integers(min_value=0, max_value=50), st.sampled_from(KINDS), st.integers(min_value=0, max_value=9))


def _fingerprint(ev) -> tuple:
    ids = lambda rows: [r.pk for r in rows]  # noqa: E731
    return (ids(ev.measurements), ids(ev.logs), ids(ev.checks), ids(ev.documents), ev.window_start,
            sorted(ev.last_done.items()), sorted((s.pk for s in ev.shielding)), sorted(ev.register))


class _Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=False)
@hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(EVENT, min_size=1, max_size=14))
def test_each_day_of_the_evidence_history_is_what_gather_reads(world, events, settings):
    settings.HUREN_LOG_WINDOW_DAYS = 10  # a short window so that logs fall before it
    try:
        with transaction.atomic():
            _check(world, events)
            raise _Rollback
    except _Rollback:
        pass


def _check(world, events):
    from huren.evidence.models import ChecklistAnswer, DailyLog, Document, Measurement
    from huren.registry.models import Room, ShieldingMeasurement

    ct, a = world.a.ct, world.a
    room = Room.objects.create(department=a.department, name="CT 室", kind=Room.Kind.EXAM)
    made = []
    for n, kind, x in events:
        day = days_ago(n)
        late = min(n, x % 4)  # recorded 0–3 days after it was performed
        if kind in ("log", "log_tick", "late_log"):
            r = DailyLog(device=ct, recorded_by=a.tech, performed_on=day, temperature_c=20 + x, warm_up_done=True,
                         system_log_reviewed=True if kind == "log_tick" else None)
            r.recorded_at = at(day + dt.timedelta(days=late if kind == "late_log" else 0), 8 + x)
        elif kind in ("measure", "dept_measure"):
            r = Measurement(device=ct if kind == "measure" else None, department=a.department, recorded_by=a.tech,
                            performed_on=day, item="CT-QC-HU-WATER", metric="ct_number_water", value=x - 4.5,
                            unit="HU", test_type="status")
            r.recorded_at = at(day + dt.timedelta(days=late), 9)
        elif kind == "correct":
            old = next((m for m in reversed(made) if not hasattr(m, "_corrected")), None)
            if old is None:
                continue
            r = type(old)(**{f.attname: getattr(old, f.attname) for f in old._meta.concrete_fields
                             if f.name not in ("id", "recorded_at", "supersedes")})
            r.supersedes = old
            old._corrected = True
            r.recorded_at = old.recorded_at + dt.timedelta(days=x % 5, hours=1)
            if r.recorded_at > at(days_ago(0), 23):
                continue
        elif kind == "check":
            r = ChecklistAnswer(device=ct, recorded_by=a.tech, performed_on=day, item="CT-EQ-PERF",
                                answer="yes" if x % 2 else "no")
            r.recorded_at = at(day, 11)
        elif kind == "doc":
            r = Document(device=ct, recorded_by=a.tech, performed_on=day, items=["CT-EQ-PERF"], title=f"报告 {x}",
                         file="x.pdf", valid_until=day + dt.timedelta(days=x * 5))
            r.recorded_at = at(day, 12)
        else:
            ShieldingMeasurement.objects.create(room=room, position="wall", label=f"墙 {x % 2}",
                                                lead_equivalence_mm=2 + x / 10, measured_on=day)
            continue
        r.save()
        made.append(r)
    first = min(days_ago(n) for n, _, _ in events) - dt.timedelta(days=3)
    history = EvidenceHistory(ct, days_ago(0))
    catalog = current_catalog()
    day = first
    while day <= days_ago(0):
        once, alone = history.on(day), gather(ct, day)
        assert _fingerprint(once) == _fingerprint(alone), day
        assert [v.to_dict() for v in judge_all(once, catalog)] == [v.to_dict() for v in judge_all(alone, catalog)], day
        day += dt.timedelta(days=1)
