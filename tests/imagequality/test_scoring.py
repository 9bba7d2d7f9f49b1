"""Sampling (reproducible, stratified, scoped to period and device, centre experts only)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from itertools import count

import pytest
from django.core.management import call_command
from django.utils import timezone

from huren.accounts.roles import CENTRE_ROLES, roles_of
from huren.imagequality.models import Sample, SampleStudy, SamplingRule
from huren.imagequality.sampling import SamplingError, allocate, draw_sample, period_of
from huren.studies.models import Study

_uid = count(1)


def study(device, day, body_part="CHEST"):
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    return Study.objects.create(study_instance_uid=f"1.2.826.0.1.{next(_uid)}", device=device, study_date=day,
                                modality=device.modality, body_part=body_part, first_received_at=at,
                                last_received_at=at)


def population(site, device):
    """Q2 2026: 60 CHEST, 30 ABDOMEN, 10 HEAD; plus studies outside the period and of another device."""
    day = dt.date(2026, 5, 10)
    for bp, n in (("CHEST", 60), ("ABDOMEN", 30), ("HEAD", 10)):
        for _ in range(n):
            study(device, day, bp)
    for _ in range(20):
        study(device, dt.date(2026, 3, 31), "HEAD")   # Q1
        study(device, dt.date(2026, 7, 1), "HEAD")    # Q3
        study(site.b.CT, day, "HEAD")                 # another device


def test_period_of():
    assert period_of(dt.date(2026, 5, 10), "quarter") == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert period_of(dt.date(2026, 12, 31), "quarter") == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert period_of(dt.date(2026, 2, 3), "month") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    with pytest.raises(SamplingError):
        period_of(dt.date(2026, 2, 3), "week")


def test_allocate_is_proportional_and_bounded():
    assert allocate({"A": 60, "B": 30, "C": 10}, 10) == {"A": 6, "B": 3, "C": 1}
    assert allocate({"A": 5, "B": 5, "C": 1}, 3) == {"A": 2, "B": 1, "C": 0}  # tie on remainder → by name
    assert allocate({"A": 2, "B": 1}, 10) == {"A": 2, "B": 1}
    assert sum(allocate({"A": 7, "B": 3, "C": 3}, 4).values()) == 4


def test_draw_is_stratified_in_period_and_device(site):
    population(site, site.a.CT)
    rule = SamplingRule.objects.create(device=site.a.CT, per_period=10, period="quarter")
    [d] = draw_sample(rule, dt.date(2026, 5, 1), seed=12345)
    s = d.sample
    assert d.created and s.population == 100 and s.seed == 12345
    assert (s.period_start, s.period_end) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    entries = list(s.entries.select_related("study"))
    assert len(entries) == 10
    assert Counter(e.study.body_part for e in entries) == {"CHEST": 6, "ABDOMEN": 3, "HEAD": 1}
    assert all(e.stratum == e.study.body_part for e in entries)
    assert all(e.study.device_id == site.a.CT.id for e in entries)
    assert all(dt.date(2026, 4, 1) <= e.study.first_received_at.date() <= dt.date(2026, 6, 30) for e in entries)
    assert s.strata["CHEST"] == {"received": 60, "drawn": 6}


def test_draw_is_reproducible_and_seed_matters(site):
    population(site, site.a.CT)
    r1 = SamplingRule.objects.create(device=site.a.CT, per_period=10)
    r2 = SamplingRule.objects.create(device=site.a.CT, per_period=10)
    r3 = SamplingRule.objects.create(device=site.a.CT, per_period=10)
    day = dt.date(2026, 5, 1)
    ids = [sorted(draw_sample(r, day, seed=sd)[0].sample.entries.values_list("study_id", flat=True))
           for r, sd in ((r1, 7), (r2, 7), (r3, 8))]
    assert ids[0] == ids[1]
    assert ids[0] != ids[2]
    # a second draw for the same period is the one already made
    again = draw_sample(r1, day, seed=99)[0]
    assert not again.created and again.sample.seed == 7


def test_assigned_round_robin_to_centre_evaluators_only(site):
    population(site, site.a.CT)
    rule = SamplingRule.objects.create(device=site.a.CT, per_period=10)
    s = draw_sample(rule, dt.date(2026, 5, 1), seed=1)[0].sample
    experts = Counter(e.expert.username for e in s.entries.select_related("expert"))
    assert experts == {"evaluator": 5, "evaluator2": 5}
    for e in s.entries.select_related("expert__profile__institution"):
        assert e.expert.profile.institution.kind == "qc_centre"
        assert roles_of(e.expert) & set(CENTRE_ROLES)


def test_hospital_user_with_evaluator_group_is_never_assigned(site):
    from django.contrib.auth.models import Group

    site.a.tech.groups.add(Group.objects.get_or_create(name="evaluator")[0])
    population(site, site.a.CT)
    rule = SamplingRule.objects.create(device=site.a.CT, per_period=10)
    s = draw_sample(rule, dt.date(2026, 5, 1), seed=1)[0].sample
    assert not s.entries.filter(expert=site.a.tech).exists()


def test_no_evaluator_is_a_clear_error(site):
    site.evaluator.is_active = site.evaluator2.is_active = False
    site.evaluator.save()
    site.evaluator2.save()
    rule = SamplingRule.objects.create(device=site.a.CT, per_period=10)
    with pytest.raises(SamplingError) as e:
        draw_sample(rule, dt.date(2026, 5, 1))
    assert "evaluator" in e.value.en and e.value.zh
    assert not Sample.objects.exists()


def test_modality_rule_draws_every_device_and_command(site):
    population(site, site.a.CT)
    rule = SamplingRule.objects.create(modality="CT", per_period=4, period="month")
    out = io.StringIO()
    call_command("iq_sample", "--date", "2026-05-20", "--seed", "5", stdout=out)
    assert Sample.objects.filter(rule=rule).count() == 2
    assert out.getvalue().count("drawn") == 2 and "seed=5" in out.getvalue()
    a = Sample.objects.get(rule=rule, device=site.a.CT)
    assert a.entries.count() == 4 and a.population == 100
    assert SampleStudy.objects.filter(sample__device=site.b.CT).count() == 4


# ---- score sheets -------------------------------------------------------------------------

from django.test import Client  # noqa: E402

from huren.imagequality.models import ScoreSheet, SheetImmutable  # noqa: E402
from huren.imagequality.scoring import criteria  # noqa: E402

CT_ITEMS = ["CT-IQ-RANGE", "CT-IQ-DISPLAY", "CT-IQ-RES", "CT-IQ-ORDER", "CT-IQ-PHASE", "CT-IQ-ARTIFACT"]


def drawn_entry(site):
    for _ in range(3):
        study(site.a.CT, dt.date(2026, 5, 10), "HEAD")
    rule = SamplingRule.objects.create(device=site.a.CT, per_period=2)
    draw_sample(rule, dt.date(2026, 5, 1), seed=3)
    return SampleStudy.objects.filter(expert=site.evaluator).first()


def client(user):
    c = Client()
    c.force_login(user)
    return c


def form(grade=2, overall=2, comment="ok"):
    return {**{f"grade_{i}": grade for i in CT_ITEMS}, "overall": overall, "comment": comment}


def test_criteria_are_the_catalog_iq_items_per_modality():
    assert [i.id for i in criteria("CT")] == CT_ITEMS
    assert [i.id for i in criteria("DR")] == ["DR-IQ-RANGE", "DR-IQ-RES", "DR-IQ-POS", "DR-IQ-ARTIFACT", "DR-IQ-LABEL"]
    assert [i.id for i in criteria("MR")][:2] == ["MR-IQ-PROTOCOL", "MR-IQ-RANGE"]


def test_assigned_expert_scores_and_correction_supersedes(site):
    e = drawn_entry(site)
    c = client(site.evaluator)
    r = c.get(f"/iq/sheets/{e.pk}/")
    assert r.status_code == 200 and "CT-IQ-PHASE" in r.content.decode()
    assert c.post(f"/iq/sheets/{e.pk}/", form(2, 2)).status_code == 302
    first = ScoreSheet.objects.get(sample_entry=e)
    assert first.grades == dict.fromkeys(CT_ITEMS, 2) and first.overall == 2 and first.expert == site.evaluator
    assert c.post(f"/iq/sheets/{e.pk}/", form(1, 1)).status_code == 302
    second = ScoreSheet.objects.exclude(pk=first.pk).get(sample_entry=e)
    assert second.supersedes == first and second.overall == 1
    first.comment = "changed"
    with pytest.raises(SheetImmutable):
        first.save()
    assert "ok" == ScoreSheet.objects.get(pk=first.pk).comment
    assert e.study.accession_number in c.get("/iq/tasks/").content.decode() or str(e.pk) in c.get("/iq/tasks/").content.decode()


def test_bad_grades_are_refused_with_a_message(site):
    e = drawn_entry(site)
    c = client(site.evaluator)
    r = c.post(f"/iq/sheets/{e.pk}/", form(7, 2))
    assert r.status_code == 400 and not ScoreSheet.objects.exists()
    bad = form()
    del bad["grade_CT-IQ-RES"]
    assert c.post(f"/iq/sheets/{e.pk}/", bad).status_code == 400 and not ScoreSheet.objects.exists()


@pytest.mark.parametrize("who", ["a_manager", "a_tech", "b_manager", "evaluator2"])
def test_others_can_never_score(site, who):
    e = drawn_entry(site)
    user = {"a_manager": site.a.manager, "a_tech": site.a.tech, "b_manager": site.b.manager,
            "evaluator2": site.evaluator2}[who]
    c = client(user)
    assert c.get(f"/iq/sheets/{e.pk}/").status_code in (403, 404)
    assert c.post(f"/iq/sheets/{e.pk}/", form()).status_code in (403, 404)
    assert not ScoreSheet.objects.exists()


def test_hospital_manager_with_evaluator_group_still_cannot_score(site):
    from django.contrib.auth.models import Group

    e = drawn_entry(site)
    site.a.manager.groups.add(Group.objects.get_or_create(name="evaluator")[0], Group.objects.get_or_create(name="qc_admin")[0])
    c = client(site.a.manager)
    assert c.get(f"/iq/sheets/{e.pk}/").status_code in (403, 404)
    assert c.post(f"/iq/sheets/{e.pk}/", form()).status_code in (403, 404)
    assert not ScoreSheet.objects.exists()


def test_qc_admin_may_score_and_draw(site):
    e = drawn_entry(site)
    c = client(site.qc_admin)
    assert c.post(f"/iq/sheets/{e.pk}/", form()).status_code == 302
    rule = SamplingRule.objects.create(device=site.a.DR, per_period=2)
    study(site.a.DR, dt.date(2026, 5, 10), "CHEST")
    assert c.post(f"/iq/sampling/{rule.pk}/draw/", {"date": "2026-05-02"}).status_code == 302
    assert Sample.objects.filter(rule=rule).count() == 1
    assert client(site.a.manager).post(f"/iq/sampling/{rule.pk}/draw/", {"date": "2026-08-02"}).status_code == 403
    assert Sample.objects.filter(rule=rule).count() == 1


# ---- key-image viewer ---------------------------------------------------------------------

import numpy as np  # noqa: E402
from iqs_helpers import send  # noqa: E402
from PIL import Image  # noqa: E402

from huren.imagequality.viewer import presets, window  # noqa: E402


def test_window_maps_known_hu_to_known_grey():
    ct = presets()["ct"]
    soft = ct["soft_tissue"]
    hu = np.array([-1000.0, -160.0, 40.0, 240.0, 3000.0])
    assert window(hu, soft["level"], soft["width"]).tolist() == [0, 0, 128, 255, 255]
    lung = ct["lung"]
    assert window(np.array([-1350.0, -600.0, 150.0]), lung["level"], lung["width"]).tolist() == [0, 128, 255]
    brain = ct["brain"]
    assert window(np.array([0.0, 40.0, 60.0, 80.0]), brain["level"], brain["width"]).tolist() == [0, 128, 191, 255]
    assert {k: (v["level"], v["width"]) for k, v in ct.items()} == {
        "brain": (40, 80), "soft_tissue": (40, 400), "lung": (-600, 1500), "bone": (400, 1800)}


def _ct_series(site):
    from huren.dicomnode.models import DicomSeries
    from huren.synth.clinical import ct_study

    send(ct_study(body_part="HEAD", n_slices=5, matrix=128), site.a.CT)
    return DicomSeries.objects.filter(device=site.a.CT).order_by("id").first()


def test_key_image_png_decodes_and_presets_differ(site):
    s = _ct_series(site)
    c = client(site.a.tech)
    r = c.get(f"/iq/images/{s.pk}.png?preset=brain")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    img = Image.open(io.BytesIO(r.content))
    assert img.mode == "L" and img.size == (128, 128)
    bone = np.asarray(Image.open(io.BytesIO(c.get(f"/iq/images/{s.pk}.png?preset=bone").content)))
    assert not np.array_equal(np.asarray(img), bone)
    assert c.get(f"/iq/images/{s.pk}.png?index=999").status_code == 404
    assert client(site.evaluator).get(f"/iq/images/{s.pk}.png").status_code == 200
    from django.conf import settings
    assert list((settings.HUREN_HOME / "cache" / "iq").glob("*.png"))


def test_key_image_scoped_to_institution(site):
    s = _ct_series(site)
    assert client(site.b.manager).get(f"/iq/images/{s.pk}.png").status_code == 404
    assert client(site.b.tech).get(f"/iq/images/{s.pk}.png?preset=lung").status_code == 404


def test_sheet_shows_findings_and_every_dr_image(site, immediate):
    from huren.imagequality.models import CheckResult
    from huren.synth.clinical import dr_image

    immediate(dr_image(), site.a.DR)
    st = Study.objects.get(device=site.a.DR)
    checks = CheckResult.objects.filter(evaluation__study=st, item__startswith="DR-IQ")
    assert checks.exists()
    rule = SamplingRule.objects.create(device=site.a.DR, per_period=1)
    draw_sample(rule, st.first_received_at.date(), seed=1)
    e = SampleStudy.objects.get(study=st)
    page = client(e.expert).get(f"/iq/sheets/{e.pk}/").content.decode()
    from huren.iq.names import check_label

    assert check_label(checks.first().check_name) in page  # by its name (issue 12 item 6), not its code
    series = st.series.first()
    assert f"/iq/images/{series.pk}.png?preset=&index=0" in page
    r = client(e.expert).get(f"/iq/images/{series.pk}.png?index=0")
    assert r.status_code == 200 and Image.open(io.BytesIO(r.content)).mode == "L"


def test_monochrome1_is_inverted():
    import pydicom
    from pydicom.dataset import Dataset

    from huren.imagequality.viewer import render

    ds = Dataset()
    ds.Modality, ds.Rows, ds.Columns = "DX", 2, 2
    ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 1, 16, 16, 15, 0
    ds.file_meta = pydicom.dataset.FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    ds.PixelData = np.array([[0, 1000], [2000, 3000]], dtype=np.uint16).tobytes()
    ds.PhotometricInterpretation = "MONOCHROME2"
    m2 = np.asarray(Image.open(io.BytesIO(render(ds, None))))
    ds.PhotometricInterpretation = "MONOCHROME1"
    m1 = np.asarray(Image.open(io.BytesIO(render(ds, None))))
    assert m2[0, 0] < m2[1, 1]
    assert (m1.astype(int) == 255 - m2.astype(int)).all()
