"""huren.analysis.looks_like_phantom: the DICOM node's content screen. Real phantoms (GE ACR MR,
Siemens water CT, Catphan CTP404) and synthetic DR QC images are phantoms; patient-like slices
(an irregular CT abdomen, an MR head, a chest radiograph) are not."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pydicom
import pytest

from huren.analysis import looks_like_phantom, screening_images
from huren.dicomio import as_image, load_images
from huren.synth import dr
from huren.synth.patient import abdomen_hu, chest_dr, head_ct, head_mr, with_pixels


@pytest.fixture(scope="module")
def ge_acr(phantoms) -> list:
    return load_images(sorted((phantoms / "mr" / "acr" / "GE").glob("*")))[0]


@pytest.fixture(scope="module")
def ct_header(phantoms) -> pydicom.Dataset:
    return pydicom.dcmread(phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm")


def test_real_ge_acr_series_screened_by_its_middle_slices_is_an_mr_phantom(ge_acr):
    assert "cardiac" in str(ge_acr[0].ds.get("SeriesDescription", "")).lower() or len(ge_acr) == 11
    few = screening_images(ge_acr)
    assert len(few) == 3 and len(ge_acr) == 11
    ok, zh, en = looks_like_phantom(few)
    assert ok, en
    assert "ACR" in en and "ACR" in zh and "190 mm" in en


def test_alone_only_the_plain_acr_slices_pass_not_the_grid_inserts_or_lcd_slices(ge_acr):
    from huren.analysis.mr import identify_slices

    acr = identify_slices(ge_acr)
    alone = {n: looks_like_phantom([acr.image(n)])[0] for n in range(1, 12)}
    assert alone[6] and alone[7]
    assert not any(alone[n] for n in (1, 5, 8, 9, 10, 11))


@pytest.mark.parametrize("folder,name", [
    ("ct/CTP404_FOV150", "Catphan"),
    ("ct/Constancy13img", "water"),
])
def test_real_ct_phantoms_are_phantoms(phantoms, folder, name):
    images = load_images(sorted((phantoms / folder).glob("*.dcm")))[0]
    if name == "water":  # the Siemens body water series alone
        images = [im for im in images if "Kropp_vann" in Path(im.path).name]
    ok, zh, en = looks_like_phantom(screening_images(images))
    assert ok and name in en, en


def test_real_ct_wire_series_is_a_phantom(phantoms):
    images = load_images(sorted((phantoms / "ct" / "Constancy13img").glob("002_*.dcm")))[0]
    ok, _, en = looks_like_phantom(screening_images(images))
    assert ok and "wire" in en


@pytest.mark.parametrize("seed", [0, 1])
def test_irregular_ct_abdomen_with_organs_gas_and_bone_is_not_a_phantom(ct_header, seed):
    hu = abdomen_hu(seed=seed)
    im = as_image(with_pixels(ct_header, np.clip(hu + 1024, 0, 4095), pixel_mm=0.78))
    ok, zh, en = looks_like_phantom([im])
    assert not ok, en
    assert "not look like a phantom" in en and "不像体模" in zh


def test_ct_abdomen_without_gas_or_bone_is_still_not_a_phantom(ct_header):
    # only soft tissue and fat in an irregular outline: no module, and the outline is not round
    hu = abdomen_hu()
    hu = np.where(hu > 200, 50.0, np.where((hu < -500) & (hu > -950), 40.0, hu))
    ok, _, en = looks_like_phantom([as_image(with_pixels(ct_header, np.clip(hu + 1024, 0, 4095), pixel_mm=0.78))])
    assert not ok, en


@pytest.mark.parametrize("width_mm", [150.0, 190.0])
def test_ct_head_is_not_a_water_phantom_even_when_round(ct_header, width_mm):
    # inside the skull a brain is nearly as plain as water: the bony rim is what tells them apart
    hu = head_ct(width_mm=width_mm)
    ok, _, en = looks_like_phantom([as_image(with_pixels(ct_header, np.clip(hu + 1024, 0, 4095), pixel_mm=0.9))])
    assert not ok, en


@pytest.mark.parametrize("seed,width_mm", [(0, 150.0), (1, 150.0), (2, 170.0), (3, 190.0)])
def test_mr_head_like_image_is_not_a_phantom_even_when_round(ge_acr, seed, width_mm):
    # an oval head fails the roundness test; a round one (190 mm, the ACR's size) fails the plainness test
    hdr = sorted(ge_acr, key=lambda m: m.z)[6].ds
    ims = [as_image(with_pixels(hdr, head_mr(seed=s, width_mm=width_mm), pixel_mm=0.94)) for s in (seed, seed + 10)]
    ok, zh, en = looks_like_phantom(ims)
    assert not ok, en


def test_round_mr_flood_of_another_size_is_a_flood_phantom(ge_acr):
    hdr = sorted(ge_acr, key=lambda m: m.z)[6].ds
    n, px = 256, 0.94
    c = (np.arange(n) - n / 2) * px
    x, y = np.meshgrid(c, c)
    flood = np.where(x ** 2 + y ** 2 <= 80.0 ** 2, 1000.0 - 0.01 * (x ** 2 + y ** 2), 0.0)
    flood = np.clip(flood + np.random.default_rng(3).normal(0, 10, (n, n)), 0, None)
    ok, _, en = looks_like_phantom([as_image(with_pixels(hdr, flood, pixel_mm=px))])
    assert ok and "flood" in en and "160 mm" in en, en


@pytest.fixture(scope="module")
def det() -> dr.Detector:
    return dr.Detector(shape=(384, 384), pixel_mm=1.0)


@pytest.mark.parametrize("make,word", [
    (lambda d: dr.flat_field(d, 10.0).ds, "flat"),
    (lambda d: dr.flat_field(dr.Detector(shape=(384, 384), pixel_mm=1.0, gain_cv_percent=8.0), 3.0).ds, "flat"),
    (lambda d: dr.dark_image(d).ds, "dark"),
    (lambda d: dr.edge_image(d).ds, "edge"),
    (lambda d: dr.ghost_triple(d)[1].ds, "block"),
])
def test_synthetic_dr_qc_exposures_are_phantoms(det, make, word):
    ok, _, en = looks_like_phantom([as_image(make(det))])
    assert ok and word in en, en


@pytest.mark.parametrize("seed,ei", [(0, 300.0), (1, 300.0), (2, 2.0)])
def test_chest_radiograph_is_not_a_qc_exposure(det, seed, ei):
    # image_kind alone would call it flat (or dark at a tiny EI): the screen also asks for a plain image
    ok, zh, en = looks_like_phantom([as_image(chest_dr(det, seed, ei))])
    assert not ok, en
    assert "质控" in zh


def test_no_image_or_an_unsupported_modality_is_not_a_phantom(ct_header):
    assert looks_like_phantom([])[0] is False
    ds = copy.deepcopy(ct_header)
    ds.Modality = "US"
    ok, zh, en = looks_like_phantom([as_image(ds)])
    assert not ok and "US" in en and "US" in zh


def test_screening_takes_the_middle_three_of_a_long_series_in_position_order(ge_acr):
    shuffled = list(reversed(ge_acr))
    few = screening_images(shuffled)
    zs = sorted(m.z for m in ge_acr)
    assert [m.z for m in few] == zs[4:7]
    assert screening_images(ge_acr[:2]) == sorted(ge_acr[:2], key=lambda m: m.z)


@pytest.mark.parametrize("make", ["catphan504", "acr464", "water_phantom"])
def test_every_slice_of_synthetic_ct_phantoms_passes_alone(make):
    from huren.synth import ct

    series = getattr(ct, make)()
    verdicts = [looks_like_phantom([as_image(ds)]) for ds in series.datasets]
    assert all(ok for ok, _, _ in verdicts), [en for _, _, en in verdicts]
