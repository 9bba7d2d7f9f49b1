"""Helpers for the CT analysis tests: write a synthetic series to disk and read it back as images."""

from __future__ import annotations

import pytest

from huren.dicomio import load_images


def load_synth(series, folder, **kw):
    """Write ``series`` (a SynthSeries) into ``folder`` and read it back; the read must be clean."""
    series.write(folder, **kw)
    images, errors = load_images([folder])
    assert not errors, errors
    return images


@pytest.fixture
def synth_images(tmp_path):
    n = [0]

    def make(series, **kw):
        n[0] += 1
        return load_synth(series, tmp_path / f"s{n[0]}", **kw)

    return make
