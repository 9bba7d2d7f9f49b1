"""Hand the measurements of an analysed series to the evidence store of its device."""

from __future__ import annotations


def record_measurements(run, result) -> int:
    """Record each measurement of ``result`` as evidence of the series' device; return how many."""
    return 0
