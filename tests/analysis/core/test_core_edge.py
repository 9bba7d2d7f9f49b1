"""The slanted-edge MTF primitive on plain arrays (any modality)."""

import math

import numpy as np
import pytest
from scipy.special import erf

from huren.analysis.core.edge import find_edge, slanted_edge_mtf

MTF50_PER_SIGMA = math.sqrt(math.log(2) / (2 * math.pi**2))


def edge_array(shape, pitch, sigma, angle_deg, low, high, *, falling=False, noise=0.0, seed=0, horizontal=False):
    rows, cols = shape
    y, x = np.mgrid[0:rows, 0:cols].astype(float)
    x = (x - (cols - 1) / 2) * pitch[1]
    y = (y - (rows - 1) / 2) * pitch[0]
    a = math.radians(angle_deg)
    d = (y * math.cos(a) + x * math.sin(a)) if horizontal else (x * math.cos(a) - y * math.sin(a))
    frac = 0.5 * (1 + erf(d / (sigma * math.sqrt(2))))
    if falling:
        frac = 1 - frac
    a = low + (high - low) * frac
    return a + noise * np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("low,high,falling,horizontal", [
    (-1000.0, 0.0, False, False),  # CT: air to water, HU
    (0.0, 900.0, True, False),  # MR-like, signal falls across the edge
    (50.0, 60.0, False, True),  # low contrast, noiseless
])
def test_mtf50_of_an_error_function_edge_in_any_units_and_direction(low, high, falling, horizontal):
    sigma = 0.35
    a = edge_array((300, 300), (0.5, 0.5), sigma, 4.0, low, high, falling=falling, horizontal=horizontal)
    e = slanted_edge_mtf(a, (0.5, 0.5))
    assert e.mtf50 == pytest.approx(MTF50_PER_SIGMA / sigma, rel=0.03)
    assert e.orientation == ("horizontal" if horizontal else "vertical")
    assert abs(e.angle_deg) == pytest.approx(4.0, abs=0.2)


def test_anisotropic_pixels_measure_the_mtf_across_the_edge():
    sigma = 0.3
    a = edge_array((400, 200), (0.25, 0.5), sigma, 3.0, 0.0, 100.0, noise=0.2)
    e = slanted_edge_mtf(a, (0.25, 0.5))
    assert e.mtf50 == pytest.approx(MTF50_PER_SIGMA / sigma, rel=0.05)
    assert e.nyquist == pytest.approx(1.0)


def test_find_edge_returns_a_point_on_the_edge_near_the_centre():
    a = edge_array((256, 256), (1.0, 1.0), 0.5, 5.0, 0.0, 1.0)
    (cx, cy), orient = find_edge(a)
    assert orient == "vertical"
    # the edge line x·cos a − y·sin a = 0 passes near the centre
    x, y = cx - 127.5, cy - 127.5
    assert abs(x * math.cos(math.radians(5)) - y * math.sin(math.radians(5))) < 3


def test_flat_noise_is_not_an_edge():
    a = np.random.default_rng(1).normal(100, 2, (200, 200))
    with pytest.raises(ValueError):
        slanted_edge_mtf(a, (0.2, 0.2))
