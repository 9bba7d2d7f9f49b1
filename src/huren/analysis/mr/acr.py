"""ACR large MR phantom: slice identification and the geometric tests.

Source of the phantom geometry and the tests: ACR *Phantom Test Guidance for Use of
the Large MRI Phantom* (2022): slice 1 (slice-thickness ramps, slice-position wedges,
hole arrays), slice 5 (grid; diameters), slice 7 (uniform: PIU, ghosting, SNR),
slices 8–11 (low-contrast discs), slice 11 (wedges). Inner diameter 190 mm, inside
length 148 mm. All ROI positions here are in mm in the phantom's own frame (x right,
y down, origin at the phantom centre, rotated with the phantom), then mapped to pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from scipy import ndimage
from skimage.morphology import convex_hull_image

from huren.analysis.core.phantom import find_circular_phantom, object_mask
from huren.analysis.core.profile import crossing, line_profile
from huren.analysis.core.roi import roi_record
from huren.dicomio import Image
from huren.result import Measurement, Roi

from .common import Frame, MrAnalysisError, measurement

DIAMETER_MM = 190.0  # inside diameter of the large phantom
LENGTH_MM = 148.0  # inside length, seen on the sagittal localiser
N_SLICES = 11


# --------------------------------------------------------------------------- the series
@dataclass
class AcrSeries:
    """An ACR axial series numbered 1–11 by content, with the phantom frame of each slice."""

    slices: dict[int, Image]
    frames: dict[int, Frame] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def image(self, n: int) -> Image:
        if n not in self.slices:
            raise MrAnalysisError(
                "", f"缺少 ACR 第 {n} 层，无法完成该项测试", f"ACR slice {n} is missing; this test cannot be done"
            )
        return self.slices[n]

    def frame(self, n: int) -> Frame:
        if n not in self.frames:
            self.frames[n] = phantom_frame(self.image(n), angle_deg=self.angle_deg)
        return self.frames[n]

    angle_deg: float = 0.0


def _grid_energy(image: Image) -> float:
    """Fine-structure energy in the central 120 mm: high for the slice-5 grid, low for slices 6–7."""
    a = image.array.astype(np.float32)
    px = float(np.mean(image.spacing))
    hp = a - ndimage.gaussian_filter(a, 3.0 / px)
    mask, _ = object_mask(a)
    sig = float(np.median(a[mask])) or 1.0
    cy, cx = ndimage.center_of_mass(mask)
    yy, xx = np.ogrid[: a.shape[0], : a.shape[1]]
    central = (xx - cx) ** 2 + (yy - cy) ** 2 <= (60.0 / px) ** 2
    return float(np.std(hp[central]) / sig)


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
    notes: list[tuple[str, str]] = []
    if len(ims) == N_SLICES:
        e4, e6 = _grid_energy(ims[4]), _grid_energy(ims[6])
        order = ims if e4 >= e6 else ims[::-1]
        return AcrSeries({i + 1: im for i, im in enumerate(order)}, notes=notes)
    # incomplete series: place the slices by position relative to the grid slice
    zs = np.array([m.z if m.z is not None else float(m.instance_number or 0) for m in ims])
    gaps = np.diff(zs)
    gap = float(np.median(gaps[gaps > 1e-3])) if np.any(gaps > 1e-3) else 1.0
    energies = [_grid_energy(m) for m in ims[1:-1]]
    g = 1 + int(np.argmax(energies))
    # slice 1 lies 4 gaps from the grid, slice 11 six gaps: pick the side that fits
    below = round((zs[g] - zs[0]) / gap)
    above = round((zs[-1] - zs[g]) / gap)
    sign = -1 if (below <= 4 and above <= 6 and not (above <= 4 and below > 4)) else 1
    if below > 4 and above <= 4:
        sign = 1
    slices: dict[int, Image] = {}
    for m, z in zip(ims, zs):
        n = 5 + sign * int(round((z - zs[g]) / gap))
        if 1 <= n <= N_SLICES and n not in slices:
            slices[n] = m
    return AcrSeries(slices, notes=notes)


def phantom_frame(image: Image, *, angle_deg: float = 0.0) -> Frame:
    c = find_circular_phantom(image.array)
    return Frame(c.centre_px, angle_deg, image.spacing)


def rotation_deg(image: Image, frame: Frame) -> float:
    """In-plane rotation of the phantom from the long slice-thickness bar of slice 1, degrees.

    The bar (a dark insert about 175 × 10 mm across the middle of slice 1) has two long
    straight edges. In each column across the central 120 mm, the strongest bright→dark
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
        for col in np.arange(int(cx - 60 / sc), int(cx + 60 / sc) + 1):
            if col < 0 or col >= a.shape[1]:
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


# --------------------------------------------------------------------------- geometry
def _edge_positions(image: Image, frame: Frame, direction_deg: float, hull: np.ndarray, half_len_mm: float = 125.0):
    """Sub-pixel positions (mm from the phantom centre) of the two phantom walls along a line.

    The line runs through the phantom centre at ``direction_deg`` (0 = the phantom's x
    axis, 90 = its y axis). Each wall is where the profile crosses half-way between
    the air outside and the signal just inside that wall. A notch open to the air
    (the wedge slot of slice 1) is bridged by the convex hull of the phantom, as the
    ACR guidance measures the outer diameter.
    """
    t = math.radians(direction_deg)
    x0, y0 = -half_len_mm * math.cos(t), -half_len_mm * math.sin(t)
    x1, y1 = -x0, -y0
    p0, p1 = frame.px(x0, y0), frame.px(x1, y1)
    # sample step in mm is the same whatever the direction
    d_px, v = line_profile(image.array, p0, p1, step_px=0.1)
    length_px = float(np.hypot(p1[0] - p0[0], p1[1] - p0[1]))
    mm_per_sample = 2 * half_len_mm / length_px
    s_mm = d_px * mm_per_sample - half_len_mm
    _, h = line_profile(hull.astype(np.float32), p0, p1, step_px=0.1)
    inside = h > 0.5
    if not inside.any():
        raise MrAnalysisError(image.path, "轮廓线上没有体模", "no phantom on the measuring line")
    i0, i1 = int(np.argmax(inside)), int(len(inside) - 1 - np.argmax(inside[::-1]))
    spm = 1.0 / mm_per_sample  # samples per mm
    k3, k10, k5 = int(3 * spm), int(10 * spm), int(5 * spm)
    out = []
    for entering, i in ((True, i0), (False, i1)):
        seg_in = v[i + k3 : i + k10] if entering else v[max(i - k10, 0) : max(i - k3, 1)]
        seg_out = v[max(i - k10, 0) : max(i - k3, 1)] if entering else v[i + k3 : i + k10]
        sig = float(np.median(seg_in)) if seg_in.size else float(v.max())
        bg = float(np.median(seg_out)) if seg_out.size else 0.0
        level = 0.5 * (sig + bg)
        lo, hi = max(i - k5, 0), min(i + k5, len(v) - 1)
        c = crossing(s_mm[lo : hi + 1], v[lo : hi + 1], level, from_end=not entering)
        if c is None or sig <= level:
            # a notch open to the air at this wall: the hull edge is the wall
            c = float(s_mm[i])
        out.append(c)
    return out[0], out[1]


DIRECTIONS = {"horizontal": 0.0, "vertical": 90.0, "diagonal_1": 45.0, "diagonal_2": 135.0}


def phantom_hull(image: Image) -> np.ndarray:
    mask, _ = object_mask(image.array)
    return convex_hull_image(mask)


def geometric_lengths(image: Image, frame: Frame, directions: Sequence[str]) -> dict[str, tuple[float, float, float]]:
    """Phantom diameter along each named direction: {direction: (length mm, start mm, end mm)}.

    ACR guidance §2 (geometric accuracy): the inside diameter, nominally 190 mm,
    measured on slice 1 (horizontal, vertical) and slice 5 (horizontal, vertical and
    both diagonals). Walls are located to a tenth of a pixel (half-way crossings),
    where hazen counts thresholded pixels (see the module docstring of ``bench/mr.py``).
    """
    hull = phantom_hull(image)
    out = {}
    for name in directions:
        a, b = _edge_positions(image, frame, DIRECTIONS[name], hull)
        out[name] = (b - a, a, b)
    return out


def localiser_length(image: Image) -> tuple[float, dict]:
    """Superior–inferior inside length of the phantom on a sagittal (or coronal) localiser, mm.

    The head–foot image axis is read from Image Orientation (Patient); the length is
    the median over profiles spaced 2 mm apart across the middle 40 mm of the phantom.
    """
    ori = image.orientation or (0, 1, 0, 0, 0, -1)
    row_dir, col_dir = np.array(ori[:3]), np.array(ori[3:])
    vertical = abs(col_dir[2]) >= abs(row_dir[2])  # the SI axis runs down the columns
    a = image.array if vertical else image.array.T
    sp_along = image.spacing[0] if vertical else image.spacing[1]
    sp_across = image.spacing[1] if vertical else image.spacing[0]
    mask, thr = object_mask(a)
    ys, xs = np.nonzero(mask)
    cx = 0.5 * (xs.min() + xs.max())
    lengths = []
    for off_mm in np.arange(-20, 20.1, 2.0):
        col = cx + off_mm / sp_across
        _, v = line_profile(a, (col, 0), (col, a.shape[0] - 1), step_px=0.1, width_px=3)
        s = np.arange(v.size) * 0.1 * sp_along
        m = v > thr
        if not m.any():
            continue
        i0, i1 = int(np.argmax(m)), int(len(m) - 1 - np.argmax(m[::-1]))
        k = int(5 / (0.1 * sp_along))
        sig_a = float(np.median(v[i0 + k // 2 : i0 + 2 * k])) if i0 + 2 * k < v.size else float(v.max())
        sig_b = float(np.median(v[max(i1 - 2 * k, 0) : i1 - k // 2]))
        bg = float(np.median(np.concatenate([v[: max(i0 - k, 1)], v[min(i1 + k, v.size - 1) :]])))
        ea = crossing(s[max(i0 - k, 0) : i0 + k], v[max(i0 - k, 0) : i0 + k], 0.5 * (sig_a + bg))
        eb = crossing(s[max(i1 - k, 0) : i1 + k], v[max(i1 - k, 0) : i1 + k], 0.5 * (sig_b + bg), from_end=True)
        if ea is not None and eb is not None:
            lengths.append(eb - ea)
    if not lengths:
        raise MrAnalysisError(image.path, "定位像上未找到体模", "no phantom found on the localiser")
    return float(np.median(lengths)), {"profiles": len(lengths), "si_axis": "vertical" if vertical else "horizontal"}


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
    prof = np.mean([_band_profile(image, frame, (x, y0), (x, y1))[1] for x in np.arange(-40, 41, 4.0)], axis=0)
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


def ramp_fwhm(x_mm: np.ndarray, v: np.ndarray, baseline: float) -> tuple[float, float, float] | None:
    """Full width at half maximum of a ramp's signal along its length: (width, left, right) mm.

    The maximum is the ramp's plateau, the median of the samples above a first
    half-level, so that noise and Gibbs ringing do not set it; the outermost
    half-level crossings of a 1 mm moving average give the width, which keeps a local
    dip inside the ramp (ACR guidance, Fig. 9) from splitting it.
    """
    step = float(x_mm[1] - x_mm[0])
    sm = ndimage.uniform_filter1d(v, max(int(1.0 / step), 1))
    top = float(np.percentile(sm, 99))
    if top <= baseline:
        return None
    plateau = float(np.median(sm[sm > 0.5 * (top + baseline)]))
    level = 0.5 * (plateau + baseline)
    a = crossing(x_mm, sm, level)
    b = crossing(x_mm, sm, level, from_end=True)
    if a is None or b is None or b <= a:
        return None
    return b - a, a, b


def slice_thickness(image: Image, frame: Frame) -> tuple[float, dict]:
    """Slice thickness from the two crossed ramps of slice 1, mm.

    ACR guidance §4: with the FWHM lengths a (upper ramp) and b (lower ramp),
    thickness = 0.2·a·b/(a + b) (ramps at tan θ = 0.1, crossed, so the formula
    cancels a slice tilt). Each ramp's profile is the mean of lines 1 mm apart across
    its central 1.5 mm, along the central 160 mm of the bar.
    """
    top, bot = bar_edges_mm(image, frame)
    height = bot - top
    xs = (-80.0, 80.0)
    # the ramps lie in the upper and lower halves of the bar: pick, in each, the
    # line of strongest signal
    ys = np.arange(top + 0.2 * height, bot - 0.2 * height + 1e-6, 0.25)
    strength = []
    for y in ys:
        s, v = _band_profile(image, frame, (xs[0], y), (xs[1], y), step_mm=0.5)
        x = s + xs[0]
        # a ramp row is bright in the middle and dark at the ends of the bar
        strength.append(np.median(v[np.abs(x) < 20]) - np.median(v[np.abs(x) > 60]))
    strength = np.array(strength)
    mid = top + height / 2
    up, lo = ys < mid, ys >= mid
    if not up.any() or not lo.any():
        raise MrAnalysisError(image.path, "层厚测量条过窄", "slice-thickness bar too narrow")
    y_up = float(ys[up][np.argmax(strength[up])])
    y_lo = float(ys[lo][np.argmax(strength[lo])])
    # the bar's own dark level: the quietest band in its middle
    _, vmid = _band_profile(image, frame, (xs[0], mid), (xs[1], mid), width_mm=1.0)
    out = {}
    for name, y in (("upper", y_up), ("lower", y_lo)):
        s, v = _band_profile(image, frame, (xs[0], y), (xs[1], y), width_mm=2.0)
        x = s + xs[0]
        baseline = float(np.median(v[np.abs(x) > 60]))
        r = ramp_fwhm(s + xs[0], v, baseline)
        if r is None:
            raise MrAnalysisError(image.path, f"第 1 层{('上' if name == 'upper' else '下')}斜坡无信号", f"no signal in the {name} ramp of slice 1")
        out[name] = {"fwhm_mm": r[0], "y_mm": y, "from_mm": r[1], "to_mm": r[2]}
    a, b = out["upper"]["fwhm_mm"], out["lower"]["fwhm_mm"]
    thickness = 0.2 * a * b / (a + b)
    return thickness, {"ramps": out, "bar_top_mm": top, "bar_bottom_mm": bot}


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
    return diff, {"bars": ends, "pair_left_mm": xl, "pair_right_mm": xr}
