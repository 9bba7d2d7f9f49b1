"""Evidence is append-only and refuses bad input: unit mismatch, future dates, values out
of the possible range, oversized uploads; files are stored under generated names."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.support import client_for
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from huren.evidence.models import ChecklistAnswer, DailyLog, Document, EvidenceImmutable, Measurement


def test_stored_evidence_cannot_be_changed_or_deleted(world):
    for obj in (world.a.measurement, world.a.log, world.a.check, world.a.document):
        with pytest.raises(EvidenceImmutable):
            obj.note = "changed"
            obj.save()
        with pytest.raises(EvidenceImmutable):
            obj.delete()
        model = type(obj)
        with pytest.raises(EvidenceImmutable):
            model.objects.filter(pk=obj.pk).update(note="changed")
        with pytest.raises(EvidenceImmutable):
            model.objects.filter(pk=obj.pk).delete()
        assert model.objects.get(pk=obj.pk).note == ""


@pytest.mark.parametrize("prefix", ["measurements", "logs", "checklists", "documents"])
def test_api_offers_no_update_or_delete_of_evidence(world, prefix):
    obj = {"measurements": world.a.measurement, "logs": world.a.log, "checklists": world.a.check,
           "documents": world.a.document}[prefix]
    c = client_for(world.a.manager)
    for method in ("put", "patch", "delete"):
        r = getattr(c, method)(f"/api/{prefix}/{obj.pk}/", {"note": "x"}, format="json")
        assert r.status_code == 405 and "append-only" in r.json()["detail"] and "更正" in r.json()["detail"]


def test_correction_supersedes_once(world):
    c = client_for(world.a.tech)
    body = {"device": world.a.ct.pk, "performed_on": str(world.a.measurement.performed_on), "item": "CT-QC-HU-WATER",
            "metric": "ct_number_water", "value": 1.5, "unit": "HU", "test_type": "status",
            "supersedes": world.a.measurement.pk, "note": "更正 / correction"}
    r = c.post("/api/measurements/", body, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["recorded_by"] == "a_tech"
    old = c.get(f"/api/measurements/{world.a.measurement.pk}/").json()
    assert old["superseded_by"] == r.json()["id"] and old["value"] == 1.0
    r2 = c.post("/api/measurements/", body, format="json")
    assert r2.status_code == 400 and "supersedes" in r2.json()
    current = c.get("/api/measurements/", {"current": 1, "device": world.a.ct.pk}).json()["results"]
    assert [m["id"] for m in current] == [r.json()["id"]]
    # a correction of another device's record is refused
    body.update(supersedes=world.a.measurement.pk, device=world.a.mr.pk, item="MR-EQ-PERF", metric="piu", unit="%")
    r3 = c.post("/api/measurements/", body, format="json")
    assert r3.status_code == 400


def test_wrong_unit_is_refused_not_converted(world):
    c = client_for(world.a.tech)
    n = Measurement.objects.count()
    r = c.post("/api/measurements/", {"device": world.a.ct.pk, "performed_on": "2024-05-01", "item": "CT-QC-SLICE",
                                      "metric": "slice_thickness", "value": 0.5, "unit": "cm"}, format="json")
    assert r.status_code == 400
    msg = r.json()["unit"][0]
    assert "单位" in msg and "does not match" in msg and "mm" in msg
    assert Measurement.objects.count() == n


def test_a_metric_of_another_item_is_refused_naming_the_item_and_its_metrics(world):
    c = client_for(world.a.tech)
    n = Measurement.objects.count()
    base = {"device": world.a.ct.pk, "performed_on": "2024-05-01", "item": "CT-QC-HU-WATER", "metric": "noise_sd",
            "value": 5, "unit": "HU"}
    r = c.post("/api/measurements/", base, format="json")
    assert r.status_code == 400
    msg = r.json()["metric"][0]
    assert "条目 CT-QC-HU-WATER 不记录指标 noise_sd" in msg and "does not hold the metric noise_sd" in msg
    assert "ct_number_water" in msg
    assert Measurement.objects.count() == n
    # an informational metric of the item itself is accepted
    r = c.post("/api/measurements/", base | {"item": "CT-QC-NOISE"}, format="json")
    assert r.status_code == 201, r.content


def test_unknown_metric_item_of_other_modality_and_bad_uids_are_refused(world):
    c = client_for(world.a.tech)
    base = {"device": world.a.ct.pk, "performed_on": "2024-05-01", "item": "CT-QC-HU-WATER", "metric": "ct_number_water",
            "value": 1, "unit": "HU"}
    assert "metric" in c.post("/api/measurements/", base | {"metric": "bogus"}, format="json").json()
    assert "item" in c.post("/api/measurements/", base | {"item": "MR-EQ-PERF"}, format="json").json()
    assert "item" in c.post("/api/measurements/", base | {"item": "NOPE"}, format="json").json()
    r = c.post("/api/measurements/", base | {"sop_instance_uids": ["1.2.3", "../../etc"]}, format="json")
    assert "sop_instance_uids" in r.json()
    r = c.post("/api/measurements/", base | {"source": "analysis", "result": {"schema": "other"}}, format="json")
    assert "result" in r.json()
    ok = c.post("/api/measurements/", base | {"source": "analysis", "result": {"schema": "huren.result/1"},
                                              "sop_instance_uids": ["1.2.840.10008.1"]}, format="json")
    assert ok.status_code == 201


def test_future_log_date_is_refused_with_a_bilingual_message(world):
    c = client_for(world.a.tech)
    n = DailyLog.objects.count()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = c.post("/api/logs/", {"device": world.a.ct.pk, "performed_on": tomorrow, "temperature_c": 21}, format="json")
    assert r.status_code == 400
    assert r.json()["performed_on"] == ["日期不能在将来 / the date cannot be in the future"]
    assert DailyLog.objects.count() == n


def test_out_of_range_and_malformed_values_get_field_messages_and_change_nothing(world):
    c = client_for(world.a.tech)
    n = DailyLog.objects.count()
    r = c.post("/api/logs/", {"device": world.a.ct.pk, "performed_on": "2024-05-01", "humidity_percent": 450,
                              "temperature_c": 21}, format="json")
    assert r.status_code == 400
    msg = r.json()["humidity_percent"][0]
    assert "超出允许范围" in msg and "out of the allowed range" in msg
    r = c.post("/api/logs/", {"device": world.a.ct.pk, "performed_on": "not a date", "temperature_c": "warm"}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert " / " in body["performed_on"][0] and " / " in body["temperature_c"][0]
    r = c.post("/api/logs/", {"device": world.a.ct.pk, "performed_on": "2024-05-01"}, format="json")
    assert r.status_code == 400 and "non_field_errors" in r.json()
    assert DailyLog.objects.count() == n
    r = c.post("/api/measurements/", {"device": world.a.ct.pk, "performed_on": "2024-05-01", "item": "CT-QC-HU-WATER",
                                      "metric": "ct_number_water", "value": 1e12, "unit": "HU"}, format="json")
    assert r.status_code == 400 and "value" in r.json()


def test_second_log_for_the_same_day_must_be_a_correction(world):
    c = client_for(world.a.tech)
    day = str(world.a.log.performed_on)
    r = c.post("/api/logs/", {"device": world.a.ct.pk, "performed_on": day, "temperature_c": 22}, format="json")
    assert r.status_code == 400 and "performed_on" in r.json()
    r = c.post("/api/logs/", {"device": world.a.ct.pk, "performed_on": day, "temperature_c": 22,
                              "supersedes": world.a.log.pk}, format="json")
    assert r.status_code == 201


def test_upload_is_size_limited_and_stored_under_a_generated_name(world, settings):
    settings.HUREN_MAX_UPLOAD_BYTES = 1000
    c = client_for(world.a.tech)
    n = Document.objects.count()
    big = SimpleUploadedFile("big.pdf", b"x" * 1001, content_type="application/pdf")
    r = c.post("/api/documents/", {"device": world.a.ct.pk, "performed_on": "2024-05-01", "items": '["CT-EQ-CAL"]',
                                   "title": "报告", "file": big}, format="multipart")
    assert r.status_code in (400, 413)
    assert "file" in r.json() and "MB" in r.json()["file"][0]
    assert Document.objects.count() == n
    evil = SimpleUploadedFile("../../../etc/passwd.pdf", b"%PDF-1.4 small", content_type="application/pdf")
    r = c.post("/api/documents/", {"device": world.a.ct.pk, "performed_on": "2024-05-01", "items": '["CT-EQ-CAL"]',
                                   "title": "报告", "issuing_body": "检测所", "file": evil}, format="multipart")
    assert r.status_code == 201, r.content
    d = Document.objects.get(pk=r.json()["id"])
    assert ".." not in d.file.name and "passwd" not in d.file.name
    assert d.file.name.startswith("evidence/document/") and d.file.name.endswith(".pdf")
    assert d.size_bytes == 14 and len(d.sha256) == 64
    assert (settings.MEDIA_ROOT / d.file.name).resolve().is_relative_to(settings.MEDIA_ROOT.resolve())
    weird = SimpleUploadedFile("a.exe", b"MZ", content_type="application/octet-stream")
    r = c.post("/api/checklists/", {"device": world.a.ct.pk, "performed_on": "2024-05-01", "item": "CT-EQ-ENV-CLEAN",
                                    "answer": "yes", "attachment": weird}, format="multipart")
    assert r.status_code == 201
    assert ChecklistAnswer.objects.get(pk=r.json()["id"]).attachment.name.endswith(".bin")


def test_checklist_question_must_exist(world):
    c = client_for(world.a.tech)
    r = c.post("/api/checklists/", {"device": world.a.ct.pk, "performed_on": "2024-05-01", "item": "CT-EQ-ENV-CLEAN",
                                    "question": "9", "answer": "yes"}, format="json")
    assert r.status_code == 400 and "question" in r.json()
    r = c.post("/api/checklists/", {"device": world.a.ct.pk, "performed_on": "2024-05-01", "item": "CT-EQ-ENV-CLEAN",
                                    "answer": "maybe"}, format="json")
    assert r.status_code == 400 and " / " in r.json()["answer"][0]


def test_database_refuses_updates_of_evidence_and_decisions_written_by_hand(world):
    from django.db import DatabaseError, connection, transaction

    for table, pk in (("evidence_measurement", world.a.measurement.pk), ("evidence_dailylog", world.a.log.pk),
                      ("evidence_document", world.a.document.pk), ("assessment_decision", world.a.decision.pk)):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"UPDATE {table} SET performed_on = performed_on WHERE id = %s" if table.startswith("evidence")
                        else f"UPDATE {table} SET comment = 'changed' WHERE id = %s", [pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute("DELETE FROM evidence_checklistanswer WHERE id = %s", [world.a.check.pk])
    assert Measurement.objects.filter(pk=world.a.measurement.pk).exists()


def test_evidence_list_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for n in range(2, 30):
        DailyLog.objects.create(device=world.a.ct, recorded_by=world.a.tech, temperature_c=20,
                                performed_on=timezone.localdate() - dt.timedelta(days=n))
    c = client_for(world.a.tech)
    with django_assert_max_num_queries(12):
        r = c.get("/api/logs/")
    assert r.json()["count"] >= 29


def test_expert_score_is_recorded_as_a_measurement_and_judges_the_image_item(world):
    c = client_for(world.evaluator)  # an evaluator scores images on site
    body = {"device": world.a.ct.pk, "performed_on": "2024-05-01", "item": "CT-IQ-ARTIFACT", "metric": "expert_score",
            "unit": ""}
    r = c.post("/api/measurements/", body | {"value": 5}, format="json")
    assert r.status_code == 400 and "0–3" in r.json()["value"][0]
    assert c.post("/api/measurements/", body | {"value": 2.6}, format="json").status_code == 201
    items = {v["item"]: v for v in c.get(f"/api/devices/{world.a.ct.pk}/verdicts/").json()["items"]}
    # issue 8: the typed score is kept and shown, but alone it no longer passes the item
    art = items["CT-IQ-ARTIFACT"]
    assert art["verdict"] == "missing" and "2.6" in art["reason_zh"] and "a typed expert score alone" in art["reason_en"]


def test_files_are_downloaded_only_through_the_scoped_api(world):
    c = client_for(world.a.tech)
    row = c.get(f"/api/documents/{world.a.document.pk}/").json()
    assert row["file"].endswith(f"/api/documents/{world.a.document.pk}/download/")
    r = c.get(f"/api/documents/{world.a.document.pk}/download/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 test"
    assert "attachment" in r["Content-Disposition"]
    assert c.get(f"/api/documents/{world.b.document.pk}/download/").status_code == 404
    assert c.get(f"/api/checklists/{world.a.check.pk}/download/").status_code == 404  # no attachment


def test_evidence_dated_before_the_device_was_installed_is_refused(world):
    from huren.registry.models import Device

    Device.objects.filter(pk=world.a.ct.pk).update(install_date=dt.date(2022, 3, 1))
    c = client_for(world.a.tech)
    r = c.post("/api/logs/", {"device": world.a.ct.pk, "performed_on": "2022-02-28", "temperature_c": 21}, format="json")
    assert r.status_code == 400 and "2022-03-01" in r.json()["performed_on"][0]
    r = c.post("/api/logs/", {"device": world.a.ct.pk, "performed_on": "2022-03-01", "temperature_c": 21}, format="json")
    assert r.status_code == 201
