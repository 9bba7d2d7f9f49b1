"""An analysed series' measurements become evidence of its device (and only of a matched one)."""

from __future__ import annotations

from django.utils import timezone

from huren.accounts.models import AuditEntry
from huren.dicomnode.evidence import SYSTEM_USERNAME, record_measurements
from huren.dicomnode.models import AnalysisRun, DicomSeries
from huren.evidence.models import Measurement
from huren.result import Measurement as M, Result


def _run(device):
    now = timezone.now()
    s = DicomSeries.objects.create(series_instance_uid="1.2.3.4", modality="CT", device=device,
                                   first_received_at=now, last_received_at=now, object_count=3)
    return AnalysisRun.objects.create(series=s, queued_at=now)


def _result():
    r = Result(modality="CT", phantom="water")
    r.add(M("CT-QC-HU-WATER", "ct_number_water", 2.25, "HU", method="central-roi", test_type="status",
            verdict="pass", details={"roi_diameter_mm": 40.0},
            provenance={"algorithm": "huren.analysis.ct.water/1", "sop_instance_uids": ["1.2.3.4.5"]}))
    r.add(M("CT-QC-NOISE", "noise_percent", float("nan"), "%"))  # not measurable: not evidence
    return r


def test_measurements_of_a_matched_series_are_recorded_by_the_system_account(world):
    run = _run(world.ct_a)
    assert record_measurements(run, _result()) == 1
    m = Measurement.objects.get()
    assert (m.device, m.item, m.metric, m.value, m.unit, m.source) == (world.ct_a, "CT-QC-HU-WATER", "ct_number_water", 2.25, "HU", "analysis")
    assert m.result["schema"] == "huren.result/1" and m.result["measurements"][0]["verdict"] == "pass"
    assert m.sop_instance_uids == ["1.2.3.4.5"] and m.conditions["analysis_run"] == run.pk
    assert m.recorded_by.username == SYSTEM_USERNAME and not m.recorded_by.is_active
    assert not m.recorded_by.has_usable_password()
    assert AuditEntry.objects.filter(model="evidence.measurement", object_id=str(m.pk), username=SYSTEM_USERNAME).exists()


def test_an_unmatched_series_gives_no_evidence(db):
    assert record_measurements(_run(None), _result()) == 0
    assert not Measurement.objects.exists()


def test_a_reanalysis_of_the_same_series_supersedes_the_earlier_measurements(world):
    first = _run(world.ct_a)
    record_measurements(first, _result())
    again = AnalysisRun.objects.create(series=first.series, queued_at=timezone.now())
    record_measurements(again, _result())
    rows = list(Measurement.objects.order_by("id"))
    assert len(rows) == 2 and rows[1].supersedes == rows[0]
    assert list(Measurement.objects.current()) == [rows[1]]
