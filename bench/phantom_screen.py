"""Timing of the DICOM node's content screen, ``huren.analysis.looks_like_phantom``.

    PYTHONPATH=src /work/venv/bin/python bench/phantom_screen.py

Per case: the decision and the median time of one call (after one warm-up call, so that
imports are not counted; fresh array copies, so that no cache helps) on the images the node would screen: the middle slice and its
neighbours (``screening_images``) of the real phantom series in ../shared/data/phantoms, one
synthetic DR image, and the patient-like images of ``huren.synth.patient``. The target is
< 0.2 s per 512² slice.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pydicom

from huren.analysis import looks_like_phantom, screening_images
from huren.dicomio import as_image, load_images
from huren.synth import dr
from huren.synth.patient import abdomen_hu, chest_dr, head_mr, with_pixels

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "phantoms"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/phantoms")


def timed(name: str, images) -> None:
    looks_like_phantom(images)
    t = []
    for _ in range(5):
        # fresh arrays each time: the finders cache masks by array identity
        fresh = [replace(m, array=m.array.copy()) for m in images]
        t0 = time.perf_counter()
        ok, _, en = looks_like_phantom(fresh)
        t.append(time.perf_counter() - t0)
    shape = images[0].shape if images else ()
    print(f"{name:32s} {len(images)} × {shape}  {statistics.median(t) * 1000:7.1f} ms  {ok!s:5s}  {en}")


def main() -> int:
    def series(folder, pick=None):
        ims = load_images(sorted((DATA / folder).glob("*")))[0]
        return screening_images([m for m in ims if pick is None or pick in Path(m.path).name])

    timed("MR GE ACR (512²)", series("mr/acr/GE"))
    timed("MR Siemens ACR (256²)", series("mr/acr/Siemens"))
    timed("CT Catphan CTP404 (512²)", series("ct/CTP404_FOV150"))
    timed("CT Siemens body water (512²)", series("ct/Constancy13img", "Kropp_vann"))
    timed("CT Siemens wire (512²)", series("ct/Constancy13img", "wire"))
    det = dr.Detector(shape=(2048, 2048), pixel_mm=0.2)
    timed("DR flat 2048²", [as_image(dr.flat_field(det, 10.0).ds)])
    timed("DR chest-like 2048²", [as_image(chest_dr(det))])
    hdr = pydicom.dcmread(DATA / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm")
    timed("CT abdomen-like (512²)", [as_image(with_pixels(hdr, np.clip(abdomen_hu() + 1024, 0, 4095), 0.78))])
    mr = load_images(sorted((DATA / "mr" / "acr" / "GE").glob("*"))[:1])[0][0].ds
    timed("MR head-like (256²)", [as_image(with_pixels(mr, head_mr(), 0.94))])
    return 0


if __name__ == "__main__":
    sys.exit(main())
