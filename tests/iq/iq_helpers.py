"""Helpers for the huren.iq tests."""

from huren.iq import evaluate_study


def run(study_or_datasets, **kw):
    ds = getattr(study_or_datasets, "datasets", study_or_datasets)
    return evaluate_study(ds, **kw)


def results(ev, check):
    return [c.result for c in ev.get(check)]


def failing(ev):
    return sorted({c.check for c in ev.checks if c.result == "fail"})


def assert_bilingual(c):
    assert c.reason_zh and c.reason_en, c
    assert any("\u4e00" <= ch <= "\u9fff" for ch in c.reason_zh), c.reason_zh
