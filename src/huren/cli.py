"""The ``huren`` command.

    huren serve [--host H] [--port P] [--demo]     web service (and DICOM intake)
    huren catalog [--json] [--standard NAME]       the standard's items and criteria
    huren analyze PATH... [options]                phantom QC analysis (CT, DR, MR)
    huren evaluate PATH... [--json]                image-quality checks of clinical studies
    huren <django command> ...                     any Django management command
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import unicodedata
import warnings
from dataclasses import replace
from pathlib import Path

VERDICT_ZH = {"pass": "合格", "fail": "不合格", "info": "信息", "not_evaluable": "无法判定"}


ANALYZE_EPILOG = """\
几种成像设备的图像一起给出时，逐类分析、各出一张表（--json 只输出数量最多的一类）。
Images of several modalities given together are analysed per modality, one table each
(--json prints the most frequent modality only: run once per modality for JSON).

退出码 / exit status:
  0  至少测得一项（个别文件的错误写到标准错误） / at least one measurement (errors about
     some files are written to stderr)
  1  未测得任何结果（错误写到标准错误） / nothing could be measured (errors on stderr)
  2  用法错误或选项文件无法读取 / bad usage, or an option file (--baseline, --kerma) unreadable
"""


def _analyze_parser(sub) -> None:
    # "analyse" too: the help text itself spells it the British way
    p = sub.add_parser("analyze", aliases=["analyse"], help="分析体模 DICOM 图像 / analyse phantom DICOM images",
                       epilog=ANALYZE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", help="DICOM files, folders or zip archives")
    p.add_argument("--modality", choices=["CT", "DR", "MR"], help="override the modality read from the images")
    p.add_argument("--phantom", help="CT: water, catphan503/504/600/604, acr-ct; MR: acr, flood, magnet-slice-width")
    p.add_argument("--test", help="DR: dark, ddi, stp, uniformity, ghost, artifact, distance, mtf, resolution")
    p.add_argument("--test-type", choices=["acceptance", "status", "stability"], help="which criteria to judge by")
    p.add_argument("--kerma", help="DR: CSV 'file,kerma_ugy' with each image's detector air kerma (µGy)")
    p.add_argument("--second", help="MR: the repeated acquisition for two-image (subtraction) SNR")
    p.add_argument("--baseline", help="baseline values: a huren result JSON, a JSON mapping or a CSV metric,value")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="test-specific setting, e.g. stp_model=log, maker_lp_mm=3.5, nominal_mm=100")
    p.add_argument("--json", action="store_true", help="print the huren.result/1 JSON")
    p.add_argument("--report", help="write PNG figures (ROIs, profiles, MTF curves) into this folder")
    p.add_argument("--pdf", metavar="FILE", help="write the QC report (measurements, verdicts, figures) as a PDF")


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (never cut)."""
    fill = " " * max(0, width - display_width(text))
    return fill + text if right else text + fill


TABLE_COLUMNS = (("item", False), ("metric", False), ("value", True), ("unit", False), ("method", False),
                 ("test", False), ("criterion", False), ("verdict", False))


def _print_table(res) -> None:
    from huren.standard.criteria import _fmt

    if not res.measurements and not res.notes:
        # nothing measured: no empty header, the errors below say why
        for e in res.errors:
            print(f"  错误 / error: {e.path}: {e.reason_zh} / {e.reason_en}", file=sys.stderr)
        print("未测得任何结果 / nothing was measured", file=sys.stderr)
        return
    print(f"{res.modality}  {res.phantom or ''}  {res.device.manufacturer or ''} {res.device.model or ''}".rstrip())
    for n in res.notes:
        print(f"  注 / note: {n['zh']} / {n['en']}")
    rows = []
    for m in res.measurements:
        v = _fmt(m.value) if isinstance(m.value, (int, float)) else str(m.value)
        crit = (m.criterion or {}).get("text", "")
        rows.append((m.item, m.metric, v, m.unit or "", m.method or "", m.test_type or "", crit,
                     f"{VERDICT_ZH.get(m.verdict, m.verdict)} / {m.verdict}"))
    # each column as wide as its widest cell, counted in terminal columns (CJK text is double width)
    widths = [max([display_width(h)] + [display_width(r[i]) for r in rows]) for i, (h, _) in enumerate(TABLE_COLUMNS)]

    def line(cells) -> str:
        return "  " + " ".join(pad(c, widths[i], TABLE_COLUMNS[i][1]) for i, c in enumerate(cells)).rstrip()

    if rows:
        print(line([h for h, _ in TABLE_COLUMNS]))
    for m, row in zip(res.measurements, rows):
        print(line(row))
        if m.reason_zh:
            print(f"      {m.reason_zh}" + (f" / {m.reason_en}" if m.reason_en else ""))
        prov = m.provenance or {}
        if prov:
            uids = prov.get("sop_instance_uids") or []
            print(f"      {prov.get('algorithm', '')}  slice={m.slice if m.slice is not None else '-'}  inputs={len(uids)}"
                  + "".join(f"  roi={r.shape}@({r.centre_mm[0]:.1f},{r.centre_mm[1]:.1f})mm" + (f" r={r.radius_mm:.1f}mm" if r.radius_mm else "") for r in m.rois[:3]))
            _print_provenance_detail(uids, m.rois)
    for e in res.errors:
        print(f"  错误 / error: {e.path}: {e.reason_zh} / {e.reason_en}", file=sys.stderr)


def _print_provenance_detail(uids, rois) -> None:
    """The SOP Instance UIDs a measurement rests on and its ROIs in px and mm (size in mm)."""
    if uids:
        print("      sop_instance_uids: " + ", ".join(uids[:6]) + (f" … (+{len(uids) - 6})" if len(uids) > 6 else ""))
    for r in rois[:6]:
        if r.centre_px is None:
            continue
        size = f" size={r.size_mm[0]:.1f}×{r.size_mm[1]:.1f}mm" if r.size_mm else (f" r={r.radius_mm:.1f}mm" if r.radius_mm else "")
        print(f"      roi {r.label or r.shape}: px=({r.centre_px[0]:.1f},{r.centre_px[1]:.1f}) "
              f"mm=({r.centre_mm[0]:.1f},{r.centre_mm[1]:.1f}){size}")


def cmd_analyze(args) -> int:
    from huren.analysis import AnalyzeOptions, analyze_loaded, modality_groups, read_baselines, read_kerma
    from huren.dicomio import load_images

    # pydicom's own warnings about non-conforming header values are English-only noise
    # for a user; what matters reaches them as the analysis' bilingual notes and errors.
    warnings.filterwarnings("ignore", module=r"pydicom(\..*)?$")
    opts = AnalyzeOptions(modality=args.modality, phantom=args.phantom, test=args.test, test_type=args.test_type)
    try:
        if args.baseline:
            opts.baselines = read_baselines(args.baseline)
        if args.kerma:
            opts.kerma_ugy = read_kerma(args.kerma)
    except (OSError, ValueError) as e:
        print(f"错误：无法读取输入文件 / error: cannot read input file: {e}", file=sys.stderr)
        return 2
    for kv in args.set:
        if "=" not in kv:
            print(f"错误：--set 需要 KEY=VALUE / error: --set needs KEY=VALUE, got {kv!r}", file=sys.stderr)
            return 2
        k, v = kv.split("=", 1)
        try:
            opts.extra[k] = float(v)
        except ValueError:
            opts.extra[k] = v
    if args.second:
        second, errs = load_images([args.second], require_spacing=False)
        opts.second = second
        for e in errs:
            print(f"错误 / error: {e.path}: {e.reason_zh} / {e.reason_en}", file=sys.stderr)
    if args.report or args.pdf:
        opts.report_dir = Path(args.report or tempfile.mkdtemp(prefix="huren-pdf-"))
        try:
            opts.report_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            print(f"错误：无法创建报告文件夹 {args.report}（{e.strerror}） / error: cannot make the report folder "
                  f"{args.report} ({e.strerror})", file=sys.stderr)
            return 2
    started = time.time()
    images, load_errors = load_images(args.paths, require_spacing=False)
    groups = modality_groups(images)
    if len(groups) > 1 and not args.modality and not args.json:
        # CT and MR folders given together: one analysis and one table per modality
        results = []
        for k, (modality, group) in enumerate(groups.items()):
            res = analyze_loaded(group, load_errors if k == 0 else [], args.paths, replace(opts, modality=modality))
            if k:
                print()
            _print_table(res)
            results.append(res)
        measured = any(r.measurements for r in results)
    else:
        res = analyze_loaded(images, load_errors, args.paths, opts)
        results = [res]
        if args.json:
            print(res.to_json())
        else:
            _print_table(res)
        measured = bool(res.measurements)
    if args.pdf:
        from huren.reports.pdf.qcrun import write_cli_pdf

        if write_cli_pdf(args.pdf, results, opts.report_dir, started, keep_figures=bool(args.report)):
            return 2
    if args.report:
        # on stderr, so that --json output stays one JSON document
        n = sum(1 for f in opts.report_dir.glob("*.png") if f.stat().st_mtime >= started - 1)
        print(f"报告图 {n} 个已写入 {opts.report_dir} / {n} figures written to {opts.report_dir}", file=sys.stderr)
    return 0 if measured else 1


def cmd_catalog(args) -> int:
    from huren.standard import load_catalog
    from huren.standard.catalog import CatalogError

    try:
        cat = load_catalog(args.standard)
    except (CatalogError, OSError) as e:
        print(f"错误：无法载入评估标准 {args.standard or ''} / error: cannot load the catalog: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(cat.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{cat.title_zh}\n{cat.title_en}\n{cat.key}  ({len(cat.items)} items)\n")
    for item in cat.items.values():
        print(f"{item.id:<20} {item.modality:<3} {item.section:<17} {'/'.join(item.kinds):<14} {item.title_zh or item.text_zh[:30]}")
        for c in item.criteria:
            print(f"{'':<24}{c.metric:<28} {(c.test_type or 'all'):<11} {c.text('zh')}")
    return 0


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huren.site.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["huren", *argv])
    except ImproperlyConfigured as e:  # e.g. an unusable HUREN_HOME: the message says what to do
        print(f"错误 / error: {e}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="huren", description="互认：医学影像检查结果互认资格评估 / mutual-recognition qualification",
        epilog="其他命令交给 Django（如 huren createsuperuser、huren help） / any other command is a Django "
               "management command (e.g. huren createsuperuser, huren help)")
    sub = parser.add_subparsers(dest="command")
    s = sub.add_parser("serve", help="启动网页服务 / run the web service")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--demo", action="store_true", help="load demo data into an empty database")
    s.add_argument("--no-dicom", action="store_true", help="do not start the DICOM Storage SCP")
    s.add_argument("--dicom-port", type=int, default=None, help="DICOM port (default HUREN_DICOM_PORT or 11112)")
    s.add_argument("--processes", type=int, default=1, help="web processes sharing the port (e.g. the number of cores)")
    s.add_argument("--threads", type=int, default=4, help="web server threads per process")
    c = sub.add_parser("catalog", help="评估标准条目 / the standard's catalog")
    c.add_argument("--json", action="store_true")
    c.add_argument("--standard", default=None, help="catalog name or .toml path")
    _analyze_parser(sub)
    from huren.iq import cli as iq_cli

    iq_cli.add_parser(sub)

    known = {"serve", "catalog", "analyze", "analyse", "evaluate", "-h", "--help"}
    if argv and argv[0] not in known:
        return _django(argv)
    args = parser.parse_args(argv)
    if args.command in ("analyze", "analyse"):
        return cmd_analyze(args)
    if args.command == "catalog":
        return cmd_catalog(args)
    if args.command == "evaluate":
        return iq_cli.run(args)
    if args.command == "serve":
        return _django(["huren_serve", "--host", args.host, "--port", str(args.port)]
                       + (["--demo"] if args.demo else []) + (["--no-dicom"] if args.no_dicom else [])
                       + (["--dicom-port", str(args.dicom_port)] if args.dicom_port else [])
                       + ["--processes", str(args.processes), "--threads", str(args.threads)])
    parser.print_help()
    return 2


def entry() -> int:
    """Console entry point: like :func:`main`, quiet when the reader closes the pipe."""
    try:
        return main()
    except BrokenPipeError:
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(entry())
