"""Asking by study / file / header / device and date; bad input; the clinician's decision;
the public verification page and QR; the published list; the API and its scope."""

from __future__ import annotations

import io

import pytest
from tests.recognition.conftest import client_for, days_ago, decide, make_study, measure
from django.test import Client

from huren.recognition import services as R
from huren.recognition.models import ClinicianDecision, RecognitionQuery


@pytest.fixture
def qualified(world):
    ct, a = world.a.ct, world.a
    measure(ct, a.tech, days_ago(40), 1.0)
    d = decide(ct, a.manager, world.evaluator, days_ago(39), "qualified")
    head = make_study(ct, days_ago(5), uid="1.2.3.4.5", accession="ACC1", body_part="HEAD", patient_id="P001")
    old = make_study(ct, days_ago(35), uid="1.2.3.4.6", accession="ACC2", body_part="CHEST")
    knee = make_study(ct, days_ago(5), uid="1.2.3.4.7", accession="ACC3", body_part="KNEE")
    return d, head, old, knee


def test_per_item_answers_with_reasons(world, qualified):
    d, head, old, knee = qualified
    ans = R.recognise_study(study_instance_uid=head.study_instance_uid)
    assert ans.recognised and [i.code for i in ans.items] == ["CT-HEAD"] and ans.mark == "HR140101"
    assert ans.verification_code and ans.to_dict()["verification_url"].startswith("/v/")
    ans = R.recognise_study(accession_number="ACC2")   # 35 days old, CT chest window 30 days
    assert not ans.recognised and "30" in ans.items[0].reasons[0][0]
    ans = R.recognise_study(accession_number="ACC3")   # knee CT is not a recognisable item
    assert not ans.recognised and ans.items[0].code == "" and "not in the list" in ans.items[0].reasons[0][1]


def test_suspension_and_iq_provider_make_items_unrecognised(world, qualified):
    from huren.recognition.actions import act

    d, head, *_ = qualified
    calls = []

    def provider(study):
        calls.append(study.pk)
        return [("噪声过高", "noise too high")] if study.pk == head.pk else None

    R.register_iq_provider(provider)
    try:
        ans = R.recognise_study(study_instance_uid=head.study_instance_uid)
        assert not ans.recognised and "noise too high" in ans.items[0].reasons[0][1] and calls
    finally:
        R.unregister_iq_provider(provider)
    assert R.recognise_study(study_instance_uid=head.study_instance_uid).recognised
    act(world.a.ct, world.evaluator, "suspend", "抽查 / spot check")
    # the study was made before the suspension: its date's state answers
    assert R.recognise_study(study_instance_uid=head.study_instance_uid).recognised
    assert R.recognise(study_date=days_ago(0), device=world.a.ct).status == "suspended"


@pytest.mark.parametrize("params,field", [
    ({"study_instance_uid": "1.2.abc"}, "study_instance_uid"),
    ({"study_instance_uid": "01.2.3"}, "study_instance_uid"),
    ({"device": 0, "study_date": "2020-01-01"}, "device"),
    ({"station_name": "CTSTATION1", "study_date": "2999-01-01"}, "study_date"),
    ({"station_name": "CTSTATION1"}, "study_date"),
    ({"study_date": "2020-01-01"}, "device"),
])
def test_bad_questions_get_bilingual_400_and_are_logged(world, params, field):
    c = client_for(world.b.doctor)
    before = RecognitionQuery.objects.count()
    r = c.get("/api/recognition/", params)
    assert r.status_code == 400 and field in r.json() and " / " in str(r.json()[field])
    assert RecognitionQuery.objects.count() == before + 1
    assert RecognitionQuery.objects.first().error


def test_a_too_long_accession_is_refused_with_its_limit_in_both_languages(world):
    """The length limit's message is rendered when shown, with the limit filled in each language."""
    c = client_for(world.b.doctor)
    r = c.get("/api/recognition/", {"accession_number": "A" * 201})
    msg = str(r.json()["accession_number"][0])
    assert r.status_code == 400 and "200" in msg and "{" not in msg
    zh, en = msg.split(" / ", 1)
    assert "超过 200" in zh and "no more than 200 characters" in en
    assert RecognitionQuery.objects.filter(error=True).count() == 1


def test_unknown_study_and_unregistered_device_answer_clearly(world, qualified):
    c = client_for(world.b.doctor)
    r = c.get("/api/recognition/", {"study_instance_uid": "1.2.999"})
    assert r.status_code == 200 and r.json()["recognised"] is False and "has not received" in r.json()["reason_en"]
    r = c.get("/api/recognition/", {"device_serial": "NOBODY", "study_date": days_ago(1).isoformat()})
    assert r.status_code == 200 and r.json()["device"] is None and "not registered" in r.json()["reason_en"]
    r = c.get("/api/recognition/", {"accession_number": "ACC1"})
    body = r.json()
    assert body["recognised"] and body["items"][0]["code"] == "CT-HEAD" and "patient" not in str(body).lower()


def _dicom_bytes(**kw) -> bytes:
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("x", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "CT"
    ds.PatientID = "SECRET-ID"
    for k, v in kw.items():
        setattr(ds, k, v)
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def test_post_a_dicom_file_never_stores_it(world, qualified, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = client_for(world.b.doctor)
    data = _dicom_bytes(StudyInstanceUID="1.2.77", StudyDate=days_ago(3).strftime("%Y%m%d"), StationName="CTSTATION1",
                        BodyPartExamined="HEAD")
    r = c.post("/api/recognition/", {"file": SimpleUploadedFile("a.dcm", data)}, format="multipart")
    assert r.status_code == 200, r.content
    assert r.json()["recognised"] is True and r.json()["items"][0]["code"] == "CT-HEAD"
    q = RecognitionQuery.objects.first()
    assert q.kind == "file" and "SECRET-ID" not in str(q.identity)
    r = c.post("/api/recognition/", {"file": SimpleUploadedFile("a.txt", b"hello, not dicom")}, format="multipart")
    assert r.status_code == 400 and "DICOM" in str(r.json()["file"])
    r = c.post("/api/recognition/", {}, format="multipart")
    assert r.status_code == 400


def test_clinician_records_a_decision_and_prints_the_explanation(world, qualified):
    d, head, old, _ = qualified
    c = Client()
    c.force_login(world.b.doctor)
    page = c.get("/recognition/", {"accession_number": "ACC2"})
    assert page.status_code == 200 and "CT-CHEST" in page.content.decode()
    r = c.post("/recognition/decide/", {"study_instance_uid": old.study_instance_uid, "accepted": "no", "note": ""})
    assert r.status_code == 302 and not ClinicianDecision.objects.exists()   # not accepting needs a reason
    r = c.post("/recognition/decide/", {"study_instance_uid": old.study_instance_uid, "accepted": "no",
                                        "reason": "condition_changed", "note": "发热 / fever"})
    cd = ClinicianDecision.objects.get()
    assert cd.institution == world.b.institution and cd.origin == world.a.institution and not cd.accepted
    explain = c.get(r["Location"]).content.decode()
    assert "病情变化" in explain and "P001" not in explain and "@media print" in explain
    c.post("/recognition/decide/", {"study_instance_uid": head.study_instance_uid, "accepted": "yes"})
    page = c.get("/recognition/", {"patient_id": "P001"})
    assert head.study_instance_uid in page.content.decode()
    assert "P001" not in str(list(RecognitionQuery.objects.values_list("identity", flat=True)))
    rates = client_for(world.evaluator).get("/api/recognition/rates/").json()
    assert rates["decisions"] == 2 and rates["accepted"] == 1 and rates["by_reason"][0]["key"] == "condition_changed"
    # scope: hospital A sees none of hospital B's decisions
    assert client_for(world.a.manager).get("/api/recognition-decisions/").json()["count"] == 0
    assert client_for(world.b.manager).get("/api/recognition-decisions/").json()["count"] == 2
    r = client_for(world.b.doctor).post("/api/recognition-decisions/", {"accession_number": "ACC1", "accepted": False,
                                                                       "reason_code": "emergency"}, format="json")
    assert r.status_code == 201 and r.json()["institution"] == world.b.institution.pk
    rates_page = Client()
    rates_page.force_login(world.evaluator)
    assert "医院a" in rates_page.get("/recognition/rates/").content.decode()


def test_public_verification_page_qr_and_published_list(world, qualified):
    from openpyxl import load_workbook

    from huren.recognition import verification as V

    d, *_ = qualified
    code = V.verification_code(d)
    assert V.verification_code(d) == code and V.verification_path(d) == f"/v/{code}"
    anon = Client()
    page = anon.get(f"/v/{code}").content.decode()
    assert "HR140101" in page and "CT-a" in page and "医院a" in page and "P001" not in page
    assert anon.get("/v/NOPE").status_code == 404
    png = anon.get(f"/v/{code}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert V.qr_svg(d).lstrip().startswith(b"<svg")
    lst = anon.get("/recognition/qualified/").content.decode()
    assert "CT-a" in lst and "CT-b" not in lst
    wb = load_workbook(io.BytesIO(anon.get("/recognition/qualified/?format=xlsx").content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert any(r[3] == "CT-a" and r[2] == "HR140101" for r in rows[2:])


def test_device_page_shows_history_and_evaluator_can_suspend(world, qualified):
    c = Client()
    c.force_login(world.evaluator)
    page = c.get(f"/devices/{world.a.ct.pk}/").content.decode()
    assert "recognition-history" in page and 'name="action"' in page
    r = c.post(f"/recognition/devices/{world.a.ct.pk}/action/", {"action": "suspend", "reason": "抽查 / spot check"})
    assert r.status_code == 302
    assert "暂停" in c.get(f"/devices/{world.a.ct.pk}/").content.decode()
    m = Client()
    m.force_login(world.a.manager)
    assert 'name="action"' not in m.get(f"/devices/{world.a.ct.pk}/").content.decode()
    m.post(f"/recognition/devices/{world.a.ct.pk}/action/", {"action": "reinstate", "reason": "x"})
    from huren.recognition.models import QualificationAction

    assert list(QualificationAction.objects.values_list("action", flat=True)) == ["suspend"]


def failing_iq(study):
    return [("曝光不足", "under-exposed")]


def broken_iq(study):
    raise RuntimeError("service down")


def test_iq_provider_from_settings_and_a_broken_provider(world, qualified, settings):
    d, head, *_ = qualified
    settings.HUREN_IQ_PROVIDERS = ["tests.recognition.test_answers_and_pages.failing_iq"]
    ans = R.recognise_study(study_instance_uid=head.study_instance_uid)
    assert not ans.recognised and "under-exposed" in ans.items[0].reasons[-1][1]
    settings.HUREN_IQ_PROVIDERS = ["tests.recognition.test_answers_and_pages.broken_iq"]
    ans = R.recognise_study(study_instance_uid=head.study_instance_uid)
    assert not ans.recognised and "unavailable" in ans.items[0].reasons[-1][1]


def test_retired_device_answers_for_its_service_dates_by_identity(world, qualified):
    ct = world.a.ct
    ct.active = False
    ct.save()
    c = client_for(world.b.doctor)
    r = c.get("/api/recognition/", {"station_name": "CTSTATION1", "study_date": days_ago(5).isoformat(),
                                    "body_part": "HEAD", "modality": "CT"})
    assert r.json()["device"]["id"] == ct.pk and r.json()["recognised"] is True
    r = c.get("/api/recognition/", {"station_name": "CTSTATION1", "study_date": days_ago(0).isoformat()})
    assert r.json()["recognised"] is False and r.json()["status"] == "retired"


def test_schema_lists_the_recognition_endpoints(world):
    body = client_for(world.evaluator).get("/api/schema/").content.decode()
    for path in ("/api/recognition/", "/api/recognition-decisions/", "/api/qualification-actions/",
                 "/api/reexam-reasons/", "/api/recognition/rates/", "multipart/form-data"):
        assert path in body, path


def test_clinician_role_exists_and_its_pages_open(world):
    from huren.accounts.roles import CLINICIAN, ROLES, ensure_groups
    from django.contrib.auth.models import Group

    ensure_groups()
    assert CLINICIAN in ROLES and Group.objects.filter(name=CLINICIAN).exists()
    c = Client()
    c.force_login(world.b.doctor)
    for url in ("/", "/recognition/", "/recognition/rates/", "/recognition/reasons/"):
        r = c.get(url)
        assert r.status_code == 200, url
    page = c.get("/recognition/", {"study_instance_uid": "not-a-uid"}).content.decode()
    assert "malformed Study Instance UID" in page and "Study Instance UID 格式不正确" in page
    assert c.post("/recognition/reasons/", {"code": "x", "label_zh": "x", "label_en": "x"}).status_code == 403
    e = Client()
    e.force_login(world.qc_admin)
    e.post("/recognition/reasons/", {"code": "pregnancy", "label_zh": "妊娠", "label_en": "pregnancy", "active": "on"})
    from huren.recognition.models import ReExamReason

    assert ReExamReason.objects.filter(code="pregnancy", active=True).exists()
    assert ReExamReason.objects.count() == 7


def test_an_answer_by_token_costs_a_fixed_handful_of_queries(world, qualified, django_assert_max_num_queries):
    """Asked over the API with a token (as a hospital system asks): one read of the token
    with its user and profile, one of the study with its device, horizon, the day's span,
    decision, verification code and latest image-quality result, and one INSERT of the
    query log (a log itself: no audit entry) — whatever the study."""
    from huren.accounts.models import AuditEntry

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    d, head, old, knee = qualified
    tok = Token.objects.create(user=world.a.tech)
    c = Client(HTTP_AUTHORIZATION=f"Token {tok.key}")
    assert c.get("/api/recognition/", {"study_instance_uid": head.study_instance_uid}).status_code == 200  # history built
    for q in ({"study_instance_uid": head.study_instance_uid}, {"accession_number": "ACC2"}):
        with CaptureQueriesContext(connection) as ctx:
            r = c.get("/api/recognition/", q)
        assert r.status_code == 200 and "recognised" in r.json()
        reads = [x["sql"] for x in ctx.captured_queries if x["sql"].lstrip().upper().startswith("SELECT")]
        assert len(reads) == 2, reads  # token + user + profile; study + device + horizon + span + decision + IQ
        writes = [x["sql"] for x in ctx.captured_queries if x["sql"].lstrip().upper().startswith("INSERT")]
        assert len(writes) == 1 and "recognition_recognitionquery" in writes[0], writes
        assert len(ctx.captured_queries) == 3, [x["sql"][:60] for x in ctx.captured_queries]
    assert RecognitionQuery.objects.filter(asked_by=world.a.tech).count() == 3
    assert not AuditEntry.objects.filter(model="recognition.recognitionquery").exists()
    q = RecognitionQuery.objects.first()
    q.reason_en = "changed"
    with pytest.raises(Exception, match="cannot be changed"):
        q.save()  # the log is append-only
