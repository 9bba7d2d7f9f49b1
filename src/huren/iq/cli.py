"""``huren evaluate PATH... [--json]``: the automatic image-quality checks from the command line."""

from __future__ import annotations

import argparse
import json
import sys

RESULT_ZH = {"pass": "通过", "fail": "不通过", "not_evaluable": "无法评价"}

EPILOG = """\
按 Study Instance UID 分组为检查，逐检查列出每项自动检查：目录条目、结果、数值、单位、原因（中文/英文）。
Files, folders and zips are grouped into studies by Study Instance UID; each check is printed with its
catalog item, result (pass / fail / not_evaluable), figure, unit and reason in Chinese and English.

退出码 / exit status:
  0  每个检查都已评价 / every study was evaluated
  1  没有任何检查能评价（错误写到标准错误）/ no study could be evaluated (errors on stderr)
  2  用法错误或规则文件无法使用 / bad usage, or an unusable --rules file
"""


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="临床图像质量自动检查 / automatic image-quality checks of clinical studies",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", help="DICOM files, folders or zip archives")
    p.add_argument("--json", action="store_true", help="print the huren.iq/1 JSON document")
    p.add_argument("--rules", default=None, help="a rule file (.toml) instead of the built-in taiyuan-trial rules")


def _fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def run(args) -> int:
    from huren.iq import RulesError, dumps, evaluate_paths, load_rules

    try:
        rules = load_rules(args.rules) if args.rules else None
    except RulesError as e:
        print(f"错误 / error: {e.reason_zh} / {e.reason_en}", file=sys.stderr)
        return 2
    studies = evaluate_paths(args.paths, rules=rules)
    real = [s for s in studies if s.study_instance_uid]
    for s in studies:
        for e in s.errors:
            print(f"  错误 / error: {e['path']}: {e['reason_zh']} / {e['reason_en']}", file=sys.stderr)
    evaluated = [s for s in real if s.evaluated]
    if args.json:
        print(dumps(real))
    else:
        from huren.cli import pad

        for s in real:
            print(f"检查 / study {s.study_instance_uid}  {s.modality}  {s.body_part or '?'}  "
                  f"{s.study_date or ''}  {s.accession_number or ''}  ({s.images} images, pixel data of "
                  f"{s.pixel_images_read} read)")
            for c in s.checks:
                series = f" [{c.series_instance_uid[-12:]}]" if c.series_instance_uid else ""
                print("  " + pad(c.check, 24) + pad(c.item or "—", 16) + pad(f"{c.result} {RESULT_ZH[c.result]}", 24)
                      + pad(_fmt(c.value), 10, right=True) + " " + pad(c.unit or "", 16) + series)
                print(f"      {c.reason_zh} / {c.reason_en}")
    if not real:
        print("没有可评价的 DICOM 检查 / no DICOM study could be read", file=sys.stderr)
        return 1
    if len(evaluated) < len(real):
        print(f"{len(real) - len(evaluated)} 个检查无法评价 / {len(real) - len(evaluated)} studies could not be evaluated",
              file=sys.stderr)
    return 0 if len(evaluated) == len(real) else 1
