"""The figures of one analysis run never supersede each other; a re-analysis supersedes the
earlier run's figures; an item's verdict weighs every figure of the latest run (issue 12 item 1);
and evidence from the node is dated by the images' acquisition date (issue 10 item 5)."""

from __future__ import annotations

import datetime as dt
import io

import pydicom
import pytest
from django.utils import timezone

from huren.assessment.verdicts import device_verdicts
from huren.dicomnode.dates import acquisition_datetime
from huren.dicomnode.evidence import record_measurements
from huren.dicomnode.models import AnalysisRun, DicomObject, DicomSeries
from huren.evidence.models import Measurement
from huren.registry.models import Device
from huren.result import Measurement as M, Result

LENGTHS = (190.6, 187.0, 190.2, 187.1, 190.4, 190.6)  # the last is the only one shown before the fix


@pytest.fixture
def mr(world):
    ct = world.ct_a
    return Device.objects.create(department=ct.department, room=ct.room, name="MR-a", modality="MR",
                                 manufacturer="Siemens", model_name="Aera", serial_number="MR-1",
                                 field_strength_t=1.5)


def _run(device, uid="1.2.826.0.1.3680043.8.498.1"):
    now = timezone.now()
    s, _ = DicomSeries.objects.get_or_create(series_instance_uid=uid, defaults=dict(
        modality="MR", device=device, first_received_at=now, last_received_at=now, object_count=11))
    return AnalysisRun.objects.create(series=s, queued_at=now)


def _acr(lengths=LENGTHS):
    r = Result(modality="MR", phantom="acr-mr-large")
    for i, v in enumerate(lengths):
        r.add(M("MR-EQ-PERF", "geometric_length", v, "mm", method="acr", test_type="acceptance",
                details={"nominal_mm": 190.0, "direction": ["h", "v", "d1", "d2", "h5", "v5"][i],
                         "field_strength_t": 1.5}))
    return r


def test_the_figures_of_one_run_are_all_current_and_all_judged(mr):
    run = _run(mr)
    assert record_measurements(run, _acr()) == 6
    rows = Measurement.objects.filter(metric="geometric_length")
    assert rows.current().count() == 6 and not rows.filter(supersedes__isnull=False).exists()
    v = next(v for v in device_verdicts(mr) if v.item == "MR-EQ-PERF")
    assert v.verdict == "fail"
    assert "length 187 mm" in v.reason_en and "length 187.1 mm" in v.reason_en and v.reason_en.count("outside") == 2
    assert sorted(v.evidence["measurement"]) == sorted(rows.values_list("pk", flat=True))


def test_a_reanalysis_supersedes_the_earlier_runs_figures_one_for_one(mr):
    first = _run(mr)
    record_measurements(first, _acr())
    again = _run(mr)
    record_measurements(again, _acr((190.1, 190.0, 189.9, 190.2, 190.3, 190.0)))
    old = Measurement.objects.filter(conditions__analysis_run=first.pk)
    new = Measurement.objects.filter(conditions__analysis_run=again.pk)
    assert old.count() == new.count() == 6 and Measurement.objects.current().count() == 6
    assert set(new.values_list("supersedes_id", flat=True)) == set(old.values_list("pk", flat=True))
    v = next(v for v in device_verdicts(mr) if v.item == "MR-EQ-PERF")
    assert "length 187 mm" not in v.reason_en and "190.3" in v.reason_en and "189.9" in v.reason_en


def test_a_manual_figure_still_counts_once(mr, world):
    Measurement.objects.create(department_id=mr.department_id, device=mr, recorded_by=world.users["evaluator"],
                               performed_on=timezone.localdate(), item="MR-EQ-PERF", metric="geometric_length",
                               value=187.0, unit="mm", method="acr", test_type="acceptance",
                               conditions={"nominal_mm": 190.0})
    Measurement.objects.create(department_id=mr.department_id, device=mr, recorded_by=world.users["evaluator"],
                               performed_on=timezone.localdate(), item="MR-EQ-PERF", metric="geometric_length",
                               value=190.1, unit="mm", method="acr", test_type="acceptance",
                               conditions={"nominal_mm": 190.0})
    v = next(v for v in device_verdicts(mr) if v.item == "MR-EQ-PERF")
    assert "190.1" in v.reason_en and "length 187 mm" not in v.reason_en  # the later manual record is the one judged


def _ds(**kw):
    ds = pydicom.Dataset()
    for k, v in kw.items():
        setattr(ds, k, v)
    return ds


@pytest.mark.parametrize("kw, want, source", [
    (dict(AcquisitionDateTime="20260301101500", AcquisitionDate="20260302", StudyDate="20260303"),
     dt.datetime(2026, 3, 1, 10, 15), "AcquisitionDateTime"),
    (dict(AcquisitionDate="20260302", AcquisitionTime="0812", ContentDate="20260303", StudyDate="20260304"),
     dt.datetime(2026, 3, 2, 8, 12), "AcquisitionDate"),
    (dict(AcquisitionDate="", ContentDate="20260303", ContentTime="235959.123", StudyDate="20260304"),
     dt.datetime(2026, 3, 3, 23, 59, 59), "ContentDate"),
    (dict(AcquisitionDate="2026-13-40", SeriesDate="20260305", StudyDate="20260304"),
     dt.datetime(2026, 3, 5), "SeriesDate"),
    (dict(AcquisitionDate="20991231", StudyDate="20260304", StudyTime="07"),
     dt.datetime(2026, 3, 4, 7), "StudyDate"),  # a date after the arrival is passed over
    (dict(StudyDate="19000101"), None, ""),
    (dict(), None, ""),
])
def test_acquisition_date_preference(kw, want, source):
    assert acquisition_datetime(_ds(**kw), latest=dt.date(2026, 6, 1)) == (want, source)


def test_node_evidence_is_dated_by_the_acquisition_not_the_arrival(world, settings, tmp_path, phantoms):
    from huren.dicomnode.storage import store

    settings.DICOM_ROOT = tmp_path
    ds = pydicom.dcmread(phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm")
    ds.AcquisitionDate, ds.ContentDate, ds.StudyDate = "20260115", "20260116", "20260117"
    ds.SeriesDate = "20260116"
    if "AcquisitionDateTime" in ds:
        del ds.AcquisitionDateTime
    buf = io.BytesIO()
    ds.save_as(buf)
    stored = store(buf.getvalue(), source="c-store", device=world.ct_a)
    run = AnalysisRun.objects.create(series=stored.series, queued_at=timezone.now())
    r = Result(modality="CT", phantom="water")
    r.add(M("CT-QC-HU-WATER", "ct_number_water", 1.0, "HU", method="central-roi", test_type="status"))
    record_measurements(run, r)
    m = Measurement.objects.get()
    assert m.performed_on == dt.date(2026, 1, 15) and m.conditions["date_source"] == "AcquisitionDate"
    assert DicomObject.objects.get().received_at.date() != dt.date(2026, 1, 15)
