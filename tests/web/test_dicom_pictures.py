"""The series page shows the analysed images with their ROIs beside the figures (issue 12
item 9): real CTP404 files uploaded through the web page, analysed and drawn by the worker
(the immediate backend), served per run and scoped, kept once per run under
HUREN_PICTURES_ROOT, drawn again on the first view when missing, and a clear message when
the stored images are gone."""

from __future__ import annotations

import io
import json
import re
import shutil
import struct
import zipfile

import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from huren.dicomnode.models import DicomSeries

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def stores(tmp_path, settings):
    settings.DICOM_ROOT = tmp_path / "dicom"
    settings.HUREN_PICTURES_ROOT = tmp_path / "pictures"
    settings.HUREN_DICOM_SERIES_QUIET_SECONDS = 0
    return settings.DICOM_ROOT, settings.HUREN_PICTURES_ROOT


def _zip(phantoms) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted((phantoms / "ct" / "CTP404_FOV150").glob("*.dcm")):
            ds = pydicom.dcmread(p)
            ds.PatientName = "QC^Phantom"  # as a technologist marks a QC scan
            out = io.BytesIO()
            ds.save_as(out)
            zf.writestr(p.name, out.getvalue())
    return buf.getvalue()


@pytest.fixture
def analysed(client, world, stores, phantoms, django_capture_on_commit_callbacks):
    """The three CTP404 slices uploaded by hospital A's technologist, analysed, pictures drawn."""
    client.force_login(world.users["tech_a"])
    with override_settings(TASKS=IMMEDIATE), django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("ctp404.zip", _zip(phantoms)),
                                                      "device": world.ct_a.pk})
    assert r.status_code == 302
    series = DicomSeries.objects.get()
    run = series.latest_run
    assert run.status == "done" and run.measurement_count >= 10
    return series, run


def _imgs(html: str) -> list[str]:
    return re.findall(r'<img src="([^"]+)"', html)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@override_settings(TASKS=IMMEDIATE)
def test_series_page_shows_each_picture_beside_its_figures_and_the_urls_return_pngs(client, world, analysed, stores):
    series, run = analysed
    _, pictures_root = stores
    index = json.loads((pictures_root / f"run-{run.pk}" / "index.json").read_text())
    assert index["pictures"] == ["CTP404.png"]  # drawn once, by the worker, after the analysis
    html = client.get(reverse("web:dicom_series", args=[series.pk])).content.decode()
    urls = _imgs(html)
    full = reverse("dicomnode:run_picture", args=[run.pk, "CTP404.png"])
    assert urls == [full + "?size=preview"]  # the page shows a smaller copy, linked to the picture
    # beside the figures it shows: one picture cell spanning the rows of all twelve CTP404 figures
    cell = re.search(r'<td rowspan="(\d+)" class="picture"><a href="([^"]+)"', html)
    assert cell and int(cell.group(1)) == run.measurement_count == 12 and cell.group(2) == full
    assert 'data-pictures="ready"' in html and "ROI" in html
    import io

    from PIL import Image

    r = client.get(full)
    data = b"".join(r.streaming_content)
    w, h = _png_size(data)
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert len(data) > 20_000 and w >= 300 and h >= 300  # a real picture, not an icon
    r = client.get(urls[0])
    small = b"".join(r.streaming_content)
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and small[:3] == b"\xff\xd8\xff"
    with Image.open(io.BytesIO(small)) as im:
        pw, ph = im.size
    assert pw == min(w, 480) and abs(ph - h * pw / w) <= 1 and len(small) < len(data) / 2  # lighter than the picture
    assert client.get(urls[0]).status_code == 200  # made once, then served from the kept copy
    # a second view does not draw again (the index is the one the worker wrote)
    client.get(reverse("web:dicom_series", args=[series.pk]))
    assert json.loads((pictures_root / f"run-{run.pk}" / "index.json").read_text())["drawn_at"] == index["drawn_at"]


@override_settings(TASKS=IMMEDIATE)
def test_pictures_are_scoped_to_the_series_hospital(client, world, analysed):
    series, run = analysed
    url = reverse("dicomnode:run_picture", args=[run.pk, "CTP404.png"])
    client.force_login(world.users["tech_b"])  # another hospital
    assert client.get(url).status_code == 404
    assert client.get(reverse("web:dicom_series", args=[series.pk])).status_code == 404
    for who in ("evaluator", "manager_a"):  # the QC centre and the series' own hospital
        client.force_login(world.users[who])
        assert client.get(url).status_code == 200, who
    client.logout()
    r = client.get(url)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    client.force_login(world.users["tech_a"])
    for name in ("index.json", "other.png", "..png"):  # only the pictures the index lists are served
        assert client.get(reverse("dicomnode:run_picture", args=[run.pk, name])).status_code == 404, name


@override_settings(TASKS=IMMEDIATE)
def test_missing_pictures_are_drawn_on_the_first_view_and_gone_images_get_a_message(client, world, analysed, stores):
    series, run = analysed
    dicom_root, pictures_root = stores
    page = reverse("web:dicom_series", args=[series.pk])
    url = reverse("dicomnode:run_picture", args=[run.pk, "CTP404.png"])
    shutil.rmtree(pictures_root / f"run-{run.pk}")  # e.g. the picture store was cleared
    html = client.get(page).content.decode()
    assert _imgs(html) == [url + "?size=preview"] and (pictures_root / f"run-{run.pk}" / "CTP404.png").is_file()

    index = pictures_root / f"run-{run.pk}" / "index.json"
    stale = json.loads(index.read_text()) | {"identity": "1.2.3@2020-01-01T00:00:00+00:00"}
    index.write_text(json.dumps(stale))  # a store kept while the database was made afresh: another run #n
    assert client.get(url).status_code == 404
    client.get(page)
    assert json.loads(index.read_text())["identity"] != stale["identity"]  # drawn again for this run
    assert client.get(url).status_code == 200

    (pictures_root / f"run-{run.pk}" / "CTP404.png").write_bytes(b"\x89PNG damaged")  # no preview can be made of it
    r = client.get(url + "?size=preview")
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and b"".join(r.streaming_content) == b"\x89PNG damaged"
    (pictures_root / f"run-{run.pk}" / "CTP404.png").unlink()  # a picture lost while the page is open
    for u in (url, url + "?size=preview"):
        r = client.get(u)
        assert r.status_code == 404 and "该图片已不在服务器上" in r.content.decode() and "no longer on the server" in r.content.decode()

    shutil.rmtree(pictures_root / f"run-{run.pk}")
    for o in series.dicom_objects.all():
        (dicom_root / o.path).unlink()
    html = client.get(page).content.decode()
    assert _imgs(html) == [] and 'data-pictures="gone"' in html
    assert "已不在存储中" in html  # the figures stay, the page says why there is no picture
    assert "CT-EQ-PERF" in html and not (pictures_root / f"run-{run.pk}").exists()


@override_settings(TASKS=IMMEDIATE)
def test_qc_report_pdf_embeds_the_kept_pictures_even_when_the_images_are_gone(client, world, analysed, stores):
    from tests.reports.test_qc_run_pdf import _images_in

    series, run = analysed
    dicom_root, _ = stores
    for o in series.dicom_objects.all():
        (dicom_root / o.path).unlink()
    r = client.get(reverse("reports:run_pdf", args=[run.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert _images_in(r.content) >= 1  # the picture kept for the run, not drawn again
