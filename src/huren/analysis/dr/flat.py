"""Flat-field and dark-image tests of WS 76-2020: dark noise, response uniformity, artifacts.

* Dark noise (暗噪声): mean and sample SD of a central 10 × 10 cm ROI of the blocked
  exposure (WS 76-2020, DR dark-noise method), plus an artifact screen of the whole image.
* Response uniformity (响应均匀性): five 4 × 4 cm ROIs (centre and the centres of the four
  quadrants) on the ≈10 µGy image; CV = sample SD / mean of the five ROI means, on raw
  values and, when a signal-transfer fit is given, on values linearised to kerma through
  its inverse (Ki = f⁻¹(Vi)).
* Artifacts (伪影): an automatic screen of a flat (or dark) image for defective pixels and
  clusters, dead or hot lines, stripes and local non-uniformity. Detection thresholds are
  in units of the image's own noise; they decide what is *detected*, the catalog decides
  what passes (no artifact).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from huren.dicomio import Image
from huren.result import Result

from .base import centre_px, fit_size, measurement, new_result, prepare, rect_roi, takes_image
from .header import dose_indicators

# detection settings of the screen (noise multiples); see screen_artifacts
PIXEL_SIGMA = 6.0
STRIPE_SIGMA = 5.0
AREA_SIGMA = 5.5
PIXEL_MIN_REL = 0.02  # a defective pixel also deviates ≥ 2 % from its neighbourhood
STRIPE_MIN_REL = 0.002  # a stripe changes the column/row level by ≥ 0.2 %
AREA_MIN_REL = 0.005  # a local non-uniformity changes the local level by ≥ 0.5 %
BLOCK_MM = 4.0
LINE_PX = 20  # a run of this many defective pixels in a row or column is a line defect
MAX_LISTED = 100


@dataclass
class ArtifactScreen:
    """What the screen found: one dict per artifact, plus the noise it judged against.

    Each artifact has ``kind`` (``dead_pixel``, ``hot_pixel``, ``pixel_cluster``,
    ``dead_column``, ``hot_column``, ``dead_row``, ``hot_row``, ``stripe_column``,
    ``stripe_row``, ``local_nonuniformity``), ``centre_px`` (col, row), ``bbox_px``
    (row0, col0, row1, col1; end exclusive), ``size_px`` and ``amplitude`` (relative to
    the local level; −1 is a dead pixel).
    """

    artifacts: list[dict]
    noise: float  # pixel noise SD, modality units
    level: float  # median pixel value
    block_px: tuple[int, int]
    area_map: np.ndarray | None = field(default=None, repr=False)  # block residual / noise
    origin: tuple[int, int] = (0, 0)  # (row, col) of the analysed area in the image

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.artifacts:
            out[a["kind"]] = out.get(a["kind"], 0) + 1
        return out


def _robust_sd(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def pixel_noise(values: np.ndarray) -> float:
    """Pixel noise SD from neighbour differences along rows, insensitive to slow trends and outliers.

    Half the 16th–84th percentile range of the differences (not their MAD, which is 0
    for integer data whose noise is under one step), divided by √2.
    """
    step = max(1, values.shape[0] // 512)
    d = np.diff(values[::step].astype(np.float32), axis=1).ravel()
    q16, q84 = np.percentile(d, [16, 84])
    return float(q84 - q16) / 2 / np.sqrt(2)


def _exposed_crop(values: np.ndarray, b: tuple[int, int]) -> tuple[int, int, int, int]:
    """The bounding box of the exposed field (blocks above half the median), shrunk by one block."""
    rows, cols = values.shape
    nr, nc = rows // b[0], cols // b[1]
    blocks = values[: nr * b[0], : nc * b[1]].reshape(nr, b[0], nc, b[1]).mean(axis=(1, 3))
    lit = blocks > 0.5 * np.median(blocks)
    if lit.mean() > 0.95 or not lit.any():
        return 0, rows, 0, cols
    lab, n = ndimage.label(lit)
    big = np.argmax(np.bincount(lab.ravel())[1:]) + 1
    sl = ndimage.find_objects((lab == big).astype(int))[0]
    r0, r1 = (sl[0].start + 1) * b[0], (sl[0].stop - 1) * b[0]
    c0, c1 = (sl[1].start + 1) * b[1], (sl[1].stop - 1) * b[1]
    return r0, max(r1, r0 + 2 * b[0]), c0, max(c1, c0 + 2 * b[1])


def _trimmed_mean(a: np.ndarray, axis: int) -> np.ndarray:
    """Mean of the middle 80 % along ``axis``: nearly as quiet as the mean, deaf to a local blotch."""
    srt = np.sort(a, axis=axis)
    n = a.shape[axis]
    k = n // 10
    return np.take(srt, np.arange(k, n - k), axis=axis).mean(axis=axis)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True values."""
    f = np.concatenate([[False], flags, [False]]).astype(np.int8)
    d = np.diff(f)
    return list(zip(np.nonzero(d == 1)[0], np.nonzero(d == -1)[0]))


def _defects_block(v: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Defective-pixel mask and local background of one strip (see :func:`_pixel_defects`)."""
    bg = ndimage.uniform_filter(v, 7, mode="nearest")
    floor = np.float32(PIXEL_SIGMA * sigma)

    def flag(bg):
        thr = np.maximum(floor, np.float32(PIXEL_MIN_REL) * np.abs(bg))
        return np.abs(v - bg) > thr

    bad = flag(bg)
    if bad.any():
        good = (~bad).astype(np.float32)
        num = ndimage.uniform_filter(v * good, 15, mode="nearest")
        den = ndimage.uniform_filter(good, 15, mode="nearest")
        bg = np.where(den > 0.02, num / np.maximum(den, 1e-6), np.float32(np.median(v)))
        bad = flag(bg)
    return bad, bg


def _pixel_defects(v: np.ndarray, sigma: float, strip: int = 256, pad: int = 12) -> tuple[np.ndarray, np.ndarray | None]:
    """Defective-pixel mask and the local background at those pixels (None when there are none).

    The background is a 7 × 7 mean; a second pass leaves the first pass's outliers out of
    a 15 × 15 mean (normalised convolution), so that a dead line does not make its
    neighbours look hot (the first pass flags up to three pixels either side of it).
    Strips of ``strip`` rows (overlapping by ``pad``, more than both windows reach) keep
    the working memory small on 3000² images.
    """
    rows = v.shape[0]
    bad = np.zeros(v.shape, bool)
    bg_bad = None
    for a in range(0, rows, strip):
        z = min(a + strip, rows)
        lo, hi = max(a - pad, 0), min(z + pad, rows)
        b, bg = _defects_block(v[lo:hi], sigma)
        b, bg = b[a - lo: z - lo], bg[a - lo: z - lo]
        if b.any():
            bad[a:z] = b
            if bg_bad is None:
                bg_bad = np.zeros(v.shape, np.float32)
            bg_bad[a:z][b] = bg[b]
    return bad, bg_bad


def _classify_component(sl, comp_mask, v, bg) -> dict:
    r0, r1, c0, c1 = sl[0].start, sl[0].stop, sl[1].start, sl[1].stop
    h, w = r1 - r0, c1 - c0
    b = bg[sl][comp_mask]
    vals = v[sl][comp_mask] - b
    lvl = float(np.mean(np.abs(b))) or 1.0
    amp = float(np.mean(vals)) / lvl
    sign = "dead" if amp < 0 else "hot"
    n = int(comp_mask.sum())
    if h >= LINE_PX and w <= 3:
        kind = f"{sign}_column"
    elif w >= LINE_PX and h <= 3:
        kind = f"{sign}_row"
    elif n == 1:
        kind = f"{sign}_pixel"
    else:
        kind = "pixel_cluster"
    return {"kind": kind, "bbox_px": [r0, c0, r1, c1], "size_px": n, "amplitude": round(amp, 4),
            "centre_px": [round((c0 + c1 - 1) / 2, 1), round((r0 + r1 - 1) / 2, 1)]}


def _defect_findings(bad: np.ndarray, v: np.ndarray, bg: np.ndarray) -> list[dict]:
    """One finding per defect: lines first (runs of ≥ 20 flagged pixels), so that a dead row
    crossing a dead column counts as two lines and not as one cluster; the line search runs
    only inside components long enough to hold one (cheap on a 3000² image)."""
    eight = np.ones((3, 3))
    out = []
    lab, _ = ndimage.label(bad, structure=eight)
    for i, sl in enumerate(ndimage.find_objects(lab), start=1):
        comp = lab[sl] == i
        if comp.shape[0] < LINE_PX and comp.shape[1] < LINE_PX:
            out.append(_classify_component(sl, comp, v, bg))
            continue
        rest = comp
        for struct in (np.ones((LINE_PX, 1), bool), np.ones((1, LINE_PX), bool)):
            line = ndimage.binary_opening(comp, structure=struct)
            rest = rest & ~line
            parts, _ = ndimage.label(line, structure=eight)
            for j, sub in enumerate(ndimage.find_objects(parts), start=1):
                out.append(_classify_component(_offset(sl, sub), parts[sub] == j, v, bg))
        parts, _ = ndimage.label(rest, structure=eight)
        for j, sub in enumerate(ndimage.find_objects(parts), start=1):
            out.append(_classify_component(_offset(sl, sub), parts[sub] == j, v, bg))
    return out


def _offset(outer: tuple[slice, slice], inner: tuple[slice, slice]) -> tuple[slice, slice]:
    """``inner`` (slices within ``outer``'s box) as slices of the whole image."""
    return tuple(slice(o.start + i.start, o.start + i.stop) for o, i in zip(outer, inner))  # type: ignore[return-value]


def screen_artifacts(values: np.ndarray, spacing_mm: tuple[float, float], *, exposed_only: bool = True,
                     value_step: float = 1.0) -> ArtifactScreen:
    """Screen an (almost) uniform image for artifacts.

    1. Defective pixels, clusters and lines: |pixel − local background| above 6 σ
       (σ = pixel noise from neighbour differences) and 2 % of the background.
    2. Stripes: column (row) profiles — the 80 % trimmed mean over 4 mm bands of band
       means, so a local blotch does not move them — detrended by a wide running median;
       runs of columns (rows) 5 σ and 0.2 % off their neighbourhood.
    3. Local non-uniformity: 4 mm block means, detrended by a quadratic surface and an
       11-block running median; connected blocks 5.5 σ (block noise) and 0.5 % off.
    Each connected finding counts once. ``exposed_only`` restricts a flat field to its
    exposed area (collimation edges are not artifacts). ``value_step`` is one stored
    integer in these units (the rescale slope): σ is never taken below half of it, so that
    a pixel one step off is not a defect.
    """
    v_all = np.asarray(values, dtype=np.float32)
    b = (max(4, int(round(BLOCK_MM / spacing_mm[0]))), max(4, int(round(BLOCK_MM / spacing_mm[1]))))
    r0, r1, c0, c1 = _exposed_crop(v_all, b) if exposed_only else (0, v_all.shape[0], 0, v_all.shape[1])
    v = v_all[r0:r1, c0:c1]
    sub = v[:: max(1, v.shape[0] // 256), :: max(1, v.shape[1] // 256)]
    level = float(np.median(sub))
    sigma = pixel_noise(v)
    if np.mean(sub == sub.min()) > 0.05:
        # noise clipped at the bottom of the range (an offset-corrected dark image): the
        # differences understate it; the upper half of the values shows it whole
        q50, q84 = np.percentile(sub, [50, 84])
        sigma = max(sigma, float(q84 - q50))
    # a noiseless image (synthetic or heavily processed) still needs a finite noise scale
    sigma = max(sigma, 1e-4 * abs(level), 0.5 * value_step, 1e-6)
    arts: list[dict] = []

    bad, bg = _pixel_defects(v, sigma)
    if bg is not None:
        arts.extend(_defect_findings(bad, v, bg))
        clean = v.copy()
        clean[bad] = bg[bad]
    else:
        clean = v
    rows, cols = clean.shape

    # stripes
    stripe_cols = np.zeros(cols, bool)
    stripe_rows = np.zeros(rows, bool)
    nr, nc = rows // b[0], cols // b[1]
    col_prof = _trimmed_mean(clean[: nr * b[0]].reshape(nr, b[0], cols).mean(axis=1), axis=0)
    row_prof = _trimmed_mean(clean[:, : nc * b[1]].reshape(rows, nc, b[1]).mean(axis=2), axis=1)
    for axis, prof, n_avg, mark in (("column", col_prof, rows, stripe_cols), ("row", row_prof, cols, stripe_rows)):
        win = max(31, (prof.size // 10) | 1)
        res = prof - ndimage.median_filter(prof, size=win, mode="nearest")
        s = max(_robust_sd(res), 1.2533 * sigma / np.sqrt(n_avg))
        thr = max(STRIPE_SIGMA * s, STRIPE_MIN_REL * abs(level))
        # one stripe whose middle dips under the threshold by noise is still one stripe
        hit = ndimage.binary_closing(np.abs(res) > thr, structure=np.ones(3, bool))
        for a, z in _runs(hit):
            mark[a:z] = True
            amp = float(np.mean(res[a:z])) / (abs(level) or 1.0)
            if axis == "column":
                box = [0, int(a), rows, int(z)]
                centre = [round(float(a + z - 1) / 2, 1), round((rows - 1) / 2, 1)]
            else:
                box = [int(a), 0, int(z), cols]
                centre = [round((cols - 1) / 2, 1), round(float(a + z - 1) / 2, 1)]
            arts.append({"kind": f"stripe_{axis}", "bbox_px": box, "size_px": int(z - a), "amplitude": round(amp, 4),
                         "centre_px": centre})

    # local non-uniformity on block means
    blocks = clean[: nr * b[0], : nc * b[1]].reshape(nr, b[0], nc, b[1]).mean(axis=(1, 3)).astype(np.float64)
    use = np.ones((nr, nc), bool)
    use &= ~stripe_rows[: nr * b[0]].reshape(nr, b[0]).any(axis=1)[:, None]
    use &= ~stripe_cols[: nc * b[1]].reshape(nc, b[1]).any(axis=1)[None, :]
    area_map = None
    if nr >= 5 and nc >= 5 and use.sum() > 12:
        yy, xx = np.mgrid[0:nr, 0:nc].astype(np.float64)
        yy, xx = yy / nr - 0.5, xx / nc - 0.5
        basis = np.stack([np.ones_like(xx), xx, yy, xx * xx, xx * yy, yy * yy], axis=-1)
        coef, *_ = np.linalg.lstsq(basis[use], blocks[use], rcond=None)
        res1 = blocks - basis @ coef
        res1[~use] = 0.0
        res2 = res1 - ndimage.median_filter(res1, size=min(11, nr, nc), mode="nearest")
        s = max(_robust_sd(res2[use]), sigma / np.sqrt(b[0] * b[1]))
        thr = max(AREA_SIGMA * s, AREA_MIN_REL * abs(level))
        flag = (np.abs(res2) > thr) & use
        area_map = (res2 / s).astype(np.float32)
        if flag.any():
            lab, n = ndimage.label(flag, structure=np.ones((3, 3)))
            for i, sl in enumerate(ndimage.find_objects(lab), start=1):
                m = lab[sl] == i
                amp = float(res2[sl][m][np.argmax(np.abs(res2[sl][m]))]) / (abs(level) or 1.0)
                br0, br1 = sl[0].start * b[0], sl[0].stop * b[0]
                bc0, bc1 = sl[1].start * b[1], sl[1].stop * b[1]
                arts.append({"kind": "local_nonuniformity", "bbox_px": [br0, bc0, br1, bc1], "size_px": int(m.sum() * b[0] * b[1]),
                             "amplitude": round(amp, 4), "centre_px": [round((bc0 + bc1 - 1) / 2, 1), round((br0 + br1 - 1) / 2, 1)]})

    for a in arts:  # back to whole-image pixel coordinates
        a["bbox_px"] = [a["bbox_px"][0] + r0, a["bbox_px"][1] + c0, a["bbox_px"][2] + r0, a["bbox_px"][3] + c0]
        a["centre_px"] = [a["centre_px"][0] + c0, a["centre_px"][1] + r0]
    return ArtifactScreen(arts, float(sigma), level, b, area_map, (r0, c0))


def _value_step(image: Image) -> float:
    """One stored integer in modality units: |Rescale Slope| (1 without one)."""
    try:
        return abs(float(image.ds.get("RescaleSlope", 1.0) or 1.0))
    except (TypeError, ValueError):
        return 1.0


def _artifact_details(image: Image, scr: ArtifactScreen) -> dict:
    listed = []
    for a in scr.artifacts[:MAX_LISTED]:
        x, y = image.px_to_mm(*a["centre_px"])
        listed.append({**a, "centre_mm": [round(x, 2), round(y, 2)]})
    return {
        "artifacts": listed,
        "listed": len(listed),
        "by_kind": scr.counts(),
        "noise_sd": round(scr.noise, 4),
        "level": round(scr.level, 4),
        "thresholds": {"pixel_sigma": PIXEL_SIGMA, "pixel_min_rel": PIXEL_MIN_REL, "stripe_sigma": STRIPE_SIGMA,
                       "stripe_min_rel": STRIPE_MIN_REL, "area_sigma": AREA_SIGMA, "area_min_rel": AREA_MIN_REL,
                       "block_mm": BLOCK_MM},
    }


@takes_image
def dark_noise(image: Image, options=None) -> Result:
    """Dark noise (WS 76-2020): mean and sample SD of the central 10 × 10 cm ROI, and an artifact screen.

    ``dark_mean`` and ``dark_sd`` are in pixel values (modality units); the catalog judges
    ``dark_mean`` against the specified value or the baseline ±50 %. The header's dose
    indicators (EI …) go into details. ``artifact_count`` on DR-QC-DARK is the screen's count.
    """
    res = new_result([image])
    px = prepare(res, image, "dark")
    if px is None:
        return res
    size = fit_size(image, 100.0)
    st, roi = rect_roi(px.values, image, size, centre_px(image), label="dark 10×10 cm")
    det = {"roi_size_mm": [round(size[0], 2), round(size[1], 2)], "n_pixels": st.n, "pixel_data": px.intent,
           "monochrome1_inverted": px.inverted, **dose_indicators(image.ds)}
    res.add(measurement("DR-QC-DARK", "dark_mean", round(st.mean, 4), "", "dark", [image], method="roi-mean",
                        rois=[roi], details=dict(det)))
    res.add(measurement("DR-QC-DARK", "dark_sd", round(st.sd, 4), "", "dark", [image], method="roi-sd",
                        rois=[roi], details=dict(det)))
    scr = screen_artifacts(px.values, image.spacing, exposed_only=False, value_step=_value_step(image))
    res.add(measurement("DR-QC-DARK", "artifact_count", len(scr.artifacts), "", "dark", [image],
                        method="dark-screen", details=_artifact_details(image, scr)))
    res.figures["dark"] = {"image": image, "values": px.values, "rois": [roi], "artifacts": scr.artifacts}
    return res


def five_roi_centres(image: Image) -> list[tuple[str, tuple[float, float]]]:
    """Centre and quadrant-centre positions (col, row px) of the WS 76-2020 uniformity ROIs."""
    rows, cols = image.shape
    qx, qy = cols / 4, rows / 4
    cx, cy = (cols - 1) / 2, (rows - 1) / 2
    return [("centre", (cx, cy)), ("upper left", (cx - qx, cy - qy)), ("upper right", (cx + qx, cy - qy)),
            ("lower left", (cx - qx, cy + qy)), ("lower right", (cx + qx, cy + qy))]


def _cv(v: np.ndarray) -> float:
    return float(np.std(v, ddof=1) / np.mean(v) * 100)


@takes_image
def response_uniformity(image: Image, stp=None, options=None) -> Result:
    """Response uniformity (WS 76-2020): CV (%) of five 4 × 4 cm ROI means.

    ROIs at the centre and the centres of the four quadrants (shrunk to 90 % of a
    quadrant on a small detector). CV uses the sample SD (n − 1). With ``stp`` (a
    :class:`~huren.analysis.dr.stp.StpFit`) the ROI means are also linearised to kerma
    through the fit's inverse, and that CV is the headline (``method`` =
    ``linearised``); otherwise the raw-value CV is (``method`` = ``raw``). Both are in details.
    """
    res = new_result([image])
    px = prepare(res, image, "uniformity")
    if px is None:
        return res
    rows, cols = image.shape
    side = (min(40.0, 0.9 * cols / 2 * image.spacing[1]), min(40.0, 0.9 * rows / 2 * image.spacing[0]))
    means, rois = [], []
    for label, c in five_roi_centres(image):
        st, roi = rect_roi(px.values, image, side, c, label=label)
        means.append(st.mean)
        rois.append(roi)
    v = np.array(means)
    if not np.mean(v) > 0:
        res.error(image.path, "图像无信号（感兴趣区均值不大于零），无法计算变异系数",
                  "no signal in the image (ROI mean not above zero); no CV can be formed", "uniformity")
        return res
    det = {"roi_means": [round(x, 4) for x in means], "cv_raw": round(_cv(v), 4), "roi_size_mm": [round(s, 2) for s in side],
           "pixel_data": px.intent}
    method = "raw"
    value = det["cv_raw"]
    if stp is not None:
        k = np.asarray(stp.to_kerma(v), dtype=float)
        if np.all(np.isfinite(k)) and np.all(k > 0):
            det["roi_kerma_ugy"] = [round(x, 5) for x in k]
            det["cv_linearised"] = round(_cv(k), 4)
            det["stp_model"] = stp.model
            method, value = "linearised", det["cv_linearised"]
        else:
            res.note("响应均匀性：信号传递拟合的反函数不适用于这些像素值，仅给出原始像素值 CV",
                     "response uniformity: the STP inverse is not defined for these pixel values; raw CV only")
    res.add(measurement("DR-QC-UNIF", "uniformity_cv", value, "%", "uniformity", [image], method=method, rois=rois,
                        details=det))
    res.figures["uniformity"] = {"image": image, "values": px.values, "rois": rois}
    return res


@takes_image
def artifacts(image: Image, options=None) -> Result:
    """Artifact screen of a flat-field image (WS 76-2020 伪影): count, locations and kinds.

    ``artifact_count`` on DR-QC-ARTIFACT; the catalog passes 0. See :func:`screen_artifacts`.
    """
    res = new_result([image])
    px = prepare(res, image, "artifact")
    if px is None:
        return res
    scr = screen_artifacts(px.values, image.spacing, exposed_only=True, value_step=_value_step(image))
    res.add(measurement("DR-QC-ARTIFACT", "artifact_count", len(scr.artifacts), "", "artifact", [image],
                        method="flat-field-screen", details=_artifact_details(image, scr)))
    res.figures["artifact"] = {"image": image, "values": px.values, "artifacts": scr.artifacts, "map": scr.area_map}
    return res
