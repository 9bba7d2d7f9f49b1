"""Accuracy of the DR analyses against synthetic ground truth, over many settings and seeds.

Prints, for each test, the error statistics against truth: uniformity CV (percentage
points), ghost (points), MTF50 (%), dark mean (%), STP model choice, artifact detection
(found / planted, false findings on clean images).

    PYTHONPATH=src python bench/dr_accuracy.py [--seeds 10]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from huren.analysis import dr as dra
from huren.dicomio import images_from
from huren.synth import dr


def img(s):
    return images_from(s.ds)[0]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    n = ap.parse_args().seeds
    rng = np.random.default_rng(0)
    out: dict = {}

    unif_raw, unif_lin, models = [], [], []
    for seed in range(n):
        for response, gain, offset in (("linear", 400.0, 100.0), ("log", 1000.0, 3000.0), ("power", 800.0, 0.0)):
            cv = float(rng.uniform(0.5, 8))
            det = dr.Detector(seed=seed, response=response, gain=gain, offset=offset, gain_cv_percent=cv,
                              gain_angle_deg=float(rng.uniform(0, 90)), quantum_noise=float(rng.uniform(0.005, 0.02)))
            truth = dr.uniformity_truth(det, 10)
            series = [img(s) for s in dr.stp_series(det)]
            res, fit = dra.signal_transfer(series, [1, 5, 10, 20, 30])
            models.append(fit.model == response)
            m = dra.response_uniformity(img(dr.flat_field(det, 10, salt=99)), fit).get("uniformity_cv")
            unif_lin.append(m.value - truth["cv_linearised"])
            unif_raw.append(m.details["cv_raw"] - truth["cv_raw"])
    out["uniformity_cv_linearised_error_pp"] = {"mean": np.mean(unif_lin), "max_abs": np.max(np.abs(unif_lin)), "n": len(unif_lin)}
    out["uniformity_cv_raw_error_pp"] = {"mean": np.mean(unif_raw), "max_abs": np.max(np.abs(unif_raw))}
    out["stp_model_right"] = f"{sum(models)}/{len(models)}"

    ghost = []
    for seed in range(n):
        g = float(rng.uniform(-8, 8))
        det = dr.Detector(seed=seed, pixel_mm=float(rng.choice([0.4, 0.6, 0.8])))
        ims = [img(s) for s in dr.ghost_triple(det, ghost_percent=g, block_centre_mm=tuple(rng.uniform(-40, 40, 2)))]
        ghost.append(dra.ghost(ims).get("ghost_percent").details["signed_percent"] - g)
    out["ghost_error_pp"] = {"mean": np.mean(ghost), "max_abs": np.max(np.abs(ghost)), "n": len(ghost)}

    mtf = []
    for seed in range(n):
        px = float(rng.choice([0.1, 0.14, 0.15, 0.2]))
        sigma = float(rng.uniform(0.6, 1.5)) * px
        det = dr.Detector(seed=seed, pixel_mm=px, shape=(768, 768))
        s = dr.edge_image(det, sigma_mm=sigma, angle_deg=float(rng.uniform(1.5, 8)), vertical=bool(seed % 2))
        mtf.append((dra.edge_mtf(img(s)).get("mtf50").value / s.truth["mtf50"] - 1) * 100)
    out["mtf50_error_percent"] = {"mean": np.mean(mtf), "max_abs": np.max(np.abs(mtf)), "n": len(mtf)}

    dark = []
    for seed in range(n):
        lvl = float(rng.uniform(20, 3000))
        det = dr.Detector(seed=seed, dark_level=lvl, electronic_noise=float(rng.uniform(0.5, 10)))
        dark.append((dra.dark_noise(img(dr.dark_image(det))).get("dark_mean").value / lvl - 1) * 100)
    out["dark_mean_error_percent"] = {"mean": np.mean(dark), "max_abs": np.max(np.abs(dark)), "n": len(dark)}

    planted = [
        {"kind": "dead_pixel", "row": 100, "col": 100}, {"kind": "hot_pixel", "row": 300, "col": 60, "size": 2},
        {"kind": "dead_column", "index": 210}, {"kind": "dead_row", "index": 450, "start": 50, "stop": 250},
        {"kind": "stripe", "axis": "col", "start": 400, "width": 3, "amplitude": 0.01},
        {"kind": "stripe", "axis": "row", "start": 160, "width": 2, "amplitude": -0.008},
        {"kind": "blotch", "row": 350, "col": 300, "radius_mm": 10, "amplitude": -0.03},
    ]
    found, false = 0, 0
    for seed in range(n):
        det = dr.Detector(seed=seed, gain_cv_percent=float(rng.uniform(0, 6)), quantum_noise=float(rng.uniform(0.005, 0.02)))
        found += min(dra.artifacts(img(dr.flat_field(det, 10, artifacts=planted))).get("artifact_count").value, len(planted))
        false += dra.artifacts(img(dr.flat_field(det, 10, salt=5))).get("artifact_count").value
    out["artifacts"] = {"found": f"{found}/{len(planted) * n}", "false_on_clean": false, "clean_images": n}
    print(json.dumps(out, indent=2, default=lambda x: round(float(x), 4)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
