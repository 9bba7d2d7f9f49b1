"""Detector dose indicator and typed-in DR results."""

import pytest

from huren.analysis import AnalyzeOptions
from huren.analysis import dr as dra
from huren.dicomio import images_from
from huren.synth import dr


def flats(det, n=3, kerma=10.0, ei=None, tei=None):
    out = []
    for i in range(n):
        s = dr.flat_field(det, kerma, instance=i + 1, salt=i, exposure_index=ei, target_exposure_index=tei)
        s.ds.SOPInstanceUID = s.ds.file_meta.MediaStorageSOPInstanceUID = f"1.2.3.{i + 1}"
        out.append(images_from(s.ds)[0])
    return out


def test_acceptance_ddi_compares_calculated_ei_with_measured():
    ims = flats(dr.Detector(), ei=900.0, tei=1000.0)
    opts = AnalyzeOptions(kerma_ugy={im.sop_instance_uid: 10.0 for im in ims})
    res = dra.ddi(ims, opts)
    m = res.get("ddi_deviation")
    # calculated 100 × 10 µGy = 1000 against a measured 900
    assert m.value == pytest.approx((1000 - 900) / 900 * 100, abs=1e-3) and m.method == "calculated"
    assert res.get("exposure_index").value == pytest.approx(900)
    assert res.get("deviation_index").value == pytest.approx(10 * dr.math.log10(0.9), abs=1e-3)
    assert len(m.provenance["sop_instance_uids"]) == 3


def test_status_ddi_compares_mean_with_baseline():
    ims = flats(dr.Detector(), ei=1100.0)
    res = dra.ddi(ims, AnalyzeOptions(baselines={"exposure_index": 1000.0}))
    m = res.get("ddi_deviation")
    assert m.value == pytest.approx(10.0, abs=1e-3) and m.method == "baseline"


def test_without_ddi_the_central_roi_mean_is_the_indicator():
    det = dr.Detector(gain=400.0, offset=100.0)
    ims = flats(det)
    for im in ims:
        del im.ds.ExposureIndex
    res = dra.ddi(ims, AnalyzeOptions(baselines={"ddi": 4100.0}))
    assert res.get("exposure_index").method == "pixel_mean"
    assert res.get("exposure_index").value == pytest.approx(4100.0, rel=0.002)
    assert abs(res.get("ddi_deviation").value) < 0.2


def test_without_kerma_or_baseline_only_the_indicator_is_recorded():
    res = dra.ddi(flats(dr.Detector()), AnalyzeOptions())
    assert res.get("exposure_index").value == pytest.approx(1000.0)
    assert not res.all("ddi_deviation") and res.notes


def test_typed_low_contrast_and_aec_results():
    assert dra.low_contrast_details(0, observed=14, baseline=17).get("low_contrast_details_changed").value == 3
    assert dra.aec_sensitivity(24.0, 20.0).get("aec_sensitivity_deviation").value == pytest.approx(20.0)
    m = dra.aec_chamber_consistency({"left": 20.0, "centre": 22.0, "right": 18.0}).get("aec_chamber_consistency")
    assert m.value == pytest.approx(abs(22 - 18) / 40 * 100) and set(m.details["pair"]) == {"centre", "right"}
    m = dra.aec_kv_consistency({"70": 10.0, "80": 11.0, "90": 12.0, "100": 11.0}, 10.0).get("aec_kv_consistency")
    assert m.value == pytest.approx(10.0)
    assert dra.aec_sensitivity(1.0, 0.0).errors and dra.aec_chamber_consistency([5.0]).errors
