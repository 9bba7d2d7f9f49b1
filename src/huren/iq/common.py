"""Shared helpers of the checks, and the checks every modality has (readable, header, labels)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from huren.dicomio import DicomInputError
from huren.iq.model import CheckResult
from huren.iq.reading import PixelCache, Slice
from huren.iq.ruleset import Rules


@dataclass
class Context:
    """What a modality's checks get: the rules, the study's series and where pixels come from."""

    rules: Rules
    modality: str
    body_part: str | None
    series: "dict[str, list[Slice]]"
    cache: PixelCache
    checks: list[CheckResult] = field(default_factory=list)
    summaries: dict = field(default_factory=dict)  # series uid → SeriesSummary

    def add(self, check: str, result: str, *, value=None, unit=None, series=None, zh="", en="", rule="",
            uids=(), **details) -> CheckResult:
        c = CheckResult(check=check, item=self.rules.item(check, self.modality), result=result, value=value,
                        unit=unit, series_instance_uid=series, reason_zh=zh, reason_en=en, rule=rule,
                        sop_instance_uids=list(uids), details=details)
        self.checks.append(c)
        return c

    def not_evaluable(self, check: str, zh: str, en: str, *, series=None, rule="", uids=(), **details):
        return self.add(check, "not_evaluable", series=series, zh=zh, en=en, rule=rule, uids=uids, **details)

    def sample(self, slices: list[Slice], n: int | None = None) -> list[Slice]:
        """Up to n images spread over the series (the middle one first)."""
        n = n or int(self.rules.section("sampling")["pixel_images_per_series"])
        if len(slices) <= n:
            order = sorted(range(len(slices)), key=lambda i: abs(i - (len(slices) - 1) / 2))
            return [slices[i] for i in order]
        idx = [len(slices) // 2] + [int(round(q * (len(slices) - 1))) for q in np.linspace(0.25, 0.75, n - 1)]
        out, seen = [], set()
        for i in idx:
            if i not in seen:
                seen.add(i)
                out.append(slices[i])
        return out[:n]

    def arrays(self, slices: list[Slice]) -> tuple[list[tuple[Slice, np.ndarray]], list[dict]]:
        """Pixel arrays of the given images; the ones that cannot be read come back as errors."""
        ok, bad = [], []
        for s in slices:
            try:
                ok.append((s, self.cache.array(s)))
            except DicomInputError as e:
                bad.append({"path": e.path, "sop_instance_uid": s.sop_instance_uid, "reason_zh": e.reason_zh,
                            "reason_en": e.reason_en})
        return ok, bad


def fmt_range(r) -> str:
    return f"{r[0]:g}–{r[1]:g}"


def rule_text(text: str, source: str) -> str:
    return f"{text} (source: {source})" if source else text


def check_readable(ctx: Context, uid: str, slices: list[Slice], sampled: list[Slice], bad: list[dict]) -> None:
    rule = rule_text("the sampled images' pixel data decode to a greyscale image", "DICOM PS3.5")
    if not bad:
        ctx.add("readable", "pass", value=len(sampled), unit="images", series=uid, rule=rule,
                uids=[s.sop_instance_uid for s in sampled],
                zh=f"抽取的 {len(sampled)} 幅图像均可读取", en=f"the {len(sampled)} sampled images are readable")
        return
    first = bad[0]
    ctx.add("readable", "fail", value=len(bad), unit="images", series=uid, rule=rule,
            uids=[s.sop_instance_uid for s in sampled], unreadable=bad,
            zh=f"{len(bad)} 幅图像无法读取：{first['reason_zh']}",
            en=f"{len(bad)} images cannot be read: {first['reason_en']}")


def _date_ok(text: str, earliest: int) -> bool:
    try:
        d = dt.datetime.strptime(text.strip()[:8], "%Y%m%d").date()
    except ValueError:
        return False
    return earliest <= d.year and d <= dt.date.today() + dt.timedelta(days=1)


def check_header(ctx: Context, all_slices: list[Slice]) -> None:
    """Required attributes present in every image; dates and spacings plausible (study level)."""
    c = ctx.rules.section("common")
    required = list(c["required_attributes"])
    missing: dict[str, int] = {}
    implausible: list[str] = []
    lo, hi = c.get("pixel_spacing_mm", [0.02, 5.0])
    earliest = int(c.get("earliest_study_year", 1990))
    seen_ds = {}
    for s in all_slices:
        seen_ds.setdefault(id(s.ds), s)
    for s in seen_ds.values():
        for kw in required:
            if s.text(kw).strip() == "":
                missing[kw] = missing.get(kw, 0) + 1
        d = s.text("StudyDate")
        if d and not _date_ok(d, earliest):
            implausible.append(f"StudyDate={d}")
        if s.spacing is not None and not all(lo <= x <= hi for x in s.spacing):
            implausible.append(f"PixelSpacing={s.spacing[0]:g}\\{s.spacing[1]:g}")
    implausible = sorted(set(implausible))
    rule = rule_text(f"present in every image: {', '.join(required)}; StudyDate a real date from {earliest} to today; "
                     f"pixel spacing {lo:g}–{hi:g} mm", ctx.rules.source("common"))
    uids = [s.sop_instance_uid for s in seen_ds.values()][:50]
    if not missing and not implausible:
        ctx.add("header_attributes", "pass", value=0, unit="problems", rule=rule, uids=uids,
                zh="必需的头信息齐全且合理", en="the required header attributes are present and plausible")
        return
    parts_en = [f"{k} missing in {n} images" for k, n in missing.items()] + [f"implausible {x}" for x in implausible]
    parts_zh = [f"{k} 在 {n} 幅图像中缺失" for k, n in missing.items()] + [f"不合理的 {x}" for x in implausible]
    ctx.add("header_attributes", "fail", value=len(parts_en), unit="problems", rule=rule, uids=uids,
            missing=missing, implausible=implausible,
            zh="头信息问题：" + "；".join(parts_zh[:6]), en="header problems: " + "; ".join(parts_en[:6]))


def check_identity_labels(ctx: Context, all_slices: list[Slice], extra_missing: list[str] | None = None,
                          extra_rule: str = "") -> None:
    """Identity labels present in every image and consistent across the study (+ modality's own)."""
    c = ctx.rules.section("common")
    ident, consistent = list(c["identity_attributes"]), list(c.get("consistent_attributes", []))
    seen = {}
    for s in all_slices:
        seen.setdefault(id(s.ds), s)
    missing: dict[str, int] = {}
    values: dict[str, set] = {k: set() for k in consistent}
    for s in seen.values():
        for kw in ident:
            if s.text(kw).strip() == "":
                missing[kw] = missing.get(kw, 0) + 1
        for kw in consistent:
            v = s.text(kw).strip()
            if v:
                values[kw].add(v)
    inconsistent = [k for k, v in values.items() if len(v) > 1]
    problems_en = [f"{k} missing in {n} images" for k, n in missing.items()]
    problems_zh = [f"{k} 在 {n} 幅图像中缺失" for k, n in missing.items()]
    problems_en += [f"{k} differs between images" for k in inconsistent]
    problems_zh += [f"各图像的 {k} 不一致" for k in inconsistent]
    for m in extra_missing or []:
        problems_en.append(m.split("|")[1])
        problems_zh.append(m.split("|")[0])
    rule = rule_text(f"present in every image: {', '.join(ident)}; the same in every image: {', '.join(consistent)}"
                     + (f"; {extra_rule}" if extra_rule else ""), ctx.rules.source("common"))
    uids = [s.sop_instance_uid for s in seen.values()][:50]
    if not problems_en:
        ctx.add("labels", "pass", value=0, unit="problems", rule=rule, uids=uids,
                zh="标识信息齐全且一致", en="labels are complete and consistent")
    else:
        ctx.add("labels", "fail", value=len(problems_en), unit="problems", rule=rule, uids=uids,
                missing=missing, inconsistent=inconsistent,
                zh="标识问题：" + "；".join(problems_zh[:6]), en="label problems: " + "; ".join(problems_en[:6]))


def words_in(text: str, words) -> list[str]:
    t = f" {text.lower()} "
    return [w for w in words if w.lower() in t]


def descriptions(slices: list[Slice]) -> str:
    s = slices[0]
    return " ".join(s.text(k) for k in ("SeriesDescription", "ProtocolName", "SequenceName", "StudyDescription",
                                        "ImageComments", "PulseSequenceName", "RequestedProcedureDescription"))


def body_mask(a: np.ndarray, threshold: float, open_px: int = 2) -> np.ndarray:
    """The largest connected region above ``threshold`` (holes filled), a table or a blanket removed
    by a small opening."""
    from scipy import ndimage

    m = a > threshold
    if open_px > 0:
        m = ndimage.binary_opening(m, structure=np.ones((3, 3)), iterations=open_px)
    lab, n = ndimage.label(m)
    if n == 0:
        return m
    sizes = ndimage.sum_labels(m, lab, index=np.arange(1, n + 1))
    body = lab == (1 + int(np.argmax(sizes)))
    return ndimage.binary_fill_holes(body)
