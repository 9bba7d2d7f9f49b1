"""Water phantom tests of WS 519-2019: CT number of water, noise, uniformity.

Method (WS 519-2019, CT number / noise / uniformity clauses):

* CT number of water: mean of a central circular ROI of diameter ≈ 10 % of the water
  diameter;
* noise: SD σ of a central ROI of diameter ≈ 40 %; n = σ/(CT_water − CT_air)·100 %,
  and n₁₀ = σ·√(T/10)/(CT_water − CT_air)·100 % (normalised to the 10 mm slice of
  the WS 519 set-up), CT_air measured outside the phantom when the image shows air,
  else taken as CT_water − 1000 HU;
* uniformity: four ROIs (diameter ≈ 10 %) at 3, 6, 9 and 12 o'clock, their edge
  10 mm inside the water's edge; the figure is the largest |edge − centre| in HU.

The water's edge is found from the radial profile, so that the phantom's plastic
shell is not counted as water.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from huren.analysis.core.phantom import Disc, polar_to_px
from huren.dicomio import Image
from huren.result import Measurement

from .common import Circle, RoiOutside, air_level, circle, ct_disc, measurement, nominal_thickness, small_objects

EDGE_ROI_INSET_MM = 10.0
MIN_RADIUS_MM = 40.0  # the edge ROIs sit 10 mm + 5 % inside the edge: below this they would meet the centre
O_CLOCK = {"12": -90.0, "3": 0.0, "6": 90.0, "9": 180.0}


@dataclass
class WaterGeometry:
    """Where the water is: centre (col, row) px, water radius in mm, the outer disc found."""

    centre_px: tuple[float, float]
    radius_mm: float
    disc: Disc
    shell: bool


def radial_profile(array: np.ndarray, centre_px: tuple[float, float], r_max_px: float, bin_px: float = 0.5):
    """Median value per ring of width ``bin_px`` out to ``r_max_px``: returns (radii px, values)."""
    rows, cols = np.indices(array.shape)
    r = np.hypot(cols - centre_px[0], rows - centre_px[1])
    sel = r < r_max_px
    idx = (r[sel] / bin_px).astype(int)
    vals = array[sel]
    order = np.argsort(idx, kind="stable")
    idx, vals = idx[order], vals[order]
    bounds = np.flatnonzero(np.diff(idx)) + 1
    groups = np.split(vals, bounds)
    keys = idx[np.r_[0, bounds]] if idx.size else np.array([], int)
    med = np.array([np.median(g) for g in groups])
    return (keys + 0.5) * bin_px, med


def water_geometry(image: Image, disc: Disc | None = None) -> WaterGeometry | None:
    """Find the water cylinder and the inner edge of its shell (if it has one)."""
    disc = disc or ct_disc(image)
    if disc is None:
        return None
    px = image.spacing[1]
    radii, prof = radial_profile(image.array, disc.centre_px, disc.radius_px * 1.05)
    water = float(np.median(prof[radii < 0.5 * disc.radius_px]))
    outer = (radii > 0.6 * disc.radius_px) & (radii <= disc.radius_px)
    r_in = disc.radius_px
    shell = False
    if outer.any():
        peak = float(prof[outer].max())
        if peak - water > 40.0:  # a plastic shell brighter than water
            half = water + (peak - water) / 2
            cand = np.flatnonzero(outer & (prof > half))
            if cand.size:
                i = int(cand[0])
                r_in = float(np.interp(half, [prof[i - 1], prof[i]], [radii[i - 1], radii[i]])) if i > 0 else float(radii[i])
                shell = True
    return WaterGeometry(disc.centre_px, r_in * px, disc, shell)


def _slice_figures(image: Image, geom: WaterGeometry):
    """ROI statistics of one slice: centre 10 %, noise 40 %, four edge ROIs (those that fit)."""
    px = image.spacing[1]
    d = 2 * geom.radius_mm
    hot = small_objects(image, geom.disc)
    centre = circle(image, geom.centre_px, 0.05 * d, "centre", hot)
    noise_roi = circle(image, geom.centre_px, 0.20 * d, "noise", hot)
    edges: dict[str, Circle] = {}
    missing = []
    a = 0.05 * d
    dist = geom.radius_mm - EDGE_ROI_INSET_MM - a
    for name, ang in O_CLOCK.items():
        try:
            edges[name] = circle(image, polar_to_px(geom.centre_px, dist, ang, px), a, f"{name} o'clock", hot)
        except RoiOutside:
            missing.append(name)
    return centre, noise_roi, edges, missing


def water_tests(image: Image, geom: WaterGeometry | None = None, *, label: str = "water") -> tuple[list[Measurement], list[tuple[str, str]]]:
    """CT number of water, noise (σ, %, % at 10 mm) and uniformity on one slice.

    Returns the measurements and a list of (zh, en) reasons for what could not be measured.
    """
    geom = geom or water_geometry(image)
    problems: list[tuple[str, str]] = []
    if geom is None:
        return [], [("图像中未找到水模", "no water phantom found in the image")]
    if geom.radius_mm < MIN_RADIUS_MM:
        return [], [(f"体模直径 {2 * geom.radius_mm:.0f} mm 过小，无法放置 WS 519 感兴趣区",
                     f"the phantom ({2 * geom.radius_mm:.0f} mm across) is too small for the WS 519 ROIs")]
    try:
        centre, noise_roi, edges, missing = _slice_figures(image, geom)
    except RoiOutside as e:
        return [], [(f"感兴趣区 {e} 超出图像范围（视野过小或体模偏心）", f"ROI {e} lies outside the image (FOV too small or phantom off-centre)")]
    common = {"phantom_diameter_mm": round(2 * geom.radius_mm, 2), "shell": geom.shell, "phantom": label,
              "excluded_small_objects_px": int(small_objects(image, geom.disc).sum())}
    ms = [
        measurement("CT-QC-HU-WATER", "ct_number_water", centre.mean, "HU", test="water.ct_number", images=[image],
                    method="ws519-central-roi", rois=[centre.record(image)],
                    details={**common, "roi_diameter_percent": 10, "sd": round(centre.sd, 3), "n_pixels": centre.n}),
    ]
    air = air_level(image, geom.disc)
    denom = (centre.mean - air) if air is not None else 1000.0
    t = nominal_thickness(image)
    sigma = noise_roi.sd
    nd = {**common, "roi_diameter_percent": 40, "ct_water": round(centre.mean, 3),
          "ct_air": None if air is None else round(air, 2), "ct_air_source": "measured" if air is not None else "nominal (water − 1000)",
          "slice_thickness_mm": t}
    ms.append(measurement("CT-QC-NOISE", "noise_sd", sigma, "HU", test="water.noise", images=[image],
                          method="ws519-central-roi", rois=[noise_roi.record(image)], details=nd))
    ms.append(measurement("CT-QC-NOISE", "noise_percent", sigma / denom * 100, "%", test="water.noise", images=[image],
                          method="ws519-central-roi", rois=[noise_roi.record(image)], details=nd))
    if t:
        ms.append(measurement("CT-QC-NOISE", "noise_percent_10mm", sigma * np.sqrt(t / 10.0) / denom * 100, "%",
                              test="water.noise", images=[image], method="ws519-central-roi",
                              rois=[noise_roi.record(image)], details=nd))
    else:
        problems.append(("图像头缺少层厚，无法给出归一到 10 mm 的噪声", "the header has no slice thickness; noise normalised to 10 mm not given"))
    if edges:
        signed = {k: round(v.mean - centre.mean, 3) for k, v in edges.items()}
        worst = max(signed, key=lambda k: abs(signed[k]))
        ud = {**common, "signed_diff_hu": signed, "edge_means_hu": {k: round(v.mean, 3) for k, v in edges.items()},
              "centre_mean_hu": round(centre.mean, 3), "worst": worst, "edge_inset_mm": EDGE_ROI_INSET_MM}
        if missing:
            ud["missing_rois"] = missing
            problems.append((f"均匀性感兴趣区 {','.join(missing)} 点钟位置超出图像，只用其余位置",
                             f"uniformity ROIs at {','.join(missing)} o'clock lie outside the image; the others are used"))
        ms.append(measurement("CT-QC-UNIF", "uniformity_max_diff", abs(signed[worst]), "HU", test="water.uniformity",
                              images=[image], method="ws519-four-edge-rois",
                              rois=[centre.record(image)] + [e.record(image) for e in edges.values()], details=ud))
    else:
        problems.append(("四个边缘感兴趣区都超出图像，无法测均匀性", "all four edge ROIs lie outside the image; uniformity not measured"))
    return ms, problems
