"""Reading real and bad input: folders, non-DICOM files, truncated files."""


from huren.dicomio import group_series, is_localiser, load_images


def test_reads_real_ct_folder_and_flags_the_topogram(phantoms):
    images, errors = load_images([phantoms / "ct" / "Constancy13img"])
    assert not errors
    series = group_series(images)
    assert len(series) == 4
    topo = [g for g in series.values() if is_localiser(g[0].ds)]
    assert len(topo) == 1
    water = [g for g in series.values() if "Kropp" in str(g[0].ds.SeriesDescription)][0]
    assert len(water) == 6
    zs = [im.z for im in water]
    assert zs == sorted(zs)


def test_non_dicom_and_truncated_files_get_bilingual_errors(tmp_path, phantoms):
    junk = tmp_path / "notes.txt"
    junk.write_text("not an image")
    src = next((phantoms / "ct" / "CTP404_FOV150").glob("*.dcm")).read_bytes()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(src[: len(src) // 3])
    images, errors = load_images([junk, cut])
    assert not images
    by_path = {e.path: e for e in errors}
    assert "不是 DICOM" in by_path[str(junk)].reason_zh and "not a DICOM" in by_path[str(junk)].reason_en
    assert str(cut) in by_path
    assert by_path[str(cut)].reason_zh and by_path[str(cut)].reason_en
