"""The synthetic DR images carry the truth they claim."""

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEG2000Lossless, RLELossless

from huren.dicomio import images_from
from huren.synth import dr


def test_gain_ramp_gives_the_stated_five_roi_cv_and_mean_one():
    for cv, ang in ((0.5, 0), (3.0, 30), (7.0, 75)):
        det = dr.Detector(gain_cv_percent=cv, gain_angle_deg=ang)
        g = det.five_roi_gains()
        assert np.std(g, ddof=1) / np.mean(g) * 100 == pytest.approx(cv, rel=1e-9)
        assert det.gain_map().mean() == pytest.approx(1.0, abs=1e-9)


def test_monochrome1_and_rescale_store_the_same_modality_values():
    base = dr.Detector(electronic_noise=0, quantum_noise=0, gain_cv_percent=2)
    m2 = images_from(dr.flat_field(base, 10).ds)[0].array
    m1 = dr.flat_field(dr.Detector(electronic_noise=0, quantum_noise=0, gain_cv_percent=2, photometric="MONOCHROME1"), 10)
    assert m1.ds.PhotometricInterpretation == "MONOCHROME1"
    stored = m1.ds.pixel_array.astype(float)
    np.testing.assert_allclose(65535 - stored, m2, atol=0.5)
    resc = dr.flat_field(dr.Detector(electronic_noise=0, quantum_noise=0, gain_cv_percent=2, rescale=(0.5, -100.0)), 10)
    np.testing.assert_allclose(images_from(resc.ds)[0].array, m2, atol=0.51)


def test_noise_levels_are_as_stated():
    det = dr.Detector(quantum_noise=0.02, electronic_noise=0.0, gain=100.0, offset=0.0)
    a = images_from(dr.flat_field(det, 10).ds)[0].array
    assert a.std() / a.mean() == pytest.approx(0.02, rel=0.03)
    d = images_from(dr.dark_image(dr.Detector(electronic_noise=5.0, dark_level=300)).ds)[0].array
    assert d.mean() == pytest.approx(300, abs=0.1) and d.std() == pytest.approx(5.0, rel=0.03)


def test_headers_say_what_kind_of_image_it_is():
    s = dr.flat_field(dr.Detector(kind="presentation", spacing_tags="pixel"), 10, target_exposure_index=500)
    ds = s.ds
    assert ds.SOPClassUID == dr.DX_PRESENTATION and ds.PresentationIntentType == "FOR PRESENTATION"
    assert "WindowCenter" in ds and "PixelSpacing" in ds and "ImagerPixelSpacing" not in ds
    assert float(ds.ExposureIndex) == pytest.approx(1000) and float(ds.DeviationIndex) == pytest.approx(3.0103, abs=1e-3)
    cr = dr.flat_field(dr.Detector(kind="cr"), 5).ds
    assert cr.Modality == "CR" and cr.SOPClassUID == dr.CR_STORAGE and "PresentationIntentType" not in cr


@pytest.mark.parametrize("ts", [RLELossless, JPEG2000Lossless])
def test_compressed_copies_decode_to_the_same_pixels(tmp_path, ts):
    s = dr.flat_field(dr.Detector(shape=(128, 160)), 10)
    p = s.write(tmp_path / "c.dcm", ts)
    back = pydicom.dcmread(p)
    assert back.file_meta.TransferSyntaxUID == ts
    np.testing.assert_array_equal(back.pixel_array, s.ds.pixel_array)


def test_edge_truth_is_the_gaussian_presampled_mtf():
    s = dr.edge_image(dr.Detector(pixel_mm=0.1), sigma_mm=0.2)
    assert dr.gaussian_mtf(s.truth["mtf50"], 0.2) == pytest.approx(0.5, abs=1e-9)
