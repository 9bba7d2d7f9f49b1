"""ACR large MR phantom: slice identification and the geometric tests.

Source of the phantom geometry and the tests: ACR *Phantom Test Guidance for Use of
the Large MRI Phantom* (2022): slice 1 (slice-thickness ramps, slice-position wedges,
hole arrays), slice 5 (grid; diameters), slice 7 (uniform: PIU, ghosting, SNR),
slices 8–11 (low-contrast discs), slice 11 (wedges). Inner diameter 190 mm, inside
length 148 mm. All ROI positions here are in mm in the phantom's own frame (x right,
y down, origin at the phantom centre, rotated with the phantom), then mapped to pixels.

Where we measure differently from hazen on purpose, hazen's way is re-implemented here
too and reported as ``details["hazen_method"]`` beside our figure:

* phantom centre: ours is the least-squares circle through the wall (sub-pixel); hazen's
  a whole-pixel Hough peak (:func:`hough_centre`). On the GE set they differ by 1.3 px
  in y; circles through the wall's half-level crossings agree with ours to 0.2 px.
* lengths: ours locate each wall at half its level to a tenth of a pixel; hazen counts
  pixels of a 7 % threshold mask (:func:`threshold_extent_mm`), which moves in whole
  pixels, and along a staircase diagonal by two pixels when the centre moves by one.
* slice thickness: ours is the ACR guidance's half-mean-signal length; hazen fits
  smoothed logistic curves (:func:`ramp_fwhm_sigmoid`) and leaves the lengths in pixels,
  so its figures are the thickness divided by the pixel size (GE: 9.99 for 5.2 mm).
* slice position: ours is each bar's own half-level end; hazen searches the shift of
  least positive mean difference (:func:`_wedge_shift_hazen`), which on two equal bars
  (GE slice 11) can land millimetres away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np
from scipy import fft, ndimage
from scipy.signal import find_peaks

from huren.analysis.core.mtf import mtf_from_esf, oversampled_esf
from huren.analysis.core.phantom import PhantomCircle, convex_hull_mask, find_circular_phantom, fit_circle, object_mask
from huren.analysis.core.profile import crossing, sampled_line
from huren.dicomio import Image

from .common import Frame, MrAnalysisError

DIAMETER_MM = 190.0  # inside diameter of the large phantom
LENGTH_MM = 148.0  # inside length, seen on the sagittal localiser
N_SLICES = 11


# --------------------------------------------------------------------------- the series
@dataclass
class AcrSeries:
    """An ACR axial series numbered 1–11 by content; each slice's phantom outline on demand.

    ``angle_deg`` is the phantom's in-plane rotation (from slice 1), shared by every
    slice's :class:`Frame`.
    """

    slices: dict[int, Image]
    angle_deg: float = 0.0
    _circles: dict[int, PhantomCircle] = field(default_factory=dict, repr=False)

    def image(self, n: int) -> Image:
        if n not in self.slices:
            raise MrAnalysisError(
                "", f"缺少 ACR 第 {n} 层，无法完成该项测试", f"ACR slice {n} is missing; this test cannot be done"
            )
        return self.slices[n]

    def circle(self, n: int) -> PhantomCircle:
        if n not in self._circles:
            self._circles[n] = find_circular_phantom(self.image(n).array)
        return self._circles[n]

    def frame(self, n: int) -> Frame:
        return Frame(self.circle(n).centre_px, self.angle_deg, self.image(n).spacing)


def _grid_energy(image: Image) -> float:
    """Fine-structure energy in the central 120 mm: high for the slice-5 grid, low for slices 6–7."""
    a = image.array.astype(np.float32)
    px = float(np.mean(image.spacing))
    hp = a - ndimage.gaussian_filter(a, 3.0 / px)
    try:
        mask, _ = object_mask(image.array)
    except ValueError:  # a blank image has no structure at all
        return 0.0
    sig = float(np.median(a[mask])) or 1.0
    cy, cx = ndimage.center_of_mass(mask)
    yy, xx = np.ogrid[: a.shape[0], : a.shape[1]]
    central = (xx - cx) ** 2 + (yy - cy) ** 2 <= (60.0 / px) ** 2
    return float(np.std(hp[central]) / sig)


def looks_like_acr(images: Sequence[Image]) -> bool:
    """Whether an axial series has the ACR phantom's contrast of structure: a grid-like
    slice with ten times the fine structure of the plainest slice (slices 6–7 of the
    ACR phantom are uniform, slice 5 is the grid). A stack of flood images has none."""
    if len(images) < 3:
        return False
    e = np.array([_grid_energy(m) for m in images])
    return bool(e.max() > 0.05 and e.max() > 5 * max(e.min(), 1e-6))


def identify_slices(images: Sequence[Image]) -> AcrSeries:
    """Number an axial ACR series 1–11 by content, whatever its order and direction.

    Slices are sorted along the slice normal; slice 5 (the grid) is the slice with the
    most fine structure inside the central 120 mm among the two candidates four
    slices from either end, and slice 1 is the end nearer to it. A series that is not
    11 slices is numbered from the grid slice and the slice gap; slices that are not
    there are reported missing.
    """
    ims = [im for im in images]
    if len(ims) < 3:
        raise MrAnalysisError(
            ims[0].path if ims else "",
            f"ACR 轴位序列只有 {len(ims)} 层，需要 11 层",
            f"the ACR axial series has {len(ims)} slice(s); 11 are needed",
        )
    ims.sort(key=lambda m: (m.z if m.z is not None else float(m.instance_number or 0)))
    if len(ims) == N_SLICES:
        e4, e6 = _grid_energy(ims[4]), _grid_energy(ims[6])
        order = ims if e4 >= e6 else ims[::-1]
        return AcrSeries({i + 1: im for i, im in enumerate(order)})
    # incomplete series: place the slices by position relative to the grid slice, in
    # the sense that puts the low-contrast ring on slices 8–11 and on no others
    zs = np.array([m.z if m.z is not None else float(m.instance_number or 0) for m in ims])
    gaps = np.round(np.diff(zs), 2)
    gaps = gaps[gaps > 1e-3]
    gap = float(np.median(gaps[gaps <= 1.5 * gaps.min()])) if gaps.size else 1.0
    g = int(np.argmax([_grid_energy(m) for m in ims]))
    steps = [int(round((z - zs[g]) / gap)) for z in zs]
    ring = [_has_lcd_ring(m) for m in ims]
    best, best_score = None, -1
    for sense in (1, -1):
        nums = [5 + sense * s for s in steps]
        if not all(1 <= n <= N_SLICES for n in nums):
            continue
        score = sum((n >= 8) == r for n, r in zip(nums, ring))
        if score > best_score:
            best, best_score = nums, score
    if best is None:
        raise MrAnalysisError(ims[0].path, "无法确定 ACR 各层的编号（层间距或层数不符）",
                              "cannot number the ACR slices (slice gap or count does not fit)")
    slices: dict[int, Image] = {}
    for m, n in zip(ims, best):
        slices.setdefault(n, m)
    return AcrSeries(slices)


def _has_lcd_ring(image: Image) -> bool:
    try:
        _lcd_centre(image, Frame((0.0, 0.0), 0.0, image.spacing))
        return True
    except MrAnalysisError:
        return False


def phantom_frame(image: Image, *, angle_deg: float = 0.0) -> Frame:
    c = find_circular_phantom(image.array)
    return Frame(c.centre_px, angle_deg, image.spacing)


def rotation_deg(image: Image, frame: Frame) -> float:
    """In-plane rotation of the phantom from the long slice-thickness bar of slice 1, degrees.

    The bar (a dark insert about 175 × 10 mm across the middle of slice 1) has two long
    straight edges. In each column 45–80 mm either side of the centre, the strongest bright→dark
    and dark→bright steps near the centre row are the bar's upper and lower edges; a
    straight line fitted through each (outliers dropped) gives the slope. Positive
    angles are clockwise on screen (the bar's right end lower).
    """
    a = ndimage.gaussian_filter(image.array.astype(np.float32), 0.7)
    sr, sc = image.spacing
    cx, cy = frame.centre_px
    gy = np.gradient(a, axis=0)
    r0, r1 = int(max(cy - 30 / sr, 1)), int(min(cy + 30 / sr, a.shape[0] - 2))
    angles = []
    for sign in (-1, 1):
        xs, ys = [], []
        for col in np.arange(int(cx - 80 / sc), int(cx + 80 / sc) + 1):
            # beside the ramps, whose own edges run inside the bar within ±40 mm
            if col < 0 or col >= a.shape[1] or abs(col - cx) * sc < 45:
                continue
            g = sign * gy[r0:r1, col]
            k = int(np.argmax(g))
            if 0 < k < g.size - 1 and g[k] > 0:
                den = g[k - 1] - 2 * g[k] + g[k + 1]
                off = 0.5 * (g[k - 1] - g[k + 1]) / den if den != 0 else 0.0
                xs.append(col)
                ys.append(r0 + k + off)
        if len(xs) < 10:
            continue
        xs_a, ys_a = np.array(xs, float), np.array(ys, float)
        keep = np.ones(xs_a.size, bool)
        for _ in range(3):
            p = np.polyfit(xs_a[keep], ys_a[keep], 1)
            res = np.abs(np.polyval(p, xs_a) - ys_a)
            keep = res < max(1.0, 2.5 * np.median(res[keep]))
            if keep.sum() < 10:
                break
        if keep.sum() >= 10 and np.median(res[keep]) < 1.0:
            angles.append(math.degrees(math.atan(p[0] * sr / sc)))
    if not angles:
        return 0.0
    return float(np.mean(angles))


def hough_centre(image: Image, radius_px: float) -> tuple[int, int] | None:
    """Phantom centre (col, row) by a circular Hough transform at whole pixels, as hazen finds it.

    For comparison only. Our re-implementation of the method hazen describes (a 5×5 box
    blur, an edge map, a Hough accumulator of circles one pixel apart): edges by Canny
    on the blurred image, radii within 3 px of ``radius_px``. The accumulator's pixel
    grid makes the centre whole pixels, and an edge map of a shaded phantom with a fill
    port at its top moves its peak a pixel or so; the least-squares fit of the wall
    (:func:`huren.analysis.core.phantom.find_circular_phantom`) is the reported centre.
    """
    from skimage.feature import canny
    from skimage.transform import hough_circle, hough_circle_peaks

    b = ndimage.uniform_filter(image.array.astype(np.float64), 5)
    top = float(b.max()) or 1.0
    edges = canny(b, sigma=1.0, low_threshold=0.1 * top, high_threshold=0.2 * top)
    radii = np.arange(int(radius_px) - 3, int(radius_px) + 4)
    acc = hough_circle(edges, radii)
    _, cx, cy, _ = hough_circle_peaks(acc, radii, total_num_peaks=1)
    if not len(cx):  # no edges at all (a blank image)
        return None
    return int(cx[0]), int(cy[0])


# --------------------------------------------------------------------------- geometry
def _line(image: Image, frame: Frame, direction_deg: float, offset_mm: float, hull: np.ndarray, half_len_mm: float):
    """Profile (s mm, values, inside-hull flags) along a line ``offset_mm`` beside the centre line."""
    t = math.radians(direction_deg)
    ux, uy = math.cos(t), math.sin(t)
    nx, ny = -uy, ux
    x0, y0 = -half_len_mm * ux + offset_mm * nx, -half_len_mm * uy + offset_mm * ny
    x1, y1 = half_len_mm * ux + offset_mm * nx, half_len_mm * uy + offset_mm * ny
    p0, p1 = frame.px(x0, y0), frame.px(x1, y1)
    d_px, v = sampled_line(image.array, p0, p1, step_px=0.1)
    length_px = float(np.hypot(p1[0] - p0[0], p1[1] - p0[1]))
    s_mm = d_px * (2 * half_len_mm / length_px) - half_len_mm
    _, h = sampled_line(hull.astype(np.float32), p0, p1, step_px=0.1)
    return s_mm, v, h > 0.5


def _wall(s_mm: np.ndarray, v: np.ndarray, i: int, entering: bool, body: float) -> float | None:
    """Half-level crossing at the wall near hull-edge sample ``i``; None where the line
    meets a notch or fill port instead of the wall (no signal within 3 mm of the hull edge,
    or too little just inside it)."""
    spm = 1.0 / float(s_mm[1] - s_mm[0])  # samples per mm
    k_in0, k_in1, k3, k5 = int(IN_MM[0] * spm), int(IN_MM[1] * spm), int(3 * spm), int(5 * spm)
    bright = v > 0.5 * body
    if entering:
        j = np.nonzero(bright[max(i - k5, 0) :])[0]
        if not j.size or max(i - k5, 0) + int(j[0]) - i > k3:
            return None
        seg_in, seg_out = v[i + k_in0 : i + k_in1], v[max(i - k_in1, 0) : max(i - k_in0, 1)]
    else:
        j = np.nonzero(bright[: i + k5 + 1])[0]
        if not j.size or i - int(j[-1]) > k3:
            return None
        seg_in, seg_out = v[max(i - k_in1, 0) : max(i - k_in0, 1)], v[i + k_in0 : i + k_in1]
    if not seg_in.size:
        return None
    sig = float(np.median(seg_in))
    if sig < 0.5 * body:
        return None
    bg = float(np.median(seg_out)) if seg_out.size else 0.0
    lo, hi = max(i - k5, 0), min(i + k5, len(v) - 1)
    return _wall_crossing(s_mm[lo : hi + 1], v[lo : hi + 1], 0.5 * (sig + bg), entering=entering)


def _wall_crossing(s: np.ndarray, v: np.ndarray, level: float, *, entering: bool, air_mm: float = 2.0) -> float | None:
    """Where the wall is on a window of the profile: going outward from inside, the first
    crossing of ``level`` after which the profile stays below it for ``air_mm`` (air).

    Outward means backwards along ``s`` for the wall the line enters by. A noise wiggle at
    the wall crosses several times within a fraction of a millimetre and counts as one
    (its outermost crossing); a bright vial or ghost beyond the wall, past a gap of air,
    is not reached. None when the profile never crosses.
    """
    if entering:
        s, v = s[::-1], v[::-1]
    above = v >= level
    idx = np.nonzero(above[:-1] & ~above[1:])[0]  # falling, going outward
    if idx.size == 0:
        return None
    k = max(int(round(air_mm / abs(float(s[1] - s[0])))), 1)
    pick = int(idx[-1])
    for i in idx:
        if not above[i + 1 : i + 1 + k].any():
            pick = int(i)
            break
    v0, v1 = v[pick], v[pick + 1]
    f = 0.0 if v1 == v0 else (level - v0) / (v1 - v0)
    return float(s[pick] + f * (s[pick + 1] - s[pick]))


def _edge_positions(image: Image, frame: Frame, direction_deg: float, hull: np.ndarray, body: float,
                    half_len_mm: float = 125.0, smooth: bool = False):
    """Sub-pixel positions (mm from the phantom centre) of the two phantom walls along a line.

    The line runs through the phantom centre at ``direction_deg`` (0 = x axis, 90 = y
    axis). Each wall is where the profile crosses half-way between the air outside and
    the signal just inside that wall (1–4 mm either side). Where the line meets a notch
    or fill port instead (the top of the ACR phantom), the wall is the edge of the
    phantom's convex hull, as a ruler laid across the outline would read it.
    """
    s_mm, v, inside = _line(image, frame, direction_deg, 0.0, hull, half_len_mm)
    # on a noisy slice (SNR under 25: a low-SNR T2) five parallel lines 1 mm either side,
    # averaged, and a 0.5 mm Gaussian along the line: a symmetric smoothing keeps a straight
    # edge's half-level point, and the noise no longer makes crossings of its own (the
    # wall's curvature over ±1 mm: 0.005 mm)
    v = v.astype(np.float64)
    for off in (-1.0, -0.5, 0.5, 1.0) if smooth else ():
        w = _line(image, frame, direction_deg, off, hull, half_len_mm)[1]
        n = min(v.size, w.size)
        v, s_mm, inside = v[:n] + w[:n], s_mm[:n], inside[:n]
    if smooth:
        v = ndimage.gaussian_filter1d(v / 5.0, 0.5 / float(s_mm[1] - s_mm[0]))
    if not inside.any():
        raise MrAnalysisError(image.path, "轮廓线上没有体模", "no phantom on the measuring line")
    out = []
    for entering in (True, False):
        i = int(np.argmax(inside)) if entering else int(len(inside) - 1 - np.argmax(inside[::-1]))
        c = _wall(s_mm, v, i, entering, body)
        out.append(float(s_mm[i]) if c is None else c)
    return out[0], out[1]


IN_MM = (1.0, 4.0)
NOISY = 0.04  # pixel noise / signal above which the geometry lines are smoothed and the mask opened (SNR < 25)
DIRECTIONS = {"horizontal": 0.0, "vertical": 90.0, "diagonal_1": 45.0, "diagonal_2": 135.0}


_HULL_CACHE: list[tuple[np.ndarray, float, np.ndarray]] = []


def _threshold_hull(array: np.ndarray, fraction: float) -> np.ndarray:
    for arr, fr, hull in _HULL_CACHE:
        if arr is array and fr == fraction:
            return hull
    fg = array > fraction * float(array.max())
    lab, n_lab = ndimage.label(fg, structure=np.ones((3, 3)))
    if n_lab > 1:
        # as hazen does: drop regions under 500 pixels (stray bright pixels in the air), keep
        # the rest, which a grid may cut into several pieces, and take their hull together
        sizes = np.bincount(lab.ravel())
        sizes[0] = 0
        fg = (sizes >= min(500, int(sizes.max())))[lab]
    hull = convex_hull_mask(fg)
    _HULL_CACHE.append((array, fraction, hull))
    del _HULL_CACHE[:-4]
    return hull


def threshold_extent_mm(image: Image, frame: Frame, direction_deg: float, *, fraction: float = 0.07) -> float:
    """Phantom length by counting pixels (hazen's way), mm, for comparison only.

    The image is thresholded at ``fraction`` of its maximum, the largest object's
    convex hull taken, and sampled (nearest pixel) at one-pixel steps along the line through the
    centre; the length is (last − first inside sample) × pixel size. Pixel-quantised
    and one pixel shorter than the extent, which the low threshold partly offsets.
    """
    hull = _threshold_hull(image.array, fraction)
    cx, cy = round(frame.centre_px[0]), round(frame.centre_px[1])  # hazen rounds the centre
    n = max(hull.shape)
    k = np.arange(-n, n + 1, dtype=np.float64)
    if direction_deg in (45.0, 135.0):
        # hazen turns the mask 45° about the centre (nearest pixel) and reads its middle row
        # (diagonal_1, top-left → bottom-right) or column (diagonal_2): the same samples as
        # stepping one pixel at a time along that diagonal of the unturned mask
        c45 = math.sqrt(0.5)
        xs, ys = (cx + k * c45, cy + k * c45) if direction_deg == 45.0 else (cx - k * c45, cy + k * c45)
        step_mm = float(np.sqrt(np.mean(np.square(frame.spacing))))
    elif direction_deg == 0.0:
        xs, ys, step_mm = cx + k, np.full_like(k, cy), frame.spacing[1]
    else:
        xs, ys, step_mm = np.full_like(k, cx), cy + k, frame.spacing[0]
    ci, ri = np.floor(xs + 0.5).astype(int), np.floor(ys + 0.5).astype(int)
    ok = (ci >= 0) & (ci < hull.shape[1]) & (ri >= 0) & (ri < hull.shape[0])
    inside = np.zeros(k.size, bool)
    inside[ok] = hull[ri[ok], ci[ok]]
    idx = np.nonzero(inside)[0]
    if idx.size < 2:
        return float("nan")
    return float((idx[-1] - idx[0]) * step_mm)


def _phantom_mask(image: Image) -> np.ndarray:
    """The phantom's mask for the geometry lines on a noisy slice: Otsu's object, opened by 2 mm.

    On a low-SNR slice, noise and ghosts in the air touching the wall join the object
    above Otsu's threshold and push its hull millimetres out (the wall's search then
    starts in the air); an opening of 2 mm cuts them off, and a bright vial next to the
    phantom is a separate object. Holes are filled after the opening.
    """
    mask, _ = object_mask(image.array)
    px = float(np.mean(image.spacing))
    k = max(int(round(2.0 / px)), 1)
    opened = ndimage.binary_opening(mask, ndimage.generate_binary_structure(2, 1), iterations=k)
    lab, n = ndimage.label(opened)
    if n == 0:
        return mask
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    return ndimage.binary_fill_holes(lab == int(np.argmax(sizes)))


def geometric_lengths(image: Image, frame: Frame, directions: Sequence[str]) -> dict[str, tuple[float, float, float]]:
    """Phantom diameter along each named direction: {direction: (length mm, start mm, end mm)}.

    ACR guidance §2 (geometric accuracy): the inside diameter, nominally 190 mm,
    measured on slice 1 (horizontal, vertical) and slice 5 (horizontal, vertical and
    both diagonals). Walls are located to a tenth of a pixel (half-way crossings),
    where hazen counts thresholded pixels (see the module docstring of ``bench/mr.py``).
    """
    # gradient errors stretch the image along its own axes, so the lines follow the
    # image axes (and their diagonals), not the phantom's rotation
    axes = Frame(frame.centre_px, 0.0, frame.spacing)
    mask = object_mask(image.array)[0]
    # the phantom's typical signal, from its whole area (a line may run along an insert)
    body = float(np.median(image.array[mask]))
    # pixel noise inside the phantom from neighbour differences (robust: MAD), relative to the signal
    inner = ndimage.binary_erosion(mask, iterations=3)
    dv = np.diff(image.array.astype(np.float64), axis=1)[inner[:, 1:] & inner[:, :-1]]
    noise = float(np.median(np.abs(dv - np.median(dv)))) / 0.6745 / math.sqrt(2) if dv.size else 0.0
    smooth = body > 0 and noise / body > NOISY
    if smooth:
        mask = _phantom_mask(image)
    hull = convex_hull_mask(mask)
    out = {}
    for name in directions:
        a, b = _edge_positions(image, axes, DIRECTIONS[name], hull, body, smooth=smooth)
        out[name] = (b - a, a, b)
    return out


def localiser_length(image: Image) -> tuple[float, dict]:
    """Superior–inferior inside length of the phantom on a sagittal (or coronal) localiser, mm.

    The head–foot image axis is read from Image Orientation (Patient). Profiles 2 mm
    apart run along it across the middle 60 % of the phantom's width; inserts that
    reach an end plate (the slice-thickness and wedge blocks) shorten some of them, so
    the length is the median of the profiles within 3 mm of the longest.
    """
    ori = image.orientation or (0, 1, 0, 0, 0, -1)
    row_dir, col_dir = np.array(ori[:3]), np.array(ori[3:])
    vertical = abs(col_dir[2]) >= abs(row_dir[2])  # the SI axis runs down the columns
    a = image.array if vertical else image.array.T
    sp_along = image.spacing[0] if vertical else image.spacing[1]
    sp_across = image.spacing[1] if vertical else image.spacing[0]
    # localisers are often strongly shaded towards one end: find the outline with a low
    # threshold (5 % of the bright level), then each end at its own half level
    thr = 0.05 * float(np.percentile(ndimage.median_filter(a, 3), 99))
    mask, _ = object_mask(a, thr)
    ys, xs = np.nonzero(mask)
    cx = 0.5 * (xs.min() + xs.max())
    half_w = 0.3 * (xs.max() - xs.min()) * sp_across
    step = 0.1 * sp_along  # mm per sample
    k1, k4, k8 = int(1 / step), int(4 / step), int(8 / step)
    lengths = []
    for off_mm in np.arange(-half_w, half_w + 0.01, 2.0):
        col = cx + off_mm / sp_across
        _, v = sampled_line(a, (col, 0), (col, a.shape[0] - 1), step_px=0.1, width_px=3)
        s = np.arange(v.size) * step
        m = v > thr
        if not m.any():
            continue
        i0, i1 = int(np.argmax(m)), int(len(m) - 1 - np.argmax(m[::-1]))
        sig_a = float(np.median(v[i0 + k1 : i0 + k4])) if i0 + k4 < v.size else float(v.max())
        sig_b = float(np.median(v[max(i1 - k4, 0) : max(i1 - k1, 1)]))
        bg_a = float(np.median(v[max(i0 - k8, 0) : max(i0 - k4, 1)]))
        bg_b = float(np.median(v[i1 + k4 : i1 + k8])) if i1 + k8 < v.size else 0.0
        ea = crossing(s[max(i0 - k4, 0) : i0 + k4], v[max(i0 - k4, 0) : i0 + k4], 0.5 * (sig_a + bg_a))
        eb = crossing(s[max(i1 - k4, 0) : i1 + k4], v[max(i1 - k4, 0) : i1 + k4], 0.5 * (sig_b + bg_b), from_end=True)
        if ea is not None and eb is not None:
            lengths.append(eb - ea)
    if not lengths:
        raise MrAnalysisError(image.path, "定位像上未找到体模", "no phantom found on the localiser")
    lengths_a = np.array(lengths)
    full = lengths_a[lengths_a >= lengths_a.max() - 3.0]
    return float(np.median(full)), {"profiles": int(full.size), "profiles_tried": len(lengths),
                                    "si_axis": "vertical" if vertical else "horizontal"}


# --------------------------------------------------------------------------- slice 1 inserts
def _band_profile(image: Image, frame: Frame, start_mm: tuple[float, float], end_mm: tuple[float, float],
                  width_mm: float = 0.0, step_mm: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Profile between two phantom-frame points, averaged over ``width_mm`` across; (s mm, values).

    Sampled every ``step_mm`` (bilinear), so the sample count depends only on the length.
    """
    (x0, y0), (x1, y1) = start_mm, end_mm
    length = float(np.hypot(x1 - x0, y1 - y0))
    n = int(round(length / step_mm)) + 1
    t = np.linspace(0.0, 1.0, n)
    xs, ys = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    k = max(int(round(width_mm / frame.pixel_mm)), 1)
    offs = (np.arange(k) - (k - 1) / 2) * frame.pixel_mm
    vals = np.zeros(n)
    for o in offs:
        c, r = frame.to_px(xs + o * nx, ys + o * ny)
        vals += ndimage.map_coordinates(image.array, [r, c], order=1, mode="nearest")
    return t * length, vals / len(offs)


def bar_edges_mm(image: Image, frame: Frame) -> tuple[float, float]:
    """Phantom-frame y (mm) of the upper and lower edges of the slice-thickness bar on slice 1."""
    # the bar sits within ±12 mm of the centre; the hole-array insert starts ~18 mm below
    y0, y1 = -25.0, 16.0
    ys = np.arange(y0, y1 + 1e-6, 0.1)
    # columns beside the ramps (which fill the middle of the bar over ±40 mm at most)
    cols = np.r_[np.arange(-76.0, -47.0, 4.0), np.arange(48.0, 77.0, 4.0)]
    prof = np.mean([_band_profile(image, frame, (x, y0), (x, y1))[1] for x in cols], axis=0)
    k = int(2.0 / 0.1)
    sm = ndimage.uniform_filter1d(prof, k)
    win = (ys > -14) & (ys < 12)
    dark_i = int(np.flatnonzero(win)[np.argmin(sm[win])])
    dark = float(sm[dark_i])
    bright = float(np.median(prof[ys < -15]))
    level = 0.5 * (dark + bright)
    top = crossing(ys[: dark_i + 1], prof[: dark_i + 1], level, from_end=True)
    bot = crossing(ys[dark_i:], prof[dark_i:], level)
    if top is None or bot is None:
        raise MrAnalysisError(image.path, "第 1 层未找到层厚测量条", "slice-thickness bar not found on slice 1")
    return top, bot


def _run_around(above: np.ndarray, i: int, bridge: int) -> tuple[int, int]:
    """The run of True in ``above`` that holds index ``i``, bridging gaps up to ``bridge`` samples."""
    n = above.size
    a = i
    while a > 0:
        if above[a - 1]:
            a -= 1
            continue
        j = a - 1
        while j >= 0 and not above[j] and a - j <= bridge:
            j -= 1
        if j >= 0 and above[j] and a - j <= bridge:
            a = j
        else:
            break
    b = i
    while b < n - 1:
        if above[b + 1]:
            b += 1
            continue
        j = b + 1
        while j < n and not above[j] and j - b <= bridge:
            j += 1
        if j < n and above[j] and j - b <= bridge:
            b = j
        else:
            break
    return a, b


def ramp_fwhm(x_mm: np.ndarray, v: np.ndarray, baseline: float) -> tuple[float, float, float] | None:
    """Full width at half maximum of a ramp's signal along its length: (width, left, right) mm.

    As the ACR guidance does it (§4: the level is set to half the ramp's mean signal,
    read in an ROI on the ramp): the ramp's signal is the mean over its run above a first
    half-level, so that noise and Gibbs ringing do not set it; the width is that of the
    run above half of it over the baseline, on a 1 mm moving average, bridging dips
    shorter than 4 mm (a local minimum inside a ramp must not split it) but not joining
    a separate bright structure further along the bar. A flat-topped ramp gives its
    plateau; a rounded (3 T) one a level below its peak, hence a longer ramp.
    """
    step = float(x_mm[1] - x_mm[0])
    sm = ndimage.uniform_filter1d(v, max(int(1.0 / step), 1))
    peak_i = int(np.argmax(ndimage.uniform_filter1d(v, max(int(5.0 / step), 1))))
    top = float(sm[max(peak_i - int(2 / step), 0) : peak_i + int(2 / step) + 1].max())
    if top <= baseline:
        return None
    bridge = int(4.0 / step)
    a, b = _run_around(sm > 0.5 * (top + baseline), peak_i, bridge)
    plateau = float(np.mean(sm[a : b + 1]))
    level = 0.5 * (max(plateau, 0.5 * (top + baseline)) + baseline)
    above = sm > level
    if not above[peak_i]:
        peak_i = a + int(np.argmax(sm[a : b + 1]))
    a, b = _run_around(above, peak_i, bridge)
    if a == 0 or b == sm.size - 1:
        return None

    def cross(i0, i1):
        v0, v1 = sm[i0], sm[i1]
        f = 0.0 if v1 == v0 else (level - v0) / (v1 - v0)
        return float(x_mm[i0] + f * (x_mm[i1] - x_mm[i0]))

    left, right = cross(a - 1, a), cross(b, b + 1)
    return right - left, left, right


def ramp_fwhm_sigmoid(x_mm: np.ndarray, v: np.ndarray) -> float | None:
    """Ramp length the way hazen (v1.x, ``ACRSliceThickness``) describes it, mm; for comparison.

    Our own re-implementation of hazen's documented method: the profile is smoothed by a
    median filter one twentieth of the line long and then a Gaussian of σ = that window
    / 2.5; a logistic curve a/(1 + e^(−k(x − x0))) + b is fitted by least squares to each
    side of the peak and the two are blended across the peak; the length is the width
    of the fitted curve at half-way between its peak and the value at each end of the
    line. Half of the smoothed *peak* is not the ACR guidance's half of the *mean* ramp
    signal, and a one-pixel line on a ramp about a pixel tall depends on where it falls:
    on the synthetic phantoms this reads 0.04–0.12 mm from the true thickness where
    :func:`ramp_fwhm` reads within 0.02 mm, so we keep the guidance's reading as the result.
    """
    from scipy.optimize import curve_fit
    from scipy.signal import medfilt

    n = v.size
    step = float(x_mm[1] - x_mm[0])
    k = int(round(n / 20)) | 1
    sm = ndimage.gaussian_filter1d(medfilt(v.astype(np.float64), k), max(k / 2.5, 1.0))
    peak = int(np.argmax(sm))
    if peak < 3 or peak > n - 4:
        return None

    def logistic(x, a, kk, x0, b):
        return a / (1.0 + np.exp(np.clip(-kk * (x - x0), -50, 50))) + b

    def fit(lo, hi):
        xs, ys = x_mm[lo:hi], sm[lo:hi]
        d = np.abs(np.diff(ys)) / step
        p0 = [float(ys.max() - ys.min()), float(np.sign(ys[-1] - ys[0]) * 0.5 * d.max() / max(ys.max() - ys.min(), 1e-9)),
              float(xs[int(np.argmax(d))]), float(ys.min())]
        try:
            popt, _ = curve_fit(logistic, xs, ys, p0=p0, maxfev=5000)
        except (RuntimeError, ValueError):
            return None
        return logistic(x_mm, *popt)

    left, right = fit(0, peak + 1), fit(peak, n)
    if left is None or right is None:
        return None
    w = 1.0 / (1.0 + np.exp(np.clip(-(x_mm - x_mm[peak]) / (n * step / 20), -50, 50)))
    curve = (1 - w) * left + w * right
    top = float(curve.max())
    lvl_l, lvl_r = 0.5 * (top + curve[0]), 0.5 * (top + curve[-1])
    a = crossing(x_mm, curve, lvl_l)
    b = crossing(x_mm, curve, lvl_r, from_end=True)
    if a is None or b is None or b <= a:
        return None
    return b - a


def slice_thickness(image: Image, frame: Frame) -> tuple[float, dict]:
    """Slice thickness from the two crossed ramps of slice 1, mm.

    ACR guidance §4: with the FWHM lengths a (upper ramp) and b (lower ramp),
    thickness = 0.2·a·b/(a + b) (ramps at tan θ = 0.1, crossed, so the formula
    cancels a slice tilt). Each ramp is found as the line of strongest localised
    signal in its half of the bar (rows 2 mm clear of the bar's edges, whose partial
    volume with the bright water is uniform along the bar); its profile is the mean
    of lines across 2 mm, along the central 160 mm.
    """
    top, bot = bar_edges_mm(image, frame)
    xs = (-80.0, 80.0)
    ys = np.arange(top + 2.0, bot - 2.0 + 1e-6, 0.25)
    if ys.size < 4:
        raise MrAnalysisError(image.path, "层厚测量条过窄", "slice-thickness bar too narrow")
    strength = []
    for y in ys:
        _, v = _band_profile(image, frame, (xs[0], y), (xs[1], y), step_mm=0.5)
        strength.append(np.percentile(v, 95) - np.percentile(v, 20))
    strength = np.array(strength)
    mid = 0.5 * (top + bot)
    up, lo = ys < mid, ys >= mid
    y_up = float(ys[up][np.argmax(strength[up])])
    y_lo = float(ys[lo][np.argmax(strength[lo])])
    out = {}
    for name, y in (("upper", y_up), ("lower", y_lo)):
        s, v = _band_profile(image, frame, (xs[0], y), (xs[1], y), width_mm=2.0)
        x = s + xs[0]
        baseline = float(np.percentile(v, 10))
        r = ramp_fwhm(x, v, baseline)
        if r is None:
            raise MrAnalysisError(image.path, f"第 1 层{('上' if name == 'upper' else '下')}斜坡无信号", f"no signal in the {name} ramp of slice 1")
        # hazen's reading: its lines bound the middle 30 % of the insert's outline box (the
        # dark bar's outer edge, about a pixel beyond the half-level edge on either side),
        # not the ramp's brightest row; they run over 95 % of the insert (±86 mm), one pixel
        # wide, sampled once a pixel. On the Siemens 3 T set the ramps are about a pixel
        # tall, and moving such a line by a quarter pixel changes hazen's ramp length by
        # 4–5 px (41–60 px within ±1 px): hazen's 5.89 is where its whole-pixel line falls
        yh = mid + (-0.15 if name == "upper" else 0.15) * (bot - top + 2 * frame.pixel_mm)
        s4, v4 = _band_profile(image, frame, (-86.0, yh), (86.0, yh), step_mm=frame.pixel_mm)
        out[name] = {"fwhm_mm": r[0], "y_mm": y, "from_mm": r[1], "to_mm": r[2],
                     "sigmoid_fit_fwhm_mm": ramp_fwhm_sigmoid(s4 - 86.0, v4), "sigmoid_fit_y_mm": yh}
    a, b = out["upper"]["fwhm_mm"], out["lower"]["fwhm_mm"]
    thickness = 0.2 * a * b / (a + b)
    ha, hb = out["upper"]["sigmoid_fit_fwhm_mm"], out["lower"]["sigmoid_fit_fwhm_mm"]
    hv = 0.2 * ha * hb / (ha + hb) if ha and hb else None
    # hazen puts ramp lengths in pixels into the formula (its GE figure, 9.99, is twice the slice
    # thickness at 0.51 mm pixels), so its figure is the mm value divided by the pixel size
    hazen = {"method": "hazen ACRSliceThickness: lines bounding the middle 30 % of the bar, median+Gaussian smoothing, "
                       "piecewise logistic fit, half of the fitted peak",
             "value": hv, "value_in_pixel_units": hv / frame.pixel_mm if hv else None}
    return thickness, {"ramps": out, "bar_top_mm": top, "bar_bottom_mm": bot, "pixel_mm": frame.pixel_mm, "hazen_method": hazen}


def wedge_difference(image: Image, frame: Frame) -> tuple[float, dict]:
    """Bar-length difference of the slice-position wedges (left − right), mm.

    ACR guidance §5: on slices 1 and 11 the two crossed 45° wedges at the top of the
    phantom show as a pair of dark bars; a slice displaced by d makes one bar 2d
    longer than the other. Positive when the right bar is the longer one (it reaches
    further down), the sign hazen reports. Each bar's lower end is the half-level crossing of a 2 mm-wide
    vertical profile down the middle of that bar.
    """
    # find the pair's left and right sides on a horizontal line through its middle
    s, v = _band_profile(image, frame, (-25.0, -72.0), (25.0, -72.0), width_mm=4.0)
    x = s - 25.0
    bright = float(np.median(np.concatenate([v[: v.size // 6], v[-v.size // 6 :]])))
    dark = float(np.percentile(v[v.size // 3 : 2 * v.size // 3], 10))
    level = 0.5 * (bright + dark)
    xl, xr = crossing(x, v, level), crossing(x, v, level, from_end=True)
    if xl is None or xr is None or not (4.0 < xr - xl < 30.0):
        raise MrAnalysisError(image.path, "未找到层面位置楔块", "slice-position wedges not found")
    w = xr - xl
    ends = {}
    for name, xc in (("left", xl + w / 4), ("right", xr - w / 4)):
        # walk down from inside the bar (its top is at the wall, ~−92 mm) to the first
        # dark→bright crossing; slice 11's low-contrast ring starts near −50 mm
        s, v = _band_profile(image, frame, (xc, -84.0), (xc, -50.0), width_mm=min(2.0, w / 4))
        y = s - 84.0
        bar_dark = float(np.median(v[y < -76.0]))
        lvl = 0.5 * (bright + bar_dark)
        e = crossing(y, v, lvl)
        if e is None:
            raise MrAnalysisError(image.path, "层面位置楔块末端不清", "slice-position wedge end not found")
        ends[name] = {"x_mm": xc, "end_y_mm": e}
    # hazen's sign: positive when the right bar is the longer one
    diff = ends["right"]["end_y_mm"] - ends["left"]["end_y_mm"]
    y_mid = 0.5 * (ends["left"]["end_y_mm"] + ends["right"]["end_y_mm"])
    hazen = {"method": "hazen ACRSlicePosition: profiles 3 mm either side of the pair's middle, ±20 mm about the "
                       "bars' ends, shifted against each other; the shift of least positive mean difference",
             "value": _wedge_shift_hazen(image, frame, 0.5 * (xl + xr), y_mid)}
    return diff, {"bars": ends, "pair_left_mm": xl, "pair_right_mm": xr, "hazen_method": hazen}


def _wedge_shift_hazen(image: Image, frame: Frame, x_mid: float, y_end: float) -> float | None:
    """Bar-length difference the way hazen (``ACRSlicePosition``) reads it, mm; for comparison only.

    Our re-implementation of hazen's described method: a profile down each bar (3 mm
    left and right of the pair's middle) over ±20 mm around the bars' lower ends, one
    sample a pixel, interpolated five-fold; the range between the two largest peaks of
    their difference is kept, and the right profile compared with the left one shifted
    by up to ±50 samples; the shift whose *mean signed* difference is the smallest
    positive one gives the length difference. When the two bars end at the same place
    the mean difference hovers about zero at every shift, so that criterion can pick a
    far shift: why we read each bar's end at its own half-level crossing instead.
    """
    px = frame.pixel_mm
    n = int(round(40.0 / px)) + 1
    profs = []
    for dx in (-3.0, 3.0):
        _, v = _band_profile(image, frame, (x_mid + dx, y_end - 20.0), (x_mid + dx, y_end + 20.0), step_mm=40.0 / (n - 1))
        t = np.arange(1, n + 1, dtype=float)
        fine = np.arange(1, n + 0.2, 0.2)
        profs.append(np.interp(fine, t, v))
    left, right = profs
    delta = left - right
    peaks = np.array([], int)
    for e in range(max(1, int(0.1 * delta.size))):
        d = np.abs(delta[e : delta.size - e] if e else delta)
        pk, prop = find_peaks(d, height=0.5 * float(d.max()))
        if pk.size:
            peaks = np.sort(pk[np.argsort(prop["peak_heights"])[::-1][:2]] + e)
            break
    if not peaks.size:
        return None
    if peaks.size == 1:
        peaks = np.array([max(peaks[0] - 50, 0), min(peaks[0] + 50, delta.size - 1)])
    seg = delta[peaks[0] : peaks[1]]
    if seg.size == 0:
        return None
    pos = 1 if np.max(-seg) < np.max(seg) else -1
    sl, sr = left[peaks[0] : peaks[1]], right[peaks[0] : peaks[1]]
    lags = np.arange(-50, 51)
    err = np.full(lags.size, np.inf)
    for k, lag in enumerate(lags):
        dd = sr - np.roll(sl, lag)
        valid = np.ones(dd.size, bool)
        if lag > 0:
            valid[:lag] = False
        elif lag < 0:
            valid[lag:] = False
        if valid.any():
            err[k] = float(np.mean(dd[valid]))
    positive = np.isfinite(err) & (err > 0)
    if not positive.any():
        return None
    lag = int(lags[positive][np.argmin(err[positive])])
    shift = -lag if pos == 1 else lag
    return float(pos * abs(shift) * 0.2 * px)


# --------------------------------------------------------------------------- hole arrays
HOLE_SIZES_MM = (1.1, 1.0, 0.9)
# Nominal centres (phantom frame, mm) of each pair of 4×4 arrays on slice 1; the arrays
# are located from these by the image itself (see hole_arrays).
_PAIR_CENTRES = ((-14.0, 36.5), (8.5, 36.5), (31.0, 36.0))
_UL_FROM_PAIR, _LR_FROM_PAIR = (-4.0, -3.5), (3.5, 3.5)


def _sample(image: Image, frame: Frame, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    X, Y = np.meshgrid(xs, ys)
    c, r = frame.to_px(X, Y)
    return ndimage.map_coordinates(image.array, [r, c], order=1)


def _locate_pair(image: Image, frame: Frame, centre: tuple[float, float], d: float) -> tuple[float, float]:
    """Centre (phantom mm) of a pair of hole arrays: the offset, within ±5 mm of nominal,
    that puts the most signal into two 7d squares at the arrays' relative positions."""
    step = 0.2
    half = 5.0 + 8.0
    xs = np.arange(centre[0] - half, centre[0] + half + 1e-6, step)
    ys = np.arange(centre[1] - half, centre[1] + half + 1e-6, step)
    sub = _sample(image, frame, xs, ys)
    side = int(round(7 * d / step)) | 1
    box = ndimage.uniform_filter(sub, side)
    offs = np.arange(-5.0, 5.0 + 1e-6, 0.2)
    oi = np.round((offs + half) / step).astype(int)
    score = np.zeros((offs.size, offs.size))
    for dx, dy in (_UL_FROM_PAIR, _LR_FROM_PAIR):
        score += box[np.ix_(oi + int(round(dy / step)), oi + int(round(dx / step)))]
    i, j = np.unravel_index(int(np.argmax(score)), score.shape)
    best = (centre[0] + float(offs[j]), centre[1] + float(offs[i]))
    return best


def _array_centre(image: Image, frame: Frame, c0: tuple[float, float], d: float) -> tuple[float, float]:
    """Brightness-weighted centre (phantom mm) of one 4×4 array near ``c0``."""
    xs = np.arange(c0[0] - 4 * d, c0[0] + 4 * d + 1e-6, 0.1)
    ys = np.arange(c0[1] - 4 * d, c0[1] + 4 * d + 1e-6, 0.1)
    sub = _sample(image, frame, xs, ys)
    w = np.clip(sub - np.percentile(sub, 30), 0, None)
    if w.sum() <= 0:
        return c0
    return float((w.sum(axis=0) * xs).sum() / w.sum()), float((w.sum(axis=1) * ys).sum() / w.sum())


def _four_peaks(s: np.ndarray, v: np.ndarray, pitch: float, min_prom: float) -> bool:
    """Whether a profile shows four consecutive separate peaks ``pitch`` mm (±30 %) apart."""
    step = float(s[1] - s[0])
    pk, _ = find_peaks(v, prominence=min_prom, distance=max(int(0.5 * pitch / step), 1))
    if pk.size < 4:
        return False
    gaps = np.diff(s[pk])
    good = (gaps > 0.7 * pitch) & (gaps < 1.3 * pitch)
    run = 0
    for g in good:
        run = run + 1 if g else 0
        if run >= 3:
            return True
    return False


def _pixel_noise(image: Image, frame: Frame) -> float:
    """Noise SD of slice 1 in the water between the wedges and the bar (box-filter residual)."""
    xs = np.arange(-8.0, 8.0 + 1e-6, frame.pixel_mm)
    ys = np.arange(-45.0, -25.0 + 1e-6, frame.pixel_mm)
    sub = _sample(image, frame, xs, ys)
    resid = sub - ndimage.uniform_filter(sub, 5)
    # a 5×5 box residual keeps (1 − 1/25) of the variance
    return float(resid.std() / np.sqrt(1 - 1 / 25))


def hole_arrays(image: Image, frame: Frame) -> dict:
    """ACR high-contrast spatial resolution on slice 1: each hole array scored resolved or not.

    ACR guidance §3: three pairs of 4×4 hole arrays (hole diameters 1.1, 1.0, 0.9 mm,
    centre spacing twice the diameter). The upper-left array of a pair tests
    left–right resolution (the holes of a row must be told apart), the lower-right
    array top–bottom resolution (the holes of a column). An array counts as resolved
    when, on some line through a row (column) of holes, the profile shows four
    consecutive peaks at the hole pitch, each standing out from its valleys by a tenth
    of the array's contrast and by three times the pixel noise (so noise alone does not
    make four peaks). The result is the
    smallest hole size resolved in both directions.
    """
    px = frame.pixel_mm
    noise = _pixel_noise(image, frame)
    out = {}
    smallest = None
    for (pcx, pcy), d in zip(_PAIR_CENTRES, HOLE_SIZES_MM):
        pair = _locate_pair(image, frame, (pcx, pcy), d)
        pitch = 2 * d
        res = {}
        for kind, off, along in (("horizontal", _UL_FROM_PAIR, "x"), ("vertical", _LR_FROM_PAIR, "y")):
            c0 = (pair[0] + off[0], pair[1] + off[1])
            cx, cy = _array_centre(image, frame, c0, d)
            # the array's contrast: bright holes against the dark insert around them
            xs = np.arange(cx - 4 * d, cx + 4 * d + 1e-6, 0.1)
            X, Y = np.meshgrid(xs, np.arange(cy - 4 * d, cy + 4 * d + 1e-6, 0.1))
            c, r = frame.to_px(X, Y)
            block = ndimage.map_coordinates(image.array, [r, c], order=1)
            contrast = float(np.percentile(block, 95) - np.percentile(block, 5))
            min_prom = max(0.1 * contrast, 3.0 * noise)
            ok = False
            n_lines = 0
            for off_across in np.arange(-3.3 * d, 3.3 * d + 1e-6, 0.2):
                if along == "x":
                    s, v = _band_profile(image, frame, (cx - 6 * d, cy + off_across), (cx + 6 * d, cy + off_across), step_mm=0.1)
                else:
                    s, v = _band_profile(image, frame, (cx + off_across, cy - 6 * d), (cx + off_across, cy + 6 * d), step_mm=0.1)
                n_lines += 1
                if _four_peaks(s, v, pitch, min_prom):
                    ok = True
                    break
            res[kind] = {"resolved": ok, "array_centre_mm": (cx, cy), "contrast": contrast}
        out[f"{d:.1f}"] = res
        if res["horizontal"]["resolved"] and res["vertical"]["resolved"]:
            smallest = d if smallest is None else min(smallest, d)
    return {"resolved_mm": smallest, "details": {"arrays": out, "pixel_mm": px}}


# --------------------------------------------------------------------------- low contrast
# ACR guidance §8: slices 8–11 each hold ten spokes of three discs (contrast 1.4, 2.5,
# 3.6, 5.1 %), spokes 36° apart, discs 12.8 mm apart along a spoke, disc diameters
# falling linearly from 7.0 mm (spoke 1) to 1.5 mm (spoke 10); the pattern turns 9°
# from one slice to the next.
LCD_DISC_DIAMETERS_MM = tuple(float(x) for x in np.linspace(7.0, 1.5, 10))
LCD_DISC_STEP_MM = 12.8
LCD_SPOKE_STEP_DEG = 36.0


def _lcd_centre(image: Image, frame: Frame) -> tuple[float, float]:
    """Centre (px) of the low-contrast disc: the centroid of the dark ring that bounds it."""
    a = image.array
    px = frame.pixel_mm
    mask, thr = object_mask(a)
    inner = ndimage.binary_erosion(mask, iterations=max(int(8.0 / px), 1))
    dark = inner & (ndimage.uniform_filter(a, 3) < 0.5 * np.median(a[inner]))
    lab, n = ndimage.label(dark)
    if n == 0:
        raise MrAnalysisError(image.path, "未找到低对比度圆盘边界环", "the ring around the low-contrast disc was not found")
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    ring = lab == int(np.argmax(sizes))
    ys, xs = np.nonzero(ring)
    cx, cy, r = fit_circle(xs.astype(float), ys.astype(float))
    if not 30.0 < r * px < 70.0:
        raise MrAnalysisError(image.path, f"低对比度圆盘边界环半径异常（{r * px:.0f} mm）", f"the low-contrast ring has an unexpected radius ({r * px:.0f} mm)")
    return cx, cy


class _DiscFilter:
    """Disc mean minus surrounding-annulus mean at every pixel, for any disc radius.

    The annulus runs from 1.5 to 2.2 disc radii. For white noise of SD σ the response
    has SD σ·√(1/n_disc + 1/n_annulus), the factor returned with each map. One forward
    FFT of the image serves every radius; each map is made on request.
    """

    def __init__(self, array: np.ndarray, max_radius_px: float):
        self.R = int(np.ceil(2.2 * max_radius_px)) + 1
        self.shape = array.shape
        self.fshape = [fft.next_fast_len(s + 2 * self.R, real=True) for s in array.shape]
        self.F = fft.rfft2(array, self.fshape)

    def response(self, r: float) -> tuple[np.ndarray, float]:
        R = self.R
        K, f = _disc_kernel_fft(tuple(self.fshape), R, round(r, 6))
        full = fft.irfft2(self.F * K, self.fshape)
        return full[R : R + self.shape[0], R : R + self.shape[1]], f


@lru_cache(maxsize=24)
def _disc_kernel_fft(fshape: tuple[int, int], R: int, r: float) -> tuple[np.ndarray, float]:
    """FFT of the disc-minus-annulus kernel (the four slices of a series share them)."""
    yy, xx = np.mgrid[-R : R + 1, -R : R + 1]
    rr = np.hypot(xx, yy)
    disc = (rr <= r).astype(float)
    ann = ((rr >= 1.5 * r) & (rr <= 2.2 * r)).astype(float)
    nd, na = max(disc.sum(), 1.0), max(ann.sum(), 1.0)
    return fft.rfft2(disc / nd - ann / na, list(fshape)), float(np.sqrt(1 / nd + 1 / na))


class _LcdSlice:
    """The disc detector of one low-contrast slice."""

    def __init__(self, image: Image, frame: Frame):
        a = image.array.astype(np.float64)
        px = frame.pixel_mm
        try:
            self.centre = _lcd_centre(image, frame)
            self.centre_source = "ring"
        except MrAnalysisError:
            # the disc sits about 5 mm below the phantom centre
            self.centre = frame.px(0.0, 5.0)
            self.centre_source = "phantom-centre+5mm"
        cx, cy = self.centre
        # pixel noise from differences of pixels 1 mm apart (robust median form): slow
        # shading and the ripple some scanners leave inside the disc do not count as
        # noise, and 1 mm apart the noise of an interpolated (zero-filled) matrix is
        # no longer correlated
        lag = max(int(round(1.0 / px)), 1)
        yy, xx = np.ogrid[: a.shape[0], : a.shape[1] - lag]
        area = (xx - cx) ** 2 + (yy - cy) ** 2 <= (40.0 / px) ** 2
        d = (a[:, lag:] - a[:, :-lag])[area]
        self.sigma = float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(2))
        self.spacing = image.spacing
        self.radii = [0.5 * d / px for d in LCD_DISC_DIAMETERS_MM]
        self.filter = _DiscFilter(a, max(self.radii))

    def t_values(self, theta0_deg, spoke: int) -> np.ndarray:
        """t of the three discs of one spoke for each angle given: shape (angles, 3).

        Each disc may sit up to 0.7 mm off its nominal place (the best t within that
        window counts), for the phantom's own tolerances and the centre's error.
        """
        resp, f = self.filter.response(self.radii[spoke])
        sd = self.sigma * f
        sr, sc = self.spacing
        cx, cy = self.centre
        ang = np.radians(np.atleast_1d(np.asarray(theta0_deg, dtype=np.float64)) + spoke * LCD_SPOKE_STEP_DEG)
        off = np.arange(-0.7, 0.71, 0.35)
        ox, oy = (g.ravel() for g in np.meshgrid(off, off))
        r = LCD_DISC_STEP_MM * np.array([1.0, 2.0, 3.0])
        # angles × discs × offsets, clockwise on screen (y down)
        x = cx + (r[None, :, None] * np.sin(ang)[:, None, None] + ox[None, None, :]) / sc
        y = cy + (-r[None, :, None] * np.cos(ang)[:, None, None] + oy[None, None, :]) / sr
        v = ndimage.map_coordinates(resp, [y.ravel(), x.ravel()], order=1).reshape(x.shape)
        return v.max(axis=2) / sd


def low_contrast(slices: dict[int, Image], frames: dict[int, Frame], *, t_min: float = 3.0) -> dict[int, dict]:
    """Complete spokes on each low-contrast slice (8–11), counted from spoke 1 until one fails.

    ACR guidance §8. A disc counts as seen when its mean exceeds the mean of the ring
    around it (1.5–2.2 radii) by ``t_min`` standard errors of white noise at the slice's
    pixel noise (from differences of pixels 1 mm apart, robustly). The pattern's angle is
    found once for the whole set: a template of the four largest spokes is turned in
    1° steps on every slice together, the slices turning 9° apart (either way), and
    the best match kept, so a faint slice 8 borrows its angle from slices 9–11.
    """
    maps = {n: _LcdSlice(im, frames[n]) for n, im in slices.items()}
    # a slice whose ring was not found borrows the ring centre of the others, relative
    # to each slice's phantom centre (the disc sits at a fixed place in the phantom)
    found = [(m.centre[0] - frames[n].centre_px[0], m.centre[1] - frames[n].centre_px[1])
             for n, m in maps.items() if m.centre_source == "ring"]
    if found:
        ox, oy = np.median(np.array(found), axis=0)
        for n, m in maps.items():
            if m.centre_source != "ring":
                m.centre = (frames[n].centre_px[0] + float(ox), frames[n].centre_px[1] + float(oy))
                m.centre_source = "other slices' ring"
    thetas = np.arange(0.0, 360.0, 1.0)
    # each slice's match at every angle (four largest spokes), then all slices together
    # for each starting angle and turning sense
    per_slice = {n: sum(m.t_values(thetas, s).sum(axis=1) for s in range(4)) for n, m in maps.items()}
    best = (-np.inf, 0.0, 1)
    for direction in (1, -1):
        total = np.zeros(thetas.size)
        for n, score in per_slice.items():
            total += np.roll(score, -direction * 9 * (n - 8))
        k = int(np.argmax(total))
        if total[k] > best[0]:
            best = (float(total[k]), float(thetas[k]), direction)
    _, theta8, direction = best
    out = {}
    for n, m in maps.items():
        th = (theta8 + direction * 9.0 * (n - 8)) % 360.0
        spokes, per = 0, []
        counting = True
        for s in range(10):
            if not counting:
                break
            tv = m.t_values(th, s)[0]
            per.append([round(float(v), 2) for v in tv])
            if counting and all(v >= t_min for v in tv):
                spokes += 1
            else:
                counting = False
        out[n] = {"spokes": spokes, "detail": {"angle_deg": th, "centre_px": m.centre, "centre_from": m.centre_source,
                                               "noise_sd": m.sigma, "t_values": per, "t_min": t_min}}
    return out


# --------------------------------------------------------------------------- edge MTF
def edge_mtf(image: Image, frame: Frame) -> dict:
    """MTF from the upper edge of the slice-1 bar (water above, plastic below), slanted-edge style.

    The edge is located column by column (half-level crossing) and fitted by a straight
    line; pixels within 6 mm of it, away from the ramps (|x| > 35 mm), are binned by their
    signed distance from the line at 0.1 px (IEC 62220-1 oversampling), the ESF is
    differentiated and Fourier-transformed (``huren.analysis.core.mtf``). The phantom is
    seldom turned enough for the oversampling to be complete, so the result is an
    estimate beside the hole-array score, not a replacement for it.
    """
    top, _ = bar_edges_mm(image, frame)
    pts = []
    for x in np.r_[np.arange(-80.0, -35.0, 1.0), np.arange(36.0, 81.0, 1.0)]:
        s, v = _band_profile(image, frame, (x, top - 6.0), (x, top + 3.0), step_mm=0.05)
        hi, lo = float(np.median(v[s < 3.0])), float(np.median(v[s > 7.5]))
        c = crossing(s, v, 0.5 * (hi + lo))
        if c is not None:
            pts.append(frame.px(x, top - 6.0 + c))
    if len(pts) < 20:
        raise MrAnalysisError(image.path, "第 1 层测量条边缘不足，无法计算 MTF", "too little of the slice-1 bar edge for an MTF")
    pts = np.array(pts)
    p = np.polyfit(pts[:, 0], pts[:, 1], 1)
    a = image.array
    rows, cols = a.shape
    yy, xx = np.mgrid[0:rows, 0:cols]
    dist = (yy - (p[0] * xx + p[1])) / np.hypot(1.0, p[0])  # px, positive below the edge
    xs_min, xs_max = pts[:, 0].min(), pts[:, 0].max()
    cx = frame.centre_px[0]
    away = np.abs(xx - cx) * frame.spacing[1] > 35.0
    sel = (np.abs(dist) * frame.pixel_mm < 6.0) & (xx >= xs_min) & (xx <= xs_max) & away
    centres, esf = oversampled_esf(a[sel], dist[sel], bin_px=0.1)
    curve = mtf_from_esf(esf, 0.1 * frame.pixel_mm)
    f50 = curve.at_level(0.5)
    f10 = curve.at_level(0.1)
    return {"mtf50_lp_mm": f50, "mtf10_lp_mm": f10, "edge_angle_deg": float(np.degrees(np.arctan(p[0]))),
            "pixels": int(sel.sum()), "curve": curve}
