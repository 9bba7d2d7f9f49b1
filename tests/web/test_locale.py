"""The Chinese catalog is complete, uses the glossary's words, and the committed .mo says
what the .po says (so a fresh clone shows Chinese without gettext installed)."""

from __future__ import annotations

import gettext
from pathlib import Path

import huren
from huren.web.pofile import mo_messages, read_po, write_mo

import pytest

PACKAGE = Path(huren.__file__).parent
LOCALE = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES"
# The project's catalog and each app's own (an app that brings its pages brings its words).
CATALOGS = sorted(PACKAGE.rglob("locale/zh_Hans/LC_MESSAGES/django.po"))


def test_the_project_catalog_is_large():
    assert len([e for e in read_po(LOCALE / "django.po") if e.msgid and not e.obsolete]) > 300


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_message_is_translated_and_none_is_fuzzy(po):
    entries = [e for e in read_po(po) if e.msgid and not e.obsolete]
    assert [e.msgid for e in entries if not e.translated] == []
    assert [e.msgid for e in entries if e.fuzzy] == []


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_committed_mo_matches_the_po(po):
    committed = gettext.GNUTranslations(open(po.with_suffix(".mo"), "rb"))._catalog
    expected = {k: v for k, v in mo_messages(read_po(po)).items() if k}
    got = {k: v for k, v in committed.items() if k}
    # GNUTranslations splits plural entries into (msgid, n) keys
    plural = {k: v for k, v in expected.items() if "\0" in k}
    single = {k: v for k, v in expected.items() if "\0" not in k}
    assert {k: v for k, v in got.items() if isinstance(k, str)} == single
    for k, v in plural.items():
        assert got[(k.split("\0")[0], 0)] == v


def test_pure_python_compiler_round_trips(tmp_path):
    mo = tmp_path / "django.mo"
    write_mo(read_po(LOCALE / "django.po"), mo)
    t = gettext.GNUTranslations(open(mo, "rb"))
    assert t.gettext("Dashboard") == "工作台"
    assert t.ngettext("%(days)s day", "%(days)s days", 7) == "%(days)s 天"


def test_the_glossary_words_are_used():
    t = gettext.GNUTranslations(open(LOCALE / "django.mo", "rb"))
    glossary = {"pass": "合格", "fail": "不合格", "missing evidence": "缺少证据", "overdue": "逾期",
                "not applicable": "不适用", "qualified": "合格", "rectification required": "限期整改",
                "not qualified": "不合格", "QC centre": "质控中心", "institution": "医疗机构", "device": "设备",
                "baseline": "基线值", "daily log": "日常记录", "checklist": "核查表", "valid until": "有效期至"}
    for en, zh in glossary.items():
        assert t.gettext(en) == zh, en
