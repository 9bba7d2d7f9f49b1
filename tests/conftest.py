"""Shared fixtures: where the real phantom images are (``../shared/data/phantoms``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HUREN_SHARED", ROOT.parent / "shared"))
PHANTOMS = SHARED / "data" / "phantoms"


@pytest.fixture(scope="session")
def phantoms() -> Path:
    """The real phantom images; the suite fails (not skips) when they are absent."""
    if not PHANTOMS.is_dir():
        pytest.fail(f"real phantom images not found at {PHANTOMS}; set HUREN_SHARED to the shared/ folder")
    return PHANTOMS


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared/ folder (design documents, the seed standard, reference notes)."""
    if not (SHARED / "design").is_dir():
        pytest.fail(f"shared design documents not found at {SHARED}; set HUREN_SHARED to the shared/ folder")
    return SHARED


@pytest.fixture(autouse=True)
def _site_language():
    """Each test ends back in the site's language: a request with the English cookie leaves
    English active in its thread, and a later test that reads labels would see it."""
    yield
    from django.utils import translation

    translation.deactivate()
