"""Header-only decisions of the DICOM node (pure: no database)."""

from __future__ import annotations

import copy

import pydicom
import pytest

from huren.dicomnode.identify import identify, incomplete, phantom_words


@pytest.fixture(scope="module")
def ct(phantoms):
    return pydicom.dcmread(phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm")


def _with(ds, **tags):
    d = copy.deepcopy(ds)
    for k, v in tags.items():
        setattr(d, k, v)
    return d


def test_phantom_words_are_found_as_whole_words_in_latin_and_as_text_in_chinese(ct, phantoms):
    clinical = dict(PatientName="Zhang^San", PatientID="88", StudyDescription="Abdomen", SeriesDescription="Abdomen 5.0",
                    ProtocolName="Abdomen", BodyPartExamined="ABDOMEN")
    assert phantom_words(_with(ct, **clinical)) == []
    assert phantom_words(_with(ct, **{**clinical, "PatientName": "QC^Phantom"})) == ["phantom", "qc"]
    assert phantom_words(_with(ct, **{**clinical, "StudyDescription": "每日水模质控"})) == ["水模", "质控"]
    assert phantom_words(_with(ct, **{**clinical, "SeriesDescription": "acrylic marker qcs"})) == []  # not whole words
    constancy = sorted((phantoms / "ct" / "Constancy13img").glob("*.dcm"))[0]  # a real site's constancy test
    assert "konstanstest" in phantom_words(pydicom.dcmread(constancy, stop_before_pixels=True))


def test_identity_keeps_what_matching_and_filing_need(ct):
    ident = identify(ct)
    assert (ident.modality, ident.station_name, ident.device_serial) == ("CT", "NN", "60005")
    assert ident.series_instance_uid == ct.SeriesInstanceUID and ident.sop_class_uid == ct.SOPClassUID
    assert ident.transfer_syntax_uid == ct.file_meta.TransferSyntaxUID


def test_a_whole_image_is_complete_and_a_cut_one_is_not(ct):
    assert incomplete(ct) is None
    cut = _with(ct)
    cut.PixelData = ct.PixelData[: len(ct.PixelData) // 2]
    zh, en = incomplete(cut)
    assert "不完整" in zh and f"{len(ct.PixelData) // 2} of {len(ct.PixelData)} bytes" in en
    gone = _with(ct)
    del gone.PixelData
    assert "no pixel data" in incomplete(gone)[1]


def test_mr_spectroscopy_needs_its_spectra_not_pixel_data():
    from huren.synth.clinical import mr_spectroscopy

    [mrs] = mr_spectroscopy().datasets
    assert "PixelData" not in mrs and incomplete(mrs) is None  # spectra, not an image: whole
    del mrs.SpectroscopyData
    zh, en = incomplete(mrs)
    assert "no spectroscopy data" in en and "波谱" in zh
