"""The synthetic CT generator writes real CT DICOM whose pixels carry the HU and geometry asked for."""

from __future__ import annotations

import math

import numpy as np
import pydicom
import pytest

from huren.dicomio import load_images
from huren.synth import ct as sct


def test_water_phantom_writes_ct_image_storage_with_rescale(tmp_path):
    s = sct.water_phantom(matrix=128, noise_sd=0.0, hu_offset=7.0, n_slices=2)
    paths = s.write(tmp_path)
    ds = pydicom.dcmread(paths[0])
    assert ds.SOPClassUID == sct.CT_IMAGE_STORAGE and ds.file_meta.MediaStorageSOPClassUID == sct.CT_IMAGE_STORAGE
    assert ds.Modality == "CT" and ds.RescaleType == "HU" and float(ds.RescaleIntercept) == -1024
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    images, errors = load_images([tmp_path])
    assert not errors and len(images) == 2
    centre = images[0].array[60:68, 60:68]
    assert abs(float(centre.mean()) - 7.0) < 0.5
    assert images[0].z != images[1].z


def test_signed_storage_keeps_the_same_hu(tmp_path):
    a = sct.water_phantom(matrix=64, noise_sd=0.0, hu_offset=-3.0, n_slices=1, seed=1)
    b = sct.water_phantom(matrix=64, noise_sd=0.0, hu_offset=-3.0, n_slices=1, seed=1, signed=True)
    ia, _ = load_images(a.write(tmp_path / "u"))
    ib, _ = load_images(b.write(tmp_path / "s"))
    assert pydicom.dcmread(tmp_path / "s" / "IM0001.dcm").PixelRepresentation == 1
    assert np.array_equal(ia[0].array, ib[0].array)


def test_gaussian_mtf_levels_match_the_closed_form():
    sigma = 0.6
    f50 = sct.mtf_level_gaussian(0.5, sigma) / 10
    f10 = sct.mtf_level_gaussian(0.1, sigma) / 10
    assert math.isclose(float(sct.mtf_gaussian(f50, sigma)), 0.5, rel_tol=1e-9)
    assert math.isclose(float(sct.mtf_gaussian(f10, sigma)), 0.1, rel_tol=1e-9)


def test_ramp_noise_has_the_requested_sd_and_no_power_at_zero_frequency():
    n = sct._ramp_noise((256, 256), 5.0, np.random.default_rng(0))
    assert abs(n.std() - 5.0) < 1e-6
    nps = np.abs(np.fft.fft2(n)) ** 2
    assert nps[0, 0] < 1e-6 * nps.mean()  # a ramp-filtered NPS vanishes at f = 0, unlike white noise


@pytest.mark.parametrize("gen", [sct.catphan504, sct.acr464])
def test_module_series_are_one_slice_per_module_in_z_order(gen):
    s = gen(matrix=96, noise_sd=1.0)
    zs = [float(d.SliceLocation) for d in s.datasets]
    assert zs == sorted(zs) and len(zs) == 4
    assert len({d.SeriesInstanceUID for d in s.datasets}) == 1


def test_enhanced_multiframe_copy_holds_every_frame(tmp_path):
    s = sct.water_phantom(matrix=64, n_slices=3, noise_sd=0.0)
    ds = sct.enhanced_ct(s)
    p = tmp_path / "enh.dcm"
    ds.save_as(p, enforce_file_format=True)
    images, errors = load_images([p])
    assert not errors and len(images) == 3
    assert images[0].sop_instance_uid.endswith("#0")
