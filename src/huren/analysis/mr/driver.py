"""The runs of tests: the ACR set on an axial series, the flood set on uniform phantoms."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from huren.analysis.core.roi import roi_record
from huren.dicomio import Image
from huren.result import Measurement, Result, Roi

from . import acr, artifacts, flood, ghosting, magnet, snr, uniformity
from .common import Frame, MrAnalysisError, header_float, measurement, phase_encoding_axis, signal_scale, signal_values


def resonance_frequency(images: Sequence[Image]) -> Measurement | None:
    """Resonance (imaging) frequency from Imaging Frequency (0018,0084), MHz (WS/T 263)."""
    for im in images:
        f = header_float(im, "ImagingFrequency")
        if f:
            return measurement("resonance_frequency", f, "MHz", "resonance_frequency", [im], method="header",
                               details={"tag": "ImagingFrequency (0018,0084)"})
    return None


def _match_second(image: Image, second: Sequence[Image]) -> Image | None:
    """The image of the repeat acquisition at the same position (or the same instance number)."""
    best, best_d = None, 1e9
    for s in second:
        if s.array.shape != image.array.shape:
            continue
        if image.z is not None and s.z is not None:
            d = abs(s.z - image.z)
        else:
            d = abs((s.instance_number or 0) - (image.instance_number or 0))
        if d < best_d:
            best, best_d = s, d
    return best if best_d < 1.0 else None


def _run(res: Result, test: str, fn, path: str = ""):
    """Run one test; a failure becomes a bilingual error naming the file, and the others go on."""
    try:
        fn()
    except MrAnalysisError as e:
        res.error(e.path or path, e.reason_zh, e.reason_en, test)
    except (ValueError, IndexError, ZeroDivisionError, np.linalg.LinAlgError) as e:
        res.error(path, f"{test} 测试无法完成：{e}", f"the {test} test could not be done: {e}", test)


def _stored(image: Image) -> np.ndarray:
    """The stored values SV = (DV − RescaleIntercept) / RescaleSlope, what hazen reads (``pixel_array``)."""
    rs = header_float(image, "RescaleSlope") or 1.0
    ri = header_float(image, "RescaleIntercept") or 0.0
    if rs == 1.0 and ri == 0.0:
        return image.array
    return (image.array.astype(np.float64) - ri) / rs


def _snr_measurements(res: Result, image: Image, frame: Frame, radius_mm: float, second: Sequence[Image],
                      slice_no: int | None, kernel_mm: float = 25.0, obj: flood.FloodObject | None = None):
    """Smoothing, background and (given a repeat) subtraction SNR on one image.

    ``obj`` (a flood of any shape): the ROIs are placed inside its mask and the air ROIs
    clear of it and of its phase-encoding band (see :mod:`.flood`); without it (the ACR
    disc) at ±40 mm from the centre and in the corners, as the ACR guidance does.
    """
    pe = phase_encoding_axis(image)
    offsets = None
    if obj is not None:
        centres, offsets = flood.signal_roi_centres(obj)
    else:
        centres = snr.five_roi_centres(frame)
    rois = [roi_record(image, c, size_mm=(20.0, 20.0), label=f"snr{i}") for i, c in enumerate(centres)]
    norm = snr.normalisation_factor(image)
    values, scale = signal_values(image)
    # hazen's pixel-sized ROIs, reported beside ours (see snr.py)
    cpx = [(round(frame.centre_px[0]) + dx, round(frame.centre_px[1]) + dy) for dx, dy in ((0, 0), (-40, -40), (40, -40), (-40, 40), (40, 40))]
    placement = {"roi_offsets_mm": offsets, "object_shape": obj.shape} if obj is not None else {}

    def smoothing():
        r = snr.snr_smoothing(values, centres, image.spacing, kernel_mm=kernel_mm)
        rh = snr.snr_smoothing(_stored(image), cpx, image.spacing, size_px=20, kernel_px=int(round(kernel_mm)))
        d = {"signal": r["signal"], "noise": r["noise"], "kernel_mm": kernel_mm, "hazen_pixel_rois_snr": rh["snr"],
             "pixel_values": scale["source"], **placement,
             "hazen_method": {"method": f"20×20-pixel ROIs 40 px apart, a {int(round(kernel_mm))}-pixel box filter (hazen ACRSNR)",
                              "value": rh["snr"]}}
        if norm:
            d["normalised"] = r["snr"] * norm["factor"]
            d["normalisation"] = norm
        res.add(measurement("snr", r["snr"], "", "snr_smoothing", [image], method="smoothing", slice_no=slice_no, rois=rois, details=d))

    def background():
        if obj is None or obj.shape == "round":
            rad = radius_mm if obj is None else obj.circle_radius_mm
            r = snr.snr_background(values, frame, rad)
            broi = [roi_record(image, frame.centre_px, radius_mm=r["signal_radius_mm"], label="signal")]
            in_band = None
        else:
            bg, in_band = flood.background_roi_centres(obj, pe)
            r = snr.snr_background_regions(values, flood.signal_region(obj), bg, image.spacing)
            broi = [roi_record(image, obj.centre_px, radius_mm=obj.inscribed_mm, label="signal (central 75 % of the object)")]
        d = {k: r[k] for k in ("signal", "sd_air", "sigma", "mean_air")}
        d["rayleigh_factor"] = snr.RAYLEIGH_SD_FACTOR
        d["pixel_values"] = scale["source"]
        if in_band is not None:
            d["air_rois_in_phase_encoding_band"] = in_band
        if norm:
            d["normalised"] = r["snr"] * norm["factor"]
        broi += [roi_record(image, c, size_mm=(15.0, 15.0), label="air") for c in r["bg_centres_px"]]
        res.add(measurement("snr", r["snr"], "", "snr_background", [image], method="background", slice_no=slice_no, rois=broi, details=d))

    def subtraction():
        other = _match_second(image, second)
        if other is None:
            raise MrAnalysisError(image.path, "第二组图像中没有与该层对应的图像（相同位置与矩阵），无法计算减影法信噪比",
                                  "the second series has no image matching this slice (same position and matrix); subtraction SNR not computed")
        values2, scale2 = signal_values(other)
        r = snr.snr_subtraction(values, values2, centres, image.spacing)
        # hazen subtracts the stored values (pixel_array) of the two files, whatever their scaling
        rh = snr.snr_subtraction(_stored(image), _stored(other), cpx, image.spacing, size_px=20)
        d = {"signal": r["signal"], "noise": r["noise"], "hazen_pixel_rois_snr": rh["snr"], "second_sop_instance_uid": other.sop_instance_uid,
             "pixel_values": scale["source"], "scaling": [signal_scale(image), signal_scale(other)], **placement,
             "hazen_method": {"method": "20×20-pixel ROIs 40 px apart on the stored values (hazen ACRSNR, snr)", "value": rh["snr"]}}
        if norm:
            d["normalised"] = r["snr"] * norm["factor"]
        res.add(measurement("snr", r["snr"], "", "snr_subtraction", [image, other], method="subtraction", slice_no=slice_no, rois=rois, details=d))

    _run(res, "snr_smoothing", smoothing, image.path)
    _run(res, "snr_background", background, image.path)
    if second:
        _run(res, "snr_subtraction", subtraction, image.path)


def _centre_measurement(res: Result, image: Image, frame: Frame, radius_mm: float, slice_no: int | None,
                        hough: tuple[int, int] | None = None, shape=None):
    details = {"x": frame.centre_px[0], "y": frame.centre_px[1], "radius_mm": radius_mm, "rotation_deg": frame.angle_deg}
    if shape is not None:
        details.update({"object_shape": shape.shape, "inscribed_radius_mm": shape.inscribed_mm,
                        "extent_mm": list(shape.extent_mm),
                        "centre": "circle fitted to the wall" if shape.shape == "round" else "centre of the inscribed region"})
    if hough is not None:
        # hazen's estimator beside ours: a whole-pixel Hough centre. Ours is the least-squares
        # circle through the wall, sub-pixel; on the GE set the two differ by 1.3 px in y, where
        # circles fitted to the wall's half-level crossings (all of it, or without its top
        # quarter with the fill port) agree with ours to 0.2 px
        details["hazen_method"] = {"method": "circular Hough transform of an edge map, whole pixels (hazen find_phantom_center)",
                                   "x": hough[0], "y": hough[1]}
    res.add(measurement("phantom_centre_px", round(frame.centre_px[0], 2), "px", "phantom_centre", [image], method="circle-fit",
                        slice_no=slice_no, rois=[roi_record(image, frame.centre_px, radius_mm=radius_mm, label="phantom")],
                        details=details))


def _artifact_measurement(res: Result, image: Image, mask: np.ndarray, slice_no: int | None):
    r = artifacts.background_artifacts(image.array, mask, image.spacing, phase_encoding_axis(image))
    rois = [roi_record(image, g["centre_px"], radius_mm=math.sqrt(g["area_mm2"] / math.pi), label=g["kind"]) for g in r["regions"]]
    res.add(measurement("artifact_count", r["count"], "", "artifacts", [image], method="background-screen", slice_no=slice_no,
                        rois=rois, details={"regions": r["regions"], "air_sd_robust": r.get("air_sd_robust")}))


def acr_tests(images: Sequence[Image], *, second: Sequence[Image] = (), localisers: Sequence[Image] = (), options=None) -> Result:
    """Every ACR large-phantom test on one axial series (and its localiser and repeat, if given)."""
    res = Result(modality="MR", phantom="acr-mr-large")
    res.inputs = [im.ref() for im in images]
    for loc in localisers:
        def loc_len(loc=loc):
            length, d = acr.localiser_length(loc)
            d.update(direction="localiser_si", nominal_mm=acr.LENGTH_MM, error_mm=length - acr.LENGTH_MM,
                     distortion_percent=100 * (length - acr.LENGTH_MM) / acr.LENGTH_MM, slice="localiser")
            res.add(measurement("geometric_length", length, "mm", "geometry_localiser", [loc], method="acr", details=d))
        _run(res, "geometry_localiser", loc_len)
    if not images:
        return res
    try:
        series = acr.identify_slices(images)
    except MrAnalysisError as e:
        res.error(e.path, e.reason_zh, e.reason_en, "acr")
        return res
    missing = [n for n in range(1, 12) if n not in series.slices]
    if missing:
        res.error(images[0].path, f"ACR 序列缺少第 {', '.join(map(str, missing))} 层，相关测试未做",
                  f"the ACR series lacks slice(s) {', '.join(map(str, missing))}; the tests on them are not done", "acr")
    # the phantom must be the ACR phantom: about 190 mm across
    ref_slice = next(n for n in (7, 6, 5, 4, 8, 1, 11, 2, 3, 9, 10) if n in series.slices)
    try:
        rad_mm = series.circle(ref_slice).radius_px * float(np.mean(series.slices[ref_slice].spacing))
    except ValueError:
        res.error(series.slices[ref_slice].path, "图像中没有可辨认的体模（空白或全噪声图像）",
                  "no phantom can be seen in the image (blank or all noise)", "acr")
        return res
    if not 80.0 < rad_mm < 110.0:
        res.error(series.slices[ref_slice].path, f"图像中的物体直径约 {2 * rad_mm:.0f} mm，不是 ACR 大体模（190 mm），可能是患者图像",
                  f"the object is about {2 * rad_mm:.0f} mm across, not the ACR large phantom (190 mm); perhaps a patient series", "acr")
        return res
    if 1 in series.slices:
        series.angle_deg = acr.rotation_deg(series.slices[1], series.frame(1))

    def frame(n):
        return series.frame(n), series.circle(n)

    if 7 in series.slices:
        im7 = series.slices[7]
        f7, c7 = frame(7)
        r7 = c7.radius_px * f7.pixel_mm
        try:  # hazen's centre is for comparison only: never let it stop the tests
            h7 = acr.hough_centre(im7, c7.radius_px)
        except (ValueError, IndexError):
            h7 = None
        _centre_measurement(res, im7, f7, r7, 7, hough=h7)

        def piu():
            r = uniformity.piu_acr(im7.array, f7)
            rois = [roi_record(im7, f7.centre_px, radius_mm=r["large_radius_mm"], label="large"),
                    roi_record(im7, r["max_px"], radius_mm=r["small_radius_mm"], label="max"),
                    roi_record(im7, r["min_px"], radius_mm=r["small_radius_mm"], label="min")]
            d = {"max": r["max"], "min": r["min"]}
            if h7 is not None:
                # hazen's way: its Hough centre and ROI radii rounded up to whole pixels (≈ 202 and
                # 1.08 cm² at 0.98 mm pixels); ours are the guidance's 200 and 1 cm² about the wall's centre
                hz = uniformity.piu_acr(im7.array, Frame(h7, 0.0, f7.spacing), **uniformity.whole_pixel_roi_areas(f7.pixel_mm))
                d["hazen_method"] = {"method": "ROI radii rounded up to whole pixels about the Hough centre (hazen ACRUniformity)",
                                     "value": hz["piu"]}
            res.add(measurement("piu", r["piu"], "%", "piu_acr", [im7], method="acr", slice_no=7, rois=rois, details=d))

        def nine():
            r = uniformity.nine_roi_uniformity(im7.array, f7, r7)
            rois = [roi_record(im7, c, radius_mm=r["roi_radius_mm"], label=f"u{i}") for i, c in enumerate(r["centres_px"])]
            res.add(measurement("piu", r["uniformity"], "%", "uniformity_ws263", [im7], method="ws263-nine-roi", slice_no=7, rois=rois,
                                details={"means": r["means"]}))

        def psg():
            r = ghosting.psg_acr(im7.array, f7, r7)
            rois = [roi_record(im7, r["large_centre_px"], radius_mm=r["large_radius_mm"], label="signal")]
            rois += [roi_record(im7, v["centre_px"], size_mm=tuple(2 * s for s in v["semi_mm"]), label=k, shape="ellipse") for k, v in r["rois"].items()]
            res.add(measurement("ghosting_percent", r["psg"], "%", "ghosting_acr", [im7], method="acr-psg", slice_no=7, rois=rois,
                                details={"signal": r["signal"], **{k: v["mean"] for k, v in r["rois"].items()},
                                         "phase_encoding": phase_encoding_axis(im7)}))

        _run(res, "piu", piu)
        _run(res, "uniformity_ws263", nine)
        _run(res, "ghosting", psg)
        _snr_measurements(res, im7, f7, r7, second, 7)
        _run(res, "artifacts", lambda: _artifact_measurement(res, im7, c7.mask, 7))

    def geometry(n, dirs):
        im = series.image(n)
        f, _ = frame(n)
        f = Frame(f.centre_px, 0.0, f.spacing)  # lines along the image axes
        for name, (length, a, b) in acr.geometric_lengths(im, f, dirs).items():
            count = acr.threshold_extent_mm(im, f, acr.DIRECTIONS[name])
            p0 = f.px(a * math.cos(math.radians(acr.DIRECTIONS[name])), a * math.sin(math.radians(acr.DIRECTIONS[name])))
            p1 = f.px(b * math.cos(math.radians(acr.DIRECTIONS[name])), b * math.sin(math.radians(acr.DIRECTIONS[name])))
            x0, y0 = im.px_to_mm(*p0)
            x1, y1 = im.px_to_mm(*p1)
            roi = Roi(shape="line", centre_mm=(round(x0, 3), round(y0, 3)), end_mm=(round(x1, 3), round(y1, 3)), label=name)
            res.add(measurement("geometric_length", length, "mm", "geometry", [im], method="acr", slice_no=n, rois=[roi],
                                details={"slice": n, "direction": name, "nominal_mm": acr.DIAMETER_MM,
                                         "threshold_extent_mm": count,
                                         # hazen's reading: whole pixels of a 7 % threshold mask's hull along
                                         # the line through the (rounded) centre; ours locates each wall to a
                                         # tenth of a pixel at half its level
                                         "hazen_method": {"method": "pixel count of the 7 %-of-maximum convex hull "
                                                                   "(hazen ACRGeometricAccuracy)", "value": count},
                                         "error_mm": length - acr.DIAMETER_MM,
                                         "distortion_percent": 100 * (length - acr.DIAMETER_MM) / acr.DIAMETER_MM}))

    if 1 in series.slices:
        _run(res, "geometry", lambda: geometry(1, ("horizontal", "vertical")))
    if 5 in series.slices:
        _run(res, "geometry", lambda: geometry(5, ("horizontal", "vertical", "diagonal_1", "diagonal_2")))

    if 1 in series.slices:
        im1 = series.slices[1]

        def thickness():
            f, _ = frame(1)
            t, d = acr.slice_thickness(im1, f)
            rois = []
            for name, r in d["ramps"].items():
                x0, y0 = im1.px_to_mm(*f.px(r["from_mm"], r["y_mm"]))
                x1, y1 = im1.px_to_mm(*f.px(r["to_mm"], r["y_mm"]))
                rois.append(Roi(shape="line", centre_mm=(round(x0, 3), round(y0, 3)), end_mm=(round(x1, 3), round(y1, 3)), label=name))
            d["nominal_mm"] = im1.slice_thickness
            res.add(measurement("slice_thickness", t, "mm", "slice_thickness", [im1], method="acr-ramps", slice_no=1, rois=rois, details=d))

        _run(res, "slice_thickness", thickness)
    for n in (1, 11):
        if n in series.slices:
            def position(n=n):
                im = series.slices[n]
                f, _ = frame(n)
                diff, d = acr.wedge_difference(im, f)
                d["slice"] = n
                d["position_error_mm"] = diff / 2
                res.add(measurement("slice_position_difference", diff, "mm", "slice_position", [im], method="acr-wedges", slice_no=n, details=d))
            _run(res, "slice_position", position)
    if 1 in series.slices:
        im1 = series.slices[1]

        def resolution():
            f, _ = frame(1)
            r = acr.hole_arrays(im1, f)
            if r["resolved_mm"] is None:
                raise MrAnalysisError(im1.path, "1.1、1.0、0.9 mm 孔阵均未分辨（分辨力差于 1.1 mm）",
                                      "none of the 1.1, 1.0 and 0.9 mm hole arrays is resolved (resolution worse than 1.1 mm)")
            rois = []
            for size, arr in r["details"]["arrays"].items():
                for direction, v in arr.items():
                    x, y = im1.px_to_mm(*f.px(*v["array_centre_mm"]))
                    rois.append(Roi(shape="rect", centre_mm=(round(x, 3), round(y, 3)), size_mm=(8 * float(size), 8 * float(size)),
                                    label=f"{size} mm {direction} {'resolved' if v['resolved'] else 'not resolved'}"))
            res.add(measurement("resolved_hole_size", r["resolved_mm"], "mm", "resolution", [im1], method="acr-holes",
                                slice_no=1, rois=rois, details=r["details"]))

        def mtf():
            f, _ = frame(1)
            r = acr.edge_mtf(im1, f)
            if r["mtf50_lp_mm"] is None:
                raise MrAnalysisError(im1.path, "边缘 MTF 未降到 50%", "the edge MTF never falls to 50 %")
            res.add(measurement("mtf50", 10 * r["mtf50_lp_mm"], "lp/cm", "edge_mtf", [im1], method="edge", slice_no=1,
                                details={"mtf10_lp_cm": 10 * r["mtf10_lp_mm"] if r["mtf10_lp_mm"] else None,
                                         "edge_angle_deg": r["edge_angle_deg"], "pixels": r["pixels"],
                                         "edge": "upper edge of the slice-thickness bar"}))

        _run(res, "resolution", resolution, im1.path)
        _run(res, "edge_mtf", mtf, im1.path)
    lcd = [n for n in (8, 9, 10, 11) if n in series.slices]
    if lcd:
        def low_contrast():
            per = acr.low_contrast({n: series.slices[n] for n in lcd}, {n: frame(n)[0] for n in lcd})
            total = sum(p["spokes"] for p in per.values())
            res.add(measurement("low_contrast_spokes", total, "", "low_contrast", [series.slices[n] for n in lcd], method="acr-spokes",
                                details={"per_slice": {str(k): v["spokes"] for k, v in per.items()}, "slices": lcd,
                                         "complete_set": len(lcd) == 4,
                                         "spoke_detail": {str(k): v["detail"] for k, v in per.items()}}))
        _run(res, "low_contrast", low_contrast, series.slices[lcd[0]].path)
    _report(res, list(images) + list(second) + list(localisers), options)
    return res


def _is_uniform(array: np.ndarray, obj) -> bool:
    """A flood is uniform inside: under 0.2 % of its core (30 % of the inscribed radius in from the wall) falls below half its median."""
    v = array[obj.dist_mm >= 0.3 * obj.inscribed_mm]
    return v.size > 0 and float(np.mean(v < 0.5 * np.median(v))) < 0.002


def _report(res: Result, images: Sequence[Image], options) -> None:
    folder = getattr(options, "report_dir", None) if options is not None else None
    if not folder:
        return
    from . import report

    def write():
        for p in report.write(res, images, folder):
            res.figures[p.stem] = str(p)

    _run(res, "report", write, str(folder))


def flood_tests(images: Sequence[Image], *, second: Sequence[Image] = (), options=None) -> Result:
    """Uniform (flood) phantom tests on each image: centre, SNR (3 methods), uniformity, ghosting, artifacts."""
    res = Result(modality="MR", phantom="flood")
    res.inputs = [im.ref() for im in images]
    images = list(images)
    reps: list[Image | None] = [None] * len(images)
    used: set[int] = set()
    if not second:
        # a series holding the same slice twice is a repeat pair (NEMA MS 1 subtraction)
        for i, a in enumerate(images):
            for j in range(i + 1, len(images)):
                b = images[j]
                if i in used or j in used or a.array.shape != b.array.shape:
                    continue
                if a.z is not None and b.z is not None and abs(a.z - b.z) < 0.01:
                    reps[i] = b
                    used.update((i, j))
    keep = [k for k in range(len(images)) if not (k in used and reps[k] is None)]
    pairs = [(images[k], reps[k]) for k in keep]
    for im, rep in pairs:
        values, _ = signal_values(im)
        try:
            obj = flood.find_flood(values, im.spacing)
        except ValueError:
            res.error(im.path, "未找到均匀体模（空白或全噪声图像）", "no flood phantom found (blank or all-noise image)", "flood")
            continue
        if not _is_uniform(values, obj):
            res.error(im.path, "图像中的物体内部不均匀（有结构），不是均匀体模，未做均匀体模测试",
                      "the object is not uniform inside (it has structure); not a flood phantom, flood tests not done", "flood")
            continue
        f = Frame(obj.centre_px, 0.0, im.spacing)
        r_mm = obj.circle_radius_mm if obj.shape == "round" else obj.inscribed_mm
        small = obj.equivalent_radius_mm < 40.0 and obj.mask.mean() < 0.08
        _centre_measurement(res, im, f, r_mm, None, shape=obj)
        pe = phase_encoding_axis(im)
        if small:
            # a small bottle well inside the field: the IPEM ghosting set-up
            def ipem():
                if pe is None:
                    raise MrAnalysisError(im.path, "头文件中没有相位编码方向，无法做 IPEM 伪影测试",
                                          "no phase-encoding direction in the header; IPEM ghosting not done")
                r = ghosting.ghosting_ipem(values, pe, spacing=im.spacing)
                res.add(measurement("ghosting_percent", r["ghosting"], "%", "ghosting_ipem", [im], method="ipem",
                                    details={k: r[k] for k in ("signal", "ghost", "noise")} | {"phase_encoding": pe}))
            _run(res, "ghosting_ipem", ipem)
            continue
        # McCann 2013: a 9×9 box for head-coil floods (≈ 9 mm at the usual 1 mm pixel)
        _snr_measurements(res, im, f, r_mm, second or ([rep] if rep is not None else []), None, kernel_mm=9.0, obj=obj)

        def fu():
            # IPEM: 160 mm profiles; on a smaller object 85 % of its diameter (round) or of its
            # chord through the centre (any other shape)
            if obj.shape == "round":
                lengths = {"h": min(160.0, 1.7 * r_mm), "v": min(160.0, 1.7 * r_mm)}
            else:
                lengths = {k: min(160.0, 0.85 * obj.chord_mm(axis)) for k, axis in (("h", 1), ("v", 0))}
            for k in ("h", "v"):
                r = uniformity.fractional_uniformity(values, f.centre_px, im.spacing, length_mm=lengths[k])
                res.add(measurement(f"fractional_uniformity_{k}", r[k], "", "fractional_uniformity", [im], method="ipem",
                                    details={"reference": r["reference"], "tolerance_percent": 10, "length_mm": lengths[k],
                                             "object_shape": obj.shape}))

        def nine():
            rings = None if obj.shape == "round" else [obj.wall_mm(a) for a in range(0, 360, 45)]
            r = uniformity.nine_roi_uniformity(values, f, r_mm, walls_mm=rings)
            rois = [roi_record(im, cc, radius_mm=r["roi_radius_mm"], label=f"u{i}") for i, cc in enumerate(r["centres_px"])]
            res.add(measurement("piu", r["uniformity"], "%", "uniformity_ws263", [im], method="ws263-nine-roi", rois=rois,
                                details={"means": r["means"]}))

        _run(res, "fractional_uniformity", fu)
        _run(res, "uniformity_ws263", nine)
        _run(res, "artifacts", lambda: _artifact_measurement(res, im, obj.mask, None))
    _report(res, list(images) + list(second), options)
    return res


def _frame_line(image: Image, frame: Frame, a_mm: tuple[float, float], b_mm: tuple[float, float], label: str) -> Roi:
    """A line ROI between two points of a phantom frame (mm), in the image's mm."""
    x0, y0 = image.px_to_mm(*frame.px(*a_mm))
    x1, y1 = image.px_to_mm(*frame.px(*b_mm))
    return Roi(shape="line", centre_mm=(round(x0, 3), round(y0, 3)), end_mm=(round(x1, 3), round(y1, 3)), label=label)


ROW_NAMES = ("top", "middle", "bottom")
COLUMN_NAMES = ("left", "middle", "right")


def slice_width_tests(found: Sequence[tuple[Image, "magnet.SliceWidthObject"]], *, options=None) -> Result:
    """The MagNET slice-width object on each image: slice width, the six rod distances, their distortion."""
    res = Result(modality="MR", phantom="magnet-slice-width")
    res.inputs = [im.ref() for im, _ in found]
    for im, obj in found:
        def run(im=im, obj=obj):
            values, scale = signal_values(im)
            r = magnet.slice_width(values, im.spacing, obj, im.path)
            f = obj.grid.frame()
            sx, sy = im.spacing[1], im.spacing[0]
            bands = {k: {kk: (round(vv, 4) if isinstance(vv, float) else vv) for kk, vv in b.items()} for k, b in r["bands"].items()}
            lines = [_frame_line(im, f, (-magnet.PROFILE_HALF_MM, b["y_mm"]), (magnet.PROFILE_HALF_MM, b["y_mm"]), f"{k} plate")
                     for k, b in r["bands"].items()]
            nominal = im.slice_thickness
            d = {"nominal_mm": nominal, "tilt_deg": r["tilt_deg"], "uncorrected_mm": r["uncorrected_mm"],
                 "geometric_mean_mm": r["geometric_mean_mm"], "bands": bands, "plate_angle_deg": r["plate_angle_deg"],
                 "grid_angle_deg": r["grid_angle_deg"], "pixel_values": scale["source"],
                 "band_half_width_mm": magnet.BAND_HALF_MM,
                 "method": "FWHM of each plate's band (quadratic baseline × a dip with smoothed edges, least squares), "
                           "divided by the rods' x scale; the two crossed plates solved together for width and tilt"}
            if nominal:
                d["error_mm"] = r["slice_width_mm"] - nominal
            res.add(measurement("slice_thickness", r["slice_width_mm"], "mm", "slice_width", [im], method="magnet-plates",
                                rois=lines, details=d))
            rods = obj.grid.rods_mm
            rod_rois = [roi_record(im, (x / sx, y / sy), radius_mm=obj.grid.rod_diameter_mm / 2, label=f"rod {3 * j + i + 1}")
                        for j in range(3) for i in range(3) for x, y in [rods[j, i]]]
            for axis, names, dists in (("horizontal", ROW_NAMES, r["horizontal_mm"]), ("vertical", COLUMN_NAMES, r["vertical_mm"])):
                for k, (name, length) in enumerate(zip(names, dists)):
                    a, b = (rods[k, 0], rods[k, 2]) if axis == "horizontal" else (rods[0, k], rods[2, k])
                    (x0, y0), (x1, y1) = im.px_to_mm(a[0] / sx, a[1] / sy), im.px_to_mm(b[0] / sx, b[1] / sy)
                    roi = Roi(shape="line", centre_mm=(round(x0, 3), round(y0, 3)), end_mm=(round(x1, 3), round(y1, 3)),
                              label=f"{axis} {name}")
                    res.add(measurement("geometric_length", length, "mm", "slice_width_rods", [im], method="magnet-rods",
                                        rois=[roi], details={"direction": f"{axis}_{name}", "nominal_mm": magnet.OUTER_MM,
                                                             "error_mm": length - magnet.OUTER_MM,
                                                             "distortion_percent": 100 * (length - magnet.OUTER_MM) / magnet.OUTER_MM,
                                                             "grid_angle_deg": r["grid_angle_deg"]}))
                res.add(measurement("geometric_distortion_percent", r[f"distortion_{axis[0]}_percent"], "%", "slice_width_rods", [im],
                                    method="magnet-rods", rois=rod_rois,
                                    details={"direction": axis, "distances_mm": dists, "mean_mm": float(np.mean(dists)),
                                             "formula": "100 × SD / mean of the three outer-rod distances (SD with n − 1)",
                                             "grid_fit_rms_mm": r["grid_fit_rms_mm"]}))

        _run(res, "slice_width", run, im.path)
    _report(res, [im for im, _ in found], options)
    return res
