"""The web side of issue 8: check names (never codes) on the pages, the IQ section of the device
page and the assessment, the rules page, the nav and the tasks pager, the sampling-rule form, and
the score sheet's rows against the seed's 图像质量实时评价 chapters."""

from __future__ import annotations

import datetime as dt
import re
from itertools import count
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from huren.imagequality.models import CheckResult, Evaluation, RulesVersion, SampleStudy, SamplingRule, ScoreSheet
from huren.imagequality.sampling import draw_sample
from huren.imagequality.scoring import item_grades, sheet_criteria, submit
from huren.imagequality.verdicts import item_figures
from huren.iq import CHECKS
from huren.iq.names import check_label, check_names
from huren.studies.models import Study
from tests.web.test_no_codes import visible_text

_uid = count(1)
SEED = Path("/work/shared/seed/taiyuan-mutual-recognition-standard.zh.txt")


def client(user):
    c = Client()
    c.force_login(user)
    return c


def codes_in(text: str, codes) -> set[str]:
    return {c for c in codes if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", text)}


def study(device, day=None, body_part="HEAD"):
    day = day or timezone.localdate()
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    return Study.objects.create(study_instance_uid=f"1.2.826.0.9.{next(_uid)}", device=device, study_date=day,
                                modality=device.modality, body_part=body_part, first_received_at=at, last_received_at=at)


def evaluated(s, results: dict[str, str]):
    """A finished evaluation of ``s`` with the given check → result, each answering its CT/MR/DR item."""
    from huren.imagequality.rules import item_of_check

    items = item_of_check()
    ev = Evaluation.objects.create(study=s, status="done", queued_at=timezone.now(), finished_at=timezone.now(),
                                   outcome="fail" if "fail" in results.values() else "pass",
                                   failed_checks=sorted(k for k, v in results.items() if v == "fail"))
    for check, r in results.items():
        CheckResult.objects.create(evaluation=ev, check_name=check, item=items.get((check, s.modality), ""), result=r,
                                   reason_zh="原因", reason_en="reason")
    return ev


# ---- 1. check names ----------------------------------------------------------------------

def test_names_table_covers_every_check_in_both_languages():
    names = check_names()
    assert set(names) == set(CHECKS)
    for code, n in names.items():
        assert n["zh"] and n["en"] and n["zh"] != code and n["en"] != code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in n["zh"])
    assert check_label("slice_order") == "解剖顺序" and check_label("slice_order", zh=False) == "Anatomical order of slices"
    assert check_label("not_a_check") == "not_a_check"


def test_no_check_code_is_visible_on_the_study_pages_and_sheet(site, immediate):
    from huren.synth.clinical import ct_study

    immediate(ct_study(n_slices=12, matrix=256, missing=(5,), seed=2), site.a.CT)
    s = Study.objects.get(device=site.a.CT)
    ev = s.iq_evaluations.filter(status="done").latest("id")
    used = set(ev.checks.values_list("check_name", flat=True))
    assert {"matrix", "missing_slices"} <= set(ev.failed_checks) and len(used) > 8
    rule = SamplingRule.objects.create(device=site.a.CT, per_period=1)
    draw_sample(rule, s.first_received_at.date(), seed=1)
    e = SampleStudy.objects.get(study=s)
    pages = {
        "list": (site.a.manager, "/studies/"),
        "failed filter": (site.a.manager, "/studies/?check=missing_slices"),
        "study": (site.a.manager, f"/studies/{s.pk}/"),
        "sheet": (e.expert, f"/iq/sheets/{e.pk}/"),
    }
    for name, (user, url) in pages.items():
        zh = client(user).get(url)
        assert zh.status_code == 200, name
        html = zh.content.decode()
        text = visible_text(html)
        # no code anywhere as text (codes that are also English words, e.g. "labels", may occur in the
        # English rule text: those are looked for as an element's text or a finding's name)
        assert not codes_in(text, [c for c in CHECKS if "_" in c]), (name, codes_in(text, CHECKS))
        shown = {c for c in CHECKS if re.search(rf">\s*{c}\s*(<|:|\()", html)}
        assert not shown, (name, shown)
        assert check_label("missing_slices") in text, name
        en_client = client(user)
        en_client.cookies["django_language"] = "en"
        en = visible_text(en_client.get(url).content.decode())
        assert not codes_in(en, [c for c in CHECKS if "_" in c]), name
        assert check_label("missing_slices", zh=False) in en, name


# ---- 2. the IQ section of the device page and the assessment --------------------------------

def _iq_history(site):
    dev = site.a.CT
    for i in range(4):   # 3 of 4 pass CT-IQ-ORDER
        evaluated(study(dev), {"slice_order": "pass", "missing_slices": "fail" if i == 0 else "pass", "matrix": "pass"})
    [failed] = [e for e in Evaluation.objects.filter(study__device=dev) if "missing_slices" in e.failed_checks]
    rule = SamplingRule.objects.create(device=dev, per_period=2)
    draw_sample(rule, timezone.localdate(), seed=4)
    grades = {c.key: 2 for c in sheet_criteria("CT")}
    entries = list(SampleStudy.objects.filter(sample__device=dev))
    submit(entries[0], entries[0].expert, grades, 2)
    submit(entries[1], entries[1].expert, {**grades, "CT-IQ-ORDER": 1}, 1)
    return dev, failed


def _row(page: str, item: str) -> str:
    m = re.search(rf'<tr data-item="{item}">(.*?)</tr>', page, re.S)
    assert m, item
    return m.group(1)


def test_device_page_shows_iq_figures_and_evidence(site):
    dev, failed = _iq_history(site)
    f = item_figures("CT-IQ-ORDER", dev, timezone.localdate())
    assert (len(f.judged), len(f.passed), len(f.sheets), len(f.good)) == (4, 3, 2, 1)
    page = client(site.a.manager).get(f"/devices/{dev.pk}/").content.decode()
    assert 'id="iq-items"' in page
    row = _row(page, "CT-IQ-ORDER")
    nums = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert nums == ["4", "3", "75 %", "2", "50 %"]
    assert f"/studies/{failed.study_id}/" in row
    # the hospital sees the sheets through the study pages; the QC centre through the sheets
    assert "/iq/sheets/" not in row and row.count("/studies/") == 3
    centre = _row(client(site.qc_admin).get(f"/devices/{dev.pk}/").content.decode(), "CT-IQ-ORDER")
    assert centre.count("/iq/sheets/") == 2
    # an item whose checks were not run: no rate; its expert part still counts
    rng = _row(page, "CT-IQ-RANGE")
    assert re.findall(r'<td class="num">([^<]*)</td>', rng) == ["0", "0", "—", "2", "100 %"]
    # an item no automatic check answers says so
    dr = client(site.a.manager).get(f"/devices/{site.a.DR.pk}/").content.decode()
    en = client(site.a.manager)
    en.cookies["django_language"] = "en"
    assert "no automatic check" in en.get(f"/devices/{site.a.DR.pk}/").content.decode()
    assert re.findall(r'<td class="num">([^<]*)</td>', _row(dr, "DR-IQ-ARTIFACT")) == ["0", "—"]
    # another hospital cannot see the device at all
    assert client(site.b.manager).get(f"/devices/{dev.pk}/").status_code == 404


def test_assessment_review_and_decision_show_the_iq_section(site):
    from huren.assessment import workflow

    dev, _ = _iq_history(site)
    a = workflow.submit(workflow.create(dev, site.a.manager), site.a.manager)
    for user in (site.a.manager, site.evaluator):   # the hospital's view, the reviewer's (review + decision form)
        page = client(user).get(f"/assessments/{a.pk}/").content.decode()
        assert 'id="iq-items"' in page
        nums = re.findall(r'<td class="num">([^<]*)</td>', _row(page, "CT-IQ-ORDER"))
        assert nums == ["4", "3", "75 %", "2", "50 %"]


# ---- 3. the rules page ------------------------------------------------------------------------

def test_rules_page_shows_rules_sources_and_assumptions(site):
    page = client(site.a.tech).get("/iq/rules/").content.decode()
    assert 'data-rule="ct.matrix"' in page and "min px = 512" in page and "CT · 矩阵" in page and "矩阵≥512×512" in page
    row = re.search(r'<tr data-rule="ct.fov">(.*?)</tr>', page, re.S).group(1)
    assert "需质控中心确认" in row or "ASSUMPTION" in row
    matrix = re.search(r'<tr data-rule="ct.matrix">(.*?)</tr>', page, re.S).group(1)
    assert "badge warn" not in matrix          # the seed's own figure is not an assumption
    assert check_label("slice_order") in page  # the items table names the checks
    assert 'enctype="multipart/form-data"' not in page  # no upload form for a hospital


def _toml(min_px=384):
    from huren.imagequality.rules import shipped_text

    return shipped_text().replace("min_px = 512", f"min_px = {min_px}").replace('name = "taiyuan-trial"', 'name = "trial-v2"')


def test_hospital_roles_may_not_upload(site):
    from django.core.files.uploadedfile import SimpleUploadedFile

    for user in (site.a.manager, site.a.tech, site.evaluator):
        r = client(user).post("/iq/rules/", {"file": SimpleUploadedFile("r.toml", _toml().encode())})
        assert r.status_code == 403
    assert not RulesVersion.objects.exists()


def test_qc_admin_uploads_a_version_and_bad_files_are_refused(site):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from huren.imagequality.rules import in_force

    c = client(site.qc_admin)
    r = c.post("/iq/rules/", {"file": SimpleUploadedFile("r.toml", b"schema = [unclosed"), "note": "x"})
    assert r.status_code == 400 and "不是有效的 TOML" in r.content.decode() and "not valid TOML" in r.content.decode()
    r = c.post("/iq/rules/", {"file": SimpleUploadedFile("r.toml", b"\xff\xfe\x00")})
    assert r.status_code == 400 and "UTF-8" in r.content.decode()
    assert not RulesVersion.objects.exists()
    r = c.post("/iq/rules/", {"file": SimpleUploadedFile("r.toml", _toml().encode()), "note": "第二版"})
    assert r.status_code == 302
    v = RulesVersion.objects.get()
    assert v.active and v.uploaded_by == site.qc_admin and in_force().rules.section("ct.matrix")["min_px"] == 384
    page = c.get("/iq/rules/").content.decode()
    assert "min px = 384" in page and "第二版" in page and v.sha256[:12] in page
    assert c.get(f"/iq/rules/{v.pk}.toml").content.decode() == _toml()
    from huren.accounts.models import AuditEntry
    assert AuditEntry.objects.filter(model="imagequality.rulesversion", object_id=str(v.pk)).exists()


# ---- 4. nav and pager ------------------------------------------------------------------------

def test_nav_links_and_tasks_pager(site):
    assert 'href="/iq/tasks/"' in client(site.evaluator).get("/", follow=True).content.decode()
    hospital = client(site.a.manager).get("/", follow=True).content.decode()
    assert 'href="/iq/tasks/"' not in hospital and 'href="/studies/"' in hospital
    for _ in range(120):
        study(site.a.CT, dt.date(2026, 5, 10))
    draw_sample(SamplingRule.objects.create(device=site.a.CT, per_period=110), dt.date(2026, 5, 1), seed=1)
    mine = SampleStudy.objects.filter(expert=site.evaluator).count()
    assert mine > 50
    c = client(site.evaluator)
    first, second = c.get("/iq/tasks/").content.decode(), c.get("/iq/tasks/?page=2").content.decode()
    assert first.count("/iq/sheets/") == 50 and second.count("/iq/sheets/") == mine - 50
    assert "?page=2" in first and "1 / 2" in first


# ---- 5. sampling rules -----------------------------------------------------------------------

def test_sampling_rules_create_edit_audited_and_draw(site):
    from huren.accounts.models import AuditEntry

    c = client(site.qc_admin)
    assert c.get("/iq/sampling/").status_code == 200
    r = c.post("/iq/sampling/", {"device": "", "modality": "", "per_period": "5", "period": "quarter"})
    assert r.status_code == 400 and "请选择设备或设备类型" in r.content.decode() and not SamplingRule.objects.exists()
    r = c.post("/iq/sampling/", {"device": site.a.DR.pk, "per_period": "0", "period": "quarter"})
    assert r.status_code == 400 and not SamplingRule.objects.exists()
    r = c.post("/iq/sampling/", {"device": site.a.DR.pk, "per_period": "3", "period": "quarter",
                                 "stratify_by_body_part": "on", "active": "on"})
    assert r.status_code == 302
    rule = SamplingRule.objects.get()
    assert (rule.device, rule.per_period, rule.stratify_by_body_part, rule.created_by) == (site.a.DR, 3, True, site.qc_admin)
    r = c.post(f"/iq/sampling/{rule.pk}/", {"device": site.a.DR.pk, "per_period": "4", "period": "month", "active": "on"})
    assert r.status_code == 302
    rule.refresh_from_db()
    assert (rule.per_period, rule.period, rule.stratify_by_body_part) == (4, "month", False)
    entries = AuditEntry.objects.filter(model="imagequality.samplingrule", object_id=str(rule.pk))
    assert {"create", "update", "action"} <= set(entries.values_list("action", flat=True))
    assert all(e.user == site.qc_admin for e in entries)
    study(site.a.DR, dt.date(2026, 5, 10), "CHEST")
    page = c.get("/iq/sampling/").content.decode()
    assert f"/iq/sampling/{rule.pk}/draw/" in page and "DR-a" in page
    r = c.post(f"/iq/sampling/{rule.pk}/draw/", {"date": "2026-05-12", "next": "sampling"})
    assert r.status_code == 302 and r["Location"] == "/iq/sampling/"
    assert SampleStudy.objects.filter(sample__rule=rule).count() == 1


@pytest.mark.parametrize("who", ["a_manager", "evaluator"])
def test_sampling_rules_are_the_centre_admins(site, who):
    user = {"a_manager": site.a.manager, "evaluator": site.evaluator}[who]
    c = client(user)
    assert c.get("/iq/sampling/").status_code == 403
    assert c.post("/iq/sampling/", {"device": site.a.DR.pk, "per_period": "3", "period": "quarter"}).status_code == 403
    assert not SamplingRule.objects.exists()


# ---- 6. the score sheet's rows are the seed's criteria ------------------------------------------

def seed_criteria() -> dict[str, list[str]]:
    """Each part's 图像质量实时评价 criteria, in order: the (一)… lines, and a heading's numbered lines
    in its place."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    out, part = {}, None
    modality_of = {"第一部分": "DR", "第二部分": "CT", "第三部分": "MR"}
    current = None
    for raw in lines:
        line = raw.strip()
        for k, m in modality_of.items():
            if line.startswith(k):
                part, current = m, None
        if line == "三、图像质量实时评价":
            current = out.setdefault(part, [])
            continue
        if current is None:
            continue
        if m := re.match(r"^[(（][一二三四五六七八九十]+[)）](.*)$", line):
            text = m.group(1)
            if not re.search(r"[:：]$", text):
                current.append(text)
        elif m := re.match(r"^\d+\.(.*)$", line):
            current.append(m.group(1))
        elif line:
            current = None
    return out


def test_sheet_rows_are_the_seeds_criteria_exactly():
    seed = seed_criteria()
    assert {k: len(v) for k, v in seed.items()} == {"DR": 5, "CT": 6, "MR": 7}
    for modality, texts in seed.items():
        assert [c.text_zh for c in sheet_criteria(modality)] == texts, modality


def test_mr_sheet_grades_each_of_seven_criteria_and_the_item_takes_the_lowest(site):
    for _ in range(2):
        study(site.a.MR, dt.date(2026, 5, 10))
    draw_sample(SamplingRule.objects.create(device=site.a.MR, per_period=1), dt.date(2026, 5, 1), seed=2)
    e = SampleStudy.objects.get()
    c = client(e.expert)
    page = c.get(f"/iq/sheets/{e.pk}/").content.decode()
    assert page.count("<select name=\"grade_") == 7
    for cr in sheet_criteria("MR"):
        assert cr.text_zh in page
    form = {f"grade_{cr.key}": 3 for cr in sheet_criteria("MR")}
    form["grade_MR-IQ-QUALITY.3"] = 1
    assert c.post(f"/iq/sheets/{e.pk}/", {**form, "overall": 2}).status_code == 302
    sheet = ScoreSheet.objects.get()
    assert sheet.grades["MR-IQ-QUALITY"] == 1 and sheet.grades["MR-IQ-QUALITY.3"] == 1
    assert sheet.grades["MR-IQ-QUALITY.1"] == 3 and sheet.grades["MR-IQ-PROTOCOL"] == 3
    del form["grade_MR-IQ-QUALITY.2"]
    r = c.post(f"/iq/sheets/{e.pk}/", {**form, "overall": 2})
    assert r.status_code == 400 and ScoreSheet.objects.count() == 1
    assert item_grades("CT", {cr.key: 2 for cr in sheet_criteria("CT")}) == {cr.key: 2 for cr in sheet_criteria("CT")}


def test_iq_figures_read_once_for_many_days_equal_each_days_own_reading(site):
    """What the state history judges years with (:class:`FiguresHistory`) is, day by day, what
    one day's answer reads: studies received over 120 days, evaluations (a study re-evaluated:
    the latest counts), passes and failures, score sheets and a superseded one."""
    import random

    from huren.imagequality.verdicts import FiguresHistory, items_figures

    rng = random.Random(7)
    dev = site.a.CT
    items = ["CT-IQ-DISPLAY", "CT-IQ-ORDER", "CT-IQ-ARTIFACT", "CT-IQ-RES"]
    today = timezone.localdate()
    for k in range(40):
        s = study(dev, day=today - dt.timedelta(days=rng.randrange(120)))
        for _ in range(1 + (k % 3 == 0)):
            evaluated(s, {"matrix": rng.choice(["pass", "pass", "fail"]), "slice_order": rng.choice(["pass", "not_evaluable"])})
        if k % 4 == 0:
            sheet = ScoreSheet.objects.create(study=s, expert=site.evaluator, grades={"CT-IQ-ARTIFACT": rng.choice([1, 2, 3])},
                                              overall=2)
            if k % 8 == 0:
                ScoreSheet.objects.create(study=s, expert=site.evaluator, grades={"CT-IQ-ARTIFACT": 3}, overall=3,
                                          supersedes=sheet)
    ahead = FiguresHistory(dev, items, today)
    seen = 0
    for back in range(0, 130, 3):
        day = today - dt.timedelta(days=back)
        a, b = ahead.on(day), items_figures(items, dev, day)
        for i in items:
            fa, fb = a[i], b[i]
            assert (fa.evaluations, fa.judged, fa.passed, [s.pk for s in fa.sheets], [s.pk for s in fa.good]) == \
                   (fb.evaluations, fb.judged, fb.passed, [s.pk for s in fb.sheets], [s.pk for s in fb.good]), (i, day)
            seen += len(fb.judged) + len(fb.sheets)
    assert seen > 100  # the days compared held evaluations and sheets
