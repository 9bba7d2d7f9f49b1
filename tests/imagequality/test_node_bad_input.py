"""Bad input of clinical studies through the node and the worker: each study is sent over a real
association (pynetdicom's SCU) to the running Storage SCP, then the real background worker
(django_tasks_db's ``db_worker``) decides its series and evaluates it. Each is stored (status
0x0000) and kept, its evaluation completes, the checks it affects are "not evaluable" with the
reason in Chinese and English, and no task fails and nothing is logged as an error."""

from __future__ import annotations

import copy
import io
import logging
import tempfile
from pathlib import Path

import numpy as np
import pydicom
import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult
from iqs_helpers import from_device, raw
from pydicom.data import get_testdata_file
from pydicom.uid import JPEG2000Lossless, RLELossless, generate_uid

from huren.dicomnode import scp
from huren.dicomnode.models import DicomObject
from huren.imagequality.models import Evaluation
from huren.studies.models import Study
from huren.synth import clinical
from huren.synth.scu import send_study
from tests.transcode import gdcm_transcode

pytestmark = pytest.mark.django_db(transaction=True)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class Errors(logging.Handler):
    """Every record logged at ERROR or above (a traceback in the worker or the node shows up here)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def node(site, settings):
    settings.HUREN_DICOM_SERIES_QUIET_SECONDS = 0
    settings.TASKS = DB_TASKS
    errors = Errors()
    logging.getLogger().addHandler(errors)
    server = scp.start("127.0.0.1", 0, "HUREN_TEST")
    try:
        yield server.server_address[1], errors
    finally:
        server.shutdown()
        logging.getLogger().removeHandler(errors)


def work() -> None:
    """Run the background worker until no task is left (the series checks, then the evaluations)."""
    call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)


def deliver(port, datasets, device=None) -> Study:
    """Send the study over one association (``device``: the headers name it), run the worker."""
    statuses = send_study(port, from_device(datasets, device) if device is not None else datasets)
    assert statuses == [0x0000] * len(datasets), [hex(s) for s in statuses]
    work()
    uid = str(datasets[0].StudyInstanceUID)
    stored = DicomObject.objects.filter(study_instance_uid=uid, status=DicomObject.Status.STORED)
    assert stored.count() == len(datasets)  # every object kept
    return Study.objects.get(study_instance_uid=uid)


def evaluated(study: Study, errors: Errors) -> Evaluation:
    """The study's one evaluation, completed, with bilingual reasons; the worker ran clean."""
    ev = study.iq_evaluations.get()
    assert ev.status == Evaluation.Status.DONE, (ev.status, ev.error_en)
    assert ev.checks.exists()
    for c in ev.checks.filter(result="not_evaluable"):
        assert c.reason_en and any("\u4e00" <= ch <= "\u9fff" for ch in c.reason_zh), (c.check_name, c.reason_zh)
    ours = DBTaskResult.objects.filter(task_path__startswith="huren.dicomnode.") | DBTaskResult.objects.filter(
        task_path__startswith="huren.imagequality.")
    assert ours.exists() and not ours.exclude(status="SUCCESSFUL").exists(), [
        (t.task_path, t.status, t.traceback) for t in ours.exclude(status="SUCCESSFUL")]
    assert not errors.records, [r.getMessage() for r in errors.records]
    return ev


def results(ev: Evaluation, check: str) -> list[str]:
    return list(ev.checks.filter(check_name=check).values_list("result", flat=True))


def reason(ev: Evaluation, check: str) -> tuple[str, str]:
    c = ev.checks.filter(check_name=check).first()
    return c.reason_zh, c.reason_en


# ------------------------------------------------------------------------------ compressed pixel data
def _gdcm(ds, syntax: str):
    """``ds`` transcoded by GDCM (which encodes JPEG baseline, JPEG lossless and JPEG-LS)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.dcm"
        src.write_bytes(raw(ds))
        return pydicom.dcmread(gdcm_transcode(src, Path(tmp) / "out.dcm", syntax))


def _compressed_ct(kind: str, n: int = 6):
    st = clinical.ct_study(n_slices=n, seed=31)
    out = []
    for ds in st.datasets:
        if kind in ("rle", "jpeg2000"):
            ds.compress(RLELossless if kind == "rle" else JPEG2000Lossless)
            ds = pydicom.dcmread(io.BytesIO(raw(ds)))  # as a console's file: encoded as its syntax says
        else:
            ds = _gdcm(ds, {"jpeg_ls": "JPEGLSLossless", "jpeg_lossless": "JPEGLosslessProcess14_1",
                            "jpeg_16bit_lossy": "JPEGExtendedProcess2_4"}[kind])
        out.append(ds)
    return out


def _dr_8bit_jpeg_baseline():
    """A DR radiograph stored 8-bit and JPEG baseline compressed (as older consoles send)."""
    [ds] = clinical.dr_image(seed=32).datasets
    a = ds.pixel_array.astype(np.float64)
    a = np.round(255 * (a - a.min()) / max(1.0, np.ptp(a))).astype(np.uint8)
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelRepresentation = 0
    ds.PixelData = a.tobytes()
    return [_gdcm(ds, "JPEGBaselineProcess1")]


def _pydicom_file(name: str):
    ds = pydicom.dcmread(get_testdata_file(name))
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID = generate_uid(), generate_uid(), generate_uid()
    return [ds]


COMPRESSED = {
    "rle": lambda: _compressed_ct("rle"),
    "jpeg2000": lambda: _compressed_ct("jpeg2000"),
    "jpeg_ls": lambda: _compressed_ct("jpeg_ls"),
    "jpeg_lossless": lambda: _compressed_ct("jpeg_lossless"),
    "jpeg_baseline_dr": _dr_8bit_jpeg_baseline,
    "pydicom_mr_jpeg_ls": lambda: _pydicom_file("MR_small_jpeg_ls_lossless.dcm"),
    "pydicom_mr_rle": lambda: _pydicom_file("MR_small_RLE.dcm"),
}


@pytest.mark.parametrize("kind", sorted(COMPRESSED))
def test_compressed_pixel_data_is_stored_as_received_and_evaluated(node, site, kind):
    port, errors = node
    datasets = COMPRESSED[kind]()
    syntax = str(datasets[0].file_meta.TransferSyntaxUID)
    assert pydicom.uid.UID(syntax).is_compressed
    device = site.a.DR if kind.endswith("_dr") else site.a.MR if "_mr_" in kind else site.a.CT
    study = deliver(port, datasets, device)
    assert set(DicomObject.objects.filter(study_instance_uid=study.study_instance_uid)
               .values_list("transfer_syntax_uid", flat=True)) == {syntax}
    ev = evaluated(study, errors)
    # the pixel data was decoded: the readable check passes and pixels were read
    assert results(ev, "readable") and set(results(ev, "readable")) == {"pass"}
    assert ev.pixel_images_read >= 1


def test_compressed_pixel_data_no_decoder_can_read_is_not_evaluable_with_the_reason(node, site):
    """GDCM writes 16-bit samples as "JPEG Extended", which allows 8 or 12 bits: every decoder
    refuses them. Stored as received; the pixel checks say why they could not judge."""
    port, errors = node
    study = deliver(port, _compressed_ct("jpeg_16bit_lossy"), site.a.CT)
    ev = evaluated(study, errors)
    assert set(DicomObject.objects.filter(study_instance_uid=study.study_instance_uid)
               .values_list("transfer_syntax_uid", flat=True)) == {"1.2.840.10008.1.2.4.51"}
    assert results(ev, "readable") == ["fail"] and "cannot be decoded" in reason(ev, "readable")[1]
    _not_evaluable_with(ev, ["centring", "body_in_fov", "metal_artifact"], "cannot be decoded")
    assert results(ev, "missing_slices") == ["pass"]  # the header checks still judge the series


# ------------------------------------------------------------------------------ unusual studies
SLICE_CHECKS = ("slice_interval", "slice_order", "missing_slices", "duplicate_slices", "misplaced_slices")


def _not_evaluable_with(ev, checks, words_en):
    for check in checks:
        assert results(ev, check) == ["not_evaluable"], (check, results(ev, check))
        zh, en = reason(ev, check)
        assert words_en in en and any("\u4e00" <= ch <= "\u9fff" for ch in zh), (check, zh, en)


def test_a_single_image_study(node, site):
    port, errors = node
    ev = evaluated(deliver(port, clinical.ct_study(n_slices=1, seed=41).datasets, site.a.CT), errors)
    _not_evaluable_with(ev, SLICE_CHECKS, "fewer than 3 images")
    assert results(ev, "matrix") == ["pass"] and results(ev, "centring") == ["pass"]


def test_missing_orientation_and_position(node, site):
    port, errors = node
    ev = evaluated(deliver(port, clinical.ct_study(n_slices=6, drop_orientation=True, seed=42).datasets, site.a.CT), errors)
    _not_evaluable_with(ev, SLICE_CHECKS, "position and orientation")
    assert results(ev, "labels") == ["fail"] and "Image Orientation" in reason(ev, "labels")[1]
    assert results(ev, "centring") == ["pass"]  # the pixels are still judged


def test_a_localiser_among_the_axial_images(node, site):
    """A topogram series of its own, and a localiser inside the axial series: the node does not
    analyse the topogram series, the evaluation drops the stray localiser from the axial series
    (naming it) and judges the slices without it."""
    port, errors = node
    st = clinical.ct_study(n_slices=6, localiser=True, localiser_in_series=True, seed=43)
    stray = [ds for ds in st.datasets[1:] if "LOCALIZER" in ds.ImageType]
    study = deliver(port, st.datasets, site.a.CT)
    ev = evaluated(study, errors)
    topogram = study.series.get(series_instance_uid=st.datasets[0].SeriesInstanceUID)
    assert topogram.status == "ignored" and topogram.dicom_objects.count() == 1  # kept, not evaluated
    [axial] = ev.series_results.all()
    assert axial.details["details"]["localisers_removed"] == [str(stray[0].SOPInstanceUID)]
    for check in SLICE_CHECKS:
        assert results(ev, check) == ["pass"], (check, reason(ev, check))


@pytest.mark.parametrize("modality", ["CT", "MR"])
def test_an_enhanced_multi_frame_object(node, site, modality):
    port, errors = node
    st = (clinical.ct_study(n_slices=8, enhanced=True, seed=44) if modality == "CT"
          else clinical.mr_study(n_slices=4, enhanced=True, seed=45))
    assert all(int(ds.NumberOfFrames) > 1 for ds in st.datasets)
    ev = evaluated(deliver(port, st.datasets, getattr(site.a, modality)), errors)
    assert ev.outcome == "pass", list(ev.checks.filter(result="fail").values_list("check_name", "reason_en"))
    if modality == "CT":  # the frames' own positions, from the per-frame functional groups
        for check in SLICE_CHECKS:
            assert results(ev, check) == ["pass"]
    else:
        assert results(ev, "required_sequences") == ["pass"]


def test_mixed_modalities_in_one_study(node, site):
    """A CT study with an MR series under the same Study Instance UID: the study is evaluated as CT,
    the MR series is named as another modality and not judged."""
    port, errors = node
    ct = clinical.ct_study(n_slices=6, seed=46)
    mr = clinical.mr_study(n_slices=2, seed=47, protocol=[("T2", "axial", False)])
    for ds in mr.datasets:
        ds.StudyInstanceUID = ct.study_instance_uid
    study = deliver(port, from_device(ct.datasets, site.a.CT) + from_device(mr.datasets, site.a.MR))
    assert sorted(study.modalities) == ["CT", "MR"] and study.series.count() == 2
    ev = evaluated(study, errors)
    roles = dict(ev.series_results.values_list("modality", "role"))
    assert roles == {"CT": "images", "MR": "other-modality"}
    [why] = [e for e in ev.errors if "MR" in e["reason_en"]]
    assert "not evaluated" in why["reason_en"] and "未评价" in why["reason_zh"]
    assert results(ev, "matrix") == ["pass"]  # the CT checks ran


def test_a_study_without_pixel_data_mr_spectroscopy(node, site):
    """MR spectroscopy carries spectra, no Pixel Data: stored and filed, and evaluated as "not
    evaluable" (no image series), not refused as a truncated image."""
    port, errors = node
    st = clinical.mr_spectroscopy(seed=48)
    assert "PixelData" not in st.datasets[0]
    study = deliver(port, st.datasets, site.a.MR)
    ev = evaluated(study, errors)
    _not_evaluable_with(ev, ["readable"], "no image series")
    assert list(ev.series_results.values_list("role", flat=True)) == ["non-image"]
    assert not ev.checks.filter(check_name__in=("matrix", "centring", "required_sequences")).exists()


def test_image_objects_without_pixel_data_are_refused_with_the_reason_and_kept(node, site, settings):
    """A CT image without Pixel Data is not a whole image (PS3.3 C.7.6.3: Pixel Data is required;
    a truncated file looks the same): the node keeps it on disk with the reason and answers 0xC000
    so that the console knows. The study's whole images are stored and evaluated as usual."""
    port, errors = node
    st = clinical.ct_study(n_slices=6, seed=49)
    empty = st.datasets[2]
    del empty.PixelData
    statuses = send_study(port, from_device(st.datasets, site.a.CT))
    assert statuses == [0, 0, 0xC000, 0, 0, 0]
    work()
    kept = DicomObject.objects.get(sop_instance_uid=empty.SOPInstanceUID)
    assert kept.status == "invalid" and "no pixel data" in kept.error_en and "像素" in kept.error_zh
    assert (settings.DICOM_ROOT / kept.path).is_file()
    study = Study.objects.get(study_instance_uid=st.study_instance_uid)
    assert study.image_count == 5
    ev = evaluated(study, errors)
    assert ev.images == 5 and results(ev, "missing_slices") == ["fail"]  # the gap the refused image left
