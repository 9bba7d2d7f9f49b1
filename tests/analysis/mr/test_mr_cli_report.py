"""`huren analyze` on MR images: JSON on stdout, a PNG per test with --report, --second pairing."""

from __future__ import annotations

import json

import pytest

from huren.cli import main
from huren.synth.mr import AcrTruth, FloodTruth, write_acr_series, write_flood


@pytest.fixture(scope="module")
def acr_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("acr")
    write_acr_series(d, AcrTruth(shading_per_mm=0.001, angle_deg=2.0))
    return d


def test_analyze_json_and_report_pngs_for_an_acr_series(acr_dir, tmp_path, capsys):
    rep = tmp_path / "report"
    assert main(["analyze", str(acr_dir), "--phantom", "acr", "--json", "--report", str(rep)]) == 0
    doc = json.loads(capsys.readouterr().out)
    metrics = {m["metric"] for m in doc["measurements"]}
    assert {"piu", "ghosting_percent", "snr", "geometric_length", "slice_thickness",
            "slice_position_difference", "phantom_centre_px", "resonance_frequency"} <= metrics
    pngs = {p.name for p in rep.glob("*.png")}
    assert {"piu_acr_s7.png", "geometry_s5.png", "slice_thickness_s1.png", "ghosting_acr_s7.png"} <= pngs
    assert all(p.stat().st_size > 5000 for p in rep.glob("*.png"))


def test_analyze_with_second_gives_subtraction_snr(tmp_path, capsys):
    a = write_flood(tmp_path / "a" / "f.dcm", FloodTruth(), seed=1)
    b = write_flood(tmp_path / "b" / "f.dcm", FloodTruth(), seed=2)
    assert main(["analyze", str(a), "--phantom", "flood", "--second", str(b), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    sub = [m for m in doc["measurements"] if m["metric"] == "snr" and m["method"] == "subtraction"]
    assert len(sub) == 1 and sub[0]["value"] == pytest.approx(100.0, rel=0.06)
    assert len(sub[0]["provenance"]["sop_instance_uids"]) == 2


def test_report_titles_show_hazens_way_beside_ours():
    from types import SimpleNamespace

    from huren.analysis.mr.report import _label

    m = SimpleNamespace(metric="slice_thickness", method="acr-ramps", value=5.506,
                        details={"hazen_method": {"value": 4.79}})
    c = SimpleNamespace(metric="phantom_centre_px", method="circle-fit", value=253.35,
                        details={"hazen_method": {"x": 253, "y": 256}})
    assert _label(m) == "slice_thickness acr-ramps 5.506 (hazen's way 4.79)"
    assert _label(c).endswith("(hazen's way 253, 256)")
