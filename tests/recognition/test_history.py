"""The state history: rules from the catalog, manual actions, retirement, and a property
test that the stored history always equals the history recomputed from scratch."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.recognition.conftest import at, days_ago, decide, measure
from django.db import transaction
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from huren.recognition import history as H
from huren.recognition.models import QualificationAction, StateSpan


def test_rules_come_from_the_catalog():
    from huren.standard.catalog import recognition_rules

    r = recognition_rules()
    assert r.effect("CT-QC-HU-WATER", "fail") == "suspend"
    assert r.effect("CT-EQ-ENV-T", "fail") == "warn"      # a daily-log item only warns
    assert r.effect("CT-QC-HCR", "missing") == "warn"
    assert r.effect("CT-QC-HCR", "pass") is None
    assert r.rectify_grants == "after_retest" and r.overdue_grace_days == 30
    assert [e.code for e in r.exams_for("CT", "BRAIN")] == ["CT-HEAD"]
    assert [e.code for e in r.exams_for("CT", "", "胸部平扫")] == ["CT-CHEST"]
    assert r.exams_for("MR", "CHEST") == [] and r.exams_for("CT", "") == []
    assert [c for c, _, _ in r.reasons][:2] == ["condition_changed", "fast_changing"]


def test_bad_rules_are_refused():
    from huren.standard.catalog import CatalogError, parse_recognition_rules

    base = {"on_fail": "suspend", "on_overdue": "suspend", "on_missing": "warn", "overdue_grace_days": 3,
            "rectify_grants": "after_retest"}
    assert parse_recognition_rules({"recognition": base}, "x").overdue_grace_days == 3
    for bad in ({"on_fail": "explode"}, {"overdue_grace_days": -1}, {"rectify_grants": "maybe"},
                {"warn_items": ["NOPE"]}, {"exam": [{"code": "A", "modality": "PET", "validity_days": 3}]},
                {"exam": [{"code": "A", "modality": "CT", "validity_days": 0}]},
                {"reason": [{"code": "x", "zh": "", "en": "e"}]}):
        with pytest.raises(CatalogError):
            parse_recognition_rules({"recognition": {**base, **bad}}, "x", ["CT-QC-HU-WATER"])


def test_failed_water_suspends_and_a_passing_retest_restores(world):
    ct, a = world.a.ct, world.a
    measure(ct, a.tech, days_ago(12), 1.0)
    d = decide(ct, a.manager, world.evaluator, days_ago(10), "qualified")
    measure(ct, a.tech, days_ago(6), 9.0)   # fails ±4 HU
    measure(ct, a.tech, days_ago(3), 0.5)   # re-test passes
    assert H.state_for(ct, days_ago(8)).state in H.RECOGNISED_STATES
    s = H.state_for(ct, days_ago(5))
    assert s.state == H.SUSPENDED and s.items == ["CT-QC-HU-WATER"] and s.decision_id == d.pk
    assert H.state_for(ct, days_ago(2)).recognised
    assert H.state_for(ct, days_ago(11)).state == H.NEVER
    assert H.stored(ct) == H.recompute_from_scratch(ct)


def test_rectification_grants_only_after_the_retest(world):
    ct, a = world.a.ct, world.a
    measure(ct, a.tech, days_ago(9), 9.0)
    decide(ct, a.manager, world.evaluator, days_ago(8), "rectify")
    assert H.state_for(ct, days_ago(5)).state == H.RECTIFYING
    measure(ct, a.tech, days_ago(4), 1.0)
    s = H.state_for(ct, days_ago(3))
    assert s.state == H.AT_RISK and s.recognised


def test_manual_suspend_reinstate_revoke_and_retirement(world):
    from huren.recognition.actions import act

    ct, a = world.a.ct, world.a
    measure(ct, a.tech, days_ago(12), 1.0)
    decide(ct, a.manager, world.evaluator, days_ago(10), "qualified")
    act(ct, world.evaluator, "suspend", "现场检查发现问题 / found on inspection", at=at(days_ago(7)))
    act(ct, world.evaluator, "reinstate", "已整改 / fixed", at=at(days_ago(5)))
    assert H.state_for(ct, days_ago(6)).state == H.SUSPENDED
    assert H.state_for(ct, days_ago(4)).recognised
    with pytest.raises(Exception):
        act(ct, a.manager, "suspend", "hospital may not")   # only an evaluator
    with pytest.raises(Exception):
        act(ct, world.evaluator, "revoke", "  ")             # a reason is required
    act(ct, world.evaluator, "revoke", "伪造记录 / forged records")
    assert H.state_for(ct, days_ago(0)).state == H.REVOKED
    assert H.state_for(ct, days_ago(4)).recognised           # the past is kept
    ct.active = False
    ct.save()
    assert QualificationAction.objects.filter(device=ct, action="retire").exists()
    assert H.state_for(ct, days_ago(0)).state == H.RETIRED
    assert H.state_for(ct, days_ago(4)).recognised           # in-service dates still answer
    assert H.stored(ct) == H.recompute_from_scratch(ct)


def test_catalog_change_rebuilds(world, settings):
    ct, a = world.a.ct, world.a
    measure(ct, a.tech, days_ago(5), 1.0)
    decide(ct, a.manager, world.evaluator, days_ago(4), "qualified")
    H.ensure_history(ct)
    first = list(StateSpan.objects.filter(device=ct).values_list("id", flat=True))
    H.mark_all_dirty()
    H.ensure_history(ct)
    assert not set(first) & set(StateSpan.objects.filter(device=ct).values_list("id", flat=True))
    assert H.stored(ct) == H.recompute_from_scratch(ct)


EVENT = st.tuples(st.integers(min_value=0, max_value=24),            # days ago
                  st.sampled_from(["pass", "fail", "qualified", "rectify", "not_qualified", "suspend",
                                   "reinstate", "read"]),
                  st.floats(min_value=-3, max_value=3))


@pytest.mark.django_db(transaction=False)
@hsettings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(EVENT, min_size=1, max_size=7))
def test_stored_history_equals_history_from_scratch(world, events):
    """Random evidence, decisions, manual actions and reads in time order: after every step
    the stored (incrementally updated) history equals the one recomputed from scratch."""
    try:
        with transaction.atomic():
            _run(world, events)
            raise _Rollback
    except _Rollback:
        pass


class _Rollback(Exception):
    pass


def _run(world, events):
    from django.core.exceptions import ValidationError

    from huren.recognition.actions import act

    ct, a = world.a.ct, world.a
    if True:
        for n, kind, x in sorted(events, key=lambda e: -e[0]):
            day = days_ago(n)
            if kind in ("pass", "fail"):
                measure(ct, a.tech, day, x if kind == "pass" else 8 + abs(x))
            elif kind in ("qualified", "rectify", "not_qualified"):
                decide(ct, a.manager, world.evaluator, day, kind)
            elif kind in ("suspend", "reinstate"):
                try:
                    act(ct, world.evaluator, kind, "随机 / random", at=at(day, 16))
                except ValidationError:
                    pass  # nothing to suspend or reinstate yet
            H.ensure_history(ct) if kind == "read" or x > 1 else None
            # time moves on: the history also stays equal when read on any day
        H.ensure_history(ct)
        assert H.stored(ct) == H.recompute_from_scratch(ct)
        spans = H.stored(ct)
        for prev, nxt in zip(spans, spans[1:]):
            assert nxt[0] == prev[1] + dt.timedelta(days=1)   # contiguous, no overlaps
