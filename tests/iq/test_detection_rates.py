"""Detection and false-alarm rates over random synthetic studies (fixed seed).

Each modality: N random studies (vendors, body parts, spacings, gantry tilt, variable spacing, …),
half clean, half with one planted defect. Detection = the planted defect's check fails; a false
alarm = a clean study with any failed check. Figures are in docs/image-quality.md.
"""

import numpy as np
import pytest

from huren.iq import evaluate_study
from huren.synth import clinical as c

N = {"CT": 60, "DR": 60, "MR": 60}
MAKERS = {"CT": (c.random_ct, c.CT_DEFECTS), "DR": (c.random_dr, c.DR_DEFECTS), "MR": (c.random_mr, c.MR_DEFECTS)}


def rates(modality: str, n: int, seed: int = 20260315):
    make, defects = MAKERS[modality]
    rng = np.random.default_rng(seed)
    detected = planted = false_alarms = clean = 0
    misses = []
    for k in range(n):
        defect = None if k % 2 == 0 else defects[(k // 2) % len(defects)]
        st, check = make(rng, defect)
        ev = evaluate_study(st.datasets)
        fails = {x.check for x in ev.checks if x.result == "fail"}
        if defect is None:
            clean += 1
            false_alarms += bool(fails)
            if fails:
                misses.append(("false alarm", sorted(fails)))
        else:
            planted += 1
            detected += check in fails
            if check not in fails:
                misses.append(("missed", defect))
    return detected / planted, false_alarms / clean, misses


@pytest.mark.slow
@pytest.mark.parametrize("modality", ["CT", "DR", "MR"])
def test_detection_and_false_alarm_rates(modality):
    det, fa, misses = rates(modality, N[modality])
    print(f"{modality}: detection {det:.1%}, false alarms {fa:.1%} over {N[modality]} studies")
    assert det >= 0.95, misses
    assert fa <= 0.02, misses
