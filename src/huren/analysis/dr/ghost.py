"""Ghost / lag (残影, WS 76-2020): the blank – lead block – blank sequence.

Image 2 (open field with a 4 × 4 cm, 4 mm Pb block at the detector centre) shows where
the block lay; in image 3 (a blank exposure within 1.5 min) the mean inside that region
is compared with the mean outside it, with ROIs of equal area:

    error = (ghost-region mean − non-ghost mean) / non-ghost mean × 100 %

The ghost ROI is the block's region shrunk by 15 % of its size on every side; the
non-ghost ROIs are four squares of the same size beside the block (left, right, above,
below, as many as fit), averaged. ``ghost_percent`` is |error|; the signed error, every
ROI and the same figure on image 1 (a control: it shows a pattern already there before
the block was exposed) are in details.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import ndimage

from huren.dicomio import DicomInputError, Image
from huren.result import Result

from .base import check, fail, measurement, new_result, rect_roi, takes_images
from .header import acquisition_key, acquisition_time, linear_values

SHRINK = 0.15
MAX_INTERVAL_S = 90.0  # WS 76-2020: repeat the blank exposure within 1.5 min


def locate_block(values: np.ndarray) -> tuple[int, int, int, int]:
    """(row0, row1, col0, col1) of the lead block's shadow in an open-field image (end exclusive).

    Threshold halfway between the 0.5th percentile (under the block) and the median
    (open field) on a block-averaged copy, keep the largest compact low region that does
    not touch the border, then refine its edges at full resolution from the fraction of
    low pixels in each row and column.
    """
    f = max(1, int(np.ceil(max(values.shape) / 512)))
    rows, cols = values.shape[0] // f, values.shape[1] // f
    small = values[: rows * f, : cols * f].reshape(rows, f, cols, f).mean(axis=(1, 3))
    lo, hi = np.percentile(small, 0.5), np.median(small)
    if hi - lo <= 0:
        raise ValueError("no lead block found (flat image) / 未找到铅块（图像均匀）")
    thr = (lo + hi) / 2
    lab, n = ndimage.label(small < thr)
    best, best_score = None, 0.0
    for i, sl in enumerate(ndimage.find_objects(lab), start=1):
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if sl[0].start == 0 or sl[1].start == 0 or sl[0].stop == rows or sl[1].stop == cols or h < 3 or w < 3:
            continue
        fill = (lab[sl] == i).sum() / (h * w)
        score = fill * (lab[sl] == i).sum() * min(h, w) / max(h, w)
        if fill > 0.6 and score > best_score:
            best, best_score = sl, score
    if best is None:
        raise ValueError("no lead block found / 未找到铅块")
    # a 4 mm Pb block stops nearly all the beam: its shadow must stand far below the field
    inside = float(small[best].mean())
    noise = float(np.std(np.diff(small, axis=1))) / np.sqrt(2) + 1e-12
    if hi - inside < max(0.2 * abs(hi), 10 * noise):
        raise ValueError("no lead block found (no shadow far below the open field) / 未找到铅块（无明显阴影）")
    r0, r1 = max((best[0].start - 1) * f, 0), min((best[0].stop + 1) * f, values.shape[0])
    c0, c1 = max((best[1].start - 1) * f, 0), min((best[1].stop + 1) * f, values.shape[1])
    win = values[r0:r1, c0:c1] < thr
    rf, cf = win.mean(axis=1), win.mean(axis=0)
    rr = np.nonzero(rf > 0.5 * rf.max())[0]
    cc = np.nonzero(cf > 0.5 * cf.max())[0]
    return r0 + int(rr[0]), r0 + int(rr[-1]) + 1, c0 + int(cc[0]), c0 + int(cc[-1]) + 1


def _ghost_error(values: np.ndarray, image: Image, box: tuple[int, int, int, int]):
    r0, r1, c0, c1 = box
    h, w = r1 - r0, c1 - c0
    mr, mc = SHRINK * h, SHRINK * w
    size_px = (w - 2 * mc, h - 2 * mr)
    size_mm = (size_px[0] * image.spacing[1], size_px[1] * image.spacing[0])
    cx, cy = (c0 + c1 - 1) / 2, (r0 + r1 - 1) / 2
    st_in, roi_in = rect_roi(values, image, size_mm, (cx, cy), label="ghost region")
    outs, rois = [], [roi_in]
    rows, cols = values.shape
    # neighbours one block-width away: clear of the block's edge by the shrink margin
    for label, dx, dy in (("left", -w, 0), ("right", w, 0), ("above", 0, -h), ("below", 0, h)):
        x, y = cx + dx, cy + dy
        if x - size_px[0] / 2 < 0 or x + size_px[0] / 2 > cols or y - size_px[1] / 2 < 0 or y + size_px[1] / 2 > rows:
            continue
        st, roi = rect_roi(values, image, size_mm, (x, y), label=label)
        outs.append(st.mean)
        rois.append(roi)
    if not outs:
        raise ValueError("no room beside the block for the comparison ROIs / 铅块旁没有放置对照感兴趣区的空间")
    out = float(np.mean(outs))
    return (st_in.mean - out) / out * 100, st_in.mean, outs, rois


@takes_images
def ghost(images: Sequence[Image], options=None) -> Result:
    """Ghost error (WS 76-2020 残影) of a blank – block – blank triple, in acquisition order.

    ``images`` holds the three images (sorted here by acquisition date-time, then
    instance number). ``ghost_percent`` = |error| on DR-QC-GHOST; details give the signed
    error, the ROI means and the control figure of image 1.
    """
    res = new_result(images)
    if len(images) != 3:
        res.error(", ".join(im.path for im in images) or "-", f"残影检测需要 3 幅图像（空白、铅块、空白），收到 {len(images)} 幅",
                  f"the ghost test needs 3 images (blank, lead block, blank); got {len(images)}", "ghost")
        return res
    seq = sorted(images, key=acquisition_key)
    for im in seq:
        try:
            check(im, "ghost")
        except DicomInputError as e:
            fail(res, e, "ghost")
            return res
    # one image's values at a time (MONOCHROME1 values are copies; 3000² images are large)
    try:
        box = locate_block(linear_values(seq[1]).values)
        err1, *_ = _ghost_error(linear_values(seq[0]).values, seq[0], box)
        third = linear_values(seq[2]).values
        err3, m_in, m_out, rois = _ghost_error(third, seq[2], box)
    except ValueError as e:
        res.error(seq[1].path, f"残影检测失败：{e}", f"ghost test failed: {e}", "ghost")
        return res
    r0, r1, c0, c1 = box
    details = {"signed_percent": round(err3, 4), "ghost_mean": round(m_in, 4), "other_means": [round(x, 4) for x in m_out],
               "block_px": [r0, c0, r1, c1],
               "block_mm": [round((c1 - c0) * seq[1].spacing[1], 2), round((r1 - r0) * seq[1].spacing[0], 2)],
               "image1_signed_percent": round(err1, 4),
               "order": [im.path for im in seq]}
    t2, t3 = acquisition_time(seq[1]), acquisition_time(seq[2])
    if t2 is not None and t3 is not None:
        gap = (t3 - t2).total_seconds()
        details["interval_s"] = round(gap, 1)
        if gap > MAX_INTERVAL_S:
            res.note(f"残影：第 3 幅图像在铅块曝光后 {gap:.0f} 秒采集，WS 76-2020 要求 1.5 分钟内",
                     f"ghost: image 3 was taken {gap:.0f} s after the block exposure; WS 76-2020 asks for within 1.5 min")
    res.add(measurement("DR-QC-GHOST", "ghost_percent", round(abs(err3), 4), "%", "ghost", seq, method="equal-area-roi",
                        rois=rois, details=details))
    res.figures["ghost"] = {"image": seq[2], "values": third, "rois": rois}
    return res
