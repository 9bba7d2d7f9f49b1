"""The device QC report of one analysis run (like pylinac's ``publish_pdf``): the device
identity, every measurement with its catalog item, criterion and verdict, the phantom
pictures with the ROIs drawn (the PNGs of ``huren analyze --report``), notes and errors.
Pure Python: the CLI makes it without Django (``huren analyze ... --pdf FILE``); the web
page of a received series makes it from the run's stored result.
"""

from __future__ import annotations

import datetime as dt
import shutil
from html import escape
from pathlib import Path
from typing import Iterable

from huren.reports.pdf import PdfUnavailable, render_pdf

VERDICT_ZH = {"pass": "合格", "fail": "不合格", "info": "仅记录", "not_evaluable": "无法判定",
              "missing": "缺少证据", "overdue": "逾期", "not_applicable": "不适用"}
TEST_TYPE_ZH = {"acceptance": "验收检测", "status": "状态检测", "stability": "稳定性检测"}


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1e5 else f"{v:.6g}"
    return escape(str(v)) if v is not None else "—"


def _label(metric: str) -> str:
    from huren.standard.catalog import metrics

    m = metrics().get(metric)
    return f"{escape(m.label_zh)}<br><span class='small'>{escape(metric)}</span>" if m else escape(metric)


def verdict_cell(v: str) -> str:
    return f"<td class='{escape(v)}'>{escape(VERDICT_ZH.get(v, v))}<br><span class='small'>{escape(v)}</span></td>"


def qc_run_html(result: dict, figures: Iterable[str | Path] = (), *, institution: str = "", device_name: str = "",
                performed_on: str | None = None, prepared_by: str = "") -> str:
    """HTML of the QC report of ``result`` (a ``huren.result/1`` dict) with ``figures`` (PNG paths)."""
    dev = result.get("device") or {}
    ms = result.get("measurements") or []
    counts = {}
    for m in ms:
        counts[m.get("verdict", "info")] = counts.get(m.get("verdict", "info"), 0) + 1
    summary = "，".join(f"{VERDICT_ZH.get(k, k)} {n} 项" for k, n in sorted(counts.items())) or "无测量结果"
    rows = []
    for m in ms:
        crit = (m.get("criterion") or {}).get("text", "") or "—"
        reason = " / ".join(x for x in (m.get("reason_zh"), m.get("reason_en")) if x)
        rows.append(
            f"<tr><td>{escape(m.get('item', ''))}</td><td>{_label(m.get('metric', ''))}</td>"
            f"<td>{_fmt(m.get('value'))} {escape(m.get('unit') or '')}</td>"
            f"<td>{escape(m.get('method') or '—')}<br><span class='small'>"
            f"{escape(TEST_TYPE_ZH.get(m.get('test_type') or '', m.get('test_type') or ''))}</span></td>"
            f"<td>{escape(crit)}</td>{verdict_cell(m.get('verdict', 'info'))}"
            f"<td class='small'>{escape(reason) or '—'}</td></tr>")
    if not rows:
        rows.append("<tr><td colspan='7' class='muted'>本次分析未测得任何结果 / nothing was measured in this run</td></tr>")
    notes = "".join(f"<li>{escape(n.get('zh', ''))} / {escape(n.get('en', ''))}</li>" for n in result.get("notes") or [])
    errors = "".join(f"<li>{escape(e.get('path', ''))}：{escape(e.get('reason_zh', ''))} / {escape(e.get('reason_en', ''))}</li>"
                     for e in result.get("errors") or [])
    figs = []
    for p in figures:
        p = Path(p)
        figs.append(f"<figure><img src='{p.resolve().as_uri()}'><figcaption>{escape(p.stem)}（ROI 已标出 / ROIs drawn）</figcaption></figure>")
    uids = sorted({u for m in ms for u in (m.get("provenance") or {}).get("sop_instance_uids", [])})
    algos = sorted({(m.get("provenance") or {}).get("algorithm", "") for m in ms} - {""})
    inputs = result.get("inputs") or []
    made = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"""<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>设备质控检测报告</title></head><body>
<h1 data-title="设备质控检测报告">设备质控检测报告<span class="en">Device QC report of one analysis run</span></h1>
<dl class="facts">
<dt>机构</dt><dd>{escape(institution) or '—'}</dd><dt>设备</dt><dd>{escape(device_name) or '—'}</dd>
<dt>模态</dt><dd>{escape(result.get('modality') or '—')}</dd><dt>体模</dt><dd>{escape(result.get('phantom') or '—')}</dd>
<dt>制造商 / 型号</dt><dd>{escape(dev.get('manufacturer') or '—')} {escape(dev.get('model') or '')}</dd>
<dt>序列号 / 工作站</dt><dd>{escape(dev.get('serial') or '—')} / {escape(dev.get('station') or '—')}</dd>
<dt>检测日期</dt><dd>{escape(performed_on or '—')}</dd><dt>报告生成</dt><dd>{made}</dd>
<dt>图像数</dt><dd>{len(inputs)}（SOP {len(uids)}）</dd><dt>软件版本</dt><dd>huren {escape(result.get('huren_version', ''))}</dd>
<dt>编制人</dt><dd>{escape(prepared_by) or '—'}</dd><dt>算法</dt><dd class="small">{escape(', '.join(algos)) or '—'}</dd>
</dl>
<p><b>结果汇总：</b>{summary}（判定依据为评估标准目录的判据，分析代码不作判定 / verdicts come from the catalog）</p>
<h2>测量结果 Measurements</h2>
<table><colgroup><col style="width:14%"><col style="width:15%"><col style="width:12%"><col style="width:11%"><col style="width:18%"><col style="width:9%"><col style="width:21%"></colgroup>
<thead><tr><th>条目 Item</th><th>指标 Metric</th><th>测量值 Value</th><th>方法 Method</th><th>判据 Criterion</th><th>判定 Verdict</th><th>理由 Reason</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
{f'<h2>说明 Notes</h2><ul>{notes}</ul>' if notes else ''}
{f'<h2>错误 Errors</h2><ul class="small">{errors}</ul>' if errors else ''}
{'<h2>体模图像 Phantom images</h2>' + ''.join(figs) if figs else ''}
<div class="signatures"><div>检测人 Tested by</div><div>审核人 Reviewed by</div><div>日期 Date</div></div>
</body></html>"""


def qc_run_pdf(result: dict, figures: Iterable[str | Path] = (), **kw) -> bytes:
    """The PDF of :func:`qc_run_html`."""
    return render_pdf(qc_run_html(result, list(figures), **kw), base_url=Path.cwd())


def write_cli_pdf(path: str | Path, results: list, figure_dir: Path | None, since: float, *, keep_figures: bool = True) -> int:
    """``huren analyze --pdf``: write the QC report of ``results`` (``huren.result.Result``
    objects) with the figures written into ``figure_dir`` since ``since`` (a time stamp).
    Returns the exit status to add: 0 written, 2 not (the reason printed on stderr)."""
    import sys

    figures = sorted(f for f in figure_dir.glob("*.png") if f.stat().st_mtime >= since - 1) if figure_dir else []
    docs = [r.to_dict() for r in results]
    merged = dict(docs[0]) if docs else {"measurements": []}
    for d in docs[1:]:
        merged["modality"] = f"{merged.get('modality')}, {d.get('modality')}"
        for k in ("measurements", "errors", "notes", "inputs"):
            merged[k] = (merged.get(k) or []) + (d.get(k) or [])
    try:
        data = qc_run_pdf(merged, figures, performed_on=dt.date.today().isoformat())
        Path(path).write_bytes(data)
        if figure_dir and not keep_figures:
            shutil.rmtree(figure_dir, ignore_errors=True)
    except PdfUnavailable as e:
        print(f"错误：{e.reason_zh} / error: {e.reason_en}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"错误：无法写入 PDF {path}（{e.strerror}） / error: cannot write the PDF {path} ({e.strerror})", file=sys.stderr)
        return 2
    print(f"PDF 报告已写入 {path}（{len(figures)} 幅图） / PDF report written to {path} ({len(figures)} figures)", file=sys.stderr)
    return 0
