"""Every received object is filed under its study: identity, dates, counts, device, and the
patient only as keyed hashes (never in clear, anywhere in the database)."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pydicom
import pytest
from django.db import connection
from pydicom.uid import CTImageStorage, generate_uid

from huren.dicomnode.models import DicomObject, DicomSeries
from huren.dicomnode.storage import store
from huren.registry.models import Department, Device, Institution
from huren.studies.intake import parse_da, parse_tm, study_modality
from huren.studies.keys import normalise, patient_key
from huren.studies.models import Study
from huren.synth import UID_ROOT, new_dataset

PATIENT_ID, PATIENT_NAME = "P-0042-秘", "Wang^Xiaoming"


def ct_object(study_uid, series_uid, instance, *, serial="SN-STUDY", description="Abdomen 5mm", accession="A123",
              study_date="20261115", study_time="083015.25", patient_id=PATIENT_ID, modality="CT") -> bytes:
    ds = new_dataset(CTImageStorage)
    ds.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: Chinese names and descriptions
    ds.Modality = modality
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
    ds.InstanceNumber = instance
    ds.AccessionNumber, ds.StudyDate, ds.StudyTime = accession, study_date, study_time
    ds.StudyDescription, ds.SeriesDescription, ds.ProtocolName = "CT 腹部平扫", description, "ABD_ROUTINE"
    ds.BodyPartExamined = "ABDOMEN"
    ds.PatientID, ds.PatientName, ds.PatientSex = patient_id, PATIENT_NAME, "M"
    ds.InstitutionName, ds.DeviceSerialNumber, ds.Manufacturer = "甲医院", serial, "Siemens"
    ds.Rows = ds.Columns = 8
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.PixelSpacing, ds.ImagePositionPatient = [0.7, 0.7], [0, 0, float(instance)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelData = np.full((8, 8), instance, np.uint16).tobytes()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


@pytest.fixture
def dicom_root(tmp_path, settings):
    settings.DICOM_ROOT = tmp_path / "dicom"
    settings.HUREN_DICOM_SERIES_QUIET_SECONDS = 3600  # no completeness check during the test
    return settings.DICOM_ROOT


@pytest.fixture
def device(db):
    h = Institution.objects.create(name="甲医院", kind=Institution.Kind.HOSPITAL)
    dep = Department.objects.create(institution=h, name="放射科")
    return Device.objects.create(department=dep, name="CT-1", modality="CT", manufacturer="Siemens",
                                 model_name="Force", serial_number="S1", device_serial_number="SN-STUDY")


def test_a_study_is_filed_with_its_identity_counts_and_device(dicom_root, device):
    study_uid, s1, s2 = (generate_uid(UID_ROOT) for _ in range(3))
    for i in range(3):
        store(ct_object(study_uid, s1, i + 1), source="c-store")
    for i in range(2):
        store(ct_object(study_uid, s2, i + 1, description="Abdomen 1mm"), source="c-store")
    study = Study.objects.get(study_instance_uid=study_uid)
    assert (study.series_count, study.image_count) == (2, 5)
    assert study.accession_number == "A123" and study.modality == "CT" and study.body_part == "ABDOMEN"
    assert study.study_date == dt.date(2026, 11, 15) and study.study_time == dt.time(8, 30, 15, 250000)
    assert study.device == device and study.institution_name == "甲医院"
    assert study.series_descriptions == ["Abdomen 5mm / ABD_ROUTINE", "Abdomen 1mm / ABD_ROUTINE"]
    assert set(DicomSeries.objects.values_list("study_id", flat=True)) == {study.pk}
    assert study.patient_id_key == patient_key(PATIENT_ID) and len(study.patient_id_key) == 64


def test_a_resent_image_is_not_counted_twice(dicom_root, device):
    study_uid, s1 = generate_uid(UID_ROOT), generate_uid(UID_ROOT)
    raw = ct_object(study_uid, s1, 1)
    store(raw, source="c-store")
    store(raw, source="c-store")
    assert DicomObject.objects.filter(status=DicomObject.Status.DUPLICATE).count() == 1
    assert Study.objects.get(study_instance_uid=study_uid).image_count == 1


def test_the_patient_is_never_stored_in_clear(dicom_root, device):
    study_uid = generate_uid(UID_ROOT)
    store(ct_object(study_uid, generate_uid(UID_ROOT), 1), source="c-store")
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            if not table.startswith(("studies_", "dicomnode_", "accounts_audit")):
                continue
            cols = [c.name for c in connection.introspection.get_table_description(cur, table)]
            cur.execute(f'SELECT * FROM "{table}"')
            text = repr(cur.fetchall())
            for secret in (PATIENT_ID, "Xiaoming", "XIAOMING"):
                assert secret not in text, (table, cols)


def test_a_study_of_an_unknown_device_takes_the_device_a_person_assigns(dicom_root, device):
    from huren.dicomnode.matching import assign_device

    study_uid = generate_uid(UID_ROOT)
    store(ct_object(study_uid, generate_uid(UID_ROOT), 1, serial="UNREGISTERED"), source="c-store")
    study = Study.objects.get(study_instance_uid=study_uid)
    assert study.device is None
    assign_device(DicomSeries.objects.get(study=study), device)
    study.refresh_from_db()
    assert study.device == device


def test_a_later_object_fills_what_the_first_lacked(dicom_root, device):
    study_uid, s1 = generate_uid(UID_ROOT), generate_uid(UID_ROOT)
    store(ct_object(study_uid, s1, 1, accession="", study_date=""), source="c-store")
    store(ct_object(study_uid, s1, 2, accession="A9", study_date="20260102"), source="c-store")
    study = Study.objects.get(study_instance_uid=study_uid)
    assert (study.accession_number, study.study_date) == ("A9", dt.date(2026, 1, 2))


def test_an_unreadable_object_files_no_study(dicom_root, device):
    store(b"not dicom at all" * 10, source="c-store")
    assert Study.objects.count() == 0


@pytest.mark.parametrize("value,expected", [
    ("20261115", dt.date(2026, 11, 15)), ("2026.11.15", dt.date(2026, 11, 15)), ("", None),
    ("20261315", None), ("2026111", None), ("abcdefgh", None)])
def test_parse_da(value, expected):
    assert parse_da(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("083015.25", dt.time(8, 30, 15, 250000)), ("0830", dt.time(8, 30)), ("08", dt.time(8)),
    ("08:30:15", dt.time(8, 30, 15)), ("2560", None), ("x", None), ("", None)])
def test_parse_tm(value, expected):
    assert parse_tm(value) == expected


@pytest.mark.parametrize("code,expected", [("DX", "DR"), ("CR", "DR"), ("CT", "CT"), ("mr", "MR"), ("US", "US")])
def test_study_modality(code, expected):
    assert study_modality(code) == expected


def test_patient_keys_match_the_same_person_and_only_them(settings):
    settings.HUREN_PATIENT_KEY = ""
    a = patient_key(" P-0042 ")
    assert a == patient_key("P-0042") and a != patient_key("p-0042")  # IDs are case-sensitive
    assert patient_key("ZHANG^SAN", "name") == patient_key("Zhang San", "name") == patient_key("zhang^san^^", "name")
    assert patient_key("", "id") == "" and patient_key(None) == ""
    assert patient_key("P-0042", "id") != patient_key("P-0042", "name")
    settings.HUREN_PATIENT_KEY = "another-installation"
    assert patient_key("P-0042") != a  # keyed: another secret, another key
    with pytest.raises(ValueError):
        normalise("x", "phone")
