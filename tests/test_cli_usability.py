"""What a user of ``huren analyze`` sees: aligned tables with Chinese text, documented exit
codes, clear messages for bad input, baselines compared series by series."""

import json
from pathlib import Path

import pytest

from huren.analysis import read_baselines
from huren.cli import display_width, main, pad
from huren.result import Measurement, Result
from huren.standard import judge


def test_display_width_counts_cjk_characters_as_two_columns():
    assert display_width("abc") == 3
    assert display_width("≥ 87.5%（场强 < 2.5 T）") == 23
    assert display_width(pad("场强", 6)) == 6 and display_width(pad("abc", 6, right=True)) == 6
    assert pad("too long", 3) == "too long"  # never cut


def _table_result() -> Result:
    res = Result(modality="MR", phantom="acr-mr-large")
    res.add(Measurement("MR-EQ-PERF", "piu", 81.0, "%", method="acr"))
    res.add(Measurement("MR-EQ-PERF", "low_contrast_spokes", 40, "", method="a-very-long-method-name-beyond-fourteen"))
    res.add(Measurement("MR-EQ-PERF", "ghosting_percent", 0.04, "%", method="acr-psg"))
    return judge(res, test_type="status", baselines={})


def test_table_columns_line_up_with_chinese_criteria_and_long_methods(capsys, monkeypatch):
    import huren.cli as cli

    res = _table_result()
    # field strength decides which PIU criterion (Chinese text with full-width brackets) applies
    res.measurements[0].details["field_strength_t"] = 3.0
    judge(res, test_type="status")
    assert "（" in res.measurements[0].criterion["text"]
    cli._print_table(res)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("  ") and not ln.startswith("      ")]
    header, rows = lines[0], lines[1:]
    # the verdict column starts at the same terminal column on every line
    starts = []
    for ln in [header, *rows]:
        key = "verdict" if ln is header else "/"
        cut = ln.index(key) if ln is header else ln.rindex(" ", 0, ln.index(" / ")) + 1
        starts.append(display_width(ln[:cut]))
    assert len(set(starts)) == 1, [header, *rows]
    assert "a-very-long-method-name-beyond-fourteen" in rows[1]


def test_analyze_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit) as e:
        main(["analyze", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "退出码 / exit status" in out and "  1  " in out and "  2  " in out


def test_empty_folder_exits_1_with_bilingual_reason_and_no_bogus_header(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["analyze", str(tmp_path / "empty")]) == 1
    cap = capsys.readouterr()
    assert cap.out == ""  # no "?" modality header for nothing
    assert "未找到 DICOM 图像" in cap.err and "no DICOM images found" in cap.err and "empty" in cap.err


def test_text_files_are_named_and_refused_in_both_languages(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("hello")
    assert main(["analyze", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "a.txt" in err and "不是 DICOM 文件" in err and "not a DICOM file" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("content,reason", [("not a baseline\n", "no baseline value"),
                                            ("metric,value\nnoise_sd,abc\n", "malformed baseline file")])
def test_unusable_baseline_file_exits_2_naming_it(tmp_path, capsys, content, reason):
    f = tmp_path / "base.txt"
    f.write_text(content)
    (tmp_path / "empty").mkdir()
    assert main(["analyze", str(tmp_path / "empty"), "--baseline", str(f)]) == 2
    err = capsys.readouterr().err
    assert "base.txt" in err and reason in err and "基线" in err


def test_binary_baseline_file_is_refused_not_a_traceback(tmp_path):
    f = tmp_path / "base.dcm"
    f.write_bytes(b"\x00\xff\xfe" * 50)
    with pytest.raises(ValueError, match="not a text file"):
        read_baselines(f)


def _two_water_series(water: tuple[float, float], noise: tuple[float, float]) -> Result:
    res = Result(modality="CT", phantom="water")
    for w, n in zip(water, noise):
        res.add(Measurement("CT-QC-HU-WATER", "ct_number_water", w, "HU", method="ws519-central-roi"))
        res.add(Measurement("CT-QC-NOISE", "noise_percent_10mm", n, "%", method="ws519-central-roi"))
    return res


def test_stability_against_own_result_passes_for_every_series(tmp_path):
    """A head and a body water series: each is compared with its own baseline, not the first."""
    base = judge(_two_water_series((-0.2, 1.2), (0.25, 0.285)), test_type="status")
    f = tmp_path / "base.json"
    f.write_text(base.to_json())
    baselines = read_baselines(f)
    again = judge(_two_water_series((-0.2, 1.2), (0.25, 0.285)), test_type="stability", baselines=baselines)
    assert [m.verdict for m in again.measurements] == ["pass"] * 4
    assert [m.details["baseline"] for m in again.measurements if m.metric == "noise_percent_10mm"] == [0.25, 0.285]
    # and a real drift of the second series is still caught
    drift = judge(_two_water_series((-0.2, 1.2), (0.25, 0.40)), test_type="stability", baselines=baselines)
    assert [m.verdict for m in drift.measurements if m.metric == "noise_percent_10mm"] == ["pass", "fail"]


def test_json_output_is_one_valid_result_even_when_nothing_is_measured(tmp_path, capsys):
    (tmp_path / "x.dcm").write_text("not dicom")
    assert main(["analyze", str(tmp_path / "x.dcm"), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "huren.result/1" and data["errors"][0]["path"].endswith("x.dcm")


def test_report_folder_that_is_a_file_exits_2_naming_it(tmp_path, capsys):
    f = tmp_path / "report.png"
    f.write_text("x")
    (tmp_path / "empty").mkdir()
    assert main(["analyze", str(tmp_path / "empty"), "--report", str(f)]) == 2
    err = capsys.readouterr().err
    assert "report.png" in err and "无法创建报告文件夹" in err and "cannot make the report folder" in err


def test_verdict_reason_is_printed_in_both_languages(capsys):
    import huren.cli as cli

    res = Result(modality="CT", phantom="water")
    res.add(Measurement("CT-QC-HU-WATER", "ct_number_water", 9.0, "HU", method="ws519-central-roi"))
    cli._print_table(judge(res, test_type="status"))
    out = capsys.readouterr().out
    assert "超出" in out or "不符合" in out
    assert any(w in out for w in ("outside", "out of", "not within", "fails"))


def test_analyse_spelled_the_british_way_is_the_same_command(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["analyse", str(tmp_path / "empty")]) == 1
    assert "no DICOM images found" in capsys.readouterr().err


def test_top_level_help_says_django_commands_pass_through(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "createsuperuser" in capsys.readouterr().out


def test_report_says_where_the_figures_went_on_stderr_keeping_json_clean(phantoms, tmp_path, capsys):
    rep = tmp_path / "rep"
    src = phantoms / "mr" / "magnet" / "snr"
    assert main(["analyze", str(src), "--json", "--report", str(rep)]) == 0
    cap = capsys.readouterr()
    json.loads(cap.out)  # stdout is still one JSON document
    n = len(list(rep.glob("*.png")))
    assert n > 0 and f"{n} figures written to {rep}" in cap.err and "报告图" in cap.err


def test_ct_and_mr_folders_together_give_one_table_per_modality(phantoms, capsys):
    ct = phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_002.dcm"
    mr = phantoms / "mr" / "magnet" / "uniformity"
    assert main(["analyze", str(ct), str(mr)]) == 0
    cap = capsys.readouterr()
    headers = [ln.split()[0] for ln in cap.out.splitlines() if ln and not ln.startswith(" ")]
    assert sorted(headers) == ["CT", "MR"]
    assert "not a CT image" not in cap.err and "not an MR image" not in cap.err


@pytest.mark.parametrize("standard,reason", [("no-such-standard", "no catalog named"), ("BAD", "not valid TOML")])
def test_unknown_or_broken_catalog_exits_2_without_a_traceback(tmp_path, capsys, standard, reason):
    if standard == "BAD":
        standard = str(tmp_path / "bad.toml")
        (tmp_path / "bad.toml").write_text("x = [\n")
    assert main(["catalog", "--standard", standard]) == 2
    err = capsys.readouterr().err
    assert "无法载入评估标准" in err and reason in err


@pytest.mark.parametrize("row", ["a.dcm,abc", "a.dcm,-5", ",10", "a.dcm,"])
def test_bad_kerma_row_exits_2_naming_file_and_line(tmp_path, capsys, row):
    f = tmp_path / "kerma.csv"
    f.write_text("file,kerma_ugy\nok.dcm,5\n" + row + "\n")
    (tmp_path / "empty").mkdir()
    assert main(["analyze", str(tmp_path / "empty"), "--kerma", str(f)]) == 2
    err = capsys.readouterr().err
    assert "kerma.csv" in err and "line 3" in err and "第 3 行" in err


def test_unusable_huren_home_is_named_without_a_traceback(tmp_path):
    import os
    import subprocess
    import sys

    blocker = tmp_path / "file"
    blocker.write_text("x")
    env = {**os.environ, "HUREN_HOME": str(blocker / "home"), "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    r = subprocess.run([sys.executable, "-m", "huren", "check"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert str(blocker / "home") in r.stderr and "HUREN_HOME" in r.stderr and "数据目录" in r.stderr
